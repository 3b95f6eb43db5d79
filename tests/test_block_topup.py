"""Automatic top-up (once per crossing, draft or posted per Settings) and
paid-before-use (a block's hours usable once its invoice is paid)."""

from odoo.tests import tagged

from .common import SupportAccountingCase


@tagged("post_install", "-at_install")
class TestBlockTopUp(SupportAccountingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # 2 h for 160.00; under 1 h, top up 2 h (at 80.00/h: 160.00).
        cls.profile = cls._subscription(
            prepaid_hours=2.0,
            amount=160.0,
            topup_enabled=True,
            topup_threshold=1.0,
            topup_hours=2.0,
        )

    def _top_ups(self):
        return self.profile.recharge_ids.filtered("is_top_up")

    def test_once_per_crossing(self):
        self._rate(self._session(8, 45))  # 1:15 left
        self.assertFalse(self._top_ups())
        self._rate(self._session(9, 30))  # 0:45 left: crossing
        top_up = self._top_ups()
        self.assertEqual(len(top_up), 1)
        self.assertEqual(top_up.hours, 2.0)
        self.assertEqual(top_up.amount, 160.0)
        self.assertEqual(top_up.block_ids.kind, "top_up")
        self.assertEqual(top_up.invoice_id.state, "draft")
        self.assertEqual(top_up.invoice_id.amount_untaxed, 160.0)
        self.assertEqual(self.profile.remaining_hours, 2.75)
        self.assertTrue(self.profile.topup_armed)
        self.assertIn("Automatic top-up", self.profile.message_ids[0].body)
        # A second crossing, a second top-up.
        self._rate(self._session(10, 120))  # 0:45 left
        self.assertEqual(len(self._top_ups()), 2)
        self.assertEqual(self.profile.remaining_hours, 2.75)

    def test_small_top_up_once_until_back_above(self):
        self.profile.topup_hours = 0.25
        # 0:45 left: crossing; 0:45 + 0:15 = 1:00, at the threshold: armed
        # again.
        self._rate(self._session(8, 75))
        self.assertEqual(len(self._top_ups()), 1)
        self.assertEqual(self.profile.remaining_hours, 1.0)
        self.assertTrue(self.profile.topup_armed)
        self._rate(self._session(9, 30))  # 0:30 left: crossing, +0:15
        self.assertEqual(len(self._top_ups()), 2)
        self.assertEqual(self.profile.remaining_hours, 0.75)
        self.assertFalse(self.profile.topup_armed)
        self._rate(self._session(10, 15))  # 0:30: same crossing, none
        self.assertEqual(len(self._top_ups()), 2)
        self.assertEqual(self.profile.remaining_hours, 0.5)
        # A manual recharge back above the threshold re-arms it.
        self._recharge(self.profile, 1.0, 80.0)
        self.assertTrue(self.profile.topup_armed)

    def test_posted_per_settings(self):
        self.company.helpdesk_topup_post = True
        self._rate(self._session(8, 75))
        self.assertEqual(self._top_ups().invoice_id.state, "posted")

    def test_armed_flag_not_set_by_hand(self):
        self._rate(self._session(8, 75))
        self.profile.invalidate_recordset()
        with self.assertRaisesRegex(Exception, "never set by"):
            self.profile.with_user(self.billing_manager).topup_armed = False


@tagged("post_install", "-at_install")
class TestPaidBeforeUse(SupportAccountingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.overage = cls._overage_profile()
        # 1 h for 80.00, usable once paid.
        cls.profile = cls._subscription(
            prepaid_hours=1.0, amount=80.0, pay_before_use=True
        )
        cls.profile.action_invoice_pack()
        cls.profile.pack_invoice_id.action_post()

    def _pay(self, invoice):
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()

    def test_negative_until_paid_then_usable(self):
        pack = self.profile.block_ids
        self.assertEqual(self.profile.unpaid_hours, 1.0)
        self.assertEqual(self.profile.remaining_hours, 0.0)
        first = self._session(9, 30)
        self._rate(first)
        # No usable block: the balance goes visibly negative.
        self.assertEqual(first.prepaid_minutes, 30)
        self.assertEqual(self.profile.remaining_hours, -0.5)
        self.assertFalse(first.block_allocation_ids.block_id)
        self._pay(self.profile.pack_invoice_id)
        self.assertIn(
            self.profile.pack_invoice_id.payment_state, ("paid", "in_payment")
        )
        self.assertEqual(self.profile.unpaid_hours, 0.0)
        self.assertEqual(self.profile.remaining_hours, 0.5)
        second = self._session(11, 15)
        self._rate(second)
        # Paid: the overdrawn 30 minutes and the new 15 come from the pack.
        self.assertEqual(pack.remaining_minutes, 15.0)
        self.assertEqual(first.block_allocation_ids.block_id, pack)
        self.assertEqual(self.profile.remaining_hours, 0.25)

    def test_overage_until_paid(self):
        self.profile.overage_profile_id = self.overage
        session = self._session(9, 30)
        self._rate(session)
        self.assertEqual((session.prepaid_minutes, session.overage_minutes), (0, 30))
        self.assertEqual(session.cost, 50.0)
        self._pay(self.profile.pack_invoice_id)
        later = self._session(11, 30)
        self._rate(later)
        self.assertEqual((later.prepaid_minutes, later.overage_minutes), (30, 0))
        self.assertEqual(later.block_allocation_ids.block_id, self.profile.block_ids)
