"""The pure-Python period core (days of the company's time zone), without a
database."""

from datetime import date, datetime, timedelta

import pytz

from odoo.addons.helpdesk_session_billing.core import period
from odoo.tests import BaseCase, tagged

HOUR = timedelta(hours=1)
SECOND = timedelta(seconds=1)


@tagged("post_install", "-at_install")
class TestPeriodTimeZone(BaseCase):
    def test_empty_or_unknown_is_utc(self):
        for name in (None, False, "", "Mars/Olympus_Mons", "not a zone"):
            self.assertEqual(period.valid_tz(name), "UTC", name)

    def test_known_zone_is_kept(self):
        for name in ("UTC", "Europe/Brussels", "Pacific/Kiritimati", "US/Pacific"):
            self.assertEqual(period.valid_tz(name), name)

    def test_unknown_zone_reads_as_utc(self):
        self.assertEqual(
            period.bounds(date(2025, 3, 1), date(2025, 3, 1), "Nowhere/Land"),
            (datetime(2025, 3, 1), datetime(2025, 3, 2)),
        )
        moment = datetime(2025, 3, 1, 0, 30)
        self.assertEqual(period.to_local(moment, "Nowhere/Land"), moment)


@tagged("post_install", "-at_install")
class TestPeriodBounds(BaseCase):
    def test_open_ends(self):
        self.assertEqual(period.bounds(None, None, "Europe/Brussels"), (None, None))
        self.assertEqual(period.bounds(False, False, "UTC"), (None, None))
        start, end = period.bounds(date(2025, 3, 1), None, "Europe/Brussels")
        self.assertEqual((start, end), (datetime(2025, 2, 28, 23), None))
        start, end = period.bounds(None, date(2025, 3, 31), "Europe/Brussels")
        self.assertEqual((start, end), (None, datetime(2025, 3, 31, 22)))

    def test_utc_days(self):
        self.assertEqual(
            period.bounds(date(2025, 3, 1), date(2025, 3, 31), "UTC"),
            (datetime(2025, 3, 1), datetime(2025, 4, 1)),
        )

    def test_one_day(self):
        self.assertEqual(
            period.bounds(date(2025, 3, 10), date(2025, 3, 10), "UTC"),
            (datetime(2025, 3, 10), datetime(2025, 3, 11)),
        )

    def test_reversed_period_holds_nothing(self):
        start, end = period.bounds(date(2025, 3, 10), date(2025, 3, 9), "UTC")
        self.assertEqual(start, end)

    def test_east_of_utc(self):
        # Brussels: UTC+1 in winter, UTC+2 in summer.
        self.assertEqual(
            period.bounds(date(2025, 1, 1), date(2025, 1, 31), "Europe/Brussels"),
            (datetime(2024, 12, 31, 23), datetime(2025, 1, 31, 23)),
        )
        self.assertEqual(
            period.bounds(date(2025, 7, 1), date(2025, 7, 31), "Europe/Brussels"),
            (datetime(2025, 6, 30, 22), datetime(2025, 7, 31, 22)),
        )

    def test_west_of_utc(self):
        # Los Angeles: UTC-8 in winter, UTC-7 in summer.
        self.assertEqual(
            period.bounds(date(2025, 1, 1), date(2025, 1, 31), "America/Los_Angeles"),
            (datetime(2025, 1, 1, 8), datetime(2025, 2, 1, 8)),
        )
        self.assertEqual(
            period.bounds(date(2025, 7, 1), date(2025, 7, 31), "America/Los_Angeles"),
            (datetime(2025, 7, 1, 7), datetime(2025, 8, 1, 7)),
        )

    def test_far_east(self):
        # Auckland in March: UTC+13 (daylight time until April 6, 2025).
        self.assertEqual(
            period.bounds(date(2025, 3, 1), date(2025, 3, 31), "Pacific/Auckland"),
            (datetime(2025, 2, 28, 11), datetime(2025, 3, 31, 11)),
        )
        # Kiritimati: UTC+14, the first day of the world.
        self.assertEqual(
            period.bounds(date(2025, 3, 1), date(2025, 3, 1), "Pacific/Kiritimati"),
            (datetime(2025, 2, 28, 10), datetime(2025, 3, 1, 10)),
        )

    def test_far_west(self):
        # Pago Pago: UTC-11 all year.
        self.assertEqual(
            period.bounds(date(2025, 3, 1), date(2025, 3, 1), "Pacific/Pago_Pago"),
            (datetime(2025, 3, 1, 11), datetime(2025, 3, 2, 11)),
        )

    def test_half_hour_zone(self):
        # Kolkata: UTC+5:30; Chatham: UTC+13:45 in its summer.
        self.assertEqual(
            period.bounds(date(2025, 3, 1), date(2025, 3, 1), "Asia/Kolkata"),
            (datetime(2025, 2, 28, 18, 30), datetime(2025, 3, 1, 18, 30)),
        )
        self.assertEqual(
            period.bounds(date(2025, 3, 1), date(2025, 3, 1), "Pacific/Chatham"),
            (datetime(2025, 2, 28, 10, 15), datetime(2025, 3, 1, 10, 15)),
        )

    def test_session_at_half_past_midnight_on_the_first(self):
        """The issue: 00:30 in Auckland on March 1st is February in UTC, it
        belongs to March."""
        moment = datetime(2025, 2, 28, 11, 30)
        self.assertEqual(
            period.to_local(moment, "Pacific/Auckland"), datetime(2025, 3, 1, 0, 30)
        )
        march = period.bounds(date(2025, 3, 1), date(2025, 3, 31), "Pacific/Auckland")
        february = period.bounds(
            date(2025, 2, 1), date(2025, 2, 28), "Pacific/Auckland"
        )
        self.assertTrue(march[0] <= moment < march[1])
        self.assertFalse(february[0] <= moment < february[1])
        self.assertEqual(february[1], march[0], "consecutive months touch")

    def test_accepts_datetimes_as_days(self):
        self.assertEqual(
            period.bounds(
                datetime(2025, 3, 1, 15), datetime(2025, 3, 1, 15), "Europe/Brussels"
            ),
            (datetime(2025, 2, 28, 23), datetime(2025, 3, 1, 23)),
        )


@tagged("post_install", "-at_install")
class TestPeriodDaylightSaving(BaseCase):
    def assertDay(self, day, tz, start, hours):
        """``day`` of ``tz`` starts at ``start`` (naive UTC) and lasts
        ``hours``."""
        bounds = period.bounds(day, day, tz)
        self.assertEqual(bounds, (start, start + timedelta(hours=hours)), (day, tz))

    def test_spring_forward_day_is_shorter(self):
        self.assertDay(
            date(2025, 3, 30), "Europe/Brussels", datetime(2025, 3, 29, 23), 23
        )
        self.assertDay(
            date(2025, 3, 9), "America/Los_Angeles", datetime(2025, 3, 9, 8), 23
        )
        # Southern hemisphere: Auckland moves forward in September.
        self.assertDay(
            date(2025, 9, 28), "Pacific/Auckland", datetime(2025, 9, 27, 12), 23
        )

    def test_fall_back_day_is_longer(self):
        self.assertDay(
            date(2025, 10, 26), "Europe/Brussels", datetime(2025, 10, 25, 22), 25
        )
        self.assertDay(
            date(2025, 11, 2), "America/Los_Angeles", datetime(2025, 11, 2, 7), 25
        )
        self.assertDay(
            date(2025, 4, 6), "Pacific/Auckland", datetime(2025, 4, 5, 11), 25
        )

    def test_half_hour_shift(self):
        # Lord Howe moves its clocks by 30 minutes.
        self.assertDay(
            date(2025, 4, 6), "Australia/Lord_Howe", datetime(2025, 4, 5, 13), 24.5
        )
        self.assertDay(
            date(2025, 10, 5),
            "Australia/Lord_Howe",
            datetime(2025, 10, 4, 13, 30),
            23.5,
        )

    def test_month_across_a_change(self):
        # March 2025 in Brussels: 31 days less the hour of March 30.
        start, end = period.bounds(
            date(2025, 3, 1), date(2025, 3, 31), "Europe/Brussels"
        )
        self.assertEqual(
            (start, end), (datetime(2025, 2, 28, 23), datetime(2025, 3, 31, 22))
        )
        self.assertEqual(end - start, timedelta(days=31) - HOUR)

    def test_midnight_skipped(self):
        """Clocks jumped from 00:00 to 01:00: the day starts at the jump."""
        # Sao Paulo, November 4, 2018 (UTC-3 to UTC-2).
        self.assertDay(
            date(2018, 11, 4), "America/Sao_Paulo", datetime(2018, 11, 4, 3), 23
        )
        # Santiago, September 8, 2024 (UTC-4 to UTC-3).
        self.assertDay(
            date(2024, 9, 8), "America/Santiago", datetime(2024, 9, 8, 4), 23
        )
        start = period.day_start(date(2024, 9, 8), "America/Santiago")
        self.assertEqual(
            period.to_local(start, "America/Santiago"), datetime(2024, 9, 8, 1)
        )
        self.assertEqual(
            period.to_local(start - SECOND, "America/Santiago"),
            datetime(2024, 9, 7, 23, 59, 59),
        )

    def test_midnight_inside_a_jump(self):
        """Tunis, March 11, 1911: clocks jumped from 23:59:39 to 00:50:39."""
        start = period.day_start(date(1911, 3, 11), "Africa/Tunis")
        self.assertEqual(start, datetime(1911, 3, 10, 23, 50, 39))
        self.assertEqual(
            period.to_local(start, "Africa/Tunis"), datetime(1911, 3, 11, 0, 50, 39)
        )
        self.assertEqual(
            period.local_date(start - SECOND, "Africa/Tunis"), date(1911, 3, 10)
        )

    def test_midnight_twice(self):
        """Havana, November 3, 2024: clocks went back from 01:00 to 00:00;
        the day starts at the first midnight and lasts 25 hours."""
        self.assertDay(
            date(2024, 11, 3), "America/Havana", datetime(2024, 11, 3, 4), 25
        )
        self.assertEqual(
            period.local_date(datetime(2024, 11, 3, 3, 59, 59), "America/Havana"),
            date(2024, 11, 2),
        )

    def test_skipped_day_holds_nothing(self):
        """Kiritimati skipped December 31, 1994, Apia December 30, 2011."""
        self.assertDay(
            date(1994, 12, 31), "Pacific/Kiritimati", datetime(1994, 12, 31, 10), 0
        )
        self.assertDay(
            date(2011, 12, 30), "Pacific/Apia", datetime(2011, 12, 30, 10), 0
        )
        # December 29 to 31, 2011 in Apia: two days.
        start, end = period.bounds(
            date(2011, 12, 29), date(2011, 12, 31), "Pacific/Apia"
        )
        self.assertEqual(end - start, timedelta(days=2))

    def test_days_tile_in_every_zone(self):
        """Exhaustive over the zones Odoo offers: around each clock change of
        2024 and 2025 and on the first of each month, every day starts where
        the previous one ends, at a moment read as that day (or later, for a
        day the clocks skipped), right after a moment read as an earlier day;
        no day lasts more than 26 hours (Troll moves its clocks by two)."""
        first, last = date(2024, 1, 1), date(2025, 12, 31)
        months = {
            date(year, month, 1) for year in (2024, 2025) for month in range(1, 13)
        }
        for tz in pytz.all_timezones:
            zone = pytz.timezone(tz)
            changes = {
                moment.date() + timedelta(days=shift)
                for moment in getattr(zone, "_utc_transition_times", ())
                if first <= moment.date() <= last
                for shift in (-1, 0, 1)
            }
            for day in sorted(changes | months):
                start, end = period.bounds(day, day, tz)
                self.assertEqual(end, period.day_start(day + timedelta(days=1), tz))
                self.assertLessEqual(start, end, (tz, day))
                self.assertLessEqual(end - start, timedelta(hours=26), (tz, day))
                self.assertGreaterEqual(period.local_date(start, tz), day, (tz, day))
                self.assertLess(period.local_date(start - SECOND, tz), day, (tz, day))
                if start < end:
                    self.assertEqual(period.local_date(start, tz), day, (tz, day))
                    self.assertEqual(
                        period.local_date(end - SECOND, tz), day, (tz, day)
                    )
                else:
                    self.assertGreater(period.local_date(start, tz), day, (tz, day))


@tagged("post_install", "-at_install")
class TestPeriodLocal(BaseCase):
    def test_empty(self):
        self.assertIsNone(period.to_local(None, "Europe/Brussels"))
        self.assertIsNone(period.to_local(False, "Europe/Brussels"))
        self.assertIsNone(period.local_date(None, "Europe/Brussels"))

    def test_reading(self):
        moment = datetime(2025, 3, 10, 9, 15)
        self.assertEqual(period.to_local(moment, "UTC"), moment)
        self.assertEqual(
            period.to_local(moment, "Europe/Brussels"), datetime(2025, 3, 10, 10, 15)
        )
        self.assertEqual(
            period.to_local(moment, "America/Los_Angeles"), datetime(2025, 3, 10, 2, 15)
        )
        self.assertEqual(
            period.to_local(moment, "Pacific/Kiritimati"), datetime(2025, 3, 10, 23, 15)
        )
        self.assertEqual(
            period.local_date(moment, "Pacific/Auckland"), date(2025, 3, 10)
        )
        self.assertEqual(
            period.local_date(datetime(2025, 3, 10, 11), "Pacific/Auckland"),
            date(2025, 3, 11),
        )

    def test_reading_is_naive(self):
        self.assertIsNone(period.to_local(datetime(2025, 3, 10), "Asia/Tokyo").tzinfo)
        self.assertIsNone(period.day_start(date(2025, 3, 10), "Asia/Tokyo").tzinfo)

    def test_reading_around_a_change(self):
        # Brussels, October 26, 2025: 02:30 is read twice, an hour apart.
        self.assertEqual(
            period.to_local(datetime(2025, 10, 26, 0, 30), "Europe/Brussels"),
            datetime(2025, 10, 26, 2, 30),
        )
        self.assertEqual(
            period.to_local(datetime(2025, 10, 26, 1, 30), "Europe/Brussels"),
            datetime(2025, 10, 26, 2, 30),
        )
        # March 30, 2025: 02:30 is never read.
        self.assertEqual(
            period.to_local(datetime(2025, 3, 30, 0, 59), "Europe/Brussels"),
            datetime(2025, 3, 30, 1, 59),
        )
        self.assertEqual(
            period.to_local(datetime(2025, 3, 30, 1, 0), "Europe/Brussels"),
            datetime(2025, 3, 30, 3, 0),
        )

    def test_reading_and_bounds_agree(self):
        """A moment is in a local day's bounds exactly when it reads as that
        day: every quarter of an hour of the week of a change."""
        for tz in (
            "Europe/Brussels",
            "America/Havana",
            "Pacific/Auckland",
            "Australia/Lord_Howe",
        ):
            for first in (
                date(2025, 3, 27),
                date(2025, 10, 23),
                date(2024, 10, 31),
                date(2025, 4, 3),
            ):
                moment = datetime.combine(first, datetime.min.time())
                for _quarter in range(7 * 96):
                    day = period.local_date(moment, tz)
                    start, end = period.bounds(day, day, tz)
                    self.assertTrue(start <= moment < end, (tz, moment))
                    moment += timedelta(minutes=15)


@tagged("post_install", "-at_install")
class TestPeriodMonths(BaseCase):
    def test_month_days(self):
        self.assertEqual(
            period.month_days(date(2025, 3, 17)), (date(2025, 3, 1), date(2025, 3, 31))
        )
        self.assertEqual(
            period.month_days(date(2025, 4, 1)), (date(2025, 4, 1), date(2025, 4, 30))
        )
        self.assertEqual(
            period.month_days(date(2024, 2, 29)), (date(2024, 2, 1), date(2024, 2, 29))
        )
        self.assertEqual(
            period.month_days(date(2025, 2, 3)), (date(2025, 2, 1), date(2025, 2, 28))
        )
        self.assertEqual(
            period.month_days(date(2025, 12, 31)),
            (date(2025, 12, 1), date(2025, 12, 31)),
        )
        self.assertEqual(
            period.month_days(date(2025, 1, 31)), (date(2025, 1, 1), date(2025, 1, 31))
        )

    def test_every_month_of_a_year(self):
        day = date(2024, 1, 1)
        while day.year == 2024:
            first, last = period.month_days(day)
            self.assertEqual(first, day.replace(day=1))
            self.assertEqual(last.month, day.month)
            self.assertEqual((last + timedelta(days=1)).day, 1)
            day += timedelta(days=1)

    def test_months_tile(self):
        tz = "Pacific/Auckland"
        previous_end = None
        for month in range(1, 13):
            first, last = period.month_days(date(2025, month, 1))
            start, end = period.bounds(first, last, tz)
            if previous_end:
                self.assertEqual(start, previous_end)
            previous_end = end


@tagged("post_install", "-at_install")
class TestBillingMonth(BaseCase):
    def test_month_before_in_the_first_days(self):
        for day, close_days, expected in [
            (date(2026, 12, 1), 10, (date(2026, 11, 1), date(2026, 11, 30))),
            (date(2026, 12, 10), 10, (date(2026, 11, 1), date(2026, 11, 30))),
            (date(2026, 12, 11), 10, (date(2026, 12, 1), date(2026, 12, 31))),
            (date(2027, 1, 3), 10, (date(2026, 12, 1), date(2026, 12, 31))),
            (date(2027, 3, 1), 0, (date(2027, 3, 1), date(2027, 3, 31))),
            (date(2028, 3, 5), 31, (date(2028, 2, 1), date(2028, 2, 29))),
        ]:
            with self.subTest(day=day, close_days=close_days):
                self.assertEqual(period.billing_month(day, close_days), expected)

    def test_shift_month_across_years(self):
        self.assertEqual(
            period.shift_month(date(2026, 1, 31), -1),
            (date(2025, 12, 1), date(2025, 12, 31)),
        )
        self.assertEqual(
            period.shift_month(date(2026, 12, 15), 1),
            (date(2027, 1, 1), date(2027, 1, 31)),
        )
        self.assertEqual(
            period.shift_month(date(2026, 5, 20), -25),
            (date(2024, 4, 1), date(2024, 4, 30)),
        )
