from datetime import date

from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command
from odoo.tests import tagged

from .common import SupportBillingCase


@tagged("post_install", "-at_install")
class TestProfileAssignment(SupportBillingCase):
    def test_direct_assignment_reaches_contacts(self):
        profile = self._pay_per_use(partner_ids=[Command.link(self.customer.id)])
        self.assertEqual(self.Profile.profile_for_partner(self.customer), profile)
        self.assertEqual(self.Profile.profile_for_partner(self.contact), profile)

    def test_assignment_of_a_contact_is_its_company_s(self):
        profile = self._pay_per_use(partner_ids=[Command.link(self.contact.id)])
        self.assertEqual(self.Profile.profile_for_partner(self.customer), profile)

    def test_tag_assignment(self):
        profile = self._pay_per_use(
            partner_category_ids=[Command.link(self.tag_standard.id)]
        )
        self.assertEqual(
            self.Profile.profile_for_partner(self.tagged_customer), profile
        )
        self.assertFalse(self.Profile.profile_for_partner(self.customer))

    def test_direct_beats_tag(self):
        self._pay_per_use(
            name="By tag", partner_category_ids=[Command.link(self.tag_standard.id)]
        )
        pack = self._subscription(partner=self.tagged_customer)
        self.assertEqual(self.Profile.profile_for_partner(self.tagged_customer), pack)

    def test_validity_period(self):
        old = self._pay_per_use(
            name="2025 tariff",
            partner_ids=[Command.link(self.customer.id)],
            date_end="2025-12-31",
        )
        new = self._pay_per_use(
            name="2026 tariff",
            partner_ids=[Command.link(self.customer.id)],
            date_start="2026-01-01",
        )
        resolve = self.Profile.profile_for_partner
        self.assertEqual(resolve(self.customer, date(2025, 12, 31)), old)
        self.assertEqual(resolve(self.customer, date(2026, 1, 1)), new)

    def test_default_profile_from_settings(self):
        default = self._pay_per_use(name="Default")
        self.assertFalse(self.Profile.profile_for_partner(self.customer))
        settings = self.env["res.config.settings"].create(
            {"helpdesk_default_profile_id": default.id}
        )
        settings.execute()
        self.assertEqual(self.company.helpdesk_default_profile_id, default)
        self.assertEqual(self.Profile.profile_for_partner(self.customer), default)
        own = self._pay_per_use(
            name="Own", partner_ids=[Command.link(self.customer.id)]
        )
        self.assertEqual(self.Profile.profile_for_partner(self.customer), own)

    def test_archived_profile_not_in_force(self):
        profile = self._pay_per_use(partner_ids=[Command.link(self.customer.id)])
        profile.active = False
        self.assertFalse(self.Profile.profile_for_partner(self.customer))

    def test_other_company_profile_ignored(self):
        other_company = self.env["res.company"].create({"name": "HSB Other Co"})
        self._pay_per_use(
            partner_ids=[Command.link(self.customer.id)], company_id=other_company.id
        )
        self.assertFalse(self.Profile.profile_for_partner(self.customer))
        self.assertTrue(
            self.Profile.profile_for_partner(self.customer, company=other_company)
        )

    def test_partner_form_shows_profile_and_balance(self):
        pack = self._subscription(prepaid_hours=12)
        self.assertEqual(self.contact.helpdesk_profile_id, pack)
        self.assertEqual(self.contact.helpdesk_billing_type, "subscription")
        self.assertEqual(self.customer.helpdesk_remaining_hours, 12)
        action = self.customer.action_open_helpdesk_profile()
        self.assertEqual(action["res_id"], pack.id)

    def test_batch_resolution_is_one_search(self):
        self._pay_per_use(partner_category_ids=[Command.link(self.tag_standard.id)])
        partners = self.env["res.partner"].create(
            [
                {
                    "name": f"Batch {i}",
                    "is_company": True,
                    "category_id": [Command.link(self.tag_standard.id)],
                }
                for i in range(20)
            ]
        )
        partners.invalidate_recordset()
        today = date.today()
        with self.assertQueryCount(8):
            result = self.Profile._profiles_for(partners, today, self.company)
        self.assertTrue(all(result[(p.id, today)] for p in partners))


@tagged("post_install", "-at_install")
class TestProfileConflicts(SupportBillingCase):
    def test_two_direct_profiles_refused(self):
        first = self._pay_per_use(
            name="First", partner_ids=[Command.link(self.customer.id)]
        )
        with (
            self.assertRaisesRegex(ValidationError, "First.*Second|Second.*First"),
            self.cr.savepoint(),
        ):
            self._pay_per_use(
                name="Second", partner_ids=[Command.link(self.contact.id)]
            )
        self.assertEqual(self.Profile.profile_for_partner(self.customer), first)

    def test_subscription_beside_direct_pay_per_use_refused(self):
        self._pay_per_use(name="PPU", partner_ids=[Command.link(self.customer.id)])
        with self.assertRaisesRegex(ValidationError, "two profiles at once"):
            self._subscription(name="Pack")

    def test_disjoint_periods_accepted(self):
        self._pay_per_use(
            name="First",
            partner_ids=[Command.link(self.customer.id)],
            date_end="2026-06-30",
        )
        second = self._pay_per_use(
            name="Second",
            partner_ids=[Command.link(self.customer.id)],
            date_start="2026-07-01",
        )
        with self.assertRaisesRegex(ValidationError, "two profiles at once"):
            second.date_start = "2026-06-30"

    def test_same_tag_refused(self):
        self._pay_per_use(
            name="Tag A", partner_category_ids=[Command.link(self.tag_standard.id)]
        )
        with self.assertRaisesRegex(ValidationError, "HSB standard"):
            self._pay_per_use(
                name="Tag B", partner_category_ids=[Command.link(self.tag_standard.id)]
            )

    def test_customer_with_tags_of_two_profiles_refused(self):
        self.tagged_customer.category_id = [Command.link(self.tag_gold.id)]
        self._pay_per_use(
            name="Standard", partner_category_ids=[Command.link(self.tag_standard.id)]
        )
        with self.assertRaisesRegex(ValidationError, "HSB Tagged carries tags"):
            self._pay_per_use(
                name="Gold", partner_category_ids=[Command.link(self.tag_gold.id)]
            )

    def test_ambiguity_created_later_is_reported(self):
        self._pay_per_use(
            name="Standard", partner_category_ids=[Command.link(self.tag_standard.id)]
        )
        self._pay_per_use(
            name="Gold", partner_category_ids=[Command.link(self.tag_gold.id)]
        )
        # Tagging the customer afterwards makes two profiles apply.
        self.tagged_customer.category_id = [Command.link(self.tag_gold.id)]
        with self.assertRaisesRegex(UserError, "Standard.*Gold|Gold.*Standard"):
            self.Profile.profile_for_partner(self.tagged_customer)
        # The customer form does not crash on it.
        self.assertFalse(self.tagged_customer.helpdesk_profile_id)
