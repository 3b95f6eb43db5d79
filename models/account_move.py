"""Invoices and support sessions: the *Add support sessions* button of a
draft customer invoice, the *Sessions* button, and what posting, resetting
to draft or cancelling an invoice or a credit note does to its sessions (the
state changes themselves are watched by ``account_move_support_invariants.py``,
which checks what must hold first).

A credit note credits the sessions of the invoice lines it reverses in full
(each credit note line names the invoice line it reverses, set when Odoo
copies the invoice into it), nothing else; resetting it to draft or
cancelling it puts them back on those lines. What happens to the sessions
themselves is in ``helpdesk_session_invoicing.py``.
"""

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command

from .account_analytic_distribution_model import AnalyticDistributionCache
from .helpdesk_ledger_mixin import (
    LEDGER_WRITE,
    LEDGER_WRITE_KEY,
    REVERSAL_KEY,
    SupportReversal,
)


class AccountMove(models.Model):
    _inherit = "account.move"

    helpdesk_session_count = fields.Integer(
        string="Support sessions", compute="_compute_helpdesk_session_count"
    )
    helpdesk_profile_id = fields.Many2one(
        comodel_name="helpdesk.contract.profile",
        string="Support subscription",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The subscription whose pack or recharge this invoice bills, or "
        "whose deferred revenue this entry recognizes.",
    )

    @api.depends(
        "invoice_line_ids.helpdesk_session_ids",
        "invoice_line_ids.helpdesk_credited_session_ids",
    )
    def _compute_helpdesk_session_count(self):
        """Sessions a move bills, credited, or billed before a credit note
        gave them back: the *Sessions* button stays on an invoice and on its
        credit note after a reversal (the same three links as the button's
        list)."""
        Session = self.env["helpdesk.session"].sudo()
        counts = dict.fromkeys(self.ids, 0)
        for fname in ("invoice_id", "credit_note_id", "credited_invoice_id"):
            for move, count in Session._read_group(
                [(fname, "in", self.ids)], [fname], ["__count"]
            ):
                counts[move.id] += count
        for move in self:
            move.helpdesk_session_count = counts.get(move.id, 0)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_add_support_sessions(self):
        """From a draft customer invoice: pick the customer's sessions to bill."""
        self.ensure_one()
        self._check_support_sessions_target()
        if not self.partner_id:
            raise UserError(self.env._("Choose the customer first."))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Add support sessions"),
            "res_model": "helpdesk.session.invoice.add.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_move_id": self.id},
        }

    def _get_action_view_invoices(self):
        """The customer invoices of ``self``: a form for one, a list for more."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        if len(self) == 1:
            action.update(
                {
                    "views": [(self.env.ref("account.view_move_form").id, "form")],
                    "res_id": self.id,
                }
            )
        else:
            action["domain"] = [("id", "in", self.ids)]
        action["context"] = {"default_move_type": "out_invoice", "create": False}
        return action

    def action_view_helpdesk_sessions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "helpdesk_session_billing.helpdesk_session_action"
        )
        action["domain"] = [
            "|",
            "|",
            ("invoice_id", "=", self.id),
            ("credit_note_id", "=", self.id),
            ("credited_invoice_id", "=", self.id),
        ]
        action["context"] = {}
        return action

    def _check_support_sessions_target(self):
        """Refuse, writing nothing, unless ``self`` is a draft customer invoice
        the user may edit: no credit note, vendor bill, posted or cancelled
        move."""
        self.ensure_one()
        if not (
            self.has_access("write")
            and self.env["account.move.line"].has_access("create")
        ):
            raise AccessError(
                self.env._(
                    "Adding support sessions to an invoice takes the right to "
                    "edit invoices (Invoicing): ask your accountant."
                )
            )
        if self.move_type != "out_invoice" or self.state != "draft":
            selection = self._fields["move_type"]._description_selection(self.env)
            states = self._fields["state"]._description_selection(self.env)
            raise UserError(
                self.env._(
                    "Support sessions are added to draft customer invoices only: "
                    "%(move)s is a %(type)s (%(state)s).",
                    move=self.display_name,
                    type=dict(selection)[self.move_type].lower(),
                    state=dict(states)[self.state].lower(),
                )
            )

    def _add_support_sessions(self, sessions, grouping="ticket"):
        """Put ``sessions`` on this draft customer invoice, as new lines at
        their rated cost converted to the invoice's currency on its date, with
        the user's rights (billing manager, and invoicing rights)."""
        self.ensure_one()
        self._check_support_sessions_target()
        sessions._check_rating_rights()
        sessions = sessions._lock_for_invoicing()
        foreign = sessions.filtered(
            lambda s: (
                s.partner_id != self.partner_id.commercial_partner_id
                or s.company_id != self.company_id
            )
        )
        if foreign:
            raise UserError(
                self.env._(
                    "Session %(session)s belongs to another customer or company "
                    "than this invoice.",
                    session=foreign[0].display_name,
                )
            )
        line_groups = sessions._get_invoice_line_groups(grouping)
        date = self._get_invoice_currency_rate_date()
        line_vals_list = []
        for group in line_groups:
            vals = group._prepare_invoice_line_vals()
            vals.update(
                group._get_invoice_line_quantity_vals(
                    group._get_invoice_line_price(
                        self.currency_id, self.company_id, date
                    ),
                    self.currency_id,
                )
            )
            line_vals_list.append(vals)
        before = self.invoice_line_ids
        self.with_context(
            helpdesk_distribution_cache=AnalyticDistributionCache()
        ).write({"invoice_line_ids": [Command.create(v) for v in line_vals_list]})
        sessions._link_invoice_lines(
            (self.invoice_line_ids - before).sorted("id"), line_groups
        )

    # ------------------------------------------------------------------
    # Business: cancel and credit notes
    # ------------------------------------------------------------------
    def _get_support_credits(self):
        """{(credit note, invoice line): sessions} the posted credit notes of
        ``self`` credited: leaving posted (reset to draft, or cancelled), they
        credit nothing and their sessions go back on those lines (checked
        first by ``_check_credit_note_undo``, done by
        ``_undo_support_credits``). Several lines of a credit note may
        reverse one invoice line."""
        credit_lines = self.sudo().invoice_line_ids.filtered(
            "helpdesk_credited_session_ids"
        )
        return {
            key: lines.helpdesk_credited_session_ids
            for key, lines in credit_lines.grouped(
                lambda line: (line.move_id, line.helpdesk_reversed_line_id)
            ).items()
        }

    @api.model
    def _undo_support_credits(self, credits):
        for (_credit_note, invoice_line), sessions in credits.items():
            sessions._undo_credit_note(invoice_line)
        lines = self.env["account.move.line"].sudo()
        for credit_note, _invoice_line in credits:
            lines |= credit_note.invoice_line_ids.filtered(
                "helpdesk_credited_session_ids"
            )
        lines._helpdesk_ledger_writer().helpdesk_credited_session_ids = [
            Command.clear()
        ]

    def button_cancel(self):
        # A pack or recharge invoice changes its subscription's deferred
        # revenue: locked as rating locks it.
        self.sudo().helpdesk_profile_id.filtered(
            lambda profile: profile.billing_type == "subscription"
        )._lock_for_consumption()
        # A cancelled invoice gives its invoiced sessions back, whatever
        # cancels it (``account_move_support_invariants.py``).
        result = super().button_cancel()
        # A cancelled pack or recharge invoice no longer defers revenue.
        self.sudo().helpdesk_profile_id._recognize_deferred_revenue()
        return result

    def _reverse_moves(self, default_values_list=None, cancel=False):
        """Each credit note line copied from a line of sessions names it (see
        ``account.move.line._copy_data_extend_business_fields``). Credit notes
        of a pack or recharge invoice belong to its subscription too: its
        invoices and deferred revenue include them."""
        # The lines a credit note reversed already, read once.
        lines = self.sudo().invoice_line_ids
        credited = (
            self.env["account.move.line"]
            .sudo()
            .search([("helpdesk_reversed_line_id", "in", lines.ids)])
            .helpdesk_reversed_line_id
        )
        reversal = SupportReversal(credited.ids)
        reverses = (
            super(AccountMove, self.with_context(**{REVERSAL_KEY: reversal}))
            ._reverse_moves(default_values_list, cancel=cancel)
            .with_env(self.env)
        )
        for profile, moves in (
            reverses.sudo()
            .filtered(lambda m: m.reversed_entry_id.helpdesk_profile_id)
            .grouped(lambda m: m.reversed_entry_id.helpdesk_profile_id)
            .items()
        ):
            moves.with_context(
                **{LEDGER_WRITE_KEY: LEDGER_WRITE}
            ).helpdesk_profile_id = profile
        return reverses

    def _post(self, soft=True):
        # A credit note of a pack or recharge invoice changes its
        # subscription's deferred revenue: locked as rating locks it.
        self.filtered(
            lambda m: m.move_type == "out_refund"
        ).reversed_entry_id.sudo().helpdesk_profile_id._lock_for_consumption()
        posted = super()._post(soft=soft)
        # The sessions' history gets the invoice's number (one batch each).
        for invoice in posted.filtered(lambda m: m.move_type == "out_invoice"):
            invoice.sudo().invoice_line_ids.helpdesk_session_ids._log_invoice_posted(
                invoice
            )
        credit_notes = posted.filtered(lambda m: m.move_type == "out_refund")
        credit_notes._credit_support_sessions()
        # A credit note on a pack or recharge invoice takes back deferred
        # revenue: what was recognized of it goes back too.
        credit_notes.reversed_entry_id.sudo().helpdesk_profile_id._recognize_deferred_revenue()
        return posted

    def _credit_support_sessions(self):
        """The posted credit notes of ``self`` credit the invoiced sessions of
        each invoice line they reverse in full; each credit note line records
        the sessions it credited. A line reversed in part, or not at all,
        leaves its sessions invoiced."""
        credited = {}
        for key, credit_lines in self._get_support_reversals().items():
            credit_note, invoice_line = key
            if not credit_note._reverses_in_full(invoice_line, credit_lines):
                continue
            sessions = invoice_line.helpdesk_session_ids.filtered(
                lambda s: s.state == "invoiced"
            )
            if not sessions:
                continue
            credited[credit_note] = sessions | credited.get(credit_note, sessions)
            credit_lines._helpdesk_ledger_writer().helpdesk_credited_session_ids = [
                Command.set(sessions.ids)
            ]
        for credit_note, sessions in credited.items():
            sessions._apply_credit_note(credit_note)

    def _get_support_reversals(self):
        """{(credit note, invoice line): the lines of that credit note of
        ``self`` reversing that line of sessions} (several lines of a credit
        note may reverse one invoice line)."""
        lines = self.sudo().invoice_line_ids.filtered("helpdesk_reversed_line_id")
        return lines.grouped(
            lambda line: (line.move_id, line.helpdesk_reversed_line_id)
        )

    def _reverses_in_full(self, invoice_line, credit_lines):
        """Whether ``credit_lines`` of this credit note reverse the whole of
        ``invoice_line``: a line of the posted invoice the credit note
        reverses, the same untaxed amount in the same currency."""
        self.ensure_one()
        currency = invoice_line.currency_id
        return (
            invoice_line.move_id == self.reversed_entry_id
            and invoice_line.parent_state == "posted"
            and credit_lines.currency_id == currency
            and not currency.compare_amounts(
                sum(credit_lines.mapped("price_subtotal")),
                invoice_line.price_subtotal,
            )
        )
