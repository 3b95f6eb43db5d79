import csv
import io
from datetime import date, datetime, timedelta

from odoo.fields import Command, Domain
from odoo.tests import Form, freeze_time, new_test_user, tagged

from .common import SupportAccountingCase

# 00:30 in Auckland on March 1st, 2025 (UTC+13 in its summer): still
# February 28 in UTC (11:30) and in Los Angeles (03:30).
FIRST_OF_MARCH = datetime(2025, 2, 28, 11, 30)
MARCH = (date(2025, 3, 1), date(2025, 3, 31))
FEBRUARY = (date(2025, 2, 1), date(2025, 2, 28))


@tagged("post_install", "-at_install")
class TestPeriodConvention(SupportAccountingCase):
    """One day convention: a period is made of the company's days (its
    address' time zone), whoever looks. A company in Auckland, a billing
    manager in Los Angeles, a session at 00:30 on the 1st of March in
    Auckland: every screen puts it in March."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.tz = "Pacific/Auckland"
        cls.manager = new_test_user(
            cls.env,
            "hsb_period_manager",
            groups="account.group_account_invoice,"
            "helpdesk_mgmt.group_helpdesk_user,"
            "helpdesk_session_billing.group_support_billing_manager",
            name="Period Manager",
            tz="America/Los_Angeles",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.hourly = cls.env["helpdesk.contract.profile"].create(
            {
                "name": "HSB hourly",
                "billing_type": "pay_per_use",
                "step_duration": 60,
                "step_cost": 90.0,
                "product_id": cls.support_product.id,
                "partner_ids": [Command.link(cls.customer.id)],
            }
        )
        cls.session = cls._session_at(FIRST_OF_MARCH, 60)

    @classmethod
    def _session_at(cls, start, minutes):
        return cls.env["helpdesk.session"].create(
            {
                "ticket_id": cls.ticket.id,
                "user_id": cls.agent.id,
                "date_start": start,
                "date_end": start + timedelta(minutes=minutes),
            }
        )

    def _rating_screen(self, days, **vals):
        return (
            self.env["helpdesk.session.rating.wizard"]
            .with_user(self.manager)
            .create(
                {
                    "date_from": days[0],
                    "date_to": days[1],
                    "state_filter": "all",
                    **vals,
                }
            )
        )

    # ------------------------------------------------------------------
    # The company's time zone
    # ------------------------------------------------------------------
    def test_company_time_zone_not_the_user(self):
        company = self.company.with_user(self.manager)
        self.assertEqual(company._helpdesk_tz(), "Pacific/Auckland")
        self.assertEqual(
            company.with_context(tz="Asia/Tokyo")._helpdesk_tz(), "Pacific/Auckland"
        )
        self.assertEqual(
            company._helpdesk_local_datetime(FIRST_OF_MARCH),
            datetime(2025, 3, 1, 0, 30),
        )
        self.company.partner_id.tz = False
        self.assertEqual(company._helpdesk_tz(), "UTC", "not the user's")

    def test_period_domain(self):
        self.assertEqual(
            self.company._helpdesk_period_domain(*MARCH),
            Domain("date_start", ">=", datetime(2025, 2, 28, 11))
            & Domain("date_start", "<", datetime(2025, 3, 31, 11)),
        )
        self.assertEqual(
            self.company._helpdesk_period_domain(None, "2025-03-31", fname="date"),
            Domain("date", "<", datetime(2025, 3, 31, 11)),
        )
        self.assertTrue(self.company._helpdesk_period_domain(False, False).is_true())

    # ------------------------------------------------------------------
    # Every screen puts the session in March
    # ------------------------------------------------------------------
    def test_rating_screen_month(self):
        self.assertIn(self.session, self._rating_screen(MARCH).session_ids)
        self.assertNotIn(self.session, self._rating_screen(FEBRUARY).session_ids)
        one_day = self._rating_screen((date(2025, 3, 1), date(2025, 3, 1)))
        self.assertEqual(one_day.session_ids, self.session)
        day_before = self._rating_screen((date(2025, 2, 28), date(2025, 2, 28)))
        self.assertFalse(day_before.session_ids)

    @freeze_time("2025-02-28 20:00:00")
    def test_rating_screen_opens_on_the_company_month(self):
        """In Los Angeles it is still noon on February 28; in Auckland it is
        March 1st, 9:00: the screen opens on the company's month (here with
        no days kept for billing the month before)."""
        self.company.helpdesk_billing_close_days = 0
        wizard = (
            self.env["helpdesk.session.rating.wizard"]
            .with_user(self.manager)
            .create({"state_filter": "all"})
        )
        self.assertEqual(
            (wizard.date_from, wizard.date_to), (MARCH[0], date(2025, 3, 31))
        )
        self.assertEqual(wizard.session_ids, self.session)

    def test_rating_screen_opens_on_the_month_being_billed(self):
        """Billing is done in the first days of a month for the month before:
        on those days the screen opens on the month before, then on the
        current month; one click moves a month either way."""
        Wizard = self.env["helpdesk.session.rating.wizard"].with_user(self.manager)
        february = (date(2025, 2, 1), date(2025, 2, 28))
        march = (MARCH[0], date(2025, 3, 31))
        cases = [
            ("2025-03-01 09:00:00", 10, february),  # 1 March, 22:00 in Auckland
            ("2025-03-10 10:00:00", 10, february),  # the 10th, 23:00
            ("2025-03-10 11:00:00", 10, march),  # the 11th, 00:00 in Auckland
            ("2025-03-01 09:00:00", 0, march),
        ]
        for now, close_days, period in cases:
            with self.subTest(now=now, close_days=close_days), freeze_time(now):
                self.company.helpdesk_billing_close_days = close_days
                wizard = Wizard.create({"state_filter": "all"})
                self.assertEqual((wizard.date_from, wizard.date_to), period)
        with freeze_time("2025-03-01 09:00:00"):
            self.company.helpdesk_billing_close_days = 10
            wizard = Wizard.create({"state_filter": "all"})
            self.assertFalse(wizard.session_ids)
            wizard.action_next_month()
            self.assertEqual((wizard.date_from, wizard.date_to), march)
            self.assertEqual(wizard.session_ids, self.session)
            wizard.action_previous_month()
            wizard.action_previous_month()
            self.assertEqual(
                (wizard.date_from, wizard.date_to),
                (date(2025, 1, 1), date(2025, 1, 31)),
            )
            # From a period spanning months, the month of its start.
            wizard.write({"date_from": date(2024, 12, 15), "date_to": False})
            wizard.action_next_month()
            self.assertEqual(
                (wizard.date_from, wizard.date_to),
                (date(2025, 1, 1), date(2025, 1, 31)),
            )

    def test_invoice_add_wizard_period(self):
        self._rate(self.session)
        self.assertEqual(self.session.state, "rated")
        invoice = self._create_invoice(partner_id=self.customer)
        action = invoice.with_user(self.manager).action_add_support_sessions()
        wizard = Form(
            self.env[action["res_model"]]
            .with_user(self.manager)
            .with_context(**action["context"])
        )
        self.assertEqual(len(wizard.session_ids), 1)
        wizard.date_from, wizard.date_to = FEBRUARY
        self.assertEqual(len(wizard.session_ids), 0, "not in February")
        wizard.date_from, wizard.date_to = MARCH
        self.assertEqual(len(wizard.session_ids), 1, "in March")
        wizard.save().action_add()
        self.assertEqual(self.session.invoice_id, invoice)

    def test_statement(self):
        self._rate(self.session)
        customer = self.customer.with_user(self.manager)
        [march] = customer._get_support_statements(*MARCH, self.company)
        self.assertEqual(
            [line["date"] for line in march["lines"]], ["2025-03-01 00:30"]
        )
        self.assertEqual(march["total_duration"], 60)
        [february] = customer._get_support_statements(*FEBRUARY, self.company)
        self.assertEqual(february["lines"], [])
        # The rating screen's statement is the same.
        [from_screen] = self._rating_screen(
            MARCH, partner_id=self.customer.id
        )._get_statement_values()
        self.assertEqual(from_screen["lines"], march["lines"])

    def test_statement_balances(self):
        self.hourly.partner_ids = [Command.unlink(self.customer.id)]
        # The pack from January 1st: the history dates it at the first
        # moment of that day in Auckland (still December 31st in UTC).
        pack = self._subscription(prepaid_hours=10.0, date_start=date(2025, 1, 1))
        # The balance history dates a consumption on its session's day, when
        # ever it is rated (today): March 1st in Auckland, still February in
        # UTC and Los Angeles.
        self._rate(self.session)
        self.assertEqual(self.session.profile_id, pack)
        customer = self.customer.with_user(self.manager)
        [march] = customer._get_support_statements(*MARCH, self.company)
        [balance] = march["subscriptions"]
        self.assertAlmostEqual(balance["start_hours"], 10.0)
        self.assertAlmostEqual(balance["consumed_hours"], 1.0, msg="in March")
        [february] = customer._get_support_statements(*FEBRUARY, self.company)
        [balance] = february["subscriptions"]
        self.assertAlmostEqual(balance["consumed_hours"], 0.0, msg="not in February")
        self.assertAlmostEqual(balance["end_hours"], 10.0)
        [april] = customer._get_support_statements(
            date(2025, 4, 1), date(2025, 4, 30), self.company
        )
        [balance] = april["subscriptions"]
        self.assertAlmostEqual(balance["start_hours"], 9.0, msg="March consumed")

    def test_export_shows_the_company_day(self):
        content = self._rating_screen(MARCH)
        headers, rows = content._get_export_table()
        start = headers.index("Start")
        self.assertEqual([row[start] for row in rows], [datetime(2025, 3, 1, 0, 30)])
        action = content.action_export_csv()
        attachment = self.env["ir.attachment"].browse(
            int(action["url"].split("/")[-1].split("?")[0])
        )
        lines = list(csv.reader(io.StringIO(attachment.raw.decode("utf-8-sig"))))
        self.assertEqual(lines[1][start], "2025-03-01 00:30")

    def test_scope_monthly_allowance(self):
        """An hour a month included: the session of March 1st, rated, takes
        March's hour, not February's."""
        rule = self.env["helpdesk.scope.rule"].create(
            {"name": "HSB one hour a month", "monthly_allowance_hours": 1.0}
        )
        self._rate(self.session)
        self.assertEqual(self.session.scope_rule_id, rule)
        self.assertEqual(self.session.scope_included_minutes, 60)
        # February 27 and March 20, 10:00 in Auckland.
        february = self._session_at(datetime(2025, 2, 26, 21), 30)
        march = self._session_at(datetime(2025, 3, 19, 21), 30)
        self.assertEqual(
            (february.scope, february.scope_included_minutes), ("included", 30)
        )
        self.assertEqual((march.scope, march.scope_billable_minutes), ("billable", 30))
        self.assertEqual(
            march.scope_reason,
            "HSB one hour a month: the monthly allowance of 1 h was already used",
        )
