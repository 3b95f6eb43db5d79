import base64
import csv
import io
import zipfile
from datetime import date, datetime, timedelta

import openpyxl

from odoo.tests import tagged

from .common import RatingCase, open_rating_screen

STATEMENT = "helpdesk_session_billing.action_report_support_statement"


@tagged("post_install", "-at_install")
class TestRatingExports(RatingCase):
    """CSV and XLSX exports of the rating screen, and the support statement,
    on a pay-per-use customer and a subscription customer rated over March
    2025 (times in Brussels: UTC+1 in March)."""

    @classmethod
    def _pack_profile(cls):
        """Ten prepaid hours, recharged with 2 in February and 5 in March."""
        pack = cls._subscription(
            partner=cls.pack_customer, prepaid_hours=10, date_start="2025-01-01"
        )
        Recharge = cls.env["helpdesk.contract.recharge"]
        Recharge.create({"profile_id": pack.id, "hours": 2, "date": "2025-02-01"})
        Recharge.create({"profile_id": pack.id, "hours": 5, "date": "2025-03-05"})
        return pack

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.tz = "Europe/Brussels"
        # The user elsewhere: exports and statements count the company's days.
        cls.billing_manager.tz = "America/New_York"
        # Pay-per-use: 26 min -> 35 billed, 49.00; 10 + 6 extra -> 25, 37.00.
        cls.ppu_1 = cls._session(cls._at(9), 26, device="Front desk PC")
        cls.ppu_2 = cls._session(cls._at(11), 10, extra_duration=6, user=cls.agent_2)
        # Subscription (steps of 15): 60 min in February, then 50 -> 60 and
        # 20 -> 30 in March.
        cls.pack_before = cls._session(
            datetime(2025, 2, 20, 9), 60, ticket=cls.pack_ticket
        )
        cls.pack_1 = cls._session(cls._at(10), 50, ticket=cls.pack_ticket)
        cls.pack_2 = cls._session(cls._at(14), 20, ticket=cls.pack_ticket)
        # All rated today: the balance history dates each consumption on its
        # session's day, the pack on January 1st and each recharge on its
        # date, whenever they were recorded.
        (cls.pack_before | cls.ppu_1 | cls.ppu_2 | cls.pack_1 | cls.pack_2).with_user(
            cls.billing_manager
        ).action_rate()
        # Left to rate: 10 min -> 15 billed, 25.00 in the preview.
        cls.draft = cls._session(cls._at(16), 10, ticket=cls.ticket_2)

    def _wizard(self, **vals):
        # March 2025 unless ``vals`` say otherwise.
        period = {"date_from": date(2025, 3, 1), "date_to": date(2025, 3, 31)}
        return open_rating_screen(self.billing_manager, **{**period, **vals})

    def _attachment(self, action):
        self.assertEqual(action["type"], "ir.actions.act_url")
        url = action["url"]
        self.assertTrue(url.startswith("/web/content/"), url)
        self.assertTrue(url.endswith("?download=true"), url)
        attachment_id = int(url.split("/")[-1].split("?")[0])
        attachment = self.env["ir.attachment"].browse(attachment_id)
        return base64.b64decode(attachment.datas)

    # ------------------------------------------------------------------
    # CSV
    # ------------------------------------------------------------------
    def test_csv_export(self):
        wizard = self._wizard()
        self.assertEqual(len(wizard.session_ids), 5, "February is outside")
        content = self._attachment(wizard.action_export_csv())
        self.assertTrue(content.startswith(b"\xef\xbb\xbf"), "BOM for spreadsheets")
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        header, lines = rows[0], rows[1:]
        self.assertEqual(
            header,
            [
                "Ticket number",
                "Ticket",
                "Customer",
                "Consultant",
                "Device",
                "Start",
                "End",
                "Connection (min)",
                "Extra (min)",
                "Total (min)",
                "In hours (min)",
                "Out of hours (min)",
                "Holiday (min)",
                "Billed (min)",
                "Kind",
                "Reason",
                "Cost",
                "State",
            ],
        )
        self.assertEqual(len(lines), 5)
        first = dict(zip(header, lines[0], strict=True))
        self.assertEqual(first["Ticket number"], self.ticket.number)
        self.assertEqual(first["Ticket"], "HSB printer down")
        self.assertEqual(first["Customer"], "HSB Customer")
        self.assertEqual(first["Consultant"], "Agent One")
        self.assertEqual(first["Device"], "Front desk PC")
        self.assertEqual(first["Start"], "2025-03-10 10:00", "Brussels time")
        self.assertEqual(first["End"], "2025-03-10 10:26")
        self.assertEqual(first["Connection (min)"], "26")
        self.assertEqual(first["Total (min)"], "26")
        self.assertEqual(first["Billed (min)"], "35")
        self.assertEqual(first["Kind"], "Billable")
        self.assertEqual(first["Cost"], "49.00")
        self.assertEqual(first["State"], "Rated")
        by_start = {line[5]: dict(zip(header, line, strict=True)) for line in lines}
        extra = by_start["2025-03-10 12:00"]
        self.assertEqual(
            (extra["Consultant"], extra["Extra (min)"], extra["Total (min)"]),
            ("Agent Two", "6", "16"),
        )
        self.assertEqual((extra["Billed (min)"], extra["Cost"]), ("25", "37.00"))
        pack = by_start["2025-03-10 11:00"]
        self.assertEqual(pack["Customer"], "HSB Pack Co")
        self.assertEqual((pack["Billed (min)"], pack["Cost"]), ("60", "0.00"))
        draft = by_start["2025-03-10 17:00"]
        self.assertEqual(draft["State"], "To rate")
        self.assertEqual((draft["Billed (min)"], draft["Cost"]), ("15", "25.00"))

    def test_export_follows_the_filters(self):
        wizard = self._wizard(partner_id=self.pack_customer.id, state_filter="rated")
        content = self._attachment(wizard.action_export_csv())
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        self.assertEqual(len(rows), 3)
        self.assertEqual({row[2] for row in rows[1:]}, {"HSB Pack Co"})

    # ------------------------------------------------------------------
    # XLSX
    # ------------------------------------------------------------------
    def test_xlsx_export(self):
        wizard = self._wizard()
        content = self._attachment(wizard.action_export_xlsx())
        book = openpyxl.load_workbook(io.BytesIO(content))
        self.assertEqual(book.sheetnames, ["Sessions", "Totals"])
        sheet = book["Sessions"]
        rows = list(sheet.iter_rows(values_only=True))
        self.assertEqual(len(rows), 6)
        self.assertEqual(rows[0][0], "Ticket number")
        self.assertEqual(len(rows[0]), 18)
        first = rows[1]
        self.assertEqual(first[1:4], ("HSB printer down", "HSB Customer", "Agent One"))
        self.assertEqual(first[5], datetime(2025, 3, 10, 10, 0), "a real date")
        # Connection, extra, total; in, out of hours and holiday (no support
        # hours in Settings: all in hours); billed.
        self.assertEqual(first[7:14], (26, 0, 26, 26, 0, 0, 35))
        self.assertEqual(first[16], 49.0)
        self.assertEqual(first[17], "Rated")

        totals = {
            row[0]: row[1:]
            for row in book["Totals"].iter_rows(values_only=True)
            if row[0]
        }
        # Rated: 26 + 16 + 50 + 20 minutes; to rate: the 10-minute draft.
        self.assertAlmostEqual(totals["Rated hours"][0], 112 / 60, places=2)
        self.assertAlmostEqual(totals["Rated cost"][0], 86.0)
        self.assertAlmostEqual(totals["To rate hours"][0], 10 / 60, places=2)
        self.assertAlmostEqual(totals["To rate cost"][0], 25.0)
        self.assertIn("Customer", totals)
        customer = totals["HSB Customer"]
        self.assertEqual(customer[0], 3)
        self.assertAlmostEqual(customer[1], 52 / 60, places=2)
        self.assertAlmostEqual(customer[2], 75 / 60, places=2)
        self.assertEqual((customer[3], customer[4]), (86.0, 25.0))
        pack = totals["HSB Pack Co"]
        self.assertEqual(pack[0], 2)
        self.assertAlmostEqual(pack[2], 1.5)
        self.assertEqual((pack[3], pack[4]), (0.0, 0.0))

    # ------------------------------------------------------------------
    # Inert exports: customers' texts never become formulas
    # ------------------------------------------------------------------
    FORMULAS = (
        '=HYPERLINK("http://x","y")',
        "-2+3",
        "@SUM(A1)",
        "+1+1",
        "\tcmd",
        "\rcmd",
    )

    def _formula_sessions(self):
        """One session per formula-like ticket title (as customers type them
        in the portal), of a customer whose name is one too, the next day; the
        last one with negative extra minutes."""
        customer = self.env["res.partner"].create(
            {"name": "=1+1 Evil Co", "is_company": True}
        )
        sessions = self.env["helpdesk.session"]
        start = self._at(8) + timedelta(days=1)
        for index, name in enumerate(self.FORMULAS):
            ticket = self._ticket(name=name, partner_id=customer.id)
            sessions |= self._session(start + timedelta(hours=index), 30, ticket=ticket)
        sessions[-1].extra_duration = -5
        return customer, sessions

    def test_csv_export_is_inert(self):
        customer, _sessions = self._formula_sessions()
        wizard = self._wizard(partner_id=customer.id)
        content = self._attachment(wizard.action_export_csv())
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
        header, lines = rows[0], rows[1:]
        lines = [dict(zip(header, line, strict=True)) for line in lines]
        self.assertEqual(
            [line["Ticket"] for line in lines],
            [f"'{name}" for name in self.FORMULAS],
            "quoted: a spreadsheet shows them as text",
        )
        self.assertEqual({line["Customer"] for line in lines}, {"'=1+1 Evil Co"})
        # Numbers stay numbers, negative ones too.
        self.assertEqual(lines[-1]["Extra (min)"], "-5")
        self.assertEqual(lines[-1]["Total (min)"], "25")
        self.assertEqual(lines[0]["Start"], "2025-03-11 09:00")
        # Harmless text is left alone.
        safe = self._attachment(self._wizard().action_export_csv()).decode("utf-8-sig")
        self.assertIn(",HSB printer down,", safe)
        self.assertNotIn("'HSB", safe)

    def test_xlsx_export_is_inert(self):
        customer, _sessions = self._formula_sessions()
        wizard = self._wizard(partner_id=customer.id)
        content = self._attachment(wizard.action_export_xlsx())
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            for name in archive.namelist():
                if name.startswith("xl/worksheets/"):
                    self.assertNotIn(b"<f>", archive.read(name), name)
                    self.assertNotIn(b"<f ", archive.read(name), name)
        book = openpyxl.load_workbook(io.BytesIO(content))
        sheet = book["Sessions"]
        tickets = [row[1] for row in sheet.iter_rows(min_row=2)]
        self.assertEqual(
            # XLSX escapes a carriage return, and this openpyxl reads it back
            # as it is stored.
            [cell.value.replace("_x000D_", "\r") for cell in tickets],
            [f"'{name}" for name in self.FORMULAS],
        )
        for cell in tickets:
            self.assertEqual(cell.data_type, "s", cell.value)
        last = list(sheet.iter_rows(min_row=2))[-1]
        self.assertEqual(last[2].value, "'=1+1 Evil Co")
        self.assertEqual(last[2].data_type, "s")
        # Numbers stay numbers (extra, total), dates stay dates.
        self.assertEqual((last[8].value, last[9].value), (-5, 25))
        self.assertEqual(last[8].data_type, "n")
        self.assertEqual(last[5].value, datetime(2025, 3, 11, 14, 0))
        [evil] = [
            row for row in book["Totals"].iter_rows() if row[0].value == "'=1+1 Evil Co"
        ]
        self.assertEqual(evil[0].data_type, "s")
        self.assertEqual(evil[1].value, len(self.FORMULAS))
        # Harmless text is left alone.
        plain = self._attachment(self._wizard().action_export_xlsx())
        first = openpyxl.load_workbook(io.BytesIO(plain))["Sessions"]["B2"]
        self.assertEqual(first.value, "HSB printer down")

    # ------------------------------------------------------------------
    # Support statement
    # ------------------------------------------------------------------
    def test_statement_figures(self):
        statements = self._wizard()._get_statement_values()
        self.assertEqual(
            [s["customer"] for s in statements], [self.customer, self.pack_customer]
        )
        ppu, pack = statements
        self.assertEqual(len(ppu["lines"]), 2, "the draft is not on the statement")
        self.assertEqual(ppu["unrated_count"], 1)
        self.assertEqual(ppu["total_billed"], 60)
        self.assertEqual(ppu["total_cost"], 86.0)
        self.assertEqual(ppu["subscriptions"], [])
        self.assertEqual(len(pack["lines"]), 2, "February is outside")
        [balance] = pack["subscriptions"]
        self.assertEqual(balance["subscription"], self.pack)
        # 10 prepaid + 2 recharged in February - 1 consumed in February.
        self.assertAlmostEqual(balance["start_hours"], 11)
        self.assertAlmostEqual(balance["consumed_hours"], 1.5)
        self.assertEqual(
            [(b["kind"], b["hours"], b["date"]) for b in balance["blocks"]],
            [("recharge", 5.0, date(2025, 3, 5))],
        )
        self.assertAlmostEqual(balance["bought_hours"], 5)
        self.assertAlmostEqual(balance["end_hours"], 14.5)
        # The end of March is today's balance: nothing happened since.
        self.assertAlmostEqual(balance["end_hours"], self.pack.remaining_hours)

    def test_statement_is_batched(self):
        wizard = self._wizard()
        wizard._get_statement_values()  # warm the caches
        self.env.invalidate_all()
        # The sessions, their tickets, consultants and scope rules, the
        # period's recharges: a fixed number of queries.
        with self.assertQueryCount(26):
            wizard._get_statement_values()

    def test_statement_of_one_customer_without_sessions(self):
        statements = self._wizard(
            partner_id=self.pack_customer.id,
            date_from=date(2025, 4, 1),
            date_to=date(2025, 4, 30),
        )._get_statement_values()
        [statement] = statements
        self.assertEqual(statement["lines"], [])
        [balance] = statement["subscriptions"]
        self.assertAlmostEqual(balance["start_hours"], 14.5)
        self.assertAlmostEqual(balance["end_hours"], 14.5)

    def test_statement_report(self):
        wizard = self._wizard()
        action = wizard.action_print_statement()
        self.assertEqual(
            action["report_name"], "helpdesk_session_billing.report_support_statement"
        )
        html, _kind = (
            self.env["ir.actions.report"]
            .with_user(self.billing_manager)
            ._render_qweb_html(STATEMENT, wizard.ids)
        )
        html = html.decode()
        for text in (
            "Support statement",
            "HSB Customer",
            "HSB Pack Co",
            "HSB printer down",
            "HSB pack ticket",
            "Agent Two",
            "2025-03-10 10:00",
            # Why, in plain words: no rule matched, the company bills it.
            "<strong>Billable</strong>: <span>Not covered by your contract</span>",
            "<span>0:26</span>",  # worked
            "<span>0:35</span>",  # billed
            "Prepaid hours: <span>Pack</span>",
            "<span>11:00</span>",  # balance at the start
            "<span>1:30</span>",  # consumed
            "<span>5:00</span>",  # recharged
            "<span>14:30</span>",  # balance at the end
            "not rated yet",
            "Opening balance",
            "Closing balance",
            "How to read this list",
        ):
            self.assertTrue(text in html, f"{text!r} missing from the statement")
        self.assertNotIn("HSB mail setup", html, "the draft is not listed")
        self.assertEqual(html.count('class="page"'), 2, "one page per customer")
