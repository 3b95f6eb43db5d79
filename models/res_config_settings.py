from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    helpdesk_billing_product_id = fields.Many2one(
        related="company_id.helpdesk_billing_product_id", readonly=False
    )
    helpdesk_default_profile_id = fields.Many2one(
        related="company_id.helpdesk_default_profile_id",
        readonly=False,
        domain="[('company_id', '=', company_id), ('active', '=', True)]",
    )
    helpdesk_billing_close_days = fields.Integer(
        related="company_id.helpdesk_billing_close_days", readonly=False
    )
    helpdesk_session_max_minutes = fields.Integer(
        related="company_id.helpdesk_session_max_minutes", readonly=False
    )
    helpdesk_session_backdate_days = fields.Integer(
        related="company_id.helpdesk_session_backdate_days", readonly=False
    )
    helpdesk_scope_default_outcome = fields.Selection(
        related="company_id.helpdesk_scope_default_outcome", readonly=False
    )
    helpdesk_low_balance_threshold = fields.Float(
        related="company_id.helpdesk_low_balance_threshold", readonly=False
    )
    helpdesk_low_balance_unit = fields.Selection(
        related="company_id.helpdesk_low_balance_unit", readonly=False
    )
    helpdesk_low_balance_email = fields.Boolean(
        related="company_id.helpdesk_low_balance_email", readonly=False
    )
    helpdesk_invoice_show_included = fields.Boolean(
        related="company_id.helpdesk_invoice_show_included", readonly=False
    )
    helpdesk_invoice_session_annex = fields.Boolean(
        related="company_id.helpdesk_invoice_session_annex", readonly=False
    )
    helpdesk_credit_note_mode = fields.Selection(
        related="company_id.helpdesk_credit_note_mode", readonly=False
    )
    helpdesk_invoice_pack_on_start = fields.Boolean(
        related="company_id.helpdesk_invoice_pack_on_start", readonly=False
    )
    helpdesk_deferred_account_id = fields.Many2one(
        related="company_id.helpdesk_deferred_account_id",
        readonly=False,
        domain="[('account_type', 'in', ('liability_current', "
        "'liability_non_current')), ('company_ids', 'in', company_id)]",
    )
    helpdesk_deferred_journal_id = fields.Many2one(
        related="company_id.helpdesk_deferred_journal_id",
        readonly=False,
        domain="[('type', '=', 'general'), ('company_id', '=', company_id)]",
    )
    helpdesk_support_calendar_id = fields.Many2one(
        related="company_id.helpdesk_support_calendar_id",
        readonly=False,
        domain="[('company_id', 'in', [company_id, False]), "
        "('flexible_hours', '=', False)]",
    )
    helpdesk_batch_threshold = fields.Integer(
        related="company_id.helpdesk_batch_threshold", readonly=False
    )
