from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain

SUPPORT_USER = "helpdesk_session_billing.group_support_billing_user"


class HelpdeskTicket(models.Model):
    # What a ticket says decides the scope of its draft sessions.
    _inherit = ["helpdesk.ticket", "helpdesk.scope.source.mixin"]
    _name = "helpdesk.ticket"

    # The support provider's, not the customer's: a portal user reading a
    # ticket gets none of them (the portal page shows its own figures).
    session_ids = fields.One2many(
        comodel_name="helpdesk.session",
        inverse_name="ticket_id",
        string="Sessions",
        groups=SUPPORT_USER,
    )
    session_count = fields.Integer(
        compute="_compute_session_totals", groups=SUPPORT_USER
    )
    session_hours = fields.Float(
        string="Session hours",
        compute="_compute_session_totals",
        digits=(16, 2),
        groups=SUPPORT_USER,
    )
    my_session_id = fields.Many2one(
        comodel_name="helpdesk.session",
        string="My timer",
        compute="_compute_my_session",
        search="_search_my_session_id",
        help="The current user's open timer on this ticket.",
        groups=SUPPORT_USER,
    )
    my_timer_state = fields.Selection(
        related="my_session_id.timer_state", groups=SUPPORT_USER
    )
    my_timer_start = fields.Datetime(
        related="my_session_id.date_start", groups=SUPPORT_USER
    )
    my_timer_paused_seconds = fields.Integer(
        related="my_session_id.paused_seconds", groups=SUPPORT_USER
    )
    my_timer_pause_start = fields.Datetime(
        related="my_session_id.pause_start", groups=SUPPORT_USER
    )

    @api.depends("session_ids.total_duration")
    def _compute_session_totals(self):
        groups = self.env["helpdesk.session"]._read_group(
            [("ticket_id", "in", self.ids)],
            ["ticket_id"],
            ["__count", "total_duration:sum"],
        )
        totals = {ticket.id: (count, minutes) for ticket, count, minutes in groups}
        for ticket in self:
            count, minutes = totals.get(ticket.id, (0, 0))
            ticket.session_count = count
            ticket.session_hours = minutes / 60.0

    @api.depends_context("uid")
    @api.depends("session_ids.timer_state", "session_ids.user_id")
    def _compute_my_session(self):
        sessions = self.env["helpdesk.session"].search(
            [
                ("ticket_id", "in", self.ids),
                ("user_id", "=", self.env.uid),
                ("timer_state", "!=", False),
            ],
            order="date_start desc",
        )
        by_ticket = {}
        for session in sessions:
            by_ticket.setdefault(session.ticket_id.id, session)
        for ticket in self:
            ticket.my_session_id = by_ticket.get(ticket.id, sessions.browse())

    def _search_my_session_id(self, operator, value):
        # Searchable so that the related my_timer_* fields are invalidated when
        # a session's timer changes (the ORM searches the tickets to update).
        if operator not in ("in", "not in"):
            return NotImplemented
        tickets = (
            self.env["helpdesk.session"]
            .search(
                [
                    ("id", "in", [v for v in value if v]),
                    ("user_id", "=", self.env.uid),
                    ("timer_state", "!=", False),
                ]
            )
            .ticket_id
        )
        domain = Domain("id", "in", tickets.ids)
        if False in value:
            domain |= Domain(
                "session_ids",
                "not any",
                [
                    ("user_id", "=", self.env.uid),
                    ("timer_state", "!=", False),
                ],
            )
        return domain if operator == "in" else ~domain

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    def write(self, vals):
        if "partner_id" in vals or "company_id" in vals:
            self._check_billing_facts(vals)
        return super().write(vals)

    def _check_billing_facts(self, vals):
        """The customer and company of a ticket are facts of its rated
        sessions: refuse changing them once a session is rated (its drafts
        follow the ticket and are classified again)."""
        customer = self.env["res.partner"].browse(vals.get("partner_id"))
        company = self.env["res.company"].browse(vals.get("company_id"))
        changed = self.filtered(
            lambda ticket: (
                (
                    "partner_id" in vals
                    and customer.commercial_partner_id
                    != ticket.partner_id.commercial_partner_id
                )
                or ("company_id" in vals and company != ticket.company_id)
            )
        )
        if not changed:
            return
        quoted = (
            self.env["helpdesk.ticket.quote"]
            .sudo()
            .search(
                [
                    ("ticket_id", "in", changed.ids),
                    ("state", "in", ("sent", "accepted")),
                ],
                limit=1,
            )
        )
        if quoted:
            raise UserError(
                self.env._(
                    "Ticket %(ticket)s has quote %(quote)s, sent to %(customer)s: "
                    "its customer and company are the quote's. Cancel the quote "
                    "first, or open a new ticket.",
                    ticket=quoted.ticket_id.sudo(False).display_name,
                    quote=quoted.name,
                    customer=quoted.partner_id.display_name,
                )
            )
        rated = (
            self.env["helpdesk.session"]
            .sudo()
            ._read_group(
                [("ticket_id", "in", changed.ids), ("state", "!=", "draft")],
                ["ticket_id"],
            )
        )
        if rated:
            raise UserError(
                self.env._(
                    "Ticket %(ticket)s has rated sessions: its customer and "
                    "company are those they were rated for. Unrate them first, or "
                    "open a new ticket.",
                    ticket=rated[0][0].sudo(False).display_name,
                )
            )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_timer_start(self):
        self.ensure_one()
        self.env["helpdesk.session"]._start_timer(self)
        return True

    def action_timer_pause(self):
        self.ensure_one()
        return self.my_session_id.action_timer_pause()

    def action_timer_resume(self):
        self.ensure_one()
        return self.my_session_id.action_timer_resume()

    def action_timer_stop(self):
        self.ensure_one()
        return self.my_session_id.action_timer_stop()

    def action_open_rating_wizard(self):
        """Rate this ticket's sessions (all periods, to rate)."""
        self.ensure_one()
        wizard = self.env["helpdesk.session.rating.wizard"].create(
            {"ticket_id": self.id, "date_from": False, "date_to": False}
        )
        return wizard._reopen()

    def action_view_sessions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "helpdesk_session_billing.helpdesk_session_action"
        )
        action["domain"] = [("ticket_id", "=", self.id)]
        action["context"] = {"default_ticket_id": self.id}
        return action
