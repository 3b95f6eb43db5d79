"""One month of each kind of contract, every customer document: each session
has the same kind, reason and amount on the invoice (its line and its
sessions annex), the support statement, the portal ticket page and the
rating screen's CSV export, and each document's amounts add up; in English,
French and Spanish (the customer's language on customer documents, the
billing manager's on the screen's export)."""

import csv
import io
from datetime import date, datetime, timedelta

from lxml import html as lxml_html

from odoo.fields import Command
from odoo.tests import HttpCase, new_test_user, tagged

from .common import SupportAccountingCase
from .test_ticket_quote import SIGNATURE

MARCH = (date(2025, 3, 1), date(2025, 3, 31))
INVOICE_REPORT = "account.account_invoices"
STATEMENT_REPORT = "helpdesk_session_billing.action_report_support_statement"


def _text(element):
    return " ".join(element.text_content().split())


@tagged("post_install", "-at_install")
class TestDocumentReasons(SupportAccountingCase, HttpCase):
    LANGS = ("en_US", "fr_FR", "es_ES")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for code in cls.LANGS[1:]:
            cls.env["res.lang"]._activate_lang(code)
        cls.env["ir.module.module"]._load_module_terms(
            ["helpdesk_session_billing", "helpdesk_mgmt"],
            list(cls.LANGS[1:]),
            overwrite=True,
        )
        cls.company.partner_id.tz = "UTC"
        cls.company.write(
            {
                "helpdesk_invoice_session_annex": True,
                "helpdesk_invoice_show_included": True,
            }
        )
        cls.overage = cls._overage_profile()

    # ------------------------------------------------------------------
    # The month: one customer per kind of contract
    # ------------------------------------------------------------------
    def _customer(self, key, lang):
        customer = self.env["res.partner"].create(
            {"name": f"HSB {key} {lang}", "is_company": True, "lang": lang}
        )
        contact = self.env["res.partner"].create(
            {
                "name": f"Contact {key} {lang}",
                "parent_id": customer.id,
                "email": f"{key}.{lang}@example.com",
                "lang": lang,
            }
        )
        portal_user = new_test_user(
            self.env,
            f"hsb_doc_{key}_{lang}".lower(),
            groups="base.group_portal",
            partner_id=contact.id,
        )
        ticket = self.env["helpdesk.ticket"].create(
            {
                "name": f"HSB {key} ticket",
                "description": "<p>Please help.</p>",
                "partner_id": contact.id,
            }
        )
        return customer, portal_user, ticket

    def _pay_per_use(self, customer):
        """15 min for 25.00, then 10-minute steps at 12.00."""
        return self.env["helpdesk.contract.profile"].create(
            {
                "name": f"Stepped {customer.name}",
                "billing_type": "pay_per_use",
                "partner_ids": [Command.link(customer.id)],
                "initial_step_duration": 15,
                "initial_step_cost": 25,
                "step_duration": 10,
                "step_cost": 12,
                "product_id": self.support_product.id,
            }
        )

    def _rule(self, profile, **vals):
        return self.env["helpdesk.scope.rule"].create(
            {"profile_ids": [Command.link(profile.id)], **vals}
        )

    def _sessions(self, ticket, specs):
        """Sessions of ``ticket`` in March: (day, minutes, note)."""
        Session = self.env["helpdesk.session"]
        sessions = Session
        for day, minutes, note in specs:
            start = datetime(2025, 3, day, 9, 0)
            sessions |= Session.create(
                {
                    "ticket_id": ticket.id,
                    "user_id": self.agent.id,
                    "date_start": start,
                    "date_end": start + timedelta(minutes=minutes),
                    "note": note,
                }
            )
        return sessions

    def _accepted_quote(self, ticket, **vals):
        quote = (
            self.env["helpdesk.ticket.quote"]
            .with_user(self.agent)
            .create(
                {
                    "ticket_id": ticket.id,
                    "description": "<p>Replace the print server.</p>",
                    "estimated_hours": 3.0,
                    "pricing": "fixed",
                    "amount": 250.0,
                    **vals,
                }
            )
        )
        quote.action_send()
        quote.sudo()._action_accept("Claire Martin", SIGNATURE)
        return quote

    def _month(self, lang):
        """{kind: (customer, portal user, ticket, sessions, quote)}, every
        session rated by the billing manager."""
        month = {}

        customer, user, ticket = self._customer("ppu", lang)
        profile = self._pay_per_use(customer)
        self._rule(profile, name="How-to questions", keywords="howto")
        sessions = self._sessions(
            ticket, [(3, 26, False), (4, 10, False), (5, 40, "howto")]
        )
        month["pay_per_use"] = (customer, user, ticket, sessions, None)

        customer, user, ticket = self._customer("pack", lang)
        self.env["helpdesk.contract.profile"].create(
            {
                "name": f"Pack {customer.name}",
                "billing_type": "subscription",
                "partner_id": customer.id,
                "prepaid_hours": 1.0,
                "amount": 80.0,
                "step_duration": 15,
                "date_start": "2025-01-01",
                "product_id": self.support_product.id,
                "overage_profile_id": self.overage.id,
            }
        )
        sessions = self._sessions(ticket, [(6, 45, False), (7, 30, False)])
        month["subscription"] = (customer, user, ticket, sessions, None)

        customer, user, ticket = self._customer("grace", lang)
        customer.helpdesk_contract_start = date(2025, 3, 1)
        profile = self._pay_per_use(customer)
        self._rule(profile, name="Welcome", outcome="billable", grace_days=90)
        sessions = self._sessions(ticket, [(10, 30, False)])
        month["grace"] = (customer, user, ticket, sessions, None)

        customer, user, ticket = self._customer("allowance", lang)
        profile = self._pay_per_use(customer)
        self._rule(profile, name="Cosmetic", monthly_allowance_hours=1.0)
        sessions = self._sessions(ticket, [(11, 40, False), (12, 40, False)])
        month["allowance"] = (customer, user, ticket, sessions, None)

        # The case: a fixed price in the customer's grace period.
        customer, user, ticket = self._customer("fixed", lang)
        customer.helpdesk_contract_start = date(2025, 3, 1)
        profile = self._pay_per_use(customer)
        self._rule(profile, name="Welcome", outcome="billable", grace_days=90)
        quote = self._accepted_quote(ticket)
        sessions = self._sessions(ticket, [(13, 125, False), (14, 30, False)])
        month["fixed_quote"] = (customer, user, ticket, sessions, quote)

        customer, user, ticket = self._customer("tm", lang)
        self._pay_per_use(customer)
        quote = self._accepted_quote(ticket, pricing="time_materials", amount=0.0)
        sessions = self._sessions(ticket, [(17, 26, False)])
        month["tm_quote"] = (customer, user, ticket, sessions, quote)

        every = self.env["helpdesk.session"].union(
            *(entry[3] for entry in month.values())
        )
        every.with_user(self.billing_manager).action_rate()
        self.assertEqual(set(every.mapped("state")), {"rated"})
        return month

    # ------------------------------------------------------------------
    # The documents, read back as (kind, reason, amount) per session
    # ------------------------------------------------------------------
    def _amount(self, text, lang):
        """A monetary text of a document as a number, in ``lang``'s format."""
        language = self.env["res.lang"]._lang_get(lang)
        kept = "".join(c for c in text if c.isdigit() or c in ".,-")
        kept = kept.replace(language.thousands_sep or "\0", "")
        return float(kept.replace(language.decimal_point, "."))

    def _invoice(self, sessions):
        invoiceable = sessions.filtered_domain(sessions._get_invoiceable_domain())
        action = invoiceable.with_user(self.billing_manager).action_create_invoices()
        invoice = self.env["account.move"].browse(action["res_id"])
        invoice.action_post()
        self.assertEqual(invoice.state, "posted")
        return invoice, invoiceable

    def _annex_rows(self, invoice, lang):
        html, _kind = self.env["ir.actions.report"]._render_qweb_html(
            INVOICE_REPORT, invoice.ids
        )
        tree = lxml_html.fromstring(html)
        [table] = tree.xpath("//table[@name='support_sessions']")
        # Session rows (not a ticket's title or subtotal): the kind in bold,
        # the reason beside it, the cost last.
        rows = [
            (
                _text(row.xpath("./td/strong")[0]),
                _text(row.xpath("./td[strong]/span")[0]),
                self._amount(_text(row.xpath("./td[last()]")[0]), lang),
            )
            for row in table.xpath("./tbody/tr[not(@class)]")
        ]
        total = self._amount(
            _text(table.xpath("./tfoot/tr[@name='annex_totals']/td[last()]")[0]),
            lang,
        )
        return rows, total

    def _statement_rows(self, customer, lang):
        wizard = (
            self.env["helpdesk.session.rating.wizard"]
            .with_user(self.billing_manager)
            .create(
                {
                    "partner_id": customer.id,
                    "date_from": MARCH[0],
                    "date_to": MARCH[1],
                    "state_filter": "all",
                }
            )
        )
        html, _kind = (
            self.env["ir.actions.report"]
            .with_user(self.billing_manager)
            ._render_qweb_html(STATEMENT_REPORT, wizard.ids)
        )
        tree = lxml_html.fromstring(html)
        [table] = tree.xpath("//table[@name='sessions']")
        rows = [
            (
                _text(row.xpath("./td[6]/strong")[0]),
                _text(row.xpath("./td[6]/span")[0]),
                self._amount(_text(row.xpath("./td[7]")[0]), lang),
            )
            for row in table.xpath("./tbody/tr")
        ]
        total = self._amount(
            _text(table.xpath("./tfoot/tr[@name='totals']/td[last()]")[0]), lang
        )
        return rows, total

    def _portal_rows(self, user, ticket, lang):
        self.authenticate(user.login, user.login)
        response = self.url_open(f"/my/ticket/{ticket.id}")
        self.assertEqual(response.status_code, 200)
        tree = lxml_html.fromstring(response.text)
        rows = []
        for row in tree.xpath("//tr[contains(@class, 'o_hsb_session_line')]"):
            cells = row.xpath("./td")
            reason = cells[4].xpath("./small")
            cost = _text(cells[5])
            rows.append(
                (
                    _text(cells[4].xpath("./span")[0]),
                    _text(reason[0]) if reason else "",
                    self._amount(cost, lang) if cost else 0.0,
                )
            )
        [totals] = tree.xpath("//tr[contains(@class, 'o_hsb_session_totals')]")
        total = self._amount(_text(totals.xpath("./td[last()]")[0]), lang)
        return rows, total

    def _csv_rows(self, customer, lang):
        """The rating screen's export, by a billing manager reading ``lang``."""
        # The web client sends the user's language in the context.
        self.billing_manager.lang = lang
        wizard = (
            self.env["helpdesk.session.rating.wizard"]
            .with_user(self.billing_manager)
            .with_context(lang=self.billing_manager.lang)
            .create(
                {
                    "partner_id": customer.id,
                    "date_from": MARCH[0],
                    "date_to": MARCH[1],
                    "state_filter": "all",
                }
            )
        )
        action = wizard.action_export_csv()
        attachment = self.env["ir.attachment"].browse(
            int(action["url"].split("/")[-1].split("?")[0])
        )
        lines = list(csv.reader(io.StringIO(attachment.raw.decode("utf-8-sig"))))
        # The columns are the same in every language: found by their English
        # names, read in the reader's.
        english = wizard.with_context(lang="en_US")._get_export_table()[0]
        kind, reason, cost = (english.index(h) for h in ("Kind", "Reason", "Cost"))
        self.assertEqual(len(lines[0]), len(english))
        return [(line[kind], line[reason], float(line[cost])) for line in lines[1:]]

    # ------------------------------------------------------------------
    # The checks
    # ------------------------------------------------------------------
    def _check_month(self, lang):
        month = self._month(lang)
        said = {}
        for key, (customer, user, ticket, unsorted, _quote) in month.items():
            sessions = unsorted.sorted(lambda s: (s.date_start, s.id))
            expected = []
            for session in sessions:
                reason = session.with_context(lang=lang)._get_billing_reason()
                expected.append((reason["kind"], reason["reason"], session.cost))
            said[key] = expected
            invoice, invoiced = self._invoice(sessions)
            annex, annex_total = self._annex_rows(invoice, lang)
            statement, statement_total = self._statement_rows(customer, lang)
            portal, portal_total = self._portal_rows(user, ticket, lang)
            export = self._csv_rows(customer, lang)
            with self.subTest(lang=lang, contract=key):
                on_invoice = [
                    row
                    for row, session in zip(expected, sessions, strict=True)
                    if session in invoiced
                ]
                self.assertEqual(annex, on_invoice, "the invoice's annex")
                self.assertEqual(statement, expected, "the statement")
                self.assertEqual(portal, expected, "the portal ticket page")
                self.assertEqual(export, expected, "the rating screen's CSV")
                # The invoice line says it too, in the customer's language.
                for session in invoiced:
                    kind, reason, _cost = expected[list(sessions).index(session)]
                    self.assertIn(
                        f"{kind}: {reason}", session.invoice_line_id.name, session
                    )
                # Each document adds up.
                amounts = sum(row[2] for row in on_invoice)
                self.assertAlmostEqual(annex_total, amounts)
                self.assertAlmostEqual(invoice.amount_untaxed, amounts)
                self.assertAlmostEqual(
                    sum(invoice.invoice_line_ids.mapped("price_subtotal")), amounts
                )
                self.assertAlmostEqual(
                    statement_total, sum(row[2] for row in statement)
                )
                self.assertAlmostEqual(portal_total, sum(row[2] for row in portal))
                self.assertAlmostEqual(
                    sum(row[2] for row in export), sum(sessions.mapped("cost"))
                )
        return month, said

    def test_english(self):
        month, said = self._check_month("en_US")
        # By hand: what each contract makes of its sessions.
        quote = month["fixed_quote"][4]
        tm_quote = month["tm_quote"][4]
        self.assertEqual(
            said,
            {
                "pay_per_use": [
                    ("Billable", "Not covered by your contract", 49.0),
                    ("Billable", "Not covered by your contract", 25.0),
                    ("Included", "Covered by your contract: How-to questions", 0.0),
                ],
                "subscription": [
                    ("Billable", "45 min taken from your prepaid hours", 0.0),
                    (
                        "Billable, Overage",
                        "15 min taken from your prepaid hours · 15 min beyond "
                        "your prepaid hours",
                        25.0,
                    ),
                ],
                "grace": [
                    (
                        "Included",
                        "Welcome: free during the first 90 days of your contract, "
                        "until 05/29/2025",
                        0.0,
                    )
                ],
                "allowance": [
                    (
                        "Included",
                        "Cosmetic: within the monthly allowance of 1 h",
                        0.0,
                    ),
                    (
                        "Included, Billable",
                        "20 min within the monthly allowance of 1 h for Cosmetic, "
                        "20 min beyond it",
                        37.0,
                    ),
                ],
                # The fixed price sets the price: said first and alone, never
                # the grace period beside 250.00.
                "fixed_quote": [
                    (
                        "Billable",
                        f"Covered by the fixed price of quote {quote.name}",
                        250.0,
                    ),
                    (
                        "Included",
                        f"Covered by the fixed price of quote {quote.name}",
                        0.0,
                    ),
                ],
                "tm_quote": [
                    (
                        "Billable",
                        f"Not covered by your contract (quote {tm_quote.name}, "
                        "time and materials)",
                        49.0,
                    )
                ],
            },
        )

    def _check_translated(self, lang):
        month, said = self._check_month(lang)
        english = {
            key: [
                session.with_context(lang="en_US")._get_billing_reason()
                for session in entry[3].sorted(lambda s: (s.date_start, s.id))
            ]
            for key, entry in month.items()
        }
        for key, rows in said.items():
            for (kind, reason, _amount), words in zip(rows, english[key], strict=True):
                with self.subTest(lang=lang, contract=key, reason=words["reason"]):
                    self.assertNotEqual(kind, words["kind"])
                    self.assertNotEqual(reason, words["reason"])
        return said

    def test_french(self):
        said = self._check_translated("fr_FR")
        self.assertEqual(
            said["grace"][0][1],
            "Welcome : gratuit pendant les 90 premiers jours de votre contrat, "
            "jusqu'au 29/05/2025",
        )

    def test_spanish(self):
        said = self._check_translated("es_ES")
        self.assertEqual(
            said["pay_per_use"][0][:2], ("Facturable", "No cubierto por su contrato")
        )
