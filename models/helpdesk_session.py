import json
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, LockError, UserError, ValidationError
from odoo.fields import Command, Domain
from odoo.tools import SQL

from ..core.timeline import union_seconds
from .account_analytic_distribution_model import AnalyticDistributionCache

# How the sessions of an invoice make its lines (the default first), offered
# by both invoicing wizards.
INVOICE_LINE_GROUPINGS = [
    ("ticket", "One line per ticket, listing its sessions"),
    ("session", "One line per session"),
]

# Seconds of clock skew tolerated between the browser and the server before a
# session is said to be in the future.
FUTURE_TOLERANCE = timedelta(minutes=1)

# Session fields whose change reclassifies the session (scope rules).
SCOPE_TRIGGERS = {
    "ticket_id",
    "date_start",
    "date_end",
    "paused_seconds",
    "extra_duration",
    "note",
}


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
            ("credited", "Credited"),
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
    # Rating: what the session cost or consumed, frozen with the figures used.
    profile_id = fields.Many2one(
        comodel_name="helpdesk.contract.profile",
        string="Contract profile",
        readonly=True,
        copy=False,
        index=True,
        ondelete="restrict",
    )
    rated_tariff = fields.Json(
        readonly=True,
        copy=False,
        help="The tariff figures the session was rated with.",
    )
    billed_duration = fields.Integer(
        string="Billed (min)",
        readonly=True,
        copy=False,
        aggregator="sum",
        help="Minutes charged or deducted after the minimum and step rounding.",
    )
    prepaid_minutes = fields.Integer(
        string="Prepaid (min)",
        readonly=True,
        copy=False,
        aggregator="sum",
        help="Minutes taken from the subscription's balance.",
    )
    overage_minutes = fields.Integer(
        string="Overage (min)",
        readonly=True,
        copy=False,
        aggregator="sum",
        help="Minutes beyond the subscription's balance, priced by its overage "
        "profile.",
    )
    cost = fields.Monetary(
        currency_field="currency_id",
        readonly=True,
        copy=False,
        aggregator="sum",
        help="What the customer pays for the session, overage included.",
    )
    rated_date = fields.Datetime(readonly=True, copy=False)
    # Invoicing
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
    rated_user_id = fields.Many2one(
        comodel_name="res.users", string="Rated by", readonly=True, copy=False
    )
    preview_billed = fields.Integer(
        string="Billed (min) ",
        compute="_compute_preview",
        help="Rated: the billed minutes. To rate: what rating would bill now.",
    )
    preview_prepaid = fields.Integer(compute="_compute_preview")
    preview_cost = fields.Monetary(
        string="Cost ",
        currency_field="currency_id",
        compute="_compute_preview",
        help="Rated: the cost. To rate: what rating would charge now.",
    )
    rating_issue = fields.Char(
        compute="_compute_preview",
        help="Why the session cannot be rated as it is.",
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
    @api.model_create_multi
    def create(self, vals_list):
        sessions = super().create(vals_list)
        sessions._apply_scope_rules()
        return sessions

    def write(self, vals):
        self._check_editable()
        self._check_reassign(vals)
        self._check_not_invoiced_twice(vals)
        if self.env.context.get("helpdesk_scope_write") or not (
            SCOPE_TRIGGERS & set(vals) or vals.get("state") == "draft"
        ):
            return super().write(vals)
        # The customers' sessions before the change may lose (or gain) the
        # allowance or the repeat this one gave them.
        before = self._scope_neighbours()
        result = super().write(vals)
        (self | before)._apply_scope_rules()
        return result

    def unlink(self):
        self._check_editable()
        neighbours = self._scope_neighbours() - self
        result = super().unlink()
        neighbours.exists()._apply_scope_rules()
        return result

    def _check_not_invoiced_twice(self, vals):
        line_id = vals.get("invoice_line_id")
        if not line_id:
            return
        already = self.filtered(
            lambda s: s.invoice_line_id and s.invoice_line_id.id != line_id
        )
        if already:
            raise UserError(
                self.env._(
                    "Session %(session)s is already on invoice %(invoice)s: a "
                    "session is never billed twice.",
                    session=already[0].display_name,
                    invoice=already[0].invoice_id.display_name,
                )
            )

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
    # Business: scope (what the contract includes)
    # ------------------------------------------------------------------
    def _apply_scope_rules(self):
        """Classify the draft sessions of ``self`` with the scope rules: set
        ``scope``, ``scope_rule_id``, ``scope_reason`` and the included and
        billable parts of the total. Rated and invoiced sessions keep theirs.

        The other draft sessions of the same customers from the same months on
        are classified along (allowance and repeats depend on them). Batched:
        the number of queries does not grow with the number of sessions.
        """
        drafts = self.filtered(lambda session: session.id and session.state == "draft")
        if not drafts:
            return True
        drafts = (drafts | drafts._scope_neighbours()).sudo()
        Rule = self.env["helpdesk.scope.rule"].sudo()
        writer = drafts.with_context(helpdesk_scope_write=True, tracking_disable=True)
        for session, decision in Rule._classify_sessions(drafts).items():
            vals = {
                "scope": decision.scope,
                "scope_rule_id": decision.rule_id or False,
                "scope_reason": Rule._describe_decision(decision),
                "scope_included_minutes": decision.included_minutes,
                "scope_billable_minutes": decision.billable_minutes,
            }
            current = {
                "scope": session.scope,
                "scope_rule_id": session.scope_rule_id.id or False,
                "scope_reason": session.scope_reason,
                "scope_included_minutes": session.scope_included_minutes,
                "scope_billable_minutes": session.scope_billable_minutes,
            }
            if vals != current:
                writer.browse(session.id).write(vals)
        return True

    def _compute_scope(self):
        """Alias of :meth:`_apply_scope_rules` (not an ORM compute: the scope of
        a session depends on the customer's other sessions)."""
        return self._apply_scope_rules()

    def _scope_neighbours(self):
        """Draft sessions of the same customers, from the first month of
        ``self`` on: those whose allowance or repeat ``self`` may change."""
        sessions = self.sudo().filtered("partner_id")
        if not sessions:
            return self.browse()
        # A day earlier covers any time zone.
        date_from = min(sessions.mapped("date_start")).replace(day=1) - timedelta(
            days=1
        )
        return self.sudo().search(
            [
                ("partner_id", "in", sessions.partner_id.ids),
                ("company_id", "in", sessions.company_id.ids),
                ("state", "=", "draft"),
                ("date_start", ">=", date_from),
            ]
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
        # sudo: a timer left running in a company not active now is the
        # user's own and must be paused too (one running timer per user).
        return self.sudo().search(
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

    # ------------------------------------------------------------------
    # Business: rating
    # ------------------------------------------------------------------
    def action_rate(self):
        """Rate the draft sessions of ``self``: store the profile, the figures,
        the billed and prepaid minutes and the cost, and lock them. Rated
        sessions are left as they are."""
        self._check_rating_rights()
        sessions = self.filtered(lambda session: session.state == "draft")
        if not sessions:
            return True
        sessions.check_access("write")
        ratings = sessions._compute_ratings(lock=True)
        now = fields.Datetime.now()
        writer = sessions.sudo().with_context(
            helpdesk_session_locked_write=True, mail_notrack=True
        )
        # One write per distinct set of values (the same profile gives the
        # same figures to many sessions), not one per session.
        groups = {}
        for session_id, vals in sorted(ratings.items()):
            key = json.dumps(vals, sort_keys=True, default=str)
            groups.setdefault(key, (vals, []))[1].append(session_id)
        for vals, session_ids in groups.values():
            writer.browse(session_ids).write(
                {
                    **vals,
                    "state": "rated",
                    "rated_date": now,
                    "rated_user_id": self.env.uid,
                }
            )
        sessions._update_subscription_consumption(
            {sid: vals["prepaid_minutes"] for sid, vals in ratings.items()}
        )
        return True

    def action_unrate(self, reason=None):
        """Put rated, not invoiced, sessions back to draft (managers). Without a
        reason, opens the dialog asking for it; the subscription balance is
        given back."""
        self._check_rating_rights()
        if reason is None:
            return {
                "type": "ir.actions.act_window",
                "name": self.env._("Unrate sessions"),
                "res_model": "helpdesk.session.unrate.wizard",
                "view_mode": "form",
                "target": "new",
                "context": {"default_session_ids": self.ids},
            }
        if not reason.strip():
            raise UserError(self.env._("Say why the sessions are unrated."))
        invoiced = self.filtered(lambda session: session.state == "invoiced")
        if invoiced:
            raise UserError(
                self.env._(
                    "Session %(session)s is invoiced: only a credit note brings it "
                    "back.",
                    session=invoiced[0].display_name,
                )
            )
        sessions = self.filtered(lambda session: session.state == "rated")
        if not sessions:
            return True
        sessions.check_access("write")
        given_back = {session.id: -session.prepaid_minutes for session in sessions}
        sessions._update_subscription_consumption(given_back)
        sessions.sudo().with_context(
            helpdesk_session_locked_write=True, mail_notrack=True
        ).write(self._prepare_unrate_vals())
        for session in sessions:
            session.message_post(body=self.env._("Unrated: %(reason)s", reason=reason))
        return True

    @api.model
    def _prepare_unrate_vals(self):
        return {
            "state": "draft",
            "profile_id": False,
            "rated_tariff": False,
            "billed_duration": 0,
            "prepaid_minutes": 0,
            "overage_minutes": 0,
            "cost": 0.0,
            "rated_date": False,
            "rated_user_id": False,
        }

    def _check_rating_rights(self):
        if not self.env.user.has_group(
            "helpdesk_session_billing.group_support_billing_manager"
        ):
            raise AccessError(
                self.env._("Only support billing managers rate or unrate sessions.")
            )

    def _compute_ratings(self, lock=False):
        """Rating values per session id, computed in batches per profile. With
        ``lock``, subscriptions are locked first so that two users rating at
        once never consume the same hours twice."""
        if self.filtered("timer_state"):
            raise UserError(
                self.env._(
                    "Session %(session)s is still being timed: stop it first.",
                    session=self.filtered("timer_state")[0].display_name,
                )
            )
        self._apply_scope_rules()
        profiles = self._resolve_profiles()
        subscriptions = (
            self.env["helpdesk.contract.profile"]
            .union(*profiles.values())
            .filtered(lambda profile: profile.billing_type == "subscription")
        )
        if lock:
            subscriptions._lock_for_consumption()
        ratings = {}
        by_profile = {}
        for session in self.sorted(lambda s: (s.date_start, s.id)):
            by_profile.setdefault(profiles[session.id], []).append(session)
        for profile, sessions in by_profile.items():
            ratings.update(profile._rate_sessions(sessions))
        return ratings

    def _resolve_profiles(self, strict=True):
        """{session id: profile in force for its customer on its date}. Strict
        (rating), it raises naming the customers who have none and on a
        customer billed under two profiles; otherwise (previews) such sessions
        get an empty profile."""
        Profile = self.env["helpdesk.contract.profile"]
        result = {}
        for company in self.company_id:
            sessions = self.filtered(
                lambda s, c=company: s.company_id == c and s.date_start
            )
            dates = {}
            for session in sessions:
                dates.setdefault(session.partner_id.id, []).append(
                    session._local_date()
                )
            found = Profile._profiles_for(
                sessions.partner_id, dates, company, raise_on_conflict=strict
            )
            for session in sessions:
                result[session.id] = found.get(
                    (session.partner_id.id, session._local_date()), Profile
                )
        missing = self.filtered(lambda s: not result.get(s.id))
        if missing and strict:
            raise UserError(
                self.env._(
                    "No contract profile is in force for %(customers)s (and no "
                    "default profile in Settings): these sessions cannot be rated.",
                    customers=", ".join(
                        missing.partner_id.mapped("display_name")
                        or [self.env._("sessions without customer")]
                    ),
                )
            )
        return result

    def _local_date(self):
        self.ensure_one()
        return fields.Datetime.context_timestamp(self, self.date_start).date()

    def _update_subscription_consumption(self, minutes_by_session):
        """Add (or give back) prepaid minutes to the subscriptions concerned."""
        totals = {}
        for session in self:
            minutes = minutes_by_session.get(session.id, 0)
            profile = session.profile_id
            if minutes and profile.billing_type == "subscription":
                totals[profile] = totals.get(profile, 0) + minutes
        for profile, minutes in totals.items():
            profile.sudo().consumed_minutes += minutes
        if totals:
            profiles = self.env["helpdesk.contract.profile"].union(*totals)
            profiles._recognize_deferred_revenue()
            profiles._check_low_balance()

    @api.depends(
        "state",
        "total_duration",
        "scope",
        "scope_included_minutes",
        "scope_billable_minutes",
        "cost",
        "billed_duration",
        "partner_id",
        "date_start",
    )
    def _compute_preview(self):
        """What rating would give, without writing anything (the rating wizard
        shows it live while extra minutes are edited)."""
        for session in self.filtered(lambda s: s.state != "draft"):
            session.preview_billed = session.billed_duration
            session.preview_prepaid = session.prepaid_minutes
            session.preview_cost = session.cost
            session.rating_issue = False
        drafts = self.filtered(lambda s: s.state == "draft")
        if not drafts:
            return
        Profile = self.env["helpdesk.contract.profile"]
        profiles = drafts._resolve_profiles(strict=False)
        by_profile = {}
        for session in drafts.sorted(
            lambda s: (s.date_start or fields.Datetime.now(), s.id)
        ):
            profile = profiles.get(session.id, Profile)
            session.rating_issue = (
                False
                if profile
                else self.env._("No contract profile in force for this customer")
            )
            by_profile.setdefault(profile, []).append(session)
        for profile, sessions in by_profile.items():
            ratings = (
                profile._rate_sessions(
                    sessions, billable=lambda s: s._preview_billable_minutes()
                )
                if profile
                else {}
            )
            for session in sessions:
                rating = ratings.get(session.id, {})
                session.preview_billed = rating.get("billed_duration", 0)
                session.preview_prepaid = rating.get("prepaid_minutes", 0)
                session.preview_cost = rating.get("cost", 0.0)

    def _preview_billable_minutes(self):
        """The billable part of the total as it stands in the form: the stored
        scope split, adjusted when the total was just edited."""
        self.ensure_one()
        if self.scope == "included" and not self.scope_billable_minutes:
            return 0
        return max(self.total_duration - self.scope_included_minutes, 0)

    def action_open_rating_wizard(self):
        """The rating screen on these sessions (from a list selection)."""
        wizard = self.env["helpdesk.session.rating.wizard"].create(
            {
                "state_filter": "all",
                "date_from": False,
                "date_to": False,
                "session_ids": [Command.set(self.ids)],
            }
        )
        return wizard._reopen()

    # ------------------------------------------------------------------
    # Business: invoicing
    # ------------------------------------------------------------------
    @api.model
    def _get_invoiceable_domain(self):
        """Rated sessions not yet invoiced that cost something, and, when
        Settings show them, those included or prepaid (zero-priced lines)."""
        domain = Domain("state", "=", "rated") & Domain("invoice_line_id", "=", False)
        if not self.env.company.helpdesk_invoice_show_included:
            domain &= Domain("cost", ">", 0)
        return domain

    def action_create_invoices(self, post=False, grouping="ticket"):
        """One draft invoice per customer, company and currency for the
        invoiceable sessions of ``self``; returns an action showing them."""
        self._check_rating_rights()
        invoices = self._create_invoices(grouping=grouping)
        if post:
            invoices.action_post()
        return invoices._get_action_view_invoices()

    def _create_invoices(self, grouping="ticket"):
        """One ``create`` for all the invoices, then one update linking every
        session to its line: the queries do not depend on the number of
        sessions (Odoo's own work per invoice line aside)."""
        sessions = self._lock_for_invoicing()
        groups = sessions.sorted(lambda s: (s.date_start, s.id)).grouped(
            lambda s: (s.partner_id, s.company_id, s.currency_id)
        )
        vals_list, line_groups = [], []
        for (partner, company, _currency), group in groups.items():
            vals = group._prepare_invoice_vals(partner, company)
            vals["invoice_line_ids"] = []
            line_groups.append(group._get_invoice_line_groups(grouping))
            for line_sessions in line_groups[-1]:
                line_vals = line_sessions._prepare_invoice_line_vals()
                line_vals.update(line_sessions._get_invoice_line_amounts(company))
                vals["invoice_line_ids"].append(Command.create(line_vals))
            vals_list.append(vals)
        # Odoo posts (and routes to followers) one "Invoice Created" message
        # per invoice, six queries each: one batch of log notes instead.
        invoices = (
            self.env["account.move"]
            .sudo()
            .with_context(
                default_move_type="out_invoice",
                helpdesk_session_locked_write=True,
                mail_create_nolog=True,
                helpdesk_distribution_cache=AnalyticDistributionCache(),
            )
            .create(vals_list)
            # Nothing of the creation context goes further than the creation.
            .with_env(self.env(su=True))
        )
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
            self.env["account.move.line"].concat(
                *(invoice.invoice_line_ids.sorted("id") for invoice in invoices)
            ),
            [group for invoice_groups in line_groups for group in invoice_groups],
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

    def _link_invoice_lines(self, lines, line_groups):
        """Link the sessions of each of ``line_groups`` to the invoice line at
        the same place in ``lines`` (made from that group, in that order) and
        mark them invoiced, in one update."""
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
        session."""
        first = self[0]
        ticket = first.ticket_id
        if len(self) == 1:
            summary, session_lines = first._get_invoice_line_detail(), []
        else:
            summary = self.env._(
                "%(count)s sessions: %(total)s min, billed %(billed)s min",
                count=len(self),
                total=sum(self.mapped("total_duration")),
                billed=sum(self.mapped("billed_duration")),
            )
            session_lines = [
                f"- {session._get_invoice_line_detail()}" for session in self
            ]
        if not sum(self.mapped("cost")):
            summary += " " + self.env._("(included in your contract)")
        detail = "\n".join([summary, *session_lines])
        profile = first.profile_id
        vals = {
            "product_id": profile.product_id.id,
            "name": f"{ticket.number} {ticket.name}\n{detail}",
            "quantity": 1.0,
            "price_unit": sum(self.mapped("cost")),
        }
        if profile.analytic_distribution:
            vals["analytic_distribution"] = profile.analytic_distribution
        return vals

    def _get_invoice_line_detail(self):
        """Date, consultant, actual and billed minutes of one session."""
        self.ensure_one()
        start = fields.Datetime.context_timestamp(self, self.date_start)
        return self.env._(
            "%(date)s, %(consultant)s: %(total)s min, billed %(billed)s min",
            date=start.strftime("%Y-%m-%d %H:%M"),
            consultant=self.user_id.name,
            total=self.total_duration,
            billed=self.billed_duration,
        )

    def _release_from_invoice(self):
        """Sessions whose draft invoice line went away are to invoice again."""
        self.sudo().with_context(
            helpdesk_session_locked_write=True, mail_notrack=True
        ).write({"state": "rated", "invoice_line_id": False})

    def _apply_credit_note(self, credit_note):
        """A full credit note of the sessions' invoice: billable again, or
        closed as credited, as Settings say; the links are kept."""
        mode = credit_note.company_id.helpdesk_credit_note_mode
        writer = self.sudo().with_context(
            helpdesk_session_locked_write=True, mail_notrack=True
        )
        for invoice, sessions in writer.grouped("invoice_id").items():
            vals = {"credit_note_id": credit_note.id}
            if mode == "rebill":
                vals.update(
                    {
                        "state": "rated",
                        "invoice_line_id": False,
                        "credited_invoice_id": invoice.id,
                    }
                )
            else:
                vals["state"] = "credited"
            sessions.write(vals)
