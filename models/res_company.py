from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Domain

from ..core import period


class ResCompany(models.Model):
    # The default scope and profile decide the scope of unmatched sessions.
    _inherit = ["res.company", "helpdesk.scope.source.mixin"]
    _name = "res.company"

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
        domain="[('company_id', '=', id), ('active', '=', True)]",
        help="Profile applied to customers who have no profile of their own. "
        "Archived, it no longer applies.",
    )
    helpdesk_billing_close_days = fields.Integer(
        string="Days to bill the month before",
        default=10,
        help="During this many first days of a month, the rating screen opens "
        "on the month before (the month being billed); after them, on the "
        "current month.",
    )
    helpdesk_session_max_minutes = fields.Integer(
        string="Maximum session length (min)",
        default=240,
        help="Sessions longer than this are flagged for review: a timer left "
        "running overnight is not billed silently. 0 disables the check.",
    )
    helpdesk_scope_default_outcome = fields.Selection(
        selection=[("included", "Included"), ("billable", "Billable")],
        string="Default scope",
        default="billable",
        required=True,
        help="Scope of the sessions no scope rule matches.",
    )
    helpdesk_low_balance_threshold = fields.Float(
        string="Low balance threshold",
        default=2.0,
        help="A subscription whose remaining hours fall under this gets a "
        "low-balance activity for its salesperson. 0 disables it.",
    )
    helpdesk_low_balance_unit = fields.Selection(
        selection=[("hours", "Hours"), ("percent", "% of the hours bought")],
        default="hours",
        required=True,
    )
    helpdesk_low_balance_email = fields.Boolean(
        string="Email the customer on low balance",
        help="Also send the customer the low-balance email offering a recharge.",
    )

    helpdesk_invoice_show_included = fields.Boolean(
        string="Show included sessions on invoices",
        help="Put included (and prepaid) sessions on invoices as zero-priced "
        "lines, so the customer sees the support the contract gave.",
    )
    helpdesk_invoice_session_annex = fields.Boolean(
        string="Sessions annex on invoices",
        help="Print, after the lines of a support invoice, the sessions it "
        "bills: date, consultant, ticket, time worked and billed, included or "
        "billable and why, cost. Each customer may say otherwise.",
    )
    helpdesk_credit_note_mode = fields.Selection(
        selection=[
            ("rebill", "Billable again"),
            ("close", "Closed as credited"),
        ],
        string="Sessions of a credited invoice",
        default="rebill",
        required=True,
        help="What a credit note does to the sessions of the invoice lines it "
        "reverses in full.",
    )

    helpdesk_invoice_pack_on_start = fields.Boolean(
        string="Invoice subscription packs when they start",
        help="A subscription's pack is invoiced (draft) when it starts: on "
        "creation, or by the daily job on its start date.",
    )
    helpdesk_deferred_account_id = fields.Many2one(
        comodel_name="account.account",
        string="Deferred support revenue account",
        domain="[('account_type', 'in', ('liability_current', "
        "'liability_non_current'))]",
        help="With a journal below: pack and recharge invoices credit this account, "
        "and rating moves the value of the hours consumed to income.",
    )
    helpdesk_deferred_journal_id = fields.Many2one(
        comodel_name="account.journal",
        string="Deferred support revenue journal",
        domain="[('type', '=', 'general')]",
        help="Journal of the entries recognizing deferred support revenue.",
    )

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------
    @api.constrains("helpdesk_default_profile_id")
    def _check_helpdesk_default_profile(self):
        for company in self:
            profile = company.helpdesk_default_profile_id
            if profile and not profile.active:
                raise ValidationError(
                    self.env._(
                        "The default contract profile %(profile)s is archived: "
                        "choose a profile in use.",
                        profile=profile.name,
                    )
                )
            if profile and profile.company_id != company:
                raise ValidationError(
                    self.env._(
                        "The default contract profile of %(company)s must be one "
                        "of its own (%(profile)s belongs to %(other)s).",
                        company=company.name,
                        profile=profile.name,
                        other=profile.company_id.name,
                    )
                )

    # ------------------------------------------------------------------
    # Business: the company's days (one convention for every period)
    # ------------------------------------------------------------------
    def _helpdesk_tz(self):
        """Name of the time zone whose days and months count the company's
        support: its address' (its partner's), else UTC. Never the user's, so
        that a session falls on the same day and in the same month on every
        screen, whoever looks."""
        self.ensure_one()
        return period.valid_tz(self.partner_id.tz)

    def _helpdesk_period_domain(self, date_from, date_to, fname="date_start"):
        """Domain on the datetime field ``fname``: from the first moment of the
        company's day ``date_from`` to the last of its day ``date_to`` (either
        may be empty: open)."""
        date_from = fields.Date.to_date(date_from)
        date_to = fields.Date.to_date(date_to)
        # Every period of the module comes here: a clear message rather than
        # an overflow of the arithmetic below.
        self._helpdesk_check_dates(
            [(self.env._("From"), date_from), (self.env._("To"), date_to)]
        )
        start, end = period.bounds(date_from, date_to, self._helpdesk_tz())
        domain = Domain.TRUE
        if start:
            domain &= Domain(fname, ">=", start)
        if end:
            domain &= Domain(fname, "<", end)
        return domain

    def _helpdesk_local_datetime(self, value):
        """The UTC datetime ``value`` read in the company's time zone, naive
        (what exports and statements show); None when empty."""
        return period.to_local(fields.Datetime.to_datetime(value), self._helpdesk_tz())

    def _helpdesk_billing_month(self):
        """(first day, last day) of the month billed today: the month before
        during the first ``helpdesk_billing_close_days`` days, else this one."""
        return period.billing_month(
            self._helpdesk_today(), self.helpdesk_billing_close_days
        )

    def _helpdesk_today(self):
        """Today in the company's time zone."""
        return period.local_date(fields.Datetime.now(), self._helpdesk_tz())
