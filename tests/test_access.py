from datetime import date

from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import Form, new_test_user, tagged

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


@tagged("post_install", "-at_install")
class TestCustomerBillingFields(SupportBillingCase):
    """A customer's billing fields are the support provider's: support billing
    users read them, portal, public and other internal users never do, and
    only billing managers set a contract start."""

    FIELDS = [
        "helpdesk_profile_id",
        "helpdesk_billing_type",
        "helpdesk_remaining_hours",
        "helpdesk_contract_start",
        "helpdesk_session_ids",
        "helpdesk_session_count",
        "helpdesk_session_hours",
    ]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pack = cls._subscription()
        cls.customer.helpdesk_contract_start = date(2025, 1, 1)
        cls.portal = new_test_user(cls.env, "hsb_portal", groups="base.group_portal")
        cls.portal.partner_id.write(
            {"parent_id": cls.customer.id, "helpdesk_contract_start": "2025-01-01"}
        )
        cls.public = new_test_user(cls.env, "hsb_public", groups="base.group_public")
        # Writing customers takes Odoo's contact creation right.
        contacts = "base.group_partner_manager,"
        cls.plain = new_test_user(
            cls.env, "hsb_plain_user", groups=contacts + "base.group_user"
        )
        cls.consultant.group_ids |= cls.env.ref("base.group_partner_manager")
        cls.manager.group_ids |= cls.env.ref("base.group_partner_manager")

    def test_outsiders_cannot_read_them(self):
        # Each on a partner it may read: portal and public users their own.
        for user, own in (
            (self.portal, self.portal.partner_id),
            (self.public, self.public.partner_id),
            (self.plain, self.customer),
        ):
            partner = own.with_user(user)
            partner.check_access("read")
            for fname in self.FIELDS:
                with self.subTest(user=user.login, field=fname):
                    with self.assertRaises(AccessError):
                        partner.read([fname])
                    with self.assertRaises(AccessError):
                        partner.search_read([("id", "=", partner.id)], [fname])
                    with self.assertRaises(AccessError):
                        partner.search([(fname, "!=", False)])
            # Clients never learn they exist.
            self.assertFalse(set(self.FIELDS) & set(partner.fields_get()), user.login)

    def test_billing_users_read_them(self):
        for user in (self.consultant, self.manager):
            [values] = self.customer.with_user(user).read(self.FIELDS)
            self.assertEqual(values["helpdesk_profile_id"][0], self.pack.id)
            self.assertEqual(values["helpdesk_billing_type"], "subscription")
            self.assertEqual(values["helpdesk_remaining_hours"], 10)
            self.assertEqual(values["helpdesk_contract_start"], date(2025, 1, 1))

    def test_only_billing_managers_set_a_contract_start(self):
        for user in (self.consultant, self.plain):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    self.customer.with_user(user).write(
                        {"helpdesk_contract_start": "2020-01-01"}
                    )
        with self.assertRaisesRegex(AccessError, "billing managers"):
            self.customer.with_user(self.consultant).helpdesk_contract_start = date(
                2020, 1, 1
            )
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(self.consultant).create(
                {"name": "HSB Early Co", "helpdesk_contract_start": "2020-01-01"}
            )
        self.assertEqual(self.customer.helpdesk_contract_start, date(2025, 1, 1))
        # The consultant still edits the rest of the customer.
        self.customer.with_user(self.consultant).phone = "+32 2 555 00 00"
        self.customer.with_user(self.manager).helpdesk_contract_start = "2024-06-01"
        self.assertEqual(self.customer.helpdesk_contract_start, date(2024, 6, 1))
        new = (
            self.env["res.partner"]
            .with_user(self.manager)
            .create({"name": "HSB New Co", "helpdesk_contract_start": "2024-06-01"})
        )
        self.assertEqual(new.helpdesk_contract_start, date(2024, 6, 1))

    def test_partner_form_for_every_role(self):
        """The form loads for each role, shows the billing fields to billing
        users only, the contract start editable by managers only."""
        for user, shown, editable in (
            (self.plain, False, False),
            (self.consultant, True, False),
            (self.manager, True, True),
        ):
            with self.subTest(user=user.login):
                Partner = self.env["res.partner"].with_user(user)
                views = Partner.get_views([(False, "form")])
                arch = views["views"]["form"]["arch"]
                fields = views["models"]["res.partner"]["fields"]
                for fname in self.FIELDS:
                    self.assertEqual(f'name="{fname}"' in arch, shown, fname)
                    self.assertEqual(fname in fields, shown, fname)
                if shown:
                    self.assertEqual(
                        fields["helpdesk_contract_start"]["readonly"], not editable
                    )
                with Form(self.customer.with_user(user)) as form:
                    form.phone = "+32 2 555 00 01"
                    if editable:
                        form.helpdesk_contract_start = date(2024, 2, 1)
                    elif shown:
                        with self.assertRaises(AssertionError):
                            form.helpdesk_contract_start = date(2024, 2, 1)
        self.assertEqual(self.customer.helpdesk_contract_start, date(2024, 2, 1))
