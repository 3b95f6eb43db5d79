from datetime import timedelta

from odoo.exceptions import UserError
from odoo.tests import tagged

from ..models.account_analytic_distribution_model import AnalyticDistributionCache
from . import test_invoicing


@tagged("post_install", "-at_install")
class TestInvoicingPerformance(test_invoicing.InvoicingCase):
    """Invoicing is batched: one ``create`` for all the invoices and one update
    linking the sessions, so its number of queries does not grow with the
    number of sessions of a customer."""

    def _rated_sessions(self, ticket, count, first_day):
        """``count`` rated sessions of ``ticket``, one an hour from
        ``first_day`` days before DAY, flushed and out of the cache."""
        vals_list = []
        for index in range(count):
            start = self.DAY - timedelta(days=first_day) + timedelta(hours=index)
            vals_list.append(
                {
                    "ticket_id": ticket.id,
                    "date_start": start,
                    "date_end": start + timedelta(minutes=20 + index % 50),
                }
            )
        sessions = self.env["helpdesk.session"].create(vals_list)
        sessions.with_user(self.billing_manager).action_rate()
        self.env.flush_all()
        self.env.cr.flush()
        self.env.invalidate_all()
        return sessions.with_user(self.billing_manager)

    def _invoicing_queries(self, sessions, grouping="ticket"):
        """Queries of invoicing ``sessions``, and of the INSERTs into
        account_move among them, from a cold record cache to the end of the
        transaction's pre-commit work."""
        self.env.invalidate_all()
        start = self.env.cr.sql_log_count
        with self.assertLogs("odoo.sql_db", "DEBUG") as logs:
            sessions.action_create_invoices(grouping=grouping)
            self.env.flush_all()
            self.env.cr.flush()
        count = self.env.cr.sql_log_count - start
        inserts = [
            line for line in logs.output if 'INSERT INTO "account_move" ' in line
        ]
        return count, len(inserts)

    def _assert_queries_do_not_grow(self, grouping):
        # Warm up the caches (access rights, rules, taxes, accounts).
        for first_day in (0, 5):
            self._invoicing_queries(
                self._rated_sessions(self.ticket_a, 3, first_day=first_day), grouping
            )
        small = self._rated_sessions(self.ticket_a, 5, first_day=10)
        large = self._rated_sessions(self.ticket_a, 50, first_day=20)
        large_count, large_inserts = self._invoicing_queries(large, grouping)
        small_count, small_inserts = self._invoicing_queries(small, grouping)
        # Ten times the sessions, the same queries (one more at most: an ORM
        # cache filled or not depending on the tests run before); linking one
        # line at a time cost queries per session.
        self.assertLessEqual(abs(large_count - small_count), 1)
        self.assertEqual((small_inserts, large_inserts), (1, 1))
        self.assertEqual(set(large.mapped("state")), {"invoiced"})
        self.assertEqual(len(large.invoice_id), 1)
        self.assertEqual(large.invoice_id.amount_untaxed, sum(large.mapped("cost")))
        return large

    def test_queries_do_not_grow_with_sessions_per_session(self):
        large = self._assert_queries_do_not_grow("session")
        self.assertEqual(len(large.invoice_line_id), 50)
        for session in large:
            self.assertEqual(session.invoice_line_id.price_subtotal, session.cost)
            self.assertIn(session.ticket_id.name, session.invoice_line_id.name)

    def test_queries_do_not_grow_without_profile_distribution(self):
        # Odoo then looks its analytic distribution models up for each line:
        # lines of the same customer and product share one lookup.
        self.hourly.analytic_distribution = False
        large = self._assert_queries_do_not_grow("session")
        self.assertEqual(len(large.invoice_line_id), 50)
        self.assertFalse(any(large.invoice_line_id.mapped("analytic_distribution")))

    def test_queries_do_not_grow_with_sessions_per_ticket(self):
        large = self._assert_queries_do_not_grow("ticket")
        line = large.invoice_line_id
        self.assertEqual(len(line), 1)
        self.assertEqual(line.price_subtotal, sum(large.mapped("cost")))
        # The ticket, the summary, then one line per session.
        self.assertEqual(len(line.name.splitlines()), 2 + 50)

    def test_one_create_for_all_the_customers(self):
        self._invoicing_queries(self._rated_sessions(self.ticket_a, 3, first_day=0))
        sessions = self._rated_sessions(self.ticket_a, 4, first_day=10)
        sessions |= self._rated_sessions(self.ticket_b, 4, first_day=10)
        _count, inserts = self._invoicing_queries(sessions)
        self.assertEqual(inserts, 1)
        self.assertEqual(len(sessions.invoice_id), 2)
        for invoice in sessions.invoice_id:
            self.assertEqual(
                invoice.amount_untaxed,
                sum(
                    sessions.filtered(lambda s, i=invoice: s.invoice_id == i).mapped(
                        "cost"
                    )
                ),
            )

    def test_batch_company_check_still_refuses_another_company(self):
        # Within an invoicing batch Odoo's company check runs once per
        # combination of company and checked values: a line whose account
        # belongs to another company is its own combination, and refused.
        other = self.setup_other_company(name="HSB batch elsewhere")
        invoice = self.env["account.move"].create(
            {"move_type": "out_invoice", "partner_id": self.partner_a.id}
        )
        good = {
            "move_id": invoice.id,
            "product_id": self.support_product.id,
            "name": "HSB support",
            "quantity": 1.0,
            "price_unit": 10.0,
            "account_id": self.company_data["default_account_revenue"].id,
        }
        elsewhere = {**good, "account_id": other["default_account_revenue"].id}
        lines = self.env["account.move.line"].with_context(
            helpdesk_distribution_cache=AnalyticDistributionCache()
        )
        with self.assertRaisesRegex(UserError, "company"), self.env.cr.savepoint():
            lines.create([good, good, elsewhere, good])
        self.assertFalse(invoice.invoice_line_ids)
        created = lines.create([good, good, good])
        self.assertEqual(created.move_id, invoice)
        self.assertEqual(invoice.amount_untaxed, 30.0)
