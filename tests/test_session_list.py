from lxml import etree

from odoo.tests import tagged

from .common import RatingCase, open_rating_screen


@tagged("post_install", "-at_install")
class TestSessionList(RatingCase):
    """The session list shows what the rating screen shows: for a session
    to rate, the preview of its rating (not its stored cost, 0 until
    rated); a running timer as running, without a duration or a cost."""

    def _list(self):
        arch = (
            self.env["helpdesk.session"]
            .with_user(self.billing_manager)
            .get_views([(False, "list")])["views"]["list"]["arch"]
        )
        return etree.fromstring(arch)

    def test_drafts_show_the_rating_screen_figures(self):
        draft = self._session(self._at(9), 26)
        self.assertEqual(draft.cost, 0.0)
        rating = open_rating_screen(
            self.billing_manager, self.DAY.date(), self.DAY.date()
        )
        [line] = rating.session_ids
        self.assertEqual(line, draft)
        # Stepped tariff: 26 min -> 15 for 25.00 + two 10-minute steps.
        self.assertAlmostEqual(line.preview_cost, 49.0)
        read = draft.with_user(self.billing_manager).web_search_read(
            [("id", "=", draft.id)],
            {"preview_cost": {}, "preview_billed": {}},
        )["records"][0]
        self.assertAlmostEqual(read["preview_cost"], line.preview_cost)
        self.assertEqual(read["preview_billed"], line.preview_billed)
        arch = self._list()
        [cost] = arch.xpath("//field[@name='preview_cost']")
        self.assertEqual(cost.get("string"), "Cost")
        [billed] = arch.xpath("//field[@name='preview_billed']")
        self.assertEqual(billed.get("string"), "Billed (h:mm)")
        draft.with_user(self.billing_manager).action_rate()
        self.assertAlmostEqual(draft.cost, 49.0)
        self.assertAlmostEqual(draft.preview_cost, draft.cost)

    def test_running_timer_shows_as_running(self):
        running = self._session(self._at(9), timer_state="running")
        self.assertEqual(running.total_duration, 0)
        arch = self._list()
        [timer] = arch.xpath("//field[@name='timer_state'][@widget='badge']")
        self.assertEqual(timer.get("decoration-info"), "timer_state == 'running'")
        for name in ("total_duration", "preview_billed", "preview_cost", "state"):
            [field] = arch.xpath(f"//field[@name='{name}'][not(@column_invisible)]")
            self.assertEqual(field.get("invisible"), "timer_state", name)
        labels = dict(running._fields["timer_state"]._description_selection(self.env))
        self.assertEqual(labels[running.timer_state], "Running")
