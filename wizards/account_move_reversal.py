"""Odoo's reversal wizard and invoices of support sessions: *Reverse and
create invoice* would copy their lines into a new draft billing them again
beside their credit (``models/account_move_support_invariants.py`` keeps the
other invariants)."""

from odoo import models
from odoo.exceptions import UserError


class AccountMoveReversal(models.TransientModel):
    _inherit = "account.move.reversal"

    def reverse_moves(self, is_modify=False):
        # "Reverse and create invoice" copies the lines of sessions into a new
        # draft that would bill them again beside their credit: refused
        # before anything is reversed.
        if is_modify:
            moves = self.move_ids._get_support_moves().filtered(
                lambda m: m._get_support_lines()
            )
            if moves:
                raise UserError(
                    self.env._(
                        "%(move)s bills support sessions: credit it (its sessions "
                        "go back to be invoiced, or are closed, as Settings say) "
                        "and invoice them again with Create invoices, rather than "
                        "reverse it into a new draft.",
                        move=moves[0].display_name,
                    )
                )
        return super().reverse_moves(is_modify=is_modify)
