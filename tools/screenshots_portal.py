"""Take the README's portal screenshot from a running `make demo` server.

usage: python3 tools/screenshots_portal.py [BASE_URL] [DB]
Gives Nordic Logistics' contact portal access (login and password
``nordic.portal``) if it has none, rates its sessions, and shoots the portal
home, My support, a ticket and a sent quote as that portal user. Needs what
tools/screenshots.py needs.
"""

import json
import urllib.request

import screenshots
from screenshots import Browser, rpc

LOGIN = "nordic.portal"


def portal_cookie():
    payload = json.dumps(
        {
            "jsonrpc": "2.0",
            "params": {"db": screenshots.DB, "login": LOGIN, "password": LOGIN},
        }
    ).encode()
    request = urllib.request.Request(
        f"{screenshots.BASE}/web/session/authenticate",
        data=payload,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        cookie = response.headers["Set-Cookie"]
    return cookie.split(";")[0].split("=", 1)[1]


def prepare():
    """Nordic's contact with portal access, its sessions rated; returns a
    ticket of Nordic's."""
    company = rpc("res.partner", "search", [("name", "=", "Nordic Logistics")])[0]
    contacts = rpc("res.partner", "search", [("parent_id", "=", company)])
    contact = contacts[0] if contacts else None
    if not contact:
        contact = rpc(
            "res.partner",
            "create",
            {
                "name": "Nina Nordic",
                "parent_id": company,
                "email": "nina@nordic-logistics.example.com",
            },
        )
    if not rpc("res.users", "search", [("login", "=", LOGIN)]):
        portal = rpc(
            "ir.model.data",
            "search_read",
            [("module", "=", "base"), ("name", "=", "group_portal")],
            ["res_id"],
        )[0]["res_id"]
        rpc(
            "res.users",
            "create",
            {
                "login": LOGIN,
                "password": LOGIN,
                "partner_id": contact,
                "group_ids": [(6, 0, [portal])],
            },
        )
    drafts = rpc(
        "helpdesk.session",
        "search",
        [("partner_id", "=", company), ("state", "=", "draft")],
    )
    if drafts:
        rpc("helpdesk.session", "action_rate", drafts)
    tickets = rpc("helpdesk.ticket", "search", [("partner_id", "child_of", company)])
    # A quote waiting for the customer's answer, with its price and taxes.
    if not rpc(
        "helpdesk.ticket.quote",
        "search",
        [("partner_id", "=", company), ("state", "=", "sent")],
    ):
        quote = rpc(
            "helpdesk.ticket.quote",
            "create",
            {
                "ticket_id": tickets[0],
                "description": "<p>Import the spring catalogue and its prices.</p>",
                "estimated_hours": 4,
                "pricing": "fixed",
                "amount": 320.0,
            },
        )
        rpc("helpdesk.ticket.quote", "action_send", [quote])
    return tickets[0]


def main():
    ticket = prepare()
    browser = Browser()
    try:
        browser.send("Network.enable")
        browser.send(
            "Network.setCookie",
            name="session_id",
            value=portal_cookie(),
            url=screenshots.BASE,
        )
        # The first page compiles the frontend assets: give it time.
        browser.shoot(f"{screenshots.BASE}/my", "portal_home", wait=15)
        browser.shoot(f"{screenshots.BASE}/my/support", "portal_support")
        browser.shoot(f"{screenshots.BASE}/my/ticket/{ticket}", "portal_ticket")
        quotes = rpc(
            "helpdesk.ticket.quote",
            "search_read",
            [("state", "=", "sent"), ("partner_id.name", "=", "Nordic Logistics")],
            ["access_url"],
        )
        if quotes:
            browser.shoot(
                f"{screenshots.BASE}{quotes[0]['access_url']}", "portal_quote"
            )
    finally:
        browser.close()


if __name__ == "__main__":
    main()
