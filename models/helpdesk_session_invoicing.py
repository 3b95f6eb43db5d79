"""Invoicing: rated sessions to customer invoice lines, and back.

Owns the invoice values (``_prepare_invoice_vals``,
``_prepare_invoice_line_vals``, as ``sale.order`` does), the grouping of
sessions into lines, the link between a session and its line, and what
happens to sessions when their line goes away, their invoice is cancelled, a
credit note reverses their line (``_apply_credit_note``) or that credit note
is reset to draft or cancelled (``_undo_credit_note``). Which lines a credit
note reverses is decided in ``account_move.py``. The states move through the
transitions of ``helpdesk_session_lifecycle.py``.
"""

import pytz
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import LockError, UserError
from odoo.fields import Domain
from odoo.tools import SQL, float_is_zero, float_round

# How the sessions of an invoice make its lines (the default first), offered
# by both invoicing wizards.
INVOICE_LINE_GROUPINGS = [
    ("ticket", "One line per ticket, listing its sessions"),
    ("session", "One line per session"),
]


class HelpdeskSession(models.Model):
    _inherit = "helpdesk.session"

    # ------------------------------------------------------------------
    # Fields
    # ------------------------------------------------------------------
    invoice_line_id = fields.Many2one(
        comodel_name="account.move.line",
        string="Invoice line",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
    )
    invoice_id = fields.Many2one(
        related="invoice_line_id.move_id", string="Invoice", store=True, index=True
    )
    credit_note_id = fields.Many2one(
        comodel_name="account.move",
        string="Credit note",
        readonly=True,
        copy=False,
        help="The credit note that cancelled the session's invoice.",
    )
    credited_invoice_id = fields.Many2one(
        comodel_name="account.move",
        string="Credited invoice",
        readonly=True,
        copy=False,
        help="The invoice the session was on before a credit note cancelled it.",
    )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_create_invoices(self, post=False, grouping="ticket"):
        """One draft invoice per customer, company and currency for the
        invoiceable sessions of ``self``; returns an action showing them."""
        self._check_rating_rights()
        invoices = self._create_invoices(grouping=grouping)
        if post:
            invoices.action_post()
        return invoices._get_action_view_invoices()

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------
    def _describe_invoicing(self, invoices):
        """What invoicing the sessions of ``self`` did, in a sentence: how
        many sessions on how many invoices, for whom and for how much (the
        confirmation of "Create invoices", and of a batch doing it)."""
        sessions = self.filtered(lambda s: s.invoice_id in invoices)
        return self.env._(
            "%(sessions)s session(s) invoiced on %(count)s invoice(s): %(invoices)s.",
            sessions=len(sessions),
            count=len(invoices),
            invoices=", ".join(
                self.env._(
                    "%(name)s for %(partner)s, %(amount)s",
                    name=invoice.name if invoice.name != "/" else invoice.display_name,
                    partner=invoice.partner_id.name,
                    amount=invoice.currency_id.format(invoice.amount_untaxed),
                )
                for invoice in invoices.sorted("id")
            ),
        )

    @api.model
    def _get_invoiceable_domain(self):
        """Rated sessions not yet invoiced that cost something, and, when the
        Settings of the session's company show them, those included or
        prepaid (zero-priced lines)."""
        return (
            Domain("state", "=", "rated")
            & Domain("invoice_line_id", "=", False)
            & (
                Domain("cost", ">", 0)
                | Domain("company_id.helpdesk_invoice_show_included", "=", True)
            )
        )

    def _create_invoices(self, grouping="ticket"):
        """One ``create`` for all the invoices, then one for all their lines
        and one update linking every session to its line: the queries do not
        depend on the number of sessions (Odoo's own work per invoice line
        aside)."""
        sessions = self._lock_for_invoicing()
        groups = sessions.sorted(lambda s: (s.date_start, s.id)).grouped(
            lambda s: (s.partner_id, s.company_id, s.currency_id)
        )
        vals_list, line_groups = [], []
        for (partner, company, _currency), customer_sessions in groups.items():
            # Read the tickets, consultants and profiles of every customer at
            # once, not customer by customer.
            group = customer_sessions.with_prefetch(sessions._prefetch_ids)
            vals_list.append(group._prepare_invoice_vals(partner, company))
            line_groups.append(group._get_invoice_line_groups(grouping))
        # Odoo posts (and routes to followers) one "Invoice Created" message
        # per invoice, six queries each: one batch of log notes instead.
        invoices = (
            self.env["account.move"]
            .sudo()
            .with_context(default_move_type="out_invoice", mail_create_nolog=True)
            .create(vals_list)
            # Nothing of the creation context goes further than the creation.
            .with_env(self.env(su=True))
        )
        lines = invoices._create_session_lines(line_groups)
        invoices._message_log_batch(
            bodies={
                invoice.id: self.env._(
                    "Invoice created from %(count)s support sessions.",
                    count=sum(len(group) for group in invoice_line_groups),
                )
                for invoice, invoice_line_groups in zip(
                    invoices, line_groups, strict=True
                )
            }
        )
        sessions._link_invoice_lines(
            lines, [group for invoice_groups in line_groups for group in invoice_groups]
        )
        return invoices.sudo(False)

    def _get_invoice_line_amounts(self, company):
        """The amounts Odoo gives the invoice line of ``self`` when its
        currency is the company's (else nothing): passed at creation, they
        spare Odoo writing each line again. Taxed lines are recomputed by Odoo
        anyway and only written when they differ."""
        currency = self[:1].currency_id
        if currency != company.currency_id:
            return {}
        amount = -currency.round(sum(self.mapped("cost")))
        return {"amount_currency": amount, "balance": amount}

    def _get_invoice_line_price(self, currency, company, date):
        """The rated cost of ``self`` (one invoice line), converted to
        ``currency`` at the rate of ``company`` on ``date``."""
        return self[:1].currency_id._convert(
            sum(self.mapped("cost")), currency, company, date
        )

    def _link_invoice_lines(self, lines, line_groups):
        """Link the sessions of each of ``line_groups`` to the invoice line at
        the same place in ``lines`` (made from that group, in that order) and
        mark them invoiced, in one update: the "mark invoiced" transition of
        the life cycle, written in SQL for the size of month-end batches."""
        self._check_transition("invoiced")
        session_lines = {
            session_id: line
            for line, group in zip(lines, line_groups, strict=True)
            for session_id in group.ids
        }
        self.flush_recordset()
        self.env.execute_query(
            SQL(
                """
                UPDATE helpdesk_session session
                   SET invoice_line_id = link.line_id,
                       invoice_id = link.move_id,
                       state = 'invoiced',
                       write_uid = %s,
                       write_date = %s
                  FROM (VALUES %s) AS link(id, line_id, move_id)
                 WHERE session.id = link.id
                """,
                self.env.uid,
                self.env.cr.now(),
                SQL(", ").join(
                    SQL("(%s, %s, %s)", session_id, line.id, line.move_id.id)
                    for session_id, line in session_lines.items()
                ),
            )
        )
        # The history: one batch, each line linking its session's invoice.
        self.browse(session_lines)._log_state_change(
            "invoiced",
            documents={
                session_id: line.move_id for session_id, line in session_lines.items()
            },
        )
        fnames = ["invoice_line_id", "invoice_id", "state", "write_uid", "write_date"]
        self.invalidate_recordset(fnames)
        self.env["account.move.line"].invalidate_model(["helpdesk_session_ids"])
        self.modified(fnames)

    def _lock_for_invoicing(self):
        """The invoiceable sessions of ``self``, row-locked so that two users
        invoicing at the same moment never put a session on two invoices."""
        sessions = self.filtered_domain(self._get_invoiceable_domain())
        if not sessions:
            raise UserError(
                self.env._(
                    "Nothing to invoice: only rated sessions not yet invoiced are "
                    "invoiced (and, unless Settings show them, only those that "
                    "cost something)."
                )
            )
        sessions.check_access("write")
        try:
            sessions.lock_for_update()
        except LockError as error:
            raise UserError(
                self.env._(
                    "Another user is invoicing some of these sessions right now: "
                    "try again in a moment."
                )
            ) from error
        # Read the state again now that the rows are ours.
        sessions.invalidate_recordset(["state", "invoice_line_id"])
        return sessions.filtered_domain(self._get_invoiceable_domain())

    def _prepare_invoice_vals(self, partner, company):
        return {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "company_id": company.id,
            "currency_id": self[:1].currency_id.id,
            "invoice_origin": self.env._("Support sessions"),
        }

    def _get_invoice_line_groups(self, grouping="ticket"):
        """The sessions of each invoice line: those of one ticket (and
        product) together, or each session alone."""
        sessions = self.sorted(lambda s: (s.date_start, s.id))
        if grouping == "session":
            return list(sessions)
        return list(
            sessions.grouped(lambda s: (s.ticket_id, s.profile_id.product_id)).values()
        )

    def _prepare_invoice_line_vals(self):
        """One invoice line for the sessions of ``self`` (one ticket): its
        description names the ticket and, for several sessions, lists each
        one, so that a line per ticket keeps the detail of a line per
        session, with its kind and reason (``_get_billing_reason``). In the
        customer's language, whoever invoices."""
        lang = self[0].partner_id.lang or self.env.lang
        if lang != self.env.lang:
            return self.with_context(lang=lang)._prepare_invoice_line_vals()
        first = self[0]
        ticket = first.ticket_id
        if len(self) == 1:
            summary = (
                f"{first._get_invoice_line_detail()} · "
                f"{first._get_invoice_line_reason()}"
            )
            session_lines = []
        else:
            summary = self.env._(
                "%(count)s sessions: %(total)s min, billed %(billed)s min",
                count=len(self),
                total=sum(self.mapped("total_duration")),
                billed=sum(self.mapped("billed_duration")),
            )
            # Each session's price beside it: a customer checks the line's
            # total without the annex.
            session_lines = [
                f"- {session._get_invoice_line_detail()}: "
                f"{session.currency_id.format(session.cost)} · "
                f"{session._get_invoice_line_reason()}"
                for session in self
            ]
        if not sum(self.mapped("cost")):
            summary += " " + self.env._("(included in your contract)")
        detail = "\n".join([summary, *session_lines])
        profile = first.profile_id
        vals = {
            "product_id": profile.product_id.id,
            "name": f"{ticket.number} {ticket.name}\n{detail}",
            **self._get_invoice_line_quantity_vals(
                sum(self.mapped("cost")), first.currency_id
            ),
        }
        if profile.analytic_distribution:
            vals["analytic_distribution"] = profile.analytic_distribution
        return vals

    def _get_invoice_line_quantity_vals(self, amount, currency):
        """True quantities for the line of ``self`` billing ``amount``: the
        billed hours at the hourly price when they make the amount exactly
        (45 minutes: 0.75 hours), else the sessions as units when each costs
        that unit price (a stepped tariff: one session, never 1.00 hours for
        45 minutes), else the line as one unit, its sessions listed with
        their prices. The unit price is always one a customer finds in the
        tariff or beside a session; the line's total is ``amount``."""
        precision = self.env["decimal.precision"].precision_get
        qty_digits, price_digits = precision("Product Unit"), precision("Product Price")
        # Cached lookups: no query per line.
        xmlid_to_id = self.env["ir.model.data"]._xmlid_to_res_id
        hours = sum(self.mapped("billed_duration")) / 60.0
        if hours and float_is_zero(
            float_round(hours, qty_digits) - hours, precision_digits=6
        ):
            price = float_round(amount / hours, price_digits)
            # Exactly (not just to the cent): a true hourly price.
            if float_is_zero(price * hours - amount, precision_digits=6):
                return {
                    "quantity": hours,
                    "price_unit": price,
                    "product_uom_id": xmlid_to_id("uom.product_uom_hour"),
                }
        unit = xmlid_to_id("uom.product_uom_unit")
        price = float_round(amount / len(self), price_digits)
        if len(set(self.mapped("cost"))) == 1 and float_is_zero(
            price * len(self) - amount, precision_digits=6
        ):
            return {"quantity": len(self), "price_unit": price, "product_uom_id": unit}
        return {"quantity": 1.0, "price_unit": amount, "product_uom_id": unit}

    def _get_invoice_line_detail(self):
        """Date (in the company's time zone, named: the customer reads no
        screen), consultant, actual and billed minutes of one session."""
        self.ensure_one()
        start = self.company_id._helpdesk_local_datetime(self.date_start)
        zone = pytz.utc.localize(self.date_start).astimezone(
            pytz.timezone(self.company_id._helpdesk_tz())
        )
        detail = self.env._(
            "%(date)s, %(consultant)s: %(total)s min, billed %(billed)s min",
            date=f"{start:%Y-%m-%d %H:%M} {zone:%Z}",
            consultant=self.user_id.name,
            total=self.total_duration,
            billed=self.billed_duration,
        )
        return detail

    def _get_invoice_line_reason(self):
        """The session's kind and reason, as every document gives them."""
        self.ensure_one()
        reason = self._get_billing_reason()
        return f"{reason['kind']}: {reason['reason']}"

    def _release_from_invoice(self):
        """Sessions whose invoice line went away or whose invoice was
        cancelled are to invoice again."""
        self._change_state("rated", {"invoice_line_id": False})

    def _apply_credit_note(self, credit_note):
        """``credit_note`` reversed the invoice lines of ``self`` in full:
        billable again, or closed as credited, as Settings say; the links to
        the invoice and the credit note are kept."""
        mode = credit_note.company_id.helpdesk_credit_note_mode
        for invoice, sessions in self.grouped("invoice_id").items():
            note = Markup(self.env._("credits %(invoice)s")) % {
                "invoice": invoice._get_html_link()
            }
            if mode == "rebill":
                sessions._change_state(
                    "rated",
                    {
                        "credit_note_id": credit_note.id,
                        "invoice_line_id": False,
                        "credited_invoice_id": invoice.id,
                    },
                    document=credit_note,
                    note=note,
                )
            else:
                sessions._change_state(
                    "credited",
                    {"credit_note_id": credit_note.id},
                    document=credit_note,
                    note=note,
                )

    def _check_credit_note_undo(self, credit_note, invoice_line):
        """Refuse, writing nothing, unless the sessions of ``self``, credited
        by ``credit_note`` from ``invoice_line``, can go back on that line:
        still as the credit note left them, the line still on an invoice that
        is not cancelled."""
        moved = self.filtered(
            lambda s: (
                s.credit_note_id != credit_note
                or not (
                    (s.state == "credited" and s.invoice_line_id == invoice_line)
                    or (s.state == "rated" and not s.invoice_line_id)
                )
            )
        )
        if moved:
            session = moved[0]
            state = dict(self._fields["state"]._description_selection(self.env))[
                session.state
            ].lower()
            if session.invoice_id and session.invoice_id != invoice_line.move_id:
                state = self.env._(
                    "%(state)s on %(invoice)s",
                    state=state,
                    invoice=session.invoice_id.display_name,
                )
            raise UserError(
                self.env._(
                    "Session %(session)s has moved on since credit note "
                    "%(credit_note)s credited it (it is %(state)s now): it cannot "
                    "go back on invoice %(invoice)s, so the credit note stays as "
                    "it is.",
                    session=session.display_name,
                    credit_note=credit_note.display_name,
                    state=state,
                    invoice=invoice_line.move_id.display_name
                    or session.credited_invoice_id.display_name,
                )
            )
        if self and (not invoice_line or invoice_line.parent_state == "cancel"):
            raise UserError(
                self.env._(
                    "Session %(session)s cannot go back on the invoice line credit "
                    "note %(credit_note)s reversed: the line was deleted or its "
                    "invoice cancelled, so the credit note stays as it is.",
                    session=self[0].display_name,
                    credit_note=credit_note.display_name,
                )
            )

    def _undo_credit_note(self, invoice_line):
        """Their credit note reset to draft or cancelled, the sessions of
        ``self`` are invoiced again on ``invoice_line``, the line it had
        reversed (checked by ``_check_credit_note_undo``)."""
        credited = self.filtered(lambda s: s.state == "credited")
        note = (
            Markup(self.env._("credit note %(credit_note)s undone"))
            % {"credit_note": self[:1].credit_note_id._get_html_link()}
            if self[:1].credit_note_id
            else None
        )
        credited._change_state(
            "invoiced",
            {"credit_note_id": False},
            document=invoice_line.move_id,
            note=note,
        )
        (self - credited)._change_state(
            "invoiced",
            {
                "invoice_line_id": invoice_line.id,
                "credit_note_id": False,
                "credited_invoice_id": False,
            },
            document=invoice_line.move_id,
            note=note,
        )
