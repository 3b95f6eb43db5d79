from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    helpdesk_batch_threshold = fields.Integer(
        string="Background batch threshold (sessions)",
        default=2000,
        help="Rate all and Create invoices over more sessions than this run in "
        "the background, one customer at a time, and notify you when done. "
        "0 runs everything at once.",
    )

    def _helpdesk_runs_in_background(self, sessions):
        """Whether the work on ``sessions`` goes to a background batch."""
        self.ensure_one()
        return 0 < self.helpdesk_batch_threshold < len(sessions)
