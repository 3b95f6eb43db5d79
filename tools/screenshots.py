"""Take the README's screenshots from a running `make demo` server.

usage: python3 tools/screenshots.py [BASE_URL] [DB]
Needs Debian's chromium and the websocket-client package; logs in as
admin/admin and drives headless Chromium through the DevTools protocol.
"""

import base64
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
import xmlrpc.client

import websocket

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8069"
DB = sys.argv[2] if len(sys.argv) > 2 else "helpdesk_billing_demo"
OUT = "static/description/screenshots"
# The README's screens are read at 1600x1000; another port than 9333 when
# several Chromiums run on the machine.
WIDTH, HEIGHT = 1600, 1000
CDP_PORT = int(os.environ.get("HSB_CDP_PORT", "9333"))
# Only these shots (names, comma-separated), e.g. HSB_SHOTS=rating,sessions
ONLY = set(filter(None, os.environ.get("HSB_SHOTS", "").split(",")))


def session_cookie():
    payload = json.dumps(
        {
            "jsonrpc": "2.0",
            "params": {"db": DB, "login": "admin", "password": "admin"},
        }
    ).encode()
    request = urllib.request.Request(
        f"{BASE}/web/session/authenticate",
        data=payload,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        cookie = response.headers["Set-Cookie"]
    return cookie.split(";")[0].split("=", 1)[1]


def rpc(model, method, *args):
    common = xmlrpc.client.ServerProxy(f"{BASE}/xmlrpc/2/common")
    uid = common.authenticate(DB, "admin", "admin", {})
    models = xmlrpc.client.ServerProxy(f"{BASE}/xmlrpc/2/object", allow_none=True)
    return models.execute_kw(DB, uid, "admin", model, method, list(args))


class Browser:
    def __init__(self):
        self.profile = tempfile.mkdtemp()
        self.process = subprocess.Popen(
            [
                "chromium",
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--window-size={WIDTH},{HEIGHT}",
                f"--remote-debugging-port={CDP_PORT}",
                f"--user-data-dir={self.profile}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _attempt in range(50):
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{CDP_PORT}/json"
                ) as resp:
                    targets = json.load(resp)
                break
            except OSError:
                time.sleep(0.2)
        page = next(t for t in targets if t["type"] == "page")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"])
        self.next_id = 0

    def send(self, method, **params):
        self.next_id += 1
        self.ws.send(
            json.dumps({"id": self.next_id, "method": method, "params": params})
        )
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                return message.get("result", {})

    def shoot(self, url, name, wait=4.0):
        if ONLY and name not in ONLY | {"home"}:
            return
        self.send("Page.navigate", url=url)
        time.sleep(wait)
        data = self.send("Page.captureScreenshot", format="png")["data"]
        with open(f"{OUT}/{name}.png", "wb") as handle:
            handle.write(base64.b64decode(data))
        print(f"{OUT}/{name}.png")

    def close(self):
        self.ws.close()
        self.process.terminate()


def month_end_on_one_customer():
    """Rate, invoice, post and credit (rebilling) the sessions of the first
    customer to rate, as a clerk would at month-end: the pictures of a
    session after a credit note and of its invoice need one."""
    if rpc("helpdesk.session", "search", [("credit_note_id", "!=", False)]):
        return
    invoiced = rpc("helpdesk.session", "search_read", [("state", "=", "invoiced")])
    if not invoiced:
        drafts = rpc(
            "helpdesk.session",
            "search_read",
            [("state", "in", ("draft", "rated"))],
            ["partner_id", "preview_cost", "cost"],
        )
        partner = next(
            s["partner_id"][0]
            for s in drafts
            if s["partner_id"] and (s["preview_cost"] or s["cost"])
        )
        sessions = [
            s["id"] for s in drafts if s["partner_id"] and s["partner_id"][0] == partner
        ]
        rpc("helpdesk.session", "action_rate", sessions)
        rpc("helpdesk.session", "action_create_invoices", sessions)
        invoiced = rpc("helpdesk.session", "search_read", [("state", "=", "invoiced")])
    invoice_id = invoiced[0]["invoice_id"][0]
    if rpc("account.move", "read", [invoice_id], ["state"])[0]["state"] == "draft":
        rpc("account.move", "action_post", [invoice_id])
    journal = rpc("account.move", "read", [invoice_id], ["journal_id"])[0]
    common = xmlrpc.client.ServerProxy(f"{BASE}/xmlrpc/2/common")
    uid = common.authenticate(DB, "admin", "admin", {})
    models = xmlrpc.client.ServerProxy(f"{BASE}/xmlrpc/2/object", allow_none=True)
    context = {"active_model": "account.move", "active_ids": [invoice_id]}
    wizard = models.execute_kw(
        DB,
        uid,
        "admin",
        "account.move.reversal",
        "create",
        [{"journal_id": journal["journal_id"][0], "reason": "Wrong customer"}],
        {"context": context},
    )
    action = models.execute_kw(
        DB,
        uid,
        "admin",
        "account.move.reversal",
        "refund_moves",
        [[wizard]],
        {"context": context},
    )
    rpc("account.move", "action_post", [action["res_id"]])


def main():
    browser = Browser()
    try:
        browser.send(
            "Emulation.setDeviceMetricsOverride",
            width=WIDTH,
            height=HEIGHT,
            deviceScaleFactor=1,
            mobile=False,
        )
        browser.send("Network.enable")
        browser.send(
            "Network.setCookie",
            name="session_id",
            value=session_cookie(),
            url=BASE,
        )
        profile = rpc(
            "helpdesk.contract.profile",
            "search",
            [("billing_type", "=", "subscription")],
        )[0]
        # The first page compiles the assets: give it time.
        browser.shoot(f"{BASE}/odoo", "home", wait=15)

        browser.shoot(f"{BASE}/odoo/helpdesk-contract-profiles/{profile}", "profile")
        ticket = rpc("helpdesk.ticket", "search", [("name", "ilike", "printer")])[0]
        rpc("helpdesk.ticket", "action_timer_start", [ticket])
        time.sleep(3)
        browser.shoot(
            f"{BASE}/odoo/action-helpdesk_mgmt.helpdesk_ticket_action/{ticket}",
            "ticket_timer",
        )
        # The session list while the timer runs: a "Running" badge, no cost.
        browser.shoot(f"{BASE}/odoo/helpdesk-sessions?view_type=list", "sessions")
        rpc("helpdesk.ticket", "action_timer_stop", [ticket])
        # The few seconds timed for the picture are not demo data.
        timed = rpc(
            "helpdesk.session",
            "search",
            [("ticket_id", "=", ticket), ("duration", "=", 0)],
        )
        rpc("helpdesk.session", "unlink", timed)
        browser.shoot(f"{BASE}/odoo/helpdesk-rate-sessions", "rating", wait=5)
        month_end_on_one_customer()
        credited = rpc(
            "helpdesk.session",
            "search",
            [("credit_note_id", "!=", False)],
            0,
            1,
            "id desc",
        )
        if credited:
            browser.shoot(
                f"{BASE}/odoo/helpdesk-sessions/{credited[0]}",
                "session_credited",
                wait=8,
            )
        rules = (
            f"{BASE}/odoo/action-helpdesk_session_billing.helpdesk_scope_rule_action"
        )
        browser.shoot(rules, "scope_rules")
        invoice = rpc(
            "account.move",
            "search",
            [("move_type", "=", "out_invoice"), ("state", "=", "posted")],
            0,
            1,
            "id desc",
        )
        if invoice:
            browser.shoot(
                f"{BASE}/odoo/action-account.action_move_out_invoice_type/{invoice[0]}",
                "invoice",
            )
    finally:
        browser.close()


if __name__ == "__main__":
    main()
