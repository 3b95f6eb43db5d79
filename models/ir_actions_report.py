"""Support statements with the wkhtmltopdf a user has: Debian's build
(wkhtmltopdf against an unpatched QT) converts one document per call, so a
statement for several customers is printed one customer at a time and the
PDFs merged, as Odoo does when it cannot split a printed batch."""

from odoo import api, models
from odoo.addons.base.models.ir_actions_report import _wkhtml

STATEMENT_REPORT = "helpdesk_session_billing.report_support_statement"


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    @api.model
    def _is_wkhtmltopdf_patched(self):
        """Whether wkhtmltopdf converts several documents in one call (and
        prints headers and footers): only its "with patched qt" build."""
        return _wkhtml().is_patched_qt

    def _render_qweb_pdf_prepare_streams(self, report_ref, data, res_ids=None):
        report = self._get_report(report_ref)
        if report.report_name != STATEMENT_REPORT or self._is_wkhtmltopdf_patched():
            return super()._render_qweb_pdf_prepare_streams(
                report_ref, data, res_ids=res_ids
            )
        documents = self._get_support_statement_documents(data, res_ids)
        if all(len(parts) <= 1 for parts in documents.values()):
            return super()._render_qweb_pdf_prepare_streams(
                report_ref, data, res_ids=res_ids
            )
        streams = {}
        for res_id, parts in documents.items():
            part_streams = [
                super(IrActionsReport, self)._render_qweb_pdf_prepare_streams(
                    report_ref, {**(data or {}), **part}
                )[False]["stream"]
                for part in parts
            ]
            stream = (
                self._merge_pdfs(part_streams)
                if len(part_streams) > 1
                else part_streams[0]
            )
            streams[res_id] = {"stream": stream, "attachment": None}
        return streams

    def _get_support_statement_documents(self, data, res_ids):
        """The statements to print one by one, as report ``data`` of one
        customer each, by record printed (False when printed from ``data``):
        the customers of each rating screen, in the statement's order."""
        if data and data.get("statement_partner_ids"):
            customers = self.env["res.partner"].browse(data["statement_partner_ids"])
            return {
                False: [
                    {"statement_partner_ids": [customer.id]}
                    for customer in customers.sorted("display_name")
                ]
            }
        documents = {}
        for wizard in self.env["helpdesk.session.rating.wizard"].browse(res_ids or []):
            company = wizard.company_id or self.env.company
            documents[wizard.id] = [
                {
                    "statement_partner_ids": [customer.id],
                    "statement_date_from": wizard.date_from,
                    "statement_date_to": wizard.date_to,
                    "statement_company_id": company.id,
                }
                for customer in wizard._get_statement_customers().sorted("display_name")
            ]
        return documents
