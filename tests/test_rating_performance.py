from datetime import timedelta

from odoo.tests import tagged

from .common import RatingCase


@tagged("post_install", "-at_install")
class TestRatingPerformance(RatingCase):
    """Rating is batched: its number of queries does not grow with the number
    of sessions (one pay-per-use profile and one subscription here, so the
    comparison is about sessions, not profiles)."""

    @classmethod
    def _pack_profile(cls):
        # Hours enough for every session of the test.
        return cls._subscription(partner=cls.pack_customer, prepaid_hours=1000)

    def _sessions(self, count, first_day):
        """``count`` draft sessions, half pay-per-use and half subscription,
        one a day back from ``first_day``, flushed."""
        vals_list = []
        for index in range(count):
            start = self.DAY - timedelta(days=first_day + index, hours=-9)
            vals_list.append(
                {
                    "ticket_id": (self.ticket if index % 2 else self.pack_ticket).id,
                    "user_id": (self.agent if index % 3 else self.agent_2).id,
                    "date_start": start,
                    "date_end": start + timedelta(minutes=10 + index % 50),
                    "extra_duration": index % 7,
                }
            )
        sessions = self.env["helpdesk.session"].create(vals_list)
        self.env.flush_all()
        self.env.cr.flush()  # and their pre-commit work, not counted below
        return sessions.with_user(self.billing_manager)

    def _count(self, sessions):
        """Queries of rating ``sessions``, from a cold record cache to the
        end of the transaction's pre-commit work (mail tracking), as
        assertQueryCount counts them."""
        self.env.invalidate_all()
        start = self.env.cr.sql_log_count
        sessions.action_rate()
        self.env.flush_all()
        self.env.cr.flush()
        return self.env.cr.sql_log_count - start

    def test_rating_queries_do_not_grow_with_sessions(self):
        # Warm up the caches (access rights, rules, profiles).
        self._count(self._sessions(10, first_day=0))
        small = self._sessions(10, first_day=20)
        large = self._sessions(100, first_day=40)
        queries = self._count(small)
        with self.assertQueryCount(queries):
            large_queries = self._count(large)
        self.assertEqual(large_queries, queries, "10 and 100 sessions: same count")
        self.assertEqual(set(large.mapped("state")), {"rated"})
        self.assertTrue(all(large.mapped("billed_duration")))

    def _subscriptions_sessions(self, count, first_day):
        """Two draft sessions for each of ``count`` new customers, each with
        a subscription of its own (hours enough), flushed."""
        customers = self.env["res.partner"].create(
            [
                {"name": f"HSB Subscriber {first_day}-{index}", "is_company": True}
                for index in range(count)
            ]
        )
        self.env["helpdesk.contract.profile"].create(
            [
                {
                    "name": f"Pack {customer.name}",
                    "billing_type": "subscription",
                    "partner_id": customer.id,
                    "prepaid_hours": 100,
                    "amount": 800,
                    "step_duration": 15,
                }
                for customer in customers
            ]
        )
        tickets = self.env["helpdesk.ticket"].create(
            [
                {"name": "HSB ticket", "description": "<p>Help</p>", "partner_id": c.id}
                for c in customers
            ]
        )
        vals_list = []
        for index, ticket in enumerate(tickets):
            for offset in (0, 1):
                start = self.DAY - timedelta(days=first_day + offset, hours=-9 - index)
                vals_list.append(
                    {
                        "ticket_id": ticket.id,
                        "user_id": self.agent.id,
                        "date_start": start,
                        "date_end": start + timedelta(minutes=20),
                    }
                )
        sessions = self.env["helpdesk.session"].create(vals_list)
        self.env.flush_all()
        self.env.cr.flush()
        return sessions.with_user(self.billing_manager)

    def test_rating_queries_do_not_grow_with_subscriptions(self):
        """A month-end rates the sessions of thousands of subscriptions: their
        balances, blocks and consumption are read and written for all of
        them at once."""
        self._count(self._subscriptions_sessions(2, first_day=0))
        small = self._subscriptions_sessions(2, first_day=10)
        large = self._subscriptions_sessions(8, first_day=20)
        queries = self._count(small)
        large_queries = self._count(large)
        self.assertEqual(large_queries, queries, "2 and 8 subscriptions: same count")
        self.assertEqual(set(large.mapped("state")), {"rated"})
        self.assertEqual(sum(large.mapped("prepaid_minutes")), 16 * 30)
