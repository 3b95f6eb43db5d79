"""What a document fixes stays fixed: a sent quote keeps its customer, a
subscription's hours follow the documents that sold them, a tariff no
invoice could post is refused. As the real roles."""

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import tagged

from .common import RatingCase, SupportAccountingCase


@tagged("post_install", "-at_install")
class TestSentQuoteKeepsItsCustomer(RatingCase):
    def setUp(self):
        super().setUp()
        self.other = self.env["res.partner"].create(
            {"name": "HSB Quote Other", "is_company": True}
        )
        self.quote = (
            self.env["helpdesk.ticket.quote"]
            .with_user(self.agent)
            .create(
                {
                    "ticket_id": self.ticket.id,
                    "description": "<p>Migrate the mail server.</p>",
                    "estimated_hours": 3.0,
                    "pricing": "fixed",
                    "amount": 450.0,
                }
            )
        )

    def test_a_draft_follows_its_ticket(self):
        self.ticket.with_user(self.billing_manager).partner_id = self.other
        self.assertEqual(self.quote.partner_id, self.other)

    def test_a_sent_quote_is_never_moved(self):
        self.quote.action_send()
        with self.assertRaisesRegex(AccessError, "never set by hand"):
            self.quote.with_user(self.billing_manager).partner_id = self.other
        # Nor through its ticket: the customer it was sent to keeps it.
        with self.assertRaisesRegex(UserError, "sent to"):
            self.ticket.with_user(self.billing_manager).partner_id = self.other
        self.assertEqual(self.ticket.partner_id, self.contact)
        self.assertEqual(self.quote.partner_id, self.customer)
        # Another contact of the same customer is still fine.
        colleague = self.env["res.partner"].create(
            {"name": "HSB Colleague", "parent_id": self.customer.id}
        )
        self.ticket.with_user(self.billing_manager).partner_id = colleague
        self.assertEqual(self.quote.partner_id, self.customer)
        # The other customer's portal finds nothing to accept.
        self.assertNotIn(
            self.quote,
            self.env["helpdesk.ticket.quote"].search(
                [("partner_id", "=", self.other.id)]
            ),
        )
        # Cancelled, the ticket may change customer; the quote stays its own.
        self.quote.with_user(self.agent).action_cancel()
        self.ticket.with_user(self.billing_manager).partner_id = self.other
        self.assertEqual(self.quote.partner_id, self.customer)


@tagged("post_install", "-at_install")
class TestHoursFollowDocuments(SupportAccountingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.overage = cls._overage_profile()

    def _pack(self):
        return self._subscription(overage_profile_id=self.overage.id)

    def test_invoiced_pack_keeps_its_hours(self):
        profile = self._pack()
        profile.with_user(self.billing_manager).prepaid_hours = 12.0
        self.assertEqual(profile.remaining_hours, 12.0)
        profile.with_user(self.billing_manager).action_invoice_pack()
        invoice = profile.pack_invoice_id
        invoice.action_post()
        # Raised after the pack was invoiced: the new size is for the next
        # packs; the balance stays what the invoice sold.
        profile.with_user(self.billing_manager).write(
            {"prepaid_hours": 40.0, "amount": 2000.0}
        )
        pack = profile.block_ids.filtered(lambda b: b.kind == "pack")
        self.assertEqual((pack.hours, pack.amount), (12.0, 800.0))
        self.assertEqual(profile.remaining_hours, 12.0)
        self.assertEqual(pack.invoice_id, invoice)

    def test_a_pack_follows_its_profile_until_invoiced(self):
        profile = self._pack()
        profile.with_user(self.billing_manager).prepaid_hours = 15.0
        self.assertEqual(profile.remaining_hours, 15.0)
        profile.with_user(self.billing_manager).action_invoice_pack()
        first = profile.pack_invoice_id
        pack = profile.block_ids
        # A cancelled pack invoice sold nothing: the pack is void.
        first.button_cancel()
        self.assertTrue(pack.is_void)
        self.assertEqual(profile.remaining_hours, 0.0)
        # A new pack invoice sells the profile's pack as it is then.
        profile.with_user(self.billing_manager).prepaid_hours = 20.0
        profile.with_user(self.billing_manager).action_invoice_pack()
        self.assertNotEqual(profile.pack_invoice_id, first)
        self.assertFalse(pack.is_void)
        self.assertEqual((pack.hours, profile.remaining_hours), (20.0, 20.0))

    def test_sessions_stop_using_a_void_pack(self):
        profile = self._pack()
        profile.with_user(self.billing_manager).action_invoice_pack()
        self.ticket.partner_id = self.customer
        session = self._session(9, 60)
        self._rate(session)
        self.assertEqual(session.prepaid_minutes, 60)
        self.assertEqual(profile.remaining_hours, 9.0)
        profile.pack_invoice_id.button_cancel()
        # Nothing was bought: the hour is owed, later sessions go to overage.
        self.assertEqual(profile.remaining_hours, -1.0)
        later = self._session(11, 30)
        self._rate(later)
        self.assertEqual(later.prepaid_minutes, 0)
        self.assertEqual(later.overage_minutes, 30)
        self.assertEqual(later.cost, 50.0)  # two quarters of the overage
        self.assertEqual(profile.remaining_hours, -1.0)

    def test_recharge_without_its_invoice_bought_nothing(self):
        profile = self._pack()
        recharge = self._recharge(profile, 5.0, 400.0)
        invoice = recharge.invoice_id
        self.assertEqual(invoice.state, "draft")
        self.assertEqual(profile.remaining_hours, 15.0)
        # Cancelled before it was posted: the hours were never bought.
        # (by an accountant: billing managers need not edit invoices)
        invoice.button_cancel()
        self.assertEqual(profile.remaining_hours, 10.0)
        # Reset to draft, the recharge stands again.
        invoice.button_draft()
        self.assertEqual(profile.remaining_hours, 15.0)
        # Deleted: nothing bought either.
        invoice.unlink()
        profile.invalidate_recordset()
        self.assertEqual(profile.remaining_hours, 10.0)

    def test_hours_change_only_through_blocks(self):
        profile = self._pack()
        for vals in (
            {"consumed_minutes": 0},
            {"block_ids": [Command.clear()]},
            {"pack_invoice_id": False},
        ):
            with (
                self.subTest(vals=vals),
                self.assertRaisesRegex(AccessError, "never set by hand"),
                self.cr.savepoint(),
            ):
                profile.with_user(self.billing_manager).write(vals)
        block = profile.block_ids
        with self.assertRaises(AccessError):
            block.with_user(self.billing_manager).write({"hours": 100.0})

    def test_tariffs_no_invoice_could_post(self):
        for vals in (
            {"step_cost": 1e12},
            {"step_duration": 100000},
            {"initial_step_cost": float("inf")},
            {"step_cost": float("nan")},
            {"prepaid_hours": 1e9},
        ):
            with (
                self.subTest(vals=vals),
                self.assertRaisesRegex(ValidationError, "at most|not one"),
                self.cr.savepoint(),
            ):
                self.env["helpdesk.contract.profile"].with_user(
                    self.billing_manager
                ).create(
                    {
                        "name": "HSB Huge",
                        "billing_type": "subscription"
                        if "prepaid_hours" in vals
                        else "pay_per_use",
                        "partner_id": self.customer.id
                        if "prepaid_hours" in vals
                        else False,
                        "prepaid_hours": 10.0,
                        "step_duration": 15,
                        **vals,
                    }
                )
