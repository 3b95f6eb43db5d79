"""A session's minutes in and out of the support hours, and its surcharge.

Every session's total minutes are split into in-hours, out-of-hours and
holiday minutes, in the time zone of its support calendar (its contract
profile's, else its company's, from Settings). The calendar's working time
and public holidays (``resource.calendar.leaves`` without resource, of the
session's company) are computed once per calendar, company and period for
all the sessions at hand; each session's split is then pure interval
arithmetic (``core/support_hours.py``).

The split is stored, refreshed when the session's times change and again
just before rating (the profile or the calendar may have changed since).
Rating freezes it with the multipliers of the profile
(``helpdesk_contract_profile_support_hours.py``): the split, the multipliers
and what the surcharge added are protected ledger figures.
"""

from datetime import timedelta

import pytz

from odoo import api, fields, models

from ..core import support_hours as split_core
from ..core.tariff import format_hours

SPLIT_FIELDS = (
    "support_calendar_id",
    "support_in_minutes",
    "support_out_minutes",
    "support_holiday_minutes",
)
SURCHARGE_FIELDS = (
    "surcharge_out_of_hours_rate",
    "surcharge_holiday_rate",
    "surcharge_minutes",
    "surcharge_cost",
)
# The calendar is computed a day beyond the sessions either way, so that
# no time zone puts a session outside it.
CALENDAR_MARGIN = timedelta(days=1)
# Transaction cache of the timelines a batch prepared for its chunks.
TIMELINE_CACHE = "helpdesk_support_timelines"
# Transaction cache of the support calendars of a batch's sessions.
CALENDAR_CACHE = "helpdesk_support_calendars"


class HelpdeskSession(models.Model):
    _inherit = "helpdesk.session"

    # ------------------------------------------------------------------
    # Fields
    # ------------------------------------------------------------------
    support_calendar_id = fields.Many2one(
        comodel_name="resource.calendar",
        string="Support hours",
        compute="_compute_support_split",
        store=True,
        help="The calendar the session's minutes were split by.",
    )
    support_in_minutes = fields.Integer(
        string="In hours (min)",
        compute="_compute_support_split",
        store=True,
        aggregator="sum",
        help="Minutes of the total within the support hours.",
    )
    support_out_minutes = fields.Integer(
        string="Out of hours (min)",
        compute="_compute_support_split",
        store=True,
        aggregator="sum",
        help="Minutes of the total outside the support hours (public holidays "
        "excepted).",
    )
    support_holiday_minutes = fields.Integer(
        string="Holiday (min)",
        compute="_compute_support_split",
        store=True,
        aggregator="sum",
        help="Minutes of the total on a public holiday of the support calendar.",
    )
    surcharge_out_of_hours_rate = fields.Float(
        string="Out-of-hours multiplier",
        readonly=True,
        copy=False,
        digits=(16, 2),
        help="The multiplier of out-of-hours minutes the session was rated with.",
    )
    surcharge_holiday_rate = fields.Float(
        string="Holiday multiplier",
        readonly=True,
        copy=False,
        digits=(16, 2),
        help="The multiplier of holiday minutes the session was rated with.",
    )
    surcharge_minutes = fields.Integer(
        string="Surcharge (min)",
        readonly=True,
        copy=False,
        aggregator="sum",
        help="Prepaid minutes the surcharge added to the minutes consumed.",
    )
    surcharge_cost = fields.Monetary(
        currency_field="currency_id",
        readonly=True,
        copy=False,
        aggregator="sum",
        help="The surcharge's part of the cost.",
    )

    # ------------------------------------------------------------------
    # Compute
    # ------------------------------------------------------------------
    @api.depends("date_start", "date_end", "total_duration", "company_id")
    def _compute_support_split(self):
        values = self._get_support_split_vals()
        for session in self:
            session.update(values[session.id])

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------
    def _compute_ratings(self, lock=False):
        # The profile or its calendar may have changed since the split.
        self.filtered(lambda session: session.state == "draft")._refresh_support_split()
        return super()._compute_ratings(lock=lock)

    def _refresh_support_split(self):
        """Split the sessions of ``self`` again and rewrite those whose split
        changed: the profiles resolved and each calendar computed once for
        all of them (the ORM recomputes in chunks, which reuse both)."""
        if not self:
            return
        cache = self.env.cr.cache
        cache[TIMELINE_CACHE] = {}
        cache[CALENDAR_CACHE] = self._get_support_calendars()
        try:
            values = self._get_support_split_vals()
            # Compared with what is stored in one query (through the ORM,
            # the comparison cost more than the split).
            stored = self._read_columns(SPLIT_FIELDS)
            stale = self.browse(
                session_id
                for session_id, vals in values.items()
                if stored.get(session_id)
                != (
                    vals["support_calendar_id"].id or None,
                    *(vals[fname] or None for fname in SPLIT_FIELDS[1:]),
                )
            )
            for fname in SPLIT_FIELDS:
                self.env.add_to_compute(self._fields[fname], stale)
            stale._recompute_recordset(SPLIT_FIELDS)
        finally:
            cache.pop(TIMELINE_CACHE, None)
            cache.pop(CALENDAR_CACHE, None)

    def _get_support_split_vals(self):
        """{session id: its split fields' values}: the sessions grouped by
        support calendar and company, each group split at once."""
        calendars = self._get_support_calendars()
        groups = {}
        for session in self:
            calendar = calendars.get(session.id) or self.env["resource.calendar"]
            groups.setdefault((calendar, session.company_id), []).append(session)
        values = {}
        for (calendar, company), sessions in groups.items():
            splits = self._split_by_calendar(calendar, company, sessions)
            for session in sessions:
                split = splits[session.id]
                values[session.id] = {
                    "support_calendar_id": calendar,
                    "support_in_minutes": split[split_core.IN_HOURS],
                    "support_out_minutes": split[split_core.OUT_OF_HOURS],
                    "support_holiday_minutes": split[split_core.HOLIDAY],
                }
        return values

    @api.model
    def _get_cached_support_timeline(self, calendar, company, date_from, date_to):
        """A timeline covering the period computed earlier in the same
        ``_refresh_support_split``, else a new one (kept for the next chunks
        during one)."""
        cache = self.env.cr.cache.get(TIMELINE_CACHE)
        for (calendar_id, company_id, start, stop), timeline in (cache or {}).items():
            if (
                calendar_id == calendar.id
                and company_id == company.id
                and start <= date_from
                and date_to <= stop
            ):
                return timeline
        timeline = self._get_support_timeline(calendar, company, date_from, date_to)
        if cache is not None:
            cache[calendar.id, company.id, date_from, date_to] = timeline
        return timeline

    def _get_support_calendars(self):
        """{session id: support calendar}: the rated profile's, else the
        profile in force's (drafts), else the company's."""
        prepared = self.env.cr.cache.get(CALENDAR_CACHE)
        if prepared is not None and all(sid in prepared for sid in self._ids):
            return prepared
        result = {}
        drafts = self.filtered(
            lambda s: s.state == "draft" and s.date_start and s.partner_id
        )
        profiles = drafts._resolve_profiles(strict=False) if drafts else {}
        # Thousands of sessions share a few profiles: each calendar once.
        calendars = {}
        for session in self:
            profile = session.profile_id or profiles.get(session.id)
            key = (profile, session.company_id)
            if key not in calendars:
                calendars[key] = (
                    profile._get_support_calendar()
                    if profile
                    else session.company_id.helpdesk_support_calendar_id
                )
            result[session.id] = calendars[key]
        return result

    @api.model
    def _split_by_calendar(self, calendar, company, sessions):
        """{session id: {category: minutes}} for ``sessions`` of ``company``
        under ``calendar``: one computation of its working time and public
        holidays over the period they cover, then interval arithmetic."""
        spans = []
        for session in sessions:
            start = session.date_start or fields.Datetime.now()
            stop = max(session.date_end or start, start)
            spans.append((session.id, start, stop, session.total_duration))
        if not calendar:
            return {
                key: split_core.allocate(minutes, {split_core.IN_HOURS: 1})
                for key, _start, _stop, minutes in spans
            }
        support = self._get_cached_support_timeline(
            calendar,
            company,
            min(span[1] for span in spans),
            max(span[2] for span in spans),
        )
        return split_core.split_sessions(
            support,
            [
                (key, self._timestamp(start), self._timestamp(stop), minutes)
                for key, start, stop, minutes in spans
            ],
        )

    @api.model
    def _get_support_timeline(self, calendar, company, date_from, date_to):
        """The working time and public holidays of ``calendar`` for
        ``company`` between two naive UTC datetimes, as a core
        SupportCalendar (UTC timestamps)."""
        tz = pytz.timezone(calendar.tz or "UTC")
        start = pytz.utc.localize(date_from - CALENDAR_MARGIN)
        stop = pytz.utc.localize(date_to + CALENDAR_MARGIN)
        calendar = calendar.sudo()
        work = calendar._work_intervals_batch(start, stop, tz=tz, compute_leaves=False)[
            False
        ]
        # Public holidays only (no resource), of this company only: without
        # the company, other companies' holidays would count.
        holidays = calendar._leave_intervals_batch(
            start,
            stop,
            domain=[
                ("time_type", "=", "leave"),
                ("resource_id", "=", False),
                ("company_id", "=", company.id),
            ],
            tz=tz,
        )[False]
        return split_core.SupportCalendar.build(
            [(begin.timestamp(), end.timestamp()) for begin, end, _rec in work],
            [(begin.timestamp(), end.timestamp()) for begin, end, _rec in holidays],
        )

    @staticmethod
    def _timestamp(value):
        return pytz.utc.localize(value).timestamp()

    def _get_surcharge_label(self):
        """What the invoice line says of the session's time out of hours and
        its rate ("" without surcharge)."""
        self.ensure_one()
        parts = []
        if self.support_out_minutes and self.surcharge_out_of_hours_rate > 1:
            parts.append(
                self.env._(
                    "%(minutes)s min out of hours at x%(rate)s",
                    minutes=self.support_out_minutes,
                    rate=format_hours(self.surcharge_out_of_hours_rate),
                )
            )
        if self.support_holiday_minutes and self.surcharge_holiday_rate > 1:
            parts.append(
                self.env._(
                    "%(minutes)s min on a holiday at x%(rate)s",
                    minutes=self.support_holiday_minutes,
                    rate=format_hours(self.surcharge_holiday_rate),
                )
            )
        return ", ".join(parts)

    def _get_invoice_line_detail(self):
        detail = super()._get_invoice_line_detail()
        label = self._get_surcharge_label()
        return f"{detail} ({label})" if label else detail

    @api.model
    def _prepare_unrate_vals(self):
        return {
            **super()._prepare_unrate_vals(),
            "surcharge_out_of_hours_rate": 0.0,
            "surcharge_holiday_rate": 0.0,
            "surcharge_minutes": 0,
            "surcharge_cost": 0.0,
        }
