"""Automatic top-up and paid-before-use, per subscription.

Top-up: when the balance falls under the profile's threshold, a recharge of
the set size is recorded (a *top-up* block, its invoice draft or posted per
Settings), once per crossing: the profile is disarmed until the balance is
back at or above the threshold. It runs where the balance changes, under the
subscription's row lock (``_lock_for_consumption``): two users crossing at
once are serialised, the second sees the first's top-up.

Paid-before-use: a block's hours are usable only once its invoice is paid;
until then sessions go to the overage profile, or into a visibly negative
balance, as when the balance is empty. The minutes overdrawn meanwhile are
taken from the block when its invoice is paid
(``helpdesk_contract_block_payment.py``).
"""

from odoo import api, fields, models

PAID_STATES = ("paid", "in_payment")


class ResCompany(models.Model):
    _inherit = "res.company"

    helpdesk_topup_post = fields.Boolean(
        string="Post automatic top-up invoices",
        help="Automatic top-ups are invoiced and posted at once (else left in "
        "draft for review).",
    )


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    helpdesk_topup_post = fields.Boolean(
        related="company_id.helpdesk_topup_post", readonly=False
    )


class HelpdeskContractRecharge(models.Model):
    _inherit = "helpdesk.contract.recharge"

    is_top_up = fields.Boolean(
        string="Automatic top-up",
        readonly=True,
        copy=False,
        help="Recorded by the automatic top-up when the balance ran low.",
    )

    def _create_blocks(self):
        blocks = super()._create_blocks()
        top_ups = blocks.filtered(lambda b: b.recharge_id.is_top_up)
        if top_ups:
            top_ups.sudo()._ledger_writer().kind = "top_up"
        return blocks


class HelpdeskContractProfile(models.Model):
    _inherit = "helpdesk.contract.profile"

    topup_enabled = fields.Boolean(
        string="Automatic top-up",
        help="Recharge automatically when the balance falls under the threshold.",
    )
    topup_threshold = fields.Float(
        string="Top up under (h)", digits=(16, 2), default=1.0
    )
    topup_hours = fields.Float(string="Top-up hours", digits=(16, 2), default=5.0)
    topup_amount = fields.Monetary(
        string="Top-up price",
        currency_field="currency_id",
        help="Empty: the top-up hours at the pack's price per hour.",
    )
    topup_armed = fields.Boolean(
        default=True,
        readonly=True,
        copy=False,
        help="Off from a top-up until the balance is back at the threshold: one "
        "top-up per crossing.",
    )
    pay_before_use = fields.Boolean(
        string="Paid before use",
        help="A block's hours are usable only once its invoice is paid.",
    )
    unpaid_hours = fields.Float(
        compute="_compute_balance",
        digits=(16, 2),
        help="Hours of blocks waiting for their invoice's payment (paid "
        "before use): not in the remaining hours yet.",
    )

    # ------------------------------------------------------------------
    # Compute
    # ------------------------------------------------------------------
    @api.depends(
        "pay_before_use",
        "block_ids.remaining_minutes",
        "block_ids.invoice_id.payment_state",
        "block_ids.is_void",
    )
    def _compute_balance(self):
        result = super()._compute_balance()
        for profile in self:
            profile.unpaid_hours = 0.0
            if profile.billing_type != "subscription":
                continue
            # A void block's hours were never bought, consumed or not.
            void = profile.block_ids.filtered(
                lambda b: b.state == "active" and b.is_void
            )
            profile.remaining_hours -= sum(
                block.hours - block.expired_minutes / 60.0 for block in void
            )
            if not profile.pay_before_use:
                continue
            unpaid = profile.block_ids.filtered(
                lambda b: b.state == "active" and not b.is_void and not b._is_paid()
            )
            # An unpaid block's hours are not there yet, consumed or not.
            hours = sum(block.hours - block.expired_minutes / 60.0 for block in unpaid)
            profile.unpaid_hours = hours
            profile.remaining_hours -= hours
        return result

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------
    def _get_usable_blocks(self, day=None):
        blocks = super()._get_usable_blocks(day).filtered(lambda b: not b.is_void)
        if self.pay_before_use:
            blocks = blocks.filtered(lambda block: block._is_paid())
        return blocks

    def _check_low_balance(self):
        result = super()._check_low_balance()
        self._auto_top_up()
        return result

    def _auto_top_up(self):
        """A top-up for each subscription of ``self`` that just fell under
        its threshold (armed), re-arming the ones back above it."""
        to_top_up = self.env["helpdesk.contract.profile"]
        for profile in self.filtered(
            lambda p: p.billing_type == "subscription" and p.topup_enabled
        ):
            below = profile.remaining_hours < profile.topup_threshold
            if not below:
                if not profile.topup_armed:
                    profile.sudo()._ledger_writer().topup_armed = True
            elif profile.topup_armed and profile.topup_hours > 0:
                to_top_up |= profile
        if not to_top_up:
            return self.env["helpdesk.contract.recharge"]
        to_top_up.sudo()._ledger_writer().topup_armed = False
        # Flagged as the top-up's, as the module writes its own records.
        Recharge = self.env["helpdesk.contract.recharge"].sudo()
        recharges = (
            Recharge._ledger_writer()
            .create([profile._prepare_top_up_vals() for profile in to_top_up])
            .with_env(Recharge.env)
        )
        to_post = recharges.filtered(
            lambda r: r.company_id.helpdesk_topup_post and r.invoice_id
        )
        to_post.invoice_id.action_post()
        for recharge in recharges:
            recharge.profile_id.message_post(
                body=self.env._(
                    "Automatic top-up: %(hours)s h (balance under %(threshold)s h).",
                    hours=recharge.hours,
                    threshold=recharge.profile_id.topup_threshold,
                )
            )
        # Topped up above the threshold: armed for the next crossing.
        to_top_up.filtered(
            lambda p: p.remaining_hours >= p.topup_threshold
        ).sudo()._ledger_writer().topup_armed = True
        return recharges.sudo(False)

    def _prepare_top_up_vals(self):
        self.ensure_one()
        amount = self.topup_amount
        if not amount and self.prepaid_hours:
            amount = self.currency_id.round(
                self.amount / self.prepaid_hours * self.topup_hours
            )
        return {
            "profile_id": self.id,
            "hours": self.topup_hours,
            "amount": amount,
            "is_top_up": True,
            "note": self.env._("Automatic top-up"),
            "user_id": self.env.user.id,
        }


class HelpdeskContractBlock(models.Model):
    _inherit = "helpdesk.contract.block"

    def _is_paid(self):
        """Whether the block's hours may be used under paid-before-use: its
        invoice is paid, or it has nothing to pay."""
        self.ensure_one()
        if self.currency_id.is_zero(self.amount):
            return True
        return self.sudo().invoice_id.payment_state in PAID_STATES
