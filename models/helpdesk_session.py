from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from ..core.timeline import union_seconds

# Seconds of clock skew tolerated between the browser and the server before a
# session is said to be in the future.
FUTURE_TOLERANCE = timedelta(minutes=1)


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
    pause_start = fields.Datetime(readonly=True)
    timer_state = fields.Selection(
        selection=[("running", "Running"), ("paused", "Paused")],
        readonly=True,
        index=True,
        copy=False,
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
    state = fields.Selection(
        selection=[
            ("draft", "To rate"),
            ("rated", "Rated"),
            ("invoiced", "Invoiced"),
        ],
        default="draft",
        required=True,
        index=True,
        copy=False,
        tracking=True,
    )
    # Scope: what the contract includes. Set by _apply_scope_rules() while the
    # session is draft, frozen once rated.
    scope = fields.Selection(
        selection=[("included", "Included"), ("billable", "Billable")],
        default="billable",
        readonly=True,
        index=True,
        copy=False,
    )
    scope_rule_id = fields.Many2one(
        comodel_name="helpdesk.scope.rule",
        string="Scope rule",
        readonly=True,
        copy=False,
        ondelete="set null",
    )
    scope_reason = fields.Char(readonly=True, copy=False)
    scope_included_minutes = fields.Integer(
        string="Included (min)",
        readonly=True,
        copy=False,
        help="Part of the total the contract includes: no charge, no prepaid "
        "hours consumed.",
    )
    scope_billable_minutes = fields.Integer(
        string="Billable (min)",
        readonly=True,
        copy=False,
        help="Part of the total charged under the customer's profile.",
    )
    needs_review = fields.Boolean(
        compute="_compute_needs_review",
        store=True,
        help="Longer than the maximum session length of Settings: check it was "
        "not a timer left running.",
    )
    has_overlap = fields.Boolean(
        string="Overlapping",
        compute="_compute_has_overlap",
        search="_search_has_overlap",
        help="Another session of the same consultant overlaps this one.",
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
                session.duration = max(round(seconds / 60.0), 0)
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
        self._check_editable()
        return super().write(vals)

    def unlink(self):
        self._check_editable()
        return super().unlink()

    def _check_editable(self):
        """Only sessions to rate change; rating and invoicing pass the context
        key ``helpdesk_session_locked_write`` for their own bookkeeping."""
        if self.env.context.get("helpdesk_session_locked_write"):
            return
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

    @api.depends("ticket_id", "date_start", "user_id")
    def _compute_display_name(self):
        for session in self:
            start = (
                fields.Datetime.context_timestamp(session, session.date_start)
                if session.date_start
                else False
            )
            session.display_name = self.env._(
                "%(ticket)s, %(user)s, %(start)s",
                ticket=session.ticket_id.number or "",
                user=session.user_id.name or "",
                start=start.strftime("%Y-%m-%d %H:%M") if start else "",
            )

    # ------------------------------------------------------------------
    # Actions: timer
    # ------------------------------------------------------------------
    @api.model
    def _prepare_timer_session_vals(self, ticket):
        return {
            "ticket_id": ticket.id,
            "user_id": self.env.uid,
            "date_start": fields.Datetime.now(),
            "timer_state": "running",
        }

    @api.model
    def _start_timer(self, ticket):
        """Open a running session on ``ticket`` for the current user. A timer the
        user already runs elsewhere is paused (never lost), so one runs at once."""
        ticket.ensure_one()
        self._running_for_current_user().action_timer_pause()
        return self.create(self._prepare_timer_session_vals(ticket))

    @api.model
    def _running_for_current_user(self):
        return self.search(
            [("user_id", "=", self.env.uid), ("timer_state", "=", "running")]
        )

    def action_timer_pause(self):
        now = fields.Datetime.now()
        for session in self.filtered(lambda s: s.timer_state == "running"):
            session.write({"timer_state": "paused", "pause_start": now})
        return True

    def action_timer_resume(self):
        self.ensure_one()
        if self.timer_state != "paused":
            raise UserError(self.env._("This session's timer is not paused."))
        self._running_for_current_user().filtered(
            lambda s: s != self
        ).action_timer_pause()
        self.write(
            {
                "timer_state": "running",
                "paused_seconds": self.paused_seconds + self._current_pause_seconds(),
                "pause_start": False,
            }
        )
        return True

    def action_timer_stop(self):
        """Close the timer; returns a dialog to add an optional note."""
        for session in self.filtered("timer_state"):
            session.write(
                {
                    "date_end": fields.Datetime.now(),
                    "paused_seconds": session.paused_seconds
                    + session._current_pause_seconds(),
                    "pause_start": False,
                    "timer_state": False,
                }
            )
        if len(self) != 1:
            return True
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Session stopped: add a note?"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [
                (
                    self.env.ref(
                        "helpdesk_session_billing.helpdesk_session_view_form_stop"
                    ).id,
                    "form",
                )
            ],
            "target": "new",
        }

    def _current_pause_seconds(self):
        self.ensure_one()
        if self.timer_state != "paused" or not self.pause_start:
            return 0
        return int((fields.Datetime.now() - self.pause_start).total_seconds())

    # ------------------------------------------------------------------
    # Actions: merge
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
        sessions = self.sorted("date_start")
        start = sessions[0].date_start
        end = max(s.date_end for s in sessions)
        worked = union_seconds([(s.date_start, s.date_end) for s in sessions]) - sum(
            sessions.mapped("paused_seconds")
        )
        notes = [s.note for s in sessions if s.note]
        devices = list(dict.fromkeys(s.device for s in sessions if s.device))
        keeper = sessions[0]
        keeper.write(
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
