from odoo import fields, models


class HelpdeskScopeRule(models.Model):
    _name = "helpdesk.scope.rule"
    _description = "Support scope rule"
    _inherit = ["mail.thread"]
    _order = "sequence, id"
    _check_company_auto = True

    # ------------------------------------------------------------------
    # Fields
    # ------------------------------------------------------------------
    name = fields.Char(required=True, translate=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
        index=True,
    )
    outcome = fields.Selection(
        selection=[("included", "Included"), ("billable", "Billable")],
        required=True,
        default="included",
        tracking=True,
    )
    profile_ids = fields.Many2many(
        comodel_name="helpdesk.contract.profile",
        relation="helpdesk_scope_rule_profile_rel",
        column1="rule_id",
        column2="profile_id",
        string="Profiles",
        check_company=True,
        help="Limit the rule to customers billed under these profiles. Empty: all.",
    )
    tariff_profile_id = fields.Many2one(
        comodel_name="helpdesk.contract.profile",
        string="Own tariff",
        domain=[("billing_type", "=", "pay_per_use")],
        check_company=True,
        help="Pay-per-use tariff pricing the sessions this billable rule matches "
        "(e.g. training at the training rate).",
    )
    category_ids = fields.Many2many(
        comodel_name="helpdesk.ticket.category",
        relation="helpdesk_scope_rule_category_rel",
        column1="rule_id",
        column2="category_id",
        string="Ticket categories",
    )
    tag_ids = fields.Many2many(
        comodel_name="helpdesk.ticket.tag",
        relation="helpdesk_scope_rule_tag_rel",
        column1="rule_id",
        column2="tag_id",
        string="Ticket tags",
    )
    team_ids = fields.Many2many(
        comodel_name="helpdesk.ticket.team",
        relation="helpdesk_scope_rule_team_rel",
        column1="rule_id",
        column2="team_id",
        string="Teams",
    )
    channel_ids = fields.Many2many(
        comodel_name="helpdesk.ticket.channel",
        relation="helpdesk_scope_rule_channel_rel",
        column1="rule_id",
        column2="channel_id",
        string="Channels",
    )
    priority = fields.Selection(
        selection=[
            ("0", "Low"),
            ("1", "Medium"),
            ("2", "High"),
            ("3", "Very High"),
        ],
        help="Match tickets of this priority. Empty: any priority.",
    )
    keywords = fields.Char(
        help="Comma-separated words looked for in the ticket title and "
        "description and in the session note. Empty: no keyword needed.",
    )
    grace_days = fields.Integer(
        help="During the first N days from the customer's contract start the "
        "session is included, whatever the outcome.",
    )
    monthly_allowance_hours = fields.Float(
        digits=(16, 2),
        help="(Included rules) Included up to N hours per calendar month for the "
        "sessions this rule matches, billable beyond.",
    )
    repeat_days = fields.Integer(
        help="(Included rules) Billable when the same customer had a session on a "
        "ticket of the same category within N days.",
    )
