import io
from datetime import date, datetime

from odoo.addons.base.models.ir_actions_report import _wkhtml
from odoo.tests import HttpCase, tagged
from odoo.tools.pdf import PdfFileReader

from .common import RatingCase, open_rating_screen

STATEMENT = "helpdesk_session_billing.action_report_support_statement"


@tagged("post_install", "-at_install")
class TestStatementPdf(HttpCase, RatingCase):
    """The support statement printed to PDF by the wkhtmltopdf installed on
    the machine (Debian's build, against an unpatched QT, converts one
    document per call): several customers in one click give one PDF, one
    statement per customer, each as long as when printed alone. An
    HttpCase: wkhtmltopdf loads the report's styles from the server."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.third_customer = cls.env["res.partner"].create(
            {"name": "HSB Third Co", "is_company": True}
        )
        cls.stepped.partner_ids = [(4, cls.third_customer.id)]
        third_ticket = cls._ticket(
            name="HSB third ticket", partner_id=cls.third_customer.id
        )
        sessions = (
            cls._session(cls._at(9), 26)
            | cls._session(cls._at(11), 40, ticket=cls.pack_ticket)
            | cls._session(cls._at(14), 20, ticket=third_ticket)
            | cls._session(datetime(2025, 3, 12, 9), 35, ticket=third_ticket)
        )
        sessions.with_user(cls.billing_manager).action_rate()
        cls.customers = cls.customer | cls.pack_customer | cls.third_customer

    def setUp(self):
        super().setUp()
        if _wkhtml().state == "install":
            self.skipTest("wkhtmltopdf is not installed on this machine")

    def _wizard(self, **vals):
        # March 2025 unless ``vals`` say otherwise.
        period = {"date_from": date(2025, 3, 1), "date_to": date(2025, 3, 31)}
        return open_rating_screen(self.billing_manager, **{**period, **vals})

    def _pdf(self, res_ids=None, data=None):
        pdf, kind = (
            self.env["ir.actions.report"]
            .with_user(self.billing_manager)
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(STATEMENT, res_ids, data=data)
        )
        self.assertEqual(kind, "pdf")
        return PdfFileReader(io.BytesIO(pdf))

    @staticmethod
    def _pages(reader):
        """What each page draws: wkhtmltopdf's unpatched build draws text
        as shapes (no text to extract), so pages are compared by content."""
        return [page.get_contents().get_data() for page in reader.pages]

    def _statement_alone(self, customer):
        return self._pdf(self._wizard(partner_id=customer.id).ids)

    def test_several_customers_in_one_click(self):
        wizard = self._wizard()
        self.assertEqual(wizard._get_statement_customers(), self.customers)
        merged = self._pages(self._pdf(wizard.ids))
        # One statement per customer, in the statement's order (by name),
        # each the pages it has when printed alone.
        alone = [
            self._pages(self._statement_alone(customer))
            for customer in self.customers.sorted("display_name")
        ]
        self.assertEqual(
            [customer.name for customer in self.customers.sorted("display_name")],
            ["HSB Customer", "HSB Pack Co", "HSB Third Co"],
        )
        self.assertEqual(len(merged), sum(len(pages) for pages in alone))
        self.assertEqual(merged, [page for pages in alone for page in pages])
        # Three different documents, not one printed three times.
        self.assertEqual(len({pages[0] for pages in alone}), 3)

    def test_single_statement_fits_one_page(self):
        """A month of a few sessions, its balance and legend: one page."""
        for customer in self.customers:
            reader = self._statement_alone(customer)
            self.assertEqual(len(reader.pages), 1, customer.name)

    def test_several_customers_from_data(self):
        """Code printing statements for customers (the portal's route)
        passes them in ``data``: one PDF, a statement each."""
        merged = self._pages(
            self._pdf(
                data={
                    "statement_partner_ids": self.customers.ids,
                    "statement_date_from": "2025-03-01",
                    "statement_date_to": "2025-03-31",
                    "statement_company_id": self.company.id,
                }
            )
        )
        alone = [
            self._pages(self._statement_alone(customer))
            for customer in self.customers.sorted("display_name")
        ]
        self.assertEqual(merged, [page for pages in alone for page in pages])
