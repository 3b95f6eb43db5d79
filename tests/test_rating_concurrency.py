"""Two billing users rating sessions of one subscription at the same moment,
on two real database connections (committed data, cleaned up afterwards)."""

from psycopg2.errors import SerializationFailure

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import TwoConnectionsCase


@tagged("post_install", "-at_install")
class TestRatingConcurrency(TwoConnectionsCase):
    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = self._env(cr)
            partner = env["res.partner"].create(
                {"name": "HSB Concurrent Co", "is_company": True}
            )
            overage = env["helpdesk.contract.profile"].create(
                {
                    "name": "HSB concurrent overage",
                    "billing_type": "pay_per_use",
                    "step_duration": 60,
                    "step_cost": 90,
                }
            )
            pack = env["helpdesk.contract.profile"].create(
                {
                    "name": "HSB concurrent pack",
                    "billing_type": "subscription",
                    "partner_id": partner.id,
                    "prepaid_hours": 1,
                    "step_duration": 15,
                    "overage_profile_id": overage.id,
                }
            )
            ticket, sessions = self._create_ticket_sessions(
                env, partner, "HSB concurrent ticket"
            )
            self.ids = {
                "partner": partner.id,
                "profiles": (pack | overage).ids,
                "pack": pack.id,
                "ticket": ticket.id,
                "sessions": sessions.ids,
            }
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            self._delete_sessions(env["helpdesk.session"].browse(self.ids["sessions"]))
            env["helpdesk.ticket"].browse(self.ids["ticket"]).unlink()
            env["helpdesk.contract.profile"].browse(self.ids["profiles"]).unlink()
            env["res.partner"].browse(self.ids["partner"]).unlink()

    def _session(self, env, index):
        return env["helpdesk.session"].browse(self.ids["sessions"][index])

    def _assert_consumed_once(self):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            first, second = self._session(env, 0), self._session(env, 1)
            pack = env["helpdesk.contract.profile"].browse(self.ids["pack"])
            self.assertEqual((first.prepaid_minutes, second.prepaid_minutes), (45, 15))
            self.assertEqual(second.overage_minutes, 30)
            self.assertEqual(second.cost, 90)
            self.assertEqual(pack.consumed_minutes, 60)
            self.assertEqual(pack.remaining_hours, 0)

    def test_second_rater_waits_for_the_lock(self):
        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            self._session(self._env(cr1), 0).action_rate()
            # While the first user's transaction is open, the second is refused
            # cleanly instead of consuming the same hours.
            with self.assertRaisesRegex(UserError, "Another user is rating"):
                self._session(self._env(cr2), 1).action_rate()
            cr2.rollback()
            cr1.commit()
            # Trying again sees the first consumption.
            self._session(self._env(cr2), 1).action_rate()
            cr2.commit()
        self._assert_consumed_once()

    def test_stale_snapshot_is_retried_not_double_counted(self):
        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            env2 = self._env(cr2)
            # The second transaction starts (and takes its snapshot) first.
            self.assertEqual(self._session(env2, 1).state, "draft")
            self._session(self._env(cr1), 0).action_rate()
            cr1.commit()
            # Its snapshot does not show the first consumption: PostgreSQL
            # refuses the update, as Odoo's request retry expects...
            with self.assertRaises(SerializationFailure):
                self._session(env2, 1).action_rate()
            cr2.rollback()
            # ...and the retry rates on the fresh balance.
            self._session(self._env(cr2), 1).action_rate()
            cr2.commit()
        self._assert_consumed_once()
