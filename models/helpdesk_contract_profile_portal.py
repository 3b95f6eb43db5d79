"""What a subscription shows its customer on the portal, and the customer's
"Request more hours".

The figures are the back office's: the balance fields of
``helpdesk_contract_profile_subscription.py`` and its low-balance threshold.
How the hours were bought (the pack, then the recharges) is read in one method,
``_get_portal_hour_purchases``, so that another way of buying hours only
changes that method.
"""

from odoo import models
from odoo.exceptions import UserError


class HelpdeskContractProfile(models.Model):
    _inherit = "helpdesk.contract.profile"

    # ------------------------------------------------------------------
    # Business: portal
    # ------------------------------------------------------------------
    def _get_portal_hour_purchases(self):
        """The hours bought on the subscription, in order: [{label, date,
        hours}], the pack first, then the recharges by date."""
        self.ensure_one()
        purchases = [
            {
                "label": self.env._("Pack"),
                "date": self.date_start or self.create_date.date(),
                "hours": self.prepaid_hours,
            }
        ]
        for recharge in self.recharge_ids.sorted(lambda r: (r.date, r.id)):
            purchases.append(
                {
                    "label": recharge.note or self.env._("Recharge"),
                    "date": recharge.date,
                    "hours": recharge.hours,
                }
            )
        return purchases

    def _get_portal_subscription_values(self):
        """One dict per subscription of ``self``: what My support shows."""
        return [
            {
                "subscription": profile,
                "purchases": profile._get_portal_hour_purchases(),
                "bought_hours": profile.prepaid_hours + profile.recharged_hours,
                "consumed_hours": profile.consumed_hours,
                "remaining_hours": profile.remaining_hours,
                "threshold_hours": profile._get_low_balance_threshold(),
            }
            for profile in self
        ]

    def _action_request_more_hours(self, requested_by):
        """The customer asks for more hours: a to-do activity on the
        subscription for its salesperson when a billing manager, else for a
        billing manager of its company. Called by the portal route after its
        ownership check (as superuser: portal users cannot write here)."""
        self.ensure_one()
        if self.billing_type != "subscription":
            raise UserError(self.env._("Only a subscription can be recharged."))
        managers = self.env.ref(
            "helpdesk_session_billing.group_support_billing_manager"
        ).user_ids.filtered(
            lambda user: (
                not user._is_superuser()
                and user.active
                and self.company_id in user.company_ids
            )
        )
        user = self.user_id if self.user_id in managers else managers[:1]
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            user_id=(user or self.env.ref("base.user_admin")).id,
            summary=self.env._("Customer asks for more support hours"),
            note=self.env._(
                "%(contact)s (%(customer)s) asked from the portal for more hours on "
                "%(name)s (%(hours)s h left).",
                contact=requested_by.display_name,
                customer=self.partner_id.display_name,
                name=self.name,
                hours=round(self.remaining_hours, 2),
            ),
        )
        return True
