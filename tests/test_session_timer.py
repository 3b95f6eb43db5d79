from datetime import timedelta

from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import freeze_time, tagged

from .common import SessionCase


@tagged("post_install", "-at_install")
class TestSessionTimer(SessionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ticket_a = cls.ticket.with_user(cls.agent)
        cls.ticket_b = cls.ticket_2.with_user(cls.agent)

    def _clock(self, hour, minute=0, second=0):
        return freeze_time(self._at(hour, minute).replace(second=second))

    def _running(self, user=None):
        return self.Session.search(
            [("user_id", "=", (user or self.agent).id), ("timer_state", "=", "running")]
        )

    def test_start_pause_resume_stop(self):
        with self._clock(9):
            self.assertFalse(self.ticket_a.my_timer_state)
            self.assertTrue(self.ticket_a.action_timer_start())
            session = self.ticket_a.my_session_id
            self.assertEqual(session.user_id, self.agent)
            self.assertEqual(session.date_start, self._at(9))
            self.assertEqual(self.ticket_a.my_timer_state, "running")
            self.assertEqual(self.ticket_a.my_timer_start, self._at(9))
        with self._clock(9, 20):
            self.ticket_a.action_timer_pause()
            self.assertEqual(self.ticket_a.my_timer_state, "paused")
            self.assertEqual(self.ticket_a.my_timer_pause_start, self._at(9, 20))
        with self._clock(9, 30):
            self.ticket_a.action_timer_resume()
            self.assertEqual(self.ticket_a.my_timer_state, "running")
            self.assertEqual(self.ticket_a.my_timer_paused_seconds, 600)
            self.assertFalse(self.ticket_a.my_timer_pause_start)
        with self._clock(9, 40):
            self.ticket_a.action_timer_pause()
        with self._clock(9, 45):
            self.ticket_a.action_timer_resume()
        with self._clock(10, 0, 20):
            action = self.ticket_a.action_timer_stop()
        # One session, worked time only: 60 min 20 s minus 15 min of pauses.
        self.assertEqual(self.ticket.session_ids, session)
        self.assertFalse(session.timer_state)
        self.assertEqual(session.date_end, self._at(10).replace(second=20))
        self.assertEqual(session.paused_seconds, 900)
        self.assertEqual(session.duration, 45)
        self.assertEqual(session.total_duration, 45)
        self.assertFalse(self.ticket_a.my_session_id)
        self.assertFalse(self.ticket_a.my_timer_state)
        # Stop offers the optional note.
        self.assertEqual(action["res_model"], "helpdesk.session")
        self.assertEqual(action["res_id"], session.id)
        self.assertEqual(action["target"], "new")
        stop_view = self.env.ref(
            "helpdesk_session_billing.helpdesk_session_view_form_stop"
        )
        self.assertEqual(action["views"], [(stop_view.id, "form")])
        session.with_user(self.agent).note = "Printer driver reinstalled"
        self.assertEqual(session.note, "Printer driver reinstalled")

    def test_stop_while_paused(self):
        with self._clock(9):
            self.ticket_a.action_timer_start()
            session = self.ticket_a.my_session_id
        with self._clock(9, 10):
            self.ticket_a.action_timer_pause()
        with self._clock(9, 40):
            self.ticket_a.action_timer_stop()
        self.assertEqual(session.date_end, self._at(9, 40))
        self.assertEqual(session.paused_seconds, 1800)
        self.assertEqual(session.duration, 10)
        self.assertFalse(session.pause_start)

    def test_timer_paused_overnight_is_one_session(self):
        with self._clock(17):
            self.ticket_a.action_timer_start()
            session = self.ticket_a.my_session_id
        with self._clock(18):
            self.ticket_a.action_timer_pause()
        with freeze_time(self._at(9) + timedelta(days=1)):
            self.ticket_a.action_timer_resume()
        with freeze_time(self._at(18) + timedelta(days=1)):
            self.ticket_a.action_timer_stop()
        self.assertEqual(session.date_end, self._at(18) + timedelta(days=1))
        self.assertEqual(session.duration, 10 * 60, "25 hours, 15 of them paused")

    def test_timer_left_running_stops_at_a_day_of_work(self):
        with self._clock(9):
            self.ticket_a.action_timer_start()
            session = self.ticket_a.my_session_id
        with self._clock(10):
            self.ticket_a.action_timer_pause()
        with self._clock(11):
            self.ticket_a.action_timer_resume()
        # Forgotten over the weekend.
        with freeze_time(self._at(9) + timedelta(days=3)):
            self.ticket_a.action_timer_stop()
        self.assertFalse(session.timer_state)
        self.assertEqual(session.date_end, self._at(10) + timedelta(days=1))
        self.assertEqual(session.duration, 24 * 60)
        self.assertTrue(session.needs_review)
        self.assertIn("more than a day", session.message_ids[0].body)

    def test_resume_requires_a_paused_timer(self):
        with self._clock(9):
            self.ticket_a.action_timer_start()
            session = self.ticket_a.my_session_id
        with self._clock(9, 5):
            with self.assertRaisesRegex(UserError, "not paused"), self.cr.savepoint():
                session.with_user(self.agent).action_timer_resume()
        self.assertEqual(session.timer_state, "running")
        self.assertEqual(session.paused_seconds, 0)

    def test_second_timer_pauses_the_first(self):
        with self._clock(9):
            self.ticket_a.action_timer_start()
            first = self.ticket_a.my_session_id
        with self._clock(9, 15):
            self.ticket_b.action_timer_start()
            second = self.ticket_b.my_session_id
            self.assertNotEqual(first, second)
            self.assertEqual(first.timer_state, "paused")
            self.assertEqual(first.pause_start, self._at(9, 15))
            self.assertEqual(self.ticket_a.my_timer_state, "paused")
            self.assertEqual(self.ticket_b.my_timer_state, "running")
            self.assertEqual(self._running(), second)
        # Another consultant's timer is none of our business.
        with self._clock(9, 20):
            self.ticket_2.with_user(self.agent_2).action_timer_start()
            self.assertEqual(self._running(), second)
            self.assertEqual(len(self._running(self.agent_2)), 1)
        # Resuming the first pauses the second.
        with self._clock(9, 30):
            self.ticket_a.action_timer_resume()
            self.assertEqual(self._running(), first)
            self.assertEqual(second.timer_state, "paused")
        with self._clock(10):
            self.ticket_a.action_timer_stop()
            self.ticket_b.action_timer_stop()
        # 60 min minus the 15 spent on the other ticket.
        self.assertEqual(first.duration, 45)
        # 45 min minus the 30 it stayed paused.
        self.assertEqual(second.duration, 15)
        self.assertFalse(self._running())

    def test_timer_of_another_company_is_paused_too(self):
        other_company = self.env["res.company"].create({"name": "HSB Other Co"})
        self.agent.company_ids = [Command.link(other_company.id)]
        other_ticket = self._ticket(company_id=other_company.id)
        both = [self.company.id, other_company.id]
        with self._clock(9):
            other_ticket.with_user(self.agent).with_context(
                allowed_company_ids=both
            ).action_timer_start()
            first = other_ticket.session_ids
            self.assertEqual(first.timer_state, "running")
        # Back in the main company only, a new timer still pauses that one.
        with self._clock(9, 30):
            self.ticket_a.with_context(
                allowed_company_ids=[self.company.id]
            ).action_timer_start()
        self.assertEqual(first.timer_state, "paused")
        self.assertEqual(self._running(), self.ticket.session_ids)

    def test_session_longer_than_the_maximum_needs_review(self):
        with self._clock(8):
            self.ticket_a.action_timer_start()
            session = self.ticket_a.my_session_id
        with self._clock(12):
            self.ticket_a.action_timer_stop()
        self.assertEqual(session.duration, 240)
        self.assertFalse(session.needs_review, "the limit itself is fine")
        with self._clock(13):
            self.ticket_a.action_timer_start()
            long_one = self.ticket_a.my_session_id
        with self._clock(17, 1):
            self.ticket_a.action_timer_stop()
        self.assertEqual(long_one.duration, 241)
        self.assertTrue(long_one.needs_review)
        self.assertEqual(self.Session.search([("needs_review", "=", True)]), long_one)
        # The setting is per company; 0 disables the check.
        self.company.helpdesk_session_max_minutes = 0
        self.assertFalse(long_one.needs_review)
        self.company.helpdesk_session_max_minutes = 120
        self.assertTrue(session.needs_review)
        # Extra minutes are declared work, not a forgotten timer.
        short = self._session(self._at(18), 30, extra_duration=200)
        self.assertFalse(short.needs_review)

    def test_settings_carry_the_maximum(self):
        settings = self.env["res.config.settings"].create(
            {"helpdesk_session_max_minutes": 90}
        )
        settings.execute()
        self.assertEqual(self.company.helpdesk_session_max_minutes, 90)
