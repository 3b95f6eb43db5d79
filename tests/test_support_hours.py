"""Support hours: every session's minutes split into in-hours, out-of-hours
and holiday minutes by the real resource.calendar, in its time zone."""

from datetime import datetime

import pytz

from odoo.exceptions import ValidationError
from odoo.fields import Command
from odoo.tests import tagged

from .common import SessionCase


def utc(tz_name, *args):
    """The naive UTC datetime of a wall-clock time in ``tz_name``."""
    local = pytz.timezone(tz_name).localize(datetime(*args))
    return local.astimezone(pytz.utc).replace(tzinfo=None)


class SupportHoursCase(SessionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.paris = cls._calendar("HSB Paris 9-18", "Europe/Paris")
        cls.company.helpdesk_support_calendar_id = cls.paris
        cls.other_company = cls.env["res.company"].create({"name": "HSB Other Co"})

    @classmethod
    def _calendar(cls, name, tz, hour_from=9, hour_to=18, company=None):
        return cls.env["resource.calendar"].create(
            {
                "name": name,
                "tz": tz,
                "company_id": (company or cls.company).id,
                "attendance_ids": [
                    Command.create(
                        {
                            "name": f"Day {day}",
                            "dayofweek": str(day),
                            "hour_from": hour_from,
                            "hour_to": hour_to,
                            "day_period": "morning",
                        }
                    )
                    for day in range(5)
                ],
            }
        )

    @classmethod
    def _holiday(cls, tz_name, day, company):
        """A public holiday (no resource, no calendar) of ``company`` on the
        local ``day`` (a date tuple)."""
        # Created in that company, as its users do: the leave takes it.
        leave = (
            cls.env["resource.calendar.leaves"]
            .with_company(company)
            .create(
                {
                    "name": "HSB holiday",
                    "date_from": utc(tz_name, *day, 0, 0),
                    "date_to": utc(tz_name, *day, 23, 59, 59),
                }
            )
        )
        leave.flush_recordset()
        assert leave.company_id == company
        return leave

    def _local_session(self, tz_name, start, minutes, **vals):
        return self._session(utc(tz_name, *start), minutes, **vals)

    def assertSplit(self, session, in_hours, out_of_hours, holiday):
        self.assertEqual(
            (
                session.support_in_minutes,
                session.support_out_minutes,
                session.support_holiday_minutes,
            ),
            (in_hours, out_of_hours, holiday),
        )


@tagged("post_install", "-at_install")
class TestSupportHoursSplit(SupportHoursCase):
    def test_split_at_the_calendar_edges(self):
        # Monday 10 March 2025, Paris: 17:30-18:30 is half in, half out.
        session = self._local_session("Europe/Paris", (2025, 3, 10, 17, 30), 60)
        self.assertEqual(session.support_calendar_id, self.paris)
        self.assertSplit(session, 30, 30, 0)
        # 8:45-9:15: the first quarter before the hours.
        self.assertSplit(
            self._local_session("Europe/Paris", (2025, 3, 10, 8, 45), 30), 15, 15, 0
        )
        # Across midnight: all out of hours.
        self.assertSplit(
            self._local_session("Europe/Paris", (2025, 3, 10, 23, 30), 60), 0, 60, 0
        )
        # Extra minutes follow the clock time: 80 minutes, 40 and 40.
        session = self._local_session(
            "Europe/Paris", (2025, 3, 10, 17, 30), 60, extra_duration=20
        )
        self.assertSplit(session, 40, 40, 0)

    def test_weekend_is_out_of_hours(self):
        self.assertSplit(
            self._local_session("Europe/Paris", (2025, 3, 8, 10, 0), 90), 0, 90, 0
        )

    def test_company_holiday_and_not_another_company_s(self):
        self._holiday("Europe/Paris", (2025, 3, 12), self.company)
        self._holiday("Europe/Paris", (2025, 3, 13), self.other_company)
        # Wednesday, the company's holiday: holiday minutes, hours or not.
        self.assertSplit(
            self._local_session("Europe/Paris", (2025, 3, 12, 10, 0), 60), 0, 0, 60
        )
        # Tuesday 23:30 to Wednesday 0:30: out of hours, then holiday.
        self.assertSplit(
            self._local_session("Europe/Paris", (2025, 3, 11, 23, 30), 60), 0, 30, 30
        )
        # Thursday, the other company's holiday: an ordinary working day.
        self.assertSplit(
            self._local_session("Europe/Paris", (2025, 3, 13, 10, 0), 60), 60, 0, 0
        )

    def test_split_survives_the_daylight_saving_change(self):
        # Paris goes from UTC+1 to UTC+2 on Sunday 30 March 2025: 18:00 is
        # 17:00 UTC on the Friday before, 16:00 UTC on the Monday after.
        friday = self._session(datetime(2025, 3, 28, 16, 30), 60)
        monday = self._session(datetime(2025, 3, 31, 15, 30), 60)
        self.assertSplit(friday, 30, 30, 0)
        self.assertSplit(monday, 30, 30, 0)
        # The night of the change (the local clock skips an hour): 4 hours
        # of weekend.
        night = self._session(datetime(2025, 3, 29, 23, 0), 240)
        self.assertSplit(night, 0, 240, 0)
        # 16:30-17:30 UTC: in hours on the Friday, out of hours on the Monday.
        self.assertSplit(self._session(datetime(2025, 3, 28, 15, 30), 60), 60, 0, 0)
        self.assertSplit(self._session(datetime(2025, 3, 31, 16, 30), 60), 0, 60, 0)

    def test_time_zone_far_from_utc(self):
        # Auckland is UTC+13 in March: Monday 8:30-9:30 there is Sunday
        # 19:30-20:30 UTC, half of it in hours.
        auckland = self._calendar("HSB Auckland", "Pacific/Auckland")
        self.company.helpdesk_support_calendar_id = auckland
        session = self._session(datetime(2025, 3, 9, 19, 30), 60)
        self.assertEqual(
            utc("Pacific/Auckland", 2025, 3, 10, 8, 30), datetime(2025, 3, 9, 19, 30)
        )
        self.assertSplit(session, 30, 30, 0)
        # Friday 17:00-19:00 there: Friday 4:00-6:00 UTC.
        self.assertSplit(
            self._local_session("Pacific/Auckland", (2025, 3, 14, 17, 0), 120),
            60,
            60,
            0,
        )

    def test_profile_calendar_overrides_the_company_s(self):
        late = self._calendar("HSB late shift", "Europe/Paris", 12, 22)
        self._pay_per_use(
            partner_ids=[Command.link(self.customer.id)],
            support_calendar_id=late.id,
        )
        session = self._local_session("Europe/Paris", (2025, 3, 10, 17, 30), 60)
        self.assertEqual(session.support_calendar_id, late)
        self.assertSplit(session, 60, 0, 0)

    def test_no_support_hours_every_minute_in_hours(self):
        self.company.helpdesk_support_calendar_id = False
        self.assertSplit(
            self._local_session("Europe/Paris", (2025, 3, 8, 23, 0), 45), 45, 0, 0
        )

    def test_dates_changed_split_again(self):
        session = self._local_session("Europe/Paris", (2025, 3, 10, 10, 0), 60)
        self.assertSplit(session, 60, 0, 0)
        session.with_user(self.agent).write(
            {
                "date_start": utc("Europe/Paris", 2025, 3, 10, 17, 0),
                "date_end": utc("Europe/Paris", 2025, 3, 10, 18, 0),
            }
        )
        self.assertSplit(session, 60, 0, 0)
        session.with_user(self.agent).write(
            {"date_end": utc("Europe/Paris", 2025, 3, 10, 19, 0)}
        )
        self.assertSplit(session, 60, 60, 0)

    def test_batch_one_calendar_computation(self):
        """Many sessions over weeks: split with one calendar computation (a
        fixed number of queries, whatever the number of sessions)."""
        starts = [
            utc("Europe/Paris", 2025, 3, day, hour, 0)
            for day in range(3, 28)
            for hour in (8, 12, 17, 21)
        ]
        sessions = self.Session.create(
            [
                {
                    "ticket_id": self.ticket.id,
                    "user_id": self.agent.id,
                    "date_start": start,
                }
                for start in starts
            ]
        )
        sessions.flush_recordset()
        with self.assertQueryCount(__system__=12):
            sessions._refresh_support_split()
            sessions.flush_recordset()
        self.assertEqual(len(sessions), 100)

    def test_flexible_calendar_refused(self):
        flexible = self.env["resource.calendar"].create(
            {"name": "HSB flexible", "flexible_hours": True, "tz": "Europe/Paris"}
        )
        with (
            self.assertRaisesRegex(ValidationError, "flexible hours"),
            self.cr.savepoint(),
        ):
            self.company.helpdesk_support_calendar_id = flexible
        with (
            self.assertRaisesRegex(ValidationError, "flexible hours"),
            self.cr.savepoint(),
        ):
            self._pay_per_use(support_calendar_id=flexible.id)
        self.assertEqual(self.company.helpdesk_support_calendar_id, self.paris)
        # A calendar in use does not become flexible.
        with (
            self.assertRaisesRegex(ValidationError, "flexible hours"),
            self.cr.savepoint(),
        ):
            self.paris.flexible_hours = True

    def test_settings_set_the_company_calendar(self):
        other = self._calendar("HSB other hours", "Europe/Paris", 8, 17)
        settings = self.env["res.config.settings"].create(
            {"helpdesk_support_calendar_id": other.id}
        )
        settings.execute()
        self.assertEqual(self.company.helpdesk_support_calendar_id, other)
