"""Quotes: billable work on a ticket approved by the customer before it is
done.

A consultant or a billing manager makes a quote from a ticket (description,
estimated hours, a fixed price or time and materials up to the estimate) and
sends it by email with its portal link. The customer accepts it on the portal
(name and drawn signature, ``portal.signature_form``) or declines it with a
reason. Its life cycle (draft -> sent -> accepted / declined, or cancelled)
changes only through the methods below: the state and the signature are
ledger fields (``helpdesk.ledger.mixin``), and the figures are frozen once
the quote is sent. How an accepted quote bills is
``helpdesk_session_quote.py``'s.
"""

from odoo import api, fields, models
from odoo.exceptions import LockError, UserError

# state -> the states a quote may move to from it.
QUOTE_TRANSITIONS = {
    "draft": frozenset({"sent", "cancel"}),
    "sent": frozenset({"sent", "accepted", "declined", "cancel"}),
    "accepted": frozenset(),
    "declined": frozenset(),
    "cancel": frozenset(),
}
# Figures the customer approves: frozen once the quote is sent.
QUOTE_TERMS = frozenset(
    {"ticket_id", "description", "estimated_hours", "pricing", "amount"}
)


class HelpdeskTicketQuote(models.Model):
    _name = "helpdesk.ticket.quote"
    _description = "Helpdesk ticket quote"
    _inherit = [
        "portal.mixin",
        "mail.thread",
        "mail.activity.mixin",
        "helpdesk.ledger.mixin",
    ]
    _order = "id desc"
    _check_company_auto = True

    # ------------------------------------------------------------------
    # Fields
    # ------------------------------------------------------------------
    name = fields.Char(
        required=True, copy=False, readonly=True, default=lambda self: "/"
    )
    ticket_id = fields.Many2one(
        comodel_name="helpdesk.ticket",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
        tracking=True,
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Customer",
        compute="_compute_partner_id",
        store=True,
        index=True,
    )
    company_id = fields.Many2one(
        related="ticket_id.company_id", store=True, index=True, precompute=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Consultant",
        default=lambda self: self.env.user,
        tracking=True,
    )
    description = fields.Html(required=True)
    estimated_hours = fields.Float(digits=(16, 2), tracking=True)
    pricing = fields.Selection(
        selection=[
            ("fixed", "Fixed price"),
            ("time_materials", "Time and materials up to the estimate"),
        ],
        required=True,
        default="fixed",
        tracking=True,
    )
    amount = fields.Monetary(
        string="Fixed price", currency_field="currency_id", tracking=True
    )
    state = fields.Selection(
        selection=[
            ("draft", "Draft"),
            ("sent", "Sent"),
            ("accepted", "Accepted"),
            ("declined", "Declined"),
            ("cancel", "Cancelled"),
        ],
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
    )
    signed_by = fields.Char(readonly=True, copy=False, tracking=True)
    signed_on = fields.Datetime(readonly=True, copy=False, tracking=True)
    signature = fields.Image(readonly=True, copy=False, attachment=True)
    decline_reason = fields.Text(readonly=True, copy=False)
    billed_hours = fields.Float(
        compute="_compute_billed_hours",
        digits=(16, 2),
        help="Hours billed by the ticket's rated sessions.",
    )
    is_over_estimate = fields.Boolean(compute="_compute_billed_hours")
    # What the customer pays: the support product's taxes (mapped by the
    # customer's fiscal position, as on the invoice) on the fixed price.
    tax_ids = fields.Many2many(
        comodel_name="account.tax", string="Taxes", compute="_compute_amounts"
    )
    amount_untaxed = fields.Monetary(
        string="Untaxed amount",
        currency_field="currency_id",
        compute="_compute_amounts",
    )
    amount_tax = fields.Monetary(
        string="Taxes amount", currency_field="currency_id", compute="_compute_amounts"
    )
    amount_total = fields.Monetary(
        string="Total", currency_field="currency_id", compute="_compute_amounts"
    )

    # ------------------------------------------------------------------
    # Compute
    # ------------------------------------------------------------------
    @api.depends("ticket_id.partner_id")
    def _compute_partner_id(self):
        # A sent quote is the customer it was sent to's (the ticket's
        # customer no longer changes then: helpdesk_ticket.py).
        for quote in self:
            if quote.state == "draft" or not quote.partner_id:
                quote.partner_id = quote.ticket_id.partner_id.commercial_partner_id
            else:
                quote.partner_id = quote.partner_id

    def _compute_access_url(self):
        for quote in self:
            quote.access_url = f"/my/support/quotes/{quote.id}"

    @api.depends("ticket_id.session_ids.billed_duration", "estimated_hours")
    def _compute_billed_hours(self):
        groups = self.env["helpdesk.session"]._read_group(
            [
                ("ticket_id", "in", self.ticket_id.ids),
                ("state", "in", ["rated", "invoiced"]),
            ],
            ["ticket_id"],
            ["billed_duration:sum"],
        )
        minutes = {ticket.id: total for ticket, total in groups}
        for quote in self:
            quote.billed_hours = minutes.get(quote.ticket_id.id, 0) / 60.0
            quote.is_over_estimate = bool(quote.estimated_hours) and (
                quote.billed_hours > quote.estimated_hours
            )

    @api.depends("amount", "pricing", "partner_id", "company_id")
    def _compute_amounts(self):
        Profile = self.env["helpdesk.contract.profile"]
        for quote in self:
            company = quote.company_id or self.env.company
            product = Profile._default_product_id(company)
            taxes = product.with_company(company).taxes_id._filter_taxes_by_company(
                company
            )
            if quote.partner_id:
                fiscal_position = (
                    self.env["account.fiscal.position"]
                    .with_company(company)
                    ._get_fiscal_position(quote.partner_id)
                )
                taxes = fiscal_position.map_tax(taxes)
            quote.tax_ids = taxes
            base = quote.amount if quote.pricing == "fixed" else 0.0
            if taxes and base:
                computed = taxes.compute_all(
                    base, quote.currency_id, 1.0, product, quote.partner_id
                )
                quote.amount_untaxed = computed["total_excluded"]
                quote.amount_tax = (
                    computed["total_included"] - computed["total_excluded"]
                )
                quote.amount_total = computed["total_included"]
            else:
                quote.amount_untaxed = base
                quote.amount_tax = 0.0
                quote.amount_total = base

    def _compute_display_name(self):
        for quote in self:
            quote.display_name = (
                f"{quote.name} ({quote.ticket_id.number or quote.ticket_id.name})"
                if quote.ticket_id
                else quote.name
            )

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------
    @api.constrains("estimated_hours", "amount", "pricing")
    def _check_figures(self):
        for quote in self:
            if quote.estimated_hours < 0 or quote.amount < 0:
                raise UserError(
                    self.env._("A quote's hours and price cannot be negative.")
                )
            if quote.pricing == "fixed" and not quote.currency_id.compare_amounts(
                quote.amount, 0
            ):
                raise UserError(self.env._("A fixed-price quote needs its price."))
            if quote.pricing == "time_materials" and not quote.estimated_hours:
                raise UserError(
                    self.env._("A time and materials quote needs its estimate.")
                )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        # The number is the sequence's: checked as the user's, then given.
        writer = self
        if not self._is_ledger_write():
            for vals in vals_list:
                given = set(vals)
                if vals.get("name", "/") == "/":
                    given.discard("name")
                self._check_ledger_fields(given)
            # The writer drops the client's ``default_*`` keys.
            writer = self._ledger_writer()
        for vals in vals_list:
            vals["name"] = (
                self.env["ir.sequence"].sudo().next_by_code("helpdesk.ticket.quote")
                or "/"
            )
        quotes = super(HelpdeskTicketQuote, writer).create(vals_list).with_env(self.env)
        for quote in quotes:
            quote.ticket_id.message_post(
                body=self.env._("Quote %(name)s created.", name=quote.name)
            )
        return quotes

    def _check_ledger_write(self, vals):
        result = super()._check_ledger_write(vals)
        frozen = QUOTE_TERMS.intersection(vals)
        if frozen and self.filtered(lambda q: q.state != "draft"):
            raise UserError(
                self.env._(
                    "A quote sent to the customer keeps its terms: cancel it and "
                    "make a new one."
                )
            )
        return result

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_quote_send(self):
        """Open Odoo's mail composer on the quote, as sale's "Send by email"
        does: the quote's template (its PDF attached, the contact greeted by
        name), which the user may edit; sending it marks the quote sent."""
        self.ensure_one()
        if self.state not in ("draft", "sent"):
            raise UserError(
                self.env._(
                    "Quote %(name)s is %(state)s: it can no longer be sent.",
                    name=self.name,
                    state=self._state_label(self.state),
                )
            )
        recipient = self._get_quote_recipient()
        self._portal_ensure_token()
        template = self.env.ref("helpdesk_session_billing.mail_template_ticket_quote")
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Send quote %(name)s", name=self.name),
            "res_model": "mail.compose.message",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_model": self._name,
                "default_res_ids": self.ids,
                "default_template_id": template.id,
                "default_composition_mode": "comment",
                "default_partner_ids": recipient.ids,
                "default_email_layout_xmlid": "mail.mail_notification_light",
                "mark_quote_as_sent": True,
                "force_email": True,
                "lang": recipient.lang,
            },
        }

    def action_send(self):
        """Email the quote (its template, PDF attached) to the ticket's
        contact at once, without the composer (for code)."""
        template = self.env.ref("helpdesk_session_billing.mail_template_ticket_quote")
        for quote in self:
            recipient = quote._get_quote_recipient()
            quote._portal_ensure_token()
            quote._mark_quote_sent()
            quote.with_context(lang=recipient.lang).message_post_with_source(
                template,
                subtype_xmlid="mail.mt_comment",
                message_type="comment",
            )
        return True

    def message_post(self, **kwargs):
        # Sent from the composer opened by action_quote_send (as sale marks
        # its quotations sent).
        if self.env.context.get("mark_quote_as_sent"):
            for quote in self.filtered(lambda q: q.state == "draft"):
                quote._mark_quote_sent()
        return super().message_post(**kwargs)

    def action_cancel(self):
        for quote in self:
            quote._change_state("cancel")
        return True

    def action_preview(self):
        """The quote as the customer sees it on the portal."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_url",
            "target": "self",
            "url": self.get_portal_url(),
        }

    def action_view_ticket(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "helpdesk.ticket",
            "res_id": self.ticket_id.id,
            "view_mode": "form",
        }

    # ------------------------------------------------------------------
    # Business: sending
    # ------------------------------------------------------------------
    def _get_quote_recipient(self):
        """Who the quote is sent to: the ticket's contact (else the
        customer)."""
        self.ensure_one()
        recipient = self.ticket_id.partner_id or self.partner_id
        if not recipient:
            raise UserError(
                self.env._(
                    "Ticket %(ticket)s has no customer to send the quote to.",
                    ticket=self.ticket_id.display_name,
                )
            )
        return recipient

    def _get_greeting_name(self):
        """The name the quote's email greets: the person who raised the
        ticket (its contact, or the name given on a ticket filed for the
        company), the company only when no one is named."""
        self.ensure_one()
        contact = self.ticket_id.partner_id or self.partner_id
        if contact and not contact.is_company:
            return contact.name
        return self.ticket_id.partner_name or contact.name or ""

    def _mark_quote_sent(self):
        self.ensure_one()
        recipient = self._get_quote_recipient()
        self._change_state("sent")
        self.message_subscribe(partner_ids=recipient.ids)
        self.ticket_id.message_post(
            body=self.env._(
                "Quote %(name)s sent to %(customer)s.",
                name=self.name,
                customer=recipient.display_name,
            )
        )

    # ------------------------------------------------------------------
    # Business: the customer's answer (portal)
    # ------------------------------------------------------------------
    def _lock_quote(self):
        """Two answers at once: the second waits for the first, then sees its
        state (accepting twice is refused, not done twice)."""
        try:
            self.lock_for_update()
        except LockError as error:
            raise UserError(
                self.env._("The quote is being answered: try again in a moment.")
            ) from error
        self.invalidate_recordset(["state"])

    def _check_answerable(self):
        self.ensure_one()
        if self.state != "sent":
            raise UserError(
                self.env._(
                    "Quote %(name)s is %(state)s: it can no longer be accepted or "
                    "declined.",
                    name=self.name,
                    state=self._state_label(self.state),
                )
            )

    def _action_accept(self, name, signature):
        """The customer accepts: their name and drawn signature, kept on the
        quote; the ticket's chatter says who accepted and when."""
        self.ensure_one()
        self._lock_quote()
        self._check_answerable()
        if not (name or "").strip():
            raise UserError(self.env._("Type your name to accept the quote."))
        if not signature:
            raise UserError(self.env._("Sign to accept the quote."))
        now = fields.Datetime.now()
        self._change_state(
            "accepted",
            {"signed_by": name.strip(), "signed_on": now, "signature": signature},
        )
        body = self.env._(
            "Quote %(name)s accepted by %(signer)s on %(date)s (UTC).",
            name=self.name,
            signer=name.strip(),
            date=fields.Datetime.to_string(now),
        )
        self.message_post(body=body)
        self.ticket_id.message_post(body=body)
        return True

    def _action_decline(self, reason):
        self.ensure_one()
        self._lock_quote()
        self._check_answerable()
        if not (reason or "").strip():
            raise UserError(self.env._("Say why you decline the quote."))
        self._change_state("declined", {"decline_reason": reason.strip()})
        body = self.env._(
            "Quote %(name)s declined: %(reason)s", name=self.name, reason=reason.strip()
        )
        self.message_post(body=body)
        self.ticket_id.message_post(body=body)
        return True

    # ------------------------------------------------------------------
    # Business: life cycle
    # ------------------------------------------------------------------
    def _change_state(self, target, vals=None):
        """The one writer of ``state``, checked against QUOTE_TRANSITIONS."""
        self.ensure_one()
        if target not in QUOTE_TRANSITIONS[self.state]:
            raise UserError(
                self.env._(
                    "Quote %(name)s is %(state)s: it cannot become %(target)s.",
                    name=self.name,
                    state=self._state_label(self.state),
                    target=self._state_label(target),
                )
            )
        if not self.env.su:
            self.check_access("write")
        self.sudo()._ledger_writer().write({**(vals or {}), "state": target})

    def _state_label(self, state):
        labels = dict(self._fields["state"]._description_selection(self.env))
        return labels[state].lower()
