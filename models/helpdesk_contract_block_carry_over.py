"""Carry-over of unused hours at renewal.

A subscription renewed periodically may carry its unused hours over to the
next period, up to a cap (hours, or a percentage of the period's hours): at
each renewal, the period blocks still active (pack, renewals, carry-overs)
end; what they have left is carried, first to expire first, up to the cap,
into one *carry-over* block valid for the new period, and the rest expires.
The value carried moves with the hours (``carried_out_amount`` leaves the
source block, ``carried_in_amount`` is the new block's), so the deferred
balance stays the value of the unexpired remaining hours.
"""

import math

from odoo import api, fields, models
from odoo.tools import float_round

from ..core import blocks as blocks_core

CARRIED_KINDS = ("pack", "renewal", "carry_over")


class HelpdeskContractBlock(models.Model):
    _inherit = "helpdesk.contract.block"

    carried_out_minutes = fields.Float(
        readonly=True,
        digits=(16, 2),
        help="Minutes carried over to the next period's carry-over block.",
    )
    carried_out_amount = fields.Monetary(
        currency_field="currency_id",
        readonly=True,
        help="The value of the minutes carried over, moved to the carry-over block.",
    )
    carried_in_amount = fields.Monetary(
        currency_field="currency_id",
        readonly=True,
        help="A carry-over block: the value of the hours it carries.",
    )

    @api.depends("carried_out_minutes")
    def _compute_remaining(self):
        result = super()._compute_remaining()
        for block in self.filtered("carried_out_minutes"):
            block.remaining_minutes -= block.carried_out_minutes
            block.remaining_hours = block.remaining_minutes / 60.0
        return result

    def _get_deferred_value(self):
        self.ensure_one()
        if self.kind == "carry_over":
            return self.carried_in_amount
        return super()._get_deferred_value() - self.carried_out_amount


class HelpdeskContractProfile(models.Model):
    _inherit = "helpdesk.contract.profile"

    carry_over_mode = fields.Selection(
        [("hours", "Up to hours"), ("percent", "Up to a % of the period's hours")],
        string="Carry over unused hours",
        help="At renewal, the unused hours of the period go to the next one, "
        "up to the cap; the rest expires. Empty: nothing is carried (the "
        "blocks keep their own expiry).",
    )
    carry_over_cap = fields.Float(
        string="Carry-over cap",
        digits=(16, 2),
        help="Hours, or a percentage of the pack's hours.",
    )

    @api.depends("block_ids.carried_out_minutes")
    def _compute_balance(self):
        result = super()._compute_balance()
        groups = self.env["helpdesk.contract.block"]._read_group(
            [("profile_id", "in", self.ids), ("carried_out_minutes", "!=", 0)],
            ["profile_id"],
            ["carried_out_minutes:sum"],
        )
        carried = {profile.id: minutes for profile, minutes in groups}
        for profile in self:
            if profile.billing_type == "subscription" and profile._origin.id:
                profile.remaining_hours -= carried.get(profile._origin.id, 0.0) / 60.0
        return result

    @api.depends("block_ids.carried_out_amount", "block_ids.carried_in_amount")
    def _compute_deferred_amounts(self):
        return super()._compute_deferred_amounts()

    def _deferred_block_values(self):
        # A block's carried-out minutes and value are the carry-over block's.
        self.ensure_one()
        return [
            blocks_core.BlockValue(
                minutes=block.hours * 60.0 - block.carried_out_minutes,
                amount=block._get_deferred_value(),
                used=block.consumed_minutes + block.expired_minutes,
            )
            for block in self.block_ids
        ]

    def _get_carry_over_cap_minutes(self):
        self.ensure_one()
        if self.carry_over_mode == "percent":
            return self.prepaid_hours * 60.0 * self.carry_over_cap / 100.0
        return self.carry_over_cap * 60.0

    def _carry_over(self, period_start):
        """End the period blocks before ``period_start``: carry what they
        have left, first to expire first, up to the cap, into a new
        carry-over block; expire the rest. Returns the new block."""
        self.ensure_one()
        Block = self.env["helpdesk.contract.block"]
        sources = self.block_ids.filtered(
            lambda b: (
                b.state == "active"
                and b.kind in CARRIED_KINDS
                and b.date_start < period_start
            )
        )
        if not sources:
            return Block
        # Whole hundredths of an hour: the block's hours hold two digits.
        cap = self._get_carry_over_cap_minutes()
        left = math.floor(max(cap, 0.0) / 0.6 + 1e-9) * 0.6
        order = {
            key.key: index
            for index, key in enumerate(
                sorted(sources._to_core(), key=blocks_core.Block.sort_key)
            )
        }
        carried_total = 0.0
        carried_value = 0.0
        writer = Block.sudo()._ledger_writer()
        for block in sources.sorted(lambda b: order[b.id]):
            remaining = max(block.remaining_minutes, 0.0)
            carried = min(remaining, left)
            carried = math.floor(carried / 0.6 + 1e-9) * 0.6
            left -= carried
            minutes = block.hours * 60.0 - block.carried_out_minutes
            value = block._get_deferred_value()
            amount = (
                self.currency_id.round(value * carried / minutes) if minutes else 0.0
            )
            writer.browse(block.id).write(
                {
                    "carried_out_minutes": block.carried_out_minutes + carried,
                    "carried_out_amount": block.carried_out_amount + amount,
                    "expired_minutes": block.expired_minutes + remaining - carried,
                    "state": "expired",
                    "date_expired": period_start,
                }
            )
            carried_total += carried
            carried_value += amount
        if carried_total <= 0:
            return Block
        period_end = blocks_core.add_months(
            period_start, {"month": 1, "quarter": 3, "year": 12}[self.renewal_period]
        )
        carry = writer.create(
            {
                "profile_id": self.id,
                "kind": "carry_over",
                "date_start": period_start,
                "date_expiry": fields.Date.subtract(period_end, days=1),
                "hours": float_round(carried_total / 60.0, precision_digits=2),
                "amount": carried_value,
                "carried_in_amount": carried_value,
            }
        )
        return carry.sudo(False)
