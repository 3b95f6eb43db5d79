"""Minutes a session took from a block (or gave back to it).

Append-only: rating adds one row per session and block it took from, an
unrating adds the opposite rows, settling an overdrawn balance moves minutes
from no block (``block_id`` empty: the balance went negative) to the new
block; a block whose invoice is no longer paid (paid before use) gives what
it held back to no block (``unpaid``). A block's consumption is the sum of its
rows, a session's net rows say what to give back to whom.
"""

from odoo import api, fields, models


class HelpdeskContractBlockAllocation(models.Model):
    _name = "helpdesk.contract.block.allocation"
    _description = "Prepaid minutes taken from a block"
    _inherit = ["helpdesk.ledger.mixin"]
    _order = "date, id"
    _check_company_auto = True

    profile_id = fields.Many2one(
        comodel_name="helpdesk.contract.profile",
        string="Subscription",
        required=True,
        readonly=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(
        related="profile_id.company_id", store=True, index=True
    )
    block_id = fields.Many2one(
        comodel_name="helpdesk.contract.block",
        readonly=True,
        ondelete="cascade",
        index=True,
        help="Empty: minutes no block covered (the balance went negative).",
    )
    session_id = fields.Many2one(
        comodel_name="helpdesk.session",
        readonly=True,
        ondelete="set null",
        index=True,
    )
    minutes = fields.Integer(
        readonly=True, help="Taken (positive) or given back (negative)."
    )
    move_type = fields.Selection(
        [
            ("consumed", "Consumed"),
            ("given_back", "Given back"),
            ("settled", "Overdraft settled"),
            ("unpaid", "Payment cancelled"),
        ],
        required=True,
        readonly=True,
    )
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)

    @api.model
    def _prepare_transfer_vals_list(
        self, profile_id, session_id, minutes, *, from_block_id, to_block_id, move_type
    ):
        """The two rows moving ``minutes`` of a session from one block to
        another (``False``: no block, the balance's debt): given back to the
        first, taken from the second."""
        common = {
            "profile_id": profile_id,
            "session_id": session_id,
            "move_type": move_type,
        }
        return [
            {**common, "block_id": from_block_id, "minutes": -minutes},
            {**common, "block_id": to_block_id, "minutes": minutes},
        ]
