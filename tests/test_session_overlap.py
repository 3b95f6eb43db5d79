from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import SessionCase


@tagged("post_install", "-at_install")
class TestSessionOverlap(SessionCase):
    def _search_ids(self, domain, sessions):
        return self.Session.search([("id", "in", sessions.ids), *domain])

    # ------------------------------------------------------------------
    # Detection
    # ------------------------------------------------------------------
    def test_overlap_of_one_consultant_is_flagged(self):
        first = self._session(self._at(9), 60)
        second = self._session(self._at(9, 30), 60, ticket=self.ticket_2)
        adjacent = self._session(self._at(10, 30), 30)
        other_user = self._session(self._at(9), 90, user=self.agent_2)
        alone = self._session(self._at(14), 30)
        everything = first | second | adjacent | other_user | alone
        self.assertTrue(first.has_overlap)
        self.assertTrue(second.has_overlap)
        self.assertFalse(adjacent.has_overlap, "ending as the next starts is fine")
        self.assertFalse(other_user.has_overlap, "another consultant's time")
        self.assertFalse(alone.has_overlap)
        overlapping = first | second
        self.assertEqual(
            self._search_ids([("has_overlap", "=", True)], everything), overlapping
        )
        self.assertEqual(
            self._search_ids([("has_overlap", "=", False)], everything),
            everything - overlapping,
        )
        self.assertEqual(
            self._search_ids([("has_overlap", "!=", True)], everything),
            everything - overlapping,
        )
        self.assertEqual(
            self._search_ids([("has_overlap", "!=", False)], everything), overlapping
        )
        # Consultants see the flag on their colleagues' sessions too.
        self.assertTrue(second.with_user(self.agent_2).has_overlap)
        self.assertEqual(
            self.Session.with_user(self.agent_2).search(
                [("id", "in", everything.ids), ("has_overlap", "=", True)]
            ),
            overlapping,
        )

    def test_overlap_follows_edits(self):
        first = self._session(self._at(9), 60)
        second = self._session(self._at(10), 30)
        self.assertFalse(first.has_overlap)
        second.date_start = self._at(9, 50)
        first.invalidate_recordset(["has_overlap"])
        self.assertTrue(first.has_overlap)
        self.assertTrue(second.has_overlap)
        second.user_id = self.agent_2
        (first | second).invalidate_recordset(["has_overlap"])
        self.assertFalse(first.has_overlap)

    def test_running_timer_overlaps_until_now(self):
        running = self._session(self._at(9), timer_state="running")
        later = self._session(self._at(11), 30, ticket=self.ticket_2)
        self.assertTrue(running.has_overlap)
        self.assertTrue(later.has_overlap)

    # ------------------------------------------------------------------
    # Merge
    # ------------------------------------------------------------------
    def test_merge_with_a_gap(self):
        first = self._session(self._at(9), 30, extra_duration=5, note="A", device="PC")
        second = self._session(
            self._at(9, 45), 30, extra_duration=-2, note="B", device="Laptop"
        )
        third = self._session(self._at(10, 20), 10, device="PC")
        action = (second | third | first).with_user(self.agent).action_merge()
        self.assertEqual(action["res_id"], first.id)
        self.assertFalse((second | third).exists())
        self.assertEqual(first.date_start, self._at(9))
        self.assertEqual(first.date_end, self._at(10, 30))
        # 70 worked minutes; the gaps count as pauses.
        self.assertEqual(first.paused_seconds, 20 * 60)
        self.assertEqual(first.duration, 70)
        self.assertEqual(first.extra_duration, 3)
        self.assertEqual(first.total_duration, 73)
        self.assertEqual(first.note, "A\nB")
        self.assertEqual(first.device, "PC, Laptop")
        self.assertEqual(self.ticket.session_count, 1)
        self.assertIn("Merged 3 sessions", first.message_ids[0].body)

    def test_merge_overlapping_sessions_counts_time_once(self):
        first = self._session(self._at(9), 60)
        second = self._session(self._at(9, 30), 60)
        self.assertTrue(first.has_overlap)
        (first | second).action_merge()
        self.assertEqual(first.date_end, self._at(10, 30))
        self.assertEqual(first.duration, 90)
        self.assertEqual(first.paused_seconds, 0)
        first.invalidate_recordset(["has_overlap"])
        self.assertFalse(first.has_overlap)

    def test_merge_keeps_pauses(self):
        first = self._session(self._at(9), 60, paused_seconds=600)
        second = self._session(self._at(10, 30), 30)
        self.assertEqual(first.duration, 50)
        (first | second).action_merge()
        self.assertEqual(first.duration, 80)
        self.assertEqual(first.date_end, self._at(11))

    def _assert_merge_refused(self, sessions, message, error=UserError):
        before = [
            (s.id, s.date_end, s.paused_seconds, s.extra_duration) for s in sessions
        ]
        with self.assertRaisesRegex(error, message), self.cr.savepoint():
            sessions.action_merge()
        sessions.invalidate_recordset()
        self.assertEqual(len(sessions.exists()), len(sessions))
        self.assertEqual(
            [(s.id, s.date_end, s.paused_seconds, s.extra_duration) for s in sessions],
            before,
        )

    def test_merge_refusals(self):
        first = self._session(self._at(9), 30)
        self._assert_merge_refused(first, "at least two")
        other_ticket = self._session(self._at(10), 30, ticket=self.ticket_2)
        self._assert_merge_refused(first | other_ticket, "same ticket")
        other_user = self._session(self._at(10), 30, user=self.agent_2)
        self._assert_merge_refused(first | other_user, "same consultant")
        running = self._session(self._at(11), timer_state="running")
        self._assert_merge_refused(first | running, "Stop the running timers")
        rated = self._session(self._at(12), 30)
        rated._change_state("rated")
        self._assert_merge_refused(first | rated, "rated")
        self._assert_merge_refused(rated | first, "rated")

    def test_consultant_merges_only_own_sessions(self):
        first = self._session(self._at(9), 30, user=self.agent_2)
        second = self._session(self._at(10), 30, user=self.agent_2)
        self._assert_merge_refused(
            (first | second).with_user(self.agent), "", AccessError
        )
        (first | second).with_user(self.billing_manager).action_merge()
        self.assertFalse(second.exists())
        self.assertEqual(first.duration, 60)
