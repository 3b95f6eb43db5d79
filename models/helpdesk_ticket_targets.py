"""A ticket's response and resolution deadlines, in working hours of its
support calendar, and whether they were met.

The targets are the ticket's contract profile's for its priority, else the
company's defaults (``helpdesk_response_target.py``). The clock starts when
the ticket is created and runs only in the support hours (weekends and the
company's public holidays skipped). The first response is the first session
or the first public reply of an internal user, whichever is earlier.

Deadlines are computed in batches (one calendar computation per calendar and
company, ``core/support_hours.py``), again when the priority, the profile or
the calendar changes. Breaches are stored (searchable, groupable): a ticket
turns breached when it is answered or closed late, or by the hourly job once
its deadline passes.
"""

import math
from datetime import datetime, timedelta

import pytz

from odoo import api, fields, models
from odoo.fields import Domain

# The calendar is computed this far beyond the latest start, in days per
# target hour (at least 3.5 working hours a week) plus two weeks.
DAYS_PER_TARGET_HOUR = 2
DAYS_MARGIN = 14


class HelpdeskTicket(models.Model):
    _inherit = "helpdesk.ticket"

    # ------------------------------------------------------------------
    # Fields
    # ------------------------------------------------------------------
    target_profile_id = fields.Many2one(
        comodel_name="helpdesk.contract.profile",
        string="Contract profile",
        compute="_compute_target_profile_id",
        store=True,
        help="The profile in force for the customer when the ticket was "
        "created: its targets and support hours apply.",
        # A contract's name is the provider's, never the portal's.
        groups="helpdesk_session_billing.group_support_billing_user",
    )
    target_start_date = fields.Datetime(
        string="Targets from",
        compute="_compute_target_start_date",
        store=True,
        readonly=False,
        help="When the response and resolution clocks start (the creation).",
    )
    response_deadline = fields.Datetime(
        compute="_compute_deadlines", store=True, index=True
    )
    resolution_deadline = fields.Datetime(
        compute="_compute_deadlines", store=True, index=True
    )
    first_response_date = fields.Datetime(
        compute="_compute_first_response_date",
        store=True,
        help="The first session or public reply, whichever is earlier.",
    )
    response_breached = fields.Boolean(
        string="Response late", compute="_compute_breaches", store=True, index=True
    )
    resolution_breached = fields.Boolean(
        string="Resolution late", compute="_compute_breaches", store=True, index=True
    )
    target_breached = fields.Boolean(
        string="Target breached",
        compute="_compute_breaches",
        store=True,
        index=True,
        help="Its first response or its resolution came (or is) late.",
    )
    response_time_left = fields.Float(
        string="Response time left (h)",
        compute="_compute_time_left",
        help="Hours until the response deadline; negative when late.",
    )
    resolution_time_left = fields.Float(
        string="Resolution time left (h)",
        compute="_compute_time_left",
        help="Hours until the resolution deadline; negative when late.",
    )

    # ------------------------------------------------------------------
    # Compute
    # ------------------------------------------------------------------
    @api.depends("create_date")
    def _compute_target_start_date(self):
        for ticket in self:
            ticket.target_start_date = ticket.create_date or fields.Datetime.now()

    @api.depends("partner_id", "company_id", "target_start_date")
    def _compute_target_profile_id(self):
        Profile = self.env["helpdesk.contract.profile"]
        for company in self.company_id:
            tickets = self.filtered(
                lambda t, c=company: t.company_id == c and t.partner_id
            )
            dates = {}
            for ticket in tickets:
                dates.setdefault(ticket.partner_id.id, []).append(
                    ticket._target_local_date()
                )
            found = Profile.sudo()._profiles_for(
                tickets.partner_id, dates, company, raise_on_conflict=False
            )
            for ticket in tickets:
                ticket.target_profile_id = found.get(
                    (ticket.partner_id.id, ticket._target_local_date()), Profile
                )
        for ticket in self.filtered(lambda t: not t.partner_id or not t.company_id):
            ticket.target_profile_id = Profile

    @api.depends(
        "priority",
        "target_profile_id",
        "target_start_date",
        "company_id.helpdesk_support_calendar_id",
        "target_profile_id.support_calendar_id",
    )
    def _compute_deadlines(self):
        targets = self._get_response_targets()
        groups = {}
        for ticket in self:
            calendar = ticket.target_profile_id.sudo()._get_support_calendar(
                ticket.company_id
            )
            groups.setdefault((calendar, ticket.company_id), []).append(ticket)
        for (calendar, company), tickets in groups.items():
            hours = {
                ticket.id: targets.get(ticket.id, (0.0, 0.0)) for ticket in tickets
            }
            deadlines = self._plan_deadlines(calendar, company, tickets, hours)
            for ticket in tickets:
                ticket.response_deadline, ticket.resolution_deadline = deadlines[
                    ticket.id
                ]

    @api.depends("session_ids.date_start")
    def _compute_first_response_date(self):
        sessions = dict(
            self.env["helpdesk.session"]
            .sudo()
            ._read_group(
                [("ticket_id", "in", self.ids)], ["ticket_id"], ["date_start:min"]
            )
        )
        replies = dict(
            self.env["mail.message"]
            .sudo()
            ._read_group(
                [
                    ("model", "=", "helpdesk.ticket"),
                    ("res_id", "in", self.ids),
                    ("message_type", "=", "comment"),
                    ("subtype_id", "=", self.env.ref("mail.mt_comment").id),
                    ("author_id.user_ids.share", "=", False),
                ],
                ["res_id"],
                ["date:min"],
            )
        )
        for ticket in self:
            dates = [
                date for date in (sessions.get(ticket), replies.get(ticket.id)) if date
            ]
            ticket.first_response_date = min(dates) if dates else False

    @api.depends(
        "response_deadline",
        "resolution_deadline",
        "first_response_date",
        "closed_date",
    )
    def _compute_breaches(self):
        now = fields.Datetime.now()
        for ticket in self:
            answered = ticket.first_response_date or now
            resolved = ticket.closed_date or now
            ticket.response_breached = bool(
                ticket.response_deadline and answered > ticket.response_deadline
            )
            ticket.resolution_breached = bool(
                ticket.resolution_deadline and resolved > ticket.resolution_deadline
            )
            ticket.target_breached = (
                ticket.response_breached or ticket.resolution_breached
            )

    @api.depends("response_deadline", "resolution_deadline")
    def _compute_time_left(self):
        now = fields.Datetime.now()
        for ticket in self:
            ticket.response_time_left = (
                (ticket.response_deadline - now).total_seconds() / 3600
                if ticket.response_deadline and not ticket.first_response_date
                else 0.0
            )
            ticket.resolution_time_left = (
                (ticket.resolution_deadline - now).total_seconds() / 3600
                if ticket.resolution_deadline and not ticket.closed_date
                else 0.0
            )

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------
    def _target_local_date(self):
        self.ensure_one()
        return self.company_id._helpdesk_local_datetime(self.target_start_date).date()

    def _get_response_targets(self):
        """{ticket id: (response hours, resolution hours)}: the profile's
        target for the ticket's priority, else the company's default. One
        search for all."""
        Target = self.env["helpdesk.response.target"].sudo()
        targets = Target.search(
            [
                ("company_id", "in", self.company_id.ids),
                "|",
                ("profile_id", "=", False),
                ("profile_id", "in", self.target_profile_id.ids),
            ]
        )
        by_key = {(t.company_id.id, t.profile_id.id, t.priority): t for t in targets}
        result = {}
        for ticket in self:
            target = by_key.get(
                (ticket.company_id.id, ticket.target_profile_id.id, ticket.priority)
            ) or by_key.get((ticket.company_id.id, False, ticket.priority))
            if target:
                result[ticket.id] = (target.response_hours, target.resolution_hours)
        return result

    @api.model
    def _plan_deadlines(self, calendar, company, tickets, hours):
        """{ticket id: (response deadline, resolution deadline)}: the target
        hours counted in working time of ``calendar`` from each ticket's
        start (clock hours without calendar)."""
        result = {ticket.id: (False, False) for ticket in tickets}
        planned = [t for t in tickets if t.target_start_date and any(hours[t.id])]
        if not planned:
            return result
        if not calendar:
            for ticket in planned:
                result[ticket.id] = tuple(
                    ticket.target_start_date + timedelta(hours=h) if h else False
                    for h in hours[ticket.id]
                )
            return result
        longest = max(max(hours[t.id]) for t in planned)
        date_from = min(t.target_start_date for t in planned)
        date_to = max(t.target_start_date for t in planned) + timedelta(
            days=DAYS_MARGIN + math.ceil(longest) * DAYS_PER_TARGET_HOUR
        )
        support = self.env["helpdesk.session"]._get_support_timeline(
            calendar, company, date_from, date_to
        )
        for ticket in planned:
            start = pytz.utc.localize(ticket.target_start_date).timestamp()
            deadlines = []
            for target in hours[ticket.id]:
                point = support.work.advance(start, target * 3600) if target else None
                deadlines.append(
                    datetime.fromtimestamp(round(point), pytz.utc).replace(tzinfo=None)
                    if point is not None
                    else False
                )
            result[ticket.id] = tuple(deadlines)
        return result

    @api.model
    def _recompute_open_deadlines(self, domain):
        """Plan again the deadlines of the open tickets of ``domain`` (a
        target, a profile's or a company's calendar changed), in one batch."""
        tickets = self.sudo().search(Domain.AND([domain, [("closed", "=", False)]]))
        if tickets:
            for fname in ("response_deadline", "resolution_deadline"):
                self.env.add_to_compute(self._fields[fname], tickets)
            tickets._recompute_recordset(["response_deadline", "resolution_deadline"])

    def _message_post_after_hook(self, message, msg_vals):
        # A public reply may be the first response.
        result = super()._message_post_after_hook(message, msg_vals)
        if message.message_type == "comment" and not message.subtype_id.internal:
            self.env.add_to_compute(self._fields["first_response_date"], self)
        return result

    @api.model
    def _cron_update_target_breaches(self):
        """Flag the open tickets whose deadline passed unanswered or
        unresolved (their breach depends on the time)."""
        now = fields.Datetime.now()
        tickets = self.sudo().search(
            [
                ("target_breached", "=", False),
                "|",
                "&",
                ("first_response_date", "=", False),
                ("response_deadline", "<", now),
                "&",
                ("closed_date", "=", False),
                ("resolution_deadline", "<", now),
            ]
        )
        if tickets:
            for fname in (
                "response_breached",
                "resolution_breached",
                "target_breached",
            ):
                self.env.add_to_compute(self._fields[fname], tickets)
            tickets._recompute_recordset(
                ["response_breached", "resolution_breached", "target_breached"]
            )
