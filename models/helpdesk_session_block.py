"""Which blocks a rated session's prepaid minutes came from.

Called by rating and unrating (``_update_subscription_consumption``) on whole
batches, under the subscriptions' row locks: rating takes each session's
minutes from its subscription's blocks, expiring first then oldest
(``core/blocks.py``), in one ``create``; unrating gives each block back what
the session took from it, in one ``create`` of opposite rows.
"""

from odoo import fields, models

from ..core import blocks as blocks_core


class HelpdeskSession(models.Model):
    _inherit = "helpdesk.session"

    block_allocation_ids = fields.One2many(
        comodel_name="helpdesk.contract.block.allocation",
        inverse_name="session_id",
        string="Prepaid blocks used",
    )

    def _consume_blocks(self, minutes_by_session):
        """Take (positive) or give back (negative) the sessions' prepaid
        minutes from their subscriptions' blocks."""
        taking = {sid: m for sid, m in minutes_by_session.items() if m > 0}
        giving = [sid for sid, m in minutes_by_session.items() if m < 0]
        if giving:
            self.browse(giving)._release_blocks()
        if taking:
            self.browse(list(taking))._allocate_blocks(taking)

    def _allocate_blocks(self, minutes_by_session):
        # Blocks usable since the last rating (a paid invoice, under
        # paid-before-use) first take the minutes overdrawn meanwhile (the
        # payment did, unless the subscription was in use then).
        profile_of = {
            session_id: profile
            for profile, session_ids in self._get_session_ids_by_profile().items()
            for session_id in session_ids
        }
        Profile = self.env["helpdesk.contract.profile"]
        Profile.union(*set(profile_of.values()))._sync_block_usability()
        days = self._local_dates()
        by_profile = {}
        for session in self.sorted(
            lambda s: (s.date_start or fields.Datetime.now(), s.id)
        ):
            profile = profile_of.get(session.id, Profile)
            if profile.billing_type == "subscription":
                by_profile.setdefault(profile, []).append(session)
        vals_list = []
        for profile, sessions in by_profile.items():
            result = blocks_core.allocate(
                profile._get_usable_blocks()._to_core(),
                [
                    blocks_core.Demand(
                        session.id,
                        minutes_by_session.get(session.id, 0),
                        days.get(session.id),
                    )
                    for session in sessions
                ],
            )
            vals_list += [
                {
                    "profile_id": profile.id,
                    "session_id": allocation.session,
                    "block_id": allocation.block or False,
                    "minutes": allocation.minutes,
                    "move_type": "consumed",
                }
                for allocation in result.allocations
            ]
        Allocation = self.env["helpdesk.contract.block.allocation"]
        # The creating user's record is read by the create below unless some
        # earlier step of the rating already cached it: read it here, so the
        # rating's query count does not depend on what ran before.
        self.env.user.mapped("login")
        return Allocation.sudo()._ledger_writer().create(vals_list).sudo(False)

    def _release_blocks(self):
        """Opposite rows of what the sessions still hold, block by block."""
        Allocation = self.env["helpdesk.contract.block.allocation"]
        groups = Allocation.sudo()._read_group(
            [("session_id", "in", self.ids)],
            ["profile_id", "session_id", "block_id"],
            ["minutes:sum"],
        )
        vals_list = [
            {
                "profile_id": profile.id,
                "session_id": session.id,
                "block_id": block.id,
                "minutes": -minutes,
                "move_type": "given_back",
            }
            for profile, session, block, minutes in groups
            if minutes
        ]
        return Allocation.sudo()._ledger_writer().create(vals_list).sudo(False)
