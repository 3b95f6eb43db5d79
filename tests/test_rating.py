from datetime import timedelta

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged

from .common import RatingCase


@tagged("post_install", "-at_install")
class TestRating(RatingCase):
    def test_pay_per_use_rating(self):
        session = self._session(self._at(9), 26)
        self._rate(session)
        self.assertEqual(session.state, "rated")
        self.assertEqual(session.profile_id, self.stepped)
        self.assertEqual(session.billed_duration, 35)
        self.assertEqual(session.cost, 49)
        self.assertEqual(session.prepaid_minutes, 0)
        self.assertEqual(session.rated_user_id, self.billing_manager)
        self.assertEqual(session.rated_tariff["profile"]["step_cost"], 12)

    def test_extra_minutes_are_billed(self):
        session = self._session(self._at(9), 10, extra_duration=6)
        self._rate(session)
        self.assertEqual(session.billed_duration, 25)
        self.assertEqual(session.cost, 37)

    def test_subscription_consumption_and_overage(self):
        first = self._session(self._at(9), 40, ticket=self.pack_ticket)
        second = self._session(self._at(11), 40, ticket=self.pack_ticket)
        self._rate(first | second)
        # 40 min rounds to 45 (15-min steps): 45 then 15 from the 60 min pack.
        self.assertEqual(first.prepaid_minutes, 45)
        self.assertEqual(first.cost, 0)
        self.assertEqual(second.billed_duration, 45)
        self.assertEqual(second.prepaid_minutes, 15)
        self.assertEqual(second.overage_minutes, 30)
        self.assertEqual(second.cost, 90)
        self.assertEqual(self.pack.consumed_minutes, 60)
        self.assertEqual(self.pack.remaining_hours, 0)

    def test_subscription_without_overage_goes_negative(self):
        self.pack.overage_profile_id = False
        session = self._session(self._at(9), 90, ticket=self.pack_ticket)
        self._rate(session)
        self.assertEqual(session.prepaid_minutes, 90)
        self.assertEqual(self.pack.remaining_hours, -0.5)

    def test_rating_a_rated_session_does_nothing(self):
        session = self._session(self._at(9), 26)
        self._rate(session)
        rated_date = session.rated_date
        self.stepped.step_cost = 100
        self._rate(session)
        self.assertEqual(session.cost, 49)
        self.assertEqual(session.rated_date, rated_date)

    def test_rate_change_applies_only_to_later_ratings(self):
        before = self._session(self._at(9), 26)
        self._rate(before)
        self.stepped.write({"step_cost": 20, "initial_step_cost": 30})
        after = self._session(self._at(11), 26)
        self._rate(after)
        self.assertEqual(before.cost, 49)
        self.assertEqual(before.rated_tariff["profile"]["step_cost"], 12)
        self.assertEqual(after.cost, 70)
        self.assertEqual(after.rated_tariff["profile"]["step_cost"], 20)

    def test_rated_session_is_locked(self):
        session = self._session(self._at(9), 26)
        self._rate(session)
        with self.assertRaisesRegex(UserError, "can no longer be changed"):
            session.with_user(self.billing_manager).extra_duration = 5

    def test_customer_without_profile_is_not_rated(self):
        stranger = self.env["res.partner"].create({"name": "HSB Stranger"})
        session = self._session(
            self._at(9), 20, ticket=self._ticket(partner_id=stranger.id)
        )
        billable = self._session(self._at(11), 20)
        with self.assertRaisesRegex(UserError, "HSB Stranger"):
            self._rate(session | billable)
        self.assertEqual((session | billable).mapped("state"), ["draft", "draft"])
        self.assertEqual(
            session.rating_issue, "No contract profile in force for this customer"
        )
        # The default profile of Settings covers them.
        self.company.helpdesk_default_profile_id = self.overage
        self._rate(session)
        self.assertEqual(session.profile_id, self.overage)
        self.assertEqual(session.cost, 90)

    def test_running_timer_is_not_rated(self):
        session = self._session(self._at(9), 20)
        session._ledger_writer().timer_state = "paused"
        with self.assertRaisesRegex(UserError, "still being timed"):
            self._rate(session)

    def test_session_without_customer_is_not_rated(self):
        ticket = self._ticket(name="HSB walk-in", partner_id=False)
        session = self._session(self._at(9), 20, ticket=ticket)
        self.assertFalse(session.partner_id, "saved: the customer may come later")
        with self.assertRaisesRegex(
            UserError, "cannot be rated: its ticket .*HSB walk-in.* has no customer"
        ):
            self._rate(session)
        self.assertEqual(session.state, "draft")
        ticket.partner_id = self.contact
        self._rate(session)
        self.assertEqual(session.state, "rated")

    def test_consultant_cannot_rate_or_unrate(self):
        session = self._session(self._at(9), 20)
        with self.assertRaises(AccessError):
            session.with_user(self.agent).action_rate()
        self._rate(session)
        with self.assertRaises(AccessError):
            session.with_user(self.agent).action_unrate(reason="no")
        self.assertEqual(session.state, "rated")


@tagged("post_install", "-at_install")
class TestUnrate(RatingCase):
    def test_unrate_gives_balance_back(self):
        session = self._session(self._at(9), 40, ticket=self.pack_ticket)
        self._rate(session)
        self.assertEqual(self.pack.remaining_hours, 0.25)
        action = session.with_user(self.billing_manager).action_unrate()
        wizard = Form(
            self.env[action["res_model"]]
            .with_user(self.billing_manager)
            .with_context(**action["context"])
        )
        wizard.reason = "Wrong ticket"
        wizard.save().action_unrate()
        self.assertEqual(session.state, "draft")
        self.assertFalse(session.profile_id)
        self.assertEqual(session.prepaid_minutes, 0)
        self.assertEqual(self.pack.remaining_hours, 1)
        self.assertIn("Wrong ticket", session.message_ids[0].body)
        # And it can be rated again.
        self._rate(session)
        self.assertEqual(self.pack.remaining_hours, 0.25)

    def test_unrate_needs_a_reason(self):
        session = self._session(self._at(9), 40)
        self._rate(session)
        with self.assertRaisesRegex(UserError, "why"):
            session.with_user(self.billing_manager).action_unrate(reason=" ")
        self.assertEqual(session.state, "rated")

    def test_invoiced_session_cannot_be_unrated(self):
        session = self._session(self._at(9), 40)
        self._rate(session)
        session._change_state("invoiced")
        with self.assertRaisesRegex(UserError, "credit note"):
            session.with_user(self.billing_manager).action_unrate(reason="oops")


@tagged("post_install", "-at_install")
class TestLowBalance(RatingCase):
    def test_activity_and_email_under_threshold(self):
        self.company.write(
            {
                "helpdesk_low_balance_threshold": 0.5,
                "helpdesk_low_balance_unit": "hours",
                "helpdesk_low_balance_email": True,
            }
        )
        self.pack.overage_profile_id = False
        self._rate(self._session(self._at(9), 15, ticket=self.pack_ticket))
        self.assertFalse(self.pack.activity_ids, "0.75 h left: above 0.5 h")
        self._rate(self._session(self._at(10), 30, ticket=self.pack_ticket))
        activity = self.pack.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.billing_manager)
        self.assertIn("Low support balance", activity.summary)
        mail = self.env["mail.mail"].search(
            [
                ("model", "=", "helpdesk.contract.profile"),
                ("res_id", "=", self.pack.id),
                ("subject", "ilike", "running low"),
            ]
        )
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.recipient_ids, self.pack_customer)
        self.assertIn("0.25", mail.body_html)
        # No second alert while it stays low...
        self._rate(self._session(self._at(11), 10, ticket=self.pack_ticket))
        self.assertEqual(len(self.pack.activity_ids), 1)
        # ...and the alert re-arms after a recharge lifts the balance.
        self.env["helpdesk.contract.recharge.wizard"].create(
            {"profile_id": self.pack.id, "hours": 5}
        ).action_recharge()
        self.assertFalse(self.pack.low_balance_notified)

    def test_each_assignee_told_once_of_all_their_low_balances(self):
        """Three subscriptions cross the threshold in one rating: the
        salesperson of two gets one notice naming both; the billing manager
        rating (responsible for the third) gets none, as Odoo tells nobody
        of their own activities."""
        self.company.helpdesk_low_balance_threshold = 0.5
        salesperson = new_test_user(
            self.env,
            "hsb_salesperson",
            groups="helpdesk_mgmt.group_helpdesk_user",
            name="Sales Person",
        )
        self.pack.write({"user_id": salesperson.id, "overage_profile_id": False})
        other_customer = self.env["res.partner"].create({"name": "HSB Other Pack"})
        other_pack = self._subscription(
            partner=other_customer,
            name="Other pack",
            prepaid_hours=1,
            user_id=salesperson.id,
        )
        own_customer = self.env["res.partner"].create({"name": "HSB Own Pack"})
        own_pack = self._subscription(
            partner=own_customer,
            name="Own pack",
            prepaid_hours=1,
            user_id=self.billing_manager.id,
        )
        sessions = self.Session
        for index, customer in enumerate(
            (self.pack_customer, other_customer, own_customer)
        ):
            ticket = self._ticket(partner_id=customer.id)
            sessions |= self._session(self._at(9 + index), 45, ticket=ticket)
        self._rate(sessions)
        packs = self.pack | other_pack | own_pack
        self.assertEqual(len(packs.activity_ids), 3)
        self.assertEqual(packs.activity_ids.user_id, salesperson | self.billing_manager)
        Message = self.env["mail.message"]
        notices = Message.search(
            [
                ("message_type", "=", "user_notification"),
                ("subject", "ilike", "Low support balance"),
                ("partner_ids", "in", salesperson.partner_id.ids),
            ]
        )
        self.assertEqual(len(notices), 1)
        self.assertIn("(2)", notices.subject)
        for pack in (self.pack, other_pack):
            self.assertIn(f"/odoo/helpdesk.contract.profile/{pack.id}", notices.body)
        self.assertIn("0.25 h left", notices.body)
        self.assertFalse(
            Message.search(
                [
                    ("message_type", "=", "user_notification"),
                    ("subject", "ilike", "Low support balance"),
                    ("partner_ids", "in", self.billing_manager.partner_id.ids),
                ]
            )
        )

    def test_percent_threshold(self):
        self.company.write(
            {
                "helpdesk_low_balance_threshold": 50,
                "helpdesk_low_balance_unit": "percent",
            }
        )
        self._rate(self._session(self._at(9), 20, ticket=self.pack_ticket))
        self.assertFalse(self.pack.activity_ids)
        self._rate(self._session(self._at(10), 20, ticket=self.pack_ticket))
        self.assertTrue(self.pack.activity_ids)


@tagged("post_install", "-at_install")
class TestRatingWizard(RatingCase):
    def _wizard(self):
        return Form(
            self.env["helpdesk.session.rating.wizard"].with_user(self.billing_manager)
        )

    def test_filters_preview_totals_and_rate_all(self):
        first = self._session(self._at(9), 26)
        second = self._session(self._at(10), 10, user=self.agent_2)
        other = self._session(self._at(11), 40, ticket=self.pack_ticket)
        form = self._wizard()
        form.date_from = self.DAY.date()
        form.date_to = self.DAY.date()
        form.partner_id = self.customer
        self.assertEqual(len(form.session_ids), 2)
        self.assertEqual(form.to_rate_cost, 49 + 25)
        self.assertAlmostEqual(form.to_rate_hours, 36 / 60, places=2)
        form.user_id = self.agent_2
        self.assertEqual(len(form.session_ids), 1)
        form.user_id = self.env["res.users"]
        wizard = form.save()
        # Editing extra minutes of a line updates its cost at once.
        with Form(second.with_user(self.billing_manager)) as line:
            self.assertEqual(line.preview_cost, 25)
            line.extra_duration = 10
            self.assertEqual(line.preview_cost, 37)
        wizard.action_rate_all()
        self.assertEqual((first | second).mapped("state"), ["rated", "rated"])
        self.assertEqual(other.state, "draft")
        wizard.state_filter = "rated"
        self.assertEqual(wizard.rated_cost, 49 + 37)
        self.assertEqual(wizard.to_rate_cost, 0)

    def test_subscription_balance_now_and_after(self):
        self._session(self._at(9), 40, ticket=self.pack_ticket)
        form = self._wizard()
        form.date_from = self.DAY.date()
        form.date_to = self.DAY.date()
        form.partner_id = self.pack_customer
        self.assertEqual(form.subscription_id, self.pack)
        self.assertEqual(form.remaining_hours, 1)
        self.assertEqual(form.remaining_hours_after, 0.25)
        action = form.save().action_recharge()
        self.assertEqual(action["context"]["default_profile_id"], self.pack.id)

    def test_from_list_selection(self):
        sessions = self._session(self._at(9), 26) | self._session(
            self._at(13), 10, ticket=self.pack_ticket
        )
        action = sessions.with_user(self.billing_manager).action_open_rating_wizard()
        wizard = self.env[action["res_model"]].browse(action["res_id"])
        self.assertEqual(wizard.session_ids, sessions)
        wizard.action_rate_all()
        self.assertEqual(set(sessions.mapped("state")), {"rated"})

    def test_rate_all_rates_the_rest_and_lists_the_skipped(self):
        good = self._session(self._at(9), 26)
        timed = self._session(self._at(10), 20)
        timed._ledger_writer().timer_state = "paused"
        orphan = self._session(
            self._at(11), 20, ticket=self._ticket(name="HSB walk-in", partner_id=False)
        )
        stranger = self.env["res.partner"].create({"name": "HSB Nobody"})
        unprofiled = self._session(
            self._at(12), 20, ticket=self._ticket(partner_id=stranger.id)
        )
        prepaid = self._session(self._at(13), 20, ticket=self.pack_ticket)
        form = self._wizard()
        form.date_from = self.DAY.date()
        form.date_to = self.DAY.date()
        wizard = form.save()
        self.assertEqual(len(wizard.session_ids), 5)
        action = wizard.action_rate_all()
        # A notification saying what was done, then the screen again.
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(action["params"]["message"], "2 session(s) rated.")
        self.assertEqual(action["params"]["next"]["res_id"], wizard.id)
        self.assertEqual((good | prepaid).mapped("state"), ["rated", "rated"])
        self.assertEqual((timed | orphan | unprofiled).mapped("state"), ["draft"] * 3)
        lines = wizard.rating_message.splitlines()
        self.assertEqual(
            lines[:2], ["2 session(s) rated.", "3 session(s) left to rate:"]
        )
        self.assertEqual(
            lines[2:],
            [
                f"- {timed.display_name}: it is still being timed: stop its "
                "timer first",
                f"- {orphan.display_name}: its ticket {orphan.ticket_id.display_name} "
                "has no customer: set one on the ticket",
                f"- {unprofiled.display_name}: no contract profile (or more than "
                "one) is in force for HSB Nobody on 2025-03-10",
            ],
        )
        # Nothing left that can be rated: nothing happens, all still listed.
        wizard.action_rate_all()
        self.assertTrue(wizard.rating_message.startswith("0 session(s) rated."))
        wizard.action_refresh()
        self.assertFalse(wizard.rating_message)

    def test_unratable_sessions_listed(self):
        stranger = self.env["res.partner"].create({"name": "HSB Nobody"})
        self._session(self._at(9), 20, ticket=self._ticket(partner_id=stranger.id))
        form = self._wizard()
        form.date_from = self.DAY.date()
        form.date_to = self.DAY.date() + timedelta(days=1)
        self.assertEqual(form.unratable_count, 1)
