from odoo import fields, models


class HelpdeskSessionUnrateWizard(models.TransientModel):
    _name = "helpdesk.session.unrate.wizard"
    _description = "Put rated sessions back to draft"

    session_ids = fields.Many2many(
        comodel_name="helpdesk.session",
        relation="helpdesk_session_unrate_wizard_rel",
        column1="wizard_id",
        column2="session_id",
        string="Sessions",
        required=True,
    )
    reason = fields.Text(required=True)

    def action_unrate(self):
        self.ensure_one()
        self.session_ids.action_unrate(reason=self.reason)
        return {"type": "ir.actions.act_window_close"}
