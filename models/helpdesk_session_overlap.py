"""Overlapping sessions and their merge.

A consultant's sessions that overlap are flagged (and searchable); sessions of
one ticket and consultant can be merged into one, so that a reconnection is
billed once.
"""

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..core.timeline import union_seconds


class HelpdeskSession(models.Model):
    _inherit = "helpdesk.session"

    # ------------------------------------------------------------------
    # Fields
    # ------------------------------------------------------------------
    has_overlap = fields.Boolean(
        string="Overlapping",
        compute="_compute_has_overlap",
        search="_search_has_overlap",
        help="Another session of the same consultant overlaps this one.",
    )

    # ------------------------------------------------------------------
    # Compute
    # ------------------------------------------------------------------
    def _compute_has_overlap(self):
        overlapping = set(self._overlapping_ids(self.ids))
        for session in self:
            session.has_overlap = session.id in overlapping

    def _search_has_overlap(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on overlapping sessions."))
        ids = self._overlapping_ids()
        positive = (operator == "=") == value
        return [("id", "in" if positive else "not in", ids)]

    def _overlapping_ids(self, ids=None):
        """Ids of sessions overlapping another session of the same consultant
        (among ``ids`` when given): one query, whatever the number."""
        self.flush_model(["user_id", "date_start", "date_end"])
        restrict = SQL("AND a.id = ANY(%s)", list(ids)) if ids is not None else SQL()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT DISTINCT a.id
                  FROM helpdesk_session a
                  JOIN helpdesk_session b
                    ON b.user_id = a.user_id
                   AND b.id != a.id
                   AND b.date_start < COALESCE(a.date_end, now() at time zone 'UTC')
                   AND a.date_start < COALESCE(b.date_end, now() at time zone 'UTC')
                 WHERE TRUE %s
                """,
                restrict,
            )
        )
        return [row[0] for row in rows]

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_merge(self):
        """Merge the selected sessions of one ticket into the earliest one: a
        reconnection is then billed once. Time between them counts as a pause;
        time where they overlap counts once."""
        if len(self) < 2:
            raise UserError(self.env._("Select at least two sessions to merge."))
        if len(self.ticket_id) > 1:
            raise UserError(
                self.env._("Only sessions of the same ticket can be merged.")
            )
        if len(self.user_id) > 1:
            raise UserError(
                self.env._("Only sessions of the same consultant can be merged.")
            )
        if self.filtered("timer_state") or not all(self.mapped("date_end")):
            raise UserError(
                self.env._(
                    "Stop the running timers before merging: every session "
                    "needs its end."
                )
            )
        self._check_editable()
        sessions = self.sorted("date_start")
        start = sessions[0].date_start
        end = max(s.date_end for s in sessions)
        worked = union_seconds([(s.date_start, s.date_end) for s in sessions]) - sum(
            sessions.mapped("paused_seconds")
        )
        notes = [s.note for s in sessions if s.note]
        devices = list(dict.fromkeys(s.device for s in sessions if s.device))
        keeper = sessions[0]
        # The paused seconds are the timer's: merging is the other writer.
        keeper._ledger_writer().write(
            {
                "date_end": end,
                "paused_seconds": max(int((end - start).total_seconds() - worked), 0),
                "extra_duration": sum(sessions.mapped("extra_duration")),
                "note": "\n".join(notes) or False,
                "device": ", ".join(devices) or False,
            }
        )
        keeper.message_post(
            body=self.env._(
                "Merged %(count)s sessions into this one.", count=len(sessions)
            )
        )
        (sessions - keeper).unlink()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": keeper.id,
            "view_mode": "form",
        }
