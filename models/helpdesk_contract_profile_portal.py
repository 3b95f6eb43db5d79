"""What a subscription shows its customer on the portal, and the customer's
"Request more hours".

The figures are the back office's: the balance fields of
``helpdesk_contract_profile_subscription.py`` and its low-balance threshold.
How the hours were bought is read from the subscription's blocks
(``helpdesk_contract_block.py``) in ``_get_portal_hour_purchases``.
"""

from odoo import models
from odoo.exceptions import UserError


class HelpdeskContractProfile(models.Model):
    _inherit = "helpdesk.contract.profile"

    # ------------------------------------------------------------------
    # Business: portal
    # ------------------------------------------------------------------
    def _get_portal_hour_purchases(self):
        """The subscription's blocks, as the balance counts them (pack,
        recharges, renewals, top-ups, carry-overs): [{label, date, hours,
        expiry, remaining}] by start date."""
        self.ensure_one()
        kinds = dict(
            self.env["helpdesk.contract.block"]
            ._fields["kind"]
            ._description_selection(self.env)
        )
        return [
            {
                "label": (block.recharge_id.note if block.recharge_id else "")
                or kinds.get(block.kind, ""),
                "date": block.date_start,
                "hours": block.hours,
                "expiry": block.date_expiry,
                "remaining": block.remaining_hours,
            }
            for block in self.block_ids.sorted(lambda b: (b.date_start, b.id))
        ]

    def _get_portal_subscription_values(self):
        """One dict per subscription of ``self``: what My support shows."""
        return [
            {
                "subscription": profile,
                "purchases": profile._get_portal_hour_purchases(),
                "bought_hours": sum(profile.block_ids.mapped("hours")),
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
