"""Expiry of prepaid blocks: a daily job takes what is left of each block past
its expiry date out of the balance, recognizes its deferred revenue (one
journal entry per subscription), says so in the subscription's chatter, and
emails the customer beforehand (the profile's notice, once per block).

The job works per batch of subscriptions, takes only the subscriptions no one
else is using (``_lock_free_for_cron``) and commits each batch
(``ir.cron._commit_progress``): blocks are expired in one UPDATE per batch.
"""

from datetime import timedelta

from odoo import api, fields, models
from odoo.fields import Domain

from ..core.tariff import format_hours


class HelpdeskContractBlock(models.Model):
    _inherit = "helpdesk.contract.block"

    expiry_notified = fields.Boolean(
        readonly=True,
        copy=False,
        help="The customer was told the block is about to expire.",
    )

    # ------------------------------------------------------------------
    # Jobs
    # ------------------------------------------------------------------
    @api.model
    def _cron_expire_blocks(self, batch_size=200):
        """Daily: warn of the blocks about to expire, expire the ones past
        their date, a batch of subscriptions at a time."""
        self._notify_expiring_blocks()
        # The companies with blocks that may expire, each with its own today.
        companies = self.env["res.company"].union(
            *(
                company
                for (company,) in self._read_group(
                    [("state", "=", "active"), ("date_expiry", "!=", False)],
                    ["company_id"],
                )
            )
        )
        if not companies:
            return
        Profile = self.env["helpdesk.contract.profile"]
        # A void block has nothing in the balance to expire.
        blocks = self.search(
            Domain("state", "=", "active")
            & Domain("is_void", "=", False)
            & Profile._get_company_days_domain(
                companies, lambda today: Domain("date_expiry", "<", today)
            )
        )
        profiles = blocks.profile_id
        done = 0
        for start in range(0, len(profiles), batch_size):
            batch = profiles[start : start + batch_size]
            locked = batch._lock_free_for_cron("Block expiry")
            locked._expire_blocks(blocks)
            done += len(batch)
            self.env["ir.cron"]._commit_progress(
                len(batch), remaining=len(profiles) - done
            )

    @api.model
    def _notify_expiring_blocks(self):
        """Email the customers of blocks expiring within their profile's
        notice, once per block (``expiry_notified``)."""
        template = self.env.ref(
            "helpdesk_session_billing.mail_template_block_expiry",
            raise_if_not_found=False,
        )
        candidates = self.search(
            [
                ("state", "=", "active"),
                ("is_void", "=", False),
                ("expiry_notified", "=", False),
                ("date_expiry", "!=", False),
                ("profile_id.block_expiry_notice_days", ">", 0),
                ("remaining_minutes", ">", 0),
            ]
        )
        due = candidates.filtered(
            lambda b: (
                b.date_expiry
                <= b.company_id._helpdesk_today()
                + timedelta(days=b.profile_id.block_expiry_notice_days)
            )
        )
        if not due:
            return
        due.sudo()._ledger_writer().write({"expiry_notified": True})
        if template:
            for block in due.filtered(lambda b: b.partner_id.email):
                template.sudo().send_mail(block.id)


class HelpdeskContractProfile(models.Model):
    _inherit = "helpdesk.contract.profile"

    block_expiry_notice_days = fields.Integer(
        string="Expiry notice (days)",
        help="The customer is emailed this many days before a block expires "
        "(0: no email).",
    )

    def _expire_blocks(self, blocks=None):
        """Expire the active blocks of ``blocks`` (default: all of this
        subscription's) past their expiry date: what they have left leaves the
        balance and its deferred revenue is recognized."""
        blocks = (blocks or self.block_ids).filtered(
            lambda b: (
                b.profile_id in self
                and b.state == "active"
                and b.date_expiry
                and b.date_expiry < b.company_id._helpdesk_today()
            )
        )
        if not blocks:
            return self.env["account.move"]
        blocks.flush_recordset()
        expired = {}
        # One statement per company (its own today) for the whole batch: what
        # is left expires (a block over-consumed by a correction keeps its
        # negative remainder).
        for company, company_blocks in blocks.grouped("company_id").items():
            self.env.cr.execute(
                """
                UPDATE helpdesk_contract_block
                   SET state = 'expired',
                       date_expired = %s,
                       expired_minutes = GREATEST(remaining_minutes, 0),
                       remaining_minutes = LEAST(remaining_minutes, 0),
                       remaining_hours = LEAST(remaining_minutes, 0) / 60.0
                 WHERE id IN %s
             RETURNING profile_id, expired_minutes
                """,
                [company._helpdesk_today(), tuple(company_blocks.ids)],
            )
            for profile_id, minutes in self.env.cr.fetchall():
                expired[profile_id] = expired.get(profile_id, 0.0) + minutes
        blocks.invalidate_recordset(
            [
                "state",
                "date_expired",
                "expired_minutes",
                "remaining_minutes",
                "remaining_hours",
            ]
        )
        blocks.modified(["expired_minutes", "state"])
        profiles = blocks.profile_id
        entries = profiles._recognize_deferred_revenue(
            label=self.env._("expired hours recognized")
        )
        profiles._message_log_batch(
            {
                profile.id: self.env._(
                    "%(hours)s h expired unused (blocks past their expiry date).",
                    hours=format_hours(expired.get(profile.id, 0.0) / 60.0),
                )
                for profile in profiles
            }
        )
        return entries
