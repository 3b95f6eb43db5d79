from odoo import api, fields, models

from ..models.helpdesk_session_invoicing import INVOICE_LINE_GROUPINGS


class HelpdeskSessionInvoiceWizard(models.TransientModel):
    """Batch invoicing of rated sessions (session list, rating wizard)."""

    _name = "helpdesk.session.invoice.wizard"
    _description = "Invoice support sessions"

    session_ids = fields.Many2many(
        comodel_name="helpdesk.session",
        relation="helpdesk_session_invoice_wizard_rel",
        column1="wizard_id",
        column2="session_id",
        string="Sessions",
    )
    session_count = fields.Integer(compute="_compute_session_count")
    invoiceable_count = fields.Integer(
        string="Sessions to invoice", compute="_compute_session_count"
    )
    grouping = fields.Selection(
        selection=INVOICE_LINE_GROUPINGS, default="ticket", required=True
    )
    post = fields.Boolean(string="Post the invoices at once")

    @api.depends("session_ids")
    def _compute_session_count(self):
        """What the dialog says it acts on: the sessions it was given, and
        among them those it invoices (rated, not invoiced, costing something
        unless Settings show the others)."""
        for wizard in self:
            sessions = wizard.session_ids
            wizard.session_count = len(sessions)
            wizard.invoiceable_count = len(
                sessions.filtered_domain(sessions._get_invoiceable_domain())
            )

    def action_create_invoices(self):
        self.ensure_one()
        # Only what is left to invoice counts against Settings' threshold
        # and goes into a batch.
        invoiceable = self.session_ids.filtered_domain(
            self.session_ids._get_invoiceable_domain()
        )
        if self.env.company._helpdesk_runs_in_background(invoiceable):
            # More sessions than Settings' threshold: a background batch.
            self.session_ids._check_rating_rights()
            batch = self.env["helpdesk.billing.batch"]._create_for_sessions(
                "invoice", invoiceable, grouping=self.grouping, post=self.post
            )
            return batch._notify_queued()
        action = self.session_ids.action_create_invoices(
            post=self.post, grouping=self.grouping
        )
        invoices = self.session_ids.invoice_id
        return self.env["helpdesk.session.rating.wizard"]._notify_done(
            self.session_ids._describe_invoicing(invoices), "success", action
        )
