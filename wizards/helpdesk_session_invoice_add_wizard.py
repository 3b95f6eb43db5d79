"""The *Add support sessions* screen of a draft customer invoice: picks the
customer's rated sessions of a period; ``account.move._add_support_sessions``
checks the invoice and the user's rights and adds them."""

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command, Domain

from ..models.helpdesk_session_invoicing import INVOICE_LINE_GROUPINGS


class HelpdeskSessionInvoiceAddWizard(models.TransientModel):
    """The "Add support sessions" button of a draft customer invoice."""

    _name = "helpdesk.session.invoice.add.wizard"
    _description = "Add support sessions to an invoice"

    move_id = fields.Many2one(
        comodel_name="account.move",
        required=True,
        domain=[("move_type", "=", "out_invoice"), ("state", "=", "draft")],
    )
    partner_id = fields.Many2one(related="move_id.partner_id")
    date_from = fields.Date(string="From")
    date_to = fields.Date(string="To")
    grouping = fields.Selection(
        selection=INVOICE_LINE_GROUPINGS, default="ticket", required=True
    )
    session_ids = fields.Many2many(
        comodel_name="helpdesk.session",
        relation="helpdesk_session_invoice_add_wizard_rel",
        column1="wizard_id",
        column2="session_id",
        string="Sessions",
        compute="_compute_session_ids",
        store=True,
        readonly=False,
        help="All the customer's sessions to invoice in the period are selected; "
        "remove those to leave for later.",
    )

    @api.constrains("date_from", "date_to")
    def _check_date_window(self):
        # Also refused by the period domain as the user types the dates.
        self.env.company._helpdesk_check_record_dates(self, ["date_from", "date_to"])

    @api.depends("move_id", "date_from", "date_to")
    def _compute_session_ids(self):
        Session = self.env["helpdesk.session"]
        for wizard in self:
            domain = Session._get_invoiceable_domain() & Domain(
                [
                    ("partner_id", "=", wizard.partner_id.commercial_partner_id.id),
                    ("company_id", "=", wizard.move_id.company_id.id),
                ]
            )
            company = wizard.move_id.company_id or self.env.company
            domain &= company._helpdesk_period_domain(wizard.date_from, wizard.date_to)
            wizard.session_ids = [
                Command.set(Session.search(domain, order="date_start, id").ids)
            ]

    def action_add(self):
        self.ensure_one()
        if not self.session_ids:
            raise UserError(self.env._("Select the sessions to add."))
        self.move_id._add_support_sessions(self.session_ids, grouping=self.grouping)
        return {"type": "ir.actions.act_window_close"}
