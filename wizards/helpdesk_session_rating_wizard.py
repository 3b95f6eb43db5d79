"""The rating screen: the sessions of a customer, a tag, a consultant or a
ticket over a period, their totals and what rating them would cost; *Rate all*
rates those that can be, and lists the others with why.

Its exports live in helpdesk_session_rating_wizard_export.py.
"""

from odoo import api, fields, models
from odoo.fields import Command, Domain

from ..core import period


class HelpdeskSessionRatingWizard(models.TransientModel):
    _name = "helpdesk.session.rating.wizard"
    _description = "Rate helpdesk sessions"

    # ------------------------------------------------------------------
    # Fields: filters
    # ------------------------------------------------------------------
    company_id = fields.Many2one(
        comodel_name="res.company", default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Customer",
        domain=[("parent_id", "=", False)],
    )
    partner_category_id = fields.Many2one(
        comodel_name="res.partner.category", string="Customer tag"
    )
    # Days of the company's time zone (res.company._helpdesk_period_domain),
    # by default the month being billed (the month before in its first days).
    date_from = fields.Date(
        string="From",
        default=lambda self: self.env.company._helpdesk_billing_month()[0],
    )
    date_to = fields.Date(
        string="To",
        default=lambda self: self.env.company._helpdesk_billing_month()[1],
    )
    user_id = fields.Many2one(comodel_name="res.users", string="Consultant")
    ticket_id = fields.Many2one(comodel_name="helpdesk.ticket")
    state_filter = fields.Selection(
        selection=[("draft", "To rate"), ("rated", "Rated"), ("all", "Both")],
        string="Show",
        default="draft",
        required=True,
    )

    # ------------------------------------------------------------------
    # Fields: lines and totals
    # ------------------------------------------------------------------
    session_ids = fields.Many2many(
        comodel_name="helpdesk.session",
        relation="helpdesk_session_rating_wizard_rel",
        column1="wizard_id",
        column2="session_id",
        string="Sessions",
        compute="_compute_session_ids",
        store=True,
        readonly=False,
    )
    rated_hours = fields.Float(compute="_compute_totals", digits=(16, 2))
    rated_cost = fields.Monetary(compute="_compute_totals")
    to_rate_hours = fields.Float(compute="_compute_totals", digits=(16, 2))
    to_rate_cost = fields.Monetary(compute="_compute_totals")
    unratable_count = fields.Integer(compute="_compute_totals")
    # What the buttons still have to do (hidden at 0).
    to_rate_count = fields.Integer(compute="_compute_totals")
    invoiceable_count = fields.Integer(compute="_compute_totals")
    subscription_id = fields.Many2one(
        comodel_name="helpdesk.contract.profile",
        compute="_compute_totals",
        help="The customer's subscription, when one customer is shown.",
    )
    remaining_hours = fields.Float(compute="_compute_totals", digits=(16, 2))
    remaining_hours_after = fields.Float(
        string="Remaining after rating", compute="_compute_totals", digits=(16, 2)
    )
    rating_message = fields.Text(
        readonly=True,
        help="What the last Rate all did: the sessions rated, and those left to "
        "rate with why.",
    )

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------
    @api.constrains("date_from", "date_to")
    def _check_date_window(self):
        # Also refused by the period domain when the sessions are computed
        # (as the user types): this says it for a period nothing reads yet.
        self.env.company._helpdesk_check_record_dates(self, ["date_from", "date_to"])

    # ------------------------------------------------------------------
    # Compute
    # ------------------------------------------------------------------
    def _compute_display_name(self):
        for wizard in self:
            wizard.display_name = self.env._("Rate sessions")

    @api.depends(
        "partner_id",
        "partner_category_id",
        "date_from",
        "date_to",
        "user_id",
        "ticket_id",
        "state_filter",
    )
    def _compute_session_ids(self):
        for wizard in self:
            sessions = self.env["helpdesk.session"].search(
                wizard._session_domain(), order="date_start, id"
            )
            wizard.session_ids = [Command.set(sessions.ids)]

    def _session_domain(self):
        self.ensure_one()
        domain = Domain("company_id", "=", self.company_id.id)
        if self.partner_id:
            domain &= Domain(
                "partner_id", "=", self.partner_id.commercial_partner_id.id
            )
        if self.partner_category_id:
            domain &= Domain("partner_category_ids", "in", self.partner_category_id.id)
        company = self.company_id or self.env.company
        domain &= company._helpdesk_period_domain(self.date_from, self.date_to)
        if self.user_id:
            domain &= Domain("user_id", "=", self.user_id.id)
        if self.ticket_id:
            domain &= Domain("ticket_id", "=", self.ticket_id.id)
        states = {
            "draft": ["draft"],
            "rated": ["rated", "invoiced"],
            "all": ["draft", "rated", "invoiced"],
        }[self.state_filter]
        return domain & Domain("state", "in", states)

    @api.depends(
        "session_ids.preview_cost",
        "session_ids.total_duration",
        "session_ids.state",
        "partner_id",
    )
    def _compute_totals(self):
        Profile = self.env["helpdesk.contract.profile"]
        for wizard in self:
            sessions = wizard.session_ids
            rated = sessions.filtered(lambda s: s.state != "draft")
            drafts = sessions - rated
            wizard.rated_hours = sum(rated.mapped("total_duration")) / 60.0
            wizard.rated_cost = sum(rated.mapped("cost"))
            wizard.to_rate_hours = sum(drafts.mapped("total_duration")) / 60.0
            wizard.to_rate_cost = sum(drafts.mapped("preview_cost"))
            wizard.unratable_count = len(drafts.filtered("rating_issue"))
            wizard.to_rate_count = len(drafts)
            wizard.invoiceable_count = len(
                rated.filtered_domain(rated._get_invoiceable_domain())
            )
            subscription = Profile
            if wizard.partner_id:
                profile = Profile.sudo()._profiles_for(
                    wizard.partner_id,
                    fields.Date.context_today(self),
                    wizard.company_id,
                    raise_on_conflict=False,
                )[(wizard.partner_id.id, fields.Date.context_today(self))]
                if profile.billing_type == "subscription":
                    subscription = profile.sudo(False)
            wizard.subscription_id = subscription
            wizard.remaining_hours = subscription.remaining_hours
            consumed = sum(
                drafts.filtered(
                    lambda s, p=subscription: s.partner_id == p.partner_id
                ).mapped("preview_prepaid")
            )
            wizard.remaining_hours_after = (
                subscription.remaining_hours - consumed / 60.0
            )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_rate_all(self):
        """Rate the drafts shown that can be rated; those that cannot (timer
        running, ticket without customer, no contract profile) stay to rate
        and are listed in ``rating_message`` with why."""
        self.ensure_one()
        drafts = self.session_ids.filtered(lambda s: s.state == "draft")
        if self.company_id._helpdesk_runs_in_background(drafts):
            # More sessions than Settings' threshold: a background batch.
            drafts._check_rating_rights()
            batch = self.env["helpdesk.billing.batch"]._create_for_sessions(
                "rate", drafts
            )
            return batch._notify_queued()
        skipped = drafts._get_rating_blockers()
        rated = drafts.filtered(lambda s: s not in skipped)
        rated.action_rate()
        self.rating_message = self._describe_rating(rated, skipped)
        return self._notify_done(
            self.rating_message.splitlines()[0],
            "warning" if skipped else "success",
            self._reopen(),
        )

    def action_create_invoices(self):
        """Invoice the rated sessions shown (options in a dialog)."""
        self.ensure_one()
        invoiceable = self.session_ids.filtered_domain(
            self.session_ids._get_invoiceable_domain()
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Create invoices"),
            "res_model": "helpdesk.session.invoice.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_session_ids": invoiceable.ids},
        }

    def action_refresh(self):
        self.ensure_one()
        self.rating_message = False
        self._compute_session_ids()
        return self._reopen()

    def action_previous_month(self):
        return self._move_period(-1)

    def action_next_month(self):
        return self._move_period(1)

    def _move_period(self, months):
        """Show the whole month ``months`` away from the one shown (from the
        month being billed when no period is set)."""
        self.ensure_one()
        shown = self.date_from or self.date_to
        if not shown:
            shown = self.company_id._helpdesk_billing_month()[0]
            months = 0
        self.date_from, self.date_to = period.shift_month(shown, months)
        return self.action_refresh()

    def action_recharge(self):
        self.ensure_one()
        return self.subscription_id.action_open_recharge_wizard()

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------
    def _describe_rating(self, rated, skipped):
        """The report of a Rate all: how many sessions were rated, then one
        line per session ``skipped`` ({session: reason}), in time order."""
        lines = [self.env._("%(count)s session(s) rated.", count=len(rated))]
        if skipped:
            lines.append(
                self.env._("%(count)s session(s) left to rate:", count=len(skipped))
            )
            for session in sorted(skipped, key=lambda s: (s.date_start, s.id)):
                lines.append(
                    self.env._(
                        "- %(session)s: %(reason)s",
                        session=session.display_name,
                        reason=skipped[session],
                    )
                )
        return "\n".join(lines)

    @api.model
    def _notify_done(self, message, kind, next_action):
        """A notification saying what a button did, then ``next_action``."""
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "message": message,
                "type": kind,
                "sticky": False,
                "next": next_action,
            },
        }

    def _reopen(self):
        # ``views`` too: as the next action of a notification, the web client
        # runs this dict as is (the server fills it in only for the action a
        # button returns).
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
            "name": self.env._("Rate sessions"),
        }
