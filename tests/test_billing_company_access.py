"""Who invoices subscriptions, and whose settings apply: pack and recharge
invoices are the billing managers' (an accountant who is only a support
billing user makes none), and a record follows the settings of its own
company, not of the company the user has open. Real users throughout."""

from datetime import timedelta

from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import new_test_user, tagged

from .common import SupportAccountingCase


@tagged("post_install", "-at_install")
class TestSubscriptionInvoicingRights(SupportAccountingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.profile = cls._subscription()
        # Invoices customers, reads contract profiles, manages none.
        cls.accountant = new_test_user(
            cls.env,
            "hsb_acc_consultant",
            groups="account.group_account_invoice,helpdesk_mgmt.group_helpdesk_user,"
            "helpdesk_session_billing.group_support_billing_user",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

    def _subscription_invoices(self):
        return self.env["account.move"].search(
            [("helpdesk_profile_id", "=", self.profile.id)]
        )

    def test_only_billing_managers_invoice_packs(self):
        profile = self.profile.with_user(self.accountant)
        self.assertTrue(self.accountant.has_group("account.group_account_invoice"))
        with self.assertRaisesRegex(AccessError, "billing managers"):
            profile.action_invoice_pack()
        with self.assertRaisesRegex(AccessError, "billing managers"):
            profile._create_subscription_invoices([(profile, "Forged pack", 1.0)])
        self.assertFalse(self._subscription_invoices())
        self.assertFalse(self.profile.pack_invoice_id)
        # The billing manager does, without accounting rights of their own.
        self.profile.with_user(self.billing_manager).action_invoice_pack()
        self.assertEqual(self._subscription_invoices(), self.profile.pack_invoice_id)


@tagged("post_install", "-at_install")
class TestSettingsOfTheRecordsCompany(SupportAccountingCase):
    """Two companies with opposite settings; one billing manager working in
    both, invoicing their sessions together."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_2 = cls.setup_other_company(name="HSB second company")["company"]
        companies = cls.company | cls.company_2
        cls.billing_manager.company_ids = [Command.set(companies.ids)]
        cls.support_product_2 = cls._create_product(
            name="HSB support 2", type="service", lst_price=0.0
        )
        cls.company_2.helpdesk_billing_product_id = cls.support_product_2
        # Every session is included: only Settings put it on an invoice.
        companies.write({"helpdesk_scope_default_outcome": "included"})
        cls.company.helpdesk_invoice_show_included = True
        cls.company_2.helpdesk_invoice_show_included = False
        cls.env["helpdesk.scope.rule"].search([]).active = False
        cls.sessions = cls.env["helpdesk.session"]
        for company in companies:
            cls.env["helpdesk.contract.profile"].create(
                {
                    "name": f"HSB hourly {company.name}",
                    "billing_type": "pay_per_use",
                    "step_duration": 60,
                    "step_cost": 90.0,
                    "company_id": company.id,
                    "partner_ids": [Command.link(cls.customer.id)],
                }
            )
            ticket = cls.env["helpdesk.ticket"].create(
                {
                    "name": f"HSB ticket {company.name}",
                    "description": "<p>x</p>",
                    "partner_id": cls.customer.id,
                    "company_id": company.id,
                }
            )
            start = cls.DAY.replace(hour=9)
            cls.sessions |= cls.env["helpdesk.session"].create(
                {
                    "ticket_id": ticket.id,
                    "user_id": cls.agent.id,
                    "date_start": start,
                    "date_end": start + timedelta(minutes=30),
                }
            )

    def _as_manager(self, records, company):
        """``records`` as the billing manager working in both companies, with
        ``company`` the one open."""
        return records.with_user(self.billing_manager).with_context(
            allowed_company_ids=[company.id, *(self.company | self.company_2).ids]
        )

    def test_sessions_of_two_companies_invoiced_together(self):
        for open_company in (self.company, self.company_2):
            with self.subTest(open_company=open_company.name):
                sessions = self._as_manager(self.sessions, open_company)
                sessions.action_rate()
                self.assertEqual(set(sessions.mapped("cost")), {0.0})
                sessions.action_create_invoices()
                first, second = self.sessions.sorted(lambda s: s.company_id.id)
                # The first company shows included sessions, the second not,
                # whichever company the manager has open.
                self.assertEqual((first.state, second.state), ("invoiced", "rated"))
                self.assertEqual(first.invoice_id.company_id, self.company)
                self.assertEqual(first.invoice_id.amount_untaxed, 0.0)
                # Ready for the other way round.
                first.invoice_id.unlink()
                sessions.action_unrate(reason="again")

    def test_new_profile_takes_its_company_s_support_product(self):
        profile = self._as_manager(
            self.env["helpdesk.contract.profile"], self.company
        ).create(
            {
                "name": "HSB second company tariff",
                "billing_type": "pay_per_use",
                "step_duration": 60,
                "step_cost": 90.0,
                "company_id": self.company_2.id,
            }
        )
        self.assertEqual(profile.product_id, self.support_product_2)
