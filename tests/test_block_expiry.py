"""Expiry of prepaid blocks (the daily job: notice email once, expiry with
its journal entry and chatter) and the balance history's running balance."""

from collections import Counter
from datetime import date

from freezegun import freeze_time

from odoo.tests import tagged

from .common import SupportAccountingCase


@tagged("post_install", "-at_install")
class TestBlockExpiry(SupportAccountingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._enable_deferred_revenue()
        cls.customer.email = "customer@example.com"
        # 1 h for 80.00 from March 1st, valid one month: until March 31st.
        cls.profile = cls._subscription(
            prepaid_hours=1.0,
            amount=80.0,
            date_start=date(2025, 3, 1),
            block_validity_months=1,
            block_expiry_notice_days=5,
        )
        cls.pack = cls.profile.block_ids
        cls.cron = cls.env.ref("helpdesk_session_billing.ir_cron_expire_blocks")

    def _run_job(self, day):
        with freeze_time(day), self.enter_registry_test_mode():
            self.cron.method_direct_trigger()
        self.env.invalidate_all()

    def _expiry_mails(self):
        return self.env["mail.mail"].search(
            [("model", "=", "helpdesk.contract.block"), ("res_id", "=", self.pack.id)]
        )

    def _check_invariant(self):
        """Deferred balance = value of the unexpired remaining hours."""
        value = round(max(self.pack.remaining_minutes, 0) * 80.0 / 60.0, 2)
        self.assertEqual(self._deferred_balance(self.profile), value)
        self.assertEqual(self.profile.deferred_remaining_amount, value)

    def _history(self):
        return self.env["helpdesk.contract.balance.move"].search(
            [("profile_id", "=", self.profile.id)]
        )

    def test_notice_then_expiry(self):
        self.assertEqual(self.pack.date_expiry, date(2025, 3, 31))
        self.profile.action_invoice_pack()
        self.profile.pack_invoice_id.action_post()
        self._check_invariant()
        self._rate(self._session(9, 30))
        self._check_invariant()
        self.assertEqual(self._deferred_balance(self.profile), 40.0)
        # March 25th: the block expires in 6 days, beyond the 5-day notice.
        self._run_job("2025-03-25 12:00:00")
        self.assertFalse(self._expiry_mails())
        self._run_job("2025-03-26 12:00:00")
        mail = self._expiry_mails()
        self.assertEqual(len(mail), 1)
        self.assertIn(self.customer, mail.recipient_ids)
        self.assertIn("2025-03-31", mail.subject)
        self.assertTrue(self.pack.expiry_notified)
        # Never twice for one block.
        self._run_job("2025-03-27 12:00:00")
        self.assertEqual(len(self._expiry_mails()), 1)
        # Its last day: still usable.
        self._run_job("2025-03-31 12:00:00")
        self.assertEqual(self.pack.state, "active")
        self.assertEqual(self.profile.remaining_hours, 0.5)
        # The day after, the 30 minutes left expire and their 40.00 go to
        # income in one entry.
        entries_before = self.env["account.move"].search_count(
            [("helpdesk_profile_id", "=", self.profile.id), ("move_type", "=", "entry")]
        )
        self._run_job("2025-04-01 12:00:00")
        self.assertEqual(self.pack.state, "expired")
        self.assertEqual(self.pack.expired_minutes, 30.0)
        self.assertEqual(self.pack.date_expired, date(2025, 4, 1))
        self.assertEqual(self.pack.remaining_minutes, 0.0)
        self.assertEqual(self.profile.remaining_hours, 0.0)
        self.assertEqual(self.profile.expired_hours, 0.5)
        entries = self.env["account.move"].search(
            [
                ("helpdesk_profile_id", "=", self.profile.id),
                ("move_type", "=", "entry"),
            ],
            order="id",
        )
        self.assertEqual(len(entries), entries_before + 1)
        income = entries[-1].line_ids.filtered(
            lambda line: line.account_id == self.income_account
        )
        self.assertEqual(income.credit, 40.0)
        self.assertIn("expired", entries[-1].ref)
        self._check_invariant()
        self.assertEqual(self.profile.deferred_recognized_amount, 80.0)
        self.assertIn("expired unused", self.profile.message_ids[0].body)
        # Run again: nothing more.
        self._run_job("2025-04-02 12:00:00")
        self.assertEqual(
            self.env["account.move"].search_count(
                [
                    ("helpdesk_profile_id", "=", self.profile.id),
                    ("move_type", "=", "entry"),
                ]
            ),
            entries_before + 1,
        )
        # A later session cannot take from the expired block: the balance goes
        # negative.
        late = self.env["helpdesk.session"].create(
            {
                "ticket_id": self.ticket.id,
                "user_id": self.agent.id,
                "date_start": self.DAY.replace(month=4, day=2, hour=9),
                "date_end": self.DAY.replace(month=4, day=2, hour=9, minute=15),
            }
        )
        self._rate(late)
        self.assertEqual(self.profile.remaining_hours, -0.25)
        self.assertEqual(
            late.block_allocation_ids.mapped("block_id"),
            self.env["helpdesk.contract.block"],
        )
        history = self._history()
        self.assertEqual(
            Counter(history.mapped("move_type")),
            {"pack": 1, "consumed": 2, "expired": 1},
        )
        self.assertEqual(
            history.filtered(lambda line: line.move_type == "expired").hours, -0.5
        )
        self.assertEqual(history[-1].balance, self.profile.remaining_hours)

    def test_running_balance_is_the_remaining_hours(self):
        self.profile.block_validity_months = 0
        recharge = self._recharge(self.profile, 2.0, 150.0, date=date(2025, 3, 2))
        first, second, third = (
            self._session(9, 45),
            self._session(11, 60),
            self._session(14, 90),
        )
        self._rate(first | second)
        self._unrate(first)
        self._rate(third)  # 60 + 90 = 150 min of 180: 0.5 h left
        history = self._history()
        balances = history.mapped("balance")
        self.assertEqual(history[-1].balance, self.profile.remaining_hours)
        self.assertEqual(round(sum(history.mapped("hours")), 2), 0.5)
        self.assertEqual(self.profile.remaining_hours, 0.5)
        # first: 45 min of the pack; second: 15 of the pack, 45 of the
        # recharge; first unrated: 45 back to the pack; third: 45 + 45.
        self.assertEqual(
            Counter(history.mapped("move_type")),
            {"pack": 1, "recharge": 1, "consumed": 5, "given_back": 1},
        )
        # The running balance adds each movement to the one before.
        running = 0.0
        for line, balance in zip(history, balances, strict=True):
            running += line.hours
            self.assertAlmostEqual(balance, running, places=2)
        self.assertIn(recharge.block_ids, history.block_id)
        self.assertIn(third, history.session_id)
        # Read by a consultant (access rights), exported like any list.
        as_agent = self.env["helpdesk.contract.balance.move"].with_user(self.agent)
        self.assertEqual(
            as_agent.search_read([("profile_id", "=", self.profile.id)], ["balance"])[
                -1
            ]["balance"],
            0.5,
        )
        exported = history.sudo().export_data(["move_type", "hours", "balance"])
        self.assertEqual(len(exported["datas"]), len(history))
        action = self.profile.action_view_balance_history()
        self.assertEqual(action["res_model"], "helpdesk.contract.balance.move")
