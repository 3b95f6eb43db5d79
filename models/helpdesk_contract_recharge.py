"""Subscription recharges: hours added to a subscription's balance.

A recharge with an amount gets its own draft invoice when it is recorded (made
by ``helpdesk_contract_profile_subscription.py``). The invoice link is a
protected field (``helpdesk.ledger.mixin``): only that path writes it.
"""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..core.tariff import format_hours


class HelpdeskContractRecharge(models.Model):
    _name = "helpdesk.contract.recharge"
    _description = "Subscription recharge"
    _inherit = ["helpdesk.ledger.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True

    # Made when the recharge is recorded, never by hand.
    _ledger_protected_fields = frozenset({"invoice_id"})

    profile_id = fields.Many2one(
        comodel_name="helpdesk.contract.profile",
        string="Subscription",
        required=True,
        ondelete="cascade",
        index=True,
        domain=[("billing_type", "=", "subscription")],
        check_company=True,
    )
    partner_id = fields.Many2one(related="profile_id.partner_id", store=True)
    company_id = fields.Many2one(
        related="profile_id.company_id", store=True, index=True
    )
    currency_id = fields.Many2one(related="profile_id.currency_id")
    date = fields.Date(required=True, default=fields.Date.context_today)
    hours = fields.Float(digits=(16, 2))
    amount = fields.Monetary(currency_field="currency_id")
    note = fields.Char()
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Recorded by",
        default=lambda self: self.env.user,
        readonly=True,
    )
    invoice_id = fields.Many2one(
        comodel_name="account.move",
        readonly=True,
        copy=False,
        ondelete="set null",
        help="The draft invoice made when the recharge was recorded (recharges "
        "with an amount).",
    )

    @api.model_create_multi
    def create(self, vals_list):
        recharges = super().create(vals_list)
        recharges.filtered(
            lambda r: r.currency_id.compare_amounts(r.amount, 0) > 0
        )._create_invoices()
        return recharges

    def _create_invoices(self):
        """One draft invoice per recharge, linked both ways."""
        recharges = self.filtered(lambda r: not r.invoice_id)
        invoices = self.env["helpdesk.contract.profile"]._create_subscription_invoices(
            [
                (
                    recharge.profile_id,
                    recharge._get_invoice_label(),
                    recharge.amount,
                )
                for recharge in recharges
            ]
        )
        for recharge, invoice in zip(recharges, invoices, strict=True):
            recharge.sudo()._ledger_writer().invoice_id = invoice
        recharges.profile_id._recognize_deferred_revenue()
        return invoices

    def _get_invoice_label(self):
        self.ensure_one()
        return self.env._(
            "%(name)s: recharge of %(hours)s hours (%(date)s)",
            name=self.profile_id.name,
            hours=format_hours(self.hours),
            date=self.date,
        )

    @api.constrains("hours", "amount", "profile_id")
    def _check_recharge(self):
        for recharge in self:
            if recharge.profile_id.billing_type != "subscription":
                raise ValidationError(
                    self.env._(
                        "Only a subscription can be recharged (%(name)s).",
                        name=recharge.profile_id.name,
                    )
                )
            if recharge.hours < 0 or recharge.amount < 0:
                raise ValidationError(
                    self.env._("A recharge cannot have negative hours or amount.")
                )
            if not recharge.hours and not recharge.amount:
                raise ValidationError(
                    self.env._("A recharge needs hours, an amount, or both.")
                )
