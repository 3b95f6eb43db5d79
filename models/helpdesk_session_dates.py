"""The days a session may be dated on.

Every session is dated within the window of dates support billing accepts
(res_company_dates.py), checked before anything computes on its times. A
consultant may start a session, or move its start, at most the company's
back-dating limit of days before today; billing managers may go further back.
The check is on what the user does, not on what is stored: a session already
older than the limit stays editable otherwise (its note, its end), and code
running as superuser (data files, the module's own jobs) is not held to it.
The accounting lock date applies to everyone (helpdesk_session.py).
"""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

MANAGER_GROUP = "helpdesk_session_billing.group_support_billing_manager"


class HelpdeskSession(models.Model):
    _inherit = "helpdesk.session"

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_date_window(vals)
        sessions = super().create(vals_list)
        sessions._check_backdate()
        return sessions

    def write(self, vals):
        self._check_date_window(vals)
        moved = self.browse()
        if vals.get("date_start"):
            start = fields.Datetime.to_datetime(vals["date_start"])
            moved = self.filtered(lambda session: session.date_start != start)
        result = super().write(vals)
        moved._check_backdate()
        return result

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------
    @api.model
    def _check_date_window(self, vals):
        """Refuse times outside the accepted window before they are written:
        durations, scopes and time zones are computed on them at once."""
        self.env.company._helpdesk_check_dates(
            [
                (self._fields[fname].get_description(self.env)["string"], vals[fname])
                for fname in ("date_start", "date_end")
                if vals.get(fname)
            ]
        )

    def _check_backdate(self):
        """Refuse a start more than the company's back-dating limit ago to a
        consultant; a billing manager may back-date further."""
        if self.env.su or self.env.user.has_group(MANAGER_GROUP):
            return
        for session in self:
            earliest = session.company_id._helpdesk_backdate_limit()
            if not earliest:
                continue
            day = session.company_id._helpdesk_local_datetime(session.date_start)
            if day.date() < earliest:
                raise ValidationError(
                    self.env._(
                        "Session on %(ticket)s starts on %(day)s, more than "
                        "%(days)s days ago: only a support billing manager may "
                        "date a session before %(earliest)s.",
                        ticket=session.ticket_id.display_name,
                        day=day.date(),
                        days=session.company_id.helpdesk_session_backdate_days,
                        earliest=earliest,
                    )
                )
