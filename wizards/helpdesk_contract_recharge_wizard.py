from odoo import api, fields, models


class HelpdeskContractRechargeWizard(models.TransientModel):
    _name = "helpdesk.contract.recharge.wizard"
    _description = "Recharge a subscription"

    profile_id = fields.Many2one(
        comodel_name="helpdesk.contract.profile",
        string="Subscription",
        required=True,
        domain=[("billing_type", "=", "subscription")],
    )
    currency_id = fields.Many2one(related="profile_id.currency_id")
    remaining_hours = fields.Float(related="profile_id.remaining_hours")
    hours = fields.Float(digits=(16, 2))
    amount = fields.Monetary(
        currency_field="currency_id",
        compute="_compute_amount",
        store=True,
        readonly=False,
        help="Defaults to the hours at the pack's hourly price.",
    )
    date = fields.Date(required=True, default=fields.Date.context_today)
    note = fields.Char()

    @api.depends("hours", "profile_id")
    def _compute_amount(self):
        for wizard in self:
            profile = wizard.profile_id
            hourly = (
                profile.amount / profile.prepaid_hours if profile.prepaid_hours else 0
            )
            wizard.amount = profile.currency_id.round(wizard.hours * hourly)

    def _prepare_recharge_vals(self):
        self.ensure_one()
        return {
            "profile_id": self.profile_id.id,
            "hours": self.hours,
            "amount": self.amount,
            "date": self.date,
            "note": self.note,
        }

    def action_recharge(self):
        self.ensure_one()
        # The recharge's own constraints refuse bad figures, so nothing is written.
        recharge = self.env["helpdesk.contract.recharge"].create(
            self._prepare_recharge_vals()
        )
        self.profile_id.message_post(
            body=self.env._(
                "Recharged %(hours)s h for %(amount)s on %(date)s. %(note)s",
                hours=recharge.hours,
                amount=recharge.currency_id.format(recharge.amount),
                date=recharge.date,
                note=recharge.note or "",
            )
        )
        self.profile_id._check_low_balance()
        return {"type": "ir.actions.act_window_close"}
