"""Working-time calendars used as support hours: they must have hours."""

from odoo import api, models
from odoo.exceptions import ValidationError


class ResourceCalendar(models.Model):
    _inherit = "resource.calendar"

    @api.constrains("flexible_hours", "schedule_type")
    def _check_support_hours_still_fixed(self):
        used = self.filtered("flexible_hours")._used_as_support_hours()
        used._check_support_hours_usable()

    def _used_as_support_hours(self):
        """The calendars of ``self`` a company or a contract profile bills
        support hours with."""
        if not self:
            return self
        companies = (
            self.env["res.company"]
            .sudo()
            .search([("helpdesk_support_calendar_id", "in", self.ids)])
        )
        profiles = (
            self.env["helpdesk.contract.profile"]
            .sudo()
            .with_context(active_test=False)
            .search([("support_calendar_id", "in", self.ids)])
        )
        return (
            companies.helpdesk_support_calendar_id | profiles.support_calendar_id
        ).with_env(self.env)

    def _check_support_hours_usable(self):
        """Refuse flexible calendars: they have no hours to split by."""
        flexible = self.filtered("flexible_hours")
        if flexible:
            raise ValidationError(
                self.env._(
                    "%(calendar)s has flexible hours: support hours need fixed "
                    "working hours to tell in-hours from out-of-hours minutes. "
                    "Choose a calendar with fixed hours.",
                    calendar=flexible[0].display_name,
                )
            )
