"""Who a contract profile bills, and when.

A pay-per-use profile reaches its customers directly or through their tags; a
subscription belongs to one customer; the company's default profile covers
the rest. Conflicts (a customer under two profiles at once) are refused on
save; ``profile_for_partner`` (public, read-only) and ``_profiles_for``
(batched) answer which profile is in force. Assignment decides the scope of
draft sessions (scope rules may name profiles): it is one of the
``SCOPE_TRIGGERS``.
"""

from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError


class HelpdeskContractProfile(models.Model):
    _inherit = ["helpdesk.contract.profile", "helpdesk.scope.source.mixin"]
    _name = "helpdesk.contract.profile"

    # ------------------------------------------------------------------
    # Fields
    # ------------------------------------------------------------------
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

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------
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
        # Two profiles can only conflict through a customer of both or tags
        # on both: each profile is compared with those alone (a thousand
        # subscriptions created at once are not a million pairs).
        by_customer = defaultdict(list)
        tagged = []
        for candidate in profiles | others:
            for customer in candidate._direct_customers():
                by_customer[customer.id].append(candidate)
            if candidate.partner_category_ids:
                tagged.append(candidate)
        for profile in profiles:
            related = {
                other
                for customer in profile._direct_customers()
                for other in by_customer[customer.id]
            }
            if profile.partner_category_ids:
                related.update(tagged)
            related.discard(profile)
            for other in sorted(related, key=lambda record: record.id):
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
        return super().create(vals_list)

    def write(self, vals):
        self._normalize_customer(vals)
        return super().write(vals)

    def _normalize_customer(self, vals):
        """A subscription belongs to the commercial partner, not to a contact."""
        if vals.get("partner_id"):
            partner = self.env["res.partner"].browse(vals["partner_id"])
            vals["partner_id"] = partner.commercial_partner_id.id

    # ------------------------------------------------------------------
    # Business
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
        # The partners of the customers asked about (with their contacts),
        # looked up first: the profiles' query then runs in a few
        # milliseconds, where its subquery on the partners made PostgreSQL
        # estimate it costly enough to compile it (JIT, 30 ms) at each call;
        # and a profile shared by thousands of customers is read for these
        # only.
        asked = list(
            self.env["res.partner"]
            .with_context(active_test=False)
            ._search([("commercial_partner_id", "in", commercials.ids)])
        )
        candidates = self.search(
            [
                ("company_id", "=", company.id),
                "|",
                "|",
                ("partner_id", "in", commercials.ids),
                ("partner_ids", "in", asked),
                ("partner_category_ids", "in", commercials.category_id.ids),
            ]
        )
        asked = set(asked)
        by_customer = defaultdict(list)
        by_tag = defaultdict(list)
        for profile in candidates:
            for customer in profile._direct_customers(among=asked):
                by_customer[customer.id].append(profile)
            for tag in profile.partner_category_ids:
                by_tag[tag.id].append(profile)
        # An archived default profile bills no one.
        default = company.helpdesk_default_profile_id.filtered("active")
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

    def _direct_customers(self, among=None):
        """The customers (commercial entities) ``self`` names; with
        ``among`` (partner ids), only those of these partners."""
        partners = self.partner_id | self.partner_ids
        if among is not None:
            partners = partners.filtered(lambda partner: partner.id in among)
        return partners.commercial_partner_id

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
