"""A subscription's blocks: the pack's and the recharges' blocks are made with
them; hours overdrawn (a negative balance) are settled by the next block.

The consumption itself (rating, unrating) is ``helpdesk_session_block.py``'s;
the arithmetic ``core/blocks.py``'s.
"""

from odoo import api, fields, models

from ..core import blocks as blocks_core


class HelpdeskContractProfile(models.Model):
    _inherit = "helpdesk.contract.profile"

    # ------------------------------------------------------------------
    # Fields
    # ------------------------------------------------------------------
    block_ids = fields.One2many(
        comodel_name="helpdesk.contract.block",
        inverse_name="profile_id",
        string="Blocks",
    )
    block_count = fields.Integer(compute="_compute_block_count")
    block_validity_months = fields.Integer(
        string="Hours valid for (months)",
        help="Blocks bought from now on expire this many months after they "
        "start (0: never).",
    )
    expired_hours = fields.Float(
        compute="_compute_balance",
        digits=(16, 2),
        help="Hours of the blocks that expired unused.",
    )

    # ------------------------------------------------------------------
    # Compute
    # ------------------------------------------------------------------
    @api.depends("block_ids")
    def _compute_block_count(self):
        groups = self.env["helpdesk.contract.block"]._read_group(
            [("profile_id", "in", self.ids)], ["profile_id"], ["__count"]
        )
        counts = {profile.id: count for profile, count in groups}
        for profile in self:
            profile.block_count = counts.get(profile.id, 0)

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    def write(self, vals):
        result = super().write(vals)
        if {"billing_type", "prepaid_hours", "amount"} & set(vals):
            self._sync_pack_blocks()
        return result

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_view_blocks(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Blocks of %(name)s", name=self.name),
            "res_model": "helpdesk.contract.block",
            "view_mode": "list,form",
            "domain": [("profile_id", "=", self.id)],
            "context": {"default_profile_id": self.id},
        }

    def action_view_balance_history(self):
        """Every movement of the subscription's hours, with the running
        balance ("where did my hours go")."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "helpdesk_session_billing.helpdesk_contract_balance_move_action"
        )
        action["domain"] = [("profile_id", "=", self.id)]
        action["display_name"] = self.env._(
            "Balance history of %(name)s", name=self.name
        )
        return action

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------
    def _sync_pack_blocks(self):
        """The pack's block, for subscriptions with a pack and none yet."""
        profiles = self.filtered(
            lambda p: (
                p.billing_type == "subscription"
                and (p.prepaid_hours or p.amount)
                and not p.block_ids.filtered(lambda b: b.kind == "pack")
            )
        )
        Block = self.env["helpdesk.contract.block"]
        vals_list = []
        for profile in profiles:
            start = profile.date_start or fields.Date.to_date(profile.create_date)
            vals_list.append(
                {
                    "profile_id": profile.id,
                    "kind": "pack",
                    "date_start": start,
                    "date_expiry": Block._default_expiry(profile, start),
                }
            )
        return Block.sudo()._ledger_writer().create(vals_list).sudo(False)

    def _get_usable_blocks(self, day=None):
        """The blocks of this subscription a session of ``day`` may take
        from (a hook: paid-before-use narrows it)."""
        self.ensure_one()
        return self.block_ids.filtered(lambda block: block._is_usable(day))

    def _get_rating_day_balance(self):
        """The balance rating takes sessions from, day by day
        (``core.blocks.DayBalance``): the usable blocks, each serving only the
        sessions of the days it is valid on (a block past its expiry date
        serves no later session, even before the expiry job ran), and what
        is owed (the remaining hours less what those blocks hold: overdrawn
        minutes, minutes held by blocks no longer usable). None for a form
        not saved yet (the profile's balance is then the pack)."""
        self.ensure_one()
        if self.billing_type != "subscription" or not isinstance(self.id, int):
            return None
        blocks = self._get_usable_blocks()
        held = sum(blocks.mapped("remaining_minutes"))
        owed = max(round(held - self.remaining_hours * 60.0, 2), 0.0)
        return blocks_core.DayBalance(
            blocks._to_core(), owed, self.company_id._helpdesk_today()
        )

    def _sync_block_usability(self):
        """Before rating allocates (and when an invoice is paid, or no longer
        is): the blocks now usable take the minutes owed. A hook
        (paid-before-use first gives back what blocks no longer usable
        held). Returns the allocation rows written."""
        return self._settle_overdrawn_minutes()

    def _settle_overdrawn_minutes(self):
        """Minutes no block covered (the balance went negative) are taken from
        the blocks now usable (valid today), oldest sessions first: a row
        giving them back to no block and one taking them from the block.
        Returns the rows."""
        Allocation = self.env["helpdesk.contract.block.allocation"]
        subscriptions = self.filtered(lambda p: p.billing_type == "subscription")
        if not subscriptions:
            return Allocation
        groups = Allocation.sudo()._read_group(
            [("profile_id", "in", subscriptions.ids), ("block_id", "=", False)],
            ["profile_id", "session_id"],
            ["minutes:sum"],
        )
        overdrawn = {}
        for profile, session, minutes in groups:
            if minutes > 0:
                overdrawn.setdefault(profile, []).append((session, minutes))
        vals_list = []
        for profile, items in overdrawn.items():
            items.sort(
                key=lambda item: (
                    item[0].date_start or fields.Datetime.now(),
                    item[0].id,
                )
            )
            blocks = profile._get_usable_blocks()
            # A debt: paid by the blocks valid today, whatever the sessions'
            # days.
            today = profile.company_id._helpdesk_today()
            result = blocks_core.allocate(
                blocks._to_core(),
                [
                    blocks_core.Demand(session.id, minutes, today)
                    for session, minutes in items
                ],
            )
            for allocation in result.allocations:
                if allocation.block is None:
                    continue
                vals_list += Allocation._prepare_transfer_vals_list(
                    profile.id,
                    allocation.session,
                    allocation.minutes,
                    from_block_id=False,
                    to_block_id=allocation.block,
                    move_type="settled",
                )
        if not vals_list:
            return Allocation
        return Allocation.sudo()._ledger_writer().create(vals_list).sudo(False)

    def _migrate_to_blocks(self):
        """Blocks for subscriptions made before blocks existed: the pack's, the
        recharges', then their rated sessions' minutes allocated in date
        order (the post-install hook)."""
        subscriptions = self.filtered(lambda p: p.billing_type == "subscription")
        subscriptions._sync_pack_blocks()
        recharges = subscriptions.recharge_ids.filtered(
            lambda r: not r.correction_of_id and not r.block_ids
        )
        recharges._create_blocks()
        sessions = self.env["helpdesk.session"].search(
            [
                ("profile_id", "in", subscriptions.ids),
                ("state", "in", ("rated", "invoiced")),
                ("prepaid_minutes", "!=", 0),
                ("block_allocation_ids", "=", False),
            ]
        )
        sessions._allocate_blocks(
            {session.id: session.prepaid_minutes for session in sessions}
        )
