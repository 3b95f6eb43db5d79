"""Paid before use: a block becomes usable when its invoice is paid, and stops
being usable when it no longer is.

The switch happens with the payment, in the same transaction: an invoice's
``payment_state`` (a stored computed field, recomputed by reconciliation, by
a payment validated without a journal entry, by an unreconciliation or a
payment reset or cancelled) is watched here, and the invoices whose state
crossed the paid line are handled together just before the transaction
commits (a ``precommit`` callback, after the accounting has settled). Then,
for the subscriptions concerned (those no other user is rating right now;
the others at their next rating, which does the same first):

- paid: the sessions that went into the negative balance meanwhile are
  allocated to the block (and to the other usable ones), their deferred
  revenue recognized; sessions priced at the overage profile stay overage;
- no longer paid: what the block's sessions took from it goes back to the
  negative balance (then to the other usable blocks, if any), its revenue
  back to deferred, until the invoice is paid again.
"""

from odoo import models

from ..core.tariff import format_hours
from .helpdesk_contract_profile_topup import PAID_STATES

# precommit data: the invoices whose payment state crossed the paid line.
PENDING_KEY = "helpdesk_session_billing.block_payments"


class AccountMove(models.Model):
    _inherit = "account.move"

    def _compute_payment_state(self):
        watched = [
            move
            for move in self
            if isinstance(move.id, int) and move.helpdesk_profile_id
        ]
        before = {move.id: move.payment_state in PAID_STATES for move in watched}
        result = super()._compute_payment_state()
        crossed = {
            move.id
            for move in watched
            if (move.payment_state in PAID_STATES) != before[move.id]
        }
        if crossed:
            self._helpdesk_queue_block_payments(crossed)
        return result

    def _helpdesk_queue_block_payments(self, move_ids):
        """Handle the blocks of ``move_ids`` before the transaction commits
        (once, whatever the number of recomputations)."""
        precommit = self.env.cr.precommit
        pending = precommit.data.get(PENDING_KEY)
        if pending is None:
            pending = precommit.data[PENDING_KEY] = set()
            env = self.env

            def _switch_block_payments():
                move_ids = precommit.data.pop(PENDING_KEY, set())
                if move_ids:
                    env["account.move"].browse(move_ids)._helpdesk_switch_blocks()

            precommit.add(_switch_block_payments)

        pending.update(move_ids)

    def _helpdesk_switch_blocks(self):
        """The blocks these invoices sold become usable (paid) or stop being
        usable (no longer paid), for paid-before-use subscriptions."""
        blocks = (
            self.env["helpdesk.contract.block"]
            .sudo()
            .search(
                [
                    ("invoice_id", "in", self.ids),
                    ("state", "=", "active"),
                    ("profile_id.pay_before_use", "=", True),
                ]
            )
        )
        profiles = blocks.profile_id
        if not profiles:
            return
        # A subscription someone is rating now is left to that rating's next
        # one (it syncs first): the payment never fails for it.
        locked = profiles._lock_free_for_cron("Paid before use")
        locked._switch_paid_blocks(blocks.filtered(lambda b: b.profile_id in locked))


class HelpdeskContractProfile(models.Model):
    _inherit = "helpdesk.contract.profile"

    def _sync_block_usability(self):
        released = self._release_unpaid_blocks()
        return released | super()._sync_block_usability()

    def _release_unpaid_blocks(self):
        """What the sessions took from blocks whose invoice is no longer paid
        (paid before use), or was cancelled or deleted (void, for every
        subscription), goes back to no block: the balance owes it until the
        invoice is paid again (or stands again). Returns the rows."""
        Allocation = self.env["helpdesk.contract.block.allocation"]
        blocks = self.filtered(
            lambda p: p.billing_type == "subscription"
        ).block_ids.filtered(
            lambda b: (
                b.state == "active"
                and b.consumed_minutes
                and (b.is_void or (b.profile_id.pay_before_use and not b._is_paid()))
            )
        )
        if not blocks:
            return Allocation
        groups = Allocation.sudo()._read_group(
            [("block_id", "in", blocks.ids)],
            ["profile_id", "session_id", "block_id"],
            ["minutes:sum"],
        )
        vals_list = []
        for profile, session, block, minutes in groups:
            if not minutes:
                continue
            vals_list += Allocation._prepare_transfer_vals_list(
                profile.id,
                session.id,
                minutes,
                from_block_id=block.id,
                to_block_id=False,
                move_type="unpaid",
            )
        if not vals_list:
            return Allocation
        return Allocation.sudo()._ledger_writer().create(vals_list).sudo(False)

    def _switch_paid_blocks(self, blocks):
        """Under the subscriptions' row lock: ``blocks`` (their invoice just
        paid, or no longer) switch; the minutes move, the revenue follows,
        the chatter says so."""
        profiles = self.sudo()
        moved = profiles._sync_block_usability()
        profiles._recognize_deferred_revenue()
        profiles._check_low_balance()
        settled, released = {}, {}
        for row in moved.sudo():
            if row.block_id and row.move_type == "settled":
                settled[row.profile_id] = settled.get(row.profile_id, 0) + row.minutes
            elif not row.block_id and row.move_type == "unpaid":
                released[row.profile_id] = released.get(row.profile_id, 0) + row.minutes
        messages = {}
        for block in blocks.sudo():
            profile = block.profile_id
            if block._is_paid():
                text = self.env._(
                    "%(block)s is usable: its invoice %(invoice)s is paid.",
                    block=block._get_label(),
                    invoice=block.invoice_id.display_name,
                )
            else:
                text = self.env._(
                    "%(block)s is no longer usable: its invoice %(invoice)s is "
                    "not paid any more.",
                    block=block._get_label(),
                    invoice=block.invoice_id.display_name,
                )
            messages.setdefault(profile.id, []).append(text)
        for profile in profiles:
            lines = messages.get(profile.id, [])
            if settled.get(profile):
                lines.append(
                    self.env._(
                        "%(hours)s h overdrawn taken from the blocks usable now.",
                        hours=format_hours(settled[profile] / 60.0),
                    )
                )
            if released.get(profile):
                lines.append(
                    self.env._(
                        "%(hours)s h its sessions had taken are owed again "
                        "(negative balance) until it is paid.",
                        hours=format_hours(released[profile] / 60.0),
                    )
                )
            if lines:
                messages[profile.id] = " ".join(lines)
        profiles._message_log_batch(
            {pid: text for pid, text in messages.items() if isinstance(text, str)}
        )
