"""The portal's statement route answers a date outside the accepted window
with 400 (a clear refusal), never a server error, over real HTTP."""

from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestPortalStatementDates(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        customer = cls.env["res.partner"].create(
            {"name": "HSB Dates Portal Co", "is_company": True}
        )
        contact = cls.env["res.partner"].create(
            {"name": "Dana Dates", "parent_id": customer.id, "email": "d@d.example"}
        )
        cls.portal_user = new_test_user(
            cls.env,
            "hsb_portal_dates",
            groups="base.group_portal",
            partner_id=contact.id,
        )
        cls.env["helpdesk.contract.profile"].create(
            {
                "name": "Dates pack",
                "billing_type": "subscription",
                "partner_id": customer.id,
                "prepaid_hours": 10.0,
                "amount": 800.0,
                "step_duration": 15,
            }
        )

    def _get(self, query):
        return self.url_open(f"/my/support/statement?{query}&report_type=html")

    def test_far_dates_are_bad_requests(self):
        self.authenticate(self.portal_user.login, self.portal_user.login)
        for query in (
            "month=0001-01",
            "month=9999-12",
            "month=1999-12",
            "date_from=0001-01-01",
            "date_to=9999-12-31",
            "date_from=0001-01-01&date_to=9999-12-31",
        ):
            with self.subTest(query=query):
                response = self._get(query)
                self.assertEqual(response.status_code, 400)
                self.assertIn("not a date support billing accepts", response.text)
        # The first month of the window is a statement.
        response = self._get("month=2000-01")
        self.assertEqual(response.status_code, 200)
        self.assertIn("HSB Dates Portal Co", response.text)
