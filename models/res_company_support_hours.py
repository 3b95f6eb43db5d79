"""The company's support hours: the working-time calendar (with its public
holidays) that splits session minutes into in-hours, out-of-hours and holiday
minutes, unless a contract profile names its own."""

from odoo import api, fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    helpdesk_support_calendar_id = fields.Many2one(
        comodel_name="resource.calendar",
        string="Support hours",
        domain="[('company_id', 'in', [id, False]), ('flexible_hours', '=', False)]",
        help="Working hours of the support and, as its time off without resource, "
        "the public holidays: session minutes outside them are out of hours or on "
        "a holiday (and may be surcharged). A contract profile may name its own. "
        "Empty: every minute counts as in hours.",
    )

    @api.constrains("helpdesk_support_calendar_id")
    def _check_helpdesk_support_calendar(self):
        self.helpdesk_support_calendar_id._check_support_hours_usable()
