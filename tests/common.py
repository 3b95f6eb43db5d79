from datetime import datetime, timedelta

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


class SessionCase(SupportBillingCase):
    """Helpdesk consultants, tickets and a session factory for the session
    tests. Users hold real groups: the helpdesk one to read tickets, ours to
    time them."""

    # A Monday morning, well in the past: sessions record work already done.
    DAY = datetime(2025, 3, 10)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Session = cls.env["helpdesk.session"]
        cls.company.helpdesk_session_max_minutes = 240
        consultant_groups = (
            "helpdesk_mgmt.group_helpdesk_user,"
            "helpdesk_session_billing.group_support_billing_user"
        )
        cls.agent = new_test_user(
            cls.env, "hsb_agent", groups=consultant_groups, name="Agent One"
        )
        cls.agent_2 = new_test_user(
            cls.env, "hsb_agent_2", groups=consultant_groups, name="Agent Two"
        )
        cls.billing_manager = new_test_user(
            cls.env,
            "hsb_billing_manager",
            groups="helpdesk_mgmt.group_helpdesk_user,"
            "helpdesk_session_billing.group_support_billing_manager",
            name="Billing Manager",
        )
        cls.ticket = cls._ticket(name="HSB printer down")
        cls.ticket_2 = cls._ticket(name="HSB mail setup")

    @classmethod
    def _ticket(cls, **vals):
        return cls.env["helpdesk.ticket"].create(
            {
                "name": "HSB ticket",
                "description": "<p>Please help.</p>",
                "partner_id": cls.contact.id,
                **vals,
            }
        )

    @classmethod
    def _at(cls, hour, minute=0):
        return cls.DAY.replace(hour=hour, minute=minute)

    @classmethod
    def _session(cls, start, minutes=None, user=None, ticket=None, **vals):
        """A session starting at ``start`` lasting ``minutes`` (open when
        None), created by the superuser for ``user`` (default: agent)."""
        return cls.env["helpdesk.session"].create(
            {
                "ticket_id": (ticket or cls.ticket).id,
                "user_id": (user or cls.agent).id,
                "date_start": start,
                "date_end": (
                    start + timedelta(minutes=minutes) if minutes is not None else False
                ),
                **vals,
            }
        )
