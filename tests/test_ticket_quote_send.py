from odoo.fields import Command
from odoo.tests import Form, tagged

from .common import RatingCase


@tagged("post_install", "-at_install")
class TestTicketQuoteSend(RatingCase):
    """A quote is sent through Odoo's mail composer, as sale sends its
    quotations: the template greets the ticket's contact by name, the
    quote's PDF is attached, its price is shown with the support product's
    taxes; sending marks it sent."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tax = cls.env["account.tax"].create(
            {
                "name": "HSB VAT 20%",
                "amount": 20.0,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "company_id": cls.company.id,
            }
        )
        cls.product = cls.env["helpdesk.contract.profile"]._default_product_id(
            cls.company
        )
        cls.product.taxes_id = [Command.set(cls.tax.ids)]
        cls.contact.email = "claire@customer.example.com"

    def _quote(self, **vals):
        return (
            self.env["helpdesk.ticket.quote"]
            .with_user(self.agent)
            .create(
                {
                    "ticket_id": self.ticket.id,
                    "description": "<p>Replace the print server.</p>",
                    "estimated_hours": 2.5,
                    "pricing": "fixed",
                    "amount": 300.0,
                    **vals,
                }
            )
        )

    def test_quote_shows_the_support_product_taxes(self):
        quote = self._quote()
        self.assertEqual(quote.tax_ids, self.tax)
        self.assertAlmostEqual(quote.amount_untaxed, 300.0)
        self.assertAlmostEqual(quote.amount_tax, 60.0)
        self.assertAlmostEqual(quote.amount_total, 360.0)
        html = (
            self.env["ir.actions.report"]
            .with_user(self.agent)
            ._render_qweb_html(
                "helpdesk_session_billing.action_report_ticket_quote", quote.ids
            )[0]
            .decode()
        )
        self.assertIn("HSB VAT 20%", html)
        for amount in (300.0, 60.0, 360.0):
            self.assertIn(f'<span class="oe_currency_value">{amount:.2f}</span>', html)
        self.assertIn("2:30", html)

    def test_send_through_the_composer(self):
        quote = self._quote()
        action = quote.action_quote_send()
        self.assertEqual(action["res_model"], "mail.compose.message")
        self.assertEqual(quote.state, "draft")  # not sent until the mail is
        composer = Form(
            self.env["mail.compose.message"]
            .with_user(self.agent)
            .with_context(**action["context"])
        )
        # The ticket's contact is greeted, not the company.
        self.assertIn("Hello HSB Contact,", composer.body)
        self.assertNotIn("HSB Customer,", composer.body)
        self.assertIn(self.contact, composer.partner_ids[:])
        # The quote's report (a PDF; HTML where tests render no PDF).
        [attachment] = composer.attachment_ids[:]
        self.assertEqual(attachment.name.rsplit(".", 1)[0], f"Quote {quote.name}")
        composer.save().action_send_mail()
        self.assertEqual(quote.state, "sent")
        email = quote.message_ids.filtered(lambda m: m.message_type == "comment")
        self.assertEqual(len(email), 1)
        self.assertEqual(email.attachment_ids, attachment)
        self.assertIn(f"access_token={quote.access_token}", email.body)
        self.assertIn(self.contact, email.partner_ids)

    def test_greeting_names_the_person(self):
        # A ticket filed for the company with the name of who asked.
        ticket = self._ticket(partner_id=self.customer.id)
        ticket.partner_name = "Ivana Petrova"
        quote = self._quote(ticket_id=ticket.id)
        self.assertEqual(quote._get_greeting_name(), "Ivana Petrova")
        self.assertEqual(self._quote()._get_greeting_name(), "HSB Contact")
