"""The dates support billing accepts, and how far back a session may go.

One window for every entry point (sessions, contracts, recharges, wizards,
statements, the portal): a date outside it is refused with a clear message
before any period arithmetic sees it (year 1 or 9999 would overflow it).
"""

from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..core import period

# A century: a larger limit is no limit, say 0.
MAX_BACKDATE_DAYS = 36525


class ResCompany(models.Model):
    _inherit = "res.company"

    helpdesk_session_backdate_days = fields.Integer(
        string="Back-dating limit (days)",
        default=62,
        help="A consultant may start a session (or move its start) at most this "
        "many days before today; billing managers may go further back. "
        "0: no limit. The accounting lock date applies to everyone.",
    )

    @api.constrains("helpdesk_session_backdate_days")
    def _check_helpdesk_session_backdate_days(self):
        for company in self:
            days = company.helpdesk_session_backdate_days
            if not 0 <= days <= MAX_BACKDATE_DAYS:
                raise ValidationError(
                    self.env._(
                        "The back-dating limit of sessions is a number of days "
                        "from 0 (no limit) to %(max)s, not %(days)s.",
                        max=MAX_BACKDATE_DAYS,
                        days=days,
                    )
                )

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------
    @api.model
    def _helpdesk_date_window(self):
        """(first day, last day) of the dates support billing accepts today
        (core.period.date_window)."""
        return period.date_window(fields.Date.today())

    @api.model
    def _helpdesk_check_dates(self, dates):
        """Refuse the first of ``dates`` ((label, date or datetime) pairs,
        empty values skipped) outside the window, naming it."""
        first, last = self._helpdesk_date_window()
        for label, value in dates:
            if not value:
                continue
            day = fields.Date.to_date(value)
            if not first <= day <= last:
                raise ValidationError(
                    self.env._(
                        "%(label)s: %(day)s is not a date support billing "
                        "accepts (from %(first)s to %(last)s).",
                        label=label,
                        day=day,
                        first=first,
                        last=last,
                    )
                )

    @api.model
    def _helpdesk_check_record_dates(self, records, fnames):
        """Refuse a date of the fields ``fnames`` of ``records`` outside the
        window (the constraints of the models taking dates)."""
        labels = {
            fname: records._fields[fname].get_description(self.env)["string"]
            for fname in fnames
        }
        self._helpdesk_check_dates(
            [(labels[fname], record[fname]) for record in records for fname in fnames]
        )

    def _helpdesk_backdate_limit(self):
        """The earliest day a consultant may start a session on in this
        company today, or None without limit."""
        self.ensure_one()
        days = self.helpdesk_session_backdate_days
        return self._helpdesk_today() - timedelta(days=days) if days else None
