"""The month-end buttons say what they did: Create invoices names the
invoices, their customers and amounts and how many sessions; the rating
screen hides the buttons with nothing left to do."""

from odoo.tests import tagged

from . import test_invoicing
from .common import open_rating_screen


@tagged("post_install", "-at_install")
class TestMonthEndConfirmations(test_invoicing.InvoicingCase):
    def test_create_invoices_says_what_it_did(self):
        a1 = self._rated(self.ticket_a, 9, 50)  # 90.00
        a2 = self._rated(self.ticket_a2, 11, 70)  # 180.00
        b1 = self._rated(self.ticket_b, 14, 30)  # 90.00
        wizard = (
            self.env["helpdesk.session.invoice.wizard"]
            .with_user(self.billing_manager)
            .create({"session_ids": [(6, 0, (a1 | a2 | b1).ids)], "post": True})
        )
        action = wizard.action_create_invoices()
        self.assertEqual(action["tag"], "display_notification")
        invoices = (a1 | a2 | b1).invoice_id.sorted("id")
        self.assertEqual(len(invoices), 2)
        self.assertEqual(
            action["params"]["next"]["domain"], [("id", "in", invoices.ids)]
        )
        message = action["params"]["message"]
        self.assertTrue(
            message.startswith("3 session(s) invoiced on 2 invoice(s): "), message
        )
        for invoice in invoices:
            self.assertIn(f"{invoice.name} for {invoice.partner_id.name}", message)
        self.assertIn(invoices.currency_id.format(270.0), message)
        self.assertIn(invoices.currency_id.format(90.0), message)

    def test_create_invoices_dialog_counts_what_it_invoices(self):
        """The dialog counts the sessions it will invoice, not those it was
        given (the list's selection, the rating screen's lines)."""
        rated = self._rated(self.ticket_a, 9, 50) | self._rated(self.ticket_b, 14, 30)
        draft = self.env["helpdesk.session"].create(
            {
                "ticket_id": self.ticket_a.id,
                "date_start": self.DAY.replace(hour=16),
                "date_end": self.DAY.replace(hour=17),
            }
        )
        Wizard = self.env["helpdesk.session.invoice.wizard"].with_user(
            self.billing_manager
        )
        wizard = Wizard.create({"session_ids": [(6, 0, (rated | draft).ids)]})
        self.assertEqual((wizard.session_count, wizard.invoiceable_count), (3, 2))
        nothing = Wizard.create({"session_ids": [(6, 0, draft.ids)]})
        self.assertEqual((nothing.session_count, nothing.invoiceable_count), (1, 0))
        # From the rating screen: what it shows that can be invoiced.
        rating = open_rating_screen(
            self.billing_manager, self.DAY.date(), self.DAY.date()
        )
        self.assertEqual(rating.session_ids, rated | draft)
        action = rating.action_create_invoices()
        dialog = Wizard.with_context(**action["context"]).create({})
        self.assertEqual((dialog.session_count, dialog.invoiceable_count), (2, 2))

    def test_rating_screen_hides_buttons_with_nothing_to_do(self):
        draft = self.env["helpdesk.session"].create(
            {
                "ticket_id": self.ticket_a.id,
                "date_start": self.DAY.replace(hour=9),
                "date_end": self.DAY.replace(hour=10),
            }
        )
        wizard = (
            self.env["helpdesk.session.rating.wizard"]
            .with_user(self.billing_manager)
            .create(
                {
                    "state_filter": "all",
                    "date_from": self.DAY.date(),
                    "date_to": self.DAY.date(),
                    "partner_id": self.partner_a.id,
                }
            )
        )
        self.assertEqual((wizard.to_rate_count, wizard.invoiceable_count), (1, 0))
        wizard.action_rate_all()
        self.assertEqual(draft.state, "rated")
        wizard.invalidate_recordset()
        self.assertEqual((wizard.to_rate_count, wizard.invoiceable_count), (0, 1))
        action = wizard.action_create_invoices()
        self.assertEqual(action["context"]["default_session_ids"], draft.ids)
        draft.with_user(self.billing_manager).action_create_invoices()
        wizard.invalidate_recordset()
        self.assertEqual((wizard.to_rate_count, wizard.invoiceable_count), (0, 0))
