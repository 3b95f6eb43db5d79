"""Two billing users invoicing the same sessions at the same moment, on two
real database connections (committed data, cleaned up afterwards)."""

from psycopg2.errors import SerializationFailure

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import TwoConnectionsCase


@tagged("post_install", "-at_install")
class TestInvoicingConcurrency(TwoConnectionsCase):
    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = self._env(cr)
            if not env.company.chart_template:
                self.skipTest("the test database's company has no chart of accounts")
            partner = env["res.partner"].create(
                {"name": "HSB Concurrent Invoicing", "is_company": True}
            )
            profile = env["helpdesk.contract.profile"].create(
                {
                    "name": "HSB concurrent hourly",
                    "billing_type": "pay_per_use",
                    "step_duration": 60,
                    "step_cost": 90,
                    "partner_ids": [(4, partner.id)],
                }
            )
            ticket, sessions = self._create_ticket_sessions(
                env, partner, "HSB concurrent"
            )
            sessions.action_rate()
            self.ids = {
                "partner": partner.id,
                "profile": profile.id,
                "ticket": ticket.id,
                "sessions": sessions.ids,
            }
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            self._delete_sessions(env["helpdesk.session"].browse(self.ids["sessions"]))
            env["helpdesk.ticket"].browse(self.ids["ticket"]).unlink()
            env["helpdesk.contract.profile"].browse(self.ids["profile"]).unlink()
            env["res.partner"].browse(self.ids["partner"]).unlink()

    def _sessions(self, cr):
        return self._env(cr)["helpdesk.session"].browse(self.ids["sessions"])

    def _assert_on_one_invoice(self):
        with self.registry.cursor() as cr:
            sessions = self._sessions(cr)
            self.assertEqual(len(sessions.invoice_id), 1)
            lines = sessions.env["account.move.line"].search(
                [("helpdesk_session_ids", "in", sessions.ids)]
            )
            # One ticket: one line for both sessions.
            self.assertEqual(len(lines), 1)
            self.assertEqual(lines.helpdesk_session_ids, sessions)
            self.assertEqual(sessions.invoice_id.amount_untaxed, 180)

    def test_second_user_is_refused_while_the_first_invoices(self):
        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            self._sessions(cr1).action_create_invoices()
            with self.assertRaisesRegex(UserError, "Another user is invoicing"):
                self._sessions(cr2).action_create_invoices()
            cr2.rollback()
            cr1.commit()
            with self.assertRaisesRegex(UserError, "Nothing to invoice"):
                self._sessions(cr2).action_create_invoices()
        self._assert_on_one_invoice()

    def test_stale_snapshot_cannot_invoice_again(self):
        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            # The second transaction reads the sessions (still rated) first.
            self.assertEqual(set(self._sessions(cr2).mapped("state")), {"rated"})
            self._sessions(cr1).action_create_invoices()
            cr1.commit()
            with self.assertRaises(SerializationFailure):
                self._sessions(cr2).action_create_invoices()
            cr2.rollback()
            with self.assertRaisesRegex(UserError, "Nothing to invoice"):
                self._sessions(cr2).action_create_invoices()
        self._assert_on_one_invoice()
