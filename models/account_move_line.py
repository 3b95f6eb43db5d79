"""Invoice lines and support sessions: the sessions a line bills and, on a
customer credit note, the invoice line it reverses and the sessions it
credited.

The reversed line is set only while Odoo copies an invoice into its credit
note (``account.move._reverse_moves``, through the module's own context
object); the credited sessions only by the module when the credit note is
posted. Neither is written any other way, so a credit note credits exactly
the sessions of the lines it reverses, and gives back exactly those when it
is reset to draft or cancelled.
"""

from odoo import fields, models

from .helpdesk_ledger_mixin import LEDGER_WRITE, LEDGER_WRITE_KEY, get_support_reversal


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    helpdesk_session_ids = fields.One2many(
        comodel_name="helpdesk.session",
        inverse_name="invoice_line_id",
        string="Support sessions",
        readonly=True,
        copy=False,
    )
    helpdesk_reversed_line_id = fields.Many2one(
        comodel_name="account.move.line",
        string="Reversed support line",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        help="On a credit note: the invoice line of support sessions this line "
        "reverses.",
    )
    helpdesk_credited_session_ids = fields.Many2many(
        comodel_name="helpdesk.session",
        relation="helpdesk_session_credit_note_line_rel",
        column1="line_id",
        column2="session_id",
        string="Credited support sessions",
        readonly=True,
        copy=False,
        help="On a posted credit note: the sessions this line credited. "
        "Resetting the credit note to draft or cancelling it puts them back on "
        "their invoice.",
    )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    def unlink(self):
        # A removed line (or a deleted draft invoice) sends its sessions back
        # to "rated": they are billed again later, never lost.
        if not self:  # Odoo unlinks empty sets for every line it writes
            return super().unlink()
        sessions = self.sudo().helpdesk_session_ids
        result = super().unlink()
        sessions._release_from_invoice()
        return result

    def _copy_data_extend_business_fields(self, values):
        # As sale and purchase carry their order lines to a credit note: while
        # the module reverses an invoice, each of its lines of sessions is
        # named on the credit note line reversing it.
        # A line credited before (its sessions gone back to be invoiced) is
        # named too: a second credit of it is refused at posting.
        result = super()._copy_data_extend_business_fields(values)
        reversal = get_support_reversal(self.env)
        if reversal and (
            self.sudo().helpdesk_session_ids or self.id in reversal.credited_line_ids
        ):
            values["helpdesk_reversed_line_id"] = self.id
        return result

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------
    def _helpdesk_ledger_writer(self):
        """``self`` as the module writes its credit links, as superuser (the
        caller's rights on the credit note were checked by posting or
        resetting it). Never return what it gives."""
        return self.sudo().with_context(**{LEDGER_WRITE_KEY: LEDGER_WRITE})
