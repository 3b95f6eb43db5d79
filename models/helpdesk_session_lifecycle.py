"""A session's life cycle: its states, the moves allowed between them, and the
one way they change.

    draft --rate--> rated --mark invoiced--> invoiced --mark credited--> credited
      ^               |  ^                      |
      +----unrate-----+  +--release from invoice (or credit note, rebill)--+

Only a draft session changes. Rating, unrating, invoicing and crediting are
the module's own transitions: each checks its caller's rights, then writes
through ``_ledger_writer()`` (``helpdesk_ledger_mixin.py``), whose context
holds a Python object no client can send over RPC. The state and every
billing figure written any other way are refused, whoever the user and
whatever the context (the table of ``helpdesk_ledger_fields.py``).
"""

from odoo import api, fields, models
from odoo.exceptions import UserError

# state -> the states a session may move to from it.
SESSION_TRANSITIONS = {
    "draft": frozenset({"rated"}),  # rate
    "rated": frozenset({"draft", "invoiced"}),  # unrate, mark invoiced
    # release from invoice (line removed, invoice cancelled or fully credited
    # to bill again); mark credited (fully credited, closed)
    "invoiced": frozenset({"rated", "credited"}),
    # its credit note reset to draft or cancelled
    "credited": frozenset({"invoiced"}),
}


class HelpdeskSession(models.Model):
    _inherit = ["helpdesk.session", "helpdesk.ledger.mixin"]
    _name = "helpdesk.session"

    # ------------------------------------------------------------------
    # Fields
    # ------------------------------------------------------------------
    state = fields.Selection(
        selection=[
            ("draft", "To rate"),
            ("rated", "Rated"),
            ("invoiced", "Invoiced"),
            ("credited", "Credited"),
        ],
        default="draft",
        required=True,
        index=True,
        copy=False,
        # Not tracked: the history is logged per batch (helpdesk_session_history.py).
    )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    def copy(self, default=None):
        """A duplicate keeps the timer's paused seconds (its duration): the
        copy writes them as the module does, the caller's ``default`` may set
        no protected field."""
        self._check_ledger_fields(default or {})
        copies = super(HelpdeskSession, self._ledger_writer()).copy(default)
        return copies.with_env(self.env)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_locked(self):
        self._check_editable()

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------
    def _check_transition(self, target):
        """Refuse, naming the first one, if a session of ``self`` may not move
        to ``target`` from its state."""
        stuck = self.filtered(
            lambda session: target not in SESSION_TRANSITIONS[session.state]
        )
        if stuck:
            raise UserError(
                self.env._(
                    "Session %(session)s is %(state)s: it cannot become %(target)s.",
                    session=stuck[0].display_name,
                    state=self._state_label(stuck[0].state),
                    target=self._state_label(target),
                )
            )

    def _change_state(
        self, target, vals=None, *, document=None, note=None, log=True, vals_by_id=None
    ):
        """The one writer of ``state``: move ``self`` to ``target`` (checked
        against SESSION_TRANSITIONS) with the transition's other values:
        ``vals`` for all and, with ``vals_by_id`` (``{session id: values}``),
        each session its own, written in bulk (a month of ratings). It is
        logged in the sessions' history (unless ``log`` is False: the caller
        logs the whole batch at once) with ``document`` and ``note``."""
        self._check_transition(target)
        if log:
            self._log_state_change(target, document=document, note=note)
        writer = self.sudo()._ledger_writer()
        if vals_by_id is None:
            writer.write({**(vals or {}), "state": target})
            return
        missing = set(self.ids) - set(vals_by_id)
        if missing:
            raise ValueError(f"Sessions without values: {sorted(missing)}")
        writer._ledger_write_rows(
            {
                session_id: {**(vals or {}), **vals_by_id[session_id], "state": target}
                for session_id in self.ids
            }
        )

    def _check_ledger_write(self, vals):
        result = super()._check_ledger_write(vals)
        self._check_editable()
        return result

    def _check_editable(self):
        """Only sessions to rate change or go away."""
        locked = self.filtered(lambda session: session.state != "draft")
        if locked:
            raise UserError(
                self.env._(
                    "Session %(session)s is %(state)s: it can no longer be changed "
                    "or deleted.",
                    session=locked[0].display_name,
                    state=self._state_label(locked[0].state),
                )
            )

    def _state_label(self, state):
        """``state`` as the messages say it: its label, in lower case."""
        labels = dict(self._fields["state"]._description_selection(self.env))
        return labels[state].lower()
