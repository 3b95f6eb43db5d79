"""Rating: a draft session's billable minutes become billed minutes, prepaid
minutes taken from a subscription, and a cost, frozen with the tariff used.

Rating and unrating are the life-cycle transitions draft -> rated and back
(``helpdesk_session_lifecycle.py``); the arithmetic is the profile's
(``helpdesk_contract_profile.py``, on top of ``core/rating.py``).
"""

from contextlib import contextmanager

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command

from ..core import period

# Transaction cache of the profiles resolved during one rating.
PROFILE_CACHE = "helpdesk_rating_profiles"


class HelpdeskSession(models.Model):
    _inherit = "helpdesk.session"

    # ------------------------------------------------------------------
    # Fields
    # ------------------------------------------------------------------
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

    # ------------------------------------------------------------------
    # Compute
    # ------------------------------------------------------------------
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
        # Accepted quotes of the tickets (helpdesk_session_quote.py).
        drafts._preview_ticket_quotes()

    def _preview_billable_minutes(self):
        """The billable part of the total as it stands in the form: the stored
        scope split, adjusted when the total was just edited."""
        self.ensure_one()
        if self.scope == "included" and not self.scope_billable_minutes:
            return 0
        return max(self.total_duration - self.scope_included_minutes, 0)

    # ------------------------------------------------------------------
    # Actions
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
        with sessions._profiles_resolved_once():
            ratings = sessions._compute_ratings(lock=True)
        # Accepted quotes of the tickets (helpdesk_session_quote.py).
        ratings = sessions._apply_ticket_quotes(ratings)
        # Each session its own figures, in one statement per chunk: the
        # ORM would write them one session (or one set of values) at a time.
        sessions._change_state(
            "rated",
            {"rated_date": fields.Datetime.now(), "rated_user_id": self.env.uid},
            vals_by_id=ratings,
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
        sessions.profile_id.filtered(
            lambda profile: profile.billing_type == "subscription"
        )._lock_for_consumption()
        given_back = {session.id: -session.prepaid_minutes for session in sessions}
        sessions._update_subscription_consumption(given_back)
        sessions._change_state(
            "draft",
            self._prepare_unrate_vals(),
            note=self.env._("unrated: %(reason)s", reason=reason),
        )
        # Back to draft, they are classified again with today's rules.
        sessions._apply_scope_rules()
        return True

    @api.model
    def _prepare_unrate_vals(self):
        return {
            "profile_id": False,
            "rated_tariff": False,
            "billed_duration": 0,
            "prepaid_minutes": 0,
            "overage_minutes": 0,
            "cost": 0.0,
            "rated_date": False,
            "rated_user_id": False,
        }

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
    # Business
    # ------------------------------------------------------------------
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
        self._check_ratable()
        self._apply_scope_rules()
        profiles = self._resolve_profiles()
        subscriptions = (
            self.env["helpdesk.contract.profile"]
            .union(*profiles.values())
            .filtered(lambda profile: profile.billing_type == "subscription")
        )
        if lock:
            subscriptions._lock_for_consumption()
        # Rating reads each subscription's balance and blocks: computed for
        # all of them at once rather than one profile at a time.
        subscriptions.mapped("remaining_hours")
        subscriptions.block_ids.mapped("remaining_minutes")
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
        # Within one rating, the profiles resolved once are reused (a
        # conflict resolves to no profile: strictly, it is resolved again
        # to raise).
        memo = self.env.cr.cache.get(PROFILE_CACHE)
        if memo is not None and all(sid in memo for sid in self._ids):
            result = {sid: Profile.browse(memo[sid]) for sid in self._ids}
            if not strict or all(result.values()):
                return result
        result = {}
        for company in self.company_id:
            sessions = self.filtered(
                lambda s, c=company: s.company_id == c and s.date_start
            )
            # The company's day of each session, read once (thousands of
            # sessions share a few days per customer).
            days = sessions._local_dates()
            dates = {}
            for session in sessions:
                dates.setdefault(session.partner_id.id, set()).add(days[session.id])
            found = Profile._profiles_for(
                sessions.partner_id,
                {partner_id: sorted(on) for partner_id, on in dates.items()},
                company,
                raise_on_conflict=strict,
            )
            for session in sessions:
                result[session.id] = found.get(
                    (session.partner_id.id, days[session.id]), Profile
                )
        if memo is not None:
            memo.update({sid: profile.id for sid, profile in result.items()})
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

    @contextmanager
    def _profiles_resolved_once(self):
        """Within the block, ``_resolve_profiles`` resolves each session's
        profile once (rating needs it for the support split, the figures
        and the blocks)."""
        cache = self.env.cr.cache
        outer = PROFILE_CACHE in cache
        cache.setdefault(PROFILE_CACHE, {})
        try:
            yield
        finally:
            if not outer:
                cache.pop(PROFILE_CACHE, None)

    def _local_date(self):
        """The company's day the session started on: the day its profile
        must be in force."""
        self.ensure_one()
        return self.company_id._helpdesk_local_datetime(self.date_start).date()

    def _local_dates(self):
        """{session id: ``_local_date()``} for the sessions of ``self`` with a
        start, each company's time zone looked up once."""
        zones = {}
        result = {}
        for session in self:
            if session.date_start:
                company = session.company_id
                if company not in zones:
                    zones[company] = company._helpdesk_tz()
                result[session.id] = period.local_date(
                    session.date_start, zones[company]
                )
        return result

    def _get_session_ids_by_profile(self):
        """{profile: ids of its sessions} for the sessions of ``self``,
        grouped in the database: rating has just written their profiles in
        bulk (reading them per session would fetch every session again). The
        sessions at hand only, whatever the rules (they were checked)."""
        return {
            profile.with_env(self.env): session_ids
            for profile, session_ids in self.sudo()._read_group(
                [("id", "in", self.ids)], ["profile_id"], ["id:array_agg"]
            )
        }

    def _update_subscription_consumption(self, minutes_by_session):
        """Add (or give back) prepaid minutes to the subscriptions concerned."""
        totals = {}
        for profile, session_ids in self._get_session_ids_by_profile().items():
            minutes = sum(minutes_by_session.get(sid, 0) for sid in session_ids)
            if minutes and profile.sudo().billing_type == "subscription":
                totals[profile] = minutes
        for profile, minutes in totals.items():
            profile.sudo()._ledger_writer().consumed_minutes += minutes
        # Which blocks the minutes come from (or go back to).
        self._consume_blocks(minutes_by_session)
        if totals:
            profiles = self.env["helpdesk.contract.profile"].union(*totals)
            profiles._recognize_deferred_revenue()
            profiles._check_low_balance()

    # ------------------------------------------------------------------
    # Business: what keeps a session from being rated
    # ------------------------------------------------------------------
    def _get_rating_blockers(self, with_profiles=True):
        """{session: why it cannot be rated as it is} for the drafts of
        ``self``: a timer still running, a ticket without customer and, with
        ``with_profiles``, no single contract profile in force for the
        customer on the session's day. Batched (one profile resolution)."""
        blockers = {}
        drafts = self.filtered(lambda session: session.state == "draft")
        for session in drafts:
            if session.timer_state:
                blockers[session] = self.env._(
                    "it is still being timed: stop its timer first"
                )
            elif not session.partner_id:
                blockers[session] = self.env._(
                    "its ticket %(ticket)s has no customer: set one on the ticket",
                    ticket=session.ticket_id.display_name,
                )
        if with_profiles:
            rest = drafts.filtered(lambda session: session not in blockers)
            profiles = rest._resolve_profiles(strict=False)
            for session in rest.filtered(lambda session: not profiles.get(session.id)):
                blockers[session] = self.env._(
                    "no contract profile (or more than one) is in force for "
                    "%(customer)s on %(day)s",
                    customer=session.partner_id.display_name,
                    day=session._local_date(),
                )
        return blockers

    def _check_ratable(self):
        """Refuse, naming the first one and why, when a draft of ``self``
        cannot be rated (its profile is checked when rating resolves it)."""
        blockers = self._get_rating_blockers(with_profiles=False)
        if blockers:
            session, reason = next(iter(blockers.items()))
            raise UserError(
                self.env._(
                    "Session %(session)s cannot be rated: %(reason)s.",
                    session=session.display_name,
                    reason=reason,
                )
            )
