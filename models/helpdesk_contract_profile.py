from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import LockError, UserError, ValidationError
from odoo.fields import Command

from ..core import deferred as deferred_core
from ..core import rating as rating_core
from ..core import tariff as engine

TARIFF_FIGURES = (
    "billing_type",
    "min_duration",
    "initial_step_duration",
    "initial_step_cost",
    "step_duration",
    "step_cost",
    "prepaid_hours",
    "amount",
)


class HelpdeskContractProfile(models.Model):
    _name = "helpdesk.contract.profile"
    _description = "Support contract profile"
    _inherit = ["mail.thread", "mail.activity.mixin", "analytic.mixin"]
    _order = "name, id"
    _check_company_auto = True

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

    # Assignment
    partner_ids = fields.Many2many(
        comodel_name="res.partner",
        relation="helpdesk_contract_profile_partner_rel",
        column1="profile_id",
        column2="partner_id",
        string="Customers",
        help="Customers billed under this pay-per-use profile. A contact is billed "
        "under the profile of its company.",
    )
    partner_category_ids = fields.Many2many(
        comodel_name="res.partner.category",
        relation="helpdesk_contract_profile_category_rel",
        column1="profile_id",
        column2="category_id",
        string="Customer tags",
        help="Customers carrying one of these tags are billed under this profile, "
        "unless a profile names them directly.",
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Customer",
        tracking=True,
        help="The one customer (a company, or an individual) owning this "
        "subscription; its contacts share it.",
    )

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
        domain="[('billing_type', '=', 'pay_per_use'), ('id', '!=', id)]",
        check_company=True,
        tracking=True,
        help="Pay-per-use profile pricing what a session takes beyond the balance. "
        "Without one, the balance goes negative.",
    )
    tariff_summary = fields.Char(compute="_compute_tariff_summary")

    # Subscription balance
    recharge_ids = fields.One2many(
        comodel_name="helpdesk.contract.recharge",
        inverse_name="profile_id",
        string="Recharges",
    )
    recharged_hours = fields.Float(
        compute="_compute_recharged_hours", store=True, digits=(16, 2)
    )
    consumed_minutes = fields.Integer(
        readonly=True,
        copy=False,
        help="Minutes taken from the balance by rated sessions. Rating updates it "
        "under a row lock, so concurrent ratings never consume twice.",
    )
    consumed_hours = fields.Float(
        compute="_compute_balance",
        digits=(16, 2),
        help="Hours taken from the balance by rated sessions.",
    )
    low_balance_notified = fields.Boolean(
        readonly=True,
        copy=False,
        help="The salesperson was told the balance ran low; reset when it rises "
        "above the threshold again.",
    )
    remaining_hours = fields.Float(
        compute="_compute_balance",
        digits=(16, 2),
        help="Prepaid + recharged - consumed hours.",
    )

    # Subscription in accounting
    pack_invoice_id = fields.Many2one(
        comodel_name="account.move",
        string="Pack invoice",
        readonly=True,
        copy=False,
        ondelete="set null",
        help="The invoice of the prepaid hours pack.",
    )
    invoice_ids = fields.Many2many(
        comodel_name="account.move",
        string="Subscription invoices",
        compute="_compute_invoice_ids",
        help="Invoices of the pack and of the recharges.",
    )
    invoice_count = fields.Integer(compute="_compute_invoice_ids")
    deferred_revenue_enabled = fields.Boolean(compute="_compute_deferred_amounts")
    deferred_recognized_amount = fields.Monetary(
        string="Revenue recognized",
        currency_field="currency_id",
        readonly=True,
        copy=False,
        help="Part of the deferred pack and recharge invoices moved to income: "
        "the value of the hours consumed, first in, first out.",
    )
    deferred_remaining_amount = fields.Monetary(
        string="Revenue still deferred",
        currency_field="currency_id",
        compute="_compute_deferred_amounts",
        help="What the deferred revenue account holds for this subscription: the "
        "value of its remaining hours.",
    )
    deferred_closed = fields.Boolean(
        string="Deferred revenue closed",
        readonly=True,
        copy=False,
        help="The subscription ended (or was closed): what was left was "
        "recognized, and later ratings recognize nothing.",
    )

    # ------------------------------------------------------------------
    # Defaults
    # ------------------------------------------------------------------
    @api.model
    def _default_product_id(self):
        product = self.env.company.helpdesk_billing_product_id
        return product or self.env.ref(
            "helpdesk_session_billing.product_support_service",
            raise_if_not_found=False,
        )

    # ------------------------------------------------------------------
    # Compute
    # ------------------------------------------------------------------
    @api.depends("recharge_ids.hours")
    def _compute_recharged_hours(self):
        groups = self.env["helpdesk.contract.recharge"]._read_group(
            [("profile_id", "in", self.ids)], ["profile_id"], ["hours:sum"]
        )
        hours = {profile.id: total for profile, total in groups}
        for profile in self:
            profile.recharged_hours = hours.get(profile.id, 0.0)

    @api.depends("prepaid_hours", "recharged_hours", "consumed_minutes")
    def _compute_balance(self):
        for profile in self:
            profile.consumed_hours = profile.consumed_minutes / 60.0
            if profile.billing_type == "subscription":
                profile.remaining_hours = (
                    profile.prepaid_hours
                    + profile.recharged_hours
                    - profile.consumed_hours
                )
            else:
                profile.remaining_hours = 0.0

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
            if overage.billing_type != "pay_per_use":
                raise ValidationError(
                    self.env._(
                        "The overage profile of %(name)s must be pay-per-use: "
                        "%(overage)s is a subscription.",
                        name=profile.name,
                        overage=overage.name,
                    )
                )

    @api.constrains("billing_type", "partner_id", "partner_ids", "partner_category_ids")
    def _check_assignment_shape(self):
        for profile in self:
            if profile.billing_type == "subscription":
                if profile.partner_ids or profile.partner_category_ids:
                    raise ValidationError(
                        self.env._(
                            "Subscription %(name)s belongs to one customer: set its "
                            "Customer, not customers or tags.",
                            name=profile.name,
                        )
                    )
                if not profile.partner_id:
                    raise ValidationError(
                        self.env._(
                            "Subscription %(name)s needs its customer.",
                            name=profile.name,
                        )
                    )
            elif profile.partner_id:
                raise ValidationError(
                    self.env._(
                        "Pay-per-use profile %(name)s is assigned through its "
                        "customers and customer tags, not a single customer.",
                        name=profile.name,
                    )
                )

    @api.constrains(
        "active",
        "company_id",
        "date_start",
        "date_end",
        "partner_id",
        "partner_ids",
        "partner_category_ids",
    )
    def _check_assignment_conflicts(self):
        profiles = self.filtered("active")
        if not profiles:
            return
        customers = profiles._direct_customers()
        others = self.search(
            [
                ("id", "not in", profiles.ids),
                ("company_id", "in", profiles.company_id.ids),
                "|",
                "|",
                ("partner_id", "in", customers.ids),
                ("partner_ids.commercial_partner_id", "in", customers.ids),
                ("partner_category_ids", "!=", False),
            ]
        )
        candidates = profiles | others
        for profile in profiles:
            for other in candidates - profile:
                if other.company_id == profile.company_id and profile._overlaps(other):
                    profile._raise_if_conflicting(other)

    def _raise_if_conflicting(self, other):
        self.ensure_one()
        common = self._direct_customers() & other._direct_customers()
        if common:
            raise ValidationError(
                self.env._(
                    "%(customer)s would be billed under two profiles at once: "
                    "%(first)s and %(second)s. Limit their validity periods or "
                    "remove the customer from one of them.",
                    customer=common[0].display_name,
                    first=self.display_name,
                    second=other.display_name,
                )
            )
        if not (self.partner_category_ids and other.partner_category_ids):
            return
        common_tags = self.partner_category_ids & other.partner_category_ids
        if common_tags:
            raise ValidationError(
                self.env._(
                    "Customers tagged %(tag)s would be billed under two profiles at "
                    "once: %(first)s and %(second)s.",
                    tag=common_tags[0].display_name,
                    first=self.display_name,
                    second=other.display_name,
                )
            )
        # A customer carrying a tag of each profile, with no profile of its own.
        shared = self.env["res.partner"].search(
            [
                ("category_id", "in", self.partner_category_ids.ids),
                ("category_id", "in", other.partner_category_ids.ids),
            ]
        )
        shared = shared.commercial_partner_id - self._customers_with_direct_profile(
            shared.commercial_partner_id
        )
        if shared:
            raise ValidationError(
                self.env._(
                    "%(customer)s carries tags of two profiles in force at once: "
                    "%(first)s and %(second)s.",
                    customer=shared[0].display_name,
                    first=self.display_name,
                    second=other.display_name,
                )
            )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._normalize_customer(vals)
        profiles = super().create(vals_list)
        profiles._invoice_packs_on_start()
        return profiles

    def write(self, vals):
        self._normalize_customer(vals)
        return super().write(vals)

    def _normalize_customer(self, vals):
        """A subscription belongs to the commercial partner, not to a contact."""
        if vals.get("partner_id"):
            partner = self.env["res.partner"].browse(vals["partner_id"])
            vals["partner_id"] = partner.commercial_partner_id.id

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_open_recharge_wizard(self):
        self.ensure_one()
        if self.billing_type != "subscription":
            raise UserError(
                self.env._(
                    "Only a subscription can be recharged (%(name)s).", name=self.name
                )
            )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Recharge %(name)s", name=self.name),
            "res_model": "helpdesk.contract.recharge.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_profile_id": self.id},
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
        overage = self.overage_profile_id
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

    def _checked(self, minutes):
        if minutes is None or minutes < 0:
            raise UserError(
                self.env._(
                    "A session duration cannot be negative (%(minutes)s minutes).",
                    minutes=minutes,
                )
            )
        return minutes

    # ------------------------------------------------------------------
    # Business: rating
    # ------------------------------------------------------------------
    def _lock_for_consumption(self):
        """Lock the subscriptions' rows while their hours are consumed. A
        concurrent rating holding the lock makes this one fail cleanly (and the
        rating updating ``consumed_minutes`` makes a later one retry on the
        fresh balance, through PostgreSQL's serialization check)."""
        try:
            self.lock_for_update()
        except LockError as error:
            raise UserError(
                self.env._(
                    "Another user is rating sessions of %(names)s right now: try "
                    "again in a moment.",
                    names=", ".join(self.mapped("name")),
                )
            ) from error
        self.invalidate_recordset(["consumed_minutes", "recharged_hours"])

    def _rate_sessions(self, sessions, billable=None):
        """{session id: rating values} for ``sessions`` (chronological) of this
        profile's customers. ``billable`` gives a session's billable minutes
        (default: the part its scope rules left billable)."""
        self.ensure_one()
        billable = billable or (lambda session: session.scope_billable_minutes)
        tariff = self._get_tariff()
        overage = self.overage_profile_id
        overage_tariff = overage._get_tariff() if overage else None
        rule_tariffs = {
            rule.id: rule.tariff_profile_id._get_tariff()
            for rule in self.env["helpdesk.scope.rule"].union(
                *(session.scope_rule_id for session in sessions)
            )
            if rule.tariff_profile_id
        }
        to_rate = [
            rating_core.SessionToRate(
                session.id,
                billable(session),
                rule_tariffs.get(session.scope_rule_id.id),
            )
            for session in sessions
        ]
        ratings, _balance = rating_core.rate_sessions(
            tariff, to_rate, self.remaining_hours * 60.0, overage_tariff
        )
        figures = {
            "profile": self._tariff_figures(),
            "overage": overage._tariff_figures() if overage else False,
        }
        result = {}
        for session, rating in zip(sessions, ratings, strict=True):
            rule_profile = session.scope_rule_id.tariff_profile_id
            result[session.id] = {
                "profile_id": self.id,
                "rated_tariff": {
                    **figures,
                    "rule": rule_profile._tariff_figures() if rule_profile else False,
                },
                "billed_duration": rating.billed_minutes,
                "prepaid_minutes": rating.prepaid_minutes,
                "overage_minutes": rating.overage_minutes,
                "cost": self.currency_id.round(rating.cost),
            }
        return result

    def _tariff_figures(self):
        self.ensure_one()
        return {"id": self.id, "name": self.name, **vars(self._get_tariff())}

    def _check_low_balance(self):
        """Tell the salesperson (and, if enabled, the customer) when a
        subscription falls under the low-balance threshold of Settings."""
        for profile in self.filtered(lambda p: p.billing_type == "subscription"):
            company = profile.company_id
            threshold = company.helpdesk_low_balance_threshold
            if company.helpdesk_low_balance_unit == "percent":
                total = profile.prepaid_hours + profile.recharged_hours
                threshold = total * threshold / 100.0
            low = bool(threshold) and profile.remaining_hours < threshold
            if not low:
                if profile.low_balance_notified:
                    profile.sudo().low_balance_notified = False
                continue
            if profile.low_balance_notified:
                continue
            profile.sudo().low_balance_notified = True
            profile.sudo().activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=(profile.user_id or self.env.user).id,
                summary=self.env._("Low support balance: offer a recharge"),
                note=self.env._(
                    "%(customer)s has %(hours)s h left on %(name)s.",
                    customer=profile.partner_id.display_name,
                    hours=round(profile.remaining_hours, 2),
                    name=profile.name,
                ),
            )
            if company.helpdesk_low_balance_email:
                template = self.env.ref(
                    "helpdesk_session_billing.mail_template_low_balance",
                    raise_if_not_found=False,
                )
                if template and profile.partner_id.email:
                    template.sudo().send_mail(profile.id)

    # ------------------------------------------------------------------
    # Business: which profile bills a customer
    # ------------------------------------------------------------------
    @api.model
    def profile_for_partner(self, partner, date=None, company=None):
        """The one profile in force for ``partner`` on ``date`` (default today),
        in ``company`` (default the current one); empty when there is none.

        A profile naming the customer (or its company) beats a profile reaching
        it through a tag; without either, the company's default profile applies.
        """
        partner.ensure_one()
        date = fields.Date.to_date(date) or fields.Date.context_today(self)
        company = company or self.env.company
        return self._profiles_for(partner, date, company)[(partner.id, date)]

    @api.model
    def _profiles_for(self, partners, date, company, raise_on_conflict=True):
        """Batch resolution: {(partner id, date): profile} for ``partners``, each
        on ``date`` (a date, or a {partner id: [dates]} mapping), in ``company``.
        """
        dates_by_partner = (
            date if isinstance(date, dict) else {p.id: [date] for p in partners}
        )
        commercials = partners.commercial_partner_id
        candidates = self.search(
            [
                ("company_id", "=", company.id),
                "|",
                "|",
                ("partner_id", "in", commercials.ids),
                ("partner_ids.commercial_partner_id", "in", commercials.ids),
                ("partner_category_ids", "in", commercials.category_id.ids),
            ]
        )
        by_customer = defaultdict(list)
        by_tag = defaultdict(list)
        for profile in candidates:
            for customer in profile._direct_customers():
                by_customer[customer.id].append(profile)
            for tag in profile.partner_category_ids:
                by_tag[tag.id].append(profile)
        default = company.helpdesk_default_profile_id
        result = {}
        for partner in partners:
            customer = partner.commercial_partner_id
            tagged = {
                profile
                for tag in customer.category_id
                for profile in by_tag.get(tag.id, ())
            }
            for day in dates_by_partner.get(partner.id, ()):
                found = [
                    p for p in by_customer.get(customer.id, ()) if p._in_force(day)
                ]
                if not found:
                    found = [p for p in tagged if p._in_force(day)]
                if len(found) > 1 and raise_on_conflict:
                    raise UserError(
                        self.env._(
                            "%(customer)s is billed under two profiles on %(date)s: "
                            "%(first)s and %(second)s. Fix their assignment or "
                            "validity.",
                            customer=customer.display_name,
                            date=day,
                            first=found[0].display_name,
                            second=found[1].display_name,
                        )
                    )
                if len(found) == 1:
                    result[(partner.id, day)] = found[0]
                elif not found and default and default._in_force(day):
                    result[(partner.id, day)] = default
                else:
                    result[(partner.id, day)] = self.browse()
        return result

    def _direct_customers(self):
        return (self.partner_id | self.partner_ids).commercial_partner_id

    @api.model
    def _customers_with_direct_profile(self, customers):
        profiles = self.search(
            [
                "|",
                ("partner_id", "in", customers.ids),
                ("partner_ids.commercial_partner_id", "in", customers.ids),
            ]
        )
        return profiles._direct_customers() & customers

    def _in_force(self, day):
        self.ensure_one()
        return (not self.date_start or self.date_start <= day) and (
            not self.date_end or day <= self.date_end
        )

    def _overlaps(self, other):
        self.ensure_one()
        return (
            not self.date_start
            or not other.date_end
            or self.date_start <= other.date_end
        ) and (
            not other.date_start
            or not self.date_end
            or other.date_start <= self.date_end
        )

    # ------------------------------------------------------------------
    # Business: wording
    # ------------------------------------------------------------------
    def _problem_message(self, code, figure):
        if code == "negative":
            return self.env._(
                "%(figure)s cannot be negative.",
                figure=self._fields[figure].get_description(self.env)["string"],
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

    # ------------------------------------------------------------------
    # Subscriptions in accounting: compute
    # ------------------------------------------------------------------
    @api.depends("pack_invoice_id", "recharge_ids.invoice_id")
    def _compute_invoice_ids(self):
        # Cancelled pack invoices replaced by a new one still link back.
        linked = (
            self.env["account.move"]
            .sudo()
            .search(
                [
                    ("helpdesk_profile_id", "in", self.ids),
                    ("move_type", "in", ("out_invoice", "out_refund")),
                ]
            )
            .grouped("helpdesk_profile_id")
        )
        for profile in self:
            invoices = (
                profile.pack_invoice_id
                | profile.recharge_ids.invoice_id
                | linked.get(profile, self.env["account.move"]).sudo(False)
            )
            profile.invoice_ids = invoices
            profile.invoice_count = len(invoices)

    @api.depends(
        "company_id.helpdesk_deferred_account_id",
        "company_id.helpdesk_deferred_journal_id",
        "pack_invoice_id.line_ids.balance",
        "pack_invoice_id.reversal_move_ids.state",
        "recharge_ids.invoice_id.line_ids.balance",
        "recharge_ids.invoice_id.reversal_move_ids.state",
        "deferred_recognized_amount",
    )
    def _compute_deferred_amounts(self):
        for profile in self:
            enabled = profile._deferred_revenue_enabled()
            profile.deferred_revenue_enabled = enabled
            if not enabled or profile.billing_type != "subscription":
                profile.deferred_remaining_amount = 0.0
                continue
            total = deferred_core.total_value(profile._deferred_layers())
            profile.deferred_remaining_amount = profile.currency_id.round(
                float(total) - profile.deferred_recognized_amount
            )

    # ------------------------------------------------------------------
    # Subscriptions in accounting: actions
    # ------------------------------------------------------------------
    def action_invoice_pack(self):
        """Invoice the prepaid hours pack (a draft customer invoice)."""
        self._check_pack_invoiceable()
        invoices = self._create_pack_invoices()
        return invoices._get_action_view_invoices()

    def action_view_invoices(self):
        self.ensure_one()
        return self.invoice_ids._get_action_view_invoices()

    def action_close_subscription(self):
        """Recognize the deferred revenue left (the hours not used are lost to
        the customer) and close the subscription's deferred revenue."""
        if not self.env.user.has_group(
            "helpdesk_session_billing.group_support_billing_manager"
        ):
            raise UserError(
                self.env._("Only support billing managers close subscriptions.")
            )
        not_subscriptions = self.filtered(lambda p: p.billing_type != "subscription")
        if not_subscriptions:
            raise UserError(
                self.env._(
                    "%(name)s is not a subscription: there is nothing to close.",
                    name=not_subscriptions[0].name,
                )
            )
        self.check_access("write")
        self._close_deferred_revenue()
        return True

    # ------------------------------------------------------------------
    # Subscriptions in accounting: invoices
    # ------------------------------------------------------------------
    def _check_pack_invoiceable(self):
        for profile in self:
            if profile.billing_type != "subscription":
                raise UserError(
                    self.env._(
                        "%(name)s is not a subscription: it has no pack to invoice.",
                        name=profile.name,
                    )
                )
            invoice = profile.pack_invoice_id
            if invoice and invoice.state != "cancel":
                raise UserError(
                    self.env._(
                        "The pack of %(name)s is already invoiced: %(invoice)s.",
                        name=profile.name,
                        invoice=invoice.display_name,
                    )
                )
            if profile.currency_id.compare_amounts(profile.amount, 0) <= 0:
                raise UserError(
                    self.env._(
                        "%(name)s has no pack price: there is nothing to invoice.",
                        name=profile.name,
                    )
                )

    def _invoice_packs_on_start(self):
        """Invoice the packs of new subscriptions already in force, for the
        companies invoicing packs when they start; later starts are left to
        the daily job."""
        today = fields.Date.context_today(self)
        profiles = self.filtered(
            lambda p: (
                p.company_id.helpdesk_invoice_pack_on_start
                and p.billing_type == "subscription"
                and not p.pack_invoice_id
                and p.currency_id.compare_amounts(p.amount, 0) > 0
                and (not p.date_start or p.date_start <= today)
            )
        )
        if profiles:
            profiles._create_pack_invoices()

    @api.model
    def _cron_invoice_started_packs(self):
        """Daily: invoice the packs of subscriptions that started since they
        were created (the ones in force at creation were invoiced then)."""
        today = fields.Date.context_today(self)
        companies = self.env["res.company"].search(
            [("helpdesk_invoice_pack_on_start", "=", True)]
        )
        if not companies:
            return
        profiles = self.search(
            [
                ("company_id", "in", companies.ids),
                ("billing_type", "=", "subscription"),
                ("pack_invoice_id", "=", False),
                ("amount", ">", 0),
                ("date_start", "<=", today),
                "|",
                ("date_end", "=", False),
                ("date_end", ">=", today),
            ]
        )
        profiles = profiles.filtered(
            lambda p: p.date_start > fields.Date.to_date(p.create_date)
        )
        if profiles:
            profiles._create_pack_invoices()

    def _create_pack_invoices(self):
        """One draft invoice per subscription for its pack; linked both ways."""
        invoices = self._create_subscription_invoices(
            [
                (
                    profile,
                    self.env._(
                        "%(name)s: pack of %(hours)s prepaid hours",
                        name=profile.name,
                        hours=_hours(profile.prepaid_hours),
                    ),
                    profile.amount,
                )
                for profile in self
            ]
        )
        for profile, invoice in zip(self, invoices, strict=True):
            profile.sudo().pack_invoice_id = invoice
        self._recognize_deferred_revenue()
        return invoices

    @api.model
    def _create_subscription_invoices(self, items):
        """Draft customer invoices, one per (profile, label, amount) of
        ``items``, in that order. Like sale, a user who may change the
        subscriptions but not create invoices gets them made as superuser."""
        Move = self.env["account.move"]
        if not items:
            return Move
        if not Move.has_access("create"):
            self.union(*(profile for profile, _label, _amount in items)).check_access(
                "write"
            )
            Move = Move.sudo()
        invoices = Move
        for profile, label, amount in items:
            vals = profile._prepare_invoice_vals()
            vals["invoice_line_ids"] = [
                Command.create(profile._prepare_invoice_line_vals(label, amount))
            ]
            invoices |= (
                Move.with_company(profile.company_id)
                .with_context(default_move_type="out_invoice")
                .create([vals])
            )
        return invoices.sudo(False)

    def _prepare_invoice_vals(self):
        """Header of a pack or recharge invoice (lines added by the caller)."""
        self.ensure_one()
        return {
            "move_type": "out_invoice",
            "partner_id": self.partner_id.id,
            "company_id": self.company_id.id,
            "currency_id": self.currency_id.id,
            "invoice_origin": self.name,
            "invoice_user_id": self.user_id.id,
            "helpdesk_profile_id": self.id,
        }

    def _prepare_invoice_line_vals(self, label, amount):
        """One line billing ``amount`` exactly: quantity 1, the hours in the
        label; taxes come from the product, the account is the deferred
        revenue account when the company defers support revenue."""
        self.ensure_one()
        vals = {
            "name": label,
            "quantity": 1.0,
            "price_unit": amount,
        }
        if self.product_id:
            vals["product_id"] = self.product_id.id
            unit = self.env.ref("uom.product_uom_unit", raise_if_not_found=False)
            if unit:
                vals["product_uom_id"] = unit.id
        if self._deferred_revenue_enabled():
            vals["account_id"] = self.company_id.helpdesk_deferred_account_id.id
        return vals

    # ------------------------------------------------------------------
    # Subscriptions in accounting: deferred revenue
    # ------------------------------------------------------------------
    def _deferred_revenue_enabled(self):
        self.ensure_one()
        company = self.company_id
        return bool(
            company.helpdesk_deferred_account_id
            and company.helpdesk_deferred_journal_id
        )

    def _deferred_layers(self):
        """The subscription's blocks of hours, first in, first out: the pack,
        then the recharges by date. Each is worth what its invoice credited to
        the deferred account, less what its posted credit notes took back; one
        without (not invoiced, cancelled, invoiced outside the deferral) is
        worth 0 but keeps its place."""
        self.ensure_one()
        account = self.company_id.helpdesk_deferred_account_id

        def deferred_value(invoice):
            if not account or not invoice or invoice.state == "cancel":
                return 0.0
            credit_notes = invoice.reversal_move_ids.filtered(
                lambda move: move.state == "posted"
            )
            lines = (invoice | credit_notes).line_ids.filtered(
                lambda line: line.account_id == account
            )
            return -sum(lines.mapped("balance"))

        layers = [
            deferred_core.Layer.from_hours(
                self.prepaid_hours, deferred_value(self.pack_invoice_id)
            )
        ]
        for recharge in self.recharge_ids.sorted(lambda r: (r.date, r.id)):
            layers.append(
                deferred_core.Layer.from_hours(
                    recharge.hours, deferred_value(recharge.invoice_id)
                )
            )
        return layers

    def _recognize_deferred_revenue(self, close=False):
        """Post, per subscription, one entry moving the value of the hours
        consumed since the last one from deferred revenue to income (back when
        hours are given back). ``close`` recognizes everything left and closes
        the subscription's deferred revenue. Returns the entries."""
        entries_vals = []
        for profile in self:
            if (
                profile.billing_type != "subscription"
                or not profile._deferred_revenue_enabled()
                or (profile.deferred_closed and not close)
            ):
                continue
            currency = profile.currency_id
            result = deferred_core.recognition(
                profile._deferred_layers(),
                profile.consumed_minutes,
                profile.deferred_recognized_amount,
                digits=currency.decimal_places,
                close=close,
            )
            vals = {"deferred_recognized_amount": result.recognized}
            if close:
                vals["deferred_closed"] = True
            profile.sudo().write(vals)
            if not currency.is_zero(result.delta):
                entries_vals.append(
                    profile._prepare_recognition_move_vals(result.delta, close=close)
                )
        if not entries_vals:
            return self.env["account.move"]
        entries = self.env["account.move"].sudo().create(entries_vals)
        entries.action_post()
        return entries.sudo(False)

    def _close_deferred_revenue(self):
        self._lock_for_consumption()
        self._recognize_deferred_revenue(close=True)
        for profile in self.filtered(lambda p: not p.deferred_closed):
            profile.sudo().deferred_closed = True
            profile.message_post(body=self.env._("Subscription closed."))

    @api.model
    def _cron_close_ended_subscriptions(self):
        """Daily: close the deferred revenue of subscriptions that ended."""
        today = fields.Date.context_today(self)
        profiles = self.search(
            [
                ("billing_type", "=", "subscription"),
                ("deferred_closed", "=", False),
                ("date_end", "<", today),
                ("company_id.helpdesk_deferred_account_id", "!=", False),
                ("company_id.helpdesk_deferred_journal_id", "!=", False),
            ]
        )
        for profile in profiles:
            profile._close_deferred_revenue()

    def _get_deferred_income_account(self):
        """Where recognized revenue goes: the product's income account (the
        customer's fiscal position applied), or the sale journal's."""
        self.ensure_one()
        company = self.company_id
        account = self.env["account.account"]
        if self.product_id:
            fiscal_position = (
                self.env["account.fiscal.position"]
                .with_company(company)
                ._get_fiscal_position(self.partner_id)
            )
            account = (
                self.product_id.with_company(company)
                .product_tmpl_id.get_product_accounts(fiscal_pos=fiscal_position)
                .get("income")
            )
        if not account:
            journal = self.env["account.journal"].search(
                [
                    *self.env["account.journal"]._check_company_domain(company),
                    ("type", "=", "sale"),
                ],
                limit=1,
            )
            account = journal.default_account_id
        if not account:
            raise UserError(
                self.env._(
                    "No income account for the support revenue of %(name)s: set "
                    "one on its product.",
                    name=self.name,
                )
            )
        return account

    def _prepare_recognition_move_vals(self, amount, close=False):
        """A journal entry moving ``amount`` from deferred revenue to income
        (the other way when negative)."""
        self.ensure_one()
        company = self.company_id
        if close:
            label = self.env._(
                "%(name)s: closed, deferred revenue left recognized", name=self.name
            )
        else:
            label = self.env._(
                "%(name)s: %(hours)s h consumed, revenue recognized",
                name=self.name,
                hours=_hours(self.consumed_minutes / 60.0),
            )
        line = {"partner_id": self.partner_id.id, "name": label}
        return {
            "move_type": "entry",
            "journal_id": company.helpdesk_deferred_journal_id.id,
            "company_id": company.id,
            "date": fields.Date.context_today(self),
            "ref": label,
            "helpdesk_profile_id": self.id,
            "line_ids": [
                Command.create(
                    {
                        **line,
                        "account_id": company.helpdesk_deferred_account_id.id,
                        "balance": amount,
                    }
                ),
                Command.create(
                    {
                        **line,
                        "account_id": self._get_deferred_income_account().id,
                        "balance": -amount,
                    }
                ),
            ],
        }


def _hours(hours):
    return f"{hours:.2f}".rstrip("0").rstrip(".")
