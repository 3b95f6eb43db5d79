"""The pure-Python support hours and surcharge arithmetic, without a database.

Clock times are plain numbers here (hours of a week: Monday 0:00 is 0); the
models give UTC timestamps."""

from odoo.addons.helpdesk_session_billing.core import rating as rating_core
from odoo.addons.helpdesk_session_billing.core import support_hours as split
from odoo.addons.helpdesk_session_billing.core import tariff as engine
from odoo.tests import BaseCase, tagged

IN, OUT, HOL = split.IN_HOURS, split.OUT_OF_HOURS, split.HOLIDAY
# Monday to Friday, 9:00 to 18:00; Wednesday (day 2) a public holiday.
WORK = [(day * 24 + 9, day * 24 + 18) for day in range(5)]
HOLIDAYS = [(48, 72)]
CALENDAR = split.SupportCalendar.build(WORK, HOLIDAYS)

STEPPED = engine.Tariff(
    initial_step_duration=15, initial_step_cost=25.0, step_duration=10, step_cost=12.0
)
QUARTERS = engine.Tariff(step_duration=15, step_cost=20.0)
WITH_MINIMUM = engine.Tariff(min_duration=30, step_duration=15, step_cost=20.0)
PACK = engine.Tariff(billing_type="subscription", prepaid_hours=10, step_duration=15)
HOURLY = engine.Tariff(step_duration=60, step_cost=90.0)


def surcharge(total, out=0, holiday=0, out_rate=1.5, holiday_rate=2.0):
    return engine.Surcharge(total, out, holiday, out_rate, holiday_rate)


@tagged("post_install", "-at_install")
class TestSupportHoursSplit(BaseCase):
    def test_merge_and_subtract(self):
        self.assertEqual(
            split.merge([(5, 7), (1, 3), (2, 4), (7, 7)]), [(1, 4), (5, 7)]
        )
        self.assertEqual(
            split.subtract([(0, 10), (20, 30)], [(2, 3), (5, 22), (29, 40)]),
            [(0, 2), (3, 5), (22, 29)],
        )

    def test_timeline_overlap(self):
        timeline = split.Timeline([(0, 10), (20, 30), (40, 50)])
        for start, stop, expected in [
            (-5, 5, 5),
            (5, 25, 10),
            (10, 20, 0),
            (0, 50, 30),
            (25, 45, 10),
            (60, 70, 0),
            (3, 3, 0),
        ]:
            with self.subTest(start=start, stop=stop):
                self.assertEqual(timeline.overlap(start, stop), expected)

    def test_deadline_in_working_time(self):
        # Monday 17:00 + 3 working hours: 1 on Monday, 2 on Tuesday: 11:00.
        self.assertEqual(CALENDAR.work.advance(17, 3), 24 + 11)
        # Tuesday 17:00 + 3 h: the Wednesday holiday is skipped: Thursday 11:00.
        self.assertEqual(CALENDAR.work.advance(24 + 17, 3), 72 + 11)
        # Friday 17:00 + 2 h: the weekend is skipped, but the week ends here.
        self.assertIsNone(CALENDAR.work.advance(4 * 24 + 17, 2))
        # From the night: the clock starts at 9:00.
        self.assertEqual(CALENDAR.work.advance(2, 4), 13)
        self.assertEqual(CALENDAR.work.advance(2, 0), 2)

    def test_split_at_the_edges(self):
        # Monday 17:00-19:00: one hour in, one out; before 9:00 out.
        self.assertEqual(CALENDAR.split_span(17, 19), {IN: 1, OUT: 1, HOL: 0})
        self.assertEqual(CALENDAR.split_span(8, 10), {IN: 1, OUT: 1, HOL: 0})
        # Tuesday 23:00 to Wednesday 1:00: out of hours, then the holiday.
        self.assertEqual(CALENDAR.split_span(47, 49), {IN: 0, OUT: 1, HOL: 1})
        # Wednesday's working hours are holiday time, not in hours.
        self.assertEqual(CALENDAR.split_span(56, 60), {IN: 0, OUT: 0, HOL: 4})
        # Saturday: out of hours.
        self.assertEqual(CALENDAR.split_span(5 * 24 + 10, 5 * 24 + 12)[OUT], 2)

    def test_minutes_follow_the_clock_time(self):
        # 17:30-18:30 with 20 extra minutes: 80 minutes, half in, half out.
        self.assertEqual(
            CALENDAR.split_minutes(17.5, 18.5, 80), {IN: 40, OUT: 40, HOL: 0}
        )
        # No span (timer still running, or extra minutes only): where it starts.
        self.assertEqual(CALENDAR.split_minutes(20, 20, 15), {IN: 0, OUT: 15, HOL: 0})
        self.assertEqual(CALENDAR.split_minutes(50, 50, 15), {IN: 0, OUT: 0, HOL: 15})

    def test_allocation_adds_up(self):
        # 10 minutes in thirds: 3.33 each, the odd minute to the first.
        self.assertEqual(
            split.allocate(10, {IN: 1, OUT: 1, HOL: 1}), {IN: 4, OUT: 3, HOL: 3}
        )
        self.assertEqual(split.allocate(7, {OUT: 2, HOL: 5}), {IN: 0, OUT: 2, HOL: 5})
        self.assertEqual(split.allocate(0, {OUT: 1}), {IN: 0, OUT: 0, HOL: 0})
        for minutes in range(0, 200, 7):
            parts = split.allocate(minutes, {IN: 0.3, OUT: 0.45, HOL: 0.25})
            self.assertEqual(sum(parts.values()), minutes)
        with self.assertRaises(ValueError):
            split.allocate(-1, {IN: 1})

    def test_split_sessions_in_batch(self):
        result = split.split_sessions(
            CALENDAR, [("a", 17, 19, 120), ("b", 56, 57, 60), ("c", 1, 2, 30)]
        )
        self.assertEqual(result["a"], {IN: 60, OUT: 60, HOL: 0})
        self.assertEqual(result["b"], {IN: 0, OUT: 0, HOL: 60})
        self.assertEqual(result["c"], {IN: 0, OUT: 30, HOL: 0})


@tagged("post_install", "-at_install")
class TestSurchargeArithmetic(BaseCase):
    def test_factor(self):
        self.assertEqual(engine.NO_SURCHARGE.factor(), 1.0)
        # 40 minutes, 20 out of hours at 1.5: 1 + 0.5 x 0.5.
        self.assertAlmostEqual(surcharge(40, out=20).factor(), 1.25)
        # 50 minutes, 10 out at 1.5 and 20 on a holiday at 2: 1 + 0.1 + 0.4.
        self.assertAlmostEqual(surcharge(50, out=10, holiday=20).factor(), 1.5)
        self.assertEqual(
            surcharge(40, out=30, holiday=20).problems(), ["split_exceeds"]
        )
        self.assertEqual(surcharge(40, out_rate=0.5).problems(), ["rate_below_one"])

    def test_pay_per_use_steps_then_surcharge(self):
        # 40 min, quarters at 20.00: 3 quarters = 60.00; half out of hours at
        # 1.5: 60 x 1.25 = 75.00, of which 15.00 surcharge.
        price = engine.price_minutes_surcharged(QUARTERS, 40, surcharge(40, out=20))
        self.assertAlmostEqual(price.cost, 75.0)
        self.assertAlmostEqual(price.surcharge_cost, 15.0)
        # Initial step: 35 min = 25.00 + 2 steps of 12.00 = 49.00; 14 minutes
        # on a holiday at 2: 49 x (1 + 14/35) = 68.60.
        price = engine.price_minutes_surcharged(STEPPED, 35, surcharge(35, holiday=14))
        self.assertAlmostEqual(price.cost, 68.6)
        self.assertAlmostEqual(price.surcharge_cost, 19.6)
        # Without surcharge: the plain price.
        self.assertAlmostEqual(
            engine.price_minutes_surcharged(STEPPED, 35).cost,
            engine.price_minutes(STEPPED, 35),
        )

    def test_minimum_applies_to_the_whole_session(self):
        # 25 minutes, all at night: under the 30-minute minimum, not billed.
        price = engine.price_minutes_surcharged(WITH_MINIMUM, 25, surcharge(25, out=25))
        self.assertEqual((price.cost, price.surcharge_cost), (0.0, 0.0))
        # 31 minutes, all at night at 1.5: 3 quarters = 60.00 x 1.5 = 90.00.
        price = engine.price_minutes_surcharged(WITH_MINIMUM, 31, surcharge(31, out=31))
        self.assertAlmostEqual(price.cost, 90.0)

    def test_included_session_stays_free(self):
        price = engine.price_minutes_surcharged(QUARTERS, 0, surcharge(60, holiday=60))
        self.assertEqual((price.cost, price.surcharge_cost), (0.0, 0.0))
        taken = engine.consume_surcharged(PACK, 0, 600, surcharge=surcharge(60, out=60))
        self.assertEqual(taken.consumption.billed_minutes, 0)
        self.assertEqual(taken.surcharge_minutes, 0)

    def test_subscription_takes_more_hours(self):
        # 40 min in quarters: 45 billed; half out of hours at 1.5: 45 x 1.25 =
        # 56.25, rounded up: 57 minutes taken, 12 of them for the surcharge.
        taken = engine.consume_surcharged(
            PACK, 40, 600, surcharge=surcharge(40, out=20)
        )
        self.assertEqual(taken.consumption.billed_minutes, 57)
        self.assertEqual(taken.consumption.prepaid_minutes, 57)
        self.assertEqual(taken.surcharge_minutes, 12)
        self.assertEqual(taken.consumption.balance_after, 543)
        # 50 minutes left and an hourly overage: 50 prepaid, 7 beyond, one
        # started hour of overage = 90.00.
        taken = engine.consume_surcharged(
            PACK, 40, 50, HOURLY, surcharge=surcharge(40, out=20)
        )
        self.assertEqual(
            (
                taken.consumption.prepaid_minutes,
                taken.consumption.overage_minutes,
                taken.consumption.cost,
            ),
            (50, 7, 90.0),
        )

    def test_subscription_bills_the_surcharge_apart(self):
        # 40 min: 45 prepaid minutes as without surcharge; the surcharge is the
        # session at the hourly overage (one hour, 90.00) x 0.25 = 22.50.
        taken = engine.consume_surcharged(
            PACK,
            40,
            600,
            HOURLY,
            surcharge=surcharge(40, out=20),
            mode=engine.SURCHARGE_OVERAGE,
        )
        self.assertEqual(taken.consumption.prepaid_minutes, 45)
        self.assertEqual(taken.surcharge_minutes, 0)
        self.assertAlmostEqual(taken.surcharge_cost, 22.5)
        self.assertAlmostEqual(taken.consumption.cost, 22.5)

    def test_no_surcharge_consumes_as_before(self):
        for minutes, balance in [(0, 600), (40, 600), (40, 30), (130, 60), (5, -10)]:
            with self.subTest(minutes=minutes, balance=balance):
                self.assertEqual(
                    engine.consume_surcharged(
                        PACK, minutes, balance, HOURLY
                    ).consumption,
                    engine.consume(PACK, minutes, balance, HOURLY),
                )

    def test_rating_carries_the_surcharge(self):
        ratings, balance = rating_core.rate_sessions(
            PACK,
            [
                rating_core.SessionToRate("a", 40, surcharge=surcharge(40, out=20)),
                rating_core.SessionToRate(
                    "b", 35, STEPPED, surcharge=surcharge(35, holiday=14)
                ),
            ],
            600,
            HOURLY,
        )
        self.assertEqual(
            (ratings[0].billed_minutes, ratings[0].surcharge_minutes), (57, 12)
        )
        self.assertAlmostEqual(ratings[1].cost, 68.6)
        self.assertAlmostEqual(ratings[1].surcharge_cost, 19.6)
        self.assertEqual(balance, 543)
