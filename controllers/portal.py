"""The customer portal of support billing: My support (hours left, the
month's sessions), statements, the ticket page's sessions, and quotes.

Every route works on the commercial partner of the logged-in user and reads
through it: a record of another customer is answered 404, whatever id or
token is tried. Quotes are checked by ``_document_check_access`` (record rules
or the quote's own access token). The figures come from the models (the same
methods as the back office); this file only routes and renders.
"""

import binascii
import calendar
from datetime import date
from urllib.parse import quote as url_quote

from werkzeug.exceptions import BadRequest, NotFound

from odoo import fields, http
from odoo.addons.helpdesk_mgmt.controllers.myaccount import CustomerPortalHelpdesk
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request

STATEMENT_REPORT = "helpdesk_session_billing.action_report_support_statement"


class SupportBillingPortal(CustomerPortalHelpdesk):
    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def _support_customer(self):
        """The customer the portal user speaks for: their commercial partner."""
        return request.env.user.partner_id.commercial_partner_id

    def _format_hours(self, hours):
        """Hours as h:mm, as the statement prints them."""
        return request.env[
            "report.helpdesk_session_billing.report_support_statement"
        ]._format_hours(hours)

    def _support_customer_has_support(self, customer):
        Profile = request.env["helpdesk.contract.profile"].sudo()
        Session = request.env["helpdesk.session"].sudo()
        return bool(
            Profile.search_count([("partner_id", "=", customer.id)], limit=1)
            or Session.search_count([("partner_id", "=", customer.id)], limit=1)
        )

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "support_count" in counters:
            # Read-only route (/my/counters): the balance is only read.
            customer = self._support_customer().sudo()
            if not self._support_customer_has_support(customer):
                values["support_count"] = 0
            else:
                support = customer._get_support_portal_values()
                values["support_count"] = (
                    request.env._(
                        "%(hours)s h left",
                        hours=self._format_hours(support["remaining_hours"]),
                    )
                    if support["subscriptions"]
                    else " "
                )
        return values

    @staticmethod
    def _parse_period(month=None, date_from=None, date_to=None):
        """(first day, last day) from ``month`` (YYYY-MM) or two dates;
        400 on anything else, dates outside the accepted window included."""
        try:
            if month:
                year, number = (int(part) for part in month.split("-"))
                last = calendar.monthrange(year, number)[1]
                start, end = date(year, number, 1), date(year, number, last)
            else:
                start = fields.Date.to_date(date_from) if date_from else None
                end = fields.Date.to_date(date_to) if date_to else None
        except (ValueError, TypeError) as error:
            raise BadRequest(request.env._("Choose a valid month or dates.")) from error
        try:
            # The dates support billing accepts (year 1 or 9999 are none).
            request.env.company._helpdesk_check_dates(
                [(request.env._("From"), start), (request.env._("To"), end)]
            )
        except UserError as error:
            raise BadRequest(str(error)) from error
        if start and end and end < start:
            raise BadRequest(request.env._("The period ends before it starts."))
        return start, end

    # ------------------------------------------------------------------
    # My support
    # ------------------------------------------------------------------
    @http.route(["/my/support"], type="http", auth="user", website=True)
    def portal_my_support(self, **kw):
        customer = self._support_customer()
        # Superuser reads, limited to the user's own commercial partner.
        support = customer.sudo()._get_support_portal_values()
        # The statement picker opens on the month being billed, as the back
        # office's rating screen does (the month before in its first days).
        billing_month = request.env.company.sudo()._helpdesk_billing_month()[0]
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "support",
                "support": support,
                "format_hours": self._format_hours,
                "requested": kw.get("requested"),
                "default_month": billing_month.strftime("%Y-%m"),
                "quotes": request.env["helpdesk.ticket.quote"]
                .sudo()
                .search(
                    [
                        ("partner_id", "=", customer.id),
                        ("state", "not in", ["draft", "cancel"]),
                    ]
                ),
            }
        )
        return request.render("helpdesk_session_billing.portal_my_support", values)

    @http.route(
        ["/my/support/request_hours"],
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_support_request_hours(self, subscription_id=None, **kw):
        customer = self._support_customer()
        try:
            subscription_id = int(subscription_id)
        except (TypeError, ValueError) as error:
            raise NotFound() from error
        subscription = (
            request.env["helpdesk.contract.profile"]
            .sudo()
            .search(
                [
                    ("id", "=", subscription_id),
                    ("partner_id", "=", customer.id),
                    ("billing_type", "=", "subscription"),
                ]
            )
        )
        if not subscription:
            raise NotFound()
        subscription._action_request_more_hours(request.env.user.partner_id)
        return request.redirect("/my/support?requested=1")

    # ------------------------------------------------------------------
    # Statements
    # ------------------------------------------------------------------
    @http.route(["/my/support/statement"], type="http", auth="user", website=True)
    def portal_support_statement(
        self,
        month=None,
        date_from=None,
        date_to=None,
        company_id=None,
        report_type="pdf",
        **kw,
    ):
        """The back office's support statement of the user's customer over a
        month or a period, in the customer's language."""
        if report_type not in ("pdf", "html"):
            raise BadRequest()
        start, end = self._parse_period(month, date_from, date_to)
        customer = self._support_customer()
        companies = customer.sudo()._get_support_companies()
        company = companies[:1]
        if company_id:
            company = companies.filtered(lambda c: str(c.id) == str(company_id))
            if not company:
                raise NotFound()
        lang = customer.lang or request.env.user.lang
        # The report reads through the rating screen's record: one made as
        # superuser for this customer only.
        wizard = (
            request.env["helpdesk.session.rating.wizard"]
            .sudo()
            .with_company(company)
            .with_context(lang=lang)
            .create(
                {
                    "partner_id": customer.id,
                    "company_id": company.id,
                    "date_from": start,
                    "date_to": end,
                    "state_filter": "rated",
                }
            )
        )
        Report = request.env["ir.actions.report"].sudo().with_context(lang=lang)
        if report_type == "html":
            html = Report._render_qweb_html(STATEMENT_REPORT, wizard.ids)[0]
            return request.make_response(
                html, headers=[("Content-Type", "text/html; charset=utf-8")]
            )
        try:
            pdf, kind = Report._render_qweb_pdf(STATEMENT_REPORT, wizard.ids)
        except UserError as error:
            # No PDF engine on the server: say so, offer the HTML version.
            values = self._prepare_portal_layout_values()
            values.update(
                {
                    "page_name": "support",
                    "error": str(error),
                    "html_url": "/my/support/statement?"
                    + "&".join(
                        f"{key}={value}"
                        for key, value in (
                            ("date_from", start),
                            ("date_to", end),
                            ("company_id", company.id),
                            ("report_type", "html"),
                        )
                        if value
                    ),
                }
            )
            return request.render(
                "helpdesk_session_billing.portal_support_statement_error", values
            )
        if kind != "pdf":
            # Odoo renders reports as HTML while tests run.
            return request.make_response(
                pdf, headers=[("Content-Type", "text/html; charset=utf-8")]
            )
        name = "Support statement %s.pdf" % (month or f"{start or ''}_{end or ''}")
        return request.make_response(
            pdf,
            headers=[
                ("Content-Type", "application/pdf"),
                ("Content-Length", len(pdf)),
                ("Content-Disposition", http.content_disposition(name)),
            ],
        )

    # ------------------------------------------------------------------
    # Ticket page
    # ------------------------------------------------------------------
    def _ticket_get_page_view_values(self, ticket, access_token, **kwargs):
        values = super()._ticket_get_page_view_values(ticket, access_token, **kwargs)
        # helpdesk_mgmt also opens a ticket to its followers and to a token:
        # the figures are only for a user of the ticket's own customer.
        customer = self._support_customer()
        if (
            request.env.user._is_public()
            or ticket.partner_id.commercial_partner_id != customer
        ):
            return values
        values["support_sessions"] = ticket._get_portal_session_values()
        values["support_quotes"] = ticket.quote_ids.filtered(
            lambda quote: quote.state not in ("draft", "cancel")
        )
        return values

    # ------------------------------------------------------------------
    # Quotes
    # ------------------------------------------------------------------
    def _quote_check_access(self, quote_id, access_token=None):
        """The quote as superuser once the user may read it (record rules) or
        holds its token; a draft or cancelled quote is nobody's on the
        portal. 404 otherwise."""
        try:
            quote = self._document_check_access(
                "helpdesk.ticket.quote", quote_id, access_token=access_token
            )
        except (AccessError, MissingError) as error:
            raise NotFound() from error
        if quote.state in ("draft", "cancel"):
            raise NotFound()
        return quote

    @http.route(
        ["/my/support/quotes/<int:quote_id>"],
        type="http",
        auth="public",
        website=True,
    )
    def portal_support_quote(self, quote_id, access_token=None, message=None, **kw):
        quote = self._quote_check_access(quote_id, access_token)
        values = self._prepare_portal_layout_values()
        values = self._get_page_view_values(
            quote,
            access_token,
            {**values, "page_name": "support_quote", "quote": quote},
            "my_support_quotes_history",
            False,
        )
        values["message"] = message
        return request.render("helpdesk_session_billing.portal_support_quote", values)

    @http.route(
        ["/my/support/quotes/<int:quote_id>/accept"],
        type="jsonrpc",
        auth="public",
        website=True,
    )
    def portal_support_quote_accept(
        self, quote_id, access_token=None, name=None, signature=None
    ):
        access_token = access_token or request.httprequest.args.get("access_token")
        try:
            quote = self._quote_check_access(quote_id, access_token)
        except NotFound:
            return {"error": request.env._("Invalid quote.")}
        try:
            quote._action_accept(name, signature)
        except UserError as error:
            return {"error": str(error)}
        except (TypeError, binascii.Error):
            return {"error": request.env._("Invalid signature data.")}
        return {
            "force_refresh": True,
            "redirect_url": quote.get_portal_url(query_string="&message=accepted"),
        }

    @http.route(
        ["/my/support/quotes/<int:quote_id>/decline"],
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def portal_support_quote_decline(
        self, quote_id, access_token=None, decline_reason=None, **kw
    ):
        quote = self._quote_check_access(quote_id, access_token)
        try:
            quote._action_decline(decline_reason)
        except UserError as error:
            return request.redirect(
                quote.get_portal_url(query_string=f"&message={url_quote(str(error))}")
            )
        return request.redirect(quote.get_portal_url(query_string="&message=declined"))
