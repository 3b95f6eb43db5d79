from datetime import date, timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import SupportAccountingCase


@tagged("post_install", "-at_install")
class TestSubscriptionInvoices(SupportAccountingCase):
    def test_invoice_pack_by_button(self):
        profile = self._subscription()
        self.assertFalse(profile.pack_invoice_id)
        action = profile.with_user(self.billing_manager).action_invoice_pack()
        invoice = profile.pack_invoice_id
        self.assertTrue(invoice)
        self.assertEqual(action["res_id"], invoice.id)
        self.assertEqual(invoice.move_type, "out_invoice")
        self.assertEqual(invoice.state, "draft")
        self.assertEqual(invoice.partner_id, self.customer)
        self.assertEqual(invoice.helpdesk_profile_id, profile)
        self.assertEqual(invoice.invoice_origin, profile.name)
        line = invoice.invoice_line_ids
        self.assertEqual(len(line), 1)
        self.assertEqual(line.product_id, self.support_product)
        self.assertEqual(line.quantity, 1)
        self.assertIn("10 prepaid hours", line.name)
        self.assertEqual(line.account_id, self.income_account)
        self.assertEqual(line.tax_ids, self.tax_sale_a)
        self.assertEqual(invoice.amount_untaxed, 800.0)
        self.assertEqual(profile.invoice_ids, invoice)
        self.assertEqual(profile.invoice_count, 1)

    def test_pack_invoice_exact_cents_and_taxes(self):
        profile = self._subscription(prepaid_hours=3.0, amount=1000.0)
        profile.action_invoice_pack()
        invoice = profile.pack_invoice_id
        self.assertEqual(invoice.amount_untaxed, 1000.0)
        tax = self.tax_sale_a.amount / 100.0
        self.assertAlmostEqual(invoice.amount_tax, round(1000.0 * tax, 2))
        invoice.action_post()
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.amount_total, 1000.0 + invoice.amount_tax)

    def test_refusals(self):
        profile = self._subscription()
        profile.action_invoice_pack()
        with self.assertRaisesRegex(UserError, "already invoiced"):
            profile.action_invoice_pack()
        free = self._subscription(
            name="Free pack",
            amount=0.0,
            partner_id=self.partner_a.id,
        )
        with self.assertRaisesRegex(UserError, "no pack price"):
            free.action_invoice_pack()
        self.assertFalse(free.pack_invoice_id)

    def test_cancelled_pack_invoice_can_be_invoiced_again(self):
        profile = self._subscription()
        profile.action_invoice_pack()
        first = profile.pack_invoice_id
        first.button_cancel()
        profile.action_invoice_pack()
        self.assertNotEqual(profile.pack_invoice_id, first)
        self.assertEqual(profile.invoice_count, 2)

    def test_option_invoices_on_creation(self):
        self.company.helpdesk_invoice_pack_on_start = True
        today = fields.Date.context_today(self.env.user)
        started = self._subscription(date_start=today)
        self.assertTrue(started.pack_invoice_id)
        self.assertEqual(started.pack_invoice_id.amount_untaxed, 800.0)
        open_ended = self._subscription(
            name="No start", partner_id=self.partner_a.id, date_start=False
        )
        self.assertTrue(open_ended.pack_invoice_id)
        later = self._subscription(
            name="Later",
            partner_id=self.partner_b.id,
            date_start=today + timedelta(days=10),
        )
        self.assertFalse(later.pack_invoice_id)

    def test_option_off_does_not_invoice(self):
        profile = self._subscription()
        self.assertFalse(profile.pack_invoice_id)
        self.env["helpdesk.contract.profile"]._cron_invoice_started_packs()
        self.assertFalse(profile.pack_invoice_id)

    def test_cron_invoices_packs_that_started(self):
        self.company.helpdesk_invoice_pack_on_start = True
        start = date(2031, 5, 1)
        profile = self._subscription(date_start=start)
        self.assertFalse(profile.pack_invoice_id)
        Profile = self.env["helpdesk.contract.profile"]
        with freeze_time("2031-04-30"):
            Profile._cron_invoice_started_packs()
        self.assertFalse(profile.pack_invoice_id)
        with freeze_time("2031-05-02"):
            Profile._cron_invoice_started_packs()
        invoice = profile.pack_invoice_id
        self.assertTrue(invoice)
        self.assertEqual(invoice.helpdesk_profile_id, profile)
        with freeze_time("2031-05-03"):
            Profile._cron_invoice_started_packs()
        self.assertEqual(profile.pack_invoice_id, invoice)
        self.assertEqual(profile.invoice_count, 1)

    def test_cron_counts_the_company_days(self):
        """Kiritimati is 14 hours ahead of UTC: at 11:00 UTC on 30 April it
        is already 1 May there, the day the subscription starts."""
        self.company.helpdesk_invoice_pack_on_start = True
        self.company.partner_id.tz = "Pacific/Kiritimati"
        profile = self._subscription(date_start=date(2031, 5, 1))
        Profile = self.env["helpdesk.contract.profile"]
        with freeze_time("2031-04-30 09:00:00"):  # 23:00 on 30 April there
            Profile._cron_invoice_started_packs()
        self.assertFalse(profile.pack_invoice_id)
        with freeze_time("2031-04-30 11:00:00"):  # 01:00 on 1 May there
            Profile._cron_invoice_started_packs()
        self.assertTrue(profile.pack_invoice_id)

    def test_cron_job_exists(self):
        cron = self.env.ref("helpdesk_session_billing.ir_cron_invoice_started_packs")
        self.assertEqual(cron.model_id.model, "helpdesk.contract.profile")
        self.assertTrue(
            self.env.ref("helpdesk_session_billing.ir_cron_close_ended_subscriptions")
        )

    def test_recharge_invoice(self):
        profile = self._subscription()
        recharge = self._recharge(profile, 5.0, 450.0)
        invoice = recharge.invoice_id
        self.assertTrue(invoice)
        self.assertEqual(invoice.state, "draft")
        self.assertEqual(invoice.helpdesk_profile_id, profile)
        self.assertEqual(invoice.partner_id, self.customer)
        self.assertEqual(invoice.amount_untaxed, 450.0)
        self.assertIn("recharge of 5 hours", invoice.invoice_line_ids.name)
        self.assertEqual(profile.invoice_ids, invoice)
        second = self._recharge(profile, 2.0, 160.0)
        self.assertNotEqual(second.invoice_id, invoice)
        profile.action_invoice_pack()
        self.assertEqual(profile.invoice_count, 3)
        action = profile.action_view_invoices()
        self.assertEqual(
            set(action["domain"][0][2]), set(profile.invoice_ids.ids), action
        )

    def test_recharge_without_amount_is_not_invoiced(self):
        profile = self._subscription()
        recharge = self._recharge(profile, 2.0, 0.0)
        self.assertFalse(recharge.invoice_id)
        self.assertEqual(profile.invoice_count, 0)

    def test_manager_without_accounting_rights(self):
        self.assertFalse(
            self.billing_manager.has_group("account.group_account_invoice")
        )
        profile = self._subscription()
        profile.with_user(self.billing_manager).action_invoice_pack()
        self.assertTrue(profile.pack_invoice_id)
        recharge = self._recharge(profile, 1.0, 80.0)
        self.assertTrue(recharge.invoice_id)

    def test_deferred_account_on_lines(self):
        self._enable_deferred_revenue()
        profile = self._subscription()
        profile.action_invoice_pack()
        recharge = self._recharge(profile, 5.0, 450.0)
        for invoice in profile.pack_invoice_id | recharge.invoice_id:
            self.assertEqual(invoice.invoice_line_ids.account_id, self.deferred_account)
            self.assertEqual(invoice.invoice_line_ids.tax_ids, self.tax_sale_a)
        self.assertTrue(profile.deferred_revenue_enabled)
        self.assertEqual(profile.deferred_remaining_amount, 1250.0)


@tagged("post_install", "-at_install")
class TestDeferredRevenue(SupportAccountingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._enable_deferred_revenue()
        cls.profile = cls._subscription()

    def _entries(self):
        return self.env["account.move"].search(
            [
                ("helpdesk_profile_id", "=", self.profile.id),
                ("move_type", "=", "entry"),
            ],
            order="id",
        )

    def _invoice_and_post(self):
        self.profile.action_invoice_pack()
        self.profile.pack_invoice_id.action_post()

    def _remaining_value(self):
        """Value of the remaining hours by hand: 80.00/h for the pack."""
        return round(self.profile.remaining_hours * 80.0, 2)

    def test_rating_recognizes_consumed_value(self):
        self._invoice_and_post()
        self.assertEqual(self._deferred_balance(self.profile), 800.0)
        self._rate(self._session(9, 40))  # 45 min at 80.00/h
        entry = self._entries()
        self.assertEqual(len(entry), 1)
        self.assertEqual(entry.state, "posted")
        self.assertEqual(entry.journal_id, self.deferred_journal)
        deferred = entry.line_ids.filtered(
            lambda line: line.account_id == self.deferred_account
        )
        income = entry.line_ids - deferred
        self.assertEqual(deferred.debit, 60.0)
        self.assertEqual(income.account_id, self.income_account)
        self.assertEqual(income.credit, 60.0)
        self.assertEqual(deferred.partner_id, self.customer)
        self.assertEqual(self.profile.deferred_recognized_amount, 60.0)
        self.assertEqual(self._deferred_balance(self.profile), 740.0)
        self.assertEqual(self.profile.deferred_remaining_amount, 740.0)

    def test_one_entry_per_batch(self):
        self._invoice_and_post()
        sessions = self._session(9, 40) | self._session(11, 20) | self._session(14, 5)
        self._rate(sessions)
        # 45 + 30 + 15 minutes = 1.5 h: 120.00, in one entry.
        entries = self._entries()
        self.assertEqual(len(entries), 1)
        self.assertEqual(sum(entries.line_ids.mapped("debit")), 120.0)
        self.assertEqual(self._deferred_balance(self.profile), 680.0)

    def test_unrate_reverses(self):
        self._invoice_and_post()
        session = self._session(9, 60)
        self._rate(session)
        self.assertEqual(self._deferred_balance(self.profile), 720.0)
        self._unrate(session)
        entries = self._entries()
        self.assertEqual(len(entries), 2)
        back = entries[-1].line_ids.filtered(
            lambda line: line.account_id == self.deferred_account
        )
        self.assertEqual(back.credit, 80.0)
        self.assertEqual(self.profile.deferred_recognized_amount, 0.0)
        self.assertEqual(self._deferred_balance(self.profile), 800.0)

    def test_close_recognizes_the_rest(self):
        self._invoice_and_post()
        self._rate(self._session(9, 90))
        self.profile.with_user(self.billing_manager).action_close_subscription()
        self.assertTrue(self.profile.deferred_closed)
        self.assertEqual(self.profile.deferred_recognized_amount, 800.0)
        self.assertEqual(self._deferred_balance(self.profile), 0.0)
        last = self._entries()[-1]
        self.assertEqual(
            last.line_ids.filtered(
                lambda line: line.account_id == self.income_account
            ).credit,
            680.0,
        )
        # Later ratings recognize nothing more.
        count = len(self._entries())
        self._rate(self._session(14, 30))
        self.assertEqual(len(self._entries()), count)
        self.assertEqual(self._deferred_balance(self.profile), 0.0)

    def test_close_refused_to_consultants(self):
        with self.assertRaises(UserError):
            self.profile.with_user(self.agent).action_close_subscription()
        self.assertFalse(self.profile.deferred_closed)

    def test_cron_closes_ended_subscriptions(self):
        self._invoice_and_post()
        self.profile.date_end = date(2031, 6, 30)
        Profile = self.env["helpdesk.contract.profile"]
        with freeze_time("2031-06-30"):
            Profile._cron_close_ended_subscriptions()
        self.assertFalse(self.profile.deferred_closed)
        with freeze_time("2031-07-01"):
            Profile._cron_close_ended_subscriptions()
        self.assertTrue(self.profile.deferred_closed)
        self.assertEqual(self._deferred_balance(self.profile), 0.0)

    def test_invariant_with_recharges_at_other_prices(self):
        """Pack 10 h for 800.00, recharge 5 h for 450.00 and 3 h for 1000.00:
        after ratings and an unrate, the deferred balance is the value of the
        remaining hours of each block, to the cent."""
        self.profile.action_invoice_pack()
        first = self._recharge(self.profile, 5.0, 450.0, date=date(2025, 3, 1))
        second = self._recharge(self.profile, 3.0, 1000.0, date=date(2025, 3, 2))
        invoices = self.profile.invoice_ids
        self.assertEqual(len(invoices), 3)
        invoices.action_post()
        self.assertEqual(self._deferred_balance(self.profile), 2250.0)

        def remaining_value():
            minutes = self.profile.consumed_minutes
            value = 0.0
            for layer_minutes, amount in ((600, 800.0), (300, 450.0), (180, 1000.0)):
                left = min(max(layer_minutes - minutes, 0), layer_minutes)
                value += amount * left / layer_minutes
                minutes = max(minutes - layer_minutes, 0)
            return round(value, 2)

        sessions = [
            self._session(8, 235),  # 240 min
            self._session(13, 230),  # 240 min
            self._session(18, 200),  # 210 min: 120 pack, 90 first recharge
        ]
        for session in sessions:
            self._rate(session)
            self.assertEqual(
                self._deferred_balance(self.profile), remaining_value(), session
            )
        self.assertEqual(self.profile.consumed_minutes, 690)
        # 800 + 90 min at 90.00/h = 935.00 recognized.
        self.assertEqual(self.profile.deferred_recognized_amount, 935.0)
        late = self.env["helpdesk.session"].create(
            {
                "ticket_id": self.ticket.id,
                "user_id": self.agent.id,
                "date_start": self.DAY.replace(day=11, hour=8),
                "date_end": self.DAY.replace(day=11, hour=12, minute=20),
            }
        )
        self._rate(late)  # 270 min: 210 of the first recharge, 60 of the second
        self.assertEqual(self.profile.consumed_minutes, 960)
        self.assertEqual(self._deferred_balance(self.profile), remaining_value())
        self.assertEqual(self._deferred_balance(self.profile), 666.67)
        # Unrating gives its own block (the pack) its 240 minutes back: the
        # pack has 240 min left (320.00), the second recharge 120 (666.67).
        self._unrate(sessions[1])
        self.assertEqual(self.profile.consumed_minutes, 720)
        self.assertEqual(self._deferred_balance(self.profile), 986.67)
        self.assertEqual(
            self.profile.deferred_remaining_amount, self._deferred_balance(self.profile)
        )
        self.assertEqual(first.invoice_id.helpdesk_profile_id, self.profile)
        self.assertEqual(second.invoice_id.helpdesk_profile_id, self.profile)
        self.profile.action_close_subscription()
        self.assertEqual(self._deferred_balance(self.profile), 0.0)
        income = self.env["account.move.line"].search(
            [
                ("account_id", "=", self.income_account.id),
                ("move_id.helpdesk_profile_id", "=", self.profile.id),
                ("parent_state", "=", "posted"),
            ]
        )
        self.assertEqual(round(-sum(income.mapped("balance")), 2), 2250.0)

    def test_pack_invoiced_after_ratings_catches_up(self):
        self._rate(self._session(9, 60))
        self.assertFalse(self._entries())
        self._invoice_and_post()
        self.assertEqual(self.profile.deferred_recognized_amount, 80.0)
        self.assertEqual(self._deferred_balance(self.profile), self._remaining_value())
        self.assertEqual(self._deferred_balance(self.profile), 720.0)

    def test_without_deferral_no_entries(self):
        self.company.helpdesk_deferred_journal_id = False
        profile = self._subscription(name="Plain", partner_id=self.partner_a.id)
        profile.action_invoice_pack()
        self.assertEqual(
            profile.pack_invoice_id.invoice_line_ids.account_id, self.income_account
        )
        self.assertFalse(profile.deferred_revenue_enabled)
        self.assertFalse(profile._recognize_deferred_revenue())

    def test_cancelled_invoice_gives_its_value_back(self):
        self.profile.action_invoice_pack()
        self._rate(self._session(9, 60))
        self.assertEqual(self.profile.deferred_recognized_amount, 80.0)
        self.profile.pack_invoice_id.button_cancel()
        self.assertEqual(self.profile.deferred_recognized_amount, 0.0)
        self.assertEqual(self._deferred_balance(self.profile), 0.0)
        self.assertEqual(self.profile.deferred_remaining_amount, 0.0)

    def test_full_credit_note_takes_its_value_back(self):
        self._invoice_and_post()
        self._rate(self._session(9, 60))
        self.assertEqual(self.profile.deferred_recognized_amount, 80.0)
        credit_note = self.profile.pack_invoice_id._reverse_moves()
        self.assertIn(credit_note, self.profile.invoice_ids)
        credit_note.action_post()
        self.assertEqual(self.profile.deferred_recognized_amount, 0.0)
        self.assertEqual(self._deferred_balance(self.profile), 0.0)
        self.assertEqual(self.profile.deferred_remaining_amount, 0.0)
        # The recognized 80.00 went back from income to deferred revenue.
        back = self._entries()[-1].line_ids.filtered(
            lambda line: line.account_id == self.deferred_account
        )
        self.assertEqual(back.credit, 80.0)

    def test_partial_credit_note_lowers_the_value_of_the_hours(self):
        self._invoice_and_post()
        self._rate(self._session(9, 60))  # 1 h of the 10 h pack
        credit_note = self.profile.pack_invoice_id._reverse_moves()
        credit_note.invoice_line_ids.price_unit = 400.0  # half the pack back
        credit_note.action_post()
        # The 10 h are now worth 400.00, 40.00 an hour: 1 h recognized.
        self.assertEqual(self.profile.deferred_recognized_amount, 40.0)
        self.assertEqual(self._deferred_balance(self.profile), 360.0)
        self.assertEqual(self.profile.deferred_remaining_amount, 360.0)
        self._rate(self._session(11, 60))
        self.assertEqual(self._deferred_balance(self.profile), 320.0)
        self.assertEqual(self.profile.deferred_remaining_amount, 320.0)
