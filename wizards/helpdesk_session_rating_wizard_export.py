"""Exports of the rating screen: its lines as CSV or XLSX, and the support
statement (PDF) of each customer over the period it shows.

Kept apart from the rating screen itself (helpdesk_session_rating_wizard.py):
these only read what the screen shows. The statement's figures are the
customers' (models/res_partner_support_statement.py); times are read in the
company's time zone, the one its periods are counted in.

Exports are inert: ticket titles, customer names and devices come from
customers (the portal), so a text a spreadsheet would read as a formula
(``=``, ``+``, ``-``, ``@``, a tab or a carriage return first) gets a single
quote in front (OWASP), in CSV and in XLSX, where every text is a string cell
too. Numbers and dates stay numbers and dates.
"""

import csv
import io
from datetime import datetime

import xlsxwriter

from odoo import fields, models

STATEMENT_REPORT = "helpdesk_session_billing.action_report_support_statement"

# First characters that make a spreadsheet read a cell as a formula (OWASP CSV
# injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def inert_text(text):
    """``text`` as a spreadsheet shows it without running it: a formula-like
    text behind a single quote (the spreadsheet's own mark for "text"), which
    also keeps it text when the cell is edited."""
    return f"'{text}" if text.startswith(FORMULA_TRIGGERS) else text


class HelpdeskSessionRatingWizard(models.TransientModel):
    _inherit = "helpdesk.session.rating.wizard"

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_export_csv(self):
        """Download the lines as CSV (UTF-8 with BOM, so spreadsheets read the
        accents)."""
        self.ensure_one()
        headers, rows = self._get_export_table()
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([self._csv_value(header) for header in headers])
        for row in rows:
            writer.writerow([self._csv_value(value) for value in row])
        content = buffer.getvalue().encode("utf-8-sig")
        return self._download(content, "csv", "text/csv")

    def action_export_xlsx(self):
        """Download the lines as an XLSX workbook: a "Sessions" sheet with the
        lines, a "Totals" sheet with the screen's totals and one line per
        customer."""
        self.ensure_one()
        headers, rows = self._get_export_table()
        buffer = io.BytesIO()
        workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
        bold = workbook.add_format({"bold": True})

        def write_text(sheet, row, column, text, cell_format=None):
            # write_string: a string cell, never a formula (write() would
            # turn "=..." into one).
            sheet.write_string(row, column, inert_text(text), cell_format)

        stamp = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        money = workbook.add_format({"num_format": "#,##0.00"})
        hours = workbook.add_format({"num_format": "0.00"})

        sheet = workbook.add_worksheet(self.env._("Sessions"))
        for column, header in enumerate(headers):
            write_text(sheet, 0, column, header, bold)
        for index, row in enumerate(rows, start=1):
            for column, value in enumerate(row):
                if isinstance(value, datetime):
                    sheet.write_datetime(index, column, value, stamp)
                elif isinstance(value, float):
                    sheet.write_number(index, column, value, money)
                elif isinstance(value, int):
                    sheet.write_number(index, column, value)
                elif value is None:
                    sheet.write_blank(index, column, None)
                else:
                    write_text(sheet, index, column, str(value))
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, len(rows), len(headers) - 1)
        sheet.set_column(0, len(headers) - 1, 16)

        totals = workbook.add_worksheet(self.env._("Totals"))
        totals.set_column(0, 0, 28)
        totals.set_column(1, 5, 16)
        summary = [
            (self.env._("Rated hours"), self.rated_hours, hours),
            (self.env._("Rated cost"), self.rated_cost, money),
            (self.env._("To rate hours"), self.to_rate_hours, hours),
            (self.env._("To rate cost"), self.to_rate_cost, money),
        ]
        for index, (label, value, number_format) in enumerate(summary):
            write_text(totals, index, 0, label, bold)
            totals.write_number(index, 1, value, number_format)
        start = len(summary) + 1
        for column, label in enumerate(
            [
                self.env._("Customer"),
                self.env._("Sessions"),
                self.env._("Total hours"),
                self.env._("Billed hours"),
                self.env._("Rated cost"),
                self.env._("To rate cost"),
            ]
        ):
            write_text(totals, start, column, label, bold)
        for index, line in enumerate(self._get_customer_totals(), start=start + 1):
            write_text(totals, index, 0, line["customer"])
            totals.write_number(index, 1, line["count"])
            totals.write_number(index, 2, line["total_hours"], hours)
            totals.write_number(index, 3, line["billed_hours"], hours)
            totals.write_number(index, 4, line["rated_cost"], money)
            totals.write_number(index, 5, line["to_rate_cost"], money)
        workbook.close()
        return self._download(
            buffer.getvalue(),
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )

    def action_print_statement(self):
        """The support statement of each customer shown, over the period."""
        self.ensure_one()
        return self.env.ref(STATEMENT_REPORT).report_action(self)

    # ------------------------------------------------------------------
    # Business: exports
    # ------------------------------------------------------------------
    def _get_export_table(self):
        """(headers, rows) of the lines, one row per session: the one place the
        export columns are defined. Values are Python values (local naive
        datetimes, ints, floats, strings); each export formats them."""
        self.ensure_one()
        states = self._selection_labels("state")
        columns = [
            (self.env._("Ticket number"), lambda s: s.ticket_id.number or ""),
            (self.env._("Ticket"), lambda s: s.ticket_id.name or ""),
            (self.env._("Customer"), lambda s: s.partner_id.display_name or ""),
            (self.env._("Consultant"), lambda s: s.user_id.name or ""),
            (self.env._("Device"), lambda s: s.device or ""),
            (self.env._("Start"), lambda s: self._local_datetime(s.date_start)),
            (self.env._("End"), lambda s: self._local_datetime(s.date_end)),
            (self.env._("Connection (min)"), lambda s: s.duration),
            (self.env._("Extra (min)"), lambda s: s.extra_duration),
            (self.env._("Total (min)"), lambda s: s.total_duration),
            *self._get_support_hours_columns(),
            (self.env._("Billed (min)"), lambda s: s.preview_billed),
            (self.env._("Kind"), lambda s: reasons[s]["kind"]),
            (self.env._("Reason"), lambda s: reasons[s]["reason"]),
            (self.env._("Cost"), lambda s: s.preview_cost),
            (self.env._("State"), lambda s: states.get(s.state, "")),
        ]
        sessions = self.session_ids.sorted(lambda s: (s.date_start, s.id))
        # Kind and reason from their one source, in the reader's language.
        quotes = sessions.filtered(
            lambda s: s.state == "draft"
        ).ticket_id._get_accepted_quotes()
        reasons = {session: session._get_billing_reason(quotes) for session in sessions}
        headers = [header for header, _value in columns]
        rows = [[value(session) for _header, value in columns] for session in sessions]
        return headers, rows

    def _get_support_hours_columns(self):
        """The split of each session's minutes by the support hours."""
        return [
            (self.env._("In hours (min)"), lambda s: s.support_in_minutes),
            (self.env._("Out of hours (min)"), lambda s: s.support_out_minutes),
            (self.env._("Holiday (min)"), lambda s: s.support_holiday_minutes),
        ]

    def _get_customer_totals(self):
        """One dict per customer of the lines: sessions, hours, costs."""
        self.ensure_one()
        totals = {}
        for session in self.session_ids:
            line = totals.setdefault(
                session.partner_id,
                {
                    "customer": session.partner_id.display_name or "",
                    "count": 0,
                    "total_hours": 0.0,
                    "billed_hours": 0.0,
                    "rated_cost": 0.0,
                    "to_rate_cost": 0.0,
                },
            )
            line["count"] += 1
            line["total_hours"] += session.total_duration / 60.0
            line["billed_hours"] += session.preview_billed / 60.0
            if session.state == "draft":
                line["to_rate_cost"] += session.preview_cost
            else:
                line["rated_cost"] += session.cost
        return sorted(totals.values(), key=lambda line: line["customer"])

    def _selection_labels(self, fname):
        field = self.env["helpdesk.session"]._fields[fname]
        return dict(field._description_selection(self.env))

    def _local_datetime(self, value):
        """A UTC datetime in the company's time zone, naive (spreadsheets have
        no time zones): a session shows on the day it is counted in."""
        return (self.company_id or self.env.company)._helpdesk_local_datetime(value)

    @staticmethod
    def _csv_value(value):
        if value is None:
            return ""
        if isinstance(value, datetime):
            return value.strftime("%Y-%m-%d %H:%M")
        if isinstance(value, float):
            return f"{value:.2f}"
        if isinstance(value, str):
            return inert_text(value)
        return value

    def _export_filename(self, extension):
        self.ensure_one()
        parts = [self.env._("sessions")]
        if self.partner_id:
            parts.append(self.partner_id.display_name)
        if self.date_from:
            parts.append(fields.Date.to_string(self.date_from))
        if self.date_to:
            parts.append(fields.Date.to_string(self.date_to))
        name = "_".join(parts).replace("/", "-").replace(" ", "_")
        return f"{name}.{extension}"

    def _download(self, content, extension, mimetype):
        """Store ``content`` as an attachment of the wizard and return the
        action downloading it."""
        attachment = self.env["ir.attachment"].create(
            {
                "name": self._export_filename(extension),
                "raw": content,
                "mimetype": mimetype,
                "res_model": self._name,
                "res_id": self.id,
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "download",
        }

    # ------------------------------------------------------------------
    # Business: support statement
    # ------------------------------------------------------------------
    def _get_statement_customers(self):
        """The customers a statement is printed for: the customer filter,
        else the customers of the lines."""
        self.ensure_one()
        return self.partner_id.commercial_partner_id or self.session_ids.partner_id

    def _get_statement_values(self):
        """The support statement of each customer shown (the customer filter,
        else the customers of the lines) over the period: the figures are the
        customers' (res.partner._get_support_statements), the report template
        only displays them."""
        self.ensure_one()
        return self._get_statement_customers()._get_support_statements(
            self.date_from, self.date_to, self.company_id or self.env.company
        )
