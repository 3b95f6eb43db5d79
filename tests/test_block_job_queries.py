"""The renewal and expiry jobs' batches: a query count that does not grow
with the batch's size (the block work; invoices and journal entries are the
account module's)."""

from datetime import date

from freezegun import freeze_time

from odoo.tests import tagged

from .common import SupportBillingCase


@tagged("post_install", "-at_install")
class TestBlockJobQueries(SupportBillingCase):
    def _subscriptions(self, count, tag):
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
