"""The pure-Python deferred revenue core, without a database."""

import itertools

from odoo.addons.helpdesk_session_billing.core import deferred as engine
from odoo.tests import BaseCase, tagged

PACK = engine.Layer.from_hours(10, 800.0)  # 80.00 an hour
RECHARGE = engine.Layer.from_hours(5, 450.0)  # 90.00 an hour
THIRDS = engine.Layer.from_hours(3, 1000.0)  # 333.333... an hour


@tagged("post_install", "-at_install")
class TestDeferredEngine(BaseCase):
    def test_nothing_consumed(self):
        self.assertEqual(engine.recognized_target([PACK, RECHARGE], 0), 0)
        self.assertEqual(engine.recognized_target([PACK, RECHARGE], -30), 0)
        self.assertEqual(engine.remaining_value([PACK, RECHARGE], 0), 1250.0)

    def test_first_layer_in_part(self):
        # 90 min of an 80.00/h pack: 120.00.
        self.assertEqual(engine.recognized_target([PACK, RECHARGE], 90), 120.0)
        self.assertEqual(engine.remaining_value([PACK, RECHARGE], 90), 1130.0)

    def test_fifo_across_layers(self):
        # The pack's 600 minutes at 80.00/h, then 30 minutes at 90.00/h.
        self.assertEqual(engine.recognized_target([PACK, RECHARGE], 630), 845.0)
        self.assertEqual(engine.remaining_value([PACK, RECHARGE], 630), 405.0)

    def test_order_matters(self):
        self.assertEqual(engine.recognized_target([RECHARGE, PACK], 60), 90.0)
        self.assertEqual(engine.recognized_target([PACK, RECHARGE], 60), 80.0)

    def test_beyond_every_layer_is_worth_nothing(self):
        layers = [PACK, RECHARGE]
        self.assertEqual(engine.recognized_target(layers, 900), 1250.0)
        self.assertEqual(engine.recognized_target(layers, 5000), 1250.0)
        self.assertEqual(engine.remaining_value(layers, 5000), 0.0)

    def test_no_layers(self):
        self.assertEqual(engine.recognized_target([], 120), 0.0)
        self.assertEqual(engine.remaining_value([], 120), 0.0)
        self.assertEqual(engine.recognition([], 120, 0.0, close=True).delta, 0.0)

    def test_zero_value_layer_keeps_its_place(self):
        # A pack invoiced outside the deferral: its hours are used first.
        free_pack = engine.Layer.from_hours(10, 0.0)
        layers = [free_pack, RECHARGE]
        self.assertEqual(engine.recognized_target(layers, 600), 0.0)
        self.assertEqual(engine.recognized_target(layers, 660), 90.0)
        self.assertEqual(engine.remaining_value(layers, 600), 450.0)

    def test_amount_without_hours(self):
        fee = engine.Layer.from_hours(0, 50.0)
        layers = [PACK, fee, RECHARGE]
        self.assertEqual(engine.recognized_target(layers, 0), 0.0)
        self.assertEqual(engine.recognized_target(layers, 599), 798.67)
        self.assertEqual(engine.recognized_target(layers, 600), 850.0)
        self.assertEqual(engine.recognized_target([fee], 1), 50.0)

    def test_rounding_half_up_once(self):
        # 1000.00 for 3 h: a minute is worth 5.5555...
        self.assertEqual(engine.recognized_target([THIRDS], 1), 5.56)
        self.assertEqual(engine.recognized_target([THIRDS], 3), 16.67)
        self.assertEqual(engine.recognized_target([THIRDS], 60), 333.33)
        self.assertEqual(engine.recognized_target([THIRDS], 90), 500.0)
        self.assertEqual(engine.remaining_value([THIRDS], 60), 666.67)
        self.assertEqual(engine.round_amount(0.125), 0.13)
        self.assertEqual(engine.round_amount(2.675), 2.68)  # not binary 2.67
        self.assertEqual(engine.round_amount(-0.125), -0.13)
        self.assertEqual(engine.round_amount(1.005, 0), 1.0)

    def test_fractional_hours(self):
        layer = engine.Layer.from_hours(0.1, 10.0)  # 6 minutes
        self.assertEqual(layer.minutes, 6)
        self.assertEqual(engine.recognized_target([layer], 3), 5.0)

    def test_recognition_deltas(self):
        layers = [PACK, RECHARGE]
        first = engine.recognition(layers, 45, 0.0)
        self.assertEqual((first.delta, first.recognized), (60.0, 60.0))
        second = engine.recognition(layers, 630, first.recognized)
        self.assertEqual((second.delta, second.recognized), (785.0, 845.0))
        # Unrating gives minutes back: the delta goes the other way.
        back = engine.recognition(layers, 45, second.recognized)
        self.assertEqual((back.delta, back.recognized), (-785.0, 60.0))
        same = engine.recognition(layers, 45, back.recognized)
        self.assertEqual(same.delta, 0.0)
        closed = engine.recognition(layers, 45, back.recognized, close=True)
        self.assertEqual((closed.delta, closed.recognized), (1190.0, 1250.0))

    def test_invariant_exhaustive(self):
        """Whatever the path of consumptions, what was recognized plus the
        remaining value is the total, to the cent, and the deferred balance
        (total minus the posted deltas) is the remaining value."""
        layer_sets = [
            [PACK],
            [PACK, RECHARGE],
            [THIRDS, engine.Layer.from_hours(1.5, 99.99), PACK],
            [engine.Layer.from_hours(7, 100.0), engine.Layer.from_hours(0, 12.34)],
            [engine.Layer.from_hours(0.25, 0.01), engine.Layer.from_hours(2, 0.0)],
        ]
        steps = [15, 45, -30, 7, 120, 600, -1, 33]
        for layers in layer_sets:
            total = engine.round_amount(engine.total_value(layers))
            for path in itertools.permutations(steps, 3):
                consumed = 0
                recognized = 0.0
                posted = 0.0
                for step in path:
                    consumed = max(consumed + step, 0)
                    result = engine.recognition(layers, consumed, recognized)
                    posted = engine.round_amount(posted + result.delta)
                    recognized = result.recognized
                    balance = engine.round_amount(total - posted)
                    self.assertEqual(
                        balance, engine.remaining_value(layers, consumed), path
                    )
                closing = engine.recognition(layers, consumed, recognized, close=True)
                posted = engine.round_amount(posted + closing.delta)
                self.assertEqual(engine.round_amount(total - posted), 0.0)
