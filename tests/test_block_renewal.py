"""Periodic renewal: a block per period, idempotent (the job run twice, the
unique index), missed periods caught up, indexation at anniversaries."""

from datetime import date, datetime

import psycopg2
from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import SupportAccountingCase


@tagged("post_install", "-at_install")
class TestBlockRenewal(SupportAccountingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # 1 h for 80.00 every month from February 1st.
        cls.profile = cls._subscription(
            prepaid_hours=1.0,
            amount=80.0,
            date_start=date(2025, 1, 1),
            renewal_period="month",
            renewal_date=date(2025, 2, 1),
        )
        cls.profile.action_invoice_pack()

    def _renewals(self):
        return self.profile.block_ids.filtered(lambda b: b.kind == "renewal").sorted(
            "period_start"
        )

    def _run_job(self, day):
        cron = self.env.ref("helpdesk_session_billing.ir_cron_renew_subscriptions")
        with freeze_time(day), self.enter_registry_test_mode():
            cron.method_direct_trigger()
        self.env.invalidate_all()

    def test_catch_up_and_run_twice(self):
        self._run_job("2025-01-31 12:00:00")
        self.assertFalse(self._renewals())
        # The server was down in February and March: three periods due.
        self._run_job("2025-04-15 12:00:00")
        renewals = self._renewals()
        self.assertEqual(
            renewals.mapped("period_start"),
            [date(2025, 2, 1), date(2025, 3, 1), date(2025, 4, 1)],
        )
        self.assertEqual(renewals.mapped("hours"), [1.0, 1.0, 1.0])
        self.assertEqual(renewals.mapped("amount"), [80.0, 80.0, 80.0])
        self.assertEqual(self.profile.renewal_date, date(2025, 5, 1))
        invoices = renewals.invoice_id
        self.assertEqual(len(invoices), 3)
        self.assertEqual(set(invoices.mapped("amount_untaxed")), {80.0})
        self.assertEqual(set(invoices.mapped("state")), {"draft"})
        self.assertEqual(self.profile.remaining_hours, 4.0)
        # Run again the same day: nothing more.
        self._run_job("2025-04-15 18:00:00")
        self.assertEqual(len(self._renewals()), 3)
        self.assertEqual(self.profile.remaining_hours, 4.0)
        self._run_job("2025-05-01 08:00:00")
        self.assertEqual(len(self._renewals()), 4)

    def test_one_block_per_period(self):
        self._run_job("2025-02-01 12:00:00")
        renewal = self._renewals()
        self.assertEqual(len(renewal), 1)
        Block = self.env["helpdesk.contract.block"].sudo()._ledger_writer()
        vals = {
            "profile_id": self.profile.id,
            "kind": "renewal",
            "period_start": date(2025, 2, 1),
            "date_start": date(2025, 2, 1),
            "hours": 1.0,
            "amount": 80.0,
        }
        # The index refuses a second block for the period...
        with (
            self.assertRaises(psycopg2.errors.UniqueViolation),
            mute_logger("odoo.sql_db"),
            self.cr.savepoint(),
        ):
            Block.create(vals).flush_recordset()
        # ... and a renewal that comes second (the job on another worker,
        # with a stale next date) skips it.
        self.assertFalse(self.profile._create_renewal_blocks([vals]))
        self.assertEqual(len(self._renewals()), 1)

    def test_indexation_at_the_anniversary(self):
        self.profile.write(
            {"indexation_percent": 3.5, "indexation_date": date(2025, 3, 1)}
        )
        # Shown before it applies: 80.00 + 3.5 % = 82.80.
        self.assertEqual(self.profile.next_amount, 82.8)
        self.assertEqual(self.profile.amount, 80.0)
        self._run_job("2025-03-15 12:00:00")
        renewals = self._renewals()
        self.assertEqual(renewals.mapped("amount"), [80.0, 82.8])
        self.assertEqual(renewals[-1].invoice_id.amount_untaxed, 82.8)
        self.assertEqual(self.profile.amount, 82.8)
        self.assertEqual(self.profile.indexation_date, date(2026, 3, 1))
        # The next one, 82.80 + 3.5 % = 85.698 -> 85.70, shown already.
        self.assertEqual(self.profile.next_amount, 85.7)
        self.assertTrue(
            self.profile.message_ids.filtered(
                lambda m: "Pack price indexed" in (m.body or "")
            )
        )
        # The pack keeps the price it was sold at.
        pack = self.profile.block_ids.filtered(lambda b: b.kind == "pack")
        self.assertEqual(pack.amount, 80.0)

    def test_indexation_by_index(self):
        self.profile.write(
            {
                "indexation_index_base": 285.4,
                "indexation_index": 291.7,
                "indexation_percent": 10.0,
                "indexation_date": date(2025, 2, 1),
            }
        )
        # The index wins over the percentage: 80.00 * 291.7 / 285.4 = 81.7659...
        self.assertEqual(self.profile.next_amount, 81.77)
        self._run_job("2025-02-01 12:00:00")
        self.assertEqual(self._renewals().amount, 81.77)


@tagged("post_install", "-at_install")
class TestCarryOver(SupportAccountingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._enable_deferred_revenue()
        # 1 h for 80.00 a month; unused hours carried up to 0:30.
        cls.profile = cls._subscription(
            prepaid_hours=1.0,
            amount=80.0,
            date_start=date(2025, 1, 1),
            renewal_period="month",
            renewal_date=date(2025, 2, 1),
            carry_over_mode="hours",
            carry_over_cap=0.5,
        )
        cls.profile.action_invoice_pack()
        cls.profile.pack_invoice_id.action_post()
        cls.pack = cls.profile.block_ids

    def _renew(self):
        cron = self.env.ref("helpdesk_session_billing.ir_cron_renew_subscriptions")
        with freeze_time("2025-02-01 12:00:00"), self.enter_registry_test_mode():
            cron.method_direct_trigger()
        self.env.invalidate_all()

    def _block(self, kind):
        return self.profile.block_ids.filtered(lambda b: b.kind == kind)

    def _check_ledger(self):
        history = self.env["helpdesk.contract.balance.move"].search(
            [("profile_id", "=", self.profile.id)]
        )
        self.assertAlmostEqual(
            sum(history.mapped("hours")), self.profile.remaining_hours
        )

    def test_over_the_cap(self):
        self.assertEqual(self._deferred_balance(self.profile), 80.0)
        self._renew()
        # The pack's hour unused: 0:30 carried, 0:30 expired.
        self.assertEqual(self.pack.state, "expired")
        self.assertEqual(self.pack.carried_out_minutes, 30.0)
        self.assertEqual(self.pack.expired_minutes, 30.0)
        carry = self._block("carry_over")
        self.assertEqual(carry.hours, 0.5)
        self.assertEqual(carry.carried_in_amount, 40.0)
        self.assertEqual(carry.date_start, date(2025, 2, 1))
        self.assertEqual(carry.date_expiry, date(2025, 2, 28))
        self.assertEqual(self._block("renewal").hours, 1.0)
        self.assertEqual(self.profile.remaining_hours, 1.5)
        # The expired half hour's 40.00 recognized; the carried 40.00 still
        # deferred, with the renewal's 80.00 once its invoice is posted.
        self.assertEqual(self.profile.deferred_recognized_amount, 40.0)
        self.assertEqual(self._deferred_balance(self.profile), 40.0)
        self._block("renewal").invoice_id.action_post()
        self.assertEqual(self._deferred_balance(self.profile), 120.0)
        self.assertEqual(self.profile.deferred_remaining_amount, 120.0)
        self._check_ledger()
        # The carried hours are used first (they expire first).
        session = self.env["helpdesk.session"].create(
            {
                "ticket_id": self.ticket.id,
                "user_id": self.agent.id,
                "date_start": datetime(2025, 2, 10, 9),
                "date_end": datetime(2025, 2, 10, 9, 45),
            }
        )
        self._rate(session)
        self.assertEqual(
            {row.block_id: row.minutes for row in session.block_allocation_ids},
            {carry: 30, self._block("renewal"): 15},
        )
        self.assertEqual(carry.remaining_minutes, 0.0)
        # 40.00 of the carry-over and 15 min at 80.00/h: 60.00 left.
        self.assertEqual(self._deferred_balance(self.profile), 60.0)
        self.assertEqual(self.profile.deferred_remaining_amount, 60.0)
        self._check_ledger()

    def test_under_the_cap(self):
        self._rate(self._session(9, 45))  # 0:15 of the pack left
        self._renew()
        self.assertEqual(self.pack.carried_out_minutes, 15.0)
        self.assertEqual(self.pack.expired_minutes, 0.0)
        self.assertEqual(self._block("carry_over").hours, 0.25)
        self.assertEqual(self._block("carry_over").carried_in_amount, 20.0)
        self.assertEqual(self.profile.remaining_hours, 1.25)
        self.assertEqual(self.profile.deferred_recognized_amount, 60.0)
        self.assertEqual(self._deferred_balance(self.profile), 20.0)
        self._check_ledger()

    def test_percent_of_the_period(self):
        self.profile.write({"carry_over_mode": "percent", "carry_over_cap": 25.0})
        self._renew()
        # 25 % of 1 h: 0:15 carried, 0:45 expired (60.00 recognized).
        self.assertEqual(self._block("carry_over").hours, 0.25)
        self.assertEqual(self.pack.expired_minutes, 45.0)
        self.assertEqual(self.profile.deferred_recognized_amount, 60.0)
        self.assertEqual(self._deferred_balance(self.profile), 20.0)
        self.assertEqual(self.profile.remaining_hours, 1.25)
        self._check_ledger()
