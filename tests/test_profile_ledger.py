"""Profiles and recharges in the billing ledger: the figures rating,
recharging and invoicing keep on them (consumed minutes, deferred revenue,
the low-balance flag, invoice links) are refused to everyone else, whatever
the group and the context, in Python and over JSON-RPC; the module's own
paths still write them."""

from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged
from odoo.tests.common import JsonRpcException

from .common import SupportAccountingCase, SupportBillingCase

# What a client might send to get past a check: the ledger key with values a
# client can build, and Odoo's own keys.
FORGED_CONTEXTS = [
    {},
    {"helpdesk_ledger_write": True},
    {"helpdesk_ledger_write": "helpdesk_ledger_write"},
    {"tracking_disable": True, "mail_notrack": True},
]


@tagged("post_install", "-at_install")
class TestProtectedProfileFields(SupportAccountingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._enable_deferred_revenue()
        cls.profile = cls._subscription()
        cls.other_invoice = cls.init_invoice(
            "out_invoice", partner=cls.customer, amounts=[100.0]
        )

    def _users(self):
        # The billing manager, and the accountant of the account tests (also
        # helpdesk and so support billing manager).
        return (self.billing_manager, self.env.user)

    def test_no_user_writes_a_profile_ledger_figure(self):
        figures = {
            "consumed_minutes": -600,
            "recharged_hours": 100.0,
            "deferred_recognized_amount": 800.0,
            "deferred_closed": True,
            "low_balance_notified": True,
            "pack_invoice_id": self.other_invoice.id,
        }
        for user in self._users():
            profile = self.profile.with_user(user)
            for fname, value in figures.items():
                for context in FORGED_CONTEXTS:
                    with (
                        self.subTest(user=user.login, field=fname, context=context),
                        self.assertRaisesRegex(UserError, "never set by hand"),
                        self.cr.savepoint(),
                    ):
                        profile.with_context(**context).write({fname: value})
        # Not even as superuser: only the module's own paths write them.
        with self.assertRaisesRegex(UserError, "never set by hand"):
            self.profile.sudo().write({"consumed_minutes": 0})
        self.profile.invalidate_recordset()
        self.assertEqual(self.profile.remaining_hours, 10.0)
        self.assertFalse(self.profile.pack_invoice_id)
        self.assertFalse(self.profile.deferred_closed)

    def test_no_profile_is_created_with_ledger_figures(self):
        forged = [
            {"consumed_minutes": -600},
            {"pack_invoice_id": self.other_invoice.id},
            {"deferred_recognized_amount": -800.0},
        ]
        for user in self._users():
            Profile = self.env["helpdesk.contract.profile"].with_user(user)
            for vals in forged:
                for context in FORGED_CONTEXTS:
                    with (
                        self.subTest(user=user.login, vals=vals, context=context),
                        self.assertRaisesRegex(UserError, "never set by hand"),
                        self.cr.savepoint(),
                    ):
                        Profile.with_context(**context).create(
                            {
                                "name": "HSB forged pack",
                                "billing_type": "subscription",
                                "partner_id": self.partner_a.id,
                                "prepaid_hours": 10,
                                **vals,
                            }
                        )
        self.assertFalse(
            self.env["helpdesk.contract.profile"].search(
                [("name", "=", "HSB forged pack")]
            )
        )
        # A copy starts with no consumption and no invoice: nothing forged.
        self._rate(self._session(9, 60))
        copy = self.profile.copy({"partner_id": self.partner_a.id})
        self.assertEqual((copy.consumed_minutes, copy.pack_invoice_id.id), (0, False))

    def test_no_recharge_invoice_link_by_hand(self):
        free = self._recharge(self.profile, 2.0, 0.0)
        self.assertFalse(free.invoice_id)
        Recharge = self.env["helpdesk.contract.recharge"]
        for user in self._users():
            for context in FORGED_CONTEXTS:
                with self.subTest(user=user.login, context=context):
                    with (
                        self.assertRaisesRegex(UserError, "never set by hand"),
                        self.cr.savepoint(),
                    ):
                        free.with_user(user).with_context(**context).write(
                            {"invoice_id": self.other_invoice.id}
                        )
                    with (
                        self.assertRaisesRegex(UserError, "never set by hand"),
                        self.cr.savepoint(),
                    ):
                        Recharge.with_user(user).with_context(**context).create(
                            {
                                "profile_id": self.profile.id,
                                "hours": 1.0,
                                "invoice_id": self.other_invoice.id,
                            }
                        )
        self.assertFalse(free.invoice_id)
        self.assertEqual(self.profile.recharge_ids, free)

    def test_the_module_still_writes_them(self):
        self.company.helpdesk_low_balance_threshold = 9.5
        self.profile.with_user(self.billing_manager).action_invoice_pack()
        self.profile.pack_invoice_id.action_post()
        self._rate(self._session(9, 60))
        self.assertEqual(self.profile.consumed_minutes, 60)
        self.assertTrue(self.profile.low_balance_notified)
        self.assertEqual(self.profile.deferred_recognized_amount, 80.0)
        recharge = self._recharge(self.profile, 1.0, 90.0)
        self.assertEqual(recharge.invoice_id.amount_untaxed, 90.0)
        self.assertFalse(self.profile.low_balance_notified)
        self.profile.with_user(self.billing_manager).action_close_subscription()
        self.assertTrue(self.profile.deferred_closed)
        self.assertEqual(self.profile.deferred_recognized_amount, 890.0)


@tagged("post_install", "-at_install")
class TestProfileLedgerOverRpc(HttpCase, SupportBillingCase):
    """A billing manager calling the JSON-RPC endpoint of the web client."""

    def _call(self, model, method, args, kwargs=None):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        )

    def test_consumption_is_not_forged_over_rpc(self):
        pack = self._subscription()
        self.authenticate(self.manager.login, self.manager.login)
        for context in FORGED_CONTEXTS:
            with (
                self.subTest(context=context),
                self.assertRaisesRegex(JsonRpcException, "(Access|User)Error"),
            ):
                self._call(
                    "helpdesk.contract.profile",
                    "write",
                    [[pack.id], {"consumed_minutes": -6000, "name": "Forged"}],
                    {"context": context},
                )
        pack.invalidate_recordset()
        self.assertEqual((pack.remaining_hours, pack.name), (10.0, "Pack"))
        # What a manager may change, they change.
        self._call("helpdesk.contract.profile", "write", [[pack.id], {"name": "Big"}])
        pack.invalidate_recordset()
        self.assertEqual(pack.name, "Big")
