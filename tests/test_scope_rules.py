from datetime import date, datetime, timedelta

from odoo.exceptions import ValidationError
from odoo.fields import Command
from odoo.tests import new_test_user, tagged

from .common import SupportBillingCase

# Well in the past: sessions record work already done.
DAY = datetime(2025, 10, 6, 9, 0)


@tagged("post_install", "-at_install")
class TestScopeRules(SupportBillingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Rule = cls.env["helpdesk.scope.rule"]
        cls.Session = cls.env["helpdesk.session"]
        # Months and days are the company's (its address' time zone).
        cls.company.partner_id.tz = "Europe/Paris"
        cls.company.helpdesk_scope_default_outcome = "billable"
        # Only our rules decide: archive any other rule of the company.
        cls.Rule.search([]).active = False
        cls.agent = new_test_user(
            cls.env,
            "hsb_scope_agent",
            groups="helpdesk_mgmt.group_helpdesk_user,"
            "helpdesk_session_billing.group_support_billing_user",
        )
        Category = cls.env["helpdesk.ticket.category"]
        cls.cat_howto = Category.create({"name": "HSB how-to"})
        cls.cat_hardware = Category.create({"name": "HSB hardware"})
        cls.cat_training = Category.create({"name": "HSB training"})
        cls.tag_cosmetic = cls.env["helpdesk.ticket.tag"].create(
            {"name": "HSB cosmetic"}
        )
        cls.team = cls.env["helpdesk.ticket.team"].create({"name": "HSB team"})
        cls.channel = cls.env["helpdesk.ticket.channel"].create({"name": "HSB phone"})
        cls.ticket = cls._ticket(name="HSB question")

    @classmethod
    def _ticket(cls, partner=None, **vals):
        return cls.env["helpdesk.ticket"].create(
            {
                "name": "HSB ticket",
                "description": "<p>Please help.</p>",
                "partner_id": (partner or cls.contact).id,
                "priority": "1",
                **vals,
            }
        )

    @classmethod
    def _session(cls, start=DAY, minutes=60, ticket=None, **vals):
        return cls.env["helpdesk.session"].create(
            {
                "ticket_id": (ticket or cls.ticket).id,
                "user_id": cls.agent.id,
                "date_start": start,
                "date_end": start + timedelta(minutes=minutes),
                **vals,
            }
        )

    @classmethod
    def _rule(cls, **vals):
        return cls.env["helpdesk.scope.rule"].create(
            {"name": "HSB rule", "outcome": "included", **vals}
        )

    def _rate(self, sessions):
        """Freeze sessions as rating does (the rating code applies the rules
        first, then locks the sessions)."""
        sessions._apply_scope_rules()
        sessions._change_state("rated")

    def assertScope(self, session, scope, rule=None, included=None, billable=None):
        self.assertEqual(session.scope, scope, session.scope_reason)
        self.assertEqual(session.scope_rule_id, rule or self.Rule)
        if included is not None:
            self.assertEqual(session.scope_included_minutes, included)
        if billable is not None:
            self.assertEqual(session.scope_billable_minutes, billable)
        self.assertEqual(
            session.scope_included_minutes + session.scope_billable_minutes,
            session.total_duration,
        )

    # ------------------------------------------------------------------
    # Matching
    # ------------------------------------------------------------------
    def test_each_criterion(self):
        profile = self._pay_per_use(partner_ids=[Command.link(self.customer.id)])
        other_profile = self._pay_per_use(name="Other")
        other = self._ticket(name="Nothing special")
        cases = [
            (
                "category",
                {"category_ids": [Command.link(self.cat_howto.id)]},
                {"category_id": self.cat_howto.id},
            ),
            (
                "tags",
                {"tag_ids": [Command.link(self.tag_cosmetic.id)]},
                {"tag_ids": [Command.link(self.tag_cosmetic.id)]},
            ),
            (
                "team",
                {"team_ids": [Command.link(self.team.id)]},
                {"team_id": self.team.id},
            ),
            (
                "channel",
                {"channel_ids": [Command.link(self.channel.id)]},
                {"channel_id": self.channel.id},
            ),
            ("priority", {"priority": "3"}, {"priority": "3"}),
            (
                "keyword in title",
                {"keywords": "invoice, template"},
                {"name": "Change the Invoice layout"},
            ),
            (
                "keyword in description",
                {"keywords": "réconciliation"},
                {"description": "<p>Bank <b>reconciliation</b> stuck</p>"},
            ),
        ]
        for label, criteria, ticket_vals in cases:
            with self.subTest(criterion=label):
                rule = self._rule(name=label, **criteria)
                matching = self._session(ticket=self._ticket(**ticket_vals))
                not_matching = self._session(DAY + timedelta(hours=2), ticket=other)
                self.assertScope(matching, "included", rule)
                self.assertScope(not_matching, "billable")
                rule.active = False
        with self.subTest(criterion="keyword in the session note"):
            rule = self._rule(name="note", keywords="toner")
            session = self._session(DAY + timedelta(hours=4), ticket=other)
            self.assertScope(session, "billable")
            session.note = "Replaced the TONER cartridge"
            self.assertScope(session, "included", rule)
            rule.active = False
        with self.subTest(criterion="profiles"):
            rule = self._rule(name="profiles", profile_ids=[Command.link(profile.id)])
            session = self._session(DAY + timedelta(hours=5), ticket=other)
            self.assertScope(session, "included", rule)
            rule.profile_ids = [Command.set(other_profile.ids)]
            self.assertScope(session, "billable")

    def test_rule_without_criterion_matches_everything(self):
        default = self._rule(name="Everything else")
        session = self._session()
        self.assertScope(session, "included", default, included=60, billable=0)
        self.assertEqual(session.scope_reason_code, "rule")
        self.assertEqual(
            session.scope_reason, "Covered by your contract: Everything else"
        )

    def test_first_matching_rule_wins(self):
        training = self._rule(
            name="Extra training", outcome="billable", keywords="training", sequence=5
        )
        default = self._rule(name="Everything else", sequence=10)
        session = self._session(ticket=self._ticket(name="Extra training, please"))
        other = self._session(DAY + timedelta(hours=2))
        self.assertScope(session, "billable", training, included=0, billable=60)
        self.assertEqual(
            session.scope_reason, "Billed on top of your contract: Extra training"
        )
        self.assertScope(other, "included", default)
        # Reordering the rules reclassifies the draft sessions.
        default.sequence = 1
        self.assertScope(session, "included", default)

    def test_company_default(self):
        self._rule(category_ids=[Command.link(self.cat_training.id)])
        session = self._session()
        self.assertScope(session, "billable", included=0, billable=60)
        self.assertEqual(session.scope_reason_code, "default")
        self.assertEqual(session.scope_reason, "Not covered by your contract")
        self.company.helpdesk_scope_default_outcome = "included"
        self.assertScope(session, "included", included=60, billable=0)
        self.assertEqual(session.scope_reason_code, "default")
        self.assertEqual(session.scope_reason, "Covered by your contract")

    def test_ticket_change_reclassifies_its_draft_sessions(self):
        rule = self._rule(category_ids=[Command.link(self.cat_hardware.id)])
        session = self._session()
        self.assertScope(session, "billable")
        self.ticket.category_id = self.cat_hardware
        self.assertScope(session, "included", rule)

    def test_profile_and_assignment_changes_reclassify_draft_sessions(self):
        """Draft sessions follow the profile in force as it changes, without
        waiting for rating: a new profile, a changed period, a customer tag."""
        gold = self._pay_per_use(name="Gold")
        rule = self._rule(profile_ids=[Command.link(gold.id)])
        session = self._session()
        rated = self._session(DAY + timedelta(hours=2))
        self.assertScope(session, "billable")
        self._rate(rated)
        # A customer named on the profile.
        gold.partner_ids = [Command.link(self.customer.id)]
        self.assertScope(session, "included", rule)
        # The profile's period no longer covers the session.
        gold.date_start = DAY.date() + timedelta(days=1)
        self.assertScope(session, "billable")
        gold.date_start = False
        self.assertScope(session, "included", rule)
        gold.partner_ids = [Command.clear()]
        self.assertScope(session, "billable")
        # A tag of the customer reaching the profile.
        tag = self.env["res.partner.category"].create({"name": "HSB gold"})
        gold.partner_category_ids = [Command.link(tag.id)]
        self.assertScope(session, "billable")
        self.customer.category_id = [Command.link(tag.id)]
        self.assertScope(session, "included", rule)
        # The tag leaves the profile: back to billable.
        gold.partner_category_ids = [Command.clear()]
        self.assertScope(session, "billable")
        # Rated sessions keep the scope they were rated with throughout.
        self.assertScope(rated, "billable")
        self.assertEqual(rated.state, "rated")

    def test_consultant_sessions_are_classified(self):
        rule = self._rule()
        session = self.Session.with_user(self.agent).create(
            {
                "ticket_id": self.ticket.id,
                "date_start": DAY,
                "date_end": DAY + timedelta(minutes=30),
            }
        )
        self.assertScope(session, "included", rule, included=30)

    # ------------------------------------------------------------------
    # Grace period
    # ------------------------------------------------------------------
    def test_grace_period_from_the_customer_start(self):
        rule = self._rule(outcome="billable", grace_days=90)
        self.customer.helpdesk_contract_start = date(2025, 7, 9)
        last = date(2025, 10, 6)  # the 90th day
        inside = self._session(datetime(2025, 10, 6, 20, 0))  # 22:00 in Paris
        outside = self._session(datetime(2025, 10, 6, 22, 30))  # 7 Oct in Paris
        self.assertScope(inside, "included", rule, included=60, billable=0)
        self.assertEqual(inside.scope_reason_code, "grace")
        self.assertEqual(
            inside.scope_reason_args, {"until": last.isoformat(), "days": 90}
        )
        self.assertEqual(
            inside.scope_reason,
            f"{rule.name}: free during the first 90 days of your contract, "
            f"until {last:%m/%d/%Y}",
        )
        self.assertScope(outside, "billable", rule, included=0, billable=60)
        # Moving the start moves the grace period.
        self.customer.helpdesk_contract_start = date(2025, 7, 10)
        self.assertScope(outside, "included", rule)

    def test_grace_period_from_the_profile_start(self):
        rule = self._rule(outcome="billable", grace_days=30)
        self.customer.helpdesk_contract_start = date(2020, 1, 1)
        self._subscription(date_start=date(2025, 9, 15))
        inside = self._session(datetime(2025, 10, 14, 9, 0))
        outside = self._session(datetime(2025, 10, 15, 9, 0))
        self.assertScope(inside, "included", rule)
        self.assertEqual(inside.scope_reason_args["until"], "2025-10-14")
        self.assertScope(outside, "billable", rule)

    # ------------------------------------------------------------------
    # Monthly allowance
    # ------------------------------------------------------------------
    def test_allowance_split_across_two_sessions(self):
        rule = self._rule(name="Cosmetic", monthly_allowance_hours=2.0)
        first = self._session(DAY, 90)
        second = self._session(DAY + timedelta(days=1), 45)
        third = self._session(DAY + timedelta(days=2), 15)
        self.assertScope(first, "included", rule, included=90, billable=0)
        self.assertScope(second, "billable", rule, included=30, billable=15)
        self.assertEqual(
            (second.scope_reason_code, second.scope_reason_args),
            ("allowance_split", {"used": 90, "limit": 120}),
        )
        self.assertEqual(
            second.scope_reason,
            "30 min within the monthly allowance of 2 h for Cosmetic, 15 min beyond it",
        )
        self.assertScope(third, "billable", rule, included=0, billable=15)
        self.assertEqual(
            third.scope_reason,
            "Cosmetic: the monthly allowance of 2 h was already used",
        )
        # Shortening the first session gives the allowance back to the others.
        first.date_end = DAY + timedelta(minutes=60)
        self.assertScope(second, "included", rule, included=45, billable=0)
        self.assertScope(third, "included", rule, included=15, billable=0)
        # Deleting it too.
        first.date_end = DAY + timedelta(minutes=100)
        self.assertScope(third, "billable", rule, included=0, billable=15)
        first.unlink()
        self.assertScope(third, "included", rule, included=15, billable=0)

    def test_allowance_across_a_month_boundary(self):
        rule = self._rule(monthly_allowance_hours=1.0)
        october = self._session(datetime(2025, 10, 31, 21, 0), 50)  # 22:00 Paris
        # 23:30 UTC on 31 October is 1 November in Paris: a new month.
        november = self._session(datetime(2025, 10, 31, 23, 30), 50)
        later = self._session(datetime(2025, 11, 3, 9, 0), 50)
        self.assertScope(october, "included", rule, included=50, billable=0)
        self.assertScope(november, "included", rule, included=50, billable=0)
        self.assertScope(later, "billable", rule, included=10, billable=40)

    def test_allowance_per_customer_and_rated_sessions_count(self):
        rule = self._rule(monthly_allowance_hours=1.0)
        other_customer = self.env["res.partner"].create(
            {"name": "HSB other", "is_company": True}
        )
        rated = self._session(DAY, 40)
        self._rate(rated)
        self.assertScope(rated, "included", rule, included=40)
        draft = self._session(DAY + timedelta(days=1), 30)
        elsewhere = self._session(
            DAY + timedelta(days=1), 30, ticket=self._ticket(partner=other_customer)
        )
        self.assertScope(draft, "billable", rule, included=20, billable=10)
        self.assertScope(elsewhere, "included", rule, included=30)

    # ------------------------------------------------------------------
    # Repeat
    # ------------------------------------------------------------------
    def test_repeat_on_both_sides_of_the_window(self):
        rule = self._rule(name="Explaining", repeat_days=30)
        first_ticket = self._ticket(name="How to?", category_id=self.cat_howto.id)
        earlier = self._session(DAY, 20, ticket=first_ticket)
        self.assertScope(earlier, "included", rule)
        inside = self._session(
            DAY + timedelta(days=29),
            20,
            ticket=self._ticket(name="Again", category_id=self.cat_howto.id),
        )
        outside = self._session(
            DAY + timedelta(days=30, hours=2),
            20,
            ticket=self._ticket(name="Once more", category_id=self.cat_howto.id),
        )
        other_category = self._session(
            DAY + timedelta(days=1),
            20,
            ticket=self._ticket(name="Printer", category_id=self.cat_hardware.id),
        )
        # A session on the same ticket is no repeat.
        same_ticket = self._session(DAY - timedelta(hours=1), 20, ticket=first_ticket)
        self.assertScope(earlier, "included", rule)
        self.assertScope(inside, "billable", rule, included=0, billable=20)
        self.assertEqual(
            inside.scope_reason,
            f"{rule.name}: the same question was answered on ticket "
            f"{first_ticket.number} on 10/06/2025",
        )
        # ``outside`` is 30 days and 1 hour after ``earlier`` (local time:
        # summer time ended) but only 1 day and 2 hours after ``inside``: it
        # repeats ``inside``.
        self.assertScope(outside, "billable", rule)
        self.assertIn(inside.ticket_id.number, outside.scope_reason)
        inside.unlink()
        self.assertScope(outside, "included", rule)
        self.assertScope(other_category, "included", rule)
        self.assertScope(same_ticket, "included", rule)

    def test_repeat_counts_rated_sessions_of_other_customers_not(self):
        rule = self._rule(repeat_days=10)
        other_customer = self.env["res.partner"].create(
            {"name": "HSB other", "is_company": True}
        )
        earlier = self._session(
            DAY, 20, ticket=self._ticket(category_id=self.cat_howto.id)
        )
        self._rate(earlier)
        elsewhere = self._session(
            DAY + timedelta(days=1),
            20,
            ticket=self._ticket(partner=other_customer, category_id=self.cat_howto.id),
        )
        again = self._session(
            DAY + timedelta(days=1),
            20,
            ticket=self._ticket(category_id=self.cat_howto.id),
        )
        self.assertScope(elsewhere, "included", rule)
        self.assertScope(again, "billable", rule)

    # ------------------------------------------------------------------
    # Frozen once rated
    # ------------------------------------------------------------------
    def test_scope_is_frozen_once_rated(self):
        rule = self._rule(name="Everything")
        rated = self._session(DAY, 30)
        draft = self._session(DAY + timedelta(days=1), 30)
        self._rate(rated)
        reason = (rated.scope_reason_code, rated.scope_reason)
        rule.outcome = "billable"
        self.assertScope(rated, "included", rule, included=30)
        self.assertEqual((rated.scope_reason_code, rated.scope_reason), reason)
        self.assertScope(draft, "billable", rule, billable=30)
        rule.unlink()
        (rated | draft)._apply_scope_rules()
        self.assertEqual(rated.scope, "included")
        self.assertEqual(rated.scope_included_minutes, 30)
        self.assertScope(draft, "billable")

    # ------------------------------------------------------------------
    # Batch
    # ------------------------------------------------------------------
    def _batch(self, count, prefix):
        """``count`` draft sessions over up to five new customers, on
        categorized tickets, after a rated one: classified by rules with every
        condition."""
        count += 1
        customers = self.env["res.partner"].create(
            [
                {"name": f"{prefix} {n}", "is_company": True}
                for n in range(min(count, 5))
            ]
        )
        tickets = self.env["helpdesk.ticket"].create(
            [
                {
                    "name": f"{prefix} ticket {n}",
                    "description": "<p>Help</p>",
                    "partner_id": customers[n % len(customers)].id,
                    "category_id": (self.cat_hardware | self.cat_howto)[n % 2].id,
                    "tag_ids": [Command.link(self.tag_cosmetic.id)],
                }
                for n in range(count)
            ]
        )
        sessions = self.Session.create(
            [
                {
                    "ticket_id": tickets[n].id,
                    "user_id": self.agent.id,
                    "date_start": DAY + timedelta(hours=n),
                    "date_end": DAY + timedelta(hours=n, minutes=50),
                    "note": "cosmetic",
                }
                for n in range(count)
            ]
        )
        self._rate(sessions[0])
        return sessions[1:]

    def _queries(self, sessions):
        """Queries classifying ``sessions`` from scratch (cold cache, every
        session rewritten)."""
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE helpdesk_session SET scope_reason_code = NULL WHERE id = ANY(%s)",
            [sessions.ids],
        )
        self.env.invalidate_all()
        start = self.cr.sql_log_count
        sessions._apply_scope_rules()
        self.env.flush_all()
        return self.cr.sql_log_count - start

    def test_batch_query_budget(self):
        self._rule(name="Grace", outcome="billable", grace_days=30, priority="3")
        self._rule(
            name="Explaining",
            category_ids=[Command.link(self.cat_howto.id)],
            repeat_days=30,
        )
        self._rule(
            name="Cosmetic",
            tag_ids=[Command.link(self.tag_cosmetic.id)],
            keywords="cosmetic",
            monthly_allowance_hours=2.0,
        )
        one = self._batch(1, "HSB one")
        fifty = self._batch(50, "HSB fifty")
        self.assertTrue(all(fifty.mapped("scope_reason_code")))
        queries = self._queries(one)
        self.assertEqual(self._queries(fifty), queries)
        self.env.cr.execute(
            "UPDATE helpdesk_session SET scope_reason_code = NULL WHERE id = ANY(%s)",
            [fifty.ids],
        )
        self.env.invalidate_all()
        with self.assertQueryCount(queries):
            fifty._apply_scope_rules()
        self.assertTrue(all(fifty.mapped("scope_reason_code")))
        scopes = set(fifty.mapped("scope"))
        self.assertEqual(scopes, {"included", "billable"}, "both outcomes seen")

    # ------------------------------------------------------------------
    # Bad input
    # ------------------------------------------------------------------
    def test_bad_rules_are_refused(self):
        cases = [
            ({"grace_days": -1}, "Grace Days cannot be negative"),
            ({"repeat_days": -3}, "Repeat Days cannot be negative"),
            (
                {"monthly_allowance_hours": -2},
                "Monthly Allowance Hours cannot be negative",
            ),
            (
                {"outcome": "billable", "monthly_allowance_hours": 2},
                "only refines an included rule",
            ),
            ({"outcome": "billable", "repeat_days": 30}, "only refines an included"),
        ]
        for vals, message in cases:
            with (
                self.subTest(vals=vals),
                self.assertRaisesRegex(ValidationError, message),
            ):
                self._rule(**vals)

    def test_profiles_of_another_company_are_refused(self):
        other_company = self.env["res.company"].create({"name": "HSB Other Co"})
        foreign = self.Profile.create(
            {
                "name": "Foreign",
                "company_id": other_company.id,
                "step_duration": 60,
                "step_cost": 90,
            }
        )
        with self.assertRaisesRegex(ValidationError, "of HSB Other Co"):
            self._rule(profile_ids=[Command.link(foreign.id)])
        with self.assertRaisesRegex(ValidationError, "of HSB Other Co"):
            self._rule(outcome="billable", tariff_profile_id=foreign.id)
        rule = self._rule(outcome="billable")
        with self.assertRaisesRegex(ValidationError, "must be a pay-per-use"):
            rule.tariff_profile_id = self._subscription()
        training = self._pay_per_use(name="Training rate")
        rule.tariff_profile_id = training
        self.assertEqual(rule.tariff_summary, training.tariff_summary)
