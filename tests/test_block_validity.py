"""Rating takes a session's prepaid minutes only from the blocks valid on its
day: a block past its expiry date counts for no later session, even while the
expiry job has not run yet; a renewal serves its own period's sessions."""

from datetime import date, datetime, timedelta

from odoo.tests import tagged

from .common import SupportAccountingCase


@tagged("post_install", "-at_install")
class TestBlockValidityAtRating(SupportAccountingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._enable_deferred_revenue()
        cls.overage = cls._overage_profile()
        # 2 h from January 1st 2025, valid one month (to January 31st); a
        # recharge of 1 h on March 1st (to March 31st). Both are long past
        # their expiry date and the expiry job has not run: still active.
        cls.profile = cls._subscription(
            prepaid_hours=2.0,
            amount=160.0,
            date_start=date(2025, 1, 1),
            block_validity_months=1,
        )
        cls.pack = cls.profile.block_ids

    def setUp(self):
        super().setUp()
        self.recharge = self._recharge(self.profile, 1.0, 80.0, date(2025, 3, 1))
        self.march = self.recharge.block_ids
        self.recharge.invoice_id.action_post()

    def _on(self, day, minutes):
        return self.env["helpdesk.session"].create(
            {
                "ticket_id": self.ticket.id,
                "user_id": self.agent.id,
                "date_start": day,
                "date_end": day + timedelta(minutes=minutes),
            }
        )

    def test_past_expiry_not_in_the_balance_with_overage(self):
        self.profile.overage_profile_id = self.overage
        self.assertEqual(self.pack.date_expiry, date(2025, 1, 31))
        self.assertEqual(self.pack.state, "active")
        self.assertEqual(self.profile.remaining_hours, 3.0)
        # March 10th, 90 minutes: only March's hour serves it, the rest is
        # overage (2 steps of 15 at 25.00).
        session = self._on(datetime(2025, 3, 10, 9), 90)
        self._rate(session)
        self.assertEqual((session.prepaid_minutes, session.overage_minutes), (60, 30))
        self.assertEqual(session.cost, 50.0)
        self.assertEqual(session.block_allocation_ids.block_id, self.march)
        self.assertEqual(self.pack.remaining_minutes, 120.0)
        self.assertEqual(self.march.remaining_minutes, 0.0)
        # A January session rated late takes from January's pack.
        january = self._on(datetime(2025, 1, 20, 9), 30)
        self._rate(january)
        self.assertEqual((january.prepaid_minutes, january.overage_minutes), (30, 0))
        self.assertEqual(january.block_allocation_ids.block_id, self.pack)
        self.assertEqual(self.pack.remaining_minutes, 90.0)
        # The same day for two sessions: the second sees what the first
        # left (none in March now).
        two = self._on(datetime(2025, 3, 20, 9), 15) | self._on(
            datetime(2025, 3, 20, 10), 15
        )
        self._rate(two)
        self.assertEqual(two.mapped("overage_minutes"), [15, 15])
        self.assertEqual(
            self._deferred_balance(self.profile),
            self.profile.deferred_remaining_amount,
        )

    def test_past_expiry_not_in_the_balance_without_overage(self):
        # No overage profile: what March's hour does not cover goes into the
        # negative balance (owed), not onto the expired pack.
        session = self._on(datetime(2025, 3, 10, 9), 90)
        self._rate(session)
        self.assertEqual((session.prepaid_minutes, session.overage_minutes), (90, 0))
        net = {}
        for row in session.block_allocation_ids:
            net[row.block_id] = net.get(row.block_id, 0) + row.minutes
        self.assertEqual(net, {self.march: 60, self.march.browse(): 30})
        self.assertEqual(self.pack.remaining_minutes, 120.0)
        # The job then expires the pack's two hours: the balance is what is
        # owed.
        self.profile._expire_blocks()
        self.assertEqual(self.pack.state, "expired")
        self.assertEqual(self.profile.remaining_hours, -0.5)
