"""The pure-Python block core (allocation and valuation), without a database."""

from datetime import date

from odoo.addons.helpdesk_session_billing.core import blocks as engine
from odoo.tests import BaseCase, tagged


def _block(key, minutes, expiry=None, start=date(2025, 1, 1)):
    return engine.Block(
        key=key, available=minutes, expiry=expiry, start=start, sequence=key
    )


@tagged("post_install", "-at_install")
class TestBlockAllocation(BaseCase):
    def test_expiring_first_then_oldest(self):
        # 1: no expiry, oldest; 2: expires in June; 3: expires in March.
        blocks = [
            _block(1, 60, start=date(2025, 1, 1)),
            _block(2, 60, expiry=date(2025, 6, 30), start=date(2025, 2, 1)),
            _block(3, 60, expiry=date(2025, 3, 31), start=date(2025, 3, 1)),
        ]
        result = engine.allocate(blocks, [engine.Demand("s1", 150)])
        self.assertEqual(
            [(a.session, a.block, a.minutes) for a in result.allocations],
            [("s1", 3, 60), ("s1", 2, 60), ("s1", 1, 30)],
        )
        self.assertEqual(result.available, {3: 0.0, 2: 0.0, 1: 30.0})

    def test_same_expiry_oldest_first(self):
        blocks = [
            _block(2, 60, start=date(2025, 2, 1)),
            _block(1, 60, start=date(2025, 1, 1)),
        ]
        result = engine.allocate(blocks, [engine.Demand("s", 30)])
        self.assertEqual(result.allocations[0].block, 1)

    def test_sessions_in_order_and_split(self):
        blocks = [_block(1, 45), _block(2, 600, start=date(2025, 2, 1))]
        result = engine.allocate(
            blocks, [engine.Demand("a", 30), engine.Demand("b", 30)]
        )
        self.assertEqual(
            [(a.session, a.block, a.minutes) for a in result.allocations],
            [("a", 1, 30), ("b", 1, 15), ("b", 2, 15)],
        )

    def test_overdrawn_beyond_every_block(self):
        result = engine.allocate([_block(1, 20)], [engine.Demand("a", 50)])
        self.assertEqual(
            [(a.block, a.minutes) for a in result.allocations], [(1, 20), (None, 30)]
        )

    def test_expired_before_the_session_day_is_skipped(self):
        blocks = [_block(1, 60, expiry=date(2025, 3, 31)), _block(2, 60)]
        result = engine.allocate(
            blocks, [engine.Demand("late", 30, day=date(2025, 4, 1))]
        )
        self.assertEqual([(a.block, a.minutes) for a in result.allocations], [(2, 30)])
        result = engine.allocate(
            blocks, [engine.Demand("on_time", 30, day=date(2025, 3, 31))]
        )
        self.assertEqual([(a.block, a.minutes) for a in result.allocations], [(1, 30)])

    def test_period_block_not_before_its_start(self):
        # 2: a renewal valid from March 1st serves no February session.
        blocks = [
            _block(1, 30),
            engine.Block(
                key=2,
                available=60,
                expiry=date(2025, 3, 31),
                start=date(2025, 3, 1),
                sequence=2,
                valid_from=date(2025, 3, 1),
            ),
        ]
        result = engine.allocate(blocks, [engine.Demand("feb", 45, date(2025, 2, 27))])
        self.assertEqual(
            [(a.block, a.minutes) for a in result.allocations], [(1, 30), (None, 15)]
        )
        result = engine.allocate(blocks, [engine.Demand("mar", 45, date(2025, 3, 1))])
        self.assertEqual([(a.block, a.minutes) for a in result.allocations], [(2, 45)])

    def test_day_balance_per_day(self):
        # 1: 60 min to March 31st; 2: 30 min, no expiry; 10 minutes owed,
        # settled first from the blocks valid "today" (April 2nd): block 2.
        blocks = [_block(1, 60, expiry=date(2025, 3, 31)), _block(2, 30)]
        balance = engine.DayBalance(blocks, 10, today=date(2025, 4, 2))
        self.assertEqual(balance.minutes(date(2025, 3, 10)), 80.0)
        self.assertEqual(balance.minutes(date(2025, 4, 1)), 20.0)
        # A March session takes from block 1 (expiring first): April's see
        # the same 20 minutes.
        balance.take(45, date(2025, 3, 10))
        self.assertEqual(balance.minutes(date(2025, 3, 10)), 35.0)
        self.assertEqual(balance.minutes(date(2025, 4, 1)), 20.0)
        # An April session beyond the 20 minutes owes the rest.
        balance.take(50, date(2025, 4, 1))
        self.assertEqual(balance.minutes(date(2025, 4, 1)), -30.0)
        self.assertEqual(balance.minutes(date(2025, 3, 10)), -15.0)
        # Owed beyond every block: still owed.
        self.assertEqual(engine.DayBalance([_block(1, 20)], 50).minutes(), -30.0)

    def test_whole_minutes_fraction_stays(self):
        # 0.01 h = 0.6 min: a block of 30.6 minutes gives 30, keeps 0.6.
        result = engine.allocate(
            [_block(1, 30.6), _block(2, 60, start=date(2025, 2, 1))],
            [engine.Demand("a", 31)],
        )
        self.assertEqual(
            [(a.block, a.minutes) for a in result.allocations], [(1, 30), (2, 1)]
        )
        self.assertAlmostEqual(result.available[1], 0.6)

    def test_nothing_asked(self):
        result = engine.allocate([_block(1, 60)], [engine.Demand("a", 0)])
        self.assertEqual(result.allocations, [])

    def test_merge(self):
        merged = engine.merge(
            [
                engine.Allocation("a", 1, 30),
                engine.Allocation("a", 1, -30),
                engine.Allocation("a", 2, 10),
                engine.Allocation("a", 2, 5),
            ]
        )
        self.assertEqual([(m.block, m.minutes) for m in merged], [(2, 15)])


@tagged("post_install", "-at_install")
class TestBlockValuation(BaseCase):
    PACK = engine.BlockValue(600, 800.0)  # 80.00 an hour
    THIRDS = engine.BlockValue(180, 1000.0)  # 333.33... an hour

    def test_each_block_at_its_price(self):
        blocks = [
            engine.BlockValue(600, 800.0, used=90),  # 120.00
            engine.BlockValue(300, 450.0, used=40),  # 60.00
        ]
        self.assertEqual(engine.recognized_target(blocks), 180.0)
        self.assertEqual(engine.remaining_value(blocks), 1070.0)

    def test_rounded_once(self):
        # 1 min of each of two thirds-priced blocks: 5.5555... each, 11.11
        # once (two roundings would give 11.12).
        blocks = [
            engine.BlockValue(180, 1000.0, used=1),
            engine.BlockValue(180, 1000.0, used=1),
        ]
        self.assertEqual(engine.recognized_target(blocks), 11.11)
        self.assertEqual(engine.remaining_value(blocks), 1988.89)

    def test_used_capped_and_amount_only(self):
        blocks = [
            engine.BlockValue(60, 100.0, used=90),
            engine.BlockValue(0, 50.0),
        ]
        self.assertEqual(engine.recognized_target(blocks), 150.0)
        self.assertEqual(engine.remaining_value(blocks), 0.0)

    def test_recognition_delta(self):
        blocks = [engine.BlockValue(600, 800.0, used=60)]
        self.assertEqual(engine.recognition_delta(blocks, 0.0), (80.0, 80.0))
        self.assertEqual(engine.recognition_delta(blocks, 100.0), (-20.0, 80.0))
        self.assertEqual(
            engine.recognition_delta(blocks, 80.0, close=True), (720.0, 800.0)
        )

    def test_invariant_exhaustive(self):
        """For every split of used minutes over two odd-priced blocks, the
        remaining value plus the recognized target is the rounded total."""
        for used_a in range(0, 181, 7):
            for used_b in range(0, 61, 5):
                blocks = [
                    engine.BlockValue(180, 1000.0, used=used_a),
                    engine.BlockValue(60, 33.33, used=used_b),
                ]
                self.assertEqual(
                    round(
                        engine.remaining_value(blocks)
                        + engine.recognized_target(blocks),
                        2,
                    ),
                    1033.33,
                )


@tagged("post_install", "-at_install")
class TestRenewalArithmetic(BaseCase):
    def test_due_periods_catch_up(self):
        # Monthly from Jan 31st; the job last ran in January, today is
        # April 2nd: February, March and April periods are due.
        self.assertEqual(
            engine.due_periods(
                date(2025, 2, 28), date(2025, 4, 2), 1, date(2025, 1, 31)
            ),
            [date(2025, 2, 28), date(2025, 3, 31)],
        )
        self.assertEqual(
            engine.due_periods(date(2025, 2, 1), date(2025, 4, 1), 1),
            [date(2025, 2, 1), date(2025, 3, 1), date(2025, 4, 1)],
        )
        self.assertEqual(engine.due_periods(date(2025, 5, 1), date(2025, 4, 30), 1), [])
        self.assertEqual(
            engine.due_periods(date(2025, 1, 1), date(2025, 12, 31), 3),
            [date(2025, 1, 1), date(2025, 4, 1), date(2025, 7, 1), date(2025, 10, 1)],
        )
        self.assertEqual(engine.due_periods(False, date(2025, 1, 1), 1), [])

    def test_add_months_clamps(self):
        self.assertEqual(engine.add_months(date(2024, 1, 31), 1), date(2024, 2, 29))
        self.assertEqual(engine.add_months(date(2025, 1, 31), 1), date(2025, 2, 28))
        self.assertEqual(engine.add_months(date(2025, 11, 30), 3), date(2026, 2, 28))
        self.assertEqual(engine.add_months(date(2025, 3, 15), 12), date(2026, 3, 15))

    def test_indexation(self):
        # 800.00 + 3.5 % = 828.00; 333.33 + 2.5 % = 341.66325 -> 341.66.
        self.assertEqual(engine.indexed_amount(800.0, percent=3.5), 828.0)
        self.assertEqual(engine.indexed_amount(333.33, percent=2.5), 341.66)
        # By an index: 1000.00 * 291.7 / 285.4 = 1022.074... -> 1022.07.
        self.assertEqual(
            engine.indexed_amount(1000.0, index_base=285.4, index_new=291.7), 1022.07
        )
        # Half a cent rounds up: 100.00 * 1.00005 = 100.005 -> 100.01.
        self.assertEqual(engine.indexed_amount(100.0, percent=0.005), 100.01)
        self.assertEqual(engine.indexed_amount(800.0), 800.0)
        # Zero digits (a currency without cents).
        self.assertEqual(engine.indexed_amount(1000, percent=2.45, digits=0), 1025.0)
