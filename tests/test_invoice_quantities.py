"""Invoice lines say the true quantity: the billed hours at the hourly price
when they make the cost (45 minutes: 0.75 hours), else the sessions as units
when they cost the same (a stepped tariff), else one unit listing each
session's price: never 1.00 hours for 45 minutes, never a unit price no
session has; the totals are the rated costs either way."""

from odoo.tests import tagged

from . import test_invoicing


@tagged("post_install", "-at_install")
class TestInvoiceQuantities(test_invoicing.InvoicingCase):
    def setUp(self):
        super().setUp()
        self.hour = self.env.ref("uom.product_uom_hour")
        self.unit = self.env.ref("uom.product_uom_unit")

    def test_quarter_hours_billed_as_hours_at_the_hourly_price(self):
        # 15-minute steps of 22.50: 90.00 an hour; 45 minutes cost 67.50.
        self.hourly.write({"step_duration": 15, "step_cost": 22.5})
        session = self._rated(self.ticket_a, 9, 45)
        self.assertEqual(session.billed_duration, 45)
        self.assertEqual(session.cost, 67.5)
        line = self._invoice(session).invoice_line_ids
        self.assertEqual(
            (line.quantity, line.product_uom_id, line.price_unit),
            (0.75, self.hour, 90.0),
        )
        self.assertEqual(line.price_subtotal, 67.5)

    def test_stepped_tariff_billed_per_session(self):
        # 15 minutes for 25.00, then 10-minute steps of 12.00: 45 minutes cost
        # 25 + 3 x 12 = 61.00, 61 / 0.75 = 81.33.. an hour is no price: one
        # session at 61.00.
        self.hourly.write(
            {
                "initial_step_duration": 15,
                "initial_step_cost": 25.0,
                "step_duration": 10,
                "step_cost": 12.0,
            }
        )
        first = self._rated(self.ticket_a, 9, 45)
        self.assertEqual(first.cost, 61.0)
        line = self._invoice(first).invoice_line_ids
        self.assertEqual(
            (line.quantity, line.product_uom_id, line.price_unit),
            (1.0, self.unit, 61.0),
        )
        # Two sessions of a ticket, 61.00 and 25 + 12 = 37.00 (20 minutes):
        # 1:05 billed is no exact hour count, and 2 x 49.00 would be a price
        # no session has: one unit at 98.00, each session listed at its price.
        second = self._rated(self.ticket_a2, 9, 45)
        third = self._rated(self.ticket_a2, 11, 20)
        self.assertEqual(third.cost, 37.0)
        line = self._invoice(second | third).invoice_line_ids
        self.assertEqual(
            (line.quantity, line.product_uom_id, line.price_unit),
            (1.0, self.unit, 98.0),
        )
        self.assertEqual(line.price_subtotal, 98.0)
        for session in second | third:
            self.assertIn(
                f"{session._get_invoice_line_detail()}: "
                f"{session.currency_id.format(session.cost)}",
                line.name,
            )
        # Two sessions of the same price: two units at that price.
        fourth = self._rated(self.ticket_a, 14, 20)
        fifth = self._rated(self.ticket_a, 16, 20)
        line = self._invoice(fourth | fifth).invoice_line_ids
        self.assertEqual(
            (line.quantity, line.product_uom_id, line.price_unit),
            (2.0, self.unit, 37.0),
        )

    def test_uneven_sessions_one_unit_at_their_total(self):
        # 45 minutes: 25.01 + 3 x 12.01 = 61.04; 20 minutes: 25.01 + 12.01 =
        # 37.02. 135.08 for 45 + 25 + 25 = 95 billed minutes is neither an
        # hourly price (1.5833.. hours) nor three equal prices to the cent:
        # one unit at 135.08.
        self.hourly.write(
            {
                "initial_step_duration": 15,
                "initial_step_cost": 25.01,
                "step_duration": 10,
                "step_cost": 12.01,
            }
        )
        sessions = (
            self._rated(self.ticket_a, 9, 45)
            | self._rated(self.ticket_a, 11, 20)
            | self._rated(self.ticket_a, 14, 20)
        )
        self.assertEqual(sorted(sessions.mapped("cost")), [37.02, 37.02, 61.04])
        invoice = self._invoice(sessions)
        line = invoice.invoice_line_ids
        self.assertEqual(
            (line.quantity, line.product_uom_id, line.price_unit),
            (1.0, self.unit, 135.08),
        )
        self.assertEqual(invoice.amount_untaxed, 135.08)
