"""Response and resolution targets per ticket priority, in working hours of
the support calendar: the company's defaults (no profile) and a contract
profile's own, which replace them for that priority."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

PRIORITIES = [
    ("0", "Low"),
    ("1", "Medium"),
    ("2", "High"),
    ("3", "Very High"),
]


class HelpdeskResponseTarget(models.Model):
    _name = "helpdesk.response.target"
    _description = "Support response and resolution target"
    _inherit = ["helpdesk.ledger.mixin"]
    _order = "company_id, profile_id, priority desc"
    _check_company_auto = True

    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
        index=True,
    )
    profile_id = fields.Many2one(
        comodel_name="helpdesk.contract.profile",
        string="Contract profile",
        check_company=True,
        index=True,
        ondelete="cascade",
        help="Empty: the company's default for tickets whose profile sets none.",
    )
    priority = fields.Selection(selection=PRIORITIES, required=True, default="1")
    response_hours = fields.Float(
        string="First response (working h)",
        help="Working hours of the support calendar from the ticket's creation "
        "to its first response (a session or a public reply). 0: no target.",
    )
    resolution_hours = fields.Float(
        string="Resolution (working h)",
        help="Working hours from the ticket's creation to its closing. 0: no target.",
    )

    _priority_uniq = models.Constraint(
        "UNIQUE NULLS NOT DISTINCT (company_id, profile_id, priority)",
        "One target per priority for a company's default and for each profile.",
    )

    @api.constrains("response_hours", "resolution_hours")
    def _check_hours(self):
        for target in self:
            if target.response_hours < 0 or target.resolution_hours < 0:
                raise ValidationError(
                    self.env._("A response or resolution target cannot be negative.")
                )

    @api.model_create_multi
    def create(self, vals_list):
        targets = super().create(vals_list)
        targets._recompute_ticket_deadlines()
        return targets

    def write(self, vals):
        result = super().write(vals)
        self._recompute_ticket_deadlines()
        return result

    def unlink(self):
        companies = self.company_id
        result = super().unlink()
        self.env["helpdesk.ticket"]._recompute_open_deadlines(
            [("company_id", "in", companies.ids)]
        )
        return result

    def _recompute_ticket_deadlines(self):
        self.env["helpdesk.ticket"]._recompute_open_deadlines(
            [("company_id", "in", self.company_id.ids)]
        )
