from datetime import timedelta

from odoo.fields import Command
from odoo.tests import HttpCase, new_test_user, tagged

from .common import SupportAccountingCase

INVOICE_REPORT = "account.account_invoices"
ANNEX_TITLE = "Support sessions billed on this invoice"


class CustomerDocumentsCase(SupportAccountingCase):
    """A pay-per-use customer (15 min for 25.00, then 10-minute steps at
    12.00) with two rated billable sessions on its printer ticket and one
    included session on a how-to ticket (a keyword rule), included sessions
    shown on invoices."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.helpdesk_invoice_show_included = True
        cls.stepped = cls.env["helpdesk.contract.profile"].create(
            {
                "name": "HSB stepped",
                "billing_type": "pay_per_use",
                "partner_ids": [Command.link(cls.customer.id)],
                "initial_step_duration": 15,
                "initial_step_cost": 25,
                "step_duration": 10,
                "step_cost": 12,
                "product_id": cls.support_product.id,
            }
        )
        cls.rule = cls.env["helpdesk.scope.rule"].create(
            {"name": "HSB how-to questions", "outcome": "included", "keywords": "howto"}
        )
        cls.howto = cls.env["helpdesk.ticket"].create(
            {
                "name": "HSB howto export",
                "description": "<p>How?</p>",
                "partner_id": cls.contact.id,
            }
        )
        # 26 min -> 35 billed, 25 + 2 x 12 = 49.00; 10 min -> 15 billed, 25.00;
        # 40 min included -> 40 billed, 0.00.
        cls.s_26 = cls._rated_session(cls.ticket, 9, 26)
        cls.s_10 = cls._rated_session(cls.ticket, 11, 10)
        cls.s_howto = cls._rated_session(cls.howto, 14, 40)

    @classmethod
    def _rated_session(cls, ticket, hour, minutes):
        start = cls.DAY.replace(hour=hour)
        session = cls.env["helpdesk.session"].create(
            {
                "ticket_id": ticket.id,
                "user_id": cls.agent.id,
                "date_start": start,
                "date_end": start + timedelta(minutes=minutes),
            }
        )
        session.with_user(cls.billing_manager).action_rate()
        return session

    def _invoice(self, grouping="ticket", sessions=None):
        """The posted invoice of ``sessions`` (default: the three above),
        made by the billing manager and posted by the accountant."""
        sessions = sessions or (self.s_26 | self.s_10 | self.s_howto)
        action = sessions.with_user(self.billing_manager).action_create_invoices(
            grouping=grouping
        )
        invoice = self.env["account.move"].browse(action["res_id"])
        invoice.action_post()
        return invoice

    def _invoice_html(self, invoice, user=None):
        Report = self.env["ir.actions.report"]
        if user:
            Report = Report.with_user(user)
        html, _kind = Report._render_qweb_html(INVOICE_REPORT, invoice.ids)
        return html.decode()


@tagged("post_install", "-at_install")
class TestInvoiceSessionAnnex(CustomerDocumentsCase):
    def test_figures_are_the_ratings(self):
        self.assertEqual(
            (self.s_26.billed_duration, self.s_26.cost), (35, 49.0), "by hand above"
        )
        self.assertEqual((self.s_10.billed_duration, self.s_10.cost), (15, 25.0))
        self.assertEqual(self.s_howto.scope, "included")
        self.assertEqual(self.s_howto.cost, 0)

    def test_no_annex_unless_asked(self):
        invoice = self._invoice()
        self.assertEqual(invoice._get_support_session_annex(), {})
        self.assertNotIn(ANNEX_TITLE, self._invoice_html(invoice))

    def test_annex_per_ticket(self):
        self.company.helpdesk_invoice_session_annex = True
        invoice = self._invoice()
        annex = invoice._get_support_session_annex()
        self.assertFalse(annex["per_session"])
        self.assertEqual(
            [group["title"] for group in annex["groups"]],
            [f"{t.number} {t.name}" for t in (self.ticket, self.howto)],
            "one group per invoice line, in the lines' order",
        )
        printer, howto = annex["groups"]
        self.assertEqual(
            [row["session"] for row in printer["rows"]], [self.s_26, self.s_10]
        )
        self.assertEqual((printer["worked"], printer["billed"]), (36, 50))
        self.assertEqual(printer["cost"], 74.0)
        self.assertEqual(annex["count"], 3)
        self.assertEqual(annex["cost"], invoice.amount_untaxed, "the invoice, checked")
        [included] = howto["rows"]
        self.assertEqual(included["kinds"], ["included"])
        self.assertEqual(
            included["why"], "Covered by your contract: HSB how-to questions"
        )
        self.assertEqual(printer["rows"][0]["kinds"], ["billable"])
        self.assertEqual(printer["rows"][0]["why"], "Not covered by your contract")

        html = self._invoice_html(invoice)
        self.assertIn(ANNEX_TITLE, html)
        for text in (
            "Accounting Agent",
            "2025-03-10 09:00",
            "<span>0:26</span>",  # worked
            "<span>0:35</span>",  # billed
            "<span>0:50</span>",  # the printer ticket's billed subtotal
            "Covered by your contract: HSB how-to questions",
            "Subtotal",
            "How to read this list",
        ):
            self.assertIn(text, html)
        # After the invoice's lines and totals.
        self.assertGreater(html.index(ANNEX_TITLE), html.index('id="total"'))

    def test_annex_per_session(self):
        self.company.helpdesk_invoice_session_annex = True
        invoice = self._invoice(grouping="session")
        annex = invoice._get_support_session_annex()
        self.assertTrue(annex["per_session"])
        self.assertEqual(len(annex["groups"]), 3)
        html = self._invoice_html(invoice)
        self.assertIn('<th class="text-start">Ticket</th>', html)
        self.assertNotIn("Subtotal", html, "no subtotal for a line of one session")

    def test_customer_choice_wins(self):
        self.company.helpdesk_invoice_session_annex = True
        self.customer.helpdesk_invoice_session_annex = "no"
        invoice = self._invoice()
        self.assertEqual(invoice._get_support_session_annex(), {})
        self.company.helpdesk_invoice_session_annex = False
        self.customer.helpdesk_invoice_session_annex = "yes"
        self.assertEqual(invoice._get_support_session_annex()["count"], 3)

    def test_printed_by_an_accountant_without_support_rights(self):
        """The choice and the sessions are read for the report, whoever
        prints: an invoicing user outside support billing gets the annex,
        not an access error."""
        self.company.helpdesk_invoice_session_annex = True
        invoice = self._invoice()
        accountant = new_test_user(
            self.env,
            "hsb_plain_accountant",
            groups="account.group_account_invoice",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        self.assertIn("Accounting Agent", self._invoice_html(invoice, accountant))

    def test_annex_is_batched(self):
        """The annex reads all the sessions of the invoice at once: its
        queries do not grow with the number of sessions."""
        self.company.helpdesk_invoice_session_annex = True
        small = self._invoice(grouping="session")
        more = self.env["helpdesk.session"]
        for hour in range(8, 18):
            # Both tickets, included and billable, as on the small invoice.
            ticket = self.howto if hour % 2 else self.ticket
            more |= self._rated_session(ticket, hour, 5).with_env(self.env)
        large = self._invoice(grouping="session", sessions=more)
        # The second round counts: the first one also flushes what creating
        # and posting the invoices left pending.
        for _round in range(2):
            counts = []
            for invoice in (small, large):
                self.env.invalidate_all()
                before = self.env.cr.sql_log_count
                invoice._get_support_session_annex()
                counts.append(self.env.cr.sql_log_count - before)
        self.assertEqual(len(large._get_support_session_annex()["groups"]), 10)
        self.assertEqual(counts[0], counts[1], "3 sessions or 10: the same queries")


@tagged("post_install", "-at_install")
class TestStatementForCustomers(CustomerDocumentsCase):
    def test_statement_printed_for_customers(self):
        """Code printing statements for customers (a portal page) passes them
        and the period in ``data``: the same figures as the rating screen."""
        html, _kind = self.env["ir.actions.report"]._render_qweb_html(
            "helpdesk_session_billing.action_report_support_statement",
            None,
            data={
                "statement_partner_ids": self.customer.ids,
                "statement_date_from": "2025-03-01",
                "statement_date_to": "2025-03-31",
                "statement_company_id": self.company.id,
            },
        )
        html = html.decode()
        self.assertIn("Support statement: <span>HSB Accounting Customer</span>", html)
        self.assertIn("Covered by your contract: HSB how-to questions", html)
        self.assertIn("<span>1:16</span>", html, "26 + 10 + 40 min worked")
        self.assertEqual(html.count('class="page"'), 1)


@tagged("post_install", "-at_install")
class TestPortalInvoiceAnnex(CustomerDocumentsCase, HttpCase):
    def test_portal_invoice_shows_the_annex(self):
        """The customer's invoice page in the portal (its access link, as
        sent by email) shows the same annex as the PDF."""
        self.company.helpdesk_invoice_session_annex = True
        invoice = self._invoice()
        response = self.url_open(invoice.get_portal_url(report_type="html"))
        self.assertEqual(response.status_code, 200)
        self.assertIn(ANNEX_TITLE, response.text)
        self.assertIn("Covered by your contract: HSB how-to questions", response.text)
        self.assertIn("<span>0:35</span>", response.text)


@tagged("post_install", "-at_install")
class TestDocumentLanguages(CustomerDocumentsCase):
    """The statement, an invoice with its annex and the low-balance email go
    out in the customer's language, whoever prints or sends them (here a
    billing manager working in English): none of their fixed English text
    is left in French, Spanish or Russian. Names, tickets and figures are
    data, not fixed text: only the templates' own words are looked for."""

    LANGS = ("fr_FR", "es_ES", "ru_RU")
    STATEMENT_TEXT = (
        "Support statement",
        "Period:",
        "Support sessions",
        "Worked",
        "Included or billable, and why",
        "Total billed for the period",
        "How to read this list",
        "Times are in hours and minutes",
        "Not covered by your contract",
        "Covered by your contract: ",
        "not charged and no prepaid hours used",
        "beyond your prepaid hours",
    )
    ANNEX_TEXT = (
        ANNEX_TITLE,
        "Worked",
        "Included or billable, and why",
        # Not "Subtotal": the same word in Spanish.
        "How to read this list",
        "Not covered by your contract",
        "Covered by your contract: ",
    )
    MAIL_TEXT = (
        "your support hours are running low",
        "Hello",
        "Your support subscription",
        "hours left",
        "we will recharge it",
        "Best regards",
    )

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for code in cls.LANGS:
            cls.env["res.lang"]._activate_lang(code)
        cls.env["ir.module.module"]._load_module_terms(
            ["helpdesk_session_billing"], list(cls.LANGS), overwrite=True
        )
        cls.billing_manager.lang = "en_US"
        cls.company.write(
            {
                "helpdesk_invoice_session_annex": True,
                "helpdesk_low_balance_threshold": 0.5,
                "helpdesk_low_balance_unit": "hours",
                "helpdesk_low_balance_email": True,
            }
        )
        cls.invoice = cls.env["account.move"].browse(
            (cls.s_26 | cls.s_10 | cls.s_howto)
            .with_user(cls.billing_manager)
            .action_create_invoices()["res_id"]
        )
        cls.invoice.action_post()

    def _statement_html(self):
        wizard = (
            self.env["helpdesk.session.rating.wizard"]
            .with_user(self.billing_manager)
            .create(
                {
                    "partner_id": self.customer.id,
                    "date_from": "2025-03-01",
                    "date_to": "2025-03-31",
                    "state_filter": "all",
                }
            )
        )
        html, _kind = (
            self.env["ir.actions.report"]
            .with_user(self.billing_manager)
            ._render_qweb_html(
                "helpdesk_session_billing.action_report_support_statement", wizard.ids
            )
        )
        return html.decode()

    def _low_balance_mail(self, lang):
        """The email a rating by the (English) billing manager sends to a
        subscription customer speaking ``lang``: one prepaid hour, 45
        minutes used, 0.25 h left under the 0.5 h threshold."""
        customer = self.env["res.partner"].create(
            {
                "name": f"HSB {lang} pack",
                "is_company": True,
                "email": f"{lang}@pack.example.com",
                "lang": lang,
            }
        )
        pack = self.env["helpdesk.contract.profile"].create(
            {
                "name": "Pack",
                "billing_type": "subscription",
                "partner_id": customer.id,
                "prepaid_hours": 1,
                "amount": 80,
                "step_duration": 15,
                "user_id": self.billing_manager.id,
            }
        )
        ticket = self.env["helpdesk.ticket"].create(
            {
                "name": "HSB pack ticket",
                "description": "<p>x</p>",
                "partner_id": customer.id,
            }
        )
        start = self.DAY.replace(hour=16)
        session = self.env["helpdesk.session"].create(
            {
                "ticket_id": ticket.id,
                "user_id": self.agent.id,
                "date_start": start,
                "date_end": start + timedelta(minutes=45),
            }
        )
        session.with_user(self.billing_manager).action_rate()
        mail = self.env["mail.mail"].search(
            [("model", "=", pack._name), ("res_id", "=", pack.id)]
        )
        self.assertEqual(len(mail), 1, "the low-balance email went out")
        return f"{mail.subject}\n{mail.body_html}"

    def _check(self, lang, document, html, texts):
        if lang == "en_US":
            missing = [text for text in texts if text not in html]
            self.assertFalse(missing, f"{document} in English lacks {missing}")
        else:
            left = [text for text in texts if text in html]
            self.assertFalse(left, f"{document} in {lang} has English left: {left}")

    def test_english_documents_hold_the_checked_text(self):
        """The English words looked for are the documents' own: the checks
        in the other languages look for text that really is there."""
        self.customer.lang = "en_US"
        self._check(
            "en_US", "The statement", self._statement_html(), self.STATEMENT_TEXT
        )
        self._check(
            "en_US", "The invoice", self._invoice_html(self.invoice), self.ANNEX_TEXT
        )
        self._check(
            "en_US", "The email", self._low_balance_mail("en_US"), self.MAIL_TEXT
        )

    def test_documents_follow_the_customers_language(self):
        """Whatever the .po files hold: a term translated in French (here by
        hand) is what a French customer's documents show, printed or sent by
        a billing manager working in English."""

        def translate(xmlid, source, french):
            # Whatever the French term holds now, it becomes the English one
            # with ``source`` replaced.
            view = self.env.ref(xmlid)
            terms = [
                term["source"]
                for term in view.get_field_translations("arch_db", ["fr_FR"])[0]
                if source in term["source"]
            ]
            self.assertTrue(terms, f"{source} is a term of {xmlid}")
            view.update_field_translations(
                "arch_db",
                {"fr_FR": {term: term.replace(source, french) for term in terms}},
            )

        translate(
            "helpdesk_session_billing.report_support_statement_header",
            "Period:",
            "Période (fr) :",
        )
        translate(
            "helpdesk_session_billing.invoice_session_annex",
            "Subtotal",
            "Sous-total (fr)",
        )
        self.env.ref("helpdesk_session_billing.mail_template_low_balance").with_context(
            lang="fr_FR"
        ).subject = "{{ object.company_id.name }} : heures (fr)"
        self.customer.lang = "fr_FR"
        self.assertIn("Période (fr) :", self._statement_html())
        self.assertIn("Sous-total (fr)", self._invoice_html(self.invoice))
        self.assertIn(": heures (fr)", self._low_balance_mail("fr_FR"))

    def test_documents_in_the_customers_language(self):
        for lang in self.LANGS:
            self.customer.lang = lang
            for document, render, texts in (
                ("The statement", self._statement_html, self.STATEMENT_TEXT),
                (
                    "The invoice",
                    lambda: self._invoice_html(self._invoice_in_customer_lang()),
                    self.ANNEX_TEXT,
                ),
                (
                    "The email",
                    lambda lang=lang: self._low_balance_mail(lang),
                    self.MAIL_TEXT,
                ),
            ):
                with self.subTest(lang=lang, document=document):
                    self._check(lang, document, render(), texts)

    def _invoice_in_customer_lang(self):
        """A posted invoice made now, by the English billing manager, of new
        sessions like the class's: its lines' descriptions are written at
        invoicing, in the customer's language of that moment (an invoice
        line is a text of its own, as in any Odoo invoice)."""
        day = 12 + len(self.env["account.move"].search([]).ids) % 15
        start = self.DAY.replace(day=day)
        sessions = self.env["helpdesk.session"]
        for ticket, hour, minutes in ((self.ticket, 9, 26), (self.howto, 14, 40)):
            begin = start.replace(hour=hour)
            sessions |= self.env["helpdesk.session"].create(
                {
                    "ticket_id": ticket.id,
                    "user_id": self.agent.id,
                    "date_start": begin,
                    "date_end": begin + timedelta(minutes=minutes),
                }
            )
        sessions.with_user(self.billing_manager).action_rate()
        invoice = self.env["account.move"].browse(
            sessions.with_user(self.billing_manager).action_create_invoices()["res_id"]
        )
        invoice.action_post()
        return invoice
