"""Every path changing a subscription's balance takes the row lock rating
takes: unrating or recharging while another user rates is refused cleanly
(never a lost consumption), and the daily jobs skip a subscription in use
until their next run. Two real database connections (committed data,
cleaned up afterwards)."""

from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import TwoConnectionsCase


@tagged("post_install", "-at_install")
class TestBalanceConcurrency(TwoConnectionsCase):
    def setUp(self):
        super().setUp()
        self._track_committed_packs()
        with self.registry.cursor() as cr:
            env = self._env(cr)
            pack = self._create_pack(env, "HSB balance pack", prepaid_hours=1)
            ticket, sessions = self._create_ticket_sessions(
                env, pack.partner_id, "HSB balance ticket"
            )
            self.ids["tickets"].append(ticket.id)
            self.ids["sessions"] += sessions.ids
            self.ids["pack"] = pack.id

    def _session(self, env, index):
        return env["helpdesk.session"].browse(self.ids["sessions"][index])

    def _pack(self, env):
        return env["helpdesk.contract.profile"].browse(self.ids["pack"])

    @staticmethod
    def _impatient(cr):
        """Fail rather than wait on a row lock: a path that does not take the
        subscription's lock first would wait on the other user's, here raise."""
        cr.execute("SET LOCAL lock_timeout = '2s'")

    def test_unrate_while_another_user_rates(self):
        with self.registry.cursor() as cr:
            self._session(self._env(cr), 1).action_rate()
        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            self._session(self._env(cr1), 0).action_rate()
            self._impatient(cr2)
            with self.assertRaisesRegex(UserError, "Another user is"):
                self._session(self._env(cr2), 1).action_unrate(reason="Wrong ticket")
            cr2.rollback()
            cr1.commit()
            # Trying again gives back what the session took, on the fresh
            # balance: the first user's consumption is kept.
            self._session(self._env(cr2), 1).action_unrate(reason="Wrong ticket")
            cr2.commit()
        with self.registry.cursor() as cr:
            env = self._env(cr)
            self.assertEqual(self._session(env, 0).state, "rated")
            self.assertEqual(self._session(env, 1).state, "draft")
            self.assertEqual(self._pack(env).consumed_minutes, 45)

    def test_recharge_while_another_user_rates(self):
        with self.registry.cursor() as cr:
            wizard = (
                self._env(cr)["helpdesk.contract.recharge.wizard"]
                .create({"profile_id": self.ids["pack"], "hours": 2})
                .id
            )
        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            self._session(self._env(cr1), 0).action_rate()
            self._impatient(cr2)
            recharge = self._env(cr2)["helpdesk.contract.recharge.wizard"].browse(
                wizard
            )
            with self.assertRaisesRegex(UserError, "Another user is"):
                recharge.action_recharge()
            cr2.rollback()
            cr1.commit()
            self._env(cr2)["helpdesk.contract.recharge.wizard"].browse(
                wizard
            ).action_recharge()
            cr2.commit()
        with self.registry.cursor() as cr:
            pack = self._pack(self._env(cr))
            self.assertEqual(pack.consumed_minutes, 45)
            self.assertEqual(pack.recharged_hours, 2)
            self.assertEqual(pack.remaining_hours, 2.25)

    def _skip_without_chart(self, env):
        if not env.company.chart_template:
            self.skipTest("the test database's company has no chart of accounts")

    def _company_settings(self, cr, vals):
        """Set ``vals`` on the company (committed), restored after the test."""
        company = self._env(cr).company
        before = company.read(list(vals), load=False)[0]
        before.pop("id")
        company.write(vals)
        self.addCleanup(self._restore_company, before)

    def _restore_company(self, vals):
        with self.registry.cursor() as cr:
            self._env(cr).company.write(vals)

    def test_pack_invoicing_job_skips_a_subscription_in_use(self):
        today = fields.Date.today()
        with self.registry.cursor() as cr:
            env = self._env(cr)
            self._skip_without_chart(env)
            self._company_settings(cr, {"helpdesk_invoice_pack_on_start": True})
            busy, free = (
                self._create_pack(
                    env,
                    name,
                    prepaid_hours=10,
                    amount=800,
                    date_start=today + timedelta(days=1),
                )
                for name in ("HSB busy pack", "HSB free pack")
            )
            self.assertFalse((busy | free).pack_invoice_id)
        Profile = "helpdesk.contract.profile"
        with (
            freeze_time(today + timedelta(days=2)),
            self.registry.cursor() as cr1,
            self.registry.cursor() as cr2,
        ):
            # A user rates (or recharges...) the busy subscription.
            self._env(cr1)[Profile].browse(busy.id)._lock_for_consumption()
            self._impatient(cr2)
            self._env(cr2)[Profile]._cron_invoice_started_packs()
            cr2.commit()
            self.assertFalse(self._env(cr2)[Profile].browse(busy.id).pack_invoice_id)
            self.assertTrue(self._env(cr2)[Profile].browse(free.id).pack_invoice_id)
            cr1.rollback()
            # The next run invoices it.
            self._env(cr2)[Profile]._cron_invoice_started_packs()
            cr2.commit()
        with self.registry.cursor() as cr:
            packs = self._env(cr)[Profile].browse([busy.id, free.id])
            self.assertEqual(len(packs.pack_invoice_id), 2)
            self.assertEqual(set(packs.pack_invoice_id.mapped("amount_untaxed")), {800})

    def test_closing_job_skips_a_subscription_in_use(self):
        today = fields.Date.today()
        with self.registry.cursor() as cr:
            env = self._env(cr)
            self._skip_without_chart(env)
            account = env["account.account"].create(
                {
                    "name": "HSB concurrent deferred revenue",
                    "code": "HSB4991",
                    "account_type": "liability_current",
                }
            )
            self.addCleanup(self._delete_account, account.id)
            journal = env["account.journal"].search(
                [("type", "=", "general"), ("company_id", "=", env.company.id)],
                limit=1,
            )
            self._company_settings(
                cr,
                {
                    "helpdesk_deferred_account_id": account.id,
                    "helpdesk_deferred_journal_id": journal.id,
                },
            )
            busy, free = (
                self._create_pack(
                    env,
                    name,
                    prepaid_hours=10,
                    date_start=today - timedelta(days=30),
                    date_end=today - timedelta(days=1),
                )
                for name in ("HSB busy ended", "HSB free ended")
            )
        Profile = "helpdesk.contract.profile"
        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            self._env(cr1)[Profile].browse(busy.id)._lock_for_consumption()
            self._impatient(cr2)
            self._env(cr2)[Profile]._cron_close_ended_subscriptions()
            cr2.commit()
            self.assertFalse(self._env(cr2)[Profile].browse(busy.id).deferred_closed)
            self.assertTrue(self._env(cr2)[Profile].browse(free.id).deferred_closed)
            cr1.rollback()
            self._env(cr2)[Profile]._cron_close_ended_subscriptions()
            cr2.commit()
        with self.registry.cursor() as cr:
            packs = self._env(cr)[Profile].browse([busy.id, free.id])
            self.assertEqual(packs.mapped("deferred_closed"), [True, True])

    def _delete_account(self, account_id):
        # After the company's settings are restored (cleanups run last first).
        with self.registry.cursor() as cr:
            self._env(cr)["account.account"].browse(account_id).unlink()
