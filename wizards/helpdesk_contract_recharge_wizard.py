"""The Recharge dialog of a subscription: hours, amount, date and note of a
new recharge, or of a correction of an earlier one (negative hours and
amount, its credit note instead of an invoice)."""

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
    correction_of_id = fields.Many2one(
        comodel_name="helpdesk.contract.recharge",
        string="Corrects",
        domain="[('profile_id', '=', profile_id), ('correction_of_id', '=', False)]",
        help="The recharge this one corrects: negative hours and amount take back "
        "what it gave, the amount by a credit note of its invoice.",
    )
    currency_id = fields.Many2one(related="profile_id.currency_id")
    remaining_hours = fields.Float(related="profile_id.remaining_hours")
    hours = fields.Float(digits=(16, 2))
    amount = fields.Monetary(
        currency_field="currency_id",
        compute="_compute_amount",
        store=True,
        readonly=False,
        help="Defaults to the hours at the pack's hourly price (at the corrected "
        "recharge's, for a correction).",
    )
    date = fields.Date(required=True, default=fields.Date.context_today)
    note = fields.Char()

    @api.constrains("date")
    def _check_date_window(self):
        # Dates outside the accepted window would overflow period arithmetic.
        self.env.company._helpdesk_check_record_dates(self, ["date"])

    @api.depends("hours", "profile_id", "correction_of_id")
    def _compute_amount(self):
        for wizard in self:
            source = wizard.correction_of_id or wizard.profile_id
            hours = source.hours if wizard.correction_of_id else source.prepaid_hours
            hourly = source.amount / hours if hours else 0
            wizard.amount = wizard.profile_id.currency_id.round(wizard.hours * hourly)

    def _prepare_recharge_vals(self):
        self.ensure_one()
        return {
            "profile_id": self.profile_id.id,
            "correction_of_id": self.correction_of_id.id,
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
        values = {
            "hours": recharge.hours,
            "amount": recharge.currency_id.format(recharge.amount),
            "date": recharge.date,
            "note": recharge.note or "",
        }
        if recharge.correction_of_id:
            body = self.env._(
                "Corrected the recharge of %(corrected)s: %(hours)s h and %(amount)s "
                "on %(date)s. %(note)s",
                corrected=recharge.correction_of_id.date,
                **values,
            )
        else:
            body = self.env._(
                "Recharged %(hours)s h for %(amount)s on %(date)s. %(note)s", **values
            )
        self.profile_id.message_post(body=body)
        self.profile_id._check_low_balance()
        return {"type": "ir.actions.act_window_close"}
