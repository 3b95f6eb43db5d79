from odoo import api, fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    helpdesk_profile_id = fields.Many2one(
        comodel_name="helpdesk.contract.profile",
        string="Support contract",
        compute="_compute_helpdesk_profile",
        help="Contract profile billing this customer's support today.",
    )
    helpdesk_billing_type = fields.Selection(
        selection=[
            ("pay_per_use", "Pay-per-use"),
            ("subscription", "Subscription (prepaid hours)"),
        ],
        string="Support billing",
        compute="_compute_helpdesk_profile",
    )
    helpdesk_remaining_hours = fields.Float(
        string="Remaining support hours",
        compute="_compute_helpdesk_profile",
        digits=(16, 2),
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

    def action_open_helpdesk_profile(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "helpdesk.contract.profile",
            "view_mode": "form",
            "res_id": self.helpdesk_profile_id.id,
        }
