"""Who may write each field of the module: the one table, and its enforcement.

Every stored (or writable) field the module defines, on its own models and on
Odoo's (ticket, partner, company, invoice, invoice line), is in
``FIELD_RULES`` with one of these rules:

- ``user(*groups)``: users write it, if they hold one of ``groups`` (any
  user with access to the record when there are none); the model's own
  checks say in which states it may still change (a session only while it is
  to rate, a quote's terms only as a draft...).
- ``MODULE``: only the module's own transitions write it (rating,
  invoicing, the timer, recharging...), through ``_ledger_writer()``: its
  context holds a Python object no JSON or XML-RPC client can send.
- ``DERIVED``: computed from other fields (a duration from start and end,
  a session's customer from its ticket); nobody types it over, and the module
  writes it only through ``_ledger_writer()`` where rating freezes it.
- ``JOB``: written by the module's background jobs as superuser; no role has
  write or create access to the model.

The dialogs (transient models) and Settings are ``INPUT_MODELS``: what the
user types there is checked by the dialog's action and written through the
fields above. A field of the module that is not classified is refused, so a
new field is closed until someone classifies it (a test walks the registry).

The check is Odoo's own field access (``_has_field_access``, called by
``create`` and ``write`` for every field given, ``default_*`` context keys
included, and by ``fields_get``): the web client shows these fields read-only
to whoever may not write them, and every RPC client is refused the same way.
"""

from collections import namedtuple

from odoo import api, models
from odoo.exceptions import AccessError

from .helpdesk_ledger_mixin import get_support_reversal, is_ledger_write

MODULE_NAME = "helpdesk_session_billing"
SUPPORT_USER = "helpdesk_session_billing.group_support_billing_user"
BILLING_MANAGER = "helpdesk_session_billing.group_support_billing_manager"
SETTINGS = "base.group_system"


class FieldRule(namedtuple("FieldRule", ["kind", "groups"])):
    """How a field is written: ``kind`` is user, module, derived or job;
    ``groups`` (for user fields) the groups that may write it."""

    __slots__ = ()


def user(*groups):
    return FieldRule("user", tuple(groups))


MODULE = FieldRule("module", ())
DERIVED = FieldRule("derived", ())
JOB = FieldRule("job", ())

# Fields of a ledger record a manager sets when making it.
MANAGER = user(BILLING_MANAGER)
# A consultant's own work, while it is to rate (helpdesk_session_lifecycle.py).
CONSULTANT = user(SUPPORT_USER, BILLING_MANAGER)
# One2many fields: their commands create and write the lines, whose own
# fields are checked; the field itself carries nothing.
LINES = user()
COMPANY_SETTING = user(SETTINGS, BILLING_MANAGER)

FIELD_RULES = {
    "helpdesk.session": {
        # what the consultant records
        "ticket_id": CONSULTANT,
        "user_id": CONSULTANT,
        "date_start": CONSULTANT,
        "date_end": CONSULTANT,
        "extra_duration": CONSULTANT,
        "note": CONSULTANT,
        "device": CONSULTANT,
        # what follows from it
        "partner_id": DERIVED,
        "partner_category_ids": DERIVED,
        "company_id": DERIVED,
        "duration": DERIVED,
        "total_duration": DERIVED,
        "total_hours": DERIVED,
        "is_total_clamped": DERIVED,
        "needs_review": DERIVED,
        "invoice_id": DERIVED,
        # the timer's bookkeeping
        "timer_state": MODULE,
        "pause_start": MODULE,
        "paused_seconds": MODULE,
        # the life cycle, the scope rules and rating
        "state": MODULE,
        "scope": MODULE,
        "scope_rule_id": MODULE,
        "scope_reason_code": MODULE,
        "scope_reason_args": MODULE,
        "scope_included_minutes": MODULE,
        "scope_billable_minutes": MODULE,
        "profile_id": MODULE,
        "rated_tariff": MODULE,
        "billed_duration": MODULE,
        "prepaid_minutes": MODULE,
        "overage_minutes": MODULE,
        "cost": MODULE,
        "rated_date": MODULE,
        "rated_user_id": MODULE,
        "block_allocation_ids": MODULE,
        "support_calendar_id": MODULE,
        "support_in_minutes": MODULE,
        "support_out_minutes": MODULE,
        "support_holiday_minutes": MODULE,
        "surcharge_out_of_hours_rate": MODULE,
        "surcharge_holiday_rate": MODULE,
        "surcharge_minutes": MODULE,
        "surcharge_cost": MODULE,
        "quote_id": MODULE,
        "quote_charged": MODULE,
        # invoicing and credit notes
        "invoice_line_id": MODULE,
        "credit_note_id": MODULE,
        "credited_invoice_id": MODULE,
    },
    "helpdesk.ticket": {
        "session_ids": LINES,
        "quote_ids": LINES,
        # a ticket entered late may start its clock when it was really opened
        "target_start_date": MANAGER,
        "target_profile_id": DERIVED,
        "response_deadline": DERIVED,
        "resolution_deadline": DERIVED,
        "first_response_date": DERIVED,
        "response_breached": DERIVED,
        "resolution_breached": DERIVED,
        "target_breached": DERIVED,
    },
    "helpdesk.ticket.quote": {
        # the terms, frozen once sent (helpdesk_ticket_quote.py)
        "ticket_id": CONSULTANT,
        "user_id": CONSULTANT,
        "description": CONSULTANT,
        "estimated_hours": CONSULTANT,
        "pricing": CONSULTANT,
        "amount": CONSULTANT,
        # the ticket's customer when it was sent, its company
        "partner_id": DERIVED,
        "company_id": DERIVED,
        # its number and life cycle: sending, accepting, declining, cancelling
        "name": MODULE,
        "state": MODULE,
        "signed_by": MODULE,
        "signed_on": MODULE,
        "signature": MODULE,
        "decline_reason": MODULE,
    },
    "helpdesk.contract.profile": {
        **dict.fromkeys(
            [
                "name",
                "active",
                "note",
                "user_id",
                "product_id",
                "date_start",
                "date_end",
                # frozen once rated sessions or invoices refer to the profile
                "billing_type",
                "company_id",
                "partner_id",
                "partner_ids",
                "partner_category_ids",
                # the tariff (sane bounds: helpdesk_contract_profile.py)
                "min_duration",
                "initial_step_duration",
                "initial_step_cost",
                "step_duration",
                "step_cost",
                "overage_profile_id",
                # the pack: an invoiced pack keeps its hours (its block's)
                "prepaid_hours",
                "amount",
                "recharge_ids",
                "support_calendar_id",
                "surcharge_out_of_hours_rate",
                "surcharge_holiday_rate",
                "surcharge_mode",
                "response_target_ids",
                "block_validity_months",
                "block_expiry_notice_days",
                "renewal_period",
                "renewal_date",
                # the renewal job's once a renewal happened
                "renewal_anchor_date",
                "indexation_percent",
                "indexation_index_base",
                "indexation_index",
                "indexation_date",
                "carry_over_mode",
                "carry_over_cap",
                "topup_enabled",
                "topup_threshold",
                "topup_hours",
                "topup_amount",
                "pay_before_use",
            ],
            MANAGER,
        ),
        "recharged_hours": DERIVED,
        "consumed_minutes": MODULE,
        "low_balance_notified": MODULE,
        "pack_invoice_id": MODULE,
        "deferred_recognized_amount": MODULE,
        "deferred_closed": MODULE,
        "topup_armed": MODULE,
        "block_ids": MODULE,
    },
    "helpdesk.contract.recharge": {
        # while not invoiced (helpdesk_contract_recharge.py)
        "profile_id": MANAGER,
        "date": MANAGER,
        "hours": MANAGER,
        "amount": MANAGER,
        "note": MANAGER,
        "correction_of_id": MANAGER,
        "correction_ids": LINES,
        "partner_id": DERIVED,
        "company_id": DERIVED,
        "user_id": MODULE,
        "invoice_id": MODULE,
        "is_top_up": MODULE,
        "block_ids": MODULE,
    },
    "helpdesk.contract.block": {
        **dict.fromkeys(
            [
                "profile_id",
                "kind",
                "recharge_id",
                "date_start",
                "date_expiry",
                "allocation_ids",
                "expired_minutes",
                "date_expired",
                "state",
                "expiry_notified",
                "invoice_deleted",
                "period_start",
                "carried_out_minutes",
                "carried_out_amount",
                "carried_in_amount",
            ],
            MODULE,
        ),
        # from its document (the pack, the recharge) and its consumption
        **dict.fromkeys(
            [
                "partner_id",
                "company_id",
                "hours",
                "amount",
                "invoice_id",
                "is_void",
                "consumed_minutes",
                "remaining_minutes",
                "remaining_hours",
            ],
            DERIVED,
        ),
    },
    "helpdesk.contract.block.allocation": {
        **dict.fromkeys(
            ["profile_id", "block_id", "session_id", "minutes", "move_type", "date"],
            MODULE,
        ),
        "company_id": DERIVED,
    },
    # A SQL view of the blocks and their consumption.
    "helpdesk.contract.balance.move": dict.fromkeys(
        [
            "profile_id",
            "partner_id",
            "company_id",
            "date",
            "sequence",
            "move_type",
            "block_id",
            "session_id",
            "ticket_id",
            "invoice_id",
            "hours",
            "balance",
        ],
        DERIVED,
    ),
    "helpdesk.scope.rule": dict.fromkeys(
        [
            "name",
            "sequence",
            "active",
            "company_id",
            "outcome",
            "profile_ids",
            "tariff_profile_id",
            "category_ids",
            "tag_ids",
            "team_ids",
            "channel_ids",
            "priority",
            "keywords",
            "grace_days",
            "monthly_allowance_hours",
            "repeat_days",
        ],
        MANAGER,
    ),
    "helpdesk.response.target": dict.fromkeys(
        ["company_id", "profile_id", "priority", "response_hours", "resolution_hours"],
        MANAGER,
    ),
    "helpdesk.billing.batch": {
        **dict.fromkeys(
            [
                "operation",
                "company_id",
                "user_id",
                "grouping",
                "post",
                "chunk_ids",
                "state",
                "session_count",
                "chunk_count",
                "done_count",
                "failed_count",
                "done_session_count",
                "summary",
                "engine",
            ],
            JOB,
        ),
    },
    "helpdesk.billing.batch.chunk": {
        **dict.fromkeys(
            [
                "batch_id",
                "company_id",
                "partner_id",
                "session_ids",
                "state",
                "attempts",
                "error",
                "result",
                "date_done",
            ],
            JOB,
        ),
        "session_count": DERIVED,
    },
    "res.partner": {
        # a contract start opens grace periods (free sessions)
        "helpdesk_contract_start": MANAGER,
        "helpdesk_invoice_session_annex": MANAGER,
        "helpdesk_session_ids": LINES,
    },
    "res.company": dict.fromkeys(
        [
            "helpdesk_billing_product_id",
            "helpdesk_default_profile_id",
            "helpdesk_billing_close_days",
            "helpdesk_session_max_minutes",
            "helpdesk_scope_default_outcome",
            "helpdesk_low_balance_threshold",
            "helpdesk_low_balance_unit",
            "helpdesk_low_balance_email",
            "helpdesk_invoice_show_included",
            "helpdesk_invoice_session_annex",
            "helpdesk_credit_note_mode",
            "helpdesk_invoice_pack_on_start",
            "helpdesk_deferred_account_id",
            "helpdesk_deferred_journal_id",
            "helpdesk_batch_threshold",
            "helpdesk_support_calendar_id",
            "helpdesk_topup_post",
            "helpdesk_session_backdate_days",
        ],
        COMPANY_SETTING,
    ),
    "account.move": {
        # the subscription a pack, recharge or deferred revenue entry is of
        "helpdesk_profile_id": MODULE,
    },
    "account.move.line": {
        "helpdesk_session_ids": MODULE,
        # set while Odoo copies an invoice into its credit note (SupportReversal)
        "helpdesk_reversed_line_id": MODULE,
        "helpdesk_credited_session_ids": MODULE,
        # on a cancelled invoice: what it billed, billed again if reset
        "helpdesk_released_session_ids": MODULE,
    },
}

# Dialogs and Settings: their fields are what the user types, checked by the
# dialog's action, written through the fields above.
INPUT_MODELS = frozenset(
    {
        "helpdesk.contract.recharge.wizard",
        "helpdesk.session.invoice.add.wizard",
        "helpdesk.session.invoice.wizard",
        "helpdesk.session.rating.wizard",
        "helpdesk.session.unrate.wizard",
        "res.config.settings",
    }
)


def is_module_field(field):
    """Whether ``field`` is the module's: defined by it, on any model."""
    return field._module == MODULE_NAME


def needs_rule(field):
    """Fields that can be written: stored, or with an inverse. A field
    computed for display only (neither) is written by nobody."""
    return bool(field.store or field.inverse)


def get_rule(model_name, fname):
    """The rule of a field, None when it is not classified."""
    return FIELD_RULES.get(model_name, {}).get(fname)


def may_write(model, field):
    """Whether the current user and context may write ``field`` of ``model``
    (the module's fields only; Odoo decides for its own)."""
    if model._name in INPUT_MODELS or not needs_rule(field):
        return True
    rule = get_rule(model._name, field.name)
    if rule is None:
        return False
    env = model.env
    if rule.kind == "user":
        return (
            not rule.groups
            or env.su
            or any(env.user.has_group(group) for group in rule.groups)
        )
    if is_ledger_write(env):
        return True
    if rule.kind == "job":
        return env.su
    return (
        model._name == "account.move.line"
        and field.name == "helpdesk_reversed_line_id"
        and get_support_reversal(env) is not None
    )


class Base(models.AbstractModel):
    _inherit = "base"

    @api.model
    def _has_field_access(self, field, operation):
        if (
            operation == "write"
            and is_module_field(field)
            and not may_write(self, field)
        ):
            return False
        return super()._has_field_access(field, operation)

    @api.model
    def _check_field_access(self, field, operation):
        if (
            operation == "write"
            and is_module_field(field)
            and not may_write(self, field)
        ):
            raise AccessError(self._get_field_write_refusal(field))
        return super()._check_field_access(field, operation)

    @api.model
    def _get_field_write_refusal(self, field):
        """Why the current user may not write ``field``, as they read it."""
        label = field.get_description(self.env)["string"]
        rule = get_rule(self._name, field.name)
        if rule is None:
            return self.env._(
                "%(field)s is not classified in the billing ledger's table of "
                "fields: nobody may write it until a developer says who may.",
                field=label,
            )
        if rule.kind == "user":
            return self.env._(
                "Only support billing managers (or administrators, for "
                "Settings) may change %(field)s.",
                field=label,
            )
        return self.env._(
            "These figures are kept by the module's own operations (timer, "
            "scope rules, rating, recharging, invoicing), never set by "
            "hand: %(fields)s.",
            fields=label,
        )
