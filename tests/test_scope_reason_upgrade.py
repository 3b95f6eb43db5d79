"""A database upgraded from 19.0.1.1.0 stored each session's scope reason as
text, in the language of whoever classified it. The 19.0.1.2.0 migration
gives every session the decision the words are now rendered from (reason
code and figures), classifies drafts again and drops the text column."""

from datetime import timedelta

from odoo.fields import Command
from odoo.tests import tagged

from .common import SupportAccountingCase, run_migration


@tagged("post_install", "-at_install")
class TestScopeReasonUpgrade(SupportAccountingCase):
    def _ticket(self, name):
        return self.env["helpdesk.ticket"].create(
            {"name": name, "description": "<p>x</p>", "partner_id": self.contact.id}
        )

    def _at(self, ticket, day, minutes):
        start = self.DAY + timedelta(days=day)
        return self.env["helpdesk.session"].create(
            {
                "ticket_id": ticket.id,
                "user_id": self.agent.id,
                "date_start": start,
                "date_end": start + timedelta(minutes=minutes),
            }
        )

    def test_upgrade_fills_the_decision_and_drops_the_text(self):
        self._pay_per_use_profile()
        Rule = self.env["helpdesk.scope.rule"]
        Rule.create(
            {
                "name": "Cosmetic",
                "keywords": "cosmetic",
                "monthly_allowance_hours": 1.0,
                "sequence": 1,
            }
        )
        Rule.create(
            {
                "name": "Welcome",
                "keywords": "welcome",
                "outcome": "billable",
                "grace_days": 90,
                "sequence": 2,
            }
        )
        self.customer.helpdesk_contract_start = self.DAY.date() - timedelta(days=5)
        cosmetic, welcome, other = (
            self._ticket(name) for name in ("Cosmetic", "Welcome", "Other")
        )
        within = self._at(cosmetic, 0, 40)
        split = self._at(cosmetic, 1, 40)
        grace = self._at(welcome, 2, 30)
        default = self._at(other, 3, 30)
        draft = self._at(other, 4, 30)
        rated = within | split | grace | default
        self._rate(rated)
        before = {s: (s.scope_reason_code, s.scope_reason) for s in rated | draft}
        self.assertEqual(
            [before[s][0] for s in (within, split, grace, default, draft)],
            ["allowance", "allowance_split", "grace", "default", "default"],
        )
        # The previous release: a text column, no decision.
        self.env.flush_all()
        self.env.cr.execute(
            "ALTER TABLE helpdesk_session ADD COLUMN scope_reason varchar;"
            "UPDATE helpdesk_session SET scope_reason = 'Inclus : ...', "
            "scope_reason_code = NULL, scope_reason_args = NULL WHERE id = ANY(%s)",
            [(rated | draft).ids],
        )
        self.env.invalidate_all()

        run_migration(self.env.cr, "19.0.1.2.0", "19.0.1.1.0")
        self.env.invalidate_all()

        self.env.cr.execute(
            "SELECT 1 FROM information_schema.columns WHERE table_name = "
            "'helpdesk_session' AND column_name = 'scope_reason'"
        )
        self.assertFalse(self.env.cr.fetchall(), "the text column is gone")
        self.assertEqual(
            [s.scope_reason_code for s in (within, split, grace, default, draft)],
            ["allowance", "allowance_split", "grace", "default", "default"],
        )
        # Rated sessions keep their figures and are worded as before, but for
        # the grace period's last day, which the previous release did not
        # store; drafts are classified again.
        for session in (within, split, default, draft):
            self.assertEqual(session.scope_reason, before[session][1])
        self.assertEqual(
            grace.scope_reason,
            "Welcome: free during the first 90 days of your contract",
        )
        self.assertEqual(split.scope_reason_args, {"limit": 60})
        self.assertEqual(
            (split.scope_included_minutes, split.scope_billable_minutes), (20, 20)
        )
        self.assertEqual(set(rated.mapped("state")), {"rated"})

    def _pay_per_use_profile(self):
        return self.env["helpdesk.contract.profile"].create(
            {
                "name": "HSB upgrade tariff",
                "billing_type": "pay_per_use",
                "partner_ids": [Command.link(self.customer.id)],
                "step_duration": 15,
                "step_cost": 20,
                "product_id": self.support_product.id,
            }
        )
