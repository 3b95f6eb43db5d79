from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import new_test_user, tagged

from .common import SupportBillingCase


@tagged("post_install", "-at_install")
class TestAccess(SupportBillingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pack = cls._subscription()
        cls.other_company = cls.env["res.company"].create({"name": "HSB Other Co"})
        cls.other_profile = cls._pay_per_use(
            name="Other company tariff", company_id=cls.other_company.id
        )
        # Both users may work in both companies; rules follow the active ones.
        (cls.manager | cls.consultant).company_ids = [
            Command.link(cls.other_company.id)
        ]

    def test_consultant_reads_but_does_not_edit(self):
        pack = self.pack.with_user(self.consultant)
        self.assertEqual(pack.remaining_hours, 10)
        self.assertEqual(
            self.customer.with_user(self.consultant).helpdesk_profile_id, pack
        )
        with self.assertRaises(AccessError):
            pack.write({"step_duration": 30})
        with self.assertRaises(AccessError):
            self.Profile.with_user(self.consultant).create(
                {"name": "Mine", "billing_type": "pay_per_use", "step_duration": 5}
            )
        with self.assertRaises(AccessError):
            self.env["helpdesk.contract.recharge.wizard"].with_user(
                self.consultant
            ).create({"profile_id": self.pack.id, "hours": 1})

    def test_consultant_sees_only_active_companies(self):
        profiles = (
            self.Profile.with_user(self.consultant)
            .with_context(allowed_company_ids=[self.company.id])
            .search([])
        )
        self.assertIn(self.pack, profiles)
        self.assertNotIn(self.other_profile, profiles)
        both = (
            self.Profile.with_user(self.consultant)
            .with_context(allowed_company_ids=[self.company.id, self.other_company.id])
            .search([])
        )
        self.assertIn(self.other_profile, both)

    def test_manager_creates_and_recharges(self):
        profile = self.Profile.with_user(self.manager).create(
            {"name": "Manager's", "billing_type": "pay_per_use", "step_duration": 5}
        )
        profile.step_cost = 10
        wizard = (
            self.env["helpdesk.contract.recharge.wizard"]
            .with_user(self.manager)
            .create({"profile_id": self.pack.id, "hours": 3})
        )
        wizard.action_recharge()
        self.assertEqual(self.pack.remaining_hours, 13)

    def test_helpdesk_roles_imply_billing_roles(self):
        helpdesk_manager = new_test_user(
            self.env,
            "hsb_helpdesk_manager",
            groups="helpdesk_mgmt.group_helpdesk_manager",
        )
        helpdesk_user = new_test_user(
            self.env, "hsb_helpdesk_user", groups="helpdesk_mgmt.group_helpdesk_user"
        )
        self.assertTrue(
            helpdesk_manager.has_group(
                "helpdesk_session_billing.group_support_billing_manager"
            )
        )
        self.assertTrue(
            helpdesk_user.has_group(
                "helpdesk_session_billing.group_support_billing_user"
            )
        )
        self.assertFalse(
            helpdesk_user.has_group(
                "helpdesk_session_billing.group_support_billing_manager"
            )
        )

    def test_user_without_billing_rights_opens_customers(self):
        salesman = new_test_user(self.env, "hsb_plain", groups="base.group_user")
        customer = self.customer.with_user(salesman)
        customer.invalidate_recordset()
        self.assertTrue(customer.display_name)
        with self.assertRaises(AccessError):
            self.Profile.with_user(salesman).search([])
