"""Subscription recharges: hours added to a subscription's balance, and their
corrections.

A recharge with an amount gets its own draft invoice when it is recorded (made
by ``helpdesk_contract_profile_subscription.py``). Once invoiced, a recharge
belongs to the ledger: it is neither changed nor deleted, but corrected by a
new recharge of negative hours and amount (``correction_of_id``), whose
credit note of the recharge's invoice takes the amount back. Recording,
changing or deleting a recharge changes the balance: it takes the
subscription's row lock, as rating does. The invoice link is a protected
field (``helpdesk.ledger.mixin``).
"""

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_compare

from ..core.tariff import format_hours


class HelpdeskContractRecharge(models.Model):
    _name = "helpdesk.contract.recharge"
    _description = "Subscription recharge"
    _inherit = ["helpdesk.ledger.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True

    # ------------------------------------------------------------------
    # Fields
    # ------------------------------------------------------------------
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
        "with an amount), or the credit note of a correction.",
    )
    correction_of_id = fields.Many2one(
        comodel_name="helpdesk.contract.recharge",
        string="Corrects",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="restrict",
        help="The recharge this one corrects: its negative hours and amount are "
        "taken back from it, the amount by a credit note of its invoice.",
    )
    correction_ids = fields.One2many(
        comodel_name="helpdesk.contract.recharge",
        inverse_name="correction_of_id",
        string="Corrections",
    )
    block_ids = fields.One2many(
        comodel_name="helpdesk.contract.block",
        inverse_name="recharge_id",
        string="Prepaid block",
    )

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------
    @api.constrains("date")
    def _check_date_window(self):
        # Dates outside the accepted window would overflow period arithmetic.
        self.env.company._helpdesk_check_record_dates(self, ["date"])

    @api.constrains("hours", "amount", "profile_id", "correction_of_id")
    def _check_recharge(self):
        for recharge in self:
            if recharge.profile_id.billing_type != "subscription":
                raise ValidationError(
                    self.env._(
                        "Only a subscription can be recharged (%(name)s).",
                        name=recharge.profile_id.name,
                    )
                )
            if not recharge.hours and not recharge.amount:
                raise ValidationError(
                    self.env._("A recharge needs hours, an amount, or both.")
                )
            if recharge.correction_of_id:
                recharge._check_correction()
            elif recharge.hours < 0 or recharge.amount < 0:
                raise ValidationError(
                    self.env._(
                        "A recharge cannot have negative hours or amount: to take "
                        "back hours or an amount, correct the recharge (its "
                        "Correct button)."
                    )
                )

    def _check_correction(self):
        """A correction takes back from a recharge of the same subscription
        at most what it gave; an amount only from a posted invoice (by a
        credit note)."""
        self.ensure_one()
        corrected = self.correction_of_id
        if corrected.correction_of_id or corrected.profile_id != self.profile_id:
            raise ValidationError(
                self.env._(
                    "A correction corrects a recharge of the same subscription, "
                    "not another correction."
                )
            )
        if self.hours > 0 or self.amount > 0:
            raise ValidationError(
                self.env._(
                    "A correction takes hours or an amount back: its hours and "
                    "amount are negative (or zero)."
                )
            )
        hours_left = corrected.hours + sum(corrected.correction_ids.mapped("hours"))
        amount_left = corrected.amount + sum(corrected.correction_ids.mapped("amount"))
        if (
            float_compare(hours_left, 0, precision_digits=2) < 0
            or self.currency_id.compare_amounts(amount_left, 0) < 0
        ):
            raise ValidationError(
                self.env._(
                    "The corrections of the recharge of %(date)s take back more "
                    "than it gave (%(hours)s h, %(amount)s).",
                    date=corrected.date,
                    hours=format_hours(corrected.hours),
                    amount=self.currency_id.format(corrected.amount),
                )
            )
        invoice = corrected.sudo().invoice_id
        if self.amount < 0 and invoice.state != "posted":
            raise ValidationError(
                self.env._(
                    "The recharge of %(date)s has no posted invoice to credit: "
                    "change or cancel its draft invoice instead, and take back "
                    "only hours here.",
                    date=corrected.date,
                )
            )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        # The balance changes: the subscriptions' rows first, before anything
        # refers to them.
        self.env["helpdesk.contract.profile"].browse(
            {vals["profile_id"] for vals in vals_list if vals.get("profile_id")}
        )._lock_for_consumption()
        recharges = super().create(vals_list)
        recharges._create_invoices()
        # A recharge is a block of hours (its corrections change that block).
        recharges.filtered(lambda r: not r.correction_of_id)._create_blocks()
        # New hours, or hours taken back: the layers of deferred revenue move.
        recharges.profile_id._recognize_deferred_revenue()
        return recharges

    def write(self, vals):
        if self._is_ledger_write():
            return super().write(vals)
        self._check_editable()
        profiles = self.profile_id
        if vals.get("profile_id"):
            profiles |= profiles.browse(vals["profile_id"])
        profiles._lock_for_consumption()
        result = super().write(vals)
        self._create_invoices()
        profiles._recognize_deferred_revenue()
        profiles._check_low_balance()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_invoiced(self):
        self._check_editable()

    def unlink(self):
        profiles = self.profile_id
        profiles._lock_for_consumption()
        result = super().unlink()
        profiles.exists()._recognize_deferred_revenue()
        return result

    def _check_editable(self):
        """An invoiced (or corrected) recharge is in the ledger: corrected,
        never changed or deleted."""
        locked = self.filtered(lambda r: r.invoice_id or r.correction_ids)
        if locked:
            raise UserError(
                self.env._(
                    "The recharge of %(date)s on %(name)s is invoiced or corrected: "
                    "it can no longer be changed or deleted. Correct it instead "
                    "(negative hours and amount, with a credit note).",
                    date=locked[0].date,
                    name=locked[0].profile_id.name,
                )
            )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_open_correction_wizard(self):
        """The recharge dialog, recording a correction of this recharge: by
        default, all it still gives back."""
        self.ensure_one()
        if self.correction_of_id:
            raise UserError(
                self.env._("Correct the recharge itself, not one of its corrections.")
            )
        hours_left = self.hours + sum(self.correction_ids.mapped("hours"))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._(
                "Correct a recharge of %(name)s", name=self.profile_id.name
            ),
            "res_model": "helpdesk.contract.recharge.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_profile_id": self.profile_id.id,
                "default_correction_of_id": self.id,
                "default_hours": -hours_left,
            },
        }

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------
    def _create_invoices(self):
        """One draft invoice per recharge with an amount (a credit note of the
        corrected recharge's invoice for a correction), linked both ways."""
        recharges = self.filtered(
            lambda r: not r.invoice_id and not r.currency_id.is_zero(r.amount)
        )
        if not recharges:
            return self.env["account.move"]
        invoices = self.env["helpdesk.contract.profile"]._create_subscription_invoices(
            [
                (
                    recharge.profile_id,
                    recharge._get_invoice_label(),
                    recharge.amount,
                    recharge.correction_of_id.sudo().invoice_id,
                )
                for recharge in recharges
            ]
        )
        for recharge, invoice in zip(recharges, invoices, strict=True):
            recharge.sudo()._ledger_writer().invoice_id = invoice
        return invoices

    def _create_blocks(self):
        """The block of hours of each recharge, valid for the subscription's
        validity from the recharge's date."""
        Block = self.env["helpdesk.contract.block"]
        vals_list = [
            {
                "profile_id": recharge.profile_id.id,
                "recharge_id": recharge.id,
                "kind": "recharge",
                "date_start": recharge.date,
                "date_expiry": Block._default_expiry(
                    recharge.profile_id, recharge.date
                ),
            }
            for recharge in self
        ]
        return Block.sudo()._ledger_writer().create(vals_list).sudo(False)

    def _get_invoice_label(self):
        self.ensure_one()
        if self.correction_of_id:
            return self.env._(
                "%(name)s: correction of the recharge of %(date)s, %(hours)s hours "
                "taken back",
                name=self.profile_id.name,
                date=self.correction_of_id.date,
                hours=format_hours(-self.hours),
            )
        return self.env._(
            "%(name)s: recharge of %(hours)s hours (%(date)s)",
            name=self.profile_id.name,
            hours=format_hours(self.hours),
            date=self.date,
        )
