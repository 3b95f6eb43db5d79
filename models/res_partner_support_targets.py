"""The support statement's response targets: for each customer, its tickets
of the period by priority, and how many met or missed their first-response
and resolution targets (``helpdesk_ticket_targets.py``)."""

from odoo import fields, models
from odoo.fields import Domain


class ResPartner(models.Model):
    _inherit = "res.partner"

    def _get_support_statements(self, date_from, date_to, company):
        statements = super()._get_support_statements(date_from, date_to, company)
        targets = self._get_support_statement_targets(date_from, date_to, company)
        for statement in statements:
            statement["targets"] = targets.get(statement["customer"].id, [])
        return statements

    def _get_support_statement_targets(self, date_from, date_to, company):
        """{customer id: [one dict per priority]} for the tickets of the
        customers of ``self`` whose clock started in the period: count,
        responses met and missed, resolutions met and missed. One search."""
        tickets = (
            self.env["helpdesk.ticket"]
            .sudo()
            .search(
                Domain("company_id", "=", company.id)
                & Domain("commercial_partner_id", "in", self.ids)
                & company._helpdesk_period_domain(
                    fields.Date.to_date(date_from),
                    fields.Date.to_date(date_to),
                    fname="target_start_date",
                )
            )
        )
        # The priority as the customer's language names it, whoever prints.
        priority_field = self.env["helpdesk.ticket"]._fields["priority"]
        labels_by_lang = {}

        def labels(customer):
            lang = customer.lang or self.env.lang
            if lang not in labels_by_lang:
                labels_by_lang[lang] = dict(
                    priority_field._description_selection(
                        self.env(context=dict(self.env.context, lang=lang))
                    )
                )
            return labels_by_lang[lang]

        rows = {}
        for ticket in tickets:
            customer = ticket.commercial_partner_id
            row = rows.setdefault(
                (customer.id, ticket.priority),
                {
                    "priority": labels(customer).get(ticket.priority, ""),
                    "tickets": 0,
                    "response_met": 0,
                    "response_missed": 0,
                    "resolution_met": 0,
                    "resolution_missed": 0,
                },
            )
            row["tickets"] += 1
            for kind, done in (
                ("response", ticket.first_response_date),
                ("resolution", ticket.closed_date),
            ):
                if not ticket[f"{kind}_deadline"]:
                    continue
                if ticket[f"{kind}_breached"]:
                    row[f"{kind}_missed"] += 1
                elif done:
                    row[f"{kind}_met"] += 1
        result = {}
        for (customer_id, _priority), row in sorted(
            rows.items(), key=lambda item: item[0][1], reverse=True
        ):
            result.setdefault(customer_id, []).append(row)
        return result
