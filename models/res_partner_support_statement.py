"""Support statement of customers: what their support was over a period.

This file owns the statement's figures: for each customer, the sessions rated
in a period (days of the company's time zone), their totals, how many of the
period's sessions are still to rate and, for each subscription, its balance at
the start of the period, the blocks of hours the period brought, what it
consumed, gave back and let expire, and its balance at the end, all read from
the balance history. The PDF (printed from the rating screen), the rating screen
and a portal page all read them here and only display them.
"""

from collections import defaultdict

from odoo import api, fields, models
from odoo.fields import Domain

from ..core import period as periods
from .helpdesk_contract_balance_move import MOVE_TYPES
from .helpdesk_contract_block import BLOCK_KINDS


class ResPartner(models.Model):
    _inherit = "res.partner"

    def _get_support_statements(self, date_from, date_to, company):
        """One dict per customer of ``self`` (commercial partners), by name, over
        the days ``date_from`` to ``date_to`` of ``company`` (either may be
        empty: open): its rated sessions as lines (start in the company's time
        zone), their totals, its sessions still to rate and its subscriptions'
        balances. A few batched queries whatever the number of customers and
        sessions."""
        customers = self.sorted("display_name")
        if not customers:
            return []
        date_from = fields.Date.to_date(date_from)
        date_to = fields.Date.to_date(date_to)
        Session = self.env["helpdesk.session"]
        in_period = (
            Domain("company_id", "=", company.id)
            & Domain("partner_id", "in", customers.ids)
            & company._helpdesk_period_domain(date_from, date_to)
        )
        sessions = Session.search(
            in_period & Domain("state", "in", ["rated", "invoiced"]),
            order="date_start, id",
        )
        unrated = dict(
            Session._read_group(
                in_period & Domain("state", "=", "draft"), ["partner_id"], ["__count"]
            )
        )
        subscriptions = customers._get_support_statement_subscriptions(
            date_from, date_to, company
        )
        balances = self._get_support_statement_balances(
            subscriptions, date_from, date_to, company
        )

        by_customer = defaultdict(list)
        for session in sessions:
            by_customer[session.partner_id].append(session.id)
        statements = []
        for customer in customers:
            # The words a customer reads are in its language, whoever prints.
            lang = customer.lang or self.env.lang
            # One prefetch for the sessions of every customer.
            customer_sessions = (
                Session.browse(by_customer[customer])
                .with_prefetch(sessions._prefetch_ids)
                .with_context(lang=lang)
            )
            lines = []
            for row in customer_sessions._get_document_rows():
                row.update(
                    {
                        "duration": row["worked"],
                        "scope": row["kind"],
                        "scope_reason": row["why"],
                    }
                )
                lines.append(row)
            customer_subscriptions = [
                balances[subscription.id]
                for subscription in subscriptions
                if subscription.partner_id == customer
            ]
            statements.append(
                {
                    "customer": customer,
                    "lang": lang,
                    "date_from": date_from,
                    "date_to": date_to,
                    "currency": company.currency_id,
                    "lines": lines,
                    "total_duration": sum(line["duration"] for line in lines),
                    "total_billed": sum(line["billed"] for line in lines),
                    "total_included": sum(line["included"] for line in lines),
                    "total_billable": sum(line["billable"] for line in lines),
                    "total_prepaid": sum(line["prepaid"] for line in lines),
                    "total_overage": sum(line["overage"] for line in lines),
                    "total_cost": sum(line["cost"] for line in lines),
                    # Pay-per-use: what the period billed (overage included).
                    "pay_per_use": not customer_subscriptions
                    or any(
                        line["session"].profile_id.billing_type == "pay_per_use"
                        for line in lines
                    ),
                    "unrated_count": unrated.get(customer, 0),
                    "subscriptions": customer_subscriptions,
                    "legend": customer_sessions._get_document_legend(),
                }
            )
        return statements

    def _get_support_statement_subscriptions(self, date_from, date_to, company):
        """The subscriptions of the customers ``self`` in ``company`` in force on
        some day of the period. One query."""
        domain = (
            Domain("billing_type", "=", "subscription")
            & Domain("partner_id", "in", self.ids)
            & Domain("company_id", "=", company.id)
        )
        if date_to:
            domain &= Domain("date_start", "=", False) | Domain(
                "date_start", "<=", date_to
            )
        if date_from:
            domain &= Domain("date_end", "=", False) | Domain(
                "date_end", ">=", date_from
            )
        return self.env["helpdesk.contract.profile"].search(domain)

    @api.model
    def _get_support_statement_balances(
        self, subscriptions, date_from, date_to, company
    ):
        """{subscription id: balance figures over the period} in hours, read
        from the balance history (``helpdesk.contract.balance.move``), the one
        record of a subscription's hours: opening = its movements before the
        period; the period's blocks (bought, renewed, topped up, carried over)
        listed with their date, kind, hours and expiry; what it consumed, gave
        back, expired or carried out; closing = opening + the period's
        movements, the history's running balance at the period's end (today:
        the subscription's remaining hours). Movements count on the company's
        day they happened. Four queries (two grouped sums, the period's blocks
        and their expiry dates) whatever the number of subscriptions."""
        Move = self.env["helpdesk.contract.balance.move"]
        balances = {}
        if not subscriptions:
            return balances
        ledger = Domain("profile_id", "in", subscriptions.ids)
        during = ledger & company._helpdesk_period_domain(
            date_from, date_to, fname="date"
        )
        opening = {}
        if date_from:
            # Before the first moment of the period (whose days are checked
            # above): the day before the first day of the window is no date.
            first = periods.bounds(date_from, None, company._helpdesk_tz())[0]
            before = ledger & Domain("date", "<", first)
            opening = dict(Move._read_group(before, ["profile_id"], ["hours:sum"]))
        moved = defaultdict(float)
        for profile, move_type, hours in Move._read_group(
            during, ["profile_id", "move_type"], ["hours:sum"]
        ):
            moved[profile.id, move_type] = hours
        kinds = dict(BLOCK_KINDS)
        blocks = defaultdict(list)
        block_moves = Move.search(
            during & Domain("move_type", "in", list(kinds)), order="date, id"
        )
        for move in block_moves:
            local = company._helpdesk_local_datetime(move.date)
            blocks[move.profile_id.id].append(
                {
                    "date": local.date() if local else False,
                    "kind": move.move_type,
                    "hours": move.hours,
                    "date_expiry": move.block_id.date_expiry,
                }
            )
        for subscription in subscriptions:
            key = subscription.id
            start = opening.get(subscription, 0.0)
            period = {
                move_type: moved.get((key, move_type), 0.0)
                for move_type, _label in MOVE_TYPES
            }
            balances[key] = {
                "subscription": subscription,
                "start_hours": start,
                "blocks": blocks[key],
                "bought_hours": sum(period[kind] for kind in kinds),
                # Taken from the balance: shown as positive hours.
                "consumed_hours": -period["consumed"],
                "given_back_hours": period["given_back"],
                "expired_hours": -period["expired"],
                "carried_out_hours": -period["carried_out"],
                # A settled overdraft moves hours between rows: net zero.
                "end_hours": start + sum(period.values()),
            }
        return balances
