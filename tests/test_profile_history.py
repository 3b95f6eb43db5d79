"""Profiles and recharges after use: a profile with rated sessions or invoices
keeps its billing type, customer and company and is archived, never deleted;
an archived profile is no default or overage profile any more, and a scope
rule limited to archived or deleted profiles never applies to everyone; an
invoiced recharge is corrected by a negative recharge and its credit note,
never changed or deleted."""

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import tagged

from .common import RatingCase, SupportAccountingCase


@tagged("post_install", "-at_install")
class TestProfileAfterUse(RatingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_customer = cls.env["res.partner"].create(
            {"name": "HSB Other Co", "is_company": True}
        )

    def _as_manager(self, records):
        return records.with_user(self.billing_manager)

    def test_used_profile_keeps_billing_type_and_customer(self):
        self._rate(self._session(self._at(9), 30, ticket=self.pack_ticket))
        stepped = self._session(self._at(11), 30)
        self._rate(stepped)
        pack = self._as_manager(self.pack)
        for vals in (
            {"billing_type": "pay_per_use", "partner_id": False},
            {"partner_id": self.other_customer.id},
        ):
            with (
                self.subTest(vals=vals),
                self.assertRaisesRegex(UserError, "rated sessions or invoices"),
                self.cr.savepoint(),
            ):
                pack.write(vals)
        with (
            self.assertRaisesRegex(UserError, "rated sessions or invoices"),
            self.cr.savepoint(),
        ):
            self._as_manager(self.stepped).billing_type = "subscription"
        self.assertEqual(self.pack.partner_id, self.pack_customer)
        self.assertEqual(self.stepped.billing_type, "pay_per_use")
        # Its other figures still change (for the sessions rated later), and
        # the customer's contact names the same customer.
        pack.write({"name": "Pack 2026", "step_duration": 30})
        contact = self.env["res.partner"].create(
            {"name": "HSB Pack contact", "parent_id": self.pack_customer.id}
        )
        pack.partner_id = contact
        self.assertEqual(self.pack.partner_id, self.pack_customer)

    def test_unused_profile_changes_freely(self):
        pack = self._as_manager(self.pack)
        pack.partner_id = self.other_customer
        self.assertEqual(self.pack.partner_id, self.other_customer)
        self.pack.overage_profile_id = False
        newcomer = self.env["res.partner"].create(
            {"name": "HSB Newcomer", "is_company": True}
        )
        self._as_manager(self.overage).write(
            {
                "billing_type": "subscription",
                "partner_id": newcomer.id,
                "prepaid_hours": 5,
            }
        )
        self.assertEqual(self.overage.billing_type, "subscription")

    def test_used_profile_is_archived_not_deleted(self):
        session = self._session(self._at(9), 30, ticket=self.pack_ticket)
        self._rate(session)
        with (
            self.assertRaisesRegex(UserError, "archive it instead"),
            self.cr.savepoint(),
        ):
            self._as_manager(self.pack).unlink()
        self._as_manager(self.pack).action_archive()
        self.assertFalse(self.pack.active)
        self.assertEqual(session.profile_id, self.pack)
        # Unrated, its sessions no longer hold it: it may go.
        session.with_user(self.billing_manager).action_unrate(reason="test")
        self._as_manager(self.pack).unlink()
        self.assertFalse(self.pack.exists())

    def test_archived_profile_is_no_default(self):
        default = self._pay_per_use(name="HSB default")
        self.company.helpdesk_default_profile_id = default
        Profile = self.env["helpdesk.contract.profile"]
        self.assertEqual(Profile.profile_for_partner(self.other_customer), default)
        default.action_archive()
        self.assertFalse(Profile.profile_for_partner(self.other_customer))
        session = self._session(
            self._at(9), 30, ticket=self._ticket(partner_id=self.other_customer.id)
        )
        with self.assertRaisesRegex(UserError, "No contract profile"):
            self._rate(session)
        self.company.helpdesk_default_profile_id = False
        with self.assertRaisesRegex(ValidationError, "archived"), self.cr.savepoint():
            self.company.helpdesk_default_profile_id = default
        settings = self.env["res.config.settings"].create({})
        field = settings._fields["helpdesk_default_profile_id"]
        self.assertIn("('active', '=', True)", field.domain)
        other_company = self.env["res.company"].create({"name": "HSB Elsewhere"})
        foreign = self._pay_per_use(name="HSB foreign", company_id=other_company.id)
        with self.assertRaisesRegex(ValidationError, "its own"), self.cr.savepoint():
            self.company.helpdesk_default_profile_id = foreign

    def test_archived_overage_profile_prices_nothing(self):
        self.assertEqual(self.pack.consumption_for([90])[0].overage_minutes, 30)
        self.overage.action_archive()
        consumption = self.pack.consumption_for([90])[0]
        self.assertEqual((consumption.overage_minutes, consumption.cost), (0, 0))
        session = self._session(self._at(9), 90, ticket=self.pack_ticket)
        self._rate(session)
        self.assertEqual((session.prepaid_minutes, session.cost), (90, 0))
        self.assertEqual(self.pack.remaining_hours, -0.5)
        other = self._pay_per_use(name="HSB archived")
        other.action_archive()
        with self.assertRaisesRegex(ValidationError, "archived"), self.cr.savepoint():
            self._as_manager(self.pack).overage_profile_id = other
        self.assertIn(
            "('active', '=', True)", self.pack._fields["overage_profile_id"].domain
        )


@tagged("post_install", "-at_install")
class TestScopeRuleOfGoneProfiles(RatingCase):
    """A rule limited to profiles applies to their customers only, even once
    those profiles are archived or deleted."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Rule = cls.env["helpdesk.scope.rule"]
        cls.Rule.search([]).active = False
        cls.gold = cls._pay_per_use(name="HSB gold")

    def _rule(self, profile):
        return self.Rule.create(
            {
                "name": "HSB gold customers",
                "outcome": "included",
                "profile_ids": [Command.link(profile.id)],
            }
        )

    def test_rule_of_an_archived_profile_matches_no_one(self):
        rule = self._rule(self.gold)
        session = self._session(self._at(9), 30)
        self.assertEqual(session.scope, "billable")
        self.gold.action_archive()
        session.invalidate_recordset()
        self.assertEqual(session.scope, "billable", session.scope_reason)
        self.assertTrue(rule.active)
        self.assertEqual(rule.profile_ids, self.gold)
        self._rate(session)
        self.assertEqual((session.scope, session.cost), ("billable", 49.0))
        # Deleted once archived: the rule goes too.
        self.gold.unlink()
        self.assertFalse(rule.active)

    def test_rule_of_a_deleted_profile_is_archived(self):
        rule = self._rule(self.gold)
        both = self._pay_per_use(name="HSB silver")
        wider = self._rule(both)
        wider.profile_ids = [Command.link(self.gold.id)]
        session = self._session(self._at(9), 30)
        self.gold.with_user(self.billing_manager).unlink()
        self.assertFalse(rule.active)
        self.assertTrue(
            any("were deleted" in message.body for message in rule.message_ids)
        )
        # A rule keeping another profile stays, limited to it.
        self.assertTrue(wider.active)
        self.assertEqual(wider.profile_ids, both)
        self._rate(session)
        self.assertEqual((session.scope, session.cost), ("billable", 49.0))


@tagged("post_install", "-at_install")
class TestInvoicedRecharge(SupportAccountingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._enable_deferred_revenue()
        cls.profile = cls._subscription()

    def _correct(self, recharge, hours, amount=None):
        """The Correct button of ``recharge``, then the recharge dialog."""
        action = recharge.with_user(
            self.billing_manager
        ).action_open_correction_wizard()
        Wizard = (
            self.env[action["res_model"]]
            .with_user(self.billing_manager)
            .with_context(**action["context"])
        )
        vals = {"hours": hours}
        if amount is not None:
            vals["amount"] = amount
        Wizard.create(vals).action_recharge()
        return self.profile.recharge_ids.sorted("id")[-1:]

    def test_invoiced_recharge_is_neither_changed_nor_deleted(self):
        recharge = self._recharge(self.profile, 5.0, 450.0)
        as_manager = recharge.with_user(self.billing_manager)
        for vals in ({"hours": 50.0}, {"amount": 1.0}, {"note": "x"}):
            with (
                self.subTest(vals=vals),
                self.assertRaisesRegex(UserError, "can no longer be changed"),
                self.cr.savepoint(),
            ):
                as_manager.write(vals)
        with (
            self.assertRaisesRegex(UserError, "can no longer be changed"),
            self.cr.savepoint(),
        ):
            as_manager.unlink()
        self.assertEqual(recharge.hours, 5.0)
        # A recharge of hours only (no invoice) is still corrected by hand.
        free = self._recharge(self.profile, 2.0, 0.0)
        free.with_user(self.billing_manager).hours = 1.0
        self.assertEqual(self.profile.remaining_hours, 16.0)
        free.with_user(self.billing_manager).unlink()
        self.assertEqual(self.profile.remaining_hours, 15.0)

    def test_correction_makes_a_credit_note(self):
        recharge = self._recharge(self.profile, 5.0, 450.0)
        recharge.invoice_id.action_post()
        self.profile.action_invoice_pack()
        self.profile.pack_invoice_id.action_post()
        self.assertEqual(self._deferred_balance(self.profile), 1250.0)
        correction = self._correct(recharge, -2.0)
        self.assertEqual(correction.correction_of_id, recharge)
        # The default amount: the corrected recharge's hourly price.
        self.assertEqual(correction.amount, -180.0)
        credit_note = correction.invoice_id
        self.assertEqual(credit_note.move_type, "out_refund")
        self.assertEqual(credit_note.state, "draft")
        self.assertEqual(credit_note.reversed_entry_id, recharge.invoice_id)
        self.assertEqual(credit_note.amount_untaxed, 180.0)
        self.assertEqual(credit_note.invoice_line_ids.account_id, self.deferred_account)
        self.assertEqual(credit_note.helpdesk_profile_id, self.profile)
        self.assertIn(credit_note, self.profile.invoice_ids)
        self.assertEqual(self.profile.remaining_hours, 13.0)
        self.assertIn("Corrected the recharge", self.profile.message_ids[0].body)
        credit_note.action_post()
        # The deferred account holds the value of the remaining hours.
        self.assertEqual(self._deferred_balance(self.profile), 1070.0)
        self.assertEqual(self.profile.deferred_remaining_amount, 1070.0)
        self._rate(self._session(9, 60 * 11))  # the pack, then 1 h of the recharge
        self.assertEqual(self._deferred_balance(self.profile), 180.0)
        self.assertEqual(self.profile.deferred_remaining_amount, 180.0)
        # A second correction takes back the rest, not more.
        with (
            self.assertRaisesRegex(ValidationError, "more than it gave"),
            self.cr.savepoint(),
        ):
            self._correct(recharge, -4.0)
        self._correct(recharge, -3.0)
        self.assertEqual(self.profile.remaining_hours, -1.0)
        with (
            self.assertRaisesRegex(UserError, "can no longer be changed"),
            self.cr.savepoint(),
        ):
            recharge.with_user(self.billing_manager).unlink()
        self.assertTrue(recharge.exists())

    def test_correction_refusals(self):
        recharge = self._recharge(self.profile, 5.0, 450.0)
        with (
            self.assertRaisesRegex(ValidationError, "correct the recharge"),
            self.cr.savepoint(),
        ):
            self._recharge(self.profile, -1.0, -90.0)
        # Its invoice is a draft: nothing to credit, only hours to take back.
        with (
            self.assertRaisesRegex(ValidationError, "no posted invoice"),
            self.cr.savepoint(),
        ):
            self._correct(recharge, -1.0)
        hours_only = self._correct(recharge, -1.0, 0.0)
        self.assertFalse(hours_only.invoice_id)
        self.assertEqual(self.profile.remaining_hours, 14.0)
        with self.assertRaisesRegex(ValidationError, "negative"), self.cr.savepoint():
            self._correct(recharge, 1.0, 0.0)
        with self.assertRaisesRegex(UserError, "not one of its corrections"):
            hours_only.action_open_correction_wizard()
        self.assertEqual(len(self.profile.recharge_ids), 2)

    def test_consultant_cannot_correct(self):
        recharge = self._recharge(self.profile, 5.0, 450.0)
        recharge.invoice_id.action_post()
        with self.assertRaises(AccessError), self.cr.savepoint():
            self.env["helpdesk.contract.recharge"].with_user(self.agent).create(
                {
                    "profile_id": self.profile.id,
                    "correction_of_id": recharge.id,
                    "hours": -1.0,
                    "amount": -90.0,
                }
            )
        self.assertEqual(len(self.profile.recharge_ids), 1)

    def test_pack_invoiced_profile_is_archived_not_deleted(self):
        profile = self._subscription(name="HSB unused", partner_id=self.partner_a.id)
        profile.with_user(self.billing_manager).action_invoice_pack()
        with (
            self.assertRaisesRegex(UserError, "archive it instead"),
            self.cr.savepoint(),
        ):
            profile.with_user(self.billing_manager).unlink()
        self.assertTrue(profile.exists())
        free = self._subscription(name="HSB free", partner_id=self.partner_b.id)
        free.with_user(self.billing_manager).unlink()
        self.assertFalse(free.exists())
