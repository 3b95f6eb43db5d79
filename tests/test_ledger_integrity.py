"""The billing ledger cannot be forged: protected fields, no context key
unlocking anything, customer and company frozen by rating. Tried as the real
roles, in Python and through the JSON-RPC endpoint the web client uses."""

from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import HttpCase, tagged
from odoo.tests.common import JsonRpcException

from .common import SessionCase

# What a client might send to get past a check: the module's old bookkeeping
# key, today's key with a value a client can build, and Odoo's own keys.
FORGED_CONTEXTS = [
    {"helpdesk_session_locked_write": True},
    {"helpdesk_ledger_write": True},
    {"helpdesk_ledger_write": "helpdesk_ledger_write"},
    {"helpdesk_scope_write": True, "tracking_disable": True},
]


@tagged("post_install", "-at_install")
class TestProtectedSessionFields(SessionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.profile = cls._pay_per_use(partner_ids=[Command.link(cls.customer.id)])

    def test_no_user_writes_a_billing_figure(self):
        session = self._session(self._at(9), 30)
        figures = {
            "cost": 0.0,
            "billed_duration": 1,
            "prepaid_minutes": 30,
            "scope": "included",
            "scope_included_minutes": 30,
            "profile_id": self.profile.id,
            "rated_user_id": self.agent.id,
            "timer_state": "running",
            "paused_seconds": 1800,
        }
        for user in (self.agent, self.billing_manager):
            for fname, value in figures.items():
                for context in [{}, *FORGED_CONTEXTS]:
                    with (
                        self.subTest(user=user.login, field=fname, context=context),
                        self.assertRaisesRegex(UserError, "never set by hand"),
                        self.cr.savepoint(),
                    ):
                        session.with_user(user).with_context(**context).write(
                            {fname: value}
                        )
        session.invalidate_recordset()
        self.assertEqual(session.scope_included_minutes + session.cost, 0)
        self.assertFalse(session.timer_state)

    def test_no_session_is_created_rated(self):
        for user in (self.agent, self.billing_manager):
            for context in [{}, *FORGED_CONTEXTS]:
                with (
                    self.subTest(user=user.login, context=context),
                    self.assertRaisesRegex(UserError, "never set by hand"),
                    self.cr.savepoint(),
                ):
                    self.Session.with_user(user).with_context(**context).create(
                        {
                            "ticket_id": self.ticket.id,
                            "date_start": self._at(9),
                            "date_end": self._at(10),
                            "state": "rated",
                            "cost": 1.0,
                        }
                    )
        self.assertFalse(self.Session.search([("ticket_id", "=", self.ticket.id)]))

    def test_forged_context_unlocks_no_rated_session(self):
        session = self._session(self._at(9), 30, note="Done")
        session.with_user(self.billing_manager).action_rate()
        self.assertEqual(session.state, "rated")
        for context in FORGED_CONTEXTS:
            locked = session.with_user(self.billing_manager).with_context(**context)
            with self.subTest(context=context):
                with self.assertRaisesRegex(UserError, "rated"), self.cr.savepoint():
                    locked.write({"note": "Changed"})
                with self.assertRaisesRegex(UserError, "rated"), self.cr.savepoint():
                    locked.unlink()
        self.assertEqual(session.note, "Done")

    def test_duplicate_keeps_its_pauses_and_forges_nothing(self):
        session = self._session(self._at(9), 60, note="Done")
        session._ledger_writer().paused_seconds = 600
        copy = session.with_user(self.agent).copy()
        self.assertEqual(
            (copy.state, copy.paused_seconds, copy.duration), ("draft", 600, 50)
        )
        self.assertEqual(copy.user_id, self.agent)
        with self.assertRaisesRegex(UserError, "never set by hand"):
            session.with_user(self.agent).copy({"cost": 1.0, "state": "rated"})
        # Rating the copy is the way to a cost.
        copy.with_user(self.billing_manager).action_rate()
        self.assertEqual((copy.state, copy.cost), ("rated", 90.0))

    def test_the_transitions_still_write_them(self):
        session = self._session(self._at(9), 30)
        session.with_user(self.billing_manager).action_rate()
        self.assertEqual(session.state, "rated")
        self.assertEqual(session.profile_id, self.profile)
        self.assertEqual(session.cost, 90.0)
        session.with_user(self.billing_manager).action_unrate(reason="Wrong ticket")
        self.assertEqual(session.state, "draft")
        self.assertFalse(session.cost)


@tagged("post_install", "-at_install")
class TestCustomerIsAFactOfRating(SessionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._pay_per_use(partner_ids=[Command.link(cls.customer.id)])
        cls.other_customer = cls.env["res.partner"].create(
            {"name": "HSB Other", "is_company": True}
        )

    def test_ticket_with_rated_sessions_keeps_customer_and_company(self):
        rated = self._session(self._at(9), 30)
        rated.with_user(self.billing_manager).action_rate()
        draft = self._session(self._at(11), 30)
        ticket = self.ticket.with_user(self.billing_manager)
        with self.assertRaisesRegex(UserError, "rated sessions"), self.cr.savepoint():
            ticket.partner_id = self.other_customer
        other_company = self.env["res.company"].create({"name": "HSB Elsewhere"})
        with self.assertRaisesRegex(UserError, "rated sessions"), self.cr.savepoint():
            self.ticket.company_id = other_company
        self.assertEqual(rated.partner_id, self.customer)
        # Another contact of the same customer changes nothing that was rated.
        colleague = self.env["res.partner"].create(
            {"name": "HSB Colleague", "parent_id": self.customer.id}
        )
        ticket.partner_id = colleague
        self.assertEqual(draft.partner_id, self.customer)
        # The rated session cannot be moved either.
        with self.assertRaisesRegex(UserError, "rated"), self.cr.savepoint():
            rated.with_user(self.billing_manager).ticket_id = self.ticket_2

    def test_drafts_follow_their_ticket(self):
        draft = self._session(self._at(9), 30)
        self.ticket.with_user(self.billing_manager).partner_id = self.other_customer
        self.assertEqual(draft.partner_id, self.other_customer)
        self.assertEqual(draft.state, "draft")


@tagged("post_install", "-at_install")
class TestLedgerOverRpc(HttpCase, SessionCase):
    """A consultant calling the JSON-RPC endpoint of the web client."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._pay_per_use(partner_ids=[Command.link(cls.customer.id)])

    def _call(self, model, method, args, kwargs=None):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        )

    def test_consultant_cannot_create_a_rated_session_over_rpc(self):
        self.authenticate(self.agent.login, self.agent.login)
        vals = {
            "ticket_id": self.ticket.id,
            "date_start": "2025-03-10 09:00:00",
            "date_end": "2025-03-10 10:00:00",
        }
        forged = {**vals, "state": "rated", "cost": 0.0, "billed_duration": 0}
        with self.assertRaisesRegex(JsonRpcException, "(Access|User)Error"):
            self._call("helpdesk.session", "create", [forged])
        self.assertFalse(self.Session.search([("ticket_id", "=", self.ticket.id)]))
        # The same session, honestly, is created to rate.
        session_id = self._call("helpdesk.session", "create", [vals])
        self.assertEqual(self.Session.browse(session_id).state, "draft")

    def test_context_key_unlocks_nothing_over_rpc(self):
        session = self._session(self._at(9), 30, note="Done")
        session.with_user(self.billing_manager).action_rate()
        self.authenticate(self.billing_manager.login, self.billing_manager.login)
        for context in FORGED_CONTEXTS:
            with (
                self.subTest(context=context),
                self.assertRaisesRegex(JsonRpcException, "(Access|User)Error"),
            ):
                self._call(
                    "helpdesk.session",
                    "write",
                    [[session.id], {"state": "draft", "note": "Changed"}],
                    {"context": context},
                )
        session.invalidate_recordset()
        self.assertEqual((session.state, session.note), ("rated", "Done"))

    def test_ticket_customer_is_kept_over_rpc(self):
        session = self._session(self._at(9), 30)
        session.with_user(self.billing_manager).action_rate()
        other = self.env["res.partner"].create({"name": "HSB Rpc", "is_company": True})
        self.authenticate(self.agent.login, self.agent.login)
        with self.assertRaisesRegex(JsonRpcException, "(Access|User)Error"):
            self._call(
                "helpdesk.ticket", "write", [[self.ticket.id], {"partner_id": other.id}]
            )
        self.assertEqual(session.partner_id, self.customer)
