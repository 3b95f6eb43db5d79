from contextlib import suppress
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import RatingCase


class _RolledBack(Exception):
    pass


@tagged("post_install", "-at_install")
class TestRatingBulkWrite(RatingCase):
    """Rating writes each session's figures in one statement per chunk
    (``_ledger_write_rows``): the database must hold what writing them session
    by session through the ORM gives, on a batch where every rule is at work
    (allowance split, grace period, a rule's own tariff, subscription balance
    and overage, pay-per-use steps)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.urgent_tariff = cls._pay_per_use(
            name="Urgent", step_duration=30, step_cost=60
        )
        Rule = cls.env["helpdesk.scope.rule"]
        cls.allowance_rule = Rule.create(
            {
                "name": "Set-up, one hour a month included",
                "outcome": "included",
                "keywords": "setup",
                "monthly_allowance_hours": 1,
            }
        )
        cls.urgent_rule = Rule.create(
            {
                "name": "Urgent, own tariff",
                "outcome": "billable",
                "keywords": "urgent",
                "tariff_profile_id": cls.urgent_tariff.id,
            }
        )
        cls.grace_customer = cls.env["res.partner"].create(
            {
                "name": "HSB Grace Co",
                "is_company": True,
                "helpdesk_contract_start": (cls.DAY - timedelta(days=5)).date(),
            }
        )
        cls.stepped.partner_ids |= cls.grace_customer
        cls.grace_rule = Rule.create(
            {"name": "First week free", "outcome": "included", "grace_days": 7}
        )
        tickets = [
            cls.ticket,
            cls.ticket_2,  # "mail setup": the allowance
            cls._ticket(name="HSB urgent outage"),
            cls.pack_ticket,
            cls._ticket(name="HSB pack setup", partner_id=cls.pack_customer.id),
            cls._ticket(name="HSB urgent pack", partner_id=cls.pack_customer.id),
            cls._ticket(name="HSB grace", partner_id=cls.grace_customer.id),
        ]
        vals_list = []
        for index in range(42):
            start = cls.DAY - timedelta(days=index % 6, hours=index % 5, minutes=index)
            vals_list.append(
                {
                    "ticket_id": tickets[index % len(tickets)].id,
                    "user_id": (cls.agent if index % 2 else cls.agent_2).id,
                    "date_start": start,
                    "date_end": start + timedelta(minutes=7 + index * 3 % 70),
                    "extra_duration": (0, 5, -3)[index % 3],
                }
            )
        cls.sessions = cls.env["helpdesk.session"].create(vals_list)

    def _rows(self):
        """The sessions' and profiles' rows as the database holds them."""
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT * FROM helpdesk_session WHERE id = ANY(%s) ORDER BY id",
            [self.sessions.ids],
        )
        sessions = self.env.cr.dictfetchall()
        self.env.cr.execute(
            "SELECT id, consumed_minutes FROM helpdesk_contract_profile "
            "WHERE id = ANY(%s) ORDER BY id",
            [(self.pack | self.stepped | self.overage | self.urgent_tariff).ids],
        )
        return sessions, self.env.cr.fetchall()

    def _rate_by_orm(self, sessions):
        """Rating as it was written before the bulk writer: the same figures,
        one ORM write per session through the life cycle."""
        sessions = sessions.with_user(self.billing_manager)
        ratings = sessions._compute_ratings(lock=True)
        now = fields.Datetime.now()
        for session_id, vals in ratings.items():
            sessions.browse(session_id)._change_state(
                "rated",
                {**vals, "rated_date": now, "rated_user_id": self.billing_manager.id},
            )
        sessions._update_subscription_consumption(
            {sid: vals["prepaid_minutes"] for sid, vals in ratings.items()}
        )

    def test_bulk_rating_writes_what_the_orm_writes(self):
        # The bulk path's rows, then rolled back for the ORM path.
        with suppress(_RolledBack), self.env.cr.savepoint():
            self._rate(self.sessions)
            bulk_sessions, bulk_profiles = self._rows()
            raise _RolledBack
        self.env.invalidate_all()
        self.assertEqual(set(self.sessions.mapped("state")), {"draft"})
        self._rate_by_orm(self.sessions)
        orm_sessions, orm_profiles = self._rows()

        # The batch exercises every rule, or the comparison proves little.
        self.assertLessEqual(
            {self.allowance_rule.id, self.urgent_rule.id, self.grace_rule.id},
            {row["scope_rule_id"] for row in orm_sessions},
        )
        reasons = " ".join(row["scope_reason_code"] or "" for row in orm_sessions)
        self.assertTrue(any(row["overage_minutes"] for row in orm_sessions))
        self.assertTrue(any(row["prepaid_minutes"] for row in orm_sessions))
        self.assertTrue(
            any(
                row["scope_included_minutes"] and row["scope_billable_minutes"]
                for row in orm_sessions
            ),
            f"no allowance split: {reasons}",
        )
        self.assertEqual(bulk_profiles, orm_profiles)
        self.assertEqual(len(bulk_sessions), len(orm_sessions))
        for bulk, orm in zip(bulk_sessions, orm_sessions, strict=True):
            self.assertTrue(bulk["rated_date"] and orm["rated_date"])
            self.assertLess(
                abs(bulk["rated_date"] - orm["rated_date"]), timedelta(minutes=5)
            )
            for column in ("rated_date", "write_date"):
                del bulk[column], orm[column]
            self.assertEqual(bulk, orm)
        self.assertEqual({row["state"] for row in bulk_sessions}, {"rated"})
        self.assertEqual(
            {row["rated_user_id"] for row in bulk_sessions},
            {self.billing_manager.id},
        )

    def test_bulk_write_refreshes_cache_and_computed_fields(self):
        """After the SQL write, reading through the ORM gives the database's
        values, and what is computed from them follows."""
        sessions = self.sessions.with_user(self.billing_manager)
        self.assertTrue(any(sessions.mapped("preview_cost")))
        previews = {session.id: session.preview_cost for session in sessions}
        self.assertEqual(set(sessions.mapped("cost")), {0.0})  # in the cache
        self._rate(sessions)
        self.assertEqual(set(sessions.mapped("state")), {"rated"})
        for session in sessions:
            self.assertEqual(session.preview_cost, session.cost)
        self.assertEqual(
            sum(sessions.mapped("cost")),
            round(sum(previews.values()), 2),
            "the preview gave what rating charged",
        )

    def test_bulk_write_goes_through_the_life_cycle(self):
        """Rated sessions cannot be rated again through the bulk writer: the
        transition table is checked first, nothing is written."""
        self._rate(self.sessions[:3])
        rated = self.sessions[:3]
        before = rated.mapped("cost")
        with self.assertRaisesRegex(Exception, "cannot become"):
            rated._change_state(
                "rated", vals_by_id={session.id: {"cost": 1.0} for session in rated}
            )
        rated.invalidate_recordset()
        self.assertEqual(rated.mapped("cost"), before)
