"""The ticket's portal page: its rated sessions and their totals.

Only rated (or invoiced) sessions are shown, with their frozen figures: a
session still to rate has no figure a customer may rely on, and internal
fields (note, device, scope rule) are never read here.
"""

from odoo import models

PORTAL_SESSION_STATES = ("rated", "invoiced")


class HelpdeskTicket(models.Model):
    _inherit = "helpdesk.ticket"

    def _get_portal_session_values(self):
        """{lines, totals} of the ticket's rated sessions, as the portal shows
        them: date (company's time), consultant, minutes worked and billed,
        kind and reason (``_get_billing_reason``, in the environment's
        language: the caller renders the page in the customer's), cost when
        billed. The caller has checked the portal user's access to the
        ticket."""
        self.ensure_one()
        sessions = self.session_ids.filtered(
            lambda s: s.state in PORTAL_SESSION_STATES
        ).sorted(lambda s: (s.date_start, s.id))
        lines = []
        for session in sessions:
            company = session.company_id
            reason = session._get_billing_reason()
            lines.append(
                {
                    "date": company._helpdesk_local_datetime(session.date_start),
                    "consultant": session.user_id.name or "",
                    "worked": session.total_duration,
                    "billed": session.billed_duration,
                    "scope": reason["kind"],
                    "kinds": reason["kinds"],
                    "reason": reason["reason"],
                    "billable": session.scope == "billable"
                    or bool(session.scope_billable_minutes),
                    "cost": session.cost,
                    "currency": session.currency_id,
                }
            )
        return {
            "lines": lines,
            "total_worked": sum(line["worked"] for line in lines),
            "total_billed": sum(line["billed"] for line in lines),
            "total_cost": sum(line["cost"] for line in lines),
            "currency": sessions[:1].currency_id or self.company_id.currency_id,
        }
