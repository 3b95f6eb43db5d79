"""The helpdesk session: one stretch of work of a consultant on a ticket.

This file owns the record itself: who worked on which ticket, when, for how
long (durations, extra minutes, the review flag), the bounds its times stay
within (no future, at most a day of work and a day of extra minutes either
way, nothing in a period locked in accounting), and who may change it. The
other concerns of the model live beside it, each in its own file:
``helpdesk_session_lifecycle.py`` (states and transitions),
``helpdesk_session_timer.py``, ``helpdesk_session_overlap.py`` (overlaps and
merge), ``helpdesk_session_scope.py``, ``helpdesk_session_rating.py`` and
``helpdesk_session_invoicing.py``.
"""

from datetime import date, timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

# Clock skew tolerated between the browser and the server before a session is
# said to be in the future.
FUTURE_TOLERANCE = timedelta(minutes=1)
# A session is one sitting: at most a day of work (pauses excluded), and extra
# minutes adjust it by at most a day either way.
MAX_SESSION_WORK = timedelta(hours=24)
MAX_EXTRA_MINUTES = 24 * 60


class HelpdeskSession(models.Model):
    _name = "helpdesk.session"
    _description = "Helpdesk session"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date_start desc, id desc"
    _check_company_auto = True

    # ------------------------------------------------------------------
    # Fields
    # ------------------------------------------------------------------
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
        help="The ticket's customer (its company when the ticket names a contact).",
    )
    partner_category_ids = fields.Many2many(
        comodel_name="res.partner.category",
        relation="helpdesk_session_partner_category_rel",
        column1="session_id",
        column2="category_id",
        related="partner_id.category_id",
        string="Customer tags",
        store=True,
    )
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Consultant",
        required=True,
        index=True,
        default=lambda self: self.env.user,
        tracking=True,
    )
    date_start = fields.Datetime(
        string="Start", required=True, default=fields.Datetime.now, tracking=True
    )
    date_end = fields.Datetime(string="End", tracking=True)
    paused_seconds = fields.Integer(
        help="Time the timer spent paused between start and end.", readonly=True
    )
    duration = fields.Integer(
        string="Connection (min)",
        compute="_compute_duration",
        store=True,
        help="Minutes worked between start and end, pauses excluded.",
    )
    extra_duration = fields.Integer(
        string="Extra (min)",
        tracking=True,
        help="Minutes of work outside the connection; negative to reduce it.",
    )
    total_duration = fields.Integer(
        string="Total (min)",
        compute="_compute_total_duration",
        store=True,
        aggregator="sum",
        help="Connection + extra minutes, never below 0.",
    )
    total_hours = fields.Float(
        compute="_compute_total_duration",
        store=True,
        aggregator="sum",
        digits=(16, 2),
    )
    is_total_clamped = fields.Boolean(
        compute="_compute_total_duration",
        store=True,
        help="The extra minutes exceed the connection: the total counts as 0.",
    )
    note = fields.Text()
    device = fields.Char(help="Remote machine or channel worked on.")
    company_id = fields.Many2one(
        comodel_name="res.company",
        compute="_compute_company_id",
        store=True,
        index=True,
        precompute=True,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    needs_review = fields.Boolean(
        compute="_compute_needs_review",
        store=True,
        help="Longer than the maximum session length of Settings: check it was "
        "not a timer left running.",
    )

    # ------------------------------------------------------------------
    # Compute
    # ------------------------------------------------------------------
    @api.depends("ticket_id.commercial_partner_id", "ticket_id.partner_id")
    def _compute_partner_id(self):
        for session in self:
            session.partner_id = session.ticket_id.partner_id.commercial_partner_id

    @api.depends("ticket_id.company_id")
    def _compute_company_id(self):
        for session in self:
            session.company_id = session.ticket_id.company_id or self.env.company

    @api.depends("date_start", "date_end", "paused_seconds")
    def _compute_duration(self):
        for session in self:
            if session.date_start and session.date_end:
                seconds = (session.date_end - session.date_start).total_seconds()
                seconds -= session.paused_seconds
                # Half minutes up (round() would go to the even minute).
                session.duration = max(int(seconds / 60.0 + 0.5), 0)
            else:
                session.duration = 0

    @api.depends("duration", "extra_duration")
    def _compute_total_duration(self):
        for session in self:
            total = session.duration + session.extra_duration
            session.is_total_clamped = total < 0
            session.total_duration = max(total, 0)
            session.total_hours = session.total_duration / 60.0

    @api.depends("duration", "company_id.helpdesk_session_max_minutes")
    def _compute_needs_review(self):
        for session in self:
            limit = session.company_id.helpdesk_session_max_minutes
            session.needs_review = bool(limit) and session.duration > limit

    @api.depends("ticket_id", "date_start", "user_id", "company_id")
    def _compute_display_name(self):
        # The company's time zone, as the invoice lines and statements: a
        # session has one name, whoever reads it.
        for session in self:
            start = (
                session.company_id._helpdesk_local_datetime(session.date_start)
                if session.date_start and session.company_id
                else False
            )
            session.display_name = self.env._(
                "%(ticket)s, %(user)s, %(start)s",
                ticket=session.ticket_id.number or "",
                user=session.user_id.name or "",
                start=start.strftime("%Y-%m-%d %H:%M") if start else "",
            )

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------
    @api.constrains("date_start", "date_end")
    def _check_dates(self):
        limit = fields.Datetime.now() + FUTURE_TOLERANCE
        for session in self:
            if session.date_end and session.date_end < session.date_start:
                raise ValidationError(
                    self.env._(
                        "Session on %(ticket)s ends before it starts.",
                        ticket=session.ticket_id.display_name,
                    )
                )
            if session.date_start > limit or (
                session.date_end and session.date_end > limit
            ):
                raise ValidationError(
                    self.env._(
                        "Session on %(ticket)s is in the future: sessions record "
                        "work already done.",
                        ticket=session.ticket_id.display_name,
                    )
                )

    @api.constrains("date_start", "date_end", "paused_seconds", "extra_duration")
    def _check_durations(self):
        for session in self:
            ticket = session.ticket_id.display_name
            if session.paused_seconds < 0:
                raise ValidationError(
                    self.env._(
                        "Session on %(ticket)s has a negative pause: pauses are "
                        "time the timer spent paused.",
                        ticket=ticket,
                    )
                )
            if abs(session.extra_duration) > MAX_EXTRA_MINUTES:
                raise ValidationError(
                    self.env._(
                        "Session on %(ticket)s has %(extra)s extra minutes: extra "
                        "minutes adjust a session by at most a day (%(max)s "
                        "minutes) either way.",
                        ticket=ticket,
                        extra=session.extra_duration,
                        max=MAX_EXTRA_MINUTES,
                    )
                )
            if session.date_end and (
                session.date_end
                - session.date_start
                - timedelta(seconds=max(session.paused_seconds, 0))
                > MAX_SESSION_WORK
            ):
                raise ValidationError(
                    self.env._(
                        "Session on %(ticket)s lasts more than 24 hours: a session "
                        "is one sitting; record longer work as several sessions.",
                        ticket=ticket,
                    )
                )

    @api.constrains("date_start", "company_id")
    def _check_lock_date(self):
        """Sessions are billed: none is dated in a period closed in
        accounting (the company's global, hard or sales lock date, with the
        user's lock exceptions), nor moved into one."""
        locks = {company: self._get_lock_date(company) for company in self.company_id}
        for session in self:
            company = session.company_id
            lock = locks.get(company)
            if not lock:
                continue
            day = company._helpdesk_local_datetime(session.date_start).date()
            if day <= lock:
                raise ValidationError(
                    self.env._(
                        "Session on %(ticket)s starts on %(day)s, in a period "
                        "locked in accounting (up to %(lock)s): date it after the "
                        "lock date.",
                        ticket=session.ticket_id.display_name,
                        day=day,
                        lock=lock,
                    )
                )

    @api.model
    def _get_lock_date(self, company):
        """The last day of ``company`` locked for sales entries, for the
        current user (None when nothing is locked)."""
        # sudo keeps the user: their lock exceptions still count, but a
        # consultant need not read them.
        company = company.sudo()
        lock = max(
            company.user_fiscalyear_lock_date or date.min,
            company.user_hard_lock_date or date.min,
            company.user_sale_lock_date or date.min,
        )
        return lock if lock > date.min else None

    @api.constrains("ticket_id", "company_id")
    def _check_ticket_company(self):
        allowed = self.env.companies
        for session in self:
            company = session.ticket_id.company_id
            if company and company not in allowed:
                raise ValidationError(
                    self.env._(
                        "Ticket %(ticket)s belongs to %(company)s, a company you are "
                        "not working in.",
                        ticket=session.ticket_id.display_name,
                        company=company.name,
                    )
                )

    # ------------------------------------------------------------------
    # Onchange
    # ------------------------------------------------------------------
    @api.onchange("extra_duration", "date_start", "date_end")
    def _onchange_warn_clamped_total(self):
        if self.duration + self.extra_duration < 0:
            return {
                "warning": {
                    "title": self.env._("Total counted as 0"),
                    "message": self.env._(
                        "%(extra)s extra minutes exceed the %(duration)s minutes of "
                        "connection: the session's total is counted as 0, not "
                        "negative.",
                        extra=self.extra_duration,
                        duration=self.duration,
                    ),
                }
            }
        return None

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    def write(self, vals):
        self._check_reassign(vals)
        return super().write(vals)

    def _check_reassign(self, vals):
        """Record rules are checked before a write only: without this, a
        consultant could hand their own session to a colleague."""
        if (
            not vals.get("user_id")
            or vals["user_id"] == self.env.uid
            or self.env.su
            or self.env.user.has_group(
                "helpdesk_session_billing.group_support_billing_manager"
            )
        ):
            return
        raise AccessError(
            self.env._(
                "Only support billing managers can give a session to another "
                "consultant."
            )
        )
