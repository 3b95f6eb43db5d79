"""Invoice line labels and session names read times in the company's time
zone (named on the invoice), not the user's nor UTC."""

from odoo.tests import tagged

from . import test_invoicing


@tagged("post_install", "-at_install")
class TestInvoiceTimes(test_invoicing.InvoicingCase):
    def test_company_time_zone_far_from_utc(self):
        # DAY is 2025-03-10: Auckland is on daylight time (UTC+13) until April.
        self.company.partner_id.tz = "Pacific/Auckland"
        self.billing_manager.tz = "America/New_York"
        session = self._rated(self.ticket_a, 9, 50)
        self.assertEqual(
            session.with_user(self.billing_manager).display_name.split(", ")[-1],
            "2025-03-10 22:00",
        )
        line = self._invoice(session).invoice_line_ids
        self.assertIn("2025-03-10 22:00 NZDT,", line.name)
        # Past midnight there: the next day.
        late = self._rated(self.ticket_a2, 12, 20)
        self.assertEqual(late.display_name.split(", ")[-1], "2025-03-11 01:00")

    def test_utc_company_says_utc(self):
        self.company.partner_id.tz = False
        session = self._rated(self.ticket_a, 9, 50)
        line = self._invoice(session).invoice_line_ids
        self.assertIn("2025-03-10 09:00 UTC,", line.name)
