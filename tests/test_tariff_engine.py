"""The pure-Python tariff core, exhaustively and without a database."""

from odoo.addons.helpdesk_session_billing.core import tariff as engine
from odoo.tests import BaseCase, tagged

HOURLY = engine.Tariff(step_duration=60, step_cost=90.0)
PER_MINUTE = engine.Tariff(step_duration=1, step_cost=1.5)
STEPPED = engine.Tariff(
    initial_step_duration=15, initial_step_cost=25.0, step_duration=10, step_cost=12.0
)
# 30-minute increments, one increment as the minimum charge.
HALF_HOURS = engine.Tariff(
    initial_step_duration=30, initial_step_cost=40.0, step_duration=30, step_cost=40.0
)
WITH_MINIMUM = engine.Tariff(min_duration=5, step_duration=15, step_cost=20.0)
PACK = engine.Tariff(billing_type="subscription", prepaid_hours=10, step_duration=15)


@tagged("post_install", "-at_install")
class TestTariffEngine(BaseCase):
    def assertTariff(self, tariff, cases):
        for minutes, billed, cost in cases:
            with self.subTest(minutes=minutes):
                self.assertEqual(engine.billable_minutes(tariff, minutes), billed)
                self.assertAlmostEqual(engine.price_minutes(tariff, minutes), cost)

    def test_hourly(self):
        self.assertTariff(
            HOURLY,
            [(0, 0, 0), (1, 60, 90), (59, 60, 90), (60, 60, 90), (61, 120, 180)],
        )

    def test_per_minute(self):
        self.assertTariff(
            PER_MINUTE, [(0, 0, 0), (1, 1, 1.5), (37, 37, 55.5), (60, 60, 90)]
        )

    def test_stepped(self):
        self.assertTariff(
            STEPPED,
            [
                (0, 0, 0),
                (1, 15, 25),  # the initial step is charged in full
                (15, 15, 25),  # exactly on the initial step
                (16, 25, 37),  # one minute past it starts a step
                (25, 25, 37),  # exactly on a step
                (26, 35, 49),
                (60, 65, 85),
            ],
        )

    def test_half_hour_increments(self):
        self.assertTariff(
            HALF_HOURS,
            [(0, 0, 0), (1, 30, 40), (30, 30, 40), (31, 60, 80), (95, 120, 160)],
        )

    def test_minimum_duration(self):
        self.assertTariff(
            WITH_MINIMUM,
            [(0, 0, 0), (1, 0, 0), (4, 0, 0), (5, 15, 20), (15, 15, 20), (16, 30, 40)],
        )

    def test_fractional_minutes_round_up(self):
        self.assertEqual(engine.billable_minutes(PER_MINUTE, 2.2), 3)

    def test_negative_minutes_refused(self):
        with self.assertRaises(ValueError):
            engine.billable_minutes(HOURLY, -1)

    def test_subscription_consumption_steps(self):
        self.assertEqual(engine.billable_minutes(PACK, 1), 15)
        self.assertEqual(engine.billable_minutes(PACK, 16), 30)
        with self.assertRaises(ValueError):
            engine.price_minutes(PACK, 10)

    def test_consume_within_balance(self):
        consumption = engine.consume(PACK, 50, 600, HOURLY)
        self.assertEqual(consumption.billed_minutes, 60)
        self.assertEqual(consumption.prepaid_minutes, 60)
        self.assertEqual(consumption.overage_minutes, 0)
        self.assertEqual(consumption.cost, 0)
        self.assertEqual(consumption.balance_after, 540)

    def test_consume_split_by_overage(self):
        consumption = engine.consume(PACK, 50, 30, HOURLY)
        self.assertEqual(consumption.prepaid_minutes, 30)
        self.assertEqual(consumption.overage_minutes, 30)
        self.assertEqual(consumption.overage_billed_minutes, 60)
        self.assertEqual(consumption.cost, 90)
        self.assertEqual(consumption.balance_after, 0)

    def test_consume_exhausted_balance_all_overage(self):
        consumption = engine.consume(PACK, 20, -15, HOURLY)
        self.assertEqual(consumption.prepaid_minutes, 0)
        self.assertEqual(consumption.overage_minutes, 30)
        self.assertEqual(consumption.cost, 90)

    def test_consume_without_overage_goes_negative(self):
        consumption = engine.consume(PACK, 50, 30)
        self.assertEqual(consumption.prepaid_minutes, 60)
        self.assertEqual(consumption.cost, 0)
        self.assertEqual(consumption.balance_after, -30)

    def test_consume_in_order_carries_balance(self):
        first, second = engine.consume_in_order(PACK, [45, 45], 60, HOURLY)
        self.assertEqual(first.prepaid_minutes, 45)
        self.assertEqual(second.prepaid_minutes, 15)
        self.assertEqual(second.overage_minutes, 30)
        self.assertEqual(second.cost, 90)

    def test_below_minimum_consumes_nothing(self):
        pack = engine.Tariff(
            billing_type="subscription", prepaid_hours=1, min_duration=5
        )
        self.assertEqual(engine.consume(pack, 4, 60).prepaid_minutes, 0)

    def test_problems(self):
        self.assertEqual(HOURLY.problems(), [])
        self.assertEqual(PACK.problems(), [])
        self.assertIn(
            ("step_zero", "step_duration"), engine.Tariff(step_duration=0).problems()
        )
        self.assertIn(("negative", "step_cost"), engine.Tariff(step_cost=-1).problems())
        self.assertIn(
            ("initial_cost_without_duration", "initial_step_duration"),
            engine.Tariff(initial_step_cost=5).problems(),
        )
        self.assertIn(
            ("no_prepaid_hours", "prepaid_hours"),
            engine.Tariff(billing_type="subscription").problems(),
        )
