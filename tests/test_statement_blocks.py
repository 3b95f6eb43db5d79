"""The support statement reads a subscription's balance from its balance
history (blocks bought, consumption, given back, expiries): its opening and
closing balances are the history's running balance, and today's closing
balance is the subscription's remaining hours."""

from datetime import date, datetime, timedelta

from freezegun import freeze_time

from odoo.fields import Domain
from odoo.tests import tagged

from .common import SupportAccountingCase

STATEMENT = "helpdesk_session_billing.action_report_support_statement"
JANUARY = (date(2025, 1, 1), date(2025, 1, 31))
FEBRUARY = (date(2025, 2, 1), date(2025, 2, 28))


@tagged("post_install", "-at_install")
class TestStatementBlocks(SupportAccountingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # 2 h from January 1st, renewed monthly from February 1st; every block
        # is valid one month.
        cls.profile = cls._subscription(
            prepaid_hours=2.0,
            amount=160.0,
            date_start=date(2025, 1, 1),
            block_validity_months=1,
            renewal_period="month",
            renewal_date=date(2025, 2, 1),
        )
        cls.profile.action_invoice_pack()

    def _at(self, day, minutes):
        return self.env["helpdesk.session"].create(
            {
                "ticket_id": self.ticket.id,
                "user_id": self.agent.id,
                "date_start": day,
                "date_end": day + timedelta(minutes=minutes),
            }
        )

    def _run(self, xmlid, day):
        cron = self.env.ref(f"helpdesk_session_billing.{xmlid}")
        with freeze_time(day), self.enter_registry_test_mode():
            cron.method_direct_trigger()
        self.env.invalidate_all()

    def _history_at(self, day):
        """The running balance of the history's last movement up to the end
        of the company's ``day`` (0 before the first)."""
        rows = self.env["helpdesk.contract.balance.move"].search(
            Domain("profile_id", "=", self.profile.id)
            & self.company._helpdesk_period_domain(None, day, fname="date")
        )
        return rows[-1:].balance or 0.0

    def _balance(self, date_from, date_to):
        customer = self.customer.with_user(self.billing_manager)
        [statement] = customer._get_support_statements(date_from, date_to, self.company)
        [balance] = statement["subscriptions"]
        return balance

    def _build_history(self):
        # January 20th: 1:30 from the pack (0:30 left).
        with freeze_time("2025-01-20 18:00:00"):
            self._rate(self._at(datetime(2025, 1, 20, 9), 90))
        # February 1st: the pack's 0:30 expire; the month's 2 h renewal.
        self._run("ir_cron_expire_blocks", "2025-02-01 06:00:00")
        self._run("ir_cron_renew_subscriptions", "2025-02-01 07:00:00")
        with freeze_time("2025-02-10 10:00:00"):
            self._recharge(self.profile, 1.0, 80.0, date=date(2025, 2, 10))
        # February 15th: 2:30 split, 2 h from the renewal (expiring first)
        # and 0:30 from the recharge; then 0:30 rated and unrated.
        with freeze_time("2025-02-15 18:00:00"):
            split = self._at(datetime(2025, 2, 15, 9), 150)
            self._rate(split)
        with freeze_time("2025-02-16 18:00:00"):
            corrected = self._at(datetime(2025, 2, 16, 9), 30)
            self._rate(corrected)
        with freeze_time("2025-02-20 10:00:00"):
            self._unrate(corrected)
        return split

    def test_balances_are_the_history(self):
        split = self._build_history()
        self.assertEqual(
            sorted(split.block_allocation_ids.block_id.mapped("kind")),
            ["recharge", "renewal"],
            "the session is split across two blocks",
        )
        self.assertEqual(
            self.profile.block_ids.sorted("id").mapped("kind"),
            ["pack", "renewal", "recharge"],
        )
        pack = self.profile.block_ids.filtered(lambda b: b.kind == "pack")
        self.assertEqual(pack.state, "expired")
        self.assertAlmostEqual(self.profile.remaining_hours, 0.5)

        january = self._balance(*JANUARY)
        self.assertAlmostEqual(january["start_hours"], 0.0)
        self.assertEqual(
            [
                (b["kind"], b["hours"], b["date"], b["date_expiry"])
                for b in january["blocks"]
            ],
            [("pack", 2.0, date(2025, 1, 1), date(2025, 1, 31))],
        )
        self.assertAlmostEqual(january["consumed_hours"], 1.5)
        self.assertAlmostEqual(january["end_hours"], 0.5)
        self.assertAlmostEqual(january["end_hours"], self._history_at(JANUARY[1]))

        # February: 0:30 + 2 renewed + 1 recharged - 0:30 expired - 3 used
        # (2:30 + 0:30) + 0:30 given back = 0:30.
        february = self._balance(*FEBRUARY)
        self.assertAlmostEqual(february["start_hours"], 0.5)
        self.assertAlmostEqual(february["start_hours"], self._history_at(JANUARY[1]))
        self.assertEqual(
            [(b["kind"], b["hours"], b["date"]) for b in february["blocks"]],
            [
                ("renewal", 2.0, date(2025, 2, 1)),
                ("recharge", 1.0, date(2025, 2, 10)),
            ],
        )
        self.assertAlmostEqual(february["bought_hours"], 3.0)
        self.assertAlmostEqual(february["expired_hours"], 0.5)
        self.assertAlmostEqual(february["consumed_hours"], 3.0)
        self.assertAlmostEqual(february["given_back_hours"], 0.5)
        self.assertAlmostEqual(february["end_hours"], 0.5)
        self.assertAlmostEqual(february["end_hours"], self._history_at(FEBRUARY[1]))

        # The current month: nothing moved since February.
        today = self.company._helpdesk_today()
        current = self._balance(today.replace(day=1), today)
        self.assertAlmostEqual(current["start_hours"], 0.5)
        self.assertEqual(current["blocks"], [])
        self.assertAlmostEqual(current["end_hours"], self._history_at(today))
        self.assertAlmostEqual(current["end_hours"], self.profile.remaining_hours)
        # All dates: every block, down to today's balance.
        whole = self._balance(None, today)
        self.assertAlmostEqual(whole["start_hours"], 0.0)
        self.assertEqual(len(whole["blocks"]), 3)
        self.assertAlmostEqual(whole["end_hours"], self.profile.remaining_hours)

    def test_statement_report_lists_movements(self):
        self._build_history()
        wizard = (
            self.env["helpdesk.session.rating.wizard"]
            .with_user(self.billing_manager)
            .create(
                {
                    "partner_id": self.customer.id,
                    "date_from": FEBRUARY[0],
                    "date_to": FEBRUARY[1],
                    "state_filter": "all",
                }
            )
        )
        html = (
            self.env["ir.actions.report"]
            .with_user(self.billing_manager)
            ._render_qweb_html(STATEMENT, wizard.ids)[0]
            .decode()
        )
        for text in (
            "Opening balance",
            "Hours renewed",
            "Hours recharged",
            "valid until",
            "Used by the sessions of the period",
            "Given back",
            "Expired unused",
            "Closing balance",
            "<span>3:00</span>",  # used
        ):
            self.assertIn(text, html)
        self.assertNotIn("Hours bought", html, "the pack was bought in January")


@tagged("post_install", "-at_install")
class TestStatementBlocksQueries(SupportAccountingCase):
    def _customers(self, count):
        customers = self.env["res.partner"].create(
            [{"name": f"HSB statement {i}", "is_company": True} for i in range(count)]
        )
        self.env["helpdesk.contract.profile"].create(
            [
                {
                    "name": f"HSB pack {i}",
                    "billing_type": "subscription",
                    "partner_id": customer.id,
                    "prepaid_hours": 2.0,
                    "amount": 160.0,
                    "step_duration": 15,
                    "product_id": self.support_product.id,
                }
                for i, customer in enumerate(customers)
            ]
        )
        return customers.with_user(self.billing_manager)

    def _queries(self, customers):
        today = self.company._helpdesk_today()
        # Warmed twice: the first run fills caches (rules, translations).
        for _run in range(2):
            customers._get_support_statements(today.replace(day=1), today, self.company)
            self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        statements = customers._get_support_statements(
            today.replace(day=1), today, self.company
        )
        count = self.env.cr.sql_log_count - before
        self.assertEqual(
            [len(s["subscriptions"]) for s in statements], [1] * len(customers)
        )
        self.assertEqual(
            [s["subscriptions"][0]["end_hours"] for s in statements],
            [2.0] * len(customers),
        )
        return count

    def test_queries_do_not_grow_with_subscriptions(self):
        self.assertEqual(
            self._queries(self._customers(3)), self._queries(self._customers(10))
        )
