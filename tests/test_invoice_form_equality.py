from odoo.fields import Command
from odoo.tests import Form, tagged

from . import test_invoicing

# What is compared on every line of the two invoices (product lines, tax
# lines, payment term lines), and on the invoices.
LINE_FIELDS = (
    "display_type",
    "product_id",
    "name",
    "quantity",
    "product_uom_id",
    "price_unit",
    "discount",
    "tax_ids",
    "account_id",
    "analytic_distribution",
    "partner_id",
    "currency_id",
    "price_subtotal",
    "price_total",
    "amount_currency",
    "balance",
    "debit",
    "credit",
    "tax_line_id",
    "tax_repartition_line_id",
    "tax_tag_ids",
    "tax_base_amount",
    "date_maturity",
)
INVOICE_FIELDS = (
    "move_type",
    "partner_id",
    "commercial_partner_id",
    "company_id",
    "journal_id",
    "currency_id",
    "fiscal_position_id",
    "invoice_payment_term_id",
    "amount_untaxed",
    "amount_tax",
    "amount_total",
    "amount_residual",
)


@tagged("post_install", "-at_install")
class TestInvoiceFormEquality(test_invoicing.InvoicingCase):
    """An invoice of the invoicing batch is the invoice a user enters in the
    standard invoice form: same customer, same lines typed (product,
    description, quantity, unit, price and, where the contract profile sets
    one, its analytic distribution); the form computes the rest (taxes,
    accounts, fiscal position, payment terms, tax and receivable lines) and
    everything must come out the same, line by line."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Units and analytic distributions show in the form for this user.
        cls.env.user.group_ids = [
            Command.link(cls.env.ref("uom.group_uom").id),
            Command.link(cls.env.ref("analytic.group_analytic_accounting").id),
        ]
        # partner_b has a fiscal position (tax A to tax B) and a payment term
        # of several installments; partner_a neither.
        cls.tax_sale_a.amount = 21.0
        cls.tax_sale_b.amount = 6.0

    def _lines_of(self, invoice):
        def value(line, fname):
            value = line[fname]
            if hasattr(value, "_name"):
                return (value._name, sorted(value.ids))
            return value

        def order(line):
            return (
                {"product": 0, "tax": 1, "payment_term": 2}.get(line.display_type, 3),
                line.tax_line_id.id,
                str(line.date_maturity),
                line.balance,
                line.id if line.display_type == "product" else 0,
            )

        return [
            {fname: value(line, fname) for fname in LINE_FIELDS}
            for line in invoice.line_ids.sorted(order)
        ]

    def _assert_same_invoice(self, invoice, form_invoice):
        for fname in INVOICE_FIELDS:
            self.assertEqual(invoice[fname], form_invoice[fname], fname)
        ours, theirs = self._lines_of(invoice), self._lines_of(form_invoice)
        self.assertEqual(len(ours), len(theirs), "number of lines")
        for index, (line, form_line) in enumerate(zip(ours, theirs, strict=True)):
            self.assertEqual(line, form_line, f"line {index}")

    def _assert_same_posted(self, invoice, form_invoice):
        """Posted, both invoices have the same due date, receivables and
        analytic items. (The due date is compared once posted: the form
        saves the due date its last onchange showed, which the payment term
        lines of a draft may since have moved.)"""
        (invoice | form_invoice).action_post()
        self.assertEqual(invoice.invoice_date_due, form_invoice.invoice_date_due)
        self.assertEqual(
            invoice.invoice_date_due,
            max(self._term_lines(invoice).mapped("date_maturity")),
        )
        self.assertTrue(self._term_lines(invoice))
        for records in (
            lambda move: move.line_ids.analytic_line_ids,
            self._term_lines,
        ):
            self.assertEqual(
                self._amounts(records(invoice)),
                self._amounts(records(form_invoice)),
            )

    def _form_invoice(self, invoice, profile):
        """``invoice`` entered again in the invoice form: its customer, and
        for each of its product lines what a user types (the profile's
        analytic distribution too, when it has one), nothing else."""
        form = Form(
            self.env["account.move"].with_context(default_move_type="out_invoice")
        )
        form.partner_id = invoice.partner_id
        for line in invoice.invoice_line_ids.sorted("id"):
            with form.invoice_line_ids.new() as line_form:
                line_form.product_id = line.product_id
                line_form.name = line.name
                line_form.quantity = line.quantity
                line_form.product_uom_id = line.product_uom_id
                line_form.price_unit = line.price_unit
                if profile.analytic_distribution:
                    line_form.analytic_distribution = profile.analytic_distribution
        return form.save()

    def _batch_invoices(self):
        sessions = (
            self._rated(self.ticket_a, 9, 50)
            | self._rated(self.ticket_a2, 11, 70)
            | self._rated(self.ticket_a, 14, 25)
            | self._rated(self.ticket_b, 10, 30)
            | self._rated(self.ticket_b, 15, 95)
        )
        invoices = self._invoice(sessions, grouping="session")
        self.assertEqual(len(invoices), 2)
        self.assertEqual(len(invoices.invoice_line_ids), 5)
        return invoices

    def test_batch_invoice_is_the_form_invoice(self):
        for invoice in self._batch_invoices():
            with self.subTest(partner=invoice.partner_id.name):
                form_invoice = self._form_invoice(invoice, self.hourly)
                self._assert_same_invoice(invoice, form_invoice)
                # The figures the test relies on are there: taxes of the
                # fiscal position, the profile's distribution, installments.
                tax = (
                    self.tax_sale_b
                    if invoice.partner_id == self.partner_b
                    else self.tax_sale_a
                )
                self.assertEqual(invoice.invoice_line_ids.tax_ids, tax)
                self.assertEqual(
                    invoice.line_ids.filtered("tax_line_id").tax_line_id, tax
                )
                self.assertEqual(
                    invoice.invoice_line_ids.mapped("analytic_distribution"),
                    [{str(self.analytic_account.id): 100}]
                    * len(invoice.invoice_line_ids),
                )
                self.assertEqual(
                    len(self._term_lines(invoice)),
                    len(invoice.invoice_payment_term_id.line_ids),
                )
                self._assert_same_posted(invoice, form_invoice)
                self.assertTrue(invoice.line_ids.analytic_line_ids)

    @staticmethod
    def _term_lines(invoice):
        return invoice.line_ids.filtered(
            lambda line: line.display_type == "payment_term"
        )

    @staticmethod
    def _amounts(records):
        """(account, amount) of journal items or analytic items, sorted."""
        if records._name == "account.analytic.line":
            return sorted((r.account_id.id, r.amount) for r in records)
        return sorted((r.account_id.id, r.date_maturity, r.balance) for r in records)

    def test_batch_invoice_is_the_form_invoice_with_distribution_model(self):
        # No distribution on the profile: Odoo's distribution models give it,
        # in the batch (one lookup for lines alike) as in the form.
        self.hourly.analytic_distribution = False
        other = self.env["account.analytic.account"].create(
            {"name": "HSB partner_b support", "plan_id": self.analytic_plan.id}
        )
        self.env["account.analytic.distribution.model"].create(
            {
                "partner_id": self.partner_b.id,
                "analytic_distribution": {str(other.id): 100},
            }
        )
        invoices = self._batch_invoices()
        for invoice in invoices:
            with self.subTest(partner=invoice.partner_id.name):
                form_invoice = self._form_invoice(invoice, self.hourly)
                self._assert_same_invoice(invoice, form_invoice)
                self._assert_same_posted(invoice, form_invoice)
        invoice_b = invoices.filtered(lambda m: m.partner_id == self.partner_b)
        self.assertEqual(
            invoice_b.invoice_line_ids.mapped("analytic_distribution"),
            [{str(other.id): 100}] * 2,
        )

    def test_comparison_sees_other_taxes_or_distribution(self):
        # The comparison is not blind: an invoice whose line has other taxes,
        # or another analytic distribution, is not the form's.
        invoice = self._batch_invoices().filtered(
            lambda m: m.partner_id == self.partner_a
        )
        form_invoice = self._form_invoice(invoice, self.hourly)
        self._assert_same_invoice(invoice, form_invoice)
        line = invoice.invoice_line_ids[0]
        line.analytic_distribution = {str(self.analytic_account.id): 50}
        with self.assertRaises(AssertionError):
            self._assert_same_invoice(invoice, form_invoice)
        line.analytic_distribution = {str(self.analytic_account.id): 100}
        self._assert_same_invoice(invoice, form_invoice)
        line.tax_ids = self.tax_sale_b
        with self.assertRaises(AssertionError):
            self._assert_same_invoice(invoice, form_invoice)
