"""Deferred revenue of subscriptions.

Pack and recharge invoices (the blocks' invoices) credit a deferred revenue
account (Settings); each rating and unrating moves the value of the minutes
consumed, each at its own block's price (``core/blocks.py``), to income in one
journal entry; an expiry recognizes the value of the minutes it takes;
closing a subscription recognizes what is left. The deferred account's
balance for a subscription is always the value of its unexpired remaining
hours. A recharge's corrections (negative recharges) take their hours off its
block, their credit notes its value."""

from datetime import date

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command, Domain

from ..core import blocks as blocks_core
from ..core import deferred as deferred_core
from ..core.tariff import format_hours
from .account_analytic_distribution_model import AnalyticDistributionCache
from .helpdesk_ledger_mixin import LEDGER_WRITE, LEDGER_WRITE_KEY


class HelpdeskContractProfile(models.Model):
    _inherit = "helpdesk.contract.profile"

    # ------------------------------------------------------------------
    # Fields
    # ------------------------------------------------------------------
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
    # Compute
    # ------------------------------------------------------------------
    @api.depends(
        "company_id.helpdesk_deferred_account_id",
        "company_id.helpdesk_deferred_journal_id",
        "pack_invoice_id.line_ids.balance",
        "pack_invoice_id.reversal_move_ids.state",
        "recharge_ids.invoice_id.line_ids.balance",
        "recharge_ids.invoice_id.reversal_move_ids.state",
        "block_ids.invoice_id.line_ids.balance",
        "block_ids.invoice_id.reversal_move_ids.state",
        "deferred_recognized_amount",
    )
    def _compute_deferred_amounts(self):
        for profile in self:
            enabled = profile._deferred_revenue_enabled()
            profile.deferred_revenue_enabled = enabled
            if not enabled or profile.billing_type != "subscription":
                profile.deferred_remaining_amount = 0.0
                continue
            total = blocks_core.total_value(profile._deferred_block_values())
            profile.deferred_remaining_amount = profile.currency_id.round(
                float(total) - profile.deferred_recognized_amount
            )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
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
    # Business
    # ------------------------------------------------------------------
    def _deferred_revenue_enabled(self):
        self.ensure_one()
        company = self.company_id
        return bool(
            company.helpdesk_deferred_account_id
            and company.helpdesk_deferred_journal_id
        )

    def _deferred_layers(self):
        """The subscription's blocks as layers of deferred revenue, in the
        order they are consumed (expiring first, then oldest); each is worth
        what its invoice credited to the deferred account, less what its
        posted credit notes took back (0 without one)."""
        self.ensure_one()
        blocks = self.block_ids.sorted(
            lambda b: (b.date_expiry or date.max, b._fifo_start(), b.id)
        )
        return [
            deferred_core.Layer.from_hours(block.hours, block._get_deferred_value())
            for block in blocks
        ]

    def _deferred_block_values(self):
        """The blocks as ``core/blocks.py`` values them: each block's deferred
        value and its used minutes (consumed or expired)."""
        self.ensure_one()
        return [
            blocks_core.BlockValue(
                minutes=block.hours * 60.0,
                amount=block._get_deferred_value(),
                used=block.consumed_minutes + block.expired_minutes,
            )
            for block in self.block_ids
        ]

    def _recognize_deferred_revenue(self, close=False, label=None):
        """Post, per subscription, one entry moving the value of the hours
        consumed since the last one from deferred revenue to income (back when
        hours are given back). ``close`` recognizes everything left and closes
        the subscription's deferred revenue; ``label`` names the entries
        (default: the hours consumed). Returns the entries."""
        entries_vals = []
        for profile in self:
            if (
                profile.billing_type != "subscription"
                or not profile._deferred_revenue_enabled()
                or (profile.deferred_closed and not close)
            ):
                continue
            currency = profile.currency_id
            # Each block's used minutes at its own price, rounded once.
            delta, recognized = blocks_core.recognition_delta(
                profile._deferred_block_values(),
                profile.deferred_recognized_amount,
                digits=currency.decimal_places,
                close=close,
            )
            vals = {"deferred_recognized_amount": recognized}
            if close:
                vals["deferred_closed"] = True
            profile.sudo()._ledger_writer().write(vals)
            if not currency.is_zero(delta):
                entries_vals.append(
                    profile._prepare_recognition_move_vals(
                        delta, close=close, label=label
                    )
                )
        if not entries_vals:
            return self.env["account.move"]
        # One create and one posting for the batch; one lookup of the
        # distribution models.
        Move = (
            self.env["account.move"]
            .sudo()
            .with_context(
                helpdesk_distribution_cache=AnalyticDistributionCache(),
                mail_create_nolog=True,
            )
        )
        # Their subscription link is the module's to write.
        entries = (
            Move.with_context(**{LEDGER_WRITE_KEY: LEDGER_WRITE})
            .create(entries_vals)
            .with_env(Move.env)
        )
        entries.action_post()
        return entries.sudo(False)

    def _close_deferred_revenue(self):
        self._lock_for_consumption()
        self._recognize_deferred_revenue(close=True)
        for profile in self.filtered(lambda p: not p.deferred_closed):
            profile.sudo()._ledger_writer().deferred_closed = True
            profile.message_post(body=self.env._("Subscription closed."))

    @api.model
    def _cron_close_ended_subscriptions(self):
        """Daily: close the deferred revenue of subscriptions that ended."""
        companies = self.env["res.company"].search(
            [
                ("helpdesk_deferred_account_id", "!=", False),
                ("helpdesk_deferred_journal_id", "!=", False),
            ]
        )
        if not companies:
            return
        profiles = self.search(
            Domain(
                [("billing_type", "=", "subscription"), ("deferred_closed", "=", False)]
            )
            & self._get_company_days_domain(
                companies, lambda today: Domain("date_end", "<", today)
            )
        )
        locked = profiles._lock_free_for_cron("Closing subscriptions")
        if locked:
            locked._close_deferred_revenue()

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

    def _prepare_recognition_move_vals(self, amount, close=False, label=None):
        """A journal entry moving ``amount`` from deferred revenue to income
        (the other way when negative)."""
        self.ensure_one()
        company = self.company_id
        if label:
            label = f"{self.name}: {label}"
        elif close:
            label = self.env._(
                "%(name)s: closed, deferred revenue left recognized", name=self.name
            )
        else:
            label = self.env._(
                "%(name)s: %(hours)s h consumed, revenue recognized",
                name=self.name,
                hours=format_hours(self.consumed_minutes / 60.0),
            )
        line = {"partner_id": self.partner_id.id, "name": label}
        return {
            "move_type": "entry",
            "journal_id": company.helpdesk_deferred_journal_id.id,
            "company_id": company.id,
            "date": company._helpdesk_today(),
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
