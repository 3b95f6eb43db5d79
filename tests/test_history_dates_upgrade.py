"""History keeps its dates across upgrades: a database upgraded from the
release before blocks gets its blocks and consumption made at the upgrade
(migrations/19.0.1.1.0), yet its balance history dates each block by its
document (the pack's contract start, the recharge's date) and each
consumption by its session's day, as for a database that always had blocks."""

from datetime import date, datetime

from freezegun import freeze_time

from odoo.tests import tagged

from .common import SessionCase, run_migration

UPGRADE = datetime(2026, 6, 1, 12, 0)


@tagged("post_install", "-at_install")
class TestHistoryDatesUpgrade(SessionCase):
    """Paris company (UTC+1 in winter): a pack from January 1st 2025 and one
    created on November 5th 2024 without a start date, a recharge dated
    February 10th, sessions rated on January 20th and February 15th."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.tz = "Europe/Paris"
        cls.pack = cls._subscription(
            prepaid_hours=10.0, amount=800.0, date_start=date(2025, 1, 1)
        )
        cls.env["helpdesk.contract.recharge"].create(
            {"profile_id": cls.pack.id, "hours": 5.0, "date": date(2025, 2, 10)}
        )
        cls.january = cls._session(datetime(2025, 1, 20, 9), 60)
        cls.february = cls._session(datetime(2025, 2, 15, 9), 30)
        (cls.january | cls.february).with_user(cls.billing_manager).action_rate()
        cls.other_customer = cls.env["res.partner"].create(
            {"name": "HSB Undated Co", "is_company": True}
        )
        cls.undated = cls._subscription(
            partner=cls.other_customer, prepaid_hours=4.0, amount=300.0
        )

    def _downgrade(self):
        """The state of the release before blocks: subscriptions, recharges
        and rated sessions, no block nor allocation; the undated pack's
        profile made on November 5th, 2024."""
        profiles = self.pack | self.undated
        self.env.flush_all()
        self.env.cr.execute(
            "DELETE FROM helpdesk_contract_block WHERE profile_id IN %s",
            [tuple(profiles.ids)],
        )
        self.env.cr.execute(
            "UPDATE helpdesk_contract_profile SET create_date = %s WHERE id = %s",
            [datetime(2024, 11, 5, 10, 0), self.undated.id],
        )
        self.env.invalidate_all()
        self.assertFalse(profiles.block_ids)
        self.assertFalse(
            self.env["helpdesk.contract.block.allocation"].search(
                [("profile_id", "in", profiles.ids)]
            )
        )

    def _upgrade(self):
        with freeze_time(UPGRADE):
            run_migration(self.env.cr, "19.0.1.1.0", "19.0.1.0.0")
        self.env.invalidate_all()

    def _history(self, profile):
        return self.env["helpdesk.contract.balance.move"].search(
            [("profile_id", "=", profile.id)]
        )

    def _local_day(self, moment):
        return self.company._helpdesk_local_datetime(moment).date()

    def _balance(self, profile, date_from, date_to):
        customer = profile.partner_id.with_user(self.billing_manager)
        [statement] = customer._get_support_statements(date_from, date_to, self.company)
        [balance] = statement["subscriptions"]
        return balance

    def test_upgrade_keeps_the_documents_dates(self):
        self._downgrade()
        self._upgrade()
        blocks = self.pack.block_ids
        self.assertEqual(
            sorted((b.kind, b.date_start, b.hours) for b in blocks),
            [("pack", date(2025, 1, 1), 10.0), ("recharge", date(2025, 2, 10), 5.0)],
        )
        allocations = (self.january | self.february).block_allocation_ids
        self.assertEqual(sum(allocations.mapped("minutes")), 90)
        # What the upgrade recorded is dated when it ran (the blocks by the
        # transaction's clock, the allocations by the frozen one), as in a
        # database upgraded by the previous version of the module...
        for block in blocks:
            self.assertGreater(block.create_date.date(), date(2026, 1, 1))
        self.assertEqual(set(allocations.mapped("date")), {UPGRADE})
        # ... the history, by the documents.
        rows = self._history(self.pack)
        self.assertEqual(
            [(row.move_type, self._local_day(row.date), row.hours) for row in rows],
            [
                ("pack", date(2025, 1, 1), 10.0),
                ("consumed", date(2025, 1, 20), -1.0),
                ("recharge", date(2025, 2, 10), 5.0),
                ("consumed", date(2025, 2, 15), -0.5),
            ],
        )
        # A block counts from the first moment of its day in Paris.
        self.assertEqual(rows[0].date, datetime(2024, 12, 31, 23, 0))
        self.assertEqual(
            rows.filtered("session_id").mapped("date"),
            [self.january.date_start, self.february.date_start],
        )
        self.assertAlmostEqual(rows[-1].balance, self.pack.remaining_hours)
        # The undated pack counts from its profile's creation day.
        [undated] = self._history(self.undated)
        self.assertEqual(
            (undated.move_type, self._local_day(undated.date), undated.hours),
            ("pack", date(2024, 11, 5), 4.0),
        )

    def test_statements_after_upgrade(self):
        self._downgrade()
        self._upgrade()
        january = self._balance(self.pack, date(2025, 1, 1), date(2025, 1, 31))
        self.assertAlmostEqual(january["start_hours"], 0.0)
        self.assertEqual(
            [(b["kind"], b["date"]) for b in january["blocks"]],
            [("pack", date(2025, 1, 1))],
        )
        self.assertAlmostEqual(january["consumed_hours"], 1.0)
        self.assertAlmostEqual(january["end_hours"], 9.0)
        february = self._balance(self.pack, date(2025, 2, 1), date(2025, 2, 28))
        self.assertAlmostEqual(february["start_hours"], 9.0)
        self.assertEqual(
            [(b["kind"], b["date"]) for b in february["blocks"]],
            [("recharge", date(2025, 2, 10))],
        )
        self.assertAlmostEqual(february["consumed_hours"], 0.5)
        self.assertAlmostEqual(february["end_hours"], 13.5)
        # The upgrade's month moved nothing.
        june = self._balance(self.pack, date(2026, 6, 1), date(2026, 6, 30))
        self.assertAlmostEqual(june["start_hours"], 13.5)
        self.assertEqual(june["blocks"], [])
        self.assertAlmostEqual(june["consumed_hours"], 0.0)
        self.assertAlmostEqual(june["end_hours"], 13.5)

    def test_late_rating_and_late_recharge(self):
        """Without any upgrade: a session rated months later and a recharge
        entered late count on their own days."""
        session = self._session(datetime(2025, 3, 3, 9), 45)
        with freeze_time("2025-05-20 10:00:00"):
            session.with_user(self.billing_manager).action_rate()
            self.env["helpdesk.contract.recharge"].create(
                {"profile_id": self.pack.id, "hours": 2.0, "date": date(2025, 3, 1)}
            )
        march = self._balance(self.pack, date(2025, 3, 1), date(2025, 3, 31))
        self.assertEqual(
            [(b["kind"], b["date"]) for b in march["blocks"]],
            [("recharge", date(2025, 3, 1))],
        )
        self.assertAlmostEqual(march["consumed_hours"], 0.75)
        self.assertAlmostEqual(march["start_hours"], 13.5)
        self.assertAlmostEqual(march["end_hours"], 14.75)
        may = self._balance(self.pack, date(2025, 5, 1), date(2025, 5, 31))
        self.assertAlmostEqual(may["consumed_hours"], 0.0)
        self.assertEqual(may["blocks"], [])
        # Unrated in June: the hours come back on the session's day.
        with freeze_time("2025-06-02 10:00:00"):
            session.with_user(self.billing_manager).action_unrate(reason="Wrong")
        march = self._balance(self.pack, date(2025, 3, 1), date(2025, 3, 31))
        self.assertAlmostEqual(march["given_back_hours"], 0.75)
        self.assertAlmostEqual(march["end_hours"], 15.5)
        rows = self._history(self.pack).filtered(lambda row: row.session_id == session)
        self.assertEqual(
            {self._local_day(row.date) for row in rows}, {date(2025, 3, 3)}
        )
