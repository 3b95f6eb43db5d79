"""The sessions annex of support invoices: after the invoice's lines, the
sessions it bills (date, consultant, ticket, time worked and billed, included
or billable and why, cost), grouped as the lines are (per ticket or per
session). Printed when the customer's choice, else the company's Settings,
ask for it; the portal shows the same report, so the same annex.

The template (``reports/report_invoice_session_annex.xml``) only displays
what ``_get_support_session_annex`` returns, in the language the invoice is
printed in (the customer's).
"""

from collections import defaultdict

from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

    def _has_support_session_annex(self):
        """Whether this invoice prints its sessions: the customer says so, or
        leaves it to the Settings of the invoice's company."""
        self.ensure_one()
        # sudo: an accountant or the portal prints invoices without reading
        # support billing fields; only the choice is read, never shown.
        choice = (
            self.sudo().partner_id.commercial_partner_id.helpdesk_invoice_session_annex
        )
        if choice in ("yes", "no"):
            return choice == "yes"
        return self.company_id.helpdesk_invoice_session_annex

    def _get_support_session_annex(self):
        """The annex of one customer invoice, or an empty dict when it has
        none: ``groups`` (one per invoice line with sessions, in the lines'
        order: ``title``, ``rows`` from ``_get_document_rows``, ``worked``,
        ``billed``, ``cost``), ``per_session`` (each line bills one
        session), the totals and the ``legend``. Every session of the
        invoice is read at once, whatever the number of lines."""
        self.ensure_one()
        if self.move_type != "out_invoice" or not self._has_support_session_annex():
            return {}
        # sudo: whoever may print the invoice reads the sessions it bills.
        lines = self.sudo().invoice_line_ids
        sessions = lines.helpdesk_session_ids
        if not sessions:
            return {}
        by_line = defaultdict(list)
        for row in sessions.sorted(lambda s: (s.date_start, s.id))._get_document_rows():
            by_line[row["session"].invoice_line_id].append(row)
        groups = []
        for line in lines:
            line_rows = by_line.get(line)
            if not line_rows:
                continue
            groups.append(
                {
                    "title": line_rows[0]["ticket"],
                    "rows": line_rows,
                    "worked": sum(row["worked"] for row in line_rows),
                    "billed": sum(row["billed"] for row in line_rows),
                    "cost": sum(row["cost"] for row in line_rows),
                }
            )
        all_rows = [row for group in groups for row in group["rows"]]
        return {
            "groups": groups,
            "per_session": all(len(group["rows"]) == 1 for group in groups),
            "count": len(all_rows),
            "worked": sum(row["worked"] for row in all_rows),
            "billed": sum(row["billed"] for row in all_rows),
            "cost": sum(row["cost"] for row in all_rows),
            "currency": sessions[:1].currency_id,
            "legend": sessions._get_document_legend(),
            "format_minutes": sessions._format_document_minutes,
        }
