"""A session's life cycle: its states, the moves allowed between them, and the
one way they change.

    draft --rate--> rated --mark invoiced--> invoiced --mark credited--> credited
      ^               |  ^                      |
      +----unrate-----+  +--release from invoice (or credit note, rebill)--+

Only a draft session changes. Rating, unrating, invoicing and crediting are
the module's own transitions: each checks its caller's rights, then writes
through ``_ledger_writer()``, whose context holds a Python object no client can
send over RPC. A ``state`` written any other way is refused.
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
    "credited": frozenset(),
}

# The context key of the module's own transitions, and its value: a plain
# object, which no JSON or XML-RPC client can build.
LEDGER_WRITE_KEY = "helpdesk_ledger_write"
LEDGER_WRITE = object()


class HelpdeskSession(models.Model):
    _inherit = "helpdesk.session"

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
        tracking=True,
    )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        if not self._is_ledger_write() and any(
            vals.get("state", "draft") != "draft" for vals in vals_list
        ):
            raise UserError(
                self.env._("A session is created to rate: rating sets its state.")
            )
        return super().create(vals_list)

    def write(self, vals):
        if not self._is_ledger_write():
            if "state" in vals:
                raise UserError(
                    self.env._(
                        "A session's state changes only by rating, unrating, "
                        "invoicing or crediting it."
                    )
                )
            self._check_editable()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_locked(self):
        self._check_editable()

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------
    def _is_ledger_write(self):
        return self.env.context.get(LEDGER_WRITE_KEY) is LEDGER_WRITE

    def _ledger_writer(self):
        """``self`` as the module's transitions write it: as superuser (callers
        check rights first), past the lock, without tracking."""
        return self.sudo().with_context(
            **{LEDGER_WRITE_KEY: LEDGER_WRITE}, mail_notrack=True
        )

    def _check_transition(self, target):
        """Refuse, naming the first one, if a session of ``self`` may not move
        to ``target`` from its state."""
        stuck = self.filtered(
            lambda session: target not in SESSION_TRANSITIONS[session.state]
        )
        if stuck:
            labels = dict(self._fields["state"]._description_selection(self.env))
            raise UserError(
                self.env._(
                    "Session %(session)s is %(state)s: it cannot become %(target)s.",
                    session=stuck[0].display_name,
                    state=labels[stuck[0].state].lower(),
                    target=labels[target].lower(),
                )
            )

    def _change_state(self, target, vals=None):
        """The one writer of ``state``: move ``self`` to ``target`` (checked
        against SESSION_TRANSITIONS) with the transition's other values."""
        self._check_transition(target)
        self._ledger_writer().write({**(vals or {}), "state": target})

    def _check_editable(self):
        """Only sessions to rate change or go away."""
        locked = self.filtered(lambda session: session.state != "draft")
        if locked:
            raise UserError(
                self.env._(
                    "Session %(session)s is %(state)s: it can no longer be changed "
                    "or deleted.",
                    session=locked[0].display_name,
                    state=dict(self._fields["state"]._description_selection(self.env))[
                        locked[0].state
                    ].lower(),
                )
            )
