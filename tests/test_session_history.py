"""A session's history: each state change is a line of its chatter, by the
user who made it, naming the invoice or credit note that caused it; the form
shows the invoice, the credit note and the credited invoice. The lines of a
batch are written at once: their cost does not grow with the sessions."""

from datetime import timedelta

from odoo.fields import Command
from odoo.tests import new_test_user, tagged

from .common import SupportAccountingCase


@tagged("post_install", "-at_install")
class TestSessionHistory(SupportAccountingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["helpdesk.contract.profile"].create(
            {
                "name": "HSB history hourly",
                "billing_type": "pay_per_use",
                "step_duration": 60,
                "step_cost": 90.0,
                "product_id": cls.support_product.id,
                "partner_ids": [Command.link(cls.customer.id)],
            }
        )
        cls.accountant = new_test_user(
            cls.env,
            "hsb_history_accountant",
            groups="account.group_account_invoice,helpdesk_mgmt.group_helpdesk_user,"
            "helpdesk_session_billing.group_support_billing_manager",
            name="History Accountant",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

    def _history(self, session):
        """The state lines of ``session``'s chatter, oldest first, as
        (author, text, linked documents)."""
        messages = self.env["mail.message"].search(
            [
                ("model", "=", "helpdesk.session"),
                ("res_id", "=", session.id),
                ("message_type", "=", "notification"),
            ],
            order="id",
        )
        return [
            (message.author_id, message.preview, str(message.body).replace('"', "'"))
            for message in messages
        ]

    def _credit(self, invoice):
        wizard = (
            self.env["account.move.reversal"]
            .with_user(self.accountant)
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "reason": "HSB history"})
        )
        wizard.refund_moves()
        return wizard.new_move_ids

    def test_history_after_rate_invoice_post_credit(self):
        self.company.helpdesk_credit_note_mode = "rebill"
        session = self._session(9, 45)
        self._rate(session)
        action = session.with_user(self.accountant).action_create_invoices()
        invoice = self.env["account.move"].browse(action["res_id"])
        invoice.with_user(self.accountant).action_post()
        credit_note = self._credit(invoice)
        credit_note.with_user(self.accountant).action_post()

        self.assertEqual(session.state, "rated")
        self.assertEqual(session.credit_note_id, credit_note)
        self.assertEqual(session.credited_invoice_id, invoice)
        history = self._history(session)
        self.assertEqual(
            [text.split(":")[0] for _author, text, _body in history],
            [
                "To rate → Rated",
                "Rated → Invoiced",
                "Invoice posted",
                "Invoiced → Rated",
            ],
        )
        self.assertEqual(
            [author for author, _text, _body in history],
            [self.billing_manager.partner_id] + [self.accountant.partner_id] * 3,
        )
        link = "data-oe-model='account.move' data-oe-id='%s'"
        self.assertIn(link % invoice.id, history[1][2])
        self.assertIn(link % invoice.id, history[2][2])
        self.assertIn(invoice.name, history[2][1])
        # The credit line names the credit note and the invoice it credits.
        self.assertIn(link % credit_note.id, history[3][2])
        self.assertIn(link % invoice.id, history[3][2])
        self.assertIn(credit_note.name, history[3][1])
        self.assertIn(invoice.name, history[3][1])

    def test_history_of_unrating_and_credit_undone(self):
        self.company.helpdesk_credit_note_mode = "close"
        session = self._session(9, 45)
        self._rate(session)
        session.with_user(self.billing_manager).action_unrate(reason="wrong ticket")
        self._rate(session)
        action = session.with_user(self.accountant).action_create_invoices(post=True)
        invoice = self.env["account.move"].browse(action["res_id"])
        credit_note = self._credit(invoice)
        credit_note.with_user(self.accountant).action_post()
        self.assertEqual(session.state, "credited")
        credit_note.with_user(self.accountant).button_draft()
        self.assertEqual(session.state, "invoiced")
        texts = [text for _author, text, _body in self._history(session)]
        self.assertEqual(
            [text.split(":")[0] for text in texts],
            [
                "To rate → Rated",
                "Rated → To rate (unrated",
                "To rate → Rated",
                "Rated → Invoiced",
                "Invoice posted",
                "Invoiced → Credited",
                "Credited → Invoiced",
            ],
        )
        self.assertIn("wrong ticket", texts[1])
        self.assertIn(invoice.name, texts[6])
        self.assertIn("undone", texts[6])

    def _state_queries(self, count, day):
        """Queries of rating then invoicing ``count`` fresh sessions (with
        their history lines), from a cold cache."""
        vals_list = []
        for index in range(count):
            start = self.DAY - timedelta(days=day) + timedelta(hours=index)
            vals_list.append(
                {
                    "ticket_id": self.ticket.id,
                    "user_id": self.agent.id,
                    "date_start": start,
                    "date_end": start + timedelta(minutes=20 + index % 50),
                }
            )
        sessions = self.env["helpdesk.session"].create(vals_list)
        self.env.flush_all()
        self.env.invalidate_all()
        start = self.env.cr.sql_log_count
        sessions.with_user(self.billing_manager).action_rate()
        self.env.flush_all()
        rating = self.env.cr.sql_log_count - start
        self.env.invalidate_all()
        start = self.env.cr.sql_log_count
        sessions.with_user(self.accountant).action_create_invoices()
        self.env.flush_all()
        invoicing = self.env.cr.sql_log_count - start
        messages = self.env["mail.message"].search_count(
            [("model", "=", "helpdesk.session"), ("res_id", "in", sessions.ids)]
        )
        # Two history lines a session: rated, invoiced.
        self.assertEqual(messages, 2 * count)
        return rating, invoicing

    def test_history_costs_a_constant_per_batch(self):
        # Warm up the caches (access rights, rules, taxes, accounts).
        self._state_queries(3, day=40)
        small = self._state_queries(5, day=60)
        large = self._state_queries(50, day=100)
        # Ten times the sessions, the same queries (a cache filled or not
        # aside); a message posted per session would cost dozens more.
        self.assertLessEqual(abs(large[0] - small[0]), 2, (small, large))
        self.assertLessEqual(abs(large[1] - small[1]), 2, (small, large))

    def test_batch_lines_are_odoo_log_lines(self):
        """The lines of a batch after the first are copies of the first,
        made by Odoo's own ``_message_log_batch``: every column is the one
        Odoo writes for a log line, with each session's own record and body,
        and each session's chatter shows its line."""
        sessions = self._session(9, 30) | self._session(10, 45) | self._session(11, 20)
        sessions.with_user(self.billing_manager).action_rate()
        reference = self._session(12, 10)
        reference.with_user(self.billing_manager)._message_log_batch(
            bodies={reference.id: "reference"}
        )
        made_by_odoo = reference.message_ids[:1]
        self.env.invalidate_all()
        lines = self.env["mail.message"].search(
            [("model", "=", "helpdesk.session"), ("res_id", "in", sessions.ids)],
            order="id",
        )
        self.assertEqual(sorted(lines.mapped("res_id")), sorted(sessions.ids))
        compared = (
            "author_id",
            "email_from",
            "message_type",
            "subtype_id",
            "is_internal",
            "model",
            "reply_to",
            "record_company_id",
            "record_alias_domain_id",
        )
        for line in lines:
            session = sessions.browse(line.res_id)
            self.assertIn(line, session.message_ids)
            self.assertEqual(line.preview, "To rate → Rated")
            for fname in compared:
                self.assertEqual(line[fname], made_by_odoo[fname], fname)
        # One moment, one author, one thread id for the batch.
        self.assertEqual(len(set(lines.mapped("date"))), 1)
        self.assertEqual(len(set(lines.mapped("message_id"))), 1)
