"""Paid before use, switched by the payment: registering the payment of a
block's invoice (the real payment wizard) makes the block usable at once and
allocates to it the sessions that went into the negative balance (their
revenue recognized, the balance history following); resetting the payment
makes it unusable again and its sessions owed again."""

from odoo.tests import tagged

from .common import SupportAccountingCase


@tagged("post_install", "-at_install")
class TestBlockPayment(SupportAccountingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._enable_deferred_revenue()
        cls.overage = cls._overage_profile()
        # 2 h for 160.00 (80.00 an hour), usable once paid.
        cls.profile = cls._subscription(
            prepaid_hours=2.0, amount=160.0, pay_before_use=True
        )
        cls.profile.action_invoice_pack()
        cls.invoice = cls.profile.pack_invoice_id
        cls.invoice.action_post()
        cls.pack = cls.profile.block_ids

    def _pay(self):
        payments = (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=self.invoice.ids)
            .create({})
            ._create_payments()
        )
        self._commit_point()
        return payments

    def _commit_point(self):
        """What the transaction's commit runs first: the flush and its
        precommit callbacks (where the switch happens)."""
        self.env.cr.flush()
        self.env.invalidate_all()

    def _net(self, session):
        """{block (or no block): minutes} the session holds."""
        net = {}
        for row in session.block_allocation_ids:
            net[row.block_id] = net.get(row.block_id, 0) + row.minutes
        return {block: minutes for block, minutes in net.items() if minutes}

    def _history_balance(self):
        rows = self.env["helpdesk.contract.balance.move"].search(
            [("profile_id", "=", self.profile.id)]
        )
        return rows[-1:].balance

    def _assert_books(self):
        """The deferred invariant and the history's running balance."""
        profile = self.profile
        self.assertEqual(
            self._deferred_balance(profile), profile.deferred_remaining_amount
        )
        self.assertAlmostEqual(self._history_balance(), profile.remaining_hours)

    def test_payment_switches_the_block(self):
        session = self._session(9, 30)
        self._rate(session)
        # Unpaid: no usable block, the balance goes visibly negative.
        self.assertEqual(session.prepaid_minutes, 30)
        self.assertEqual(self._net(session), {self.pack.browse(): 30})
        self.assertEqual(self.profile.remaining_hours, -0.5)
        self.assertEqual(self.profile.unpaid_hours, 2.0)
        self.assertEqual(self._deferred_balance(self.profile), 160.0)
        self._assert_books()

        payments = self._pay()
        self.assertIn(self.invoice.payment_state, ("paid", "in_payment"))
        # Usable at once, with no other rating: the overdrawn 30 minutes
        # are the pack's, their value (30 min at 80.00/h) recognized.
        self.assertEqual(self.profile._get_usable_blocks(), self.pack)
        self.assertEqual(self.pack.remaining_minutes, 90.0)
        self.assertEqual(self._net(session), {self.pack: 30})
        self.assertEqual(self.profile.unpaid_hours, 0.0)
        self.assertEqual(self.profile.remaining_hours, 1.5)
        self.assertEqual(self.profile.deferred_recognized_amount, 40.0)
        self.assertEqual(self._deferred_balance(self.profile), 120.0)
        self._assert_books()
        self.assertIn("is usable", self.profile.message_ids[0].body)
        self.assertIn("0.5 h overdrawn", self.profile.message_ids[0].body)

        # The payment cancelled: the pack is unusable again, what its
        # session took is owed again, its revenue back to deferred.
        payments.action_cancel()
        self._commit_point()
        self.assertNotIn(self.invoice.payment_state, ("paid", "in_payment"))
        self.assertFalse(self.profile._get_usable_blocks())
        self.assertEqual(self.pack.remaining_minutes, 120.0)
        self.assertEqual(self._net(session), {self.pack.browse(): 30})
        self.assertEqual(self.profile.remaining_hours, -0.5)
        self.assertEqual(self.profile.deferred_recognized_amount, 0.0)
        self.assertEqual(self._deferred_balance(self.profile), 160.0)
        self._assert_books()
        self.assertIn("no longer usable", self.profile.message_ids[0].body)
        # A rating meanwhile goes negative again.
        later = self._session(11, 15)
        self._rate(later)
        self.assertEqual(self._net(later), {self.pack.browse(): 15})
        self.assertEqual(self.profile.remaining_hours, -0.75)
        self._assert_books()

        # Paid again: both sessions come back onto the pack.
        self._pay()
        self.assertIn(self.invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(self.pack.remaining_minutes, 75.0)
        self.assertEqual(self._net(session), {self.pack: 30})
        self.assertEqual(self._net(later), {self.pack: 15})
        self.assertEqual(self.profile.remaining_hours, 1.25)
        self.assertEqual(self.profile.deferred_recognized_amount, 60.0)
        self._assert_books()

        # The payment unreconciled from the invoice (its Unreconcile
        # button): the same as cancelled.
        partial = self.invoice.line_ids.matched_credit_ids
        self.assertTrue(partial)
        self.invoice.js_remove_outstanding_partial(partial[0].id)
        self._commit_point()
        self.assertNotIn(self.invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(self.pack.remaining_minutes, 120.0)
        self.assertEqual(self.profile.remaining_hours, -0.75)
        self._assert_books()

    def test_overage_sessions_stay_overage(self):
        self.profile.overage_profile_id = self.overage
        session = self._session(9, 30)
        self._rate(session)
        self.assertEqual((session.prepaid_minutes, session.overage_minutes), (0, 30))
        self._pay()
        # Priced as overage (2 steps at 25.00): it stays so, the pack whole.
        self.assertEqual((session.prepaid_minutes, session.overage_minutes), (0, 30))
        self.assertEqual(session.cost, 50.0)
        self.assertFalse(session.block_allocation_ids)
        self.assertEqual(self.pack.remaining_minutes, 120.0)
        self.assertEqual(self.profile.remaining_hours, 2.0)
        self._assert_books()

    def test_other_invoices_change_nothing(self):
        session = self._session(9, 30)
        self._rate(session)
        other = self.init_invoice(
            "out_invoice", partner=self.customer, amounts=[100.0], post=True
        )
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=other.ids
        ).create({})._create_payments()
        self._commit_point()
        self.assertEqual(self._net(session), {self.pack.browse(): 30})
        self.assertEqual(self.profile.remaining_hours, -0.5)
