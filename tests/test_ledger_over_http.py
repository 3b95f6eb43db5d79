"""The table of fields holds over HTTP: a consultant through the web client's
JSON-RPC endpoint, and through Odoo 19's JSON-2 API with an API key."""

import json
from datetime import datetime, timedelta
from http import HTTPStatus

from odoo.fields import Command
from odoo.tests import HttpCase, get_db_name, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from .common import SessionCase


@tagged("post_install", "-at_install")
class TestLedgerFieldsOverHttp(HttpCase, SessionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._pay_per_use(partner_ids=[Command.link(cls.customer.id)])
        cls.other_customer = cls.env["res.partner"].create(
            {"name": "HSB Other Http", "is_company": True}
        )

    def _json2(self, user, model, method, payload):
        key = (
            self.env["res.users.apikeys"]
            .with_user(user)
            ._generate(
                scope="rpc",
                name="HSB test",
                expiration_date=datetime.now() + timedelta(days=1),
            )
        )
        with mute_logger("odoo.http"):
            return self.url_open(
                f"/json/2/{model}/{method}",
                data=json.dumps(payload),
                headers={
                    "Content-Type": "application/json",
                    "Authorization": f"Bearer {key}",
                    "X-Odoo-Database": get_db_name(),
                },
            )

    def test_consultant_types_no_duration_nor_customer_over_json_rpc(self):
        session = self._session(self._at(9), 30)
        self.authenticate(self.agent.login, self.agent.login)
        for vals in (
            {"total_duration": 600},
            {"duration": 600},
            {"partner_id": self.other_customer.id},
            {"needs_review": False},
        ):
            with (
                self.subTest(vals=vals),
                self.assertRaisesRegex(JsonRpcException, "AccessError"),
            ):
                self.make_jsonrpc_request(
                    "/web/dataset/call_kw/helpdesk.session/write",
                    {
                        "model": "helpdesk.session",
                        "method": "write",
                        "args": [[session.id], vals],
                        "kwargs": {},
                    },
                )
        session.invalidate_recordset()
        self.assertEqual(session.total_duration, 30)
        self.assertEqual(session.partner_id, self.customer)
        # What the consultant records still goes through.
        self.make_jsonrpc_request(
            "/web/dataset/call_kw/helpdesk.session/write",
            {
                "model": "helpdesk.session",
                "method": "write",
                "args": [[session.id], {"extra_duration": 10}],
                "kwargs": {},
            },
        )
        session.invalidate_recordset()
        self.assertEqual(session.total_duration, 40)

    def test_json2_refuses_figures_and_targets(self):
        session = self._session(self._at(9), 30)
        response = self._json2(
            self.agent,
            "helpdesk.session",
            "write",
            {"ids": [session.id], "vals": {"total_duration": 600, "cost": 0.0}},
        )
        self.assertEqual(response.status_code, HTTPStatus.FORBIDDEN, response.text)
        self.assertIn("never set by hand", response.json()["message"])
        response = self._json2(
            self.agent,
            "helpdesk.ticket",
            "write",
            {"ids": [self.ticket.id], "vals": {"response_breached": True}},
        )
        self.assertEqual(response.status_code, HTTPStatus.FORBIDDEN, response.text)
        # A context a client builds unlocks nothing either.
        response = self._json2(
            self.billing_manager,
            "helpdesk.session",
            "write",
            {
                "ids": [session.id],
                "vals": {"state": "rated"},
                "context": {"helpdesk_ledger_write": True},
            },
        )
        self.assertEqual(response.status_code, HTTPStatus.FORBIDDEN, response.text)
        session.invalidate_recordset()
        self.assertEqual((session.state, session.total_duration), ("draft", 30))
        # The API works for what the user may write.
        response = self._json2(
            self.agent,
            "helpdesk.session",
            "write",
            {"ids": [session.id], "vals": {"note": "Over JSON-2"}},
        )
        self.assertEqual(response.status_code, HTTPStatus.OK, response.text)
        session.invalidate_recordset()
        self.assertEqual(session.note, "Over JSON-2")
