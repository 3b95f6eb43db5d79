"""The renewal and expiry jobs' batches: a query count that does not grow
with the batch's size (the block work; invoices and journal entries are the
account module's)."""

from datetime import date

from freezegun import freeze_time

from odoo.tests import tagged

from .common import SupportAccountingCase, SupportBillingCase


@tagged("post_install", "-at_install")
class TestBlockJobQueries(SupportBillingCase):
    def _subscriptions(self, count, tag, **vals):
        """``count`` subscriptions of customers of their own, renewing every
        month from February 1st 2025, each block valid a month."""
        customers = self.env["res.partner"].create(
            [
                {"name": f"HSB queries {tag} {index}", "is_company": True}
                for index in range(count)
            ]
        )
        return self.env["helpdesk.contract.profile"].create(
            [
                {
                    "name": f"HSB queries {tag} {index}",
                    "billing_type": "subscription",
                    "partner_id": customer.id,
                    "prepaid_hours": 10.0,
                    "step_duration": 15,
                    "date_start": date(2025, 1, 1),
                    "block_validity_months": 1,
                    "renewal_period": "month",
                    "renewal_date": date(2025, 2, 1),
                    **vals,
                }
                for index, customer in enumerate(customers)
            ]
        )

    def _queries(self, job):
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.cr.sql_log_count
        job()
        self.env.flush_all()
        return self.cr.sql_log_count - before

    def test_queries_do_not_grow_with_the_batch(self):
        small, large = self._subscriptions(3, "small"), self._subscriptions(12, "large")
        # Each job runs first on two warm-up batches: they fill the caches
        # (fields, selections, users...) the measured batches then share.
        warm, warm_2 = self._subscriptions(2, "warm"), self._subscriptions(2, "warm 2")
        with freeze_time("2025-02-15 12:00:00"):
            renew = [
                self._queries(lambda p=profiles: p._renew_due_periods())
                for profiles in (warm, warm_2, small, large)
            ]
        self.assertEqual(
            len(large.block_ids.filtered(lambda b: b.kind == "renewal")), 12
        )
        self.assertEqual(renew[2], renew[3])
        with freeze_time("2025-03-15 12:00:00"):
            expire = [
                self._queries(lambda p=profiles: p._expire_blocks())
                for profiles in (warm, warm_2, small, large)
            ]
        # The pack (to January 31st) and February's renewal (to February
        # 28th) expired.
        self.assertEqual(set(large.block_ids.mapped("state")), {"expired"})
        self.assertEqual(large[0].expired_hours, 20.0)
        self.assertEqual(expire[2], expire[3])


@tagged("post_install", "-at_install")
class TestInvoicedBlockJobQueries(SupportAccountingCase):
    """The same with a price: each renewal is invoiced (the batch's invoices
    in one create) and each expiry recognizes deferred revenue (the batch's
    entries in one create, posted together)."""

    def _subscriptions(self, count, tag):
        return TestBlockJobQueries._subscriptions(
            self,
            count,
            f"invoiced {tag}",
            amount=800.0,
            product_id=self.support_product.id,
        )

    _queries = TestBlockJobQueries._queries

    def test_invoiced_queries_do_not_grow_with_the_batch(self):
        self._enable_deferred_revenue()
        small, large = self._subscriptions(3, "small"), self._subscriptions(12, "large")
        warm, warm_2 = self._subscriptions(2, "warm"), self._subscriptions(2, "warm 2")
        with freeze_time("2025-02-15 12:00:00"):
            renew = [
                self._queries(lambda p=profiles: p._renew_due_periods())
                for profiles in (warm, warm_2, small, large)
            ]
        renewals = large.block_ids.filtered(lambda b: b.kind == "renewal")
        self.assertEqual(len(renewals.invoice_id), 12)
        self.assertEqual(set(renewals.invoice_id.mapped("amount_untaxed")), {800.0})
        with freeze_time("2025-03-15 12:00:00"):
            # Posted, the renewals' value is deferred until it expires.
            (small | large).block_ids.invoice_id.action_post()
            expire = [
                self._queries(lambda p=profiles: p._expire_blocks())
                for profiles in (warm, warm_2, small, large)
            ]
        self.assertEqual(set(large.block_ids.mapped("state")), {"expired"})
        entries = self.env["account.move"].search(
            [("helpdesk_profile_id", "in", large.ids), ("move_type", "=", "entry")]
        )
        self.assertEqual(len(entries), 12)
        self.assertEqual(set(entries.mapped("state")), {"posted"})
        self.assertEqual(set(entries.mapped("amount_total")), {800.0})
        # The renewal's invoices: one create for the batch, whatever its size.
        self.assertEqual(renew[2], renew[3])
        # The expiry's entries: one create, one posting for the batch; only
        # the account module's numbering of each posted entry (its sequence
        # lookups, 5 queries an entry) grows with the batch. The numbering's
        # lookups vary by a query or two with the journal's history (other
        # tests' entries): less than one more query per subscription would
        # add.
        self.assertLessEqual(expire[3] - expire[2], 5 * (12 - 3) + 2)
