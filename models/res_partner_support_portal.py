"""My support: what a customer's portal user sees of their support.

The figures are the back office's, read through the same methods: the
subscriptions' balances (``helpdesk_contract_profile_portal.py``) and, for
pay-per-use, the support statement of the current month
(``res_partner_support_statement.py``). Only rated sessions carry figures;
sessions still to rate are counted, never priced.
"""

from odoo import models
from odoo.fields import Domain


class ResPartner(models.Model):
    _inherit = "res.partner"

    def _get_support_companies(self):
        """The companies supporting the customer ``self`` (a commercial
        partner): those of its subscriptions and sessions, else the
        customer's or the current one."""
        self.ensure_one()
        profiles = self.env["helpdesk.contract.profile"].search(
            [("partner_id", "=", self.id)]
        )
        sessions = self.env["helpdesk.session"]._read_group(
            [("partner_id", "=", self.id)], ["company_id"]
        )
        companies = profiles.company_id.union(*(company for (company,) in sessions))
        return companies or self.company_id or self.env.company

    def _get_support_portal_values(self):
        """My support's figures for the customer ``self`` (a commercial
        partner): its subscriptions in force and, per company, the current
        month's statement and the pay-per-use profile in force."""
        self.ensure_one()
        Profile = self.env["helpdesk.contract.profile"]
        subscriptions = Profile.browse()
        months = []
        for company in self._get_support_companies():
            today = company._helpdesk_today()
            subscriptions |= Profile.search(
                Domain("billing_type", "=", "subscription")
                & Domain("partner_id", "=", self.id)
                & Domain("company_id", "=", company.id)
                & (Domain("date_start", "=", False) | Domain("date_start", "<=", today))
                & (Domain("date_end", "=", False) | Domain("date_end", ">=", today))
            )
            profile = Profile.profile_for_partner(self, date=today, company=company)
            if profile.billing_type != "pay_per_use":
                continue
            statement = self._get_support_statements(
                today.replace(day=1), today, company
            )[0]
            months.append({"company": company, "profile": profile, **statement})
        subscription_values = subscriptions._get_portal_subscription_values()
        return {
            "customer": self,
            "subscriptions": subscription_values,
            "pay_per_use": months,
            "remaining_hours": sum(
                values["remaining_hours"] for values in subscription_values
            ),
        }
