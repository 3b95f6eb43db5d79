"""Periodic renewal of subscriptions, with price indexation.

A subscription renewed every month, quarter or year gets, on each renewal
date, a new block of its pack's hours invoiced at the pack price. A daily job
renews what is due, periods missed while the server was down included
(``core/blocks.py``: ``due_periods``). Renewal is idempotent per period: a
unique index on (subscription, period start) refuses a second block for one
period, even from a second worker; the job takes only the subscriptions no
one else holds and skips a period another transaction renewed first.

Indexation: at each anniversary (``indexation_date``), the pack price rises by
the profile's percentage, or by the index of the year over the base index
when both are entered, rounded to the currency; the form shows the next price
before it applies, the chatter keeps each change.
"""

import logging

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import mute_logger

from ..core import blocks as blocks_core
from ..core.tariff import format_hours

_logger = logging.getLogger(__name__)

PERIOD_MONTHS = {"month": 1, "quarter": 3, "year": 12}


class HelpdeskContractBlock(models.Model):
    _inherit = "helpdesk.contract.block"

    period_start = fields.Date(
        readonly=True,
        help="The renewal period this block was bought for.",
    )

    _renewal_period_unique = models.UniqueIndex(
        "(profile_id, period_start) WHERE period_start IS NOT NULL",
        "A subscription is renewed only once per period.",
    )

    def _invoice_renewals(self):
        """One draft invoice per renewal block with a price, linked to it."""
        blocks = self.filtered(
            lambda b: not b.invoice_id and not b.currency_id.is_zero(b.amount)
        )
        if not blocks:
            return self.env["account.move"]
        Profile = self.env["helpdesk.contract.profile"]
        invoices = Profile._create_subscription_invoices(
            [
                (
                    block.profile_id,
                    self.env._(
                        "%(name)s: renewal of %(hours)s prepaid hours from %(date)s",
                        name=block.profile_id.name,
                        hours=format_hours(block.hours),
                        date=block.period_start,
                    ),
                    block.amount,
                )
                for block in blocks
            ]
        )
        for block, invoice in zip(blocks, invoices, strict=True):
            block.sudo()._ledger_writer().invoice_id = invoice
        blocks.profile_id._recognize_deferred_revenue()
        return invoices


class HelpdeskContractProfile(models.Model):
    _inherit = "helpdesk.contract.profile"

    # ------------------------------------------------------------------
    # Fields
    # ------------------------------------------------------------------
    renewal_period = fields.Selection(
        [("month", "Monthly"), ("quarter", "Quarterly"), ("year", "Yearly")],
        tracking=True,
        help="Renew the pack (a new block of its hours, invoiced at the pack "
        "price) every period.",
    )
    renewal_date = fields.Date(
        string="Next renewal",
        help="The start of the next period to renew; the daily job moves it on.",
    )
    renewal_anchor_date = fields.Date(
        readonly=True,
        copy=False,
        help="The first renewal date: later ones count from it (month ends). "
        "Kept by the renewal job once a renewal happened.",
    )
    indexation_percent = fields.Float(
        string="Yearly indexation (%)",
        digits=(16, 4),
        help="The pack price rises by this percentage at each anniversary.",
    )
    indexation_index_base = fields.Float(
        string="Base index",
        digits=(16, 4),
        help="With the index of the year, replaces the percentage: the price "
        "is multiplied by index / base index.",
    )
    indexation_index = fields.Float(
        string="Index of the year",
        digits=(16, 4),
    )
    indexation_date = fields.Date(
        string="Next indexation",
        help="The anniversary on which the next price applies.",
    )
    next_amount = fields.Monetary(
        string="Next pack price",
        currency_field="currency_id",
        compute="_compute_next_amount",
        help="The pack price from the next indexation on.",
    )

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------
    @api.constrains("renewal_date", "indexation_date")
    def _check_renewal_date_window(self):
        # The renewal job counts periods from them: no date off the calendar.
        self.env.company._helpdesk_check_record_dates(
            self, ["renewal_date", "indexation_date"]
        )

    # ------------------------------------------------------------------
    # Compute
    # ------------------------------------------------------------------
    @api.depends(
        "amount",
        "indexation_percent",
        "indexation_index_base",
        "indexation_index",
        "currency_id",
    )
    def _compute_next_amount(self):
        for profile in self:
            profile.next_amount = blocks_core.indexed_amount(
                profile.amount,
                percent=profile.indexation_percent,
                index_base=profile.indexation_index_base,
                index_new=profile.indexation_index,
                digits=profile.currency_id.decimal_places,
            )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    def _check_ledger_write(self, vals):
        """Once a renewal happened, the anchor its periods count from is the
        job's (a moved anchor would renew a period twice or skip one)."""
        result = super()._check_ledger_write(vals)
        if "renewal_anchor_date" in vals and self.filtered("renewal_anchor_date"):
            raise UserError(
                self.env._(
                    "These figures are kept by the module's own operations "
                    "(renewal), never set by hand: %(fields)s.",
                    fields=self._fields["renewal_anchor_date"].get_description(
                        self.env
                    )["string"],
                )
            )
        return result

    # ------------------------------------------------------------------
    # Jobs
    # ------------------------------------------------------------------
    @api.model
    def _cron_renew_subscriptions(self, batch_size=200):
        """Daily: renew the subscriptions whose periods are due, a batch at a
        time, each batch committed."""
        profiles = self.search(
            [
                ("billing_type", "=", "subscription"),
                ("renewal_period", "!=", False),
                ("renewal_date", "!=", False),
            ]
        )
        due = profiles.filtered(
            lambda p: p.renewal_date <= p.company_id._helpdesk_today()
        )
        done = 0
        for start in range(0, len(due), batch_size):
            batch = due[start : start + batch_size]
            locked = batch._lock_free_for_cron("Renewal")
            locked._renew_due_periods()
            done += len(batch)
            self.env["ir.cron"]._commit_progress(len(batch), remaining=len(due) - done)

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------
    def _renew_due_periods(self):
        """A renewal block per due period of each subscription (missed ones
        too), indexed at anniversaries, then their invoices, in batch."""
        Block = self.env["helpdesk.contract.block"]
        vals_list = []
        moves = {}
        carried = Block
        for profile in self.filtered(lambda p: p.renewal_period and p.renewal_date):
            months = PERIOD_MONTHS[profile.renewal_period]
            anchor = profile.renewal_anchor_date or profile.renewal_date
            starts = blocks_core.due_periods(
                profile.renewal_date,
                profile.company_id._helpdesk_today(),
                months,
                anchor,
            )
            if not starts:
                continue
            for start in starts:
                if profile.indexation_date and start >= profile.indexation_date:
                    profile._apply_indexation()
                vals = {
                    "profile_id": profile.id,
                    "kind": "renewal",
                    "period_start": start,
                    "date_start": start,
                    "date_expiry": Block._default_expiry(profile, start),
                    "hours": profile.prepaid_hours,
                    "amount": profile.amount,
                }
                if profile.carry_over_mode:
                    # Period after period: each carry-over sees the last
                    # period's block.
                    profile._carry_over(start)
                    carried |= self._create_renewal_blocks([vals])
                else:
                    vals_list.append(vals)
            key = (anchor, blocks_core.next_period_start(anchor, starts[-1], months))
            moves.setdefault(key, []).append(profile.id)
        # One write per distinct next date, not one per subscription.
        for (anchor, next_date), profile_ids in moves.items():
            self.browse(profile_ids)._ledger_writer().write(
                {"renewal_anchor_date": anchor, "renewal_date": next_date}
            )
        blocks = self._create_renewal_blocks(vals_list) | carried
        blocks._invoice_renewals()
        # What a carry-over left behind expired: its value is income.
        carried.profile_id._recognize_deferred_revenue(
            label=self.env._("hours above the carry-over cap expired")
        )
        return blocks

    def _create_renewal_blocks(self, vals_list):
        """The blocks, skipping the periods another transaction renewed
        first (the unique index decides)."""
        Block = self.env["helpdesk.contract.block"].sudo()._ledger_writer()
        if not vals_list:
            return Block.browse().sudo(False)
        existing = {
            (block.profile_id.id, block.period_start)
            for block in Block.search(
                [
                    ("profile_id", "in", [vals["profile_id"] for vals in vals_list]),
                    (
                        "period_start",
                        "in",
                        [vals["period_start"] for vals in vals_list],
                    ),
                ]
            )
        }
        vals_list = [
            vals
            for vals in vals_list
            if (vals["profile_id"], vals["period_start"]) not in existing
        ]
        try:
            with self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
                blocks = Block.create(vals_list)
                blocks.flush_recordset()
        except Exception as error:
            if getattr(error, "pgcode", None) != "23505":  # unique_violation
                raise
            _logger.info("Renewal: a period was renewed by another worker")
            return Block.browse().sudo(False)
        return blocks.sudo(False)

    def _apply_indexation(self):
        """The next price applies from this anniversary on; the chatter keeps
        the history."""
        for profile in self:
            old, new = profile.amount, profile.next_amount
            profile.write(
                {
                    "amount": new,
                    "indexation_date": blocks_core.add_months(
                        profile.indexation_date, 12
                    ),
                }
            )
            profile.message_post(
                body=self.env._(
                    "Pack price indexed: %(old)s to %(new)s.",
                    old=profile.currency_id.format(old),
                    new=profile.currency_id.format(new),
                )
            )
