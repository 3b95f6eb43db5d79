from odoo import api, models


class ReportSupportStatement(models.AbstractModel):
    """Support statement: the figures come from the rating screen's
    ``_get_statement_values()`` (the report's records are rating screens),
    or, for code printing it for customers (a portal page, say), from
    ``res.partner._get_support_statements()`` with ``data`` holding
    ``statement_partner_ids``, ``statement_date_from``, ``statement_date_to``
    and ``statement_company_id`` (``data`` also feeds the template's values:
    plain names such as ``company_id`` would shadow the layout's). The
    template only displays them."""

    _name = "report.helpdesk_session_billing.report_support_statement"
    _description = "Support statement"

    @api.model
    def _get_report_values(self, docids, data=None):
        if data and data.get("statement_partner_ids"):
            docs = self.env["res.partner"].browse(data["statement_partner_ids"])
            company = self.env["res.company"].browse(data.get("statement_company_id"))
            statements = docs._get_support_statements(
                data.get("statement_date_from"),
                data.get("statement_date_to"),
                company or self.env.company,
            )
        else:
            docs = self.env["helpdesk.session.rating.wizard"].browse(docids)
            statements = [
                statement
                for wizard in docs
                for statement in wizard._get_statement_values()
            ]
        return {
            "doc_ids": docs.ids,
            "doc_model": docs._name,
            "docs": docs,
            "statements": statements,
            "format_hours": self._format_hours,
            "fmt": self.env["helpdesk.session"]._format_document_minutes,
        }

    @api.model
    def _format_hours(self, hours):
        """Hours as h:mm, with the sign (a balance can be negative)."""
        minutes = round(abs(hours) * 60)
        sign = "-" if hours < 0 and minutes else ""
        return f"{sign}{minutes // 60}:{minutes % 60:02d}"
