"""Subscriptions: prepaid hours, their balance, and their invoices.

The balance is the pack plus the recharges less what rated sessions consumed
(``consumed_minutes``). Every path changing it (rating, unrating, recharging,
invoicing the pack, crediting, closing) first takes the subscription's row
lock, ``_lock_for_consumption``, so that two users never lose a consumption;
the daily jobs skip a subscription locked by someone else until their next
run. This file also owns the low-balance warning and the pack and recharge
invoices (support billing managers only); their deferred revenue is
``helpdesk_contract_profile_deferred.py``'s.
"""

import logging

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, LockError, UserError
from odoo.fields import Command, Domain

from ..core.tariff import format_hours
from .account_analytic_distribution_model import AnalyticDistributionCache
from .helpdesk_ledger_mixin import LEDGER_WRITE, LEDGER_WRITE_KEY

_logger = logging.getLogger(__name__)


class HelpdeskContractProfile(models.Model):
    _inherit = "helpdesk.contract.profile"

    # ------------------------------------------------------------------
    # Fields
    # ------------------------------------------------------------------
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

    @api.depends(
        "billing_type",
        "prepaid_hours",
        "consumed_minutes",
        "block_ids.hours",
        "block_ids.expired_minutes",
    )
    def _compute_balance(self):
        # The blocks' hours (pack, recharges, renewals...) less what expired
        # and what sessions consumed (overdrawn minutes included).
        groups = self.env["helpdesk.contract.block"]._read_group(
            [("profile_id", "in", self.ids)],
            ["profile_id"],
            ["hours:sum", "expired_minutes:sum"],
        )
        totals = {profile.id: (hours, expired) for profile, hours, expired in groups}
        for profile in self:
            profile.consumed_hours = profile.consumed_minutes / 60.0
            hours, expired = totals.get(profile._origin.id, (0.0, 0.0))
            profile.expired_hours = expired / 60.0
            if profile.billing_type == "subscription" and not profile._origin.id:
                # A form not saved yet: no blocks, the pack is the balance.
                profile.remaining_hours = profile.prepaid_hours
            elif profile.billing_type == "subscription":
                profile.remaining_hours = (
                    hours - profile.expired_hours - profile.consumed_hours
                )
            else:
                profile.remaining_hours = 0.0

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

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        profiles = super().create(vals_list)
        profiles._sync_pack_blocks()
        profiles._invoice_packs_on_start()
        return profiles

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

    def action_invoice_pack(self):
        """Invoice the prepaid hours pack (a draft customer invoice)."""
        self._check_subscription_invoicing_rights()
        self._check_pack_invoiceable()
        invoices = self._create_pack_invoices()
        return invoices._get_action_view_invoices()

    def action_view_invoices(self):
        self.ensure_one()
        return self.invoice_ids._get_action_view_invoices()

    # ------------------------------------------------------------------
    # Business: balance
    # ------------------------------------------------------------------
    def _lock_for_consumption(self):
        """Lock the subscriptions' rows while their balance changes (rating,
        unrating, recharging, invoicing, crediting, closing). A concurrent
        change holding the lock makes this one fail cleanly (and the change
        updating the subscription makes a later one retry on the fresh
        balance, through PostgreSQL's serialization check)."""
        try:
            self.lock_for_update()
        except LockError as error:
            raise UserError(
                self.env._(
                    "Another user is rating, recharging or invoicing %(names)s "
                    "right now: try again in a moment.",
                    names=", ".join(self.sudo().mapped("name")),
                )
            ) from error
        self.invalidate_recordset(["consumed_minutes", "recharged_hours"])

    def _get_low_balance_threshold(self):
        """The hours under which the subscription's balance is low (Settings:
        hours, or a percentage of the hours bought); 0 when no threshold."""
        self.ensure_one()
        company = self.company_id
        threshold = company.helpdesk_low_balance_threshold
        if company.helpdesk_low_balance_unit == "percent":
            total = self.prepaid_hours + self.recharged_hours
            threshold = total * threshold / 100.0
        return threshold

    def _check_low_balance(self):
        """Tell the salesperson (and, if enabled, the customer) when a
        subscription falls under the low-balance threshold of Settings: one
        activity per subscription that just crossed it, created together,
        and one email each."""
        subscriptions = self.filtered(lambda p: p.billing_type == "subscription")
        crossed = self.browse()
        back_above = self.browse()
        for profile in subscriptions:
            threshold = profile._get_low_balance_threshold()
            low = bool(threshold) and profile.remaining_hours < threshold
            if not low:
                if profile.low_balance_notified:
                    back_above |= profile
            elif not profile.low_balance_notified:
                crossed |= profile
        if back_above:
            back_above.sudo()._ledger_writer().low_balance_notified = False
        if not crossed:
            return
        crossed.sudo()._ledger_writer().low_balance_notified = True
        # Odoo would email each assignee once per activity (a month-end
        # crossing a thousand balances, a thousand emails): each is told
        # once, of all theirs.
        activities = (
            self.env["mail.activity"]
            .sudo()
            .with_context(mail_activity_quick_update=True)
            .create(
                [profile._prepare_low_balance_activity_vals() for profile in crossed]
            )
        )
        self._notify_low_balance_assignees(activities)
        template = self.env.ref(
            "helpdesk_session_billing.mail_template_low_balance",
            raise_if_not_found=False,
        )
        to_email = crossed.filtered(
            lambda p: p.company_id.helpdesk_low_balance_email and p.partner_id.email
        )
        if template and to_email:
            template.sudo().send_mail_batch(to_email.ids)

    def _notify_low_balance_assignees(self, activities):
        """One notification per assignee of the low-balance ``activities``
        (not the user at hand, as Odoo's own assignment notice), listing
        their subscriptions, in the assignee's language."""
        by_user = {}
        for activity in activities.filtered(
            lambda act: act.user_id and act.user_id != self.env.user
        ):
            by_user.setdefault(activity.user_id, []).append(activity)
        for user, user_activities in by_user.items():
            env = self.with_context(lang=user.lang).env
            profiles = self.browse([act.res_id for act in user_activities])
            items = Markup().join(
                Markup('<li><a href="/odoo/%s/%s">%s</a>: %s</li>')
                % (self._name, profile.id, profile.display_name, activity.note)
                for profile, activity in zip(profiles, user_activities, strict=True)
            )
            self.env["mail.thread"].sudo().message_notify(
                partner_ids=user.partner_id.ids,
                subject=env._(
                    "Low support balance: recharges to offer (%(count)s)",
                    count=len(user_activities),
                ),
                body=Markup("<p>%s</p><ul>%s</ul>")
                % (
                    env._("A to-do is assigned to you on each of them:"),
                    items,
                ),
                email_layout_xmlid="mail.mail_notification_layout",
            )

    def _prepare_low_balance_activity_vals(self):
        """What ``activity_schedule`` would create: a to-do for the
        subscription's salesperson (else the user at hand)."""
        self.ensure_one()
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        return {
            "activity_type_id": activity_type.id,
            "summary": self.env._("Low support balance: offer a recharge"),
            "note": self.env._(
                "%(customer)s has %(hours)s h left on %(name)s.",
                customer=self.partner_id.display_name,
                hours=round(self.remaining_hours, 2),
                name=self.name,
            ),
            "automated": True,
            "date_deadline": fields.Date.context_today(self),
            "res_model_id": self.env["ir.model"]._get_id(self._name),
            "res_id": self.id,
            "user_id": (self.user_id or self.env.user).id,
        }

    # ------------------------------------------------------------------
    # Business: pack and recharge invoices
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
        profiles = self.filtered(
            lambda p: (
                p.company_id.helpdesk_invoice_pack_on_start
                and p.billing_type == "subscription"
                and not p.pack_invoice_id
                and p.currency_id.compare_amounts(p.amount, 0) > 0
                and (not p.date_start or p.date_start <= p.company_id._helpdesk_today())
            )
        )
        if profiles:
            profiles._create_pack_invoices()

    @api.model
    def _cron_invoice_started_packs(self):
        """Daily: invoice the packs of subscriptions that started since they
        were created (the ones in force at creation were invoiced then)."""
        companies = self.env["res.company"].search(
            [("helpdesk_invoice_pack_on_start", "=", True)]
        )
        if not companies:
            return
        profiles = self.search(
            Domain(
                [
                    ("billing_type", "=", "subscription"),
                    ("pack_invoice_id", "=", False),
                    ("amount", ">", 0),
                ]
            )
            & self._get_company_days_domain(
                companies,
                lambda today: (
                    Domain("date_start", "<=", today)
                    & (Domain("date_end", "=", False) | Domain("date_end", ">=", today))
                ),
            )
        )
        profiles = profiles.filtered(
            lambda p: p.date_start > fields.Date.to_date(p.create_date)
        )
        locked = profiles._lock_free_for_cron("Pack invoicing")
        if locked:
            locked._create_pack_invoices()

    @api.model
    def _get_company_days_domain(self, companies, on_day):
        """Profiles of ``companies`` matching ``on_day(today)``, each company
        with its own today (its time zone's), not the user's: a daily job
        compares dates as each company counts them."""
        return Domain.OR(
            Domain("company_id", "=", company.id) & on_day(company._helpdesk_today())
            for company in companies
        )

    def _lock_free_for_cron(self, job):
        """The subscriptions of ``self`` no other transaction holds, locked: a
        daily job works on those, and leaves one another user is rating (or
        recharging...) right now for its next run rather than failing."""
        locked = self.try_lock_for_update()
        if self - locked:
            _logger.info(
                "%s: subscriptions %s are in use, left for the next run",
                job,
                (self - locked).ids,
            )
        return locked

    def _create_pack_invoices(self):
        """One draft invoice per subscription for its pack; linked both ways."""
        self._lock_for_consumption()
        invoices = self._create_subscription_invoices(
            [
                (
                    profile,
                    self.env._(
                        "%(name)s: pack of %(hours)s prepaid hours",
                        name=profile.name,
                        hours=format_hours(profile.prepaid_hours),
                    ),
                    profile.amount,
                )
                for profile in self
            ]
        )
        for profile, invoice in zip(self, invoices, strict=True):
            profile.sudo()._ledger_writer().pack_invoice_id = invoice
        # The pack blocks take their invoice now, with the hours and price it
        # sold: from then on they keep them (``_compute_from_source``).
        packs = self.sudo().block_ids.filtered(lambda b: b.kind == "pack")
        packs.mapped("invoice_id")
        packs.filtered("invoice_deleted")._ledger_writer().invoice_deleted = False
        self._recognize_deferred_revenue()
        return invoices

    def _check_subscription_invoicing_rights(self):
        """Pack and recharge invoices are the billing managers' (and the
        daily job's, which runs as superuser)."""
        if not self.env.su and not self.env.user.has_group(
            "helpdesk_session_billing.group_support_billing_manager"
        ):
            raise AccessError(
                self.env._(
                    "Only support billing managers invoice subscription packs and "
                    "recharges."
                )
            )

    @api.model
    def _create_subscription_invoices(self, items):
        """Draft customer invoices, one per (profile, label, amount) of
        ``items``, in that order; an item of four, (profile, label, amount,
        credited invoice), makes a credit note of that invoice for the
        (negative) amount instead. Like sale, a billing manager who may not
        create invoices gets them made as superuser."""
        Move = self.env["account.move"]
        if not items:
            return Move
        self._check_subscription_invoicing_rights()
        self.union(*(item[0] for item in items)).check_access("write")
        if not Move.has_access("create"):
            Move = Move.sudo()
        # One create per company and move type (a renewal job's batch of
        # invoices in one go), the invoices returned in the items' order.
        groups = {}
        for index, (profile, label, amount, *rest) in enumerate(items):
            credited = rest[0] if rest else Move.browse()
            vals = profile._prepare_invoice_vals(credited)
            vals["invoice_line_ids"] = [
                Command.create(
                    profile._prepare_invoice_line_vals(label, abs(amount), credited)
                )
            ]
            key = (profile.company_id, vals["move_type"])
            groups.setdefault(key, []).append((index, vals))
        by_index = {}
        for (company, move_type), indexed in groups.items():
            CompanyMove = Move.with_company(company).with_context(
                default_move_type=move_type,
                # One lookup of the distribution models and of the journal
                # for the batch, not one per invoice; no "created" note each.
                helpdesk_distribution_cache=AnalyticDistributionCache(),
                mail_create_nolog=True,
            )
            # Customer invoices and credit notes, in the company's currency:
            # the journal Odoo would pick for each.
            journal = (
                self.env["account.journal"]
                .sudo()
                .search(
                    [
                        *self.env["account.journal"]._check_company_domain(company),
                        ("type", "=", "sale"),
                    ],
                    limit=1,
                )
            )
            # Their subscription link is the module's to write.
            created = (
                CompanyMove.with_context(**{LEDGER_WRITE_KEY: LEDGER_WRITE})
                .create(
                    [
                        {**({"journal_id": journal.id} if journal else {}), **vals}
                        for _index, vals in indexed
                    ]
                )
                .with_env(CompanyMove.env)
            )
            by_index.update(
                zip((index for index, _vals in indexed), created, strict=True)
            )
        invoices = Move.union(*(by_index[index] for index in range(len(items))))
        return invoices.sudo(False)

    def _prepare_invoice_vals(self, credited_invoice=None):
        """Header of a pack or recharge invoice (lines added by the caller), or
        of a credit note of ``credited_invoice``."""
        self.ensure_one()
        vals = {
            "move_type": "out_invoice",
            "partner_id": self.partner_id.id,
            "company_id": self.company_id.id,
            "currency_id": self.currency_id.id,
            "invoice_origin": self.name,
            "invoice_user_id": self.user_id.id,
            "helpdesk_profile_id": self.id,
        }
        if credited_invoice:
            vals.update(
                {
                    "move_type": "out_refund",
                    "reversed_entry_id": credited_invoice.id,
                    "invoice_origin": credited_invoice.name,
                }
            )
        return vals

    def _prepare_invoice_line_vals(self, label, amount, credited_invoice=None):
        """One line billing ``amount`` exactly: quantity 1, the hours in the
        label; taxes come from the product, the account is the deferred
        revenue account when the company defers support revenue. A credit
        note's line takes the account of the line it credits."""
        self.ensure_one()
        vals = {
            "name": label,
            "quantity": 1.0,
            "price_unit": amount,
        }
        if self.product_id:
            vals["product_id"] = self.product_id.id
            # The cached id (``env.ref`` checks the record exists each time).
            unit_id = self.env["ir.model.data"]._xmlid_to_res_id(
                "uom.product_uom_unit", raise_if_not_found=False
            )
            if unit_id:
                vals["product_uom_id"] = unit_id
        credited_line = (
            credited_invoice
            and credited_invoice.invoice_line_ids.filtered(
                lambda line: line.display_type == "product"
            )[:1]
        )
        if credited_line:
            vals["account_id"] = credited_line.account_id.id
        elif self._deferred_revenue_enabled():
            vals["account_id"] = self.company_id.helpdesk_deferred_account_id.id
        return vals
