from datetime import datetime, timedelta

from odoo.addons.account.tests import common as account_common
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import Form, new_test_user, tagged


class InvoicingCase(account_common.AccountTestInvoicingCommon):
    """Rated sessions of two customers, in a company with a real chart of
    accounts, taxes and a fiscal position (from the account module's tests)."""

    DAY = datetime(2025, 3, 10)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.helpdesk_scope_default_outcome = "billable"
        # The accountant of the account tests also configures support billing.
        cls.env.user.group_ids = [
            Command.link(cls.env.ref(xmlid).id)
            for xmlid in (
                "helpdesk_mgmt.group_helpdesk_manager",
                "helpdesk_session_billing.group_support_billing_manager",
            )
        ]
        cls.billing_manager = new_test_user(
            cls.env,
            "hsb_invoicing_manager",
            groups="account.group_account_invoice,helpdesk_mgmt.group_helpdesk_user,"
            "helpdesk_session_billing.group_support_billing_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.support_product = cls.env["product.product"].create(
            {
                "name": "HSB support",
                "type": "service",
                "categ_id": cls.product_category.id,
                "taxes_id": [Command.set(cls.tax_sale_a.ids)],
            }
        )
        cls.analytic_plan = cls.env["account.analytic.plan"].create({"name": "HSB"})
        cls.analytic_account = cls.env["account.analytic.account"].create(
            {"name": "HSB support revenue", "plan_id": cls.analytic_plan.id}
        )
        cls.hourly = cls.env["helpdesk.contract.profile"].create(
            {
                "name": "HSB hourly",
                "billing_type": "pay_per_use",
                "step_duration": 60,
                "step_cost": 90.0,
                "product_id": cls.support_product.id,
                "partner_ids": [Command.set((cls.partner_a | cls.partner_b).ids)],
                "analytic_distribution": {str(cls.analytic_account.id): 100},
            }
        )
        cls.ticket_a = cls._ticket(cls.partner_a, "HSB printer")
        cls.ticket_a2 = cls._ticket(cls.partner_a, "HSB mail")
        cls.ticket_b = cls._ticket(cls.partner_b, "HSB backup")

    @classmethod
    def _ticket(cls, partner, name):
        return cls.env["helpdesk.ticket"].create(
            {
                "name": name,
                "description": "<p>x</p>",
                "partner_id": partner.id,
                "company_id": cls.company.id,
            }
        )

    def _rated(self, ticket, hour, minutes, **vals):
        start = self.DAY.replace(hour=hour)
        session = self.env["helpdesk.session"].create(
            {
                "ticket_id": ticket.id,
                "date_start": start,
                "date_end": start + timedelta(minutes=minutes),
                **vals,
            }
        )
        session.with_user(self.billing_manager).action_rate()
        return session

    def _invoice(self, sessions, **options):
        action = sessions.with_user(self.billing_manager).action_create_invoices(
            **options
        )
        if action.get("res_id"):
            return self.env["account.move"].browse(action["res_id"])
        return self.env["account.move"].search(action["domain"])


@tagged("post_install", "-at_install")
class TestSessionInvoicing(InvoicingCase):
    def test_one_invoice_per_customer_with_taxes_and_fiscal_position(self):
        a1 = self._rated(self.ticket_a, 9, 50)
        a2 = self._rated(self.ticket_a2, 11, 70)
        b1 = self._rated(self.ticket_b, 14, 30)
        invoices = self._invoice(a1 | a2 | b1)
        self.assertEqual(len(invoices), 2)
        invoice_a = invoices.filtered(lambda m: m.partner_id == self.partner_a)
        invoice_b = invoices - invoice_a
        self.assertEqual(invoice_a.state, "draft")
        self.assertEqual(invoice_a.move_type, "out_invoice")
        self.assertEqual(invoice_a.amount_untaxed, a1.cost + a2.cost)
        self.assertEqual(invoice_a.amount_untaxed, 270.0)
        self.assertEqual(invoice_b.amount_untaxed, b1.cost)
        line_a = invoice_a.invoice_line_ids[0]
        self.assertEqual(line_a.product_id, self.support_product)
        self.assertEqual(line_a.tax_ids, self.tax_sale_a)
        self.assertIn("HSB printer", line_a.name)
        self.assertIn("50 min, billed 60 min", line_a.name)
        # partner_b's fiscal position maps tax A to tax B.
        self.assertEqual(invoice_b.invoice_line_ids.tax_ids, self.tax_sale_b)
        self.assertEqual(
            line_a.analytic_distribution, {str(self.analytic_account.id): 100}
        )
        self.assertEqual(set((a1 | a2 | b1).mapped("state")), {"invoiced"})
        self.assertEqual(a1.invoice_line_id, line_a)
        self.assertEqual(a1.invoice_id, invoice_a)
        self.assertEqual(invoice_a.helpdesk_session_count, 2)
        invoice_a.action_post()
        self.assertEqual(invoice_a.state, "posted")

    def test_distribution_models_apply_per_customer(self):
        # Without a distribution on the profile, Odoo's analytic distribution
        # models decide, customer by customer, even within one batch.
        self.hourly.analytic_distribution = False
        account_a = self.env["account.analytic.account"].create(
            {"name": "HSB customer A", "plan_id": self.analytic_plan.id}
        )
        self.env["account.analytic.distribution.model"].create(
            {
                "partner_id": self.partner_a.id,
                "analytic_distribution": {str(account_a.id): 100},
            }
        )
        a1 = self._rated(self.ticket_a, 9, 50)
        a2 = self._rated(self.ticket_a2, 11, 20)
        b1 = self._rated(self.ticket_b, 14, 30)
        self._invoice(a1 | a2 | b1, grouping="session")
        for session in a1 | a2:
            self.assertEqual(
                session.invoice_line_id.analytic_distribution,
                {str(account_a.id): 100},
            )
        self.assertFalse(b1.invoice_line_id.analytic_distribution)

    def test_never_twice_by_clicking_again(self):
        session = self._rated(self.ticket_a, 9, 50)
        self._invoice(session)
        with self.assertRaisesRegex(UserError, "Nothing to invoice"):
            self._invoice(session)
        self.assertEqual(
            self.env["account.move.line"].search_count(
                [("helpdesk_session_ids", "in", session.ids)]
            ),
            1,
        )

    def test_never_on_a_second_invoice_by_hand(self):
        session = self._rated(self.ticket_a, 9, 50)
        self._invoice(session)
        other = self.init_invoice(
            "out_invoice", self.partner_a, products=self.product_a
        )
        with self.assertRaisesRegex(UserError, "never set by hand"):
            session.write({"invoice_line_id": other.invoice_line_ids[0].id})
        with self.assertRaisesRegex(UserError, "Nothing to invoice"):
            other._add_support_sessions(session)

    def test_post_at_once_and_group_per_ticket(self):
        sessions = (
            self._rated(self.ticket_a, 11, 20)
            | self._rated(self.ticket_a, 9, 50)
            | self._rated(self.ticket_a2, 14, 61)
        )
        invoice = self._invoice(sessions, post=True)
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(len(invoice.invoice_line_ids), 2, "one line per ticket")
        self.assertEqual(invoice.amount_untaxed, sum(sessions.mapped("cost")))
        ticket_line = invoice.invoice_line_ids.filtered(
            lambda line: "HSB printer" in line.name
        )
        self.assertEqual(len(ticket_line.helpdesk_session_ids), 2)
        # The line still details each session, in the order they happened.
        lines = ticket_line.name.splitlines()
        self.assertIn("HSB printer", lines[0])
        self.assertEqual(lines[1], "2 sessions: 70 min, billed 120 min")
        self.assertRegex(
            lines[2],
            r"^- \d{4}-\d\d-\d\d 09:00 UTC, .*: 50 min, billed 60 min: .*90\.00 · "
            r"Billable: Not covered by your contract$",
        )
        self.assertRegex(
            lines[3],
            r"^- \d{4}-\d\d-\d\d 11:00 UTC, .*: 20 min, billed 60 min: .*90\.00 · "
            r"Billable: Not covered by your contract$",
        )
        self.assertEqual(len(lines), 4)
        # One creation note per invoice, logged in one batch.
        self.assertIn(
            "Invoice created from 3 support sessions.",
            invoice.message_ids.mapped("body")[-1],
        )

    def test_group_per_session(self):
        sessions = self._rated(self.ticket_a, 9, 50) | self._rated(
            self.ticket_a, 11, 20
        )
        invoice = self._invoice(sessions, grouping="session")
        self.assertEqual(len(invoice.invoice_line_ids), 2)
        for session in sessions:
            self.assertEqual(session.invoice_line_id.helpdesk_session_ids, session)
            self.assertEqual(session.invoice_line_id.price_subtotal, session.cost)
        self.assertIn(
            "50 min, billed 60 min", sessions[0].invoice_line_id.name.splitlines()[1]
        )

    def test_total_to_the_cent(self):
        self.hourly.write({"step_duration": 1, "step_cost": 0.37})
        sessions = self._rated(self.ticket_a, 9, 13) | self._rated(
            self.ticket_a, 11, 29
        )
        invoice = self._invoice(sessions)
        self.assertEqual(invoice.amount_untaxed, 15.54)
        self.assertEqual(
            invoice.currency_id.compare_amounts(
                invoice.amount_untaxed, sum(sessions.mapped("cost"))
            ),
            0,
        )

    def test_add_from_the_invoice_screen(self):
        early = self._rated(self.ticket_a, 9, 50)
        late = self._rated(
            self.ticket_a2,
            9,
            50,
            date_start=self.DAY + timedelta(days=20),
            date_end=self.DAY + timedelta(days=20, minutes=50),
        )
        other_customer = self._rated(self.ticket_b, 9, 50)
        invoice = self.init_invoice(
            "out_invoice", self.partner_a, products=self.product_a
        )
        action = invoice.with_user(self.billing_manager).action_add_support_sessions()
        wizard = Form(
            self.env[action["res_model"]]
            .with_user(self.billing_manager)
            .with_context(**action["context"])
        )
        self.assertEqual(len(wizard.session_ids), 2)
        wizard.date_to = self.DAY.date()
        self.assertEqual(len(wizard.session_ids), 1)
        wizard.save().action_add()
        self.assertEqual(early.invoice_id, invoice)
        self.assertEqual(early.state, "invoiced")
        self.assertEqual(late.state, "rated")
        self.assertEqual(other_customer.state, "rated")
        self.assertEqual(len(invoice.invoice_line_ids), 2)

    def test_add_refused_on_posted_invoice(self):
        invoice = self.init_invoice(
            "out_invoice", self.partner_a, products=self.product_a, post=True
        )
        with self.assertRaisesRegex(UserError, "draft customer invoices"):
            invoice.action_add_support_sessions()

    def test_line_removal_deletion_and_cancel_release_sessions(self):
        s1 = self._rated(self.ticket_a, 9, 50)
        s2 = self._rated(self.ticket_a, 11, 50)
        invoice = self._invoice(s1 | s2, grouping="session")
        invoice.write({"invoice_line_ids": [Command.delete(s1.invoice_line_id.id)]})
        self.assertEqual(s1.state, "rated")
        self.assertFalse(s1.invoice_line_id)
        self.assertEqual(s2.state, "invoiced")
        invoice.button_cancel()
        self.assertEqual(s2.state, "rated")
        self.assertFalse(s2.invoice_line_id)
        again = self._invoice(s1 | s2)
        again.unlink()
        self.assertEqual((s1 | s2).mapped("state"), ["rated", "rated"])

    def _full_credit_note(self, invoice):
        wizard = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "reason": "HSB credit"})
        )
        wizard.refund_moves()
        credit_note = wizard.new_move_ids
        credit_note.action_post()
        return credit_note

    def test_full_credit_note_makes_sessions_billable_again(self):
        session = self._rated(self.ticket_a, 9, 50)
        invoice = self._invoice(session, post=True)
        credit_note = self._full_credit_note(invoice)
        self.assertEqual(session.state, "rated")
        self.assertFalse(session.invoice_line_id)
        self.assertEqual(session.credited_invoice_id, invoice)
        self.assertEqual(session.credit_note_id, credit_note)
        again = self._invoice(session)
        self.assertEqual(session.invoice_id, again)
        self.assertEqual(session.credited_invoice_id, invoice)

    def test_full_credit_note_closes_sessions(self):
        self.company.helpdesk_credit_note_mode = "close"
        session = self._rated(self.ticket_a, 9, 50)
        invoice = self._invoice(session, post=True)
        credit_note = self._full_credit_note(invoice)
        self.assertEqual(session.state, "credited")
        self.assertEqual(session.invoice_id, invoice)
        self.assertEqual(session.credit_note_id, credit_note)
        with self.assertRaisesRegex(UserError, "Nothing to invoice"):
            self._invoice(session)

    def test_partial_credit_note_of_a_session_line_is_refused(self):
        # A line of sessions is credited whole or not at all: billed minus
        # credited is the session's cost or nothing, never 80.00 of 90.00.
        session = self._rated(self.ticket_a, 9, 50)
        invoice = self._invoice(session, post=True)
        credit_note = invoice._reverse_moves()
        credit_note.invoice_line_ids.write({"quantity": 1.0, "price_unit": 10})
        with self.assertRaisesRegex(UserError, "credited whole"):
            credit_note.action_post()
        self.assertEqual(credit_note.state, "draft")
        self.assertEqual(session.state, "invoiced")
        self.assertFalse(session.credit_note_id)

    def test_included_sessions_never_charged_zero_lines_optional(self):
        self.env["helpdesk.scope.rule"].create(
            {
                "name": "HSB all included for B",
                "outcome": "included",
                "keywords": "backup",
            }
        )
        included = self._rated(self.ticket_b, 9, 50)
        billed = self._rated(self.ticket_b, 11, 50)
        self.assertEqual(included.scope, "included")
        self.assertEqual(included.cost, 0)
        self.assertEqual(billed.cost, 0, "the rule matches the ticket title")
        with self.assertRaisesRegex(UserError, "Nothing to invoice"):
            self._invoice(included)
        self.company.helpdesk_invoice_show_included = True
        invoice = self._invoice(included | billed, grouping="session")
        self.assertEqual(invoice.amount_untaxed, 0)
        self.assertEqual(len(invoice.invoice_line_ids), 2)
        self.assertIn("included in your contract", invoice.invoice_line_ids[0].name)

    def test_from_the_rating_wizard(self):
        session = self._rated(self.ticket_a, 9, 50)
        rating = (
            self.env["helpdesk.session.rating.wizard"]
            .with_user(self.billing_manager)
            .create(
                {
                    "state_filter": "rated",
                    "partner_id": self.partner_a.id,
                    "date_from": False,
                    "date_to": False,
                }
            )
        )
        action = rating.action_create_invoices()
        wizard = Form(
            self.env[action["res_model"]]
            .with_user(self.billing_manager)
            .with_context(**action["context"])
        )
        wizard.post = True
        result = wizard.save().action_create_invoices()
        # A notification saying what was done, then the invoice.
        self.assertEqual(result["tag"], "display_notification")
        invoice = self.env["account.move"].browse(result["params"]["next"]["res_id"])
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(session.invoice_id, invoice)

    def test_consultant_cannot_invoice(self):
        consultant = new_test_user(
            self.env,
            "hsb_invoicing_consultant",
            groups="helpdesk_mgmt.group_helpdesk_user",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        session = self._rated(self.ticket_a, 9, 50)
        with self.assertRaises(Exception):  # noqa: B017 - AccessError or UserError
            session.with_user(consultant).action_create_invoices()
        self.assertEqual(session.state, "rated")
