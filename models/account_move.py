from odoo import api, fields, models
from odoo.exceptions import UserError

from .account_analytic_distribution_model import AnalyticDistributionCache


class AccountMove(models.Model):
    _inherit = "account.move"

    helpdesk_session_count = fields.Integer(
        string="Support sessions", compute="_compute_helpdesk_session_count"
    )
    helpdesk_profile_id = fields.Many2one(
        comodel_name="helpdesk.contract.profile",
        string="Support subscription",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The subscription whose pack or recharge this invoice bills, or "
        "whose deferred revenue this entry recognizes.",
    )

    @api.depends("invoice_line_ids.helpdesk_session_ids")
    def _compute_helpdesk_session_count(self):
        groups = (
            self.env["helpdesk.session"]
            .sudo()
            ._read_group([("invoice_id", "in", self.ids)], ["invoice_id"], ["__count"])
        )
        counts = {invoice.id: count for invoice, count in groups}
        for move in self:
            move.helpdesk_session_count = counts.get(move.id, 0)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_add_support_sessions(self):
        """From a draft customer invoice: pick the customer's sessions to bill."""
        self.ensure_one()
        if self.move_type != "out_invoice" or self.state != "draft":
            raise UserError(
                self.env._("Support sessions are added to draft customer invoices.")
            )
        if not self.partner_id:
            raise UserError(self.env._("Choose the customer first."))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Add support sessions"),
            "res_model": "helpdesk.session.invoice.add.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_move_id": self.id},
        }

    def _get_action_view_invoices(self):
        """The customer invoices of ``self``: a form for one, a list for more."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        if len(self) == 1:
            action.update(
                {
                    "views": [(self.env.ref("account.view_move_form").id, "form")],
                    "res_id": self.id,
                }
            )
        else:
            action["domain"] = [("id", "in", self.ids)]
        action["context"] = {"default_move_type": "out_invoice", "create": False}
        return action

    def action_view_helpdesk_sessions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "helpdesk_session_billing.helpdesk_session_action"
        )
        action["domain"] = [
            "|",
            "|",
            ("invoice_id", "=", self.id),
            ("credit_note_id", "=", self.id),
            ("credited_invoice_id", "=", self.id),
        ]
        action["context"] = {}
        return action

    def _add_support_sessions(self, sessions, grouping="ticket"):
        """Put ``sessions`` on this draft invoice, as new lines."""
        self.ensure_one()
        sessions = sessions._lock_for_invoicing()
        foreign = sessions.filtered(
            lambda s: (
                s.partner_id != self.partner_id.commercial_partner_id
                or s.company_id != self.company_id
            )
        )
        if foreign:
            raise UserError(
                self.env._(
                    "Session %(session)s belongs to another customer or company "
                    "than this invoice.",
                    session=foreign[0].display_name,
                )
            )
        line_groups = sessions._get_invoice_line_groups(grouping)
        before = self.invoice_line_ids
        self.sudo().with_context(
            helpdesk_distribution_cache=AnalyticDistributionCache()
        ).write(
            {
                "invoice_line_ids": [
                    fields.Command.create(group._prepare_invoice_line_vals())
                    for group in line_groups
                ]
            }
        )
        sessions._link_invoice_lines(
            (self.invoice_line_ids - before).sorted("id"), line_groups
        )

    # ------------------------------------------------------------------
    # Business: cancel and credit notes
    # ------------------------------------------------------------------
    def button_cancel(self):
        # A pack or recharge invoice changes its subscription's deferred
        # revenue: locked as rating locks it.
        self.sudo().helpdesk_profile_id.filtered(
            lambda profile: profile.billing_type == "subscription"
        )._lock_for_consumption()
        result = super().button_cancel()
        self.sudo().invoice_line_ids.helpdesk_session_ids._release_from_invoice()
        # A cancelled pack or recharge invoice no longer defers revenue.
        self.sudo().helpdesk_profile_id._recognize_deferred_revenue()
        return result

    def _reverse_moves(self, default_values_list=None, cancel=False):
        """Credit notes of a pack or recharge invoice belong to its
        subscription too: its invoices and deferred revenue include them."""
        reverses = super()._reverse_moves(default_values_list, cancel=cancel)
        for profile, moves in (
            reverses.sudo()
            .filtered(lambda m: m.reversed_entry_id.helpdesk_profile_id)
            .grouped(lambda m: m.reversed_entry_id.helpdesk_profile_id)
            .items()
        ):
            moves.helpdesk_profile_id = profile
        return reverses

    def _post(self, soft=True):
        # A credit note of a pack or recharge invoice changes its
        # subscription's deferred revenue: locked as rating locks it.
        self.filtered(
            lambda m: m.move_type == "out_refund"
        ).reversed_entry_id.sudo().helpdesk_profile_id._lock_for_consumption()
        posted = super()._post(soft=soft)
        for credit_note in posted.filtered(
            lambda m: m.move_type == "out_refund" and m.reversed_entry_id
        ):
            invoice = credit_note.reversed_entry_id
            sessions = invoice.sudo().invoice_line_ids.helpdesk_session_ids
            if sessions and credit_note._is_full_credit_of(invoice):
                sessions._apply_credit_note(credit_note)
        # A credit note on a pack or recharge invoice takes back deferred
        # revenue: what was recognized of it goes back too.
        posted.filtered(
            lambda m: m.move_type == "out_refund"
        ).reversed_entry_id.sudo().helpdesk_profile_id._recognize_deferred_revenue()
        return posted

    def _is_full_credit_of(self, invoice):
        self.ensure_one()
        return not invoice.currency_id.compare_amounts(
            self.amount_total, invoice.amount_total
        )
