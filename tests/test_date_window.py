"""Dates are bounded: every entry point refuses a date outside the accepted
window (year 1, 9999) with a clear message, never an overflow."""

from datetime import date, datetime, timedelta

from odoo.exceptions import ValidationError
from odoo.tests import Form, new_test_user, tagged

from ..core import period
from ..core import scope as engine
from .common import SessionCase

REFUSED = "not a date support billing accepts"
# Dates no one means: the first and last days Python knows of.
FAR_DAYS = (date(1, 1, 1), date(9999, 12, 31))


@tagged("post_install", "-at_install")
class TestDateWindowCore(SessionCase):
    def test_window_bounds(self):
        today = date(2026, 5, 4)
        self.assertEqual(
            period.date_window(today), (date(2000, 1, 1), date(2036, 12, 31))
        )
        self.assertTrue(period.in_window(date(2000, 1, 1), today))
        self.assertTrue(period.in_window(datetime(2036, 12, 31, 23, 59), today))
        self.assertFalse(period.in_window(date(1999, 12, 31), today))
        self.assertFalse(period.in_window(date(2037, 1, 1), today))
        for day in FAR_DAYS:
            self.assertFalse(period.in_window(day, today))

    def test_period_domain_refuses_far_days(self):
        for day in FAR_DAYS:
            with self.assertRaisesRegex(ValidationError, REFUSED), self.cr.savepoint():
                self.company._helpdesk_period_domain(day, day)
        first, last = self.company._helpdesk_date_window()
        self.assertTrue(self.company._helpdesk_period_domain(first, last))


@tagged("post_install", "-at_install")
class TestDateWindowEntryPoints(SessionCase):
    """Each entry point, used by the user who would use it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pack = cls._subscription(partner=cls.customer)

    def test_session_create_and_write(self):
        Session = self.Session.with_user(self.agent)
        session = self._session(self._at(9), 30).with_user(self.agent)
        for day in FAR_DAYS:
            moment = datetime.combine(day, datetime.min.time()).replace(hour=8)
            with self.assertRaisesRegex(ValidationError, REFUSED), self.cr.savepoint():
                Session.create(
                    {
                        "ticket_id": self.ticket.id,
                        "date_start": moment,
                        "date_end": moment + timedelta(minutes=30),
                    }
                )
            for fname in ("date_start", "date_end"):
                with (
                    self.assertRaisesRegex(ValidationError, REFUSED),
                    self.cr.savepoint(),
                ):
                    session.write({fname: moment})
        self.assertEqual(session.date_start, self._at(9))
        self.assertEqual(session.duration, 30)
        # The billing manager, free of the back-dating limit, is held too.
        with self.assertRaisesRegex(ValidationError, REFUSED), self.cr.savepoint():
            session.with_user(self.billing_manager).date_start = datetime(1, 1, 1)

    def test_customer_contract_start(self):
        # A billing manager who may edit contacts, as in test_access.
        self.manager.group_ids |= self.env.ref("base.group_partner_manager")
        customer = self.customer.with_user(self.manager)
        for day in FAR_DAYS:
            with self.assertRaisesRegex(ValidationError, REFUSED), self.cr.savepoint():
                customer.helpdesk_contract_start = day
        customer.helpdesk_contract_start = date(2025, 1, 1)
        self.assertEqual(customer.helpdesk_contract_start, date(2025, 1, 1))

    def test_profile_dates(self):
        pack = self.pack.with_user(self.manager)
        for day in FAR_DAYS:
            for fname in ("date_start", "date_end", "renewal_date", "indexation_date"):
                with (
                    self.assertRaisesRegex(ValidationError, REFUSED),
                    self.cr.savepoint(),
                ):
                    pack.write({fname: day})
            with self.assertRaisesRegex(ValidationError, REFUSED), self.cr.savepoint():
                self._pay_per_use(date_start=day)
        self.assertFalse(pack.date_start)

    def test_recharge_wizard_date(self):
        for day in FAR_DAYS:
            action = self.pack.with_user(self.manager).action_open_recharge_wizard()
            wizard = Form(
                self.env[action["res_model"]]
                .with_user(self.manager)
                .with_context(**action["context"])
            )
            wizard.hours = 2
            wizard.date = day
            with self.assertRaisesRegex(ValidationError, REFUSED), self.cr.savepoint():
                wizard.save()
        self.assertFalse(self.pack.recharge_ids)
        # Nor a recharge written without the wizard.
        with self.assertRaisesRegex(ValidationError, REFUSED), self.cr.savepoint():
            self.env["helpdesk.contract.recharge"].with_user(self.manager).create(
                {"profile_id": self.pack.id, "hours": 2, "date": FAR_DAYS[1]}
            )

    def test_rating_wizard_period(self):
        """The rating screen (and its CSV/XLSX exports and statements, which
        read its period) says so as soon as the date is typed."""
        Wizard = self.env["helpdesk.session.rating.wizard"].with_user(
            self.billing_manager
        )
        for day in FAR_DAYS:
            for fname in ("date_from", "date_to"):
                wizard = Form(Wizard)
                with (
                    self.assertRaisesRegex(ValidationError, REFUSED),
                    self.cr.savepoint(),
                ):
                    setattr(wizard, fname, day)
                with (
                    self.assertRaisesRegex(ValidationError, REFUSED),
                    self.cr.savepoint(),
                ):
                    Wizard.create({fname: day})

    def test_invoice_add_wizard_period(self):
        invoice = self.env["account.move"].create(
            {"move_type": "out_invoice", "partner_id": self.customer.id}
        )
        Wizard = self.env["helpdesk.session.invoice.add.wizard"].with_user(
            self.billing_manager
        )
        for day in FAR_DAYS:
            for fname in ("date_from", "date_to"):
                with (
                    self.assertRaisesRegex(ValidationError, REFUSED),
                    self.cr.savepoint(),
                ):
                    Wizard.create({"move_id": invoice.id, fname: day})

    def test_statement_period(self):
        customers = self.customer.with_user(self.billing_manager)
        for day in FAR_DAYS:
            with self.assertRaisesRegex(ValidationError, REFUSED), self.cr.savepoint():
                customers._get_support_statements(day, None, self.company)
        # The first day of the window opens a statement (its opening balance
        # is read before it, where no date is accepted).
        first, _last = self.company._helpdesk_date_window()
        statements = customers._get_support_statements(first, None, self.company)
        self.assertEqual(len(statements), 1)

    def test_scope_rule_day_counts(self):
        Rule = self.env["helpdesk.scope.rule"].with_user(self.manager)
        for fname in ("grace_days", "repeat_days"):
            with self.assertRaisesRegex(ValidationError, "cannot exceed"):
                Rule.create(
                    {
                        "name": "Typo",
                        "outcome": "included",
                        fname: engine.MAX_RULE_DAYS + 1,
                    }
                )
        rule = Rule.create(
            {"name": "Ten years", "outcome": "included", "grace_days": 3660}
        )
        self.assertEqual(rule.grace_days, engine.MAX_RULE_DAYS)
        # The scope engine then classifies a session far into its grace.
        self.customer.helpdesk_contract_start = date(2025, 1, 1)
        session = self._session(self._at(9), 30)
        self.assertEqual(session.scope, "included")


@tagged("post_install", "-at_install")
class TestSessionBackdating(SessionCase):
    """A consultant may date a session at most the company's limit of days
    back; a billing manager further. Sessions already older stay editable."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.helpdesk_session_backdate_days = 62
        # A UTC company: its days are the days of the times written here.
        cls.company.partner_id.tz = "UTC"
        cls.today = cls.company._helpdesk_today()

    def _days_ago(self, days, hour=9):
        """``hour`` o'clock on the day ``days`` before today."""
        day = self.today - timedelta(days=days)
        return datetime.combine(day, datetime.min.time()).replace(hour=hour)

    def _create(self, user, start, minutes=30):
        return self.Session.with_user(user).create(
            {
                "ticket_id": self.ticket.id,
                "date_start": start,
                "date_end": start + timedelta(minutes=minutes),
            }
        )

    def test_default_limit(self):
        company = self.env["res.company"].create({"name": "HSB fresh company"})
        self.assertEqual(company.helpdesk_session_backdate_days, 62)

    def test_consultant_refused_beyond_the_limit(self):
        accepted = self._create(self.agent, self._days_ago(62))
        self.assertEqual(accepted.user_id, self.agent)
        with (
            self.assertRaisesRegex(ValidationError, "more than 62 days ago"),
            self.cr.savepoint(),
        ):
            self._create(self.agent, self._days_ago(63))
        self.assertEqual(
            self.Session.search_count([("ticket_id", "=", self.ticket.id)]), 1
        )
        # Nor moved there.
        with (
            self.assertRaisesRegex(ValidationError, "more than 62 days ago"),
            self.cr.savepoint(),
        ):
            accepted.with_user(self.agent).write(
                {"date_start": self._days_ago(63), "date_end": self._days_ago(63, 10)}
            )
        self.assertEqual(accepted.date_start, self._days_ago(62))

    def test_billing_manager_may_backdate(self):
        session = self._create(self.billing_manager, self._days_ago(200))
        self.assertEqual(session.date_start, self._days_ago(200))
        session.with_user(self.billing_manager).write(
            {"date_start": self._days_ago(300), "date_end": self._days_ago(300, 10)}
        )
        self.assertEqual(session.date_start, self._days_ago(300))

    def test_older_session_stays_editable(self):
        """A session recorded before (by a manager, or under a wider limit)
        is still the consultant's to finish: note, end, extra minutes; only
        moving its start to an old day is refused."""
        session = self._create(self.billing_manager, self._days_ago(100))
        session.user_id = self.agent
        as_agent = session.with_user(self.agent)
        as_agent.write(
            {
                "note": "Printer driver reinstalled",
                "date_end": self._days_ago(100, hour=10),
                "extra_duration": 5,
                # The start it already has is no move.
                "date_start": self._days_ago(100),
            }
        )
        self.assertEqual(session.total_duration, 65)
        with (
            self.assertRaisesRegex(ValidationError, "more than 62 days ago"),
            self.cr.savepoint(),
        ):
            as_agent.write(
                {"date_start": self._days_ago(99), "date_end": self._days_ago(99, 10)}
            )
        # Moved to a day within the limit, it is the consultant's.
        as_agent.write(
            {"date_start": self._days_ago(1), "date_end": self._days_ago(1, hour=10)}
        )
        self.assertEqual(session.date_start, self._days_ago(1))

    def test_zero_is_no_limit(self):
        self.company.helpdesk_session_backdate_days = 0
        session = self._create(self.agent, self._days_ago(400))
        self.assertEqual(session.date_start, self._days_ago(400))
        with self.assertRaisesRegex(ValidationError, "from 0"):
            self.company.helpdesk_session_backdate_days = -1

    def test_timer_still_starts(self):
        self.ticket.with_user(self.agent).action_timer_start()
        session = self.Session.search(
            [("ticket_id", "=", self.ticket.id), ("user_id", "=", self.agent.id)]
        )
        self.assertEqual(session.timer_state, "running")

    def test_lock_date_still_applies_to_managers(self):
        self.company.fiscalyear_lock_date = self.today - timedelta(days=150)
        with self.assertRaisesRegex(ValidationError, "locked in accounting"):
            self._create(self.billing_manager, self._days_ago(200))

    def test_setting_in_settings(self):
        admin = new_test_user(
            self.env,
            "hsb_dates_admin",
            groups="base.group_system,helpdesk_mgmt.group_helpdesk_manager,"
            "helpdesk_session_billing.group_support_billing_manager",
        )
        settings = Form(self.env["res.config.settings"].with_user(admin))
        self.assertEqual(settings.helpdesk_session_backdate_days, 62)
        settings.helpdesk_session_backdate_days = 31
        settings.save().execute()
        self.assertEqual(self.company.helpdesk_session_backdate_days, 31)
        with self.assertRaisesRegex(ValidationError, "more than 31 days ago"):
            self._create(self.agent, self._days_ago(32))
