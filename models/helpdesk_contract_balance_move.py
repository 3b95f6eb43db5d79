"""Balance history: every movement of a subscription's hours, with a running
balance (a read-only SQL view over the blocks and their consumption).

Blocks bought (pack, recharge, renewal, top-up, carry-over) add their hours;
sessions consume, unratings give back, an overdraft settled by a new block
moves minutes from "no block" to the block (two rows, net zero); expiries take
what was left. Under paid-before-use a block counts once its invoice is paid
(as in the remaining hours). The running balance of a subscription's last row is its
remaining hours.

Movements are dated by their documents, never by the moment they were
recorded: a block from the first moment of its day (``date_start``: the
pack's contract start, the recharge's date the clerk gave, the renewal's
period), in the company's time zone; a session's rows (consumed, given back,
settled) at the session's start. A session rated late, a recharge entered
late, a database whose blocks were made by an upgrade: each counts on its own
day.
"""

from odoo import fields, models

from .helpdesk_contract_block import BLOCK_KINDS

MOVE_TYPES = [
    *BLOCK_KINDS,
    ("consumed", "Consumed"),
    ("given_back", "Given back"),
    ("settled", "Overdraft settled"),
    ("unpaid", "Payment cancelled"),
    ("expired", "Expired"),
    ("carried_out", "Carried over"),
]


class HelpdeskContractBalanceMove(models.Model):
    _name = "helpdesk.contract.balance.move"
    _description = "Subscription balance history"
    _auto = False
    _order = "profile_id, date, sequence, id"
    # What a search flushes first: the rows it reads.
    _depends = {
        "helpdesk.contract.block": [
            "profile_id",
            "partner_id",
            "company_id",
            "kind",
            "invoice_id",
            "hours",
            "state",
            "expired_minutes",
            "date_expired",
            "carried_out_minutes",
            "date_start",
        ],
        "helpdesk.session": ["date_start"],
        "helpdesk.contract.profile": ["partner_id", "pay_before_use"],
        "account.move": ["payment_state"],
        "helpdesk.contract.block.allocation": [
            "profile_id",
            "company_id",
            "date",
            "move_type",
            "block_id",
            "session_id",
            "minutes",
        ],
    }

    profile_id = fields.Many2one(
        comodel_name="helpdesk.contract.profile", string="Subscription", readonly=True
    )
    partner_id = fields.Many2one(comodel_name="res.partner", readonly=True)
    company_id = fields.Many2one(comodel_name="res.company", readonly=True)
    date = fields.Datetime(readonly=True)
    sequence = fields.Integer(readonly=True)
    move_type = fields.Selection(MOVE_TYPES, string="Movement", readonly=True)
    block_id = fields.Many2one(comodel_name="helpdesk.contract.block", readonly=True)
    session_id = fields.Many2one(comodel_name="helpdesk.session", readonly=True)
    ticket_id = fields.Many2one(comodel_name="helpdesk.ticket", readonly=True)
    invoice_id = fields.Many2one(comodel_name="account.move", readonly=True)
    hours = fields.Float(digits=(16, 2), readonly=True, aggregator="sum")
    balance = fields.Float(
        string="Balance (h)",
        digits=(16, 2),
        readonly=True,
        aggregator=None,
        help="The subscription's hours after this movement.",
    )

    @property
    def _table_query(self):
        # sequence: at the same instant, hours bought come before their use.
        # company_tz: the company's time zone (its partner's, as
        # res.company._helpdesk_tz), UTC when PostgreSQL does not know it.
        return """
            WITH company_tz AS (
                SELECT c.id, COALESCE(tz.name, 'UTC') AS tz
                  FROM res_company c
                  JOIN res_partner rp ON rp.id = c.partner_id
             LEFT JOIN pg_timezone_names tz ON tz.name = rp.tz
            )
            SELECT m.*,
                   SUM(m.hours) OVER (
                       PARTITION BY m.profile_id
                       ORDER BY m.date, m.sequence, m.id
                       ROWS UNBOUNDED PRECEDING
                   ) AS balance
              FROM (
                SELECT b.id * 4 AS id, b.profile_id, b.partner_id, b.company_id,
                       -- The block's day begins at local midnight: as UTC.
                       timezone(ctz.tz, b.date_start::timestamp)
                           AT TIME ZONE 'UTC' AS date,
                       0 AS sequence, b.kind AS move_type,
                       b.id AS block_id, NULL::integer AS session_id,
                       NULL::integer AS ticket_id, b.invoice_id,
                       b.hours AS hours
                  FROM helpdesk_contract_block b
                  JOIN helpdesk_contract_profile p ON p.id = b.profile_id
             LEFT JOIN company_tz ctz ON ctz.id = b.company_id
             LEFT JOIN account_move am ON am.id = b.invoice_id
                 -- A void block (its invoice cancelled or deleted) bought
                 -- nothing; paid before use: an unpaid block's hours are
                 -- not there yet (as in the remaining hours).
                 WHERE NOT COALESCE(b.is_void, FALSE) AND NOT (
                       COALESCE(p.pay_before_use, FALSE) AND b.state = 'active'
                       AND COALESCE(b.amount, 0) != 0
                       AND COALESCE(am.payment_state, 'not_paid')
                           NOT IN ('paid', 'in_payment'))
                UNION ALL
                SELECT a.id * 4 + 1, a.profile_id, p.partner_id, a.company_id,
                       -- A session's rows on its day; a deleted session's
                       -- when they were recorded.
                       COALESCE(s.date_start, a.date), 1, a.move_type,
                       a.block_id, a.session_id,
                       s.ticket_id, NULL, -a.minutes / 60.0
                  FROM helpdesk_contract_block_allocation a
                  JOIN helpdesk_contract_profile p ON p.id = a.profile_id
             LEFT JOIN helpdesk_session s ON s.id = a.session_id
                UNION ALL
                SELECT b.id * 4 + 2, b.profile_id, b.partner_id, b.company_id,
                       b.date_expired::timestamp + interval '1 day'
                           - interval '1 second', 2, 'expired', b.id, NULL, NULL,
                       NULL, -b.expired_minutes / 60.0
                  FROM helpdesk_contract_block b
                 WHERE b.state = 'expired' AND b.expired_minutes != 0
                UNION ALL
                SELECT b.id * 4 + 3, b.profile_id, b.partner_id, b.company_id,
                       b.date_expired::timestamp, -1, 'carried_out', b.id, NULL,
                       NULL, NULL, -b.carried_out_minutes / 60.0
                  FROM helpdesk_contract_block b
                 WHERE b.carried_out_minutes != 0
              ) m
        """
