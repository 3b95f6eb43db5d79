from odoo.fields import Command
from odoo.tests import TransactionCase, new_test_user


class SupportBillingCase(TransactionCase):
    """Customers, tags and users shared by the module's tests."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.Profile = cls.env["helpdesk.contract.profile"]
        cls.manager = new_test_user(
            cls.env,
            "hsb_manager",
            groups="helpdesk_session_billing.group_support_billing_manager",
        )
        cls.consultant = new_test_user(
            cls.env,
            "hsb_consultant",
            groups="helpdesk_session_billing.group_support_billing_user",
        )
        Tag = cls.env["res.partner.category"]
        cls.tag_standard = Tag.create({"name": "HSB standard"})
        cls.tag_gold = Tag.create({"name": "HSB gold"})
        Partner = cls.env["res.partner"]
        cls.customer = Partner.create({"name": "HSB Customer", "is_company": True})
        cls.contact = Partner.create(
            {"name": "HSB Contact", "parent_id": cls.customer.id}
        )
        cls.tagged_customer = Partner.create(
            {
                "name": "HSB Tagged",
                "is_company": True,
                "category_id": [Command.link(cls.tag_standard.id)],
            }
        )

    @classmethod
    def _pay_per_use(cls, **vals):
        return cls.env["helpdesk.contract.profile"].create(
            {
                "name": "Pay-per-use",
                "billing_type": "pay_per_use",
                "step_duration": 60,
                "step_cost": 90.0,
                **vals,
            }
        )

    @classmethod
    def _subscription(cls, partner=None, **vals):
        return cls.env["helpdesk.contract.profile"].create(
            {
                "name": "Pack",
                "billing_type": "subscription",
                "partner_id": (partner or cls.customer).id,
                "prepaid_hours": 10.0,
                "amount": 800.0,
                "step_duration": 15,
                **vals,
            }
        )
