from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL, html2plaintext

from ..core import period
from ..core import scope as engine


class HelpdeskScopeRule(models.Model):
    _name = "helpdesk.scope.rule"
    _description = "Support scope rule"
    # Draft sessions follow the rules (SCOPE_TRIGGERS).
    _inherit = ["mail.thread", "helpdesk.scope.source.mixin", "helpdesk.ledger.mixin"]
    _order = "sequence, id"
    _check_company_auto = True

    # ------------------------------------------------------------------
    # Fields
    # ------------------------------------------------------------------
    name = fields.Char(required=True, translate=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
        index=True,
    )
    outcome = fields.Selection(
        selection=[("included", "Included"), ("billable", "Billable")],
        required=True,
        default="included",
        tracking=True,
    )
    profile_ids = fields.Many2many(
        comodel_name="helpdesk.contract.profile",
        relation="helpdesk_scope_rule_profile_rel",
        column1="rule_id",
        column2="profile_id",
        string="Profiles",
        check_company=True,
        # Archived profiles stay in the criterion: a rule limited to them
        # matches no one (no customer is billed under an archived profile),
        # rather than everyone as a rule without profiles would.
        context={"active_test": False},
        help="Limit the rule to customers billed under these profiles. Empty: all. "
        "A rule limited to archived profiles matches no one; deleting its last "
        "profile archives it.",
    )
    tariff_profile_id = fields.Many2one(
        comodel_name="helpdesk.contract.profile",
        string="Own tariff",
        domain=[("billing_type", "=", "pay_per_use")],
        check_company=True,
        help="Pay-per-use tariff pricing the sessions this billable rule matches "
        "(e.g. training at the training rate).",
    )
    category_ids = fields.Many2many(
        comodel_name="helpdesk.ticket.category",
        relation="helpdesk_scope_rule_category_rel",
        column1="rule_id",
        column2="category_id",
        string="Ticket categories",
    )
    tag_ids = fields.Many2many(
        comodel_name="helpdesk.ticket.tag",
        relation="helpdesk_scope_rule_tag_rel",
        column1="rule_id",
        column2="tag_id",
        string="Ticket tags",
    )
    team_ids = fields.Many2many(
        comodel_name="helpdesk.ticket.team",
        relation="helpdesk_scope_rule_team_rel",
        column1="rule_id",
        column2="team_id",
        string="Teams",
    )
    channel_ids = fields.Many2many(
        comodel_name="helpdesk.ticket.channel",
        relation="helpdesk_scope_rule_channel_rel",
        column1="rule_id",
        column2="channel_id",
        string="Channels",
    )
    priority = fields.Selection(
        selection=[
            ("0", "Low"),
            ("1", "Medium"),
            ("2", "High"),
            ("3", "Very High"),
        ],
        help="Match tickets of this priority. Empty: any priority.",
    )
    keywords = fields.Char(
        help="Comma-separated words looked for in the ticket title and "
        "description and in the session note. Empty: no keyword needed.",
    )
    grace_days = fields.Integer(
        help="During the first N days from the customer's contract start the "
        "session is included, whatever the outcome.",
    )
    monthly_allowance_hours = fields.Float(
        digits=(16, 2),
        help="(Included rules) Included up to N hours per calendar month for the "
        "sessions this rule matches, billable beyond.",
    )
    repeat_days = fields.Integer(
        help="(Included rules) Billable when the same customer had a session on a "
        "ticket of the same category within N days.",
    )
    tariff_summary = fields.Char(
        related="tariff_profile_id.tariff_summary", string="Own tariff figures"
    )
    session_count = fields.Integer(compute="_compute_session_count")

    # ------------------------------------------------------------------
    # Compute
    # ------------------------------------------------------------------
    def _compute_session_count(self):
        groups = self.env["helpdesk.session"]._read_group(
            [("scope_rule_id", "in", self.ids)], ["scope_rule_id"], ["__count"]
        )
        counts = {rule.id: count for rule, count in groups}
        for rule in self:
            rule.session_count = counts.get(rule.id, 0)

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------
    @api.constrains("outcome", "grace_days", "monthly_allowance_hours", "repeat_days")
    def _check_conditions(self):
        for rule in self:
            messages = [
                rule._problem_message(code, figure)
                for code, figure in rule._get_core_rule().problems()
            ]
            if messages:
                raise ValidationError(
                    self.env._(
                        "Scope rule %(name)s: %(problems)s",
                        name=rule.name,
                        problems=" ".join(messages),
                    )
                )

    @api.constrains("company_id", "profile_ids", "tariff_profile_id")
    def _check_profiles(self):
        for rule in self:
            others = (rule.profile_ids | rule.tariff_profile_id).filtered(
                lambda profile, rule=rule: profile.company_id != rule.company_id
            )
            if others:
                raise ValidationError(
                    self.env._(
                        "Scope rule %(name)s belongs to %(company)s: it cannot use "
                        "profile %(profile)s of %(other)s.",
                        name=rule.name,
                        company=rule.company_id.name,
                        profile=others[0].display_name,
                        other=others[0].company_id.name,
                    )
                )
            tariff = rule.tariff_profile_id
            if tariff and tariff.billing_type != "pay_per_use":
                raise ValidationError(
                    self.env._(
                        "Scope rule %(name)s: its own tariff must be a pay-per-use "
                        "profile (%(profile)s is a subscription).",
                        name=rule.name,
                        profile=tariff.display_name,
                    )
                )
            if tariff and rule.outcome != "billable":
                raise ValidationError(
                    self.env._(
                        "Scope rule %(name)s includes its sessions: only a billable "
                        "rule prices them with its own tariff.",
                        name=rule.name,
                    )
                )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_view_sessions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "helpdesk_session_billing.helpdesk_session_action"
        )
        action["domain"] = [("scope_rule_id", "=", self.id)]
        action["context"] = {}
        return action

    # ------------------------------------------------------------------
    # Business: profiles gone
    # ------------------------------------------------------------------
    @api.model
    def _archive_for_deleted_profiles(self, profile_names):
        """Archive the rules of ``profile_names`` ({rule: names of the deleted
        profiles it was limited to}), saying why in their chatter: limited to
        no profile, a rule would apply to every customer. (A rule limited to
        archived profiles keeps them, so matches no one while they are.)"""
        rules = self.sudo().union(*profile_names)
        for rule, names in profile_names.items():
            rule.message_post(
                body=self.env._(
                    "Archived: the only profiles it was limited to (%(profiles)s) "
                    "were deleted, and a rule limited to no profile would apply "
                    "to every customer.",
                    profiles=", ".join(names),
                )
            )
        rules.active = False

    # ------------------------------------------------------------------
    # Business: classification (facts gathered in batches, decided by the core)
    # ------------------------------------------------------------------
    def _get_core_rule(self):
        self.ensure_one()
        return engine.Rule(
            id=self.id,
            outcome=self.outcome,
            category_ids=frozenset(self.category_ids.ids),
            tag_ids=frozenset(self.tag_ids.ids),
            team_ids=frozenset(self.team_ids.ids),
            channel_ids=frozenset(self.channel_ids.ids),
            priority=self.priority or None,
            keywords=engine.parse_keywords(self.keywords),
            profile_ids=frozenset(self.profile_ids.ids),
            grace_days=self.grace_days,
            allowance_minutes=round(self.monthly_allowance_hours * 60),
            repeat_days=self.repeat_days,
        )

    @api.model
    def _classify_sessions(self, sessions):
        """Decide the scope of ``sessions`` (draft): {session: engine.Decision}.

        A fixed number of queries per company, whatever the number of sessions:
        rules, profiles, earlier sessions (repeats) and rated sessions
        (allowance already used) are each read once for all of them.
        """
        result = {}
        sessions = sessions.sudo()
        for company in sessions.company_id:
            in_company = sessions.filtered(lambda s, c=company: s.company_id == c)
            result.update(self._classify_company_sessions(in_company, company))
        return result

    @api.model
    def _classify_company_sessions(self, sessions, company):
        tz = company._helpdesk_tz()
        rules = self.sudo().search([("company_id", "=", company.id)])
        core_rules = [rule._get_core_rule() for rule in rules]
        facts = self._session_facts(sessions, tz)
        starts = [session.date_start for session in sessions]
        past = []
        repeat_days = max((rule.repeat_days for rule in core_rules), default=0)
        if repeat_days:
            past = self._past_sessions(
                sessions.partner_id,
                company,
                min(starts) - timedelta(days=repeat_days + 1),
                max(starts),
                tz,
            )
        used = {}
        allowance_rules = rules.filtered("monthly_allowance_hours")
        if allowance_rules:
            used = self._allowance_used(sessions, allowance_rules, company, tz)
        decisions = engine.classify(
            core_rules,
            facts,
            past,
            used,
            default=company.helpdesk_scope_default_outcome or engine.BILLABLE,
        )
        by_id = {decision.session_id: decision for decision in decisions}
        return {session: by_id[session.id] for session in sessions}

    @api.model
    def _session_facts(self, sessions, tz):
        """The facts the rules decide on, for each session of ``sessions``,
        read in one query (the ORM would read a dozen fields of each session,
        ticket and customer one record at a time)."""
        rows = self._read_session_facts(sessions)
        local_starts = {
            session_id: period.to_local(row["date_start"], tz)
            for session_id, row in rows.items()
        }
        # The profile in force on each session's day (the one rating uses).
        profiles = sessions._resolve_profiles(strict=False)
        texts = {}
        facts = []
        for session_id in sessions._ids:
            row = rows[session_id]
            ticket_id = row["ticket_id"]
            if ticket_id not in texts:
                texts[ticket_id] = " ".join(
                    [row["ticket_name"] or "", html2plaintext(row["description"] or "")]
                )
            start = local_starts[session_id]
            partner_id = row["partner_id"]
            profile = profiles.get(session_id)
            contract_start = (profile and profile.date_start) or row["contract_start"]
            facts.append(
                engine.SessionFacts(
                    id=session_id,
                    start=start,
                    minutes=row["total_duration"] or 0,
                    partner_id=partner_id or False,
                    ticket_id=ticket_id or False,
                    category_id=row["category_id"],
                    tag_ids=frozenset(row["tag_ids"] or ()),
                    team_id=row["team_id"],
                    channel_id=row["channel_id"],
                    priority=row["priority"] or None,
                    text=engine.normalize_text(
                        f"{texts[ticket_id]} {row['note'] or ''}"
                    ),
                    profile_id=profile.id if profile else None,
                    contract_start=contract_start or None,
                )
            )
        return facts

    @api.model
    def _read_session_facts(self, sessions):
        """{session id: its row of facts}: the session's start, minutes,
        customer and note, its ticket's words, category, tags, team, channel
        and priority, its customer's contract start."""
        Session = self.env["helpdesk.session"]
        Ticket = self.env["helpdesk.ticket"]
        Session.flush_model(
            ["date_start", "total_duration", "partner_id", "ticket_id", "note"]
        )
        Ticket.flush_model(
            [
                "name",
                "description",
                "category_id",
                "tag_ids",
                "team_id",
                "channel_id",
                "priority",
            ]
        )
        self.env["res.partner"].flush_model(["helpdesk_contract_start"])
        tags = Ticket._fields["tag_ids"]
        self.env.cr.execute(
            SQL(
                """
                SELECT session.id, session.date_start, session.total_duration,
                       session.partner_id, session.note, session.ticket_id,
                       ticket.name AS ticket_name, ticket.description,
                       ticket.category_id, ticket.team_id, ticket.channel_id,
                       ticket.priority, partner.helpdesk_contract_start
                       AS contract_start,
                       ARRAY(
                           SELECT rel.%(tag)s FROM %(relation)s rel
                            WHERE rel.%(ticket)s = ticket.id
                       ) AS tag_ids
                  FROM helpdesk_session session
             LEFT JOIN helpdesk_ticket ticket ON ticket.id = session.ticket_id
             LEFT JOIN res_partner partner ON partner.id = session.partner_id
                 WHERE session.id = ANY(%(ids)s)
                """,
                tag=SQL.identifier(tags.column2),
                relation=SQL.identifier(tags.relation),
                ticket=SQL.identifier(tags.column1),
                ids=list(sessions._ids),
            )
        )
        return {row["id"]: row for row in self.env.cr.dictfetchall()}

    @api.model
    def _past_sessions(self, partners, company, date_from, date_to, tz):
        """Sessions (any state) of ``partners`` on a categorized ticket started
        between the two moments: what a session may repeat. One query."""
        self._flush_scope_facts()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT s.id, s.date_start, s.partner_id, s.ticket_id, t.category_id
                  FROM helpdesk_session s
                  JOIN helpdesk_ticket t ON t.id = s.ticket_id
                 WHERE s.partner_id = ANY(%s)
                   AND s.company_id = %s
                   AND s.date_start BETWEEN %s AND %s
                   AND t.category_id IS NOT NULL
                """,
                partners.ids,
                company.id,
                date_from,
                date_to,
            )
        )
        return [
            engine.PastSession(
                id=session_id,
                start=period.to_local(start, tz),
                partner_id=partner_id,
                ticket_id=ticket_id,
                category_id=category_id,
            )
            for session_id, start, partner_id, ticket_id, category_id in rows
        ]

    @api.model
    def _allowance_used(self, sessions, rules, company, tz):
        """Allowance already taken by rated sessions, as frozen when rated:
        {(rule id, partner id, (year, month)): minutes}. One query."""
        starts = [
            (session.partner_id.id, period.to_local(session.date_start, tz))
            for session in sessions
        ]
        months = {(partner_id, engine.month_of(start)) for partner_id, start in starts}
        # The company's months of the sessions, from the first day of the
        # earliest to the last day of the latest; those in between that no
        # session falls in are left out below.
        days = [start.date() for _partner_id, start in starts]
        date_from, date_to = period.bounds(
            period.month_days(min(days))[0], period.month_days(max(days))[1], tz
        )
        self._flush_scope_facts()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT s.scope_rule_id, s.partner_id, s.date_start,
                       s.scope_included_minutes
                  FROM helpdesk_session s
                 WHERE s.state != 'draft'
                   AND s.scope_rule_id = ANY(%s)
                   AND s.partner_id = ANY(%s)
                   AND s.company_id = %s
                   AND s.date_start >= %s
                   AND s.date_start < %s
                """,
                rules.ids,
                sessions.partner_id.ids,
                company.id,
                date_from,
                date_to,
            )
        )
        used = defaultdict(int)
        for rule_id, partner_id, start, minutes in rows:
            month = engine.month_of(period.to_local(start, tz))
            if (partner_id, month) in months:
                used[(rule_id, partner_id, month)] += minutes or 0
        return dict(used)

    @api.model
    def _flush_scope_facts(self):
        self.env["helpdesk.session"].flush_model(
            [
                "date_start",
                "partner_id",
                "ticket_id",
                "company_id",
                "state",
                "scope_rule_id",
                "scope_included_minutes",
            ]
        )
        self.env["helpdesk.ticket"].flush_model(["category_id"])

    # ------------------------------------------------------------------
    # Business: wording
    # ------------------------------------------------------------------
    @api.model
    def _decision_figures(self, decision):
        """The figures the words of ``decision`` need, as stored on the
        session (JSON: dates as ISO strings). The rule's own figures (grace
        and repeat days) are kept as they were when it decided, so that a
        later change of the rule does not reword a rated session."""
        rule = self.browse(decision.rule_id) if decision.rule_id else self.browse()
        figures = {}
        for key, value in decision.args.items():
            figures[key] = value.isoformat() if hasattr(value, "isoformat") else value
        if decision.reason == engine.REASON_GRACE:
            figures["days"] = rule.grace_days
        elif decision.reason == engine.REASON_REPEAT:
            figures["days"] = rule.repeat_days
        return figures

    def _problem_message(self, code, figure):
        if code == "negative":
            figure = {"allowance_minutes": "monthly_allowance_hours"}.get(
                figure, figure
            )
            return self.env._(
                "%(figure)s cannot be negative.",
                figure=self._fields[figure].get_description(self.env)["string"],
            )
        if code == "too_many_days":
            return self.env._(
                "%(figure)s cannot exceed %(max)s days.",
                figure=self._fields[figure].get_description(self.env)["string"],
                max=engine.MAX_RULE_DAYS,
            )
        if code == "condition_on_billable":
            return self.env._(
                "a monthly allowance or a repeat window only refines an included "
                "rule: this rule is billable."
            )
        return self.env._("Unknown outcome.")
