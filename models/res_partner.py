"""A customer's support billing: the profile billing it, its sessions and its
contract start.

These fields are the support provider's, not the customer's: only support
billing users read them (portal, public and other internal users get an access
error through the API and never see them in a view), and only billing managers
change a contract start, which opens grace periods (free sessions).
"""

from odoo import api, fields, models

BILLING_USER = "helpdesk_session_billing.group_support_billing_user"
BILLING_MANAGER = "helpdesk_session_billing.group_support_billing_manager"


class ResPartner(models.Model):
    # A customer's tags and contract start decide the scope of its sessions.
    _inherit = ["res.partner", "helpdesk.scope.source.mixin"]
    _name = "res.partner"

    helpdesk_profile_id = fields.Many2one(
        comodel_name="helpdesk.contract.profile",
        string="Support contract",
        compute="_compute_helpdesk_profile",
        groups=BILLING_USER,
        help="Contract profile billing this customer's support today.",
    )
    helpdesk_billing_type = fields.Selection(
        selection=[
            ("pay_per_use", "Pay-per-use"),
            ("subscription", "Subscription (prepaid hours)"),
        ],
        string="Support billing",
        compute="_compute_helpdesk_profile",
        groups=BILLING_USER,
    )
    helpdesk_remaining_hours = fields.Float(
        string="Remaining support hours",
        compute="_compute_helpdesk_profile",
        digits=(16, 2),
        groups=BILLING_USER,
    )
    helpdesk_contract_start = fields.Date(
        string="Support contract start",
        # Read by billing users; written by billing managers only
        # (_has_field_access).
        groups=BILLING_USER,
        help="Go-live of the customer's support contract, when its contract "
        "profile has no start date: scope rules with a grace period include the "
        "sessions of the first days from it.",
    )
    # No default: a default value of a field of a group is a write that
    # users outside the group (an accountant creating a contact) may not do.
    helpdesk_invoice_session_annex = fields.Selection(
        selection=[("yes", "Always"), ("no", "Never")],
        string="Sessions annex on invoices",
        groups=BILLING_USER,
        help="Whether this customer's support invoices list the sessions they "
        "bill after their lines. Empty: as the company's Settings say.",
    )

    helpdesk_session_ids = fields.One2many(
        comodel_name="helpdesk.session",
        inverse_name="partner_id",
        string="Support sessions",
        groups=BILLING_USER,
    )
    helpdesk_session_count = fields.Integer(
        compute="_compute_helpdesk_sessions", groups=BILLING_USER
    )
    helpdesk_session_hours = fields.Float(
        string="Support hours",
        compute="_compute_helpdesk_sessions",
        digits=(16, 2),
        groups=BILLING_USER,
    )

    @api.depends_context("company")
    @api.depends("commercial_partner_id", "category_id")
    def _compute_helpdesk_profile(self):
        partners = self.filtered("id")
        today = fields.Date.context_today(self)
        # sudo: the partner form is open to people who cannot read profiles;
        # the field itself is shown to support billing users only.
        profiles = (
            self.env["helpdesk.contract.profile"]
            .sudo()
            ._profiles_for(partners, today, self.env.company, raise_on_conflict=False)
        )
        for partner in self:
            profile = profiles.get(
                (partner.id, today), self.env["helpdesk.contract.profile"]
            )
            partner.helpdesk_profile_id = profile.sudo(False)
            partner.helpdesk_billing_type = profile.billing_type
            partner.helpdesk_remaining_hours = (
                profile.remaining_hours
                if profile.billing_type == "subscription"
                else 0.0
            )

    @api.depends(
        "helpdesk_session_ids.total_duration",
        "commercial_partner_id.helpdesk_session_ids.total_duration",
    )
    def _compute_helpdesk_sessions(self):
        # sudo for the same reason as above; counts only, never the records.
        groups = (
            self.env["helpdesk.session"]
            .sudo()
            ._read_group(
                [
                    ("partner_id", "in", self.commercial_partner_id.ids),
                    ("company_id", "in", self.env.companies.ids),
                ],
                ["partner_id"],
                ["__count", "total_duration:sum"],
            )
        )
        totals = {partner.id: (count, minutes) for partner, count, minutes in groups}
        for partner in self:
            count, minutes = totals.get(partner.commercial_partner_id.id, (0, 0))
            partner.helpdesk_session_count = count
            partner.helpdesk_session_hours = minutes / 60.0

    @api.constrains("helpdesk_contract_start")
    def _check_date_window(self):
        # Grace periods count days from it: a date outside the accepted
        # window would overflow their arithmetic.
        self.env.company._helpdesk_check_record_dates(self, ["helpdesk_contract_start"])

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_view_helpdesk_sessions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "helpdesk_session_billing.helpdesk_session_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        return action

    def action_open_rating_wizard(self):
        """Rate this customer's sessions (all periods, to rate)."""
        self.ensure_one()
        wizard = self.env["helpdesk.session.rating.wizard"].create(
            {
                "partner_id": self.commercial_partner_id.id,
                "date_from": False,
                "date_to": False,
            }
        )
        return wizard._reopen()

    def action_open_helpdesk_profile(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "helpdesk.contract.profile",
            "view_mode": "form",
            "res_id": self.helpdesk_profile_id.id,
        }
