"""What decides the scope of draft sessions, and the mixin re-classifying
them when it changes.

``SCOPE_TRIGGERS`` is the one list of what a draft session's scope depends on.
Each model in it inherits ``helpdesk.scope.source.mixin``, whose ``create``,
``write`` and ``unlink`` ask the sessions' ``_get_scope_dependants``
(``helpdesk_session_scope.py``) which draft sessions the change concerns,
before and after it, and re-classify them.
"""

from odoo import api, models

# Model -> the fields a draft session's scope depends on. A change of one of
# them re-classifies the draft sessions it concerns.
SCOPE_TRIGGERS = {
    "helpdesk.session": frozenset(
        {
            "ticket_id",
            "date_start",
            "date_end",
            "paused_seconds",
            "extra_duration",
            "note",
        }
    ),
    # What the ticket says: its category, tags, team, channel, priority, words,
    # and its customer and company (whose rules and allowance apply).
    "helpdesk.ticket": frozenset(
        {
            "category_id",
            "tag_ids",
            "team_id",
            "channel_id",
            "priority",
            "name",
            "description",
            "partner_id",
            "company_id",
        }
    ),
    "helpdesk.scope.rule": frozenset(
        {
            "active",
            "sequence",
            "company_id",
            "outcome",
            "category_ids",
            "tag_ids",
            "team_ids",
            "channel_ids",
            "priority",
            "keywords",
            "profile_ids",
            "grace_days",
            "monthly_allowance_hours",
            "repeat_days",
        }
    ),
    # Which profile is in force for a customer (rules may name profiles) and
    # from when (grace periods).
    "helpdesk.contract.profile": frozenset(
        {
            "active",
            "company_id",
            "billing_type",
            "date_start",
            "date_end",
            "partner_id",
            "partner_ids",
            "partner_category_ids",
        }
    ),
    # A customer's tags assign profiles; its contract start starts grace periods.
    "res.partner": frozenset({"category_id", "helpdesk_contract_start"}),
    "res.company": frozenset(
        {"helpdesk_scope_default_outcome", "helpdesk_default_profile_id"}
    ),
}

# Models whose records' creation or deletion re-classifies draft sessions too
# (a new ticket, customer or company has no session yet).
SCOPE_LIFECYCLE_TRIGGERS = frozenset(
    {"helpdesk.session", "helpdesk.scope.rule", "helpdesk.contract.profile"}
)


class HelpdeskScopeSourceMixin(models.AbstractModel):
    """A model of ``SCOPE_TRIGGERS``: the draft sessions whose scope it decides
    are re-classified when it changes."""

    _name = "helpdesk.scope.source.mixin"
    _description = "Record deciding the scope of draft sessions"

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        self.env["helpdesk.session"]._get_scope_dependants(
            records, neighbours=False
        )._apply_scope_rules()
        return records

    def write(self, vals):
        Session = self.env["helpdesk.session"]
        if not Session._is_scope_trigger(self, vals):
            return super().write(vals)
        # Before and after: a session moved to another month, or a customer
        # leaving a profile, changes the scope of sessions on both sides.
        before = Session._get_scope_dependants(self, vals)
        result = super().write(vals)
        after = Session._get_scope_dependants(self, vals, neighbours=False)
        (before | after)._apply_scope_rules()
        return result

    def unlink(self):
        dependants = self.env["helpdesk.session"]._get_scope_dependants(self)
        result = super().unlink()
        dependants.exists()._apply_scope_rules()
        return result
