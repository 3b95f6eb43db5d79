"""*Add support sessions* on an invoice: only a draft customer invoice, the
rated cost in the invoice's currency on its date, with the user's rights."""

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import Form, new_test_user, tagged

from .common import SupportAccountingCase


@tagged("post_install", "-at_install")
class TestAddSessionsToInvoice(SupportAccountingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # 1 company currency = 2 of it from 2017 on.
        cls.other_currency = cls.setup_other_currency("EUR")
        cls.env["helpdesk.contract.profile"].create(
            {
                "name": "HSB hourly",
                "billing_type": "pay_per_use",
                "step_duration": 60,
                "step_cost": 90.0,
                "product_id": cls.support_product.id,
                "partner_ids": [Command.link(cls.customer.id)],
            }
        )
        billing_groups = (
            "helpdesk_mgmt.group_helpdesk_user,"
            "helpdesk_session_billing.group_support_billing_manager"
        )
        company_vals = {
            "company_id": cls.company.id,
            "company_ids": [Command.set(cls.company.ids)],
        }
        cls.accountant = new_test_user(
            cls.env,
            "hsb_add_accountant",
            groups=f"account.group_account_invoice,{billing_groups}",
            **company_vals,
        )
        cls.auditor = new_test_user(
            cls.env,
            "hsb_add_auditor",
            groups=f"account.group_account_readonly,{billing_groups}",
            **company_vals,
        )

    def setUp(self):
        super().setUp()
        self.session = self._session(9, 50)
        self._rate(self.session)

    def _wizard(self, move, user):
        return (
            self.env["helpdesk.session.invoice.add.wizard"]
            .with_user(user)
            .create({"move_id": move.id})
        )

    def test_foreign_currency_at_the_invoice_date(self):
        invoice = self.init_invoice(
            "out_invoice",
            self.customer,
            invoice_date="2019-01-01",
            currency=self.other_currency,
            products=self.product_a,
        )
        action = invoice.with_user(self.accountant).action_add_support_sessions()
        wizard = Form(
            self.env[action["res_model"]]
            .with_user(self.accountant)
            .with_context(**action["context"])
        )
        self.assertEqual(len(wizard.session_ids), 1)
        wizard.save().action_add()
        line = self.session.invoice_line_id
        self.assertEqual(self.session.state, "invoiced")
        self.assertEqual(line.move_id, invoice)
        self.assertEqual(self.session.cost, 90.0)
        self.assertEqual(line.currency_id, self.other_currency)
        self.assertEqual(line.price_subtotal, 180.0)
        self.assertEqual(line.balance, -90.0)

    def test_only_draft_customer_invoices(self):
        cancelled = self.init_invoice("out_invoice", self.customer)
        cancelled.button_cancel()
        moves = {
            "credit note": self.init_invoice(
                "out_refund", self.customer, products=self.product_a
            ),
            "vendor bill": self.init_invoice(
                "in_invoice", self.customer, products=self.product_a
            ),
            "posted invoice": self.init_invoice(
                "out_invoice", self.customer, products=self.product_a, post=True
            ),
            "cancelled invoice": cancelled,
        }
        for name, move in moves.items():
            lines = move.line_ids
            with (
                self.subTest(move=name),
                self.assertRaisesRegex(UserError, "draft customer invoices only"),
                self.cr.savepoint(),
            ):
                move.with_user(self.accountant)._add_support_sessions(
                    self.session.with_user(self.accountant)
                )
            self.assertEqual(move.line_ids, lines)
            with (
                self.subTest(move=name, screen=True),
                self.assertRaisesRegex(UserError, "draft customer invoices only"),
                self.cr.savepoint(),
            ):
                self._wizard(move, self.accountant).action_add()
        self.assertEqual(self.session.state, "rated")
        self.assertFalse(self.session.invoice_line_id)

    def test_needs_the_right_to_edit_invoices(self):
        invoice = self.init_invoice(
            "out_invoice", self.customer, products=self.product_a
        )
        # Neither a billing manager without accounting, nor an auditor who
        # reads invoices but may not change them.
        for user in (self.billing_manager, self.auditor):
            with (
                self.subTest(user=user.login),
                self.assertRaisesRegex(AccessError, "right to edit invoices"),
                self.cr.savepoint(),
            ):
                self._wizard(invoice, user).action_add()
        with self.assertRaisesRegex(AccessError, "right to edit invoices"):
            invoice.with_user(self.auditor).action_add_support_sessions()
        self.assertEqual(self.session.state, "rated")
        self.assertEqual(len(invoice.invoice_line_ids), 1)
        self._wizard(invoice, self.accountant).action_add()
        self.assertEqual(self.session.invoice_id, invoice)
