"""What every invoice and credit note carrying support sessions keeps true,
checked where accounting makes its facts: when a move changes state (posted,
reset to draft, cancelled, whatever called it) and when its customer,
company, currency or type changes.

- A session is carried by at most one invoice line that is not cancelled,
  and its state says so: invoiced on that line, rated once the line is gone.
- A line carrying sessions is on a customer invoice (never a credit note) of
  the sessions' company and commercial partner, for their rated cost (in the
  company's currency: a foreign currency is converted at the invoice's rate).
- A credit note reverses a line of sessions whole, or not at all.
- A cancelled invoice remembers the sessions it gave back: reset to draft, it
  takes them again, unless another invoice bills them now.

A move that would break them is refused, naming the sessions and the other
document, before anything is written.
"""

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tools import SQL

# Header fields the sessions' lines depend on.
SUPPORT_HEADER_FIELDS = frozenset(
    {"partner_id", "commercial_partner_id", "company_id", "currency_id", "move_type"}
)


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    helpdesk_released_session_ids = fields.Many2many(
        comodel_name="helpdesk.session",
        relation="helpdesk_session_released_line_rel",
        column1="line_id",
        column2="session_id",
        string="Released support sessions",
        readonly=True,
        copy=False,
        help="On a cancelled invoice: the sessions this line billed before it "
        "was cancelled. Reset to draft, the invoice bills them again.",
    )

    def _get_support_credit_lines(self):
        """{line of ``self``: the lines of posted credit notes reversing it},
        in one search; lines no posted credit note reverses are left out."""
        credit_lines = (
            self.env["account.move.line"]
            .sudo()
            .search(
                [
                    ("helpdesk_reversed_line_id", "in", self.ids),
                    ("parent_state", "=", "posted"),
                ]
            )
        )
        return credit_lines.grouped("helpdesk_reversed_line_id")

    def _get_support_billed_amount(self):
        """What the line asks for its sessions, as they were priced: quantity
        times unit price, less its discount (a tax included in the price
        included too, as the sessions' cost is the price)."""
        self.ensure_one()
        return self.currency_id.round(
            self.quantity * self.price_unit * (1 - (self.discount or 0.0) / 100.0)
        )


class AccountMove(models.Model):
    _inherit = "account.move"

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    def write(self, vals):
        if "state" not in vals and not SUPPORT_HEADER_FIELDS.intersection(vals):
            return super().write(vals)
        moves = self._get_support_moves()
        if not moves:
            return super().write(vals)
        moves._check_support_header_change(vals)
        state = vals.get("state")
        empty = self.browse()
        changing = moves.filtered(lambda m: m.state != state) if state else empty
        cancelled = changing if state == "cancel" else empty
        posted = changing if state == "posted" else empty
        uncancelled = changing.filtered(lambda m: m.state == "cancel")
        # The credit notes' side (credited sessions back on their invoice
        # lines) is ``account_move.py``'s, for the same state changes.
        credits = changing.filtered(
            lambda m: m.move_type == "out_refund" and m.state == "posted"
        )._get_support_credits()
        posted._check_support_invariants()
        changing.filtered(
            lambda m: m.move_type == "out_invoice" and m.state == "posted"
        )._check_support_uncredited()
        uncancelled._check_support_uncancel()
        for (credit_note, invoice_line), sessions in credits.items():
            sessions._check_credit_note_undo(credit_note, invoice_line)
        released = cancelled._get_support_sessions_to_release()
        result = super().write(vals)
        self.env["account.move"]._undo_support_credits(credits)
        self.env["account.move"]._release_support_sessions(released)
        uncancelled._rebill_released_sessions()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_void_sold_blocks(self):
        # Hours bought on a deleted invoice were never bought (a pack's,
        # until a new pack invoice sells them).
        blocks = (
            self.env["helpdesk.contract.block"]
            .sudo()
            .search([("invoice_id", "in", self.ids)])
        )
        blocks._ledger_writer().invoice_deleted = True

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------
    def _get_support_moves(self):
        """The moves of ``self`` with lines of sessions (billing, crediting or
        released ones), in one query: most moves have none."""
        ids = [move_id for move_id in self.ids if isinstance(move_id, int)]
        if not ids:
            return self.browse()
        self.env["account.move.line"].flush_model(
            ["move_id", "helpdesk_reversed_line_id"]
        )
        self.env["helpdesk.session"].flush_model(["invoice_line_id"])
        rows = self.env.execute_query(
            SQL(
                """
                SELECT DISTINCT line.move_id
                  FROM account_move_line line
                 WHERE line.move_id = ANY(%(ids)s)
                   AND (line.helpdesk_reversed_line_id IS NOT NULL
                        OR EXISTS (SELECT 1 FROM helpdesk_session s
                                    WHERE s.invoice_line_id = line.id)
                        OR EXISTS (SELECT 1 FROM account_move_line c
                                    WHERE c.helpdesk_reversed_line_id = line.id)
                        OR EXISTS (SELECT 1
                                     FROM helpdesk_session_released_line_rel r
                                    WHERE r.line_id = line.id)
                        OR EXISTS (SELECT 1
                                     FROM helpdesk_session_credit_note_line_rel c
                                    WHERE c.line_id = line.id))
                """,
                ids=ids,
            )
        )
        return self.browse(row[0] for row in rows)

    def _get_support_lines(self):
        """{line: its sessions} of the invoice lines of ``self`` carrying
        sessions (as superuser: the checks read what the user may not)."""
        lines = self.sudo().invoice_line_ids.filtered("helpdesk_session_ids")
        return {line: line.helpdesk_session_ids for line in lines}

    def _check_support_header_change(self, vals):
        """Refuse moving a draft's lines of sessions to another customer,
        company, currency or type of document: the sessions stay where their
        tariff and their company put them."""
        partner = self.env["res.partner"].browse(vals.get("partner_id"))
        company = self.env["res.company"].browse(vals.get("company_id"))
        for line, sessions in self._get_support_lines().items():
            move = line.move_id
            session = sessions[0]
            if "partner_id" in vals and (
                partner.commercial_partner_id != sessions.partner_id
            ):
                reason = self.env._(
                    "they are %(customer)s's, not %(other)s's",
                    customer=sessions.partner_id[:1].display_name,
                    other=partner.display_name or self.env._("nobody"),
                )
            elif "company_id" in vals and company != session.company_id:
                reason = self.env._(
                    "they are %(company)s's", company=session.company_id.name
                )
            elif "currency_id" in vals and vals["currency_id"] != move.currency_id.id:
                reason = self.env._(
                    "their line bills their cost in %(currency)s",
                    currency=move.currency_id.name,
                )
            elif "move_type" in vals and vals["move_type"] != "out_invoice":
                reason = self.env._(
                    "sessions are billed on customer invoices only (a credit note "
                    "credits them by reversing their invoice)"
                )
            else:
                continue
            raise UserError(
                self.env._(
                    "%(move)s bills support sessions (%(session)s and %(count)s "
                    "in all): %(reason)s. Remove their lines first (the sessions "
                    "go back to be invoiced), then add them to the right "
                    "document.",
                    move=move.display_name,
                    session=session.display_name,
                    count=len(sessions),
                    reason=reason,
                )
            )

    def _check_support_invariants(self):
        """Before ``self`` is posted: each line of sessions is on a customer
        invoice of their company and commercial partner, carries sessions
        invoiced on it, and bills their rated cost; each credit note line
        reversing a line of sessions reverses all of it."""
        for line, sessions in self._get_support_lines().items():
            move = line.move_id
            problem = None
            if move.move_type != "out_invoice":
                problem = self.env._("it is not a customer invoice")
            elif sessions.company_id != move.company_id:
                problem = self.env._("the sessions are another company's")
            elif sessions.partner_id != move.commercial_partner_id:
                problem = self.env._(
                    "the sessions are %(customer)s's",
                    customer=sessions.partner_id[:1].display_name,
                )
            elif sessions.filtered(
                lambda s, line=line: s.state != "invoiced" or s.invoice_line_id != line
            ):
                problem = self.env._("the sessions are not invoiced on this line")
            elif move.currency_id == move.company_id.currency_id and (
                move.currency_id.compare_amounts(
                    line._get_support_billed_amount(), sum(sessions.mapped("cost"))
                )
            ):
                problem = self.env._(
                    "the line bills %(billed)s where the sessions cost %(cost)s",
                    billed=line._get_support_billed_amount(),
                    cost=move.currency_id.round(sum(sessions.mapped("cost"))),
                )
            if problem:
                raise UserError(
                    self.env._(
                        "%(move)s cannot be posted: its line %(line)s bills "
                        "support sessions (%(session)s and %(count)s in all) and "
                        "%(problem)s. Remove the line (the sessions go back to be "
                        "invoiced) and add them again.",
                        move=move.display_name,
                        line=line.name or "",
                        session=sessions[0].display_name,
                        count=len(sessions),
                        problem=problem,
                    )
                )
        reversals = self.filtered(
            lambda m: m.move_type == "out_refund"
        )._get_support_reversals()
        Line = self.env["account.move.line"]
        posted_credits = (
            Line.union(
                *(invoice_line for _credit_note, invoice_line in reversals)
            )._get_support_credit_lines()
            if reversals
            else {}
        )
        for (credit_note, invoice_line), lines in reversals.items():
            other = posted_credits.get(invoice_line, Line) - lines
            if other:
                raise UserError(
                    self.env._(
                        "%(credit_note)s cannot be posted: the line of support "
                        "sessions of %(invoice)s it reverses is credited by "
                        "%(other)s already. Reset that credit note to draft "
                        "first, or remove this line.",
                        credit_note=credit_note.display_name,
                        invoice=invoice_line.move_id.display_name,
                        other=other[0].move_id.display_name,
                    )
                )
            sessions = invoice_line.helpdesk_session_ids
            if sessions and not credit_note._reverses_in_full(invoice_line, lines):
                raise UserError(
                    self.env._(
                        "%(credit_note)s credits %(credited)s of the line of "
                        "support sessions of %(invoice)s (%(session)s and "
                        "%(count)s in all), which bills %(billed)s: a line of "
                        "sessions is credited whole (its sessions go back to be "
                        "invoiced) or not at all. For a gesture, credit a line of "
                        "its own.",
                        credit_note=credit_note.display_name,
                        credited=sum(lines.mapped("price_subtotal")),
                        invoice=invoice_line.move_id.display_name,
                        session=sessions[0].display_name,
                        count=len(sessions),
                        billed=invoice_line.price_subtotal,
                    )
                )

    def _check_support_uncredited(self):
        """Refuse taking back (reset to draft, cancel) a posted invoice whose
        lines of sessions a posted credit note credits: the credit would
        stand alone, a refund of nothing billed."""
        credited = self.sudo().invoice_line_ids._get_support_credit_lines()
        for line, credits in credited.items():
            if credits:
                raise UserError(
                    self.env._(
                        "%(invoice)s cannot be reset or cancelled: credit note "
                        "%(credit_note)s credits its support sessions. Reset the "
                        "credit note to draft first.",
                        invoice=line.move_id.display_name,
                        credit_note=credits[0].move_id.display_name,
                    )
                )

    def _get_support_sessions_to_release(self):
        """{line: sessions} the cancelled moves of ``self`` give back."""
        return {
            line: sessions.filtered(lambda s: s.state == "invoiced")
            for line, sessions in self._get_support_lines().items()
        }

    @api.model
    def _release_support_sessions(self, released):
        """The sessions of ``released`` ({line: sessions}, of cancelled
        invoices) are to invoice again; each line remembers its own, all
        written in one statement (a cancelled invoice of a line per session
        has as many lines as sessions)."""
        pairs = [
            (line.id, session_id)
            for line, sessions in released.items()
            for session_id in sessions.ids
        ]
        if not pairs:
            return
        self.env.execute_query(
            SQL(
                """
                INSERT INTO helpdesk_session_released_line_rel (line_id, session_id)
                SELECT * FROM unnest(%s::int4[], %s::int4[])
                ON CONFLICT DO NOTHING
                """,
                [line_id for line_id, _session_id in pairs],
                [session_id for _line_id, session_id in pairs],
            )
        )
        self.env["account.move.line"].invalidate_model(
            ["helpdesk_released_session_ids"]
        )
        sessions = self.env["helpdesk.session"].sudo().union(*released.values())
        sessions._release_from_invoice()

    def _check_support_uncancel(self):
        """Refuse resetting a cancelled invoice to draft while another invoice
        bills the sessions it gave back (they would be billed twice)."""
        lines = self.sudo().invoice_line_ids.filtered("helpdesk_released_session_ids")
        for line in lines:
            taken = line.helpdesk_released_session_ids.filtered(
                lambda s: s.state != "rated" or s.invoice_line_id
            )
            if taken:
                session = taken[0]
                where = session.invoice_id or session.credit_note_id
                raise UserError(
                    self.env._(
                        "%(move)s cannot go back to draft: the support session "
                        "%(session)s it billed before it was cancelled is "
                        "%(state)s%(where)s now. Cancel or credit that first, or "
                        "bill the customer on a new invoice.",
                        move=line.move_id.display_name,
                        session=session.display_name,
                        state=session._state_label(session.state),
                        where=(
                            self.env._(" on %(doc)s", doc=where.display_name)
                            if where
                            else ""
                        ),
                    )
                )

    def _rebill_released_sessions(self):
        """Cancelled invoices of ``self`` reset to draft bill again the
        sessions they gave back (checked by ``_check_support_uncancel``)."""
        lines = (
            self.sudo()
            .filtered(lambda m: m.state == "draft")
            .invoice_line_ids.filtered("helpdesk_released_session_ids")
        )
        if not lines:
            return
        groups = [line.helpdesk_released_session_ids for line in lines]
        sessions = self.env["helpdesk.session"].sudo().union(*groups)
        sessions._link_invoice_lines(lines, groups)
        lines._helpdesk_ledger_writer().helpdesk_released_session_ids = [
            Command.clear()
        ]
