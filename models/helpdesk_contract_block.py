"""Prepaid blocks of hours: what a subscription's balance is made of.

The pack and every recharge (later: renewals, top-ups, carry-overs) are
blocks: hours, an amount (so a price per hour), a start date, an optional
expiry date (the profile's validity by default) and the invoice that sold
them. Rating takes a session's prepaid minutes from the block expiring first,
then the oldest (``core/blocks.py``), and records them per block
(``helpdesk.contract.block.allocation``); unrating gives each block back its
own minutes. Blocks and allocations are ledger records: only the module's own
code writes them (``_ledger_writer()``, read-only access rights).
"""

from datetime import date

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models

from ..core import blocks as blocks_core
from ..core.tariff import format_hours

BLOCK_KINDS = [
    ("pack", "Pack"),
    ("recharge", "Recharge"),
    ("renewal", "Renewal"),
    ("top_up", "Top-up"),
    ("carry_over", "Carry-over"),
]

# Blocks bought for one period: valid from its start only.
PERIOD_KINDS = ("renewal", "carry_over")


class HelpdeskContractBlock(models.Model):
    _name = "helpdesk.contract.block"
    _description = "Prepaid block of hours"
    _inherit = ["helpdesk.ledger.mixin"]
    _order = "profile_id, date_start, id"
    _check_company_auto = True

    # ------------------------------------------------------------------
    # Fields
    # ------------------------------------------------------------------
    name = fields.Char(compute="_compute_name")
    profile_id = fields.Many2one(
        comodel_name="helpdesk.contract.profile",
        string="Subscription",
        required=True,
        readonly=True,
        ondelete="cascade",
        index=True,
    )
    partner_id = fields.Many2one(related="profile_id.partner_id", store=True)
    company_id = fields.Many2one(
        related="profile_id.company_id", store=True, index=True
    )
    currency_id = fields.Many2one(related="profile_id.currency_id")
    kind = fields.Selection(BLOCK_KINDS, required=True, readonly=True)
    recharge_id = fields.Many2one(
        comodel_name="helpdesk.contract.recharge",
        readonly=True,
        ondelete="cascade",
        index="btree_not_null",
        help="The recharge this block is (its corrections included).",
    )
    hours = fields.Float(
        digits=(16, 2),
        compute="_compute_from_source",
        store=True,
        readonly=True,
        help="Hours the block gave (a recharge's corrections taken off).",
    )
    amount = fields.Monetary(
        currency_field="currency_id",
        compute="_compute_from_source",
        store=True,
        readonly=True,
        help="What the block was sold for.",
    )
    invoice_id = fields.Many2one(
        comodel_name="account.move",
        compute="_compute_from_source",
        store=True,
        readonly=True,
        ondelete="set null",
        help="The invoice that sold the block.",
    )
    invoice_deleted = fields.Boolean(
        readonly=True,
        copy=False,
        help="The invoice that sold the block was deleted (until a new one sells it).",
    )
    is_void = fields.Boolean(
        string="Void",
        compute="_compute_is_void",
        store=True,
        help="The invoice that sold the block was cancelled or deleted: its "
        "hours are not in the balance and no session uses them.",
    )
    price_per_hour = fields.Monetary(
        currency_field="currency_id", compute="_compute_price_per_hour"
    )
    date_start = fields.Date(required=True, readonly=True)
    date_expiry = fields.Date(
        readonly=True,
        help="After this day the hours left expire (empty: they never do).",
    )
    allocation_ids = fields.One2many(
        comodel_name="helpdesk.contract.block.allocation",
        inverse_name="block_id",
        string="Consumption",
    )
    consumed_minutes = fields.Integer(
        compute="_compute_consumed_minutes",
        store=True,
        help="Minutes sessions took from this block (given back ones deducted).",
    )
    expired_minutes = fields.Float(
        readonly=True,
        digits=(16, 2),
        help="Minutes left when the block expired, gone from the balance.",
    )
    date_expired = fields.Date(readonly=True)
    remaining_minutes = fields.Float(
        compute="_compute_remaining", store=True, digits=(16, 2)
    )
    remaining_hours = fields.Float(
        compute="_compute_remaining", store=True, digits=(16, 2)
    )
    state = fields.Selection(
        [("active", "Active"), ("expired", "Expired")],
        default="active",
        required=True,
        readonly=True,
    )

    # ------------------------------------------------------------------
    # Compute
    # ------------------------------------------------------------------
    @api.depends("kind", "profile_id.name", "date_start")
    def _compute_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for block in self:
            block.name = self.env._(
                "%(kind)s of %(date)s",
                kind=kinds.get(block.kind, ""),
                date=block.date_start or "",
            )

    @api.depends(
        "kind",
        "profile_id.prepaid_hours",
        "profile_id.amount",
        "profile_id.pack_invoice_id",
        "recharge_id.hours",
        "recharge_id.amount",
        "recharge_id.invoice_id",
        "recharge_id.correction_ids.hours",
        "recharge_id.correction_ids.amount",
    )
    def _compute_from_source(self):
        """The pack and recharge blocks follow their document: a pack its
        profile until its invoice is made, then the hours and price it was
        invoiced at, cancelled or not (indexation and a new pack size apply
        to later renewals; a new pack invoice takes the profile's again); a
        recharge its hours and corrections. Other blocks keep what they were
        created with. Whether the document stands is ``is_void``'s."""
        for block in self:
            if block.kind == "pack":
                profile = block.profile_id
                invoice = profile.pack_invoice_id
                if not (block.invoice_id and block.invoice_id == invoice):
                    block.hours = profile.prepaid_hours
                    block.amount = profile.amount
                block.invoice_id = invoice
            elif block.recharge_id:
                recharge = block.recharge_id
                corrections = recharge.correction_ids
                block.hours = round(
                    recharge.hours + sum(corrections.mapped("hours")), 2
                )
                block.amount = recharge.amount + sum(corrections.mapped("amount"))
                block.invoice_id = recharge.invoice_id
            else:
                block.hours = block.hours
                block.amount = block.amount
                block.invoice_id = block.invoice_id

    @api.depends("kind", "amount", "invoice_id.state", "recharge_id", "invoice_deleted")
    def _compute_is_void(self):
        # Bought on an invoice: void while that invoice is cancelled, or once
        # it is deleted (a recharge with an amount always has one). A pack
        # not invoiced yet is the contract's, usable as sold.
        for block in self:
            invoice = block.invoice_id
            if invoice:
                block.is_void = invoice.state == "cancel"
            else:
                block.is_void = block.invoice_deleted or bool(
                    block.recharge_id and not block.currency_id.is_zero(block.amount)
                )

    @api.depends("hours", "amount")
    def _compute_price_per_hour(self):
        for block in self:
            block.price_per_hour = (
                block.currency_id.round(block.amount / block.hours)
                if block.hours
                else 0.0
            )

    @api.depends("allocation_ids.minutes")
    def _compute_consumed_minutes(self):
        groups = self.env["helpdesk.contract.block.allocation"]._read_group(
            [("block_id", "in", self.ids)], ["block_id"], ["minutes:sum"]
        )
        totals = {block.id: minutes for block, minutes in groups}
        for block in self:
            block.consumed_minutes = totals.get(block.id, 0)

    @api.depends("hours", "consumed_minutes", "expired_minutes")
    def _compute_remaining(self):
        for block in self:
            remaining = block.hours * 60.0 - block.consumed_minutes
            remaining -= block.expired_minutes
            block.remaining_minutes = remaining
            block.remaining_hours = remaining / 60.0

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        blocks = super().create(vals_list)
        # Hours overdrawn before these blocks came are theirs first.
        blocks.profile_id._settle_overdrawn_minutes()
        return blocks

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------
    def _is_usable(self, day=None):
        """Whether the block may serve a session of ``day`` (no day: any
        session; ``core.blocks.Block.serves`` says which days)."""
        self.ensure_one()
        if self.state != "active":
            return False
        return self._to_core()[0].serves(day)

    def _fifo_start(self):
        """The date the block counts as bought from: the pack is the
        subscription's first block, whatever the recharges' dates say."""
        self.ensure_one()
        return date.min if self.kind == "pack" else self.date_start

    def _valid_from(self):
        """The first day a session may take from the block: a period's block
        (renewal, carry-over) serves its period's sessions, not earlier ones;
        the pack, recharges and top-ups serve any unrated session (rating
        often lags the work, and a recharge is bought to cover it)."""
        self.ensure_one()
        return self.date_start if self.kind in PERIOD_KINDS else None

    def _to_core(self):
        """The blocks as ``core/blocks.py`` allocates them."""
        return [
            blocks_core.Block(
                key=block.id,
                available=block.remaining_minutes,
                expiry=block.date_expiry or None,
                start=block._fifo_start(),
                sequence=block.id,
                valid_from=block._valid_from(),
            )
            for block in self
        ]

    def _get_deferred_value(self):
        """What the block's invoice credited to the deferred account, less
        what its posted credit notes took back (0 without one)."""
        self.ensure_one()
        account = self.company_id.helpdesk_deferred_account_id
        # The accounting figures, for whoever may see the subscription.
        invoice = self.sudo().invoice_id
        if not account or not invoice or invoice.state == "cancel":
            return 0.0
        credit_notes = invoice.reversal_move_ids.filtered(
            lambda move: move.state == "posted"
        )
        lines = (invoice | credit_notes).line_ids.filtered(
            lambda line: line.account_id == account
        )
        return -sum(lines.mapped("balance"))

    def _get_label(self):
        self.ensure_one()
        return self.env._(
            "%(name)s: %(hours)s h",
            name=self.name,
            hours=format_hours(self.hours),
        )

    @api.model
    def _default_expiry(self, profile, date_start):
        """The profile's validity from ``date_start`` (none without one)."""
        months = profile.block_validity_months
        if not months or not date_start:
            return False
        return date_start + relativedelta(months=months, days=-1)
