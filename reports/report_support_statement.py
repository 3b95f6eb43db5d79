from odoo import api, models


class ReportSupportStatement(models.AbstractModel):
    """Support statement: the figures come from the rating screen's
    ``_get_statement_values()``, the template only displays them."""

    _name = "report.helpdesk_session_billing.report_support_statement"
    _description = "Support statement"

    @api.model
    def _get_report_values(self, docids, data=None):
        wizards = self.env["helpdesk.session.rating.wizard"].browse(docids)
        statements = [
            statement
            for wizard in wizards
            for statement in wizard._get_statement_values()
        ]
        return {
            "doc_ids": wizards.ids,
            "doc_model": wizards._name,
            "docs": wizards,
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
