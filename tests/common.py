import importlib.util
from datetime import datetime, timedelta
from pathlib import Path

from odoo import SUPERUSER_ID, api
from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.fields import Command
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, TransactionCase, get_db_name, new_test_user


def open_rating_screen(user, date_from, date_to, **vals):
    """The rating screen of ``date_from`` to ``date_to``, every state, as
    ``user`` opens it (``vals`` narrow it: a customer, a state)."""
    return (
        user.env["helpdesk.session.rating.wizard"]
        .with_user(user)
        .create(
            {
                "date_from": date_from,
                "date_to": date_to,
                "state_filter": "all",
                **vals,
            }
        )
    )


def run_migration(cr, version, from_version):
    """The post-migration script of the module's ``version``, as an upgrade
    from ``from_version`` runs it."""
    path = Path(__file__).parent.parent / "migrations" / version / "post-migration.py"
    name = "hsb_migration_" + version.replace(".", "_")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.migrate(cr, from_version)


class SupportBillingCase(TransactionCase):
    """Customers, tags and users shared by the module's tests."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.Profile = cls.env["helpdesk.contract.profile"]
        # The tests date sessions long past (SessionCase.DAY): the back-dating
        # limit of consultants, tested in test_date_window.py, is lifted.
        cls.company.helpdesk_session_backdate_days = 0
        cls.manager = new_test_user(
            cls.env,
            "hsb_manager",
            groups="helpdesk_session_billing.group_support_billing_manager",
        )
        cls.consultant = new_test_user(
            cls.env,
            "hsb_consultant",
            groups="helpdesk_session_billing.group_support_billing_user",
        )
        Tag = cls.env["res.partner.category"]
        cls.tag_standard = Tag.create({"name": "HSB standard"})
        cls.tag_gold = Tag.create({"name": "HSB gold"})
        Partner = cls.env["res.partner"]
        cls.customer = Partner.create({"name": "HSB Customer", "is_company": True})
        cls.contact = Partner.create(
            {"name": "HSB Contact", "parent_id": cls.customer.id}
        )
        cls.tagged_customer = Partner.create(
            {
                "name": "HSB Tagged",
                "is_company": True,
                "category_id": [Command.link(cls.tag_standard.id)],
            }
        )

    @classmethod
    def _pay_per_use(cls, **vals):
        return cls.env["helpdesk.contract.profile"].create(
            {
                "name": "Pay-per-use",
                "billing_type": "pay_per_use",
                "step_duration": 60,
                "step_cost": 90.0,
                **vals,
            }
        )

    @classmethod
    def _subscription(cls, partner=None, **vals):
        return cls.env["helpdesk.contract.profile"].create(
            {
                "name": "Pack",
                "billing_type": "subscription",
                "partner_id": (partner or cls.customer).id,
                "prepaid_hours": 10.0,
                "amount": 800.0,
                "step_duration": 15,
                **vals,
            }
        )


class SessionCase(SupportBillingCase):
    """Helpdesk consultants, tickets and a session factory for the session
    tests. Users hold real groups: the helpdesk one to read tickets, ours to
    time them."""

    # A Monday morning, well in the past: sessions record work already done.
    DAY = datetime(2025, 3, 10)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Session = cls.env["helpdesk.session"]
        cls.company.helpdesk_session_max_minutes = 240
        consultant_groups = (
            "helpdesk_mgmt.group_helpdesk_user,"
            "helpdesk_session_billing.group_support_billing_user"
        )
        cls.agent = new_test_user(
            cls.env, "hsb_agent", groups=consultant_groups, name="Agent One"
        )
        cls.agent_2 = new_test_user(
            cls.env, "hsb_agent_2", groups=consultant_groups, name="Agent Two"
        )
        cls.billing_manager = new_test_user(
            cls.env,
            "hsb_billing_manager",
            groups="helpdesk_mgmt.group_helpdesk_user,"
            "helpdesk_session_billing.group_support_billing_manager",
            name="Billing Manager",
        )
        cls.ticket = cls._ticket(name="HSB printer down")
        cls.ticket_2 = cls._ticket(name="HSB mail setup")

    @classmethod
    def _ticket(cls, **vals):
        return cls.env["helpdesk.ticket"].create(
            {
                "name": "HSB ticket",
                "description": "<p>Please help.</p>",
                "partner_id": cls.contact.id,
                **vals,
            }
        )

    @classmethod
    def _at(cls, hour, minute=0):
        return cls.DAY.replace(hour=hour, minute=minute)

    @classmethod
    def _session(cls, start, minutes=None, user=None, ticket=None, **vals):
        """A session starting at ``start`` lasting ``minutes`` (open when
        None), created by the superuser for ``user`` (default: agent). Timer
        fields in ``vals`` are set as the timer sets them (they are protected
        from clients)."""
        Session = cls.env["helpdesk.session"]
        if {"timer_state", "pause_start", "paused_seconds"} & set(vals):
            Session = Session._ledger_writer()
        return Session.create(
            {
                "ticket_id": (ticket or cls.ticket).id,
                "user_id": (user or cls.agent).id,
                "date_start": start,
                "date_end": (
                    start + timedelta(minutes=minutes) if minutes is not None else False
                ),
                **vals,
            }
        ).with_env(cls.env)


class RatingCase(SessionCase):
    """Two customers to rate, sessions billable unless a rule says otherwise:
    ``customer`` on the ``stepped`` pay-per-use tariff (15 min for 25.00,
    then 10-minute steps of 12.00) and ``pack_customer`` on the subscription
    ``pack`` made by ``_pack_profile``, with its ``pack_ticket``."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.helpdesk_scope_default_outcome = "billable"
        cls.stepped = cls._pay_per_use(
            name="Stepped",
            partner_ids=[Command.link(cls.customer.id)],
            initial_step_duration=15,
            initial_step_cost=25,
            step_duration=10,
            step_cost=12,
        )
        cls.pack_customer = cls.env["res.partner"].create(
            {"name": "HSB Pack Co", "is_company": True, "email": "it@pack.example.com"}
        )
        cls.pack = cls._pack_profile()
        cls.pack_ticket = cls._ticket(
            name="HSB pack ticket", partner_id=cls.pack_customer.id
        )

    @classmethod
    def _pack_profile(cls):
        """The subscription of ``pack_customer``: one prepaid hour, then the
        hourly ``overage`` profile, the billing manager responsible for it.
        Override for other terms."""
        cls.overage = cls._pay_per_use(name="Overage", step_duration=60, step_cost=90)
        return cls._subscription(
            partner=cls.pack_customer,
            prepaid_hours=1,
            overage_profile_id=cls.overage.id,
            user_id=cls.billing_manager.id,
        )

    def _rate(self, sessions):
        return sessions.with_user(self.billing_manager).action_rate()


class SupportAccountingCase(AccountTestInvoicingCommon):
    """A company with a chart of accounts and taxes (from the account tests),
    our users, a support product with a real sale tax, a customer with a
    ticket, and the deferred revenue account and journal (not enabled)."""

    DAY = datetime(2025, 3, 10)

    @classmethod
    def get_default_groups(cls):
        # The accountant running the tests also manages the helpdesk (and so
        # support billing): it creates tickets and subscriptions.
        return super().get_default_groups() | cls.env.ref(
            "helpdesk_mgmt.group_helpdesk_manager"
        )

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        cls.company = company
        company.helpdesk_scope_default_outcome = "billable"
        # Sessions long past (DAY): the consultants' back-dating limit lifted.
        company.helpdesk_session_backdate_days = 0
        cls.billing_manager = new_test_user(
            cls.env,
            "hsb_acc_manager",
            groups="helpdesk_mgmt.group_helpdesk_user,"
            "helpdesk_session_billing.group_support_billing_manager",
            name="Accounting Billing Manager",
            company_id=company.id,
            company_ids=[Command.set(company.ids)],
        )
        cls.agent = new_test_user(
            cls.env,
            "hsb_acc_agent",
            groups="helpdesk_mgmt.group_helpdesk_user,"
            "helpdesk_session_billing.group_support_billing_user",
            name="Accounting Agent",
            company_id=company.id,
            company_ids=[Command.set(company.ids)],
        )
        cls.income_account = cls.company_data["default_account_revenue"]
        cls.support_product = cls._create_product(
            name="HSB support",
            type="service",
            lst_price=0.0,
            taxes_id=cls.tax_sale_a,
            property_account_income_id=cls.income_account,
        )
        company.helpdesk_billing_product_id = cls.support_product
        cls.deferred_account = cls.env["account.account"].create(
            {
                "name": "Deferred support revenue",
                "code": "HSB4990",
                "account_type": "liability_current",
            }
        )
        cls.deferred_journal = cls.company_data["default_journal_misc"]
        cls.customer = cls.env["res.partner"].create(
            {"name": "HSB Accounting Customer", "is_company": True}
        )
        cls.contact = cls.env["res.partner"].create(
            {"name": "HSB Accounting Contact", "parent_id": cls.customer.id}
        )
        cls.ticket = cls.env["helpdesk.ticket"].create(
            {
                "name": "HSB accounting ticket",
                "description": "<p>Please help.</p>",
                "partner_id": cls.contact.id,
            }
        )

    @classmethod
    def _enable_deferred_revenue(cls):
        cls.company.write(
            {
                "helpdesk_deferred_account_id": cls.deferred_account.id,
                "helpdesk_deferred_journal_id": cls.deferred_journal.id,
            }
        )

    @classmethod
    def _overage_profile(cls):
        """A pay-per-use profile for a subscription's overage: 25.00 a
        quarter of an hour."""
        return cls.env["helpdesk.contract.profile"].create(
            {
                "name": "HSB overage",
                "billing_type": "pay_per_use",
                "step_duration": 15,
                "step_cost": 25.0,
            }
        )

    @classmethod
    def _subscription(cls, **vals):
        return cls.env["helpdesk.contract.profile"].create(
            {
                "name": "HSB pack",
                "billing_type": "subscription",
                "partner_id": cls.customer.id,
                "prepaid_hours": 10.0,
                "amount": 800.0,
                "step_duration": 15,
                "product_id": cls.support_product.id,
                **vals,
            }
        )

    @classmethod
    def _session(cls, hour, minutes):
        """A finished session of ``minutes`` on the customer's ticket, on
        DAY at ``hour``."""
        start = cls.DAY.replace(hour=hour)
        return cls.env["helpdesk.session"].create(
            {
                "ticket_id": cls.ticket.id,
                "user_id": cls.agent.id,
                "date_start": start,
                "date_end": start + timedelta(minutes=minutes),
            }
        )

    def _rate(self, sessions):
        return sessions.with_user(self.billing_manager).action_rate()

    def _unrate(self, sessions):
        return sessions.with_user(self.billing_manager).action_unrate(reason="test")

    def _recharge(self, profile, hours, amount, date=None):
        wizard = (
            self.env["helpdesk.contract.recharge.wizard"]
            .with_user(self.billing_manager)
            .create(
                {
                    "profile_id": profile.id,
                    "hours": hours,
                    "amount": amount,
                    **({"date": date} if date else {}),
                }
            )
        )
        wizard.action_recharge()
        return profile.recharge_ids.sorted("id")[-1:]

    def _deferred_balance(self, profile):
        """Posted balance of the deferred account for ``profile``'s invoices
        and entries (credit positive)."""
        lines = self.env["account.move.line"].search(
            [
                ("account_id", "=", self.deferred_account.id),
                ("move_id.helpdesk_profile_id", "=", profile.id),
                ("parent_state", "=", "posted"),
            ]
        )
        return self.company.currency_id.round(-sum(lines.mapped("balance")))


class TwoConnectionsCase(BaseCase):
    """Two users at the same moment, on two real database connections: the
    data is committed, so each test cleans up after itself. A ``BaseCase``
    (not a ``unittest.TestCase``): Odoo's test loader needs the tags and
    module it gives its subclasses."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())

    @staticmethod
    def _create_ticket_sessions(env, partner, name):
        """A ticket of ``partner`` and two 45-minute sessions on it, two
        hours apart."""
        ticket = env["helpdesk.ticket"].create(
            {"name": name, "description": "<p>x</p>", "partner_id": partner.id}
        )
        start = datetime(2025, 5, 5, 9)
        sessions = env["helpdesk.session"].create(
            [
                {
                    "ticket_id": ticket.id,
                    "date_start": start + timedelta(hours=hour),
                    "date_end": start + timedelta(hours=hour, minutes=45),
                }
                for hour in (0, 2)
            ]
        )
        return ticket, sessions

    def _track_committed_packs(self):
        """Record what the test commits (partners, packs, tickets, sessions)
        in ``self.ids``; it is deleted after the test."""
        self.ids = {"partners": [], "profiles": [], "tickets": [], "sessions": []}
        self.addCleanup(self._delete_committed_packs)

    def _create_pack(self, env, name, **vals):
        partner = env["res.partner"].create({"name": name, "is_company": True})
        self.ids["partners"].append(partner.id)
        pack = env["helpdesk.contract.profile"].create(
            {
                "name": name,
                "billing_type": "subscription",
                "partner_id": partner.id,
                "step_duration": 15,
                **vals,
            }
        )
        self.ids["profiles"].append(pack.id)
        return pack

    def _delete_committed_packs(self):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            self._delete_sessions(env["helpdesk.session"].browse(self.ids["sessions"]))
            env["helpdesk.ticket"].browse(self.ids["tickets"]).unlink()
            profiles = env["helpdesk.contract.profile"].browse(self.ids["profiles"])
            # Draft pack invoices go first: a profile invoiced is never deleted.
            env["account.move"].search(
                [("helpdesk_profile_id", "in", profiles.ids)]
            ).unlink()
            env["helpdesk.contract.block.allocation"].search(
                [("profile_id", "in", profiles.ids)]
            ).unlink()
            profiles.recharge_ids.unlink()
            profiles.block_ids.unlink()
            profiles.unlink()
            env["res.partner"].browse(self.ids["partners"]).unlink()

    def _env(self, cr):
        return api.Environment(cr, SUPERUSER_ID, {})

    @staticmethod
    def _delete_sessions(sessions):
        """Clean up committed sessions the way a user would: deleting their
        draft invoices releases them, unrating makes them drafts again."""
        sessions.invoice_id.unlink()
        sessions.filtered(lambda s: s.state == "rated")._change_state("draft")
        sessions.unlink()
