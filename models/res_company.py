from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    helpdesk_billing_product_id = fields.Many2one(
        comodel_name="product.product",
        string="Default support product",
        domain=[("type", "=", "service")],
        help="Service product put on new contract profiles: it carries the taxes "
        "and the income account of support invoices.",
    )
    helpdesk_default_profile_id = fields.Many2one(
        comodel_name="helpdesk.contract.profile",
        string="Default contract profile",
        help="Profile applied to customers who have no profile of their own.",
    )
    helpdesk_session_max_minutes = fields.Integer(
        string="Maximum session length (min)",
        default=240,
        help="Sessions longer than this are flagged for review: a timer left "
        "running overnight is not billed silently. 0 disables the check.",
    )
