from odoo import fields, models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    helpdesk_session_ids = fields.One2many(
        comodel_name="helpdesk.session",
        inverse_name="invoice_line_id",
        string="Support sessions",
        readonly=True,
        copy=False,
    )

    def unlink(self):
        # A removed line (or a deleted draft invoice) sends its sessions back
        # to "rated": they are billed again later, never lost.
        if not self:  # Odoo unlinks empty sets for every line it writes
            return super().unlink()
        sessions = self.sudo().helpdesk_session_ids
        result = super().unlink()
        sessions._release_from_invoice()
        return result
