"""Scope: when and how a draft session is classified as included in the
contract or billable.

The decision is the scope rules' (``helpdesk_scope_rule.py`` gathers the
facts, ``core/scope.py`` decides). This file owns the session's scope fields
and which draft sessions a change concerns: ``SCOPE_TRIGGERS``
(``helpdesk_scope_source_mixin.py``) lists, model by model, every field a
draft session's scope depends on, and the mixin re-classifies through
``_get_scope_dependants``. Rated sessions keep the scope they were rated with.
"""

from datetime import timedelta

from odoo import api, fields, models
from odoo.fields import Domain

from .helpdesk_scope_source_mixin import SCOPE_LIFECYCLE_TRIGGERS, SCOPE_TRIGGERS

# What classification writes on a session.
SCOPE_FIELDS = (
    "scope",
    "scope_rule_id",
    "scope_reason_code",
    "scope_reason_args",
    "scope_included_minutes",
    "scope_billable_minutes",
)


class HelpdeskSession(models.Model):
    _inherit = ["helpdesk.session", "helpdesk.scope.source.mixin"]
    _name = "helpdesk.session"

    # ------------------------------------------------------------------
    # Fields
    # ------------------------------------------------------------------
    # Set by _apply_scope_rules() while the session is draft, frozen once rated.
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
    # The decision, not its words: the reason code of core/scope.py and the
    # figures its sentence needs (dates as ISO strings). The words are
    # rendered when read (``_get_billing_reason``, helpdesk_session_document.py),
    # in the reader's language.
    scope_reason_code = fields.Selection(
        selection=[
            ("default", "Company default"),
            ("rule", "Rule"),
            ("grace", "Grace period"),
            ("repeat", "Repeat"),
            ("allowance", "Within the allowance"),
            ("allowance_split", "Crossing the allowance"),
            ("allowance_used", "Allowance used"),
        ],
        string="Scope decision",
        readonly=True,
        copy=False,
    )
    scope_reason_args = fields.Json(string="Scope figures", readonly=True, copy=False)
    scope_reason = fields.Char(
        string="Reason",
        compute="_compute_billing_reason",
        help="Why the session is included or billed, in your language.",
    )
    billing_kind = fields.Char(
        string="Kind",
        compute="_compute_billing_reason",
        help="Included, billable, overage: what the customer reads.",
    )
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

    # ------------------------------------------------------------------
    # Compute
    # ------------------------------------------------------------------
    @api.depends_context("lang")
    @api.depends(
        *SCOPE_FIELDS,
        "state",
        "billed_duration",
        "prepaid_minutes",
        "overage_minutes",
        "cost",
        "quote_id",
        "quote_charged",
    )
    def _compute_billing_reason(self):
        # The accepted quotes of drafts' tickets, read once for the batch.
        quotes = self.filtered(
            lambda s: s.state == "draft"
        ).ticket_id._get_accepted_quotes()
        for session in self:
            reason = session._get_billing_reason(quotes)
            session.scope_reason = reason["reason"]
            session.billing_kind = reason["kind"]

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------
    def _apply_scope_rules(self):
        """Classify the draft sessions of ``self`` with the scope rules: set
        ``scope``, ``scope_rule_id``, the decision (``scope_reason_code`` and
        ``scope_reason_args``, worded when read) and the included and
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
        writer = drafts._ledger_writer().with_context(tracking_disable=True)
        decisions = Rule._classify_sessions(drafts)
        # What is stored, read in one query (through the ORM, the
        # comparison cost as much as the classification).
        stored = drafts._read_columns(SCOPE_FIELDS)
        changes = {}
        for session, decision in decisions.items():
            vals = {
                "scope": decision.scope,
                "scope_rule_id": decision.rule_id or False,
                "scope_reason_code": decision.reason,
                "scope_reason_args": Rule._decision_figures(decision),
                "scope_included_minutes": decision.included_minutes,
                "scope_billable_minutes": decision.billable_minutes,
            }
            if stored.get(session.id) != tuple(
                vals[fname] or None for fname in SCOPE_FIELDS
            ):
                changes[session.id] = vals
        # One statement per chunk, not a write per session.
        writer._ledger_write_rows(changes)
        return True

    @api.model
    def _migrate_scope_reasons(self):
        """Sessions without a stored decision (classified by a release that
        stored the reason as text): drafts are classified again, the others
        get the decision their rule and figures say, in one statement per
        reason. Called by the 19.0.1.2.0 migration."""
        sessions = (
            self.sudo()
            .with_context(active_test=False)
            .search([("scope_reason_code", "=", False)])
        )
        sessions.filtered(lambda s: s.state == "draft")._apply_scope_rules()
        changes = {}
        for session in sessions.filtered(lambda s: s.state != "draft"):
            rule = session.scope_rule_id
            limit = round(rule.monthly_allowance_hours * 60)
            included = session.scope_included_minutes
            billable = session.scope_billable_minutes
            if not rule:
                code, figures = "default", {}
            elif session.scope == "included" and rule.outcome == "billable":
                code, figures = "grace", {"days": rule.grace_days}
            elif included and billable and limit:
                code, figures = "allowance_split", {"limit": limit}
            elif session.scope == "billable" and rule.outcome == "included":
                if limit:
                    code, figures = "allowance_used", {"limit": limit}
                else:
                    code, figures = "repeat", {"days": rule.repeat_days}
            elif session.scope == "included" and limit:
                code, figures = "allowance", {"limit": limit}
            else:
                code, figures = "rule", {}
            changes[session.id] = {
                "scope_reason_code": code,
                "scope_reason_args": figures or False,
            }
        sessions._ledger_writer().with_context(
            tracking_disable=True
        )._ledger_write_rows(changes)
        return True

    @api.model
    def _is_scope_trigger(self, records, fnames=None):
        """Whether changing ``fnames`` of ``records`` (any field when None:
        creation, deletion) may change the scope of draft sessions."""
        if not records:
            return False
        if fnames is None:
            return records._name in SCOPE_LIFECYCLE_TRIGGERS
        return bool(SCOPE_TRIGGERS[records._name] & set(fnames))

    @api.model
    def _get_scope_dependants(self, records, fnames=None, neighbours=True):
        """The draft sessions whose scope depends on ``records`` (on their
        ``fnames``, on any field when None), as superuser. Sessions bring the
        drafts of their customers' months (``neighbours``): needed before a
        change or a deletion; after one, ``_apply_scope_rules`` finds them
        itself."""
        if not self._is_scope_trigger(records, fnames):
            return self.browse()
        if records._name == self._name:
            drafts = records.sudo().filtered(
                lambda session: session.id and session.state == "draft"
            )
            return (drafts | drafts._scope_neighbours()) if neighbours else drafts
        return self.sudo().search(
            Domain("state", "=", "draft")
            & self._get_scope_dependants_domain(records.sudo())
        )

    @api.model
    def _get_scope_dependants_domain(self, records):
        """Which sessions ``records`` (of a model of SCOPE_TRIGGERS other than
        sessions) decide the scope of."""
        if records._name == "helpdesk.ticket":
            return Domain("ticket_id", "in", records.ids)
        if records._name == "res.partner":
            return Domain("partner_id", "in", records.commercial_partner_id.ids)
        if records._name == "res.company":
            return Domain("company_id", "in", records.ids)
        # Rules and profiles: a profile's tags and rules reach any customer of
        # its company.
        return Domain("company_id", "in", records.company_id.ids)

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
