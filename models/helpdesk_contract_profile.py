"""The contract profile: a support tariff and the contract it belongs to.

This file owns the profile itself and its tariff: the figures, their checks,
their wording, and the arithmetic applied to sessions (delegated to the
pure-Python ``core/``). Beside it: ``helpdesk_contract_profile_assignment.py``
(which customers a profile bills, and when),
``helpdesk_contract_profile_subscription.py`` (prepaid hours: balance, low
balance, pack and recharge invoices) and
``helpdesk_contract_profile_deferred.py`` (deferred revenue).

A profile is part of the billing ledger: the figures rating, recharging and
invoicing keep on it are refused to anyone else (``helpdesk.ledger.mixin``),
and once sessions were rated under it or it was invoiced, it keeps its
billing type, customer and company and is archived, never deleted.

The public methods ``billable_minutes``, ``price_minutes`` and
``consumption_for`` (and ``profile_for_partner``) are the integrators' API:
they read and compute, never write.
"""

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..core import rating as rating_core
from ..core import tariff as engine
from ..core.tariff import TARIFF_FIGURES


class HelpdeskContractProfile(models.Model):
    _name = "helpdesk.contract.profile"
    _description = "Support contract profile"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "analytic.mixin",
        "helpdesk.ledger.mixin",
    ]
    _order = "name, id"
    _check_company_auto = True

    # What a profile with rated sessions or invoices keeps.
    _billing_history_frozen_fields = ("billing_type", "partner_id", "company_id")

    # ------------------------------------------------------------------
    # Fields
    # ------------------------------------------------------------------
    name = fields.Char(required=True, tracking=True, translate=True)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
        tracking=True,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    billing_type = fields.Selection(
        selection=[
            ("pay_per_use", "Pay-per-use"),
            ("subscription", "Subscription (prepaid hours)"),
        ],
        required=True,
        default="pay_per_use",
        tracking=True,
    )
    product_id = fields.Many2one(
        comodel_name="product.product",
        string="Support product",
        domain=[("type", "=", "service")],
        default=lambda self: self._default_product_id(),
        check_company=True,
        tracking=True,
        help="Service product of the invoice lines: it carries the taxes and the "
        "income account.",
    )
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Salesperson",
        default=lambda self: self.env.user,
        tracking=True,
        help="Responsible for the contract: told when a subscription runs low.",
    )
    date_start = fields.Date(
        string="Valid from",
        tracking=True,
        help="Contract start. Empty: in force since always.",
    )
    date_end = fields.Date(
        string="Valid until",
        tracking=True,
        help="Contract end. Empty: in force until further notice.",
    )
    note = fields.Html(string="Contract terms")

    # Tariff figures (durations in whole minutes)
    min_duration = fields.Integer(
        string="Minimum duration (min)",
        tracking=True,
        help="Sessions shorter than this are neither billed nor counted.",
    )
    initial_step_duration = fields.Integer(
        string="Initial step (min)",
        tracking=True,
        help="First step, charged in full even when the session is shorter. "
        "0 means no initial step.",
    )
    initial_step_cost = fields.Monetary(
        string="Initial step cost", currency_field="currency_id", tracking=True
    )
    step_duration = fields.Integer(
        string="Step (min)",
        default=15,
        tracking=True,
        help="Each started step is charged (or deducted) in full. 1 bills real "
        "minutes, 60 bills started hours.",
    )
    step_cost = fields.Monetary(currency_field="currency_id", tracking=True)
    prepaid_hours = fields.Float(tracking=True, digits=(16, 2))
    amount = fields.Monetary(
        string="Pack price",
        currency_field="currency_id",
        tracking=True,
        help="Price of the prepaid hours pack.",
    )
    overage_profile_id = fields.Many2one(
        comodel_name="helpdesk.contract.profile",
        string="Overage profile",
        domain="[('billing_type', '=', 'pay_per_use'), ('id', '!=', id), "
        "('active', '=', True)]",
        check_company=True,
        tracking=True,
        help="Pay-per-use profile pricing what a session takes beyond the balance. "
        "Without one, the balance goes negative.",
    )
    tariff_summary = fields.Char(compute="_compute_tariff_summary")

    # ------------------------------------------------------------------
    # Defaults
    # ------------------------------------------------------------------
    @api.model
    def _default_product_id(self, company=None):
        product = (company or self.env.company).helpdesk_billing_product_id
        return product or self.env.ref(
            "helpdesk_session_billing.product_support_service",
            raise_if_not_found=False,
        )

    # ------------------------------------------------------------------
    # Compute
    # ------------------------------------------------------------------
    @api.depends(*TARIFF_FIGURES, "currency_id")
    def _compute_tariff_summary(self):
        for profile in self:
            profile.tariff_summary = profile._describe_tariff()

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------
    @api.constrains(*TARIFF_FIGURES)
    def _check_tariff_figures(self):
        for profile in self:
            messages = [
                profile._problem_message(code, figure)
                for code, figure in profile._get_tariff().problems()
            ]
            if messages:
                raise ValidationError(
                    self.env._(
                        "Profile %(name)s: %(problems)s",
                        name=profile.name,
                        problems=" ".join(messages),
                    )
                )

    @api.constrains("date_start", "date_end")
    def _check_date_window(self):
        # Dates outside the accepted window would overflow period arithmetic.
        self.env.company._helpdesk_check_record_dates(self, ["date_start", "date_end"])

    @api.constrains("date_start", "date_end")
    def _check_dates(self):
        for profile in self:
            if (
                profile.date_start
                and profile.date_end
                and profile.date_end < profile.date_start
            ):
                raise ValidationError(
                    self.env._(
                        "Profile %(name)s ends on %(end)s, before it starts on "
                        "%(start)s.",
                        name=profile.name,
                        end=profile.date_end,
                        start=profile.date_start,
                    )
                )

    @api.constrains("overage_profile_id", "billing_type")
    def _check_overage_profile(self):
        for profile in self.filtered("overage_profile_id"):
            overage = profile.overage_profile_id
            if profile.billing_type != "subscription":
                raise ValidationError(
                    self.env._(
                        "Only a subscription has an overage profile (%(name)s is "
                        "pay-per-use).",
                        name=profile.name,
                    )
                )
            if not overage.active:
                raise ValidationError(
                    self.env._(
                        "The overage profile of %(name)s, %(overage)s, is archived: "
                        "choose a profile in use.",
                        name=profile.name,
                        overage=overage.name,
                    )
                )
            if overage.billing_type != "pay_per_use":
                raise ValidationError(
                    self.env._(
                        "The overage profile of %(name)s must be pay-per-use: "
                        "%(overage)s is a subscription.",
                        name=profile.name,
                        overage=overage.name,
                    )
                )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            # The support product of the profile's company, not of the user's.
            if "product_id" not in vals and vals.get("company_id"):
                company = self.env["res.company"].browse(vals["company_id"])
                vals["product_id"] = self._default_product_id(company).id
        return super().create(vals_list)

    def write(self, vals):
        self._check_billing_history_kept(vals)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_billing_history(self):
        used = self._with_billing_history()
        if used:
            raise UserError(
                self.env._(
                    "Profile %(name)s has rated sessions or invoices: archive it "
                    "instead of deleting it.",
                    name=used[0].display_name,
                )
            )

    def unlink(self):
        orphan_rules = self._get_orphan_scope_rules()
        result = super().unlink()
        self.env["helpdesk.scope.rule"]._archive_for_deleted_profiles(orphan_rules)
        return result

    def _check_billing_history_kept(self, vals):
        """Refuse a new billing type, customer or company for the profiles of
        ``self`` that rated sessions or invoices already refer to."""
        changing = [
            fname for fname in self._billing_history_frozen_fields if fname in vals
        ]
        if not changing:
            return
        changed = self.filtered(
            lambda profile: any(
                profile._fields[fname].convert_to_write(profile[fname], profile)
                != (vals[fname] or False)
                for fname in changing
            )
        )
        used = changed._with_billing_history()
        if used:
            raise UserError(
                self.env._(
                    "Profile %(name)s has rated sessions or invoices: its billing "
                    "type, customer and company no longer change. Archive it and "
                    "create a new profile instead.",
                    name=used[0].display_name,
                )
            )

    def _with_billing_history(self):
        """The profiles of ``self`` that rated sessions (or invoiced ones) or
        invoices and entries refer to: one query for each."""
        profiles = self.filtered("id")
        if not profiles:
            return self.browse()
        sessions = (
            self.env["helpdesk.session"]
            .sudo()
            ._read_group([("profile_id", "in", profiles.ids)], ["profile_id"])
        )
        moves = (
            self.env["account.move"]
            .sudo()
            ._read_group(
                [("helpdesk_profile_id", "in", profiles.ids)], ["helpdesk_profile_id"]
            )
        )
        used = {profile.id for [profile] in sessions} | {
            profile.id for [profile] in moves
        }
        return profiles.filtered(lambda profile: profile.id in used)

    def _get_orphan_scope_rules(self):
        """{active scope rule: names of its profiles} for the rules limited to
        profiles of ``self`` only: deleting them would leave the rules limited
        to no profile, that is applying to every customer."""
        rules = (
            self.env["helpdesk.scope.rule"]
            .sudo()
            .search([("profile_ids", "in", self.ids)])
        )
        return {
            rule: rule.profile_ids.mapped("display_name")
            for rule in rules
            if not rule.profile_ids - self
        }

    # ------------------------------------------------------------------
    # Business: tariff arithmetic (delegated to the pure-Python core)
    # ------------------------------------------------------------------
    def _get_tariff(self):
        """The profile's figures as a frozen tariff, the form rating stores."""
        self.ensure_one()
        return engine.Tariff(**{name: self[name] for name in TARIFF_FIGURES})

    def billable_minutes(self, minutes):
        """Minutes charged (pay-per-use) or deducted (subscription) for a session
        of ``minutes``, after the minimum duration and the step rounding."""
        self.ensure_one()
        return engine.billable_minutes(self._get_tariff(), self._checked(minutes))

    def price_minutes(self, minutes):
        """Cost of a session of ``minutes`` under this pay-per-use profile."""
        self.ensure_one()
        if self.billing_type != "pay_per_use":
            raise UserError(
                self.env._(
                    "%(name)s is a subscription: its sessions consume prepaid hours "
                    "and are priced by its overage profile.",
                    name=self.name,
                )
            )
        cost = engine.price_minutes(self._get_tariff(), self._checked(minutes))
        return self.currency_id.round(cost)

    def consumption_for(self, minutes_list, balance_minutes=None):
        """How sessions of ``minutes_list``, taken in order, consume this
        subscription: a list of ``engine.Consumption``, cost rounded.

        The balance defaults to the remaining hours; what it does not cover is
        priced by the overage profile, or left as a negative balance.
        """
        self.ensure_one()
        if self.billing_type != "subscription":
            raise UserError(
                self.env._("%(name)s is not a subscription.", name=self.name)
            )
        if balance_minutes is None:
            balance_minutes = self.remaining_hours * 60.0
        overage = self._get_overage_profile()
        consumptions = engine.consume_in_order(
            self._get_tariff(),
            [self._checked(minutes) for minutes in minutes_list],
            balance_minutes,
            overage._get_tariff() if overage else None,
        )
        currency = overage.currency_id or self.currency_id
        return [
            engine.Consumption(
                **{**vars(consumption), "cost": currency.round(consumption.cost)}
            )
            for consumption in consumptions
        ]

    def _get_overage_profile(self):
        """The profile pricing what goes beyond the balance: the overage
        profile, unless it was archived since (the balance then goes
        negative)."""
        self.ensure_one()
        return self.overage_profile_id.filtered("active")

    def _checked(self, minutes):
        if minutes is None or minutes < 0:
            raise UserError(
                self.env._(
                    "A session duration cannot be negative (%(minutes)s minutes).",
                    minutes=minutes,
                )
            )
        return minutes

    def _rate_sessions(self, sessions, billable=None):
        """{session id: rating values} for ``sessions`` (chronological) of this
        profile's customers. ``billable`` gives a session's billable minutes
        (default: the part its scope rules left billable)."""
        self.ensure_one()
        billable = billable or (lambda session: session.scope_billable_minutes)
        tariff = self._get_tariff()
        overage = self._get_overage_profile()
        overage_tariff = overage._get_tariff() if overage else None
        rule_tariffs = {
            rule.id: rule.tariff_profile_id._get_tariff()
            for rule in self.env["helpdesk.scope.rule"].union(
                *(session.scope_rule_id for session in sessions)
            )
            if rule.tariff_profile_id
        }
        days = (
            self.env["helpdesk.session"].browse(s.id for s in sessions)._local_dates()
        )
        to_rate = [
            rating_core.SessionToRate(
                session.id,
                billable(session),
                rule_tariffs.get(session.scope_rule_id.id),
                self._get_session_surcharge(session),
                days.get(session.id),
            )
            for session in sessions
        ]
        ratings, _balance = rating_core.rate_sessions(
            tariff,
            to_rate,
            self.remaining_hours * 60.0,
            overage_tariff,
            self.surcharge_mode,
            # Each session sees the blocks valid on its day (subscriptions).
            day_balance=self._get_rating_day_balance(),
        )
        figures = {
            "profile": self._tariff_figures(),
            "overage": overage._tariff_figures() if overage else False,
        }
        # One tariff record per rule profile, shared by its sessions (they
        # are stored alike and encoded once).
        rated_tariffs = {}
        result = {}
        for session, rating in zip(sessions, ratings, strict=True):
            rule_profile = session.scope_rule_id.tariff_profile_id
            if rule_profile not in rated_tariffs:
                rated_tariffs[rule_profile] = {
                    **figures,
                    "rule": rule_profile._tariff_figures() if rule_profile else False,
                }
            result[session.id] = {
                "profile_id": self.id,
                "rated_tariff": rated_tariffs[rule_profile],
                "billed_duration": rating.billed_minutes,
                "prepaid_minutes": rating.prepaid_minutes,
                "overage_minutes": rating.overage_minutes,
                "cost": self.currency_id.round(rating.cost),
                **self._prepare_rating_extra_vals(session, rating),
            }
        return result

    def _tariff_figures(self):
        self.ensure_one()
        return {"id": self.id, "name": self.name, **vars(self._get_tariff())}

    # ------------------------------------------------------------------
    # Business: wording
    # ------------------------------------------------------------------
    def _problem_message(self, code, figure):
        label = self._fields[figure].get_description(self.env)["string"]
        if code == "negative":
            return self.env._("%(figure)s cannot be negative.", figure=label)
        if code == "too_large":
            return self.env._(
                "%(figure)s is at most %(bound)s: no invoice could bill more.",
                figure=label,
                bound=engine.FIGURE_BOUNDS[figure],
            )
        return {
            "step_zero": self.env._(
                "A step lasts at least 1 minute (a step of 1 bills real minutes)."
            ),
            "initial_cost_without_duration": self.env._(
                "An initial step with a cost needs a duration."
            ),
            "no_prepaid_hours": self.env._(
                "A subscription needs a positive number of prepaid hours."
            ),
            "unknown_billing_type": self.env._("Unknown billing type."),
        }[code]

    def _describe_tariff(self):
        self.ensure_one()
        currency = self.currency_id
        parts = []
        if self.billing_type == "subscription":
            parts.append(
                self.env._(
                    "%(hours)s h for %(amount)s, consumed in steps of %(step)s min",
                    hours=self.prepaid_hours,
                    amount=currency.format(self.amount) if currency else self.amount,
                    step=self.step_duration,
                )
            )
        else:
            if self.initial_step_duration:
                parts.append(
                    self.env._(
                        "first %(duration)s min: %(cost)s",
                        duration=self.initial_step_duration,
                        cost=currency.format(self.initial_step_cost)
                        if currency
                        else self.initial_step_cost,
                    )
                )
            parts.append(
                self.env._(
                    "each started %(duration)s min: %(cost)s",
                    duration=self.step_duration,
                    cost=currency.format(self.step_cost)
                    if currency
                    else self.step_cost,
                )
            )
        if self.min_duration:
            parts.append(
                self.env._(
                    "sessions under %(duration)s min not counted",
                    duration=self.min_duration,
                )
            )
        return "; ".join(parts)
