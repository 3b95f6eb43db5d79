"""The month-end in a real browser, on the 1st of a month (the server's date
frozen): the rating screen opens on last month, Rate all, Create invoices,
post, credit from the invoice, and a session's form and chatter tell it all.
The tour is static/tests/tours/helpdesk_month_end_tour.js; the records are
checked here after it."""

from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.fields import Command
from odoo.tests import HttpCase, new_test_user, tagged

# 09:00 in Paris on the 1st of April 2025 (summer time: UTC+2).
NOW = datetime(2025, 4, 1, 7, 0)


@tagged("post_install", "-at_install")
class TestMonthEndTour(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.company = env.company
        # Months counted in Paris: a session at 22:30 UTC on 31 March is one
        # of April.
        cls.company.partner_id.tz = "Europe/Paris"
        cls.company.helpdesk_scope_default_outcome = "billable"
        cls.company.helpdesk_billing_close_days = 10
        cls.clerk = new_test_user(
            env,
            "hsb_month_end_clerk",
            groups="account.group_account_invoice,helpdesk_mgmt.group_helpdesk_user,"
            "helpdesk_session_billing.group_support_billing_manager",
            name="Month-end Clerk",
            tz="Europe/Paris",
        )
        agent = new_test_user(
            env,
            "hsb_month_end_agent",
            groups="helpdesk_mgmt.group_helpdesk_user,"
            "helpdesk_session_billing.group_support_billing_user",
            name="Agent Month-end",
        )
        cls.customer = env["res.partner"].create(
            {"name": "HSB Tour Garage", "is_company": True}
        )
        # The module's support product; 15-minute steps of 20.00.
        env["helpdesk.contract.profile"].create(
            {
                "name": "HSB tour per use",
                "billing_type": "pay_per_use",
                "partner_ids": [Command.link(cls.customer.id)],
                "step_duration": 15,
                "step_cost": 20.0,
                "product_id": env.ref(
                    "helpdesk_session_billing.product_support_service"
                ).id,
            }
        )
        Ticket = env["helpdesk.ticket"]
        tickets = Ticket.create(
            [
                {
                    "name": name,
                    "description": "<p>Help.</p>",
                    "partner_id": cls.customer.id,
                }
                for name in (
                    "HSB tour: VPN down",
                    "HSB tour: mail setup",
                    "HSB tour: this month",
                )
            ]
        )

        def session(ticket, start, minutes):
            return {
                "ticket_id": ticket.id,
                "user_id": agent.id,
                "date_start": start,
                "date_end": start + timedelta(minutes=minutes),
            }

        Session = env["helpdesk.session"]
        # Last month: 45 min (3 steps, 60.00) and 80 min (6 steps, 120.00).
        cls.march = Session.create(
            [
                session(tickets[0], datetime(2025, 3, 12, 8, 0), 45),
                session(tickets[1], datetime(2025, 3, 27, 13, 0), 80),
            ]
        )
        # 00:30 on 1 April in Paris: this month's, not on the screen.
        cls.april = Session.create(
            session(tickets[2], datetime(2025, 3, 31, 22, 30), 30)
        )

    def _history(self, session):
        """The state lines of ``session``'s chatter, oldest first (not the
        line of its creation)."""
        messages = self.env["mail.message"].search(
            [
                ("model", "=", "helpdesk.session"),
                ("res_id", "=", session.id),
                ("message_type", "=", "notification"),
            ],
            order="id",
        )
        return [
            text
            for text in messages.mapped("preview")
            if "→" in text or text.startswith("Invoice posted")
        ]

    def _walk_month_end(self, mode):
        self.company.helpdesk_credit_note_mode = mode
        with freeze_time(NOW, tick=True):
            self.start_tour(
                "/odoo/helpdesk-rate-sessions",
                "helpdesk_month_end_tour",
                login=self.clerk.login,
                timeout=300,
            )
        self.assertEqual(self.april.state, "draft", "this month's stays to rate")
        first, second = self.march
        credit_note = self.march.credit_note_id
        self.assertEqual(len(credit_note), 1)
        invoice = credit_note.reversed_entry_id
        self.assertTrue(invoice)
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.invoice_date.isoformat(), "2025-04-01")
        self.assertEqual(invoice.amount_untaxed, 180.0)  # 60.00 + 120.00
        self.assertEqual(invoice.payment_state, "reversed")
        self.assertEqual(credit_note.state, "posted")
        self.assertEqual(credit_note.ref, f"Reversal of: {invoice.name}, Wrong month")
        self.assertEqual((first.cost, second.cost), (60.0, 120.0))
        self.assertEqual(self.march.rated_user_id, self.clerk)
        target = {"rebill": "Rated", "close": "Credited"}[mode]
        for session in self.march:
            history = self._history(session)
            self.assertEqual(
                [line.split(":")[0] for line in history],
                [
                    "To rate → Rated",
                    "Rated → Invoiced",
                    "Invoice posted",
                    f"Invoiced → {target}",
                ],
            )
            self.assertIn(invoice.name, history[2])
            self.assertIn(credit_note.name, history[3])
            self.assertIn(invoice.name, history[3])
        self.assertEqual(set(self.march.mapped("state")), {target.lower()})
        return invoice

    def test_month_end_tour_rebill(self):
        """Credited sessions are billable again (the default)."""
        invoice = self._walk_month_end("rebill")
        self.assertEqual(self.march.credited_invoice_id, invoice)
        self.assertFalse(self.march.invoice_id)
        invoiceable = self.march.filtered_domain(self.march._get_invoiceable_domain())
        self.assertEqual(invoiceable, self.march)

    def test_month_end_tour_close(self):
        """Credited sessions are closed as credited."""
        invoice = self._walk_month_end("close")
        self.assertEqual(self.march.invoice_id, invoice)
        self.assertFalse(
            self.march.filtered_domain(self.march._get_invoiceable_domain())
        )
