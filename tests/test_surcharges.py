"""Out-of-hours and holiday surcharges at rating: pay-per-use prices,
subscription hours or overage, frozen multipliers, the invoice line."""

from datetime import datetime

from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command
from odoo.tests import HttpCase, tagged
from odoo.tests.common import JsonRpcException

from .common import RatingCase
from .test_support_hours import utc


class SurchargeCase(RatingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.paris = cls.env["resource.calendar"].create(
            {
                "name": "HSB Paris 9-18",
                "tz": "Europe/Paris",
                "attendance_ids": [
                    Command.create(
                        {
                            "name": f"Day {day}",
                            "dayofweek": str(day),
                            "hour_from": 9,
                            "hour_to": 18,
                            "day_period": "morning",
                        }
                    )
                    for day in range(5)
                ],
            }
        )
        cls.company.helpdesk_support_calendar_id = cls.paris
        cls.stepped.write(
            {"surcharge_out_of_hours_rate": 1.5, "surcharge_holiday_rate": 2.0}
        )

    def _evening(self, **vals):
        """Monday 10 March 2025, 17:20-18:10 in Paris: 40 minutes in hours,
        10 out."""
        return self._session(utc("Europe/Paris", 2025, 3, 10, 17, 20), 50, **vals)

    def _saturday(self):
        """Saturday 8 March 2025, 10:00-10:40 in Paris, on the pack's ticket:
        40 minutes out of hours."""
        return self._session(
            utc("Europe/Paris", 2025, 3, 8, 10, 0), 40, ticket=self.pack_ticket
        )


@tagged("post_install", "-at_install")
class TestSurcharges(SurchargeCase):
    def test_pay_per_use_price_surcharged(self):
        session = self._evening()
        self.assertEqual(session.support_out_minutes, 10)
        # 50 min: 25.00 + 4 steps of 12.00 = 73.00; 10 of 50 minutes at 1.5:
        # 73 x 1.1 = 80.30, of which 7.30 surcharge.
        self.assertAlmostEqual(session.preview_cost, 80.3)
        self._rate(session)
        self.assertEqual(session.billed_duration, 55)
        self.assertAlmostEqual(session.cost, 80.3)
        self.assertAlmostEqual(session.surcharge_cost, 7.3)
        self.assertEqual(
            (session.surcharge_out_of_hours_rate, session.surcharge_holiday_rate),
            (1.5, 2.0),
        )
        label = session._prepare_invoice_line_vals()["name"]
        self.assertIn("10 min out of hours at x1.5", label)
        self.assertEqual(session._prepare_invoice_line_vals()["price_unit"], 80.3)

    def test_rated_sessions_keep_their_multipliers(self):
        session = self._evening()
        self._rate(session)
        self.stepped.write(
            {"surcharge_out_of_hours_rate": 3.0, "surcharge_holiday_rate": 4.0}
        )
        session.invalidate_recordset()
        self.assertEqual(session.surcharge_out_of_hours_rate, 1.5)
        self.assertAlmostEqual(session.cost, 80.3)
        self.assertAlmostEqual(session.preview_cost, 80.3)
        # A new session is rated at the new multiplier: 73 x (1 + 0.2 x 2).
        other = self._evening(ticket=self._ticket(name="HSB other"))
        self._rate(other)
        self.assertAlmostEqual(other.cost, 102.2)
        # Unrated and rated again, the first one takes today's figures.
        session.with_user(self.billing_manager).action_unrate("new tariff")
        self.assertFalse(session.surcharge_out_of_hours_rate)
        self._rate(session)
        self.assertAlmostEqual(session.cost, 102.2)

    def test_no_multiplier_no_change(self):
        self.stepped.write(
            {"surcharge_out_of_hours_rate": 1.0, "surcharge_holiday_rate": 1.0}
        )
        session = self._evening()
        self._rate(session)
        self.assertAlmostEqual(session.cost, 73.0)
        self.assertFalse(session.surcharge_cost)
        self.assertNotIn("out of hours", session._prepare_invoice_line_vals()["name"])

    def test_included_session_stays_free(self):
        self.env["helpdesk.scope.rule"].create(
            {"name": "HSB night included", "outcome": "included", "keywords": "night"}
        )
        session = self._evening(ticket=self._ticket(name="HSB night outage"))
        self._rate(session)
        self.assertEqual(session.scope, "included")
        self.assertEqual((session.cost, session.surcharge_cost), (0.0, 0.0))

    def test_subscription_takes_more_hours(self):
        self.pack.surcharge_out_of_hours_rate = 1.5
        session = self._saturday()
        self.assertEqual(session.support_out_minutes, 40)
        self._rate(session)
        # 40 min -> 45 in quarters, x 1.5 = 67.5 -> 68 minutes: the 60 prepaid
        # minutes, then 8 at the hourly overage (one started hour, 90.00).
        self.assertEqual(session.billed_duration, 68)
        self.assertEqual(session.surcharge_minutes, 23)
        self.assertEqual(session.prepaid_minutes, 60)
        self.assertEqual(session.overage_minutes, 8)
        self.assertAlmostEqual(session.cost, 90.0)
        self.assertAlmostEqual(self.pack.remaining_hours, 0.0)

    def test_subscription_bills_the_surcharge_apart(self):
        self.pack.write(
            {"surcharge_out_of_hours_rate": 1.5, "surcharge_mode": "overage"}
        )
        session = self._saturday()
        self._rate(session)
        # 45 prepaid minutes as without surcharge; the surcharge: 40 minutes at
        # the hourly overage (90.00) x 0.5 = 45.00.
        self.assertEqual(session.prepaid_minutes, 45)
        self.assertEqual(session.surcharge_minutes, 0)
        self.assertAlmostEqual(session.surcharge_cost, 45.0)
        self.assertAlmostEqual(session.cost, 45.0)
        self.assertAlmostEqual(self.pack.remaining_hours, 0.25)

    def test_bad_multipliers_refused(self):
        with (
            self.assertRaisesRegex(ValidationError, "at least 1"),
            self.cr.savepoint(),
        ):
            self.stepped.surcharge_out_of_hours_rate = 0.5
        with (
            self.assertRaisesRegex(ValidationError, "overage profile"),
            self.cr.savepoint(),
        ):
            self._subscription(
                partner=self.env["res.partner"].create({"name": "HSB Night Co"}),
                surcharge_holiday_rate=2.0,
                surcharge_mode="overage",
            )
        self.assertEqual(self.stepped.surcharge_out_of_hours_rate, 1.5)

    def test_split_and_multipliers_are_protected(self):
        session = self._evening()
        figures = {
            "support_out_minutes": 0,
            "support_in_minutes": 50,
            "support_holiday_minutes": 5,
            "support_calendar_id": False,
            "surcharge_out_of_hours_rate": 1.0,
            "surcharge_cost": 0.0,
            "surcharge_minutes": 3,
        }
        for fname, value in figures.items():
            with (
                self.subTest(field=fname),
                self.assertRaisesRegex(UserError, "never set by hand"),
                self.cr.savepoint(),
            ):
                session.with_user(self.billing_manager).write({fname: value})
        self.assertEqual(session.support_out_minutes, 10)


@tagged("post_install", "-at_install")
class TestSurchargesOverRpc(HttpCase, SurchargeCase):
    def _call(self, model, method, args, kwargs=None):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        )

    def test_frozen_multipliers_over_rpc(self):
        session = self._evening()
        self._rate(session)
        self.authenticate(self.billing_manager.login, self.billing_manager.login)
        for vals in (
            {"surcharge_out_of_hours_rate": 1.0},
            {"surcharge_cost": 0.0},
            {"support_out_minutes": 0, "support_in_minutes": 50},
        ):
            with (
                self.subTest(vals=vals),
                self.assertRaisesRegex(JsonRpcException, "(Access|User)Error"),
            ):
                self._call("helpdesk.session", "write", [[session.id], vals])
        # Nor on a draft, where rating would read them.
        draft = self._session(datetime(2025, 3, 8, 9, 0), 30)
        self.authenticate(self.agent.login, self.agent.login)
        with self.assertRaisesRegex(JsonRpcException, "(Access|User)Error"):
            self._call(
                "helpdesk.session",
                "write",
                [[draft.id], {"support_out_minutes": 0, "support_in_minutes": 30}],
            )
        session.invalidate_recordset()
        self.assertEqual(session.surcharge_out_of_hours_rate, 1.5)
        self.assertAlmostEqual(session.surcharge_cost, 7.3)
