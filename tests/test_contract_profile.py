from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from .common import SupportBillingCase


@tagged("post_install", "-at_install")
class TestContractProfile(SupportBillingCase):
    def test_worked_tariffs(self):
        hourly = self._pay_per_use(name="Hourly", step_duration=60, step_cost=90)
        per_minute = self._pay_per_use(
            name="Per minute", step_duration=1, step_cost=1.5
        )
        stepped = self._pay_per_use(
            name="Stepped",
            initial_step_duration=15,
            initial_step_cost=25,
            step_duration=10,
            step_cost=12,
        )
        half_hours = self._pay_per_use(
            name="Half hours",
            initial_step_duration=30,
            initial_step_cost=40,
            step_duration=30,
            step_cost=40,
        )
        cases = [
            (hourly, 61, 120, 180.0),
            (hourly, 60, 60, 90.0),
            (per_minute, 37, 37, 55.5),
            (stepped, 1, 15, 25.0),
            (stepped, 26, 35, 49.0),
            (half_hours, 31, 60, 80.0),
            (half_hours, 0, 0, 0.0),
        ]
        for profile, minutes, billed, cost in cases:
            with self.subTest(profile=profile.name, minutes=minutes):
                self.assertEqual(profile.billable_minutes(minutes), billed)
                self.assertEqual(profile.price_minutes(minutes), cost)

    def test_minimum_duration_boundaries(self):
        profile = self._pay_per_use(min_duration=5, step_duration=15, step_cost=20)
        self.assertEqual(profile.billable_minutes(4), 0)
        self.assertEqual(profile.price_minutes(4), 0)
        self.assertEqual(profile.billable_minutes(5), 15)
        self.assertEqual(profile.price_minutes(15), 20)
        self.assertEqual(profile.price_minutes(16), 40)

    def test_price_is_rounded_to_currency(self):
        profile = self._pay_per_use(step_duration=1, step_cost=0.1)
        self.assertEqual(profile.price_minutes(3), 0.3)

    def test_subscription_is_not_priced(self):
        pack = self._subscription()
        self.assertEqual(pack.billable_minutes(16), 30)
        with self.assertRaisesRegex(UserError, "is a subscription"):
            pack.price_minutes(30)

    def test_negative_duration_refused(self):
        with self.assertRaisesRegex(UserError, "cannot be negative"):
            self._pay_per_use().billable_minutes(-5)

    def test_overage_split(self):
        overage = self._pay_per_use(name="Overage", step_duration=60, step_cost=90)
        pack = self._subscription(prepaid_hours=1, overage_profile_id=overage.id)
        self.assertEqual(pack.remaining_hours, 1)
        within, split = pack.consumption_for([45, 45])
        self.assertEqual(within.prepaid_minutes, 45)
        self.assertEqual(within.cost, 0)
        self.assertEqual(split.prepaid_minutes, 15)
        self.assertEqual(split.overage_minutes, 30)
        self.assertEqual(split.cost, 90)

    def test_no_overage_goes_negative(self):
        pack = self._subscription(prepaid_hours=1)
        (consumption,) = pack.consumption_for([90])
        self.assertEqual(consumption.prepaid_minutes, 90)
        self.assertEqual(consumption.balance_after, -30)
        self.assertEqual(consumption.cost, 0)

    def test_tariff_snapshot_keeps_figures(self):
        profile = self._pay_per_use(step_duration=60, step_cost=90)
        tariff = profile._get_tariff()
        profile.step_cost = 120
        self.assertEqual(tariff.step_cost, 90)
        self.assertEqual(profile._get_tariff().step_cost, 120)

    def test_tariff_summary(self):
        profile = self._pay_per_use(
            initial_step_duration=15,
            initial_step_cost=25,
            step_duration=10,
            step_cost=12,
            min_duration=3,
        )
        self.assertIn("first 15 min", profile.tariff_summary)
        self.assertIn("each started 10 min", profile.tariff_summary)
        self.assertIn("under 3 min", profile.tariff_summary)

    def test_changes_are_tracked(self):
        profile = self._pay_per_use()
        # A record is not tracked in the transaction that creates it.
        self.env.cr.flush()
        before = len(profile.message_ids)
        profile.step_cost = 100
        self.env.flush_all()
        self.env.cr.flush()
        profile.invalidate_recordset(["message_ids"])
        self.assertGreater(len(profile.message_ids), before)
        self.assertIn(
            "step_cost",
            profile.message_ids.tracking_value_ids.field_id.mapped("name"),
        )

    def test_default_product(self):
        self.assertEqual(
            self._pay_per_use().product_id,
            self.env.ref("helpdesk_session_billing.product_support_service"),
        )
        product = self.env["product.product"].create(
            {"name": "Premium support", "type": "service"}
        )
        self.company.helpdesk_billing_product_id = product
        self.assertEqual(self._pay_per_use().product_id, product)

    def test_form_shows_subscription_fields(self):
        with Form(self.Profile.with_user(self.manager)) as form:
            form.name = "Pack via form"
            form.billing_type = "subscription"
            form.partner_id = self.contact
            form.prepaid_hours = 5
            form.amount = 400
            form.step_duration = 15
        profile = form.record
        # A subscription belongs to the contact's company.
        self.assertEqual(profile.partner_id, self.customer)
        self.assertEqual(profile.remaining_hours, 5)


@tagged("post_install", "-at_install")
class TestContractProfileBadInput(SupportBillingCase):
    def assertRefused(self, pattern, create):
        count = self.Profile.search_count([])
        with self.assertRaisesRegex(ValidationError, pattern), self.cr.savepoint():
            create()
        self.assertEqual(self.Profile.search_count([]), count, "nothing is saved")

    def test_negative_figures(self):
        for figure in ("step_cost", "min_duration", "initial_step_cost"):
            with self.subTest(figure=figure):
                self.assertRefused(
                    "cannot be negative", lambda f=figure: self._pay_per_use(**{f: -1})
                )
        self.assertRefused("cannot be negative", lambda: self._subscription(amount=-5))

    def test_step_of_zero(self):
        self.assertRefused(
            "at least 1 minute", lambda: self._pay_per_use(step_duration=0)
        )

    def test_subscription_without_hours(self):
        self.assertRefused(
            "positive number of prepaid hours",
            lambda: self._subscription(prepaid_hours=0),
        )

    def test_initial_cost_without_duration(self):
        self.assertRefused(
            "initial step with a cost needs a duration",
            lambda: self._pay_per_use(initial_step_cost=10),
        )

    def test_subscription_without_customer(self):
        self.assertRefused(
            "needs its customer",
            lambda: self.Profile.create(
                {"name": "Orphan", "billing_type": "subscription", "prepaid_hours": 2}
            ),
        )

    def test_end_before_start(self):
        self.assertRefused(
            "before it starts",
            lambda: self._pay_per_use(date_start="2026-05-01", date_end="2026-04-01"),
        )

    def test_overage_must_be_pay_per_use(self):
        other_customer = self.env["res.partner"].create(
            {"name": "Other", "is_company": True}
        )
        pack = self._subscription(partner=other_customer)
        self.assertRefused(
            "must be pay-per-use",
            lambda: self._subscription(overage_profile_id=pack.id),
        )

    def test_write_is_checked_too(self):
        profile = self._pay_per_use()
        with self.assertRaisesRegex(ValidationError, "at least 1 minute"):
            profile.step_duration = 0
            profile.flush_recordset()
