"""The pure-Python scope core, without a database."""

from datetime import date, datetime, timedelta

from odoo.addons.helpdesk_session_billing.core import scope as engine
from odoo.tests import BaseCase, tagged

MONDAY = datetime(2026, 11, 2, 9, 0)


def facts(id_, start=MONDAY, minutes=60, **values):
    values.setdefault("partner_id", 1)
    values.setdefault("ticket_id", id_)
    return engine.SessionFacts(id=id_, start=start, minutes=minutes, **values)


def past(session):
    return engine.PastSession(
        id=session.id,
        start=session.start,
        partner_id=session.partner_id,
        ticket_id=session.ticket_id,
        category_id=session.category_id,
    )


@tagged("post_install", "-at_install")
class TestScopeEngine(BaseCase):
    def decide(self, rules, session, **kwargs):
        return engine.classify(rules, [session], **kwargs)[0]

    # Matching
    def test_rule_without_criterion_matches_everything(self):
        self.assertTrue(engine.matches(engine.Rule(id=1), facts(1)))

    def test_each_criterion(self):
        session = facts(
            1,
            category_id=10,
            tag_ids=frozenset({20, 21}),
            team_id=30,
            channel_id=40,
            priority="2",
            text=engine.normalize_text("Printer out of paper"),
            profile_id=50,
        )
        cases = [
            ("category_ids", frozenset({10, 11}), frozenset({11})),
            ("tag_ids", frozenset({21}), frozenset({22})),
            ("team_ids", frozenset({30}), frozenset({31})),
            ("channel_ids", frozenset({40}), frozenset({41})),
            ("priority", "2", "3"),
            ("keywords", engine.parse_keywords("toner, PRINTER"), ("toner",)),
            ("profile_ids", frozenset({50}), frozenset({51})),
        ]
        for criterion, matching, other in cases:
            with self.subTest(criterion=criterion):
                yes = engine.Rule(id=1, **{criterion: matching})
                no = engine.Rule(id=1, **{criterion: other})
                self.assertTrue(engine.matches(yes, session))
                self.assertFalse(engine.matches(no, session))

    def test_all_criteria_must_match(self):
        rule = engine.Rule(id=1, category_ids=frozenset({10}), priority="3")
        self.assertTrue(engine.matches(rule, facts(1, category_id=10, priority="3")))
        self.assertFalse(engine.matches(rule, facts(1, category_id=10, priority="1")))

    def test_keywords_ignore_case_and_accents(self):
        self.assertEqual(
            engine.parse_keywords(" Formación, ,Modèle "), ("formacion", "modele")
        )
        rule = engine.Rule(id=1, keywords=engine.parse_keywords("modèle"))
        text = engine.normalize_text("Changer le MODELE de facture")
        self.assertTrue(engine.matches(rule, facts(1, text=text)))

    def test_first_matching_rule_wins(self):
        training = engine.Rule(id=1, outcome=engine.BILLABLE, keywords=("training",))
        default = engine.Rule(id=2)
        session = facts(1, text="extra training")
        self.assertEqual(self.decide([training, default], session).rule_id, 1)
        self.assertEqual(self.decide([default, training], session).rule_id, 2)
        self.assertEqual(self.decide([training, default], facts(2)).rule_id, 2)

    def test_company_default(self):
        rule = engine.Rule(id=1, category_ids=frozenset({10}))
        for default in engine.OUTCOMES:
            decision = self.decide([rule], facts(1), default=default)
            self.assertEqual(decision.scope, default)
            self.assertIsNone(decision.rule_id)
            self.assertEqual(decision.reason, engine.REASON_DEFAULT)

    def test_outcome_parts(self):
        included = self.decide([engine.Rule(id=1)], facts(1, minutes=45))
        self.assertEqual(
            (included.included_minutes, included.billable_minutes), (45, 0)
        )
        billable = self.decide(
            [engine.Rule(id=1, outcome=engine.BILLABLE)], facts(1, minutes=45)
        )
        self.assertEqual(
            (billable.included_minutes, billable.billable_minutes), (0, 45)
        )

    # Grace period
    def test_grace_period_boundaries(self):
        rule = engine.Rule(id=1, outcome=engine.BILLABLE, grace_days=90)
        start = date(2026, 11, 2)
        last = start + timedelta(days=89)
        for day, scope in [
            (start - timedelta(days=1), engine.BILLABLE),
            (start, engine.INCLUDED),
            (last, engine.INCLUDED),
            (last + timedelta(days=1), engine.BILLABLE),
        ]:
            with self.subTest(day=day):
                session = facts(
                    1,
                    start=datetime(day.year, day.month, day.day, 23, 0),
                    contract_start=start,
                )
                decision = self.decide([rule], session)
                self.assertEqual(decision.scope, scope)
                if scope == engine.INCLUDED:
                    self.assertEqual(decision.reason, engine.REASON_GRACE)
                    self.assertEqual(decision.args["until"], last)

    def test_grace_needs_a_contract_start(self):
        rule = engine.Rule(id=1, outcome=engine.BILLABLE, grace_days=90)
        self.assertEqual(self.decide([rule], facts(1)).scope, engine.BILLABLE)

    # Monthly allowance
    def test_allowance_split_across_two_sessions(self):
        rule = engine.Rule(id=1, allowance_minutes=120)
        first = facts(1, minutes=90)
        second = facts(2, start=MONDAY + timedelta(days=1), minutes=45)
        third = facts(3, start=MONDAY + timedelta(days=2), minutes=10)
        # Given out of order: the allowance is taken chronologically.
        decisions = engine.classify([rule], [third, second, first])
        by_id = {d.session_id: d for d in decisions}
        self.assertEqual(by_id[1].scope, engine.INCLUDED)
        self.assertEqual(
            (by_id[1].included_minutes, by_id[1].billable_minutes), (90, 0)
        )
        self.assertEqual(by_id[2].reason, engine.REASON_ALLOWANCE_SPLIT)
        self.assertEqual(by_id[2].scope, engine.BILLABLE)
        self.assertEqual(
            (by_id[2].included_minutes, by_id[2].billable_minutes), (30, 15)
        )
        self.assertEqual(by_id[3].reason, engine.REASON_ALLOWANCE_USED)
        self.assertEqual(
            (by_id[3].included_minutes, by_id[3].billable_minutes), (0, 10)
        )
        self.assertEqual(by_id[3].args, {"used": 120, "limit": 120})

    def test_allowance_per_month_customer_and_rule(self):
        rule = engine.Rule(id=1, allowance_minutes=60)
        other_rule = engine.Rule(id=2, allowance_minutes=60, keywords=("logo",))
        sessions = [
            facts(1, start=datetime(2026, 11, 30, 22, 0), minutes=60),
            facts(2, start=datetime(2026, 12, 1, 8, 0), minutes=60),  # new month
            facts(3, start=datetime(2026, 12, 1, 9, 0), minutes=60, partner_id=2),
            facts(4, start=datetime(2026, 12, 1, 10, 0), minutes=60, text="logo"),
        ]
        decisions = engine.classify([other_rule, rule], sessions)
        self.assertEqual([d.scope for d in decisions], [engine.INCLUDED] * 4)

    def test_allowance_already_used_by_rated_sessions(self):
        rule = engine.Rule(id=1, allowance_minutes=120)
        used = {(1, 1, (2026, 11)): 100}
        decision = self.decide([rule], facts(1, minutes=30), used_minutes=used)
        self.assertEqual(
            (decision.included_minutes, decision.billable_minutes), (20, 10)
        )
        self.assertEqual(decision.args["used"], 100)

    def test_split_allowance(self):
        self.assertEqual(engine.split_allowance(30, 0, 120), (30, 0))
        self.assertEqual(engine.split_allowance(30, 100, 120), (20, 10))
        self.assertEqual(engine.split_allowance(30, 130, 120), (0, 30))

    # Repeat
    def test_repeat_on_both_sides_of_the_window(self):
        rule = engine.Rule(id=1, repeat_days=30)
        earlier = facts(1, start=MONDAY, category_id=10, ticket_id=100)
        for delta, scope in [
            (timedelta(days=29, hours=23), engine.BILLABLE),
            (timedelta(days=30), engine.BILLABLE),
            (timedelta(days=30, minutes=1), engine.INCLUDED),
        ]:
            with self.subTest(delta=delta):
                later = facts(2, start=MONDAY + delta, category_id=10, ticket_id=200)
                decision = self.decide([rule], later, past_sessions=[past(earlier)])
                self.assertEqual(decision.scope, scope)
                if scope == engine.BILLABLE:
                    self.assertEqual(decision.reason, engine.REASON_REPEAT)
                    self.assertEqual(decision.args["ticket_id"], 100)
                    self.assertEqual(decision.args["date"], MONDAY.date())

    def test_repeat_needs_same_customer_category_other_ticket_and_earlier(self):
        rule = engine.Rule(id=1, repeat_days=30)
        later = facts(
            2, start=MONDAY + timedelta(days=3), category_id=10, ticket_id=200
        )
        others = [
            facts(1, category_id=10, ticket_id=100, partner_id=2),  # other customer
            facts(3, category_id=11, ticket_id=100),  # other category
            facts(4, category_id=10, ticket_id=200),  # same ticket
            facts(5, start=MONDAY + timedelta(days=4), category_id=10, ticket_id=300),
        ]
        decision = self.decide([rule], later, past_sessions=[past(s) for s in others])
        self.assertEqual(decision.scope, engine.INCLUDED)
        uncategorized = facts(6, start=MONDAY + timedelta(days=3), ticket_id=200)
        decision = self.decide([rule], uncategorized, past_sessions=[past(others[2])])
        self.assertEqual(decision.scope, engine.INCLUDED)

    # Rule figures
    def test_rule_problems(self):
        self.assertEqual(engine.Rule(id=1, allowance_minutes=60).problems(), [])
        self.assertEqual(
            engine.Rule(id=1, grace_days=-1, repeat_days=-2).problems(),
            [("negative", "grace_days"), ("negative", "repeat_days")],
        )
        self.assertEqual(
            engine.Rule(
                id=1, outcome=engine.BILLABLE, allowance_minutes=60, repeat_days=3
            ).problems(),
            [
                ("condition_on_billable", "allowance_minutes"),
                ("condition_on_billable", "repeat_days"),
            ],
        )
        self.assertEqual(
            engine.Rule(id=1, outcome="maybe").problems(),
            [("unknown_outcome", "outcome")],
        )
