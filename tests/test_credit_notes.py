"""Credit notes credit the sessions of the invoice lines they reverse, and
give them back when reset to draft or cancelled; cancelling a posted invoice
releases its sessions. Driven as an accountant who also bills support, with
Odoo's own reversal wizard."""

from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import new_test_user, tagged

from .common import SupportAccountingCase


class CreditNoteCase(SupportAccountingCase):
    """Three rated sessions of the customer's ticket (90.00, 180.00, 90.00
    on an hourly tariff), invoiced one line each and posted."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["helpdesk.contract.profile"].create(
            {
                "name": "HSB hourly",
                "billing_type": "pay_per_use",
                "step_duration": 60,
                "step_cost": 90.0,
                "product_id": cls.support_product.id,
                "partner_ids": [Command.link(cls.customer.id)],
            }
        )
        cls.accountant = new_test_user(
            cls.env,
            "hsb_credit_accountant",
            groups="account.group_account_invoice,helpdesk_mgmt.group_helpdesk_user,"
            "helpdesk_session_billing.group_support_billing_manager",
            name="Credit Accountant",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        # Invoicing rights only: credit notes need nothing of support billing.
        cls.invoicing_clerk = new_test_user(
            cls.env,
            "hsb_credit_clerk",
            groups="account.group_account_invoice",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

    def setUp(self):
        super().setUp()
        self.s1 = self._session(9, 50)
        self.s2 = self._session(11, 70)
        self.s3 = self._session(14, 30)
        self.sessions = self.s1 | self.s2 | self.s3
        self._rate(self.sessions)
        self.invoice = self._invoice(self.sessions)

    def _invoice(self, sessions):
        action = sessions.with_user(self.accountant).action_create_invoices(
            post=True, grouping="session"
        )
        return self.env["account.move"].browse(action["res_id"])

    def _reverse(self, invoice, keep=None, user=None):
        """A draft credit note of ``invoice`` from Odoo's reversal wizard,
        keeping only the lines of the sessions ``keep`` (default: all)."""
        wizard = (
            self.env["account.move.reversal"]
            .with_user(user or self.accountant)
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "reason": "HSB credit"})
        )
        wizard.refund_moves()
        credit_note = wizard.new_move_ids
        if keep is not None:
            credit_note.write(
                {
                    "invoice_line_ids": [
                        Command.delete(line.id)
                        for line in credit_note.invoice_line_ids
                        if line.helpdesk_reversed_line_id not in keep.invoice_line_id
                    ]
                }
            )
        return credit_note

    def _post(self, move, user=None):
        move.with_user(user or self.accountant).action_post()
        return move


@tagged("post_install", "-at_install")
class TestCreditNoteMatchesLines(CreditNoteCase):
    def test_partial_credit_note_credits_exactly_its_lines(self):
        self.assertEqual(self.invoice.amount_untaxed, 360.0)
        credit_note = self._reverse(self.invoice, keep=self.s1 | self.s2)
        self.assertEqual(
            credit_note.invoice_line_ids.helpdesk_reversed_line_id,
            (self.s1 | self.s2).invoice_line_id,
        )
        self._post(credit_note)
        for session in self.s1 | self.s2:
            self.assertEqual(session.state, "rated")
            self.assertFalse(session.invoice_line_id)
            self.assertEqual(session.credit_note_id, credit_note)
            self.assertEqual(session.credited_invoice_id, self.invoice)
        self.assertEqual(self.s3.state, "invoiced")
        self.assertEqual(self.s3.invoice_id, self.invoice)
        self.assertFalse(self.s3.credit_note_id)
        self.assertEqual(
            credit_note.invoice_line_ids.helpdesk_credited_session_ids,
            self.s1 | self.s2,
        )
        # Both documents keep their Sessions button, listing the sessions.
        for move, count in ((self.invoice, 3), (credit_note, 2)):
            move.invalidate_recordset(["helpdesk_session_count"])
            self.assertEqual(move.helpdesk_session_count, count)
            action = move.action_view_helpdesk_sessions()
            self.assertEqual(
                len(self.env["helpdesk.session"].search(action["domain"])), count
            )
        # Billed again: only the two credited sessions.
        again = self._invoice(self.sessions)
        self.assertEqual(again.amount_untaxed, 270.0)
        self.assertEqual((self.s1 | self.s2).invoice_id, again)

    def test_equal_total_is_not_a_credit(self):
        # A credit note of the same total that reverses no session line (its
        # lines were replaced by another product) credits nothing.
        credit_note = self._reverse(self.invoice, keep=self.s1.browse())
        credit_note.write(
            {
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": self.product_a.id,
                            "price_unit": 360.0,
                            "tax_ids": [Command.set(self.tax_sale_a.ids)],
                        }
                    )
                ]
            }
        )
        self._post(credit_note)
        self.assertEqual(credit_note.amount_total, self.invoice.amount_total)
        self.assertEqual(set(self.sessions.mapped("state")), {"invoiced"})
        self.assertFalse(self.sessions.credit_note_id)

    def test_line_reversed_in_part_is_refused(self):
        credit_note = self._reverse(self.invoice, keep=self.s1 | self.s2)
        credit_note.invoice_line_ids.filtered(
            lambda line: line.helpdesk_reversed_line_id == self.s2.invoice_line_id
        ).quantity = 1.0  # half of s2 (2 hours at 90.00)
        with self.assertRaisesRegex(UserError, "credited whole"):
            self._post(credit_note)
        # Nothing was written: the credit note is a draft, no session moved.
        self.assertEqual(credit_note.state, "draft")
        self.assertEqual(set(self.sessions.mapped("state")), {"invoiced"})
        self.assertFalse(self.sessions.credit_note_id)

    def test_close_mode_credits_the_lines_reversed(self):
        self.company.helpdesk_credit_note_mode = "close"
        credit_note = self._post(self._reverse(self.invoice, keep=self.s2))
        self.assertEqual(self.s2.state, "credited")
        self.assertEqual(self.s2.invoice_id, self.invoice)
        self.assertEqual(self.s2.credit_note_id, credit_note)
        self.assertEqual((self.s1 | self.s3).mapped("state"), ["invoiced"] * 2)

    def test_reverse_and_create_invoice_is_refused(self):
        # Odoo's "Reverse and create invoice" would post the credit note and
        # copy the lines of sessions into a new draft billing them again:
        # refused, nothing reversed.
        wizard = (
            self.env["account.move.reversal"]
            .with_user(self.accountant)
            .with_context(active_model="account.move", active_ids=self.invoice.ids)
            .create({"journal_id": self.invoice.journal_id.id})
        )
        with self.assertRaisesRegex(UserError, "Create invoices"):
            wizard.modify_moves()
        self.assertFalse(self.invoice.reversal_move_ids)
        self.assertEqual(set(self.sessions.mapped("state")), {"invoiced"})
        # Reversed as the message says, the sessions are billable again.
        self._post(self._reverse(self.invoice))
        self.assertEqual(set(self.sessions.mapped("state")), {"rated"})

    def test_a_line_is_credited_once(self):
        # Closed or billable again, a line of sessions credited once is not
        # credited again (billed minus credited would be minus its cost).
        for mode in ("close", "rebill"):
            with self.subTest(mode=mode):
                savepoint = self.cr.savepoint()
                try:
                    self._check_credited_once(mode)
                finally:
                    savepoint.close(rollback=True)
                    self.env.invalidate_all()

    def _check_credited_once(self, mode):
        self.company.helpdesk_credit_note_mode = mode
        first = self._post(self._reverse(self.invoice, keep=self.s1))
        # The whole invoice reversed again: its line of s1 is named too,
        # even once s1 went back to be invoiced (rebill).
        second = self._reverse(self.invoice)
        self.assertIn(
            first.invoice_line_ids.helpdesk_reversed_line_id,
            second.invoice_line_ids.helpdesk_reversed_line_id,
        )
        with self.assertRaisesRegex(UserError, "credited by .* already"):
            self._post(second)
        self.assertEqual(second.state, "draft")
        self.assertEqual(self.s1.credit_note_id, first)
        # Once the first is reset, the second credits every line.
        first.with_user(self.accountant).button_draft()
        self._post(second)
        self.assertEqual(self.sessions.credit_note_id, second)


@tagged("post_install", "-at_install")
class TestCreditNoteUndone(CreditNoteCase):
    def test_reset_and_cancel_put_sessions_back_rebill(self):
        credit_note = self._post(self._reverse(self.invoice, keep=self.s1 | self.s2))
        line_1, line_2 = credit_note.invoice_line_ids.helpdesk_reversed_line_id.sorted(
            "id"
        )
        credit_note.with_user(self.accountant).button_draft()
        self.assertEqual(credit_note.state, "draft")
        for session, line in ((self.s1, line_1), (self.s2, line_2)):
            self.assertEqual(session.state, "invoiced")
            self.assertEqual(session.invoice_line_id, line)
            self.assertFalse(session.credit_note_id)
            self.assertFalse(session.credited_invoice_id)
        self.assertFalse(credit_note.invoice_line_ids.helpdesk_credited_session_ids)
        # Posted again, it credits them again; cancelled, it gives them back.
        self._post(credit_note)
        self.assertEqual((self.s1 | self.s2).mapped("state"), ["rated"] * 2)
        credit_note.with_user(self.accountant).button_cancel()
        self.assertEqual(credit_note.state, "cancel")
        self.assertEqual(set(self.sessions.mapped("state")), {"invoiced"})
        self.assertEqual(self.sessions.invoice_id, self.invoice)

    def test_reset_and_cancel_put_sessions_back_close(self):
        # By an accountant who knows nothing of support billing.
        self.company.helpdesk_credit_note_mode = "close"
        clerk = self.invoicing_clerk
        credit_note = self._post(self._reverse(self.invoice, user=clerk), user=clerk)
        self.assertEqual(set(self.sessions.mapped("state")), {"credited"})
        credit_note.with_user(clerk).button_cancel()
        self.assertEqual(set(self.sessions.mapped("state")), {"invoiced"})
        self.assertEqual(self.sessions.invoice_id, self.invoice)
        self.assertFalse(self.sessions.credit_note_id)

    def test_reset_refused_once_sessions_billed_again(self):
        credit_note = self._post(self._reverse(self.invoice, keep=self.s1))
        again = self.s1.with_user(self.accountant).action_create_invoices()
        again = self.env["account.move"].browse(again["res_id"])
        with self.assertRaisesRegex(UserError, "moved on since credit note"):
            credit_note.with_user(self.accountant).button_draft()
        self.assertEqual(credit_note.state, "posted")
        self.assertEqual(self.s1.invoice_id, again)
        # Taken off the new invoice, it goes back on the credited one.
        again.unlink()
        credit_note.with_user(self.accountant).button_draft()
        self.assertEqual(self.s1.invoice_id, self.invoice)
        self.assertEqual(self.s1.state, "invoiced")

    def test_credited_invoice_is_not_taken_back(self):
        self.company.helpdesk_credit_note_mode = "close"
        credit_note = self._post(self._reverse(self.invoice, keep=self.s1))
        # The credited invoice cancelled or reset while its credit note
        # stands would leave a refund of nothing billed.
        for action in ("button_cancel", "button_draft"):
            with (
                self.subTest(action=action),
                self.assertRaisesRegex(UserError, "credits its support sessions"),
            ):
                getattr(self.invoice.with_user(self.accountant), action)()
        self.assertEqual(self.invoice.state, "posted")
        self.assertEqual(self.s1.state, "credited")
        self.assertEqual((self.s2 | self.s3).mapped("state"), ["invoiced"] * 2)
        # The credit note reset first, the invoice is cancelled: its
        # sessions are released, the credited one back among them.
        credit_note.with_user(self.accountant).button_draft()
        self.invoice.with_user(self.accountant).button_cancel()
        self.assertEqual(set(self.sessions.mapped("state")), {"rated"})


@tagged("post_install", "-at_install")
class TestInvoiceCancelled(CreditNoteCase):
    def test_cancelling_a_posted_invoice_releases_its_sessions(self):
        self.invoice.with_user(self.accountant).button_cancel()
        self.assertEqual(self.invoice.state, "cancel")
        self.assertEqual(set(self.sessions.mapped("state")), {"rated"})
        self.assertFalse(self.sessions.invoice_line_id)
        again = self._invoice(self.sessions)
        self.assertEqual(again.amount_untaxed, 360.0)

    def test_locked_invoice_keeps_its_sessions(self):
        self.invoice.button_hash()
        with self.assertRaisesRegex(UserError, "locked"):
            self.invoice.with_user(self.accountant).button_cancel()
        self.assertEqual(self.invoice.state, "posted")
        self.assertEqual(set(self.sessions.mapped("state")), {"invoiced"})


@tagged("post_install", "-at_install")
class TestCreditLinksNotForged(CreditNoteCase):
    def test_accountant_cannot_write_the_links(self):
        credit_note = self._reverse(self.invoice, keep=self.s1)
        line = credit_note.invoice_line_ids.with_user(self.accountant)
        for vals in (
            {"helpdesk_reversed_line_id": self.s2.invoice_line_id.id},
            {"helpdesk_credited_session_ids": [Command.set(self.s3.ids)]},
        ):
            with (
                self.subTest(vals=vals),
                self.assertRaisesRegex(UserError, "never set by hand"),
                self.cr.savepoint(),
            ):
                line.write(vals)
        with (
            self.assertRaisesRegex(UserError, "never set by hand"),
            self.cr.savepoint(),
        ):
            credit_note.with_user(self.accountant).write(
                {
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": self.support_product.id,
                                "price_unit": 90.0,
                                "helpdesk_reversed_line_id": (
                                    self.s3.invoice_line_id.id
                                ),
                            }
                        )
                    ]
                }
            )
        self._post(credit_note)
        self.assertEqual(self.s1.state, "rated")
        self.assertEqual((self.s2 | self.s3).mapped("state"), ["invoiced"] * 2)

    def test_no_context_links_a_copy(self):
        # A copy asked for with the module's key (a value a client can send)
        # names no line it reverses.
        copy = self.invoice.with_context(
            helpdesk_support_reversal=True, include_business_fields=True
        ).copy({"move_type": "out_refund", "reversed_entry_id": self.invoice.id})
        self.assertFalse(copy.invoice_line_ids.helpdesk_reversed_line_id)
        self._post(copy)
        self.assertEqual(set(self.sessions.mapped("state")), {"invoiced"})
