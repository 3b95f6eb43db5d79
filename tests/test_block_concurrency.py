"""Renewal and top-up under two database connections at once: never two
blocks for one period, never two top-ups for one crossing (committed data,
cleaned up afterwards)."""

from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import TwoConnectionsCase

PROFILE = "helpdesk.contract.profile"


@tagged("post_install", "-at_install")
class TestBlockConcurrency(TwoConnectionsCase):
    def setUp(self):
        super().setUp()
        self._track_committed_packs()

    def test_renewal_on_two_workers(self):
        today = fields.Date.today()
        with self.registry.cursor() as cr:
            pack = self._create_pack(
                self._env(cr),
                "HSB renewal twice",
                prepaid_hours=2,
                renewal_period="month",
                renewal_date=today - timedelta(days=1),
            )
        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            first = self._env(cr1)[PROFILE].browse(pack.id)
            first._lock_free_for_cron("test")._renew_due_periods()
            # The other worker skips the subscription the first one holds.
            second = self._env(cr2)[PROFILE].browse(pack.id)
            self.assertFalse(second._lock_free_for_cron("test"))
            cr1.commit()
            # Even without the lock and with its stale next date, a late
            # worker's block for the same period is refused by the index.
            stale = second.with_env(self._env(cr2))
            vals = {
                "profile_id": pack.id,
                "kind": "renewal",
                "period_start": today - timedelta(days=1),
                "date_start": today - timedelta(days=1),
                "hours": 2.0,
                "amount": 0.0,
            }
            self.assertFalse(stale._create_renewal_blocks([vals]))
            cr2.commit()
        with self.registry.cursor() as cr:
            blocks = self._env(cr)[PROFILE].browse(pack.id).block_ids
            self.assertEqual(len(blocks.filtered(lambda b: b.kind == "renewal")), 1)

    def test_top_up_on_two_connections(self):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            pack = self._create_pack(
                env,
                "HSB top-up twice",
                prepaid_hours=1,
                topup_enabled=True,
                topup_threshold=0.75,
                topup_hours=0.25,
            )
            ticket, sessions = self._create_ticket_sessions(
                env, pack.partner_id, "HSB top-up ticket"
            )
            self.ids["tickets"].append(ticket.id)
            self.ids["sessions"] += sessions.ids
        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            # The first session crosses the threshold (1:00 - 0:45 < 0:45); its
            # top-up of 0:15 leaves the balance under it.
            self._env(cr1)["helpdesk.session"].browse(sessions[0].id).action_rate()
            cr2.execute("SET LOCAL lock_timeout = '2s'")
            with self.assertRaisesRegex(UserError, "Another user is"):
                self._env(cr2)["helpdesk.session"].browse(sessions[1].id).action_rate()
            cr2.rollback()
            cr1.commit()
            # Rated again on the fresh balance: 0:15 + 0:15 of top-up, still
            # under the threshold since the first top-up (the same crossing):
            # no second one.
            self._env(cr2)["helpdesk.session"].browse(sessions[1].id).action_rate()
            cr2.commit()
        with self.registry.cursor() as cr:
            pack = self._env(cr)[PROFILE].browse(pack.id)
            self.assertEqual(len(pack.recharge_ids.filtered("is_top_up")), 1)
            self.assertEqual(pack.remaining_hours, -0.25)
