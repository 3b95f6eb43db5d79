from datetime import date, timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import Form, freeze_time, tagged

from .common import SessionCase


@tagged("post_install", "-at_install")
class TestSession(SessionCase):
    # ------------------------------------------------------------------
    # Durations
    # ------------------------------------------------------------------
    def test_duration_and_positive_extra(self):
        session = self._session(self._at(9), 60, extra_duration=15)
        self.assertEqual(session.duration, 60)
        self.assertEqual(session.total_duration, 75)
        self.assertAlmostEqual(session.total_hours, 1.25)
        self.assertFalse(session.is_total_clamped)

    def test_duration_rounds_to_the_minute(self):
        start = self._at(9)
        session = self._session(start, date_end=start + timedelta(seconds=89))
        self.assertEqual(session.duration, 1)
        session.date_end = start + timedelta(seconds=91)
        self.assertEqual(session.duration, 2)
        # Half minutes round up, always (not to the even minute).
        for seconds, minutes in ((30, 1), (150, 3), (210, 4), (149, 2)):
            session.date_end = start + timedelta(seconds=seconds)
            self.assertEqual(session.duration, minutes, f"{seconds} s")

    def test_negative_extra_reduces_the_total(self):
        session = self._session(self._at(9), 60, extra_duration=-20)
        self.assertEqual(session.duration, 60)
        self.assertEqual(session.total_duration, 40)
        self.assertFalse(session.is_total_clamped)
        session.extra_duration = -60
        self.assertEqual(session.total_duration, 0)
        self.assertFalse(session.is_total_clamped)

    def test_negative_extra_beyond_the_connection_is_clamped(self):
        session = self._session(self._at(9), 10, extra_duration=-30)
        self.assertEqual(session.duration, 10)
        self.assertEqual(session.total_duration, 0)
        self.assertEqual(session.total_hours, 0)
        self.assertTrue(session.is_total_clamped)
        session.extra_duration = -5
        self.assertEqual(session.total_duration, 5)
        self.assertFalse(session.is_total_clamped)

    def test_clamped_total_warns_in_the_form(self):
        session = self._session(self._at(9), 10).with_user(self.agent)
        with self.assertLogs("odoo.tests.form.onchange", "WARNING") as logs:
            with Form(session) as form:
                form.extra_duration = -30
        self.assertIn("counted as 0", "\n".join(logs.output))
        self.assertEqual(session.total_duration, 0)
        self.assertTrue(session.is_total_clamped)

    def test_open_session_has_no_duration(self):
        session = self._session(self._at(9), extra_duration=5)
        self.assertEqual(session.duration, 0)
        self.assertEqual(session.total_duration, 5)

    # ------------------------------------------------------------------
    # Manual entry
    # ------------------------------------------------------------------
    @freeze_time("2025-03-10 18:00:00")
    def test_manual_entry_by_a_consultant(self):
        with Form(self.Session.with_user(self.agent)) as form:
            form.ticket_id = self.ticket
            form.date_start = self._at(14)
            form.date_end = self._at(15, 30)
            form.extra_duration = 10
            form.device = "Front desk PC"
            form.note = "Driver reinstalled"
        session = form.record
        self.assertEqual(session.user_id, self.agent)
        self.assertEqual(session.partner_id, self.customer, "commercial partner")
        self.assertEqual(session.company_id, self.company)
        self.assertEqual(session.currency_id, self.company.currency_id)
        self.assertEqual(session.state, "draft")
        self.assertFalse(session.timer_state)
        self.assertEqual(session.duration, 90)
        self.assertEqual(session.total_duration, 100)

    def test_partner_follows_the_ticket(self):
        session = self._session(self._at(9), 30)
        self.assertEqual(session.partner_id, self.customer)
        self.ticket.partner_id = self.tagged_customer
        self.assertEqual(session.partner_id, self.tagged_customer)
        self.assertEqual(session.partner_category_ids, self.tag_standard)

    # ------------------------------------------------------------------
    # Bad input: a clear message, nothing written
    # ------------------------------------------------------------------
    def test_end_before_start_is_refused(self):
        count = self.Session.search_count([])
        with (
            self.assertRaisesRegex(ValidationError, "ends before"),
            self.cr.savepoint(),
        ):
            self._session(self._at(10), -30)
        self.assertEqual(self.Session.search_count([]), count)
        session = self._session(self._at(9), 30)
        with (
            self.assertRaisesRegex(ValidationError, "ends before"),
            self.cr.savepoint(),
        ):
            session.date_end = self._at(8)
        session.invalidate_recordset()
        self.assertEqual(session.date_end, self._at(9, 30))

    def test_session_in_the_future_is_refused(self):
        now = fields.Datetime.now()
        count = self.Session.search_count([])
        with self.assertRaisesRegex(ValidationError, "future"), self.cr.savepoint():
            self._session(now + timedelta(hours=1), 30)
        with self.assertRaisesRegex(ValidationError, "future"), self.cr.savepoint():
            self._session(now - timedelta(minutes=10), 60)
        self.assertEqual(self.Session.search_count([]), count)
        # A few seconds of clock skew between browser and server are fine.
        self._session(now - timedelta(minutes=10), 10, date_end=now)

    def test_durations_beyond_a_day_are_refused(self):
        count = self.Session.search_count([])
        start = self._at(9) - timedelta(days=2)
        for vals, message in (
            ({"minutes": 24 * 60 + 1}, "more than 24 hours"),
            ({"minutes": 30, "extra_duration": 24 * 60 + 1}, "1441 extra minutes"),
            ({"minutes": 30, "extra_duration": -24 * 60 - 1}, "-1441 extra minutes"),
            ({"minutes": 30, "paused_seconds": -60}, "negative pause"),
        ):
            with (
                self.subTest(vals=vals),
                self.assertRaisesRegex(ValidationError, message),
                self.cr.savepoint(),
            ):
                self._session(start, **vals)
        self.assertEqual(self.Session.search_count([]), count)
        # The bounds themselves are fine: a day of work, a day either way.
        self._session(start, 24 * 60)
        self._session(start, 30, extra_duration=24 * 60)
        self._session(start, 30, extra_duration=-24 * 60)
        # Pauses are not work: a session paused overnight is one sitting.
        overnight = self._session(start, 26 * 60, paused_seconds=20 * 3600)
        self.assertEqual(overnight.duration, 6 * 60)
        # Edits are checked too, and change nothing.
        session = self._session(self._at(9), 30).with_user(self.agent)
        for vals in (
            {"extra_duration": 1500},
            {"date_end": self._at(9) + timedelta(hours=25)},
        ):
            with (
                self.subTest(vals=vals),
                self.assertRaises(ValidationError),
                self.cr.savepoint(),
            ):
                session.write(vals)
        session.invalidate_recordset()
        self.assertEqual((session.duration, session.extra_duration), (30, 0))

    def test_session_in_a_locked_period_is_refused(self):
        """Dated on or before the company's sales or global lock date (its own
        days), a session is neither created nor moved there."""
        self.company.partner_id.tz = "Europe/Brussels"
        earlier = self._session(self._at(9) - timedelta(days=3), 30)
        later = self._session(self._at(9) + timedelta(days=1), 30)
        self.company.sale_lock_date = date(2025, 3, 10)
        Session = self.Session.with_user(self.agent)
        count = self.Session.search_count([])
        for start in (
            self._at(9) - timedelta(days=20),
            self._at(9),
            # 23:30 in Brussels, still the 10th.
            self._at(22, 30),
        ):
            with (
                self.subTest(start=start),
                self.assertRaisesRegex(ValidationError, "locked in accounting"),
                self.cr.savepoint(),
            ):
                Session.create(
                    {
                        "ticket_id": self.ticket.id,
                        "date_start": start,
                        "date_end": start + timedelta(minutes=30),
                    }
                )
        self.assertEqual(self.Session.search_count([]), count)
        with (
            self.assertRaisesRegex(ValidationError, "locked in accounting"),
            self.cr.savepoint(),
        ):
            later.with_user(self.agent).write(
                {"date_start": self._at(8), "date_end": self._at(8, 30)}
            )
        later.invalidate_recordset()
        self.assertEqual(later.date_start, self._at(9) + timedelta(days=1))
        # Past midnight in Brussels (23:30 UTC) is the 11th: open.
        Session.create(
            {
                "ticket_id": self.ticket.id,
                "date_start": self._at(23, 30),
                "date_end": self._at(23, 45),
            }
        )
        # A session already there keeps its other fields editable.
        earlier.with_user(self.agent).note = "Called back"
        # The global lock date locks sessions too.
        self.company.sale_lock_date = False
        self.company.fiscalyear_lock_date = date(2025, 3, 11)
        with (
            self.assertRaisesRegex(ValidationError, "locked in accounting"),
            self.cr.savepoint(),
        ):
            self._session(self._at(9) + timedelta(days=1), 30)

    def test_ticket_of_another_company_is_refused(self):
        other_company = self.env["res.company"].create({"name": "HSB Other Co"})
        self.agent.company_ids = [Command.link(other_company.id)]
        other_ticket = self._ticket(company_id=other_company.id)
        count = self.Session.search_count([])
        # Working in the main company only.
        env = self.env(
            context=dict(self.env.context, allowed_company_ids=[self.company.id])
        )
        with (
            self.assertRaisesRegex(ValidationError, "not working in"),
            self.cr.savepoint(),
        ):
            env["helpdesk.session"].create(
                {
                    "ticket_id": other_ticket.id,
                    "date_start": self._at(9),
                    "date_end": self._at(10),
                }
            )
        agent_env = env(user=self.agent)
        with (
            self.assertRaisesRegex(ValidationError, "HSB Other Co"),
            self.cr.savepoint(),
        ):
            other_ticket.with_env(agent_env).action_timer_start()
        self.assertEqual(self.Session.search_count([]), count)
        # Working in both, the same consultant times it.
        both = agent_env(
            context=dict(
                agent_env.context,
                allowed_company_ids=[self.company.id, other_company.id],
            )
        )
        other_ticket.with_env(both).action_timer_start()
        session = self.Session.search([("ticket_id", "=", other_ticket.id)])
        self.assertEqual(session.company_id, other_company)
        self.assertEqual(session.user_id, self.agent)

    # ------------------------------------------------------------------
    # The lock: only draft sessions change
    # ------------------------------------------------------------------
    def test_rated_session_is_locked(self):
        session = self._session(self._at(9), 30, note="Done")
        session._change_state("rated")
        # Context keys a client could send (the old bookkeeping key among
        # them) unlock nothing.
        contexts = [{}, {"helpdesk_session_locked_write": True}]
        contexts.append({"helpdesk_ledger_write": True})
        for user in (self.agent, self.billing_manager):
            for context in contexts:
                locked = session.with_user(user).with_context(**context)
                with self.assertRaisesRegex(UserError, "rated"), self.cr.savepoint():
                    locked.write({"extra_duration": 15})
                with self.assertRaisesRegex(UserError, "rated"), self.cr.savepoint():
                    locked.unlink()
                with (
                    self.assertRaisesRegex(UserError, "never set by hand: State"),
                    self.cr.savepoint(),
                ):
                    locked.write({"state": "draft"})
        session.invalidate_recordset()
        self.assertTrue(session.exists())
        self.assertEqual(session.extra_duration, 0)
        self.assertEqual(session.note, "Done")
        self.assertEqual(session.state, "rated")
        # The transitions are the way back.
        session._change_state("draft")
        session.extra_duration = 5
        self.assertEqual(session.total_duration, 35)

    def test_state_moves_only_along_the_life_cycle(self):
        session = self._session(self._at(9), 30)
        for target in ("invoiced", "credited"):
            with self.assertRaisesRegex(UserError, "cannot become"):
                session._change_state(target)
        session._change_state("rated")
        session._change_state("invoiced")
        with self.assertRaisesRegex(UserError, "cannot become"):
            session._change_state("draft")
        session._change_state("credited")
        # Invoiced again only when its credit note is undone.
        for target in ("draft", "rated"):
            with self.assertRaisesRegex(UserError, "cannot become"):
                session._change_state(target)
        self.assertEqual(session.state, "credited")

    def test_sessions_are_created_to_rate(self):
        for user in (self.agent, self.billing_manager):
            with self.assertRaisesRegex(UserError, "never set by hand: State"):
                self.Session.with_user(user).create(
                    {
                        "ticket_id": self.ticket.id,
                        "date_start": self._at(9),
                        "date_end": self._at(10),
                        "state": "rated",
                    }
                )

    # ------------------------------------------------------------------
    # Access
    # ------------------------------------------------------------------
    def test_consultant_sees_all_but_edits_own_drafts(self):
        mine = self._session(self._at(9), 30, user=self.agent)
        theirs = self._session(self._at(10), 30, user=self.agent_2)
        Session = self.Session.with_user(self.agent)
        self.assertEqual(
            Session.search([("id", "in", (mine | theirs).ids)]), mine | theirs
        )
        mine.with_user(self.agent).write({"extra_duration": 10, "note": "Mine"})
        self.assertEqual(mine.total_duration, 40)
        with self.assertRaises(AccessError), self.cr.savepoint():
            theirs.with_user(self.agent).write({"extra_duration": 10})
        with self.assertRaises(AccessError), self.cr.savepoint():
            theirs.with_user(self.agent).unlink()
        with self.assertRaises(AccessError), self.cr.savepoint():
            Session.create(
                {
                    "ticket_id": self.ticket.id,
                    "user_id": self.agent_2.id,
                    "date_start": self._at(11),
                    "date_end": self._at(12),
                }
            )
        # Nor hand their own session to a colleague.
        with self.assertRaises(AccessError), self.cr.savepoint():
            mine.with_user(self.agent).write({"user_id": self.agent_2.id})
        theirs.invalidate_recordset()
        self.assertEqual(theirs.extra_duration, 0)
        self.assertEqual(mine.user_id, self.agent)
        mine.with_user(self.agent).unlink()
        self.assertFalse(mine.exists())

    def test_manager_edits_any_draft(self):
        theirs = self._session(self._at(10), 30, user=self.agent)
        theirs.with_user(self.billing_manager).write({"extra_duration": -10})
        self.assertEqual(theirs.total_duration, 20)
        theirs.with_user(self.billing_manager).user_id = self.agent_2
        self.assertEqual(theirs.user_id, self.agent_2)
        created = self.Session.with_user(self.billing_manager).create(
            {
                "ticket_id": self.ticket.id,
                "user_id": self.agent_2.id,
                "date_start": self._at(11),
                "date_end": self._at(12),
            }
        )
        self.assertEqual(created.user_id, self.agent_2)
        created.with_user(self.billing_manager).unlink()
        self.assertFalse(created.exists())

    def test_sessions_of_another_company_are_hidden(self):
        other_company = self.env["res.company"].create({"name": "HSB Other Co"})
        other_ticket = self._ticket(company_id=other_company.id)
        self.agent.company_ids = [Command.link(other_company.id)]
        session = self._session(self._at(9), 30, ticket=other_ticket)
        Session = self.Session.with_user(self.agent).with_context(
            allowed_company_ids=[self.company.id]
        )
        self.assertFalse(Session.search([("id", "=", session.id)]))

    # ------------------------------------------------------------------
    # Totals on the ticket and the customer
    # ------------------------------------------------------------------
    def test_ticket_and_partner_totals(self):
        self._session(self._at(9), 30, extra_duration=15)
        self._session(self._at(10), 60, user=self.agent_2)
        self._session(self._at(11), 30, ticket=self.ticket_2, extra_duration=-40)
        ticket = self.ticket.with_user(self.agent)
        self.assertEqual(ticket.session_count, 2)
        self.assertAlmostEqual(ticket.session_hours, 1.75)
        self.assertEqual(self.ticket_2.session_count, 1)
        self.assertEqual(self.ticket_2.session_hours, 0)
        for partner in (self.customer, self.contact):
            seen = partner.with_user(self.agent)
            self.assertEqual(seen.helpdesk_session_count, 3)
            self.assertAlmostEqual(seen.helpdesk_session_hours, 1.75)
        self.assertEqual(
            self.customer.helpdesk_session_ids.ticket_id, self.ticket | self.ticket_2
        )
        # A new session shows at once on both.
        self._session(self._at(13), 15)
        self.assertEqual(self.ticket.session_count, 3)
        self.assertAlmostEqual(self.ticket.session_hours, 2.0)
        self.assertEqual(self.customer.helpdesk_session_count, 4)
        self.assertEqual(self.contact.helpdesk_session_count, 4)
        self.assertAlmostEqual(self.contact.helpdesk_session_hours, 2.0)

    def test_session_actions_of_ticket_and_partner(self):
        action = self.ticket.action_view_sessions()
        self.assertEqual(action["res_model"], "helpdesk.session")
        self.assertEqual(action["domain"], [("ticket_id", "=", self.ticket.id)])
        action = self.contact.action_view_helpdesk_sessions()
        self.assertEqual(action["domain"], [("partner_id", "=", self.customer.id)])
