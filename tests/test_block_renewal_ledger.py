"""The renewal anchor (the date renewal periods count from) is the renewal
job's once a renewal happened: refused to a billing manager over JSON-RPC,
whatever the context."""

from datetime import date

from freezegun import freeze_time

from odoo.tests import HttpCase, tagged
from odoo.tests.common import JsonRpcException

from .common import SupportBillingCase

FORGED_CONTEXTS = [
    {},
    {"helpdesk_ledger_write": True},
    {"tracking_disable": True, "mail_notrack": True},
]


@tagged("post_install", "-at_install")
class TestRenewalAnchorOverRpc(HttpCase, SupportBillingCase):
    def _call(self, method, args, kwargs=None):
        model = "helpdesk.contract.profile"
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        )

    def test_anchor_kept_once_renewed(self):
        profile = self.env["helpdesk.contract.profile"].create(
            {
                "name": "Monthly",
                "billing_type": "subscription",
                "partner_id": self.customer.id,
                "prepaid_hours": 2.0,
                "step_duration": 15,
                "date_start": date(2025, 1, 31),
                "renewal_period": "month",
                "renewal_date": date(2025, 1, 31),
            }
        )
        self.authenticate(self.manager.login, self.manager.login)
        # Before any renewal, there is no anchor to keep.
        self._call("write", [[profile.id], {"renewal_anchor_date": "2025-01-31"}])
        with freeze_time("2025-03-05"):
            profile._renew_due_periods()
        self.env.flush_all()
        # January 31st, February 28th: the anchor keeps the month ends.
        self.assertEqual(
            profile.block_ids.filtered(lambda b: b.kind == "renewal").mapped(
                "period_start"
            ),
            [date(2025, 1, 31), date(2025, 2, 28)],
        )
        self.assertEqual(profile.renewal_date, date(2025, 3, 31))
        for context in FORGED_CONTEXTS:
            with (
                self.subTest(context=context),
                self.assertRaisesRegex(JsonRpcException, "(Access|User)Error"),
            ):
                self._call(
                    "write",
                    [[profile.id], {"renewal_anchor_date": "2025-03-01"}],
                    {"context": context},
                )
        profile.invalidate_recordset()
        self.assertEqual(profile.renewal_anchor_date, date(2025, 1, 31))
        # The rest of the profile stays the manager's.
        self._call("write", [[profile.id], {"name": "Monthly support"}])
        profile.invalidate_recordset()
        self.assertEqual(profile.name, "Monthly support")
