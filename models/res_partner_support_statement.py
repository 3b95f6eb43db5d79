"""Support statement of customers: what their support was over a period.

This file owns the statement's figures: for each customer, the sessions rated
in a period (days of the company's time zone), their totals, how many of the
period's sessions are still to rate and, for each subscription, its balance at
the start of the period, what the period consumed and recharged, and its
balance at the end. The PDF (printed from the rating screen), the rating screen
and a portal page all read them here and only display them.
"""

from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.fields import Domain


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

        scopes = dict(Session._fields["scope"]._description_selection(self.env))
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
                session = row["session"]
                row.update(
                    {
                        "duration": row["worked"],
                        "scope": scopes.get(session.scope, ""),
                        "scope_reason": session.scope_reason or "",
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
        """{subscription id: balance figures over the period} in hours:
        start = prepaid (unless the pack starts in the period: then it is
        bought in it) + recharged before the period - consumed by sessions
        rated before it; end = start + bought + recharged - consumed in the
        period; the period's recharges (renewals) are listed.
        Sessions count on the company's day they started; recharges on their
        date. Four grouped queries whatever the number of subscriptions."""
        Session = self.env["helpdesk.session"]
        Recharge = self.env["helpdesk.contract.recharge"]
        rated = Domain("profile_id", "in", subscriptions.ids) & Domain(
            "state", "in", ["rated", "invoiced"]
        )
        recharges = Domain("profile_id", "in", subscriptions.ids)
        before = Domain.FALSE
        if date_from:
            before = company._helpdesk_period_domain(
                None, date_from - timedelta(days=1)
            )
        during = company._helpdesk_period_domain(date_from, date_to)
        recharged_before_domain = (
            Domain("date", "<", date_from) if date_from else Domain.FALSE
        )
        recharged_during_domain = Domain.TRUE
        if date_from:
            recharged_during_domain &= Domain("date", ">=", date_from)
        if date_to:
            recharged_during_domain &= Domain("date", "<=", date_to)

        def minutes(domain):
            if not subscriptions or domain.is_false():
                return {}
            return dict(
                Session._read_group(
                    rated & domain, ["profile_id"], ["prepaid_minutes:sum"]
                )
            )

        def hours(domain):
            if not subscriptions or domain.is_false():
                return {}
            return dict(
                Recharge._read_group(recharges & domain, ["profile_id"], ["hours:sum"])
            )

        consumed_before = minutes(before)
        consumed_during = minutes(during)
        recharged_before = hours(recharged_before_domain)
        recharged_during = hours(recharged_during_domain)
        renewals = defaultdict(list)
        if subscriptions:
            for recharge in Recharge.search(
                recharges & recharged_during_domain, order="date, id"
            ):
                renewals[recharge.profile_id.id].append(recharge)
        balances = {}
        for subscription in subscriptions:
            # A pack starting in the period is bought in it: not in the
            # opening balance.
            bought_in_period = bool(
                date_from
                and subscription.date_start
                and subscription.date_start >= date_from
            )
            bought = subscription.prepaid_hours if bought_in_period else 0.0
            start = (
                subscription.prepaid_hours
                - bought
                + recharged_before.get(subscription, 0.0)
                - consumed_before.get(subscription, 0) / 60.0
            )
            consumed = consumed_during.get(subscription, 0) / 60.0
            recharged = recharged_during.get(subscription, 0.0)
            balances[subscription.id] = {
                "subscription": subscription,
                "start_hours": start,
                "bought_hours": bought,
                "bought_date": subscription.date_start if bought_in_period else False,
                "consumed_hours": consumed,
                "recharged_hours": recharged,
                "recharges": renewals[subscription.id],
                "end_hours": start + bought + recharged - consumed,
            }
        return balances
