"""What a customer reads about a session on its documents (the support
statement and the sessions annex of invoices): its kind (included, billable,
overage) and why, in plain words, in the language of the environment (the
customer's when a document is printed for it).

The words are built from the figures rating froze on the session (scope,
rule, included and billable minutes, prepaid and overage minutes), never from
the stored ``scope_reason``, which is in the language of whoever rated it.
"""

from odoo import api, models

# The kinds of time a document tells apart, in the order of its legend.
DOCUMENT_KINDS = ("included", "billable", "overage", "out_of_hours")


class HelpdeskSession(models.Model):
    _inherit = "helpdesk.session"

    @api.model
    def _get_document_legend(self):
        """[(kind, label, meaning)] for the legend printed under the sessions
        of a statement or an invoice annex."""
        labels = self._get_document_kind_labels()
        meanings = {
            "included": self.env._(
                "covered by your contract, not charged and no prepaid hours used."
            ),
            "billable": self.env._(
                "not covered by your contract, charged at your tariff or "
                "taken from your prepaid hours."
            ),
            "overage": self.env._(
                "beyond your prepaid hours, charged at the overage tariff."
            ),
            "out_of_hours": self.env._(
                "outside the support hours of your contract, charged with the "
                "surcharge it sets."
            ),
        }
        return [(kind, labels[kind], meanings[kind]) for kind in DOCUMENT_KINDS]

    @api.model
    def _get_document_kind_labels(self):
        return {
            "included": self.env._("Included"),
            "billable": self.env._("Billable"),
            "overage": self.env._("Overage"),
            "out_of_hours": self.env._("Out of hours"),
        }

    def _get_document_kinds(self):
        """The kinds of one rated session's time (several when a monthly
        allowance split it, or its balance ran out on it)."""
        self.ensure_one()
        kinds = []
        if self.scope_included_minutes or (
            self.scope == "included" and not self.scope_billable_minutes
        ):
            kinds.append("included")
        if self.scope_billable_minutes or self.scope == "billable":
            if self.overage_minutes and self.overage_minutes >= self.billed_duration:
                kinds.append("overage")
            else:
                kinds.append("billable")
                if self.overage_minutes:
                    kinds.append("overage")
        return kinds

    def _get_document_explanation(self):
        """One sentence saying why the session is included or billable, read
        from the rule that decided and the figures of the rating."""
        self.ensure_one()
        rule = self.scope_rule_id.sudo()
        included = self.scope_included_minutes
        billable = self.scope_billable_minutes
        allowance = rule.monthly_allowance_hours
        if included and billable:
            why = self.env._(
                "%(included)s min within the monthly allowance of %(limit)s h "
                "for %(rule)s, %(billable)s min beyond it",
                included=included,
                billable=billable,
                limit=f"{allowance:g}",
                rule=rule.name or "",
            )
        elif self.scope == "included":
            if not rule:
                why = self.env._("Covered by your contract")
            elif rule.outcome == "billable" and rule.grace_days:
                why = self.env._(
                    "%(rule)s: free during the first %(days)s days of your contract",
                    rule=rule.name,
                    days=rule.grace_days,
                )
            elif allowance:
                why = self.env._(
                    "%(rule)s: within the monthly allowance of %(limit)s h",
                    rule=rule.name,
                    limit=f"{allowance:g}",
                )
            else:
                why = self.env._("Covered by your contract: %(rule)s", rule=rule.name)
        elif not rule:
            why = self.env._("Not covered by your contract")
        elif rule.outcome == "included" and allowance:
            why = self.env._(
                "%(rule)s: the monthly allowance of %(limit)s h was already used",
                rule=rule.name,
                limit=f"{allowance:g}",
            )
        elif rule.outcome == "included" and rule.repeat_days:
            why = self.env._(
                "%(rule)s: the same question was answered less than %(days)s "
                "days before",
                rule=rule.name,
                days=rule.repeat_days,
            )
        else:
            why = self.env._("Billed on top of your contract: %(rule)s", rule=rule.name)
        if self.prepaid_minutes:
            why += " · " + self.env._(
                "%(minutes)s min taken from your prepaid hours",
                minutes=self.prepaid_minutes,
            )
        if self.overage_minutes:
            why += " · " + self.env._(
                "%(minutes)s min beyond your prepaid hours",
                minutes=self.overage_minutes,
            )
        return why

    def _get_document_rows(self):
        """The sessions of ``self`` as rows of a customer document, in the
        environment's language: date (company's time zone), ticket,
        consultant, minutes worked and billed, kinds and why, cost. Reads the
        sessions, tickets, users and rules in a few batched queries."""
        labels = self._get_document_kind_labels()
        rows = []
        for session in self:
            start = session.company_id._helpdesk_local_datetime(session.date_start)
            kinds = session._get_document_kinds()
            ticket = session.ticket_id
            rows.append(
                {
                    "session": session,
                    "date": start.strftime("%Y-%m-%d %H:%M") if start else "",
                    "ticket": " ".join(filter(None, [ticket.number, ticket.name])),
                    "consultant": session.user_id.name or "",
                    "worked": session.total_duration,
                    "billed": session.billed_duration,
                    "included": session.scope_included_minutes,
                    "billable": session.scope_billable_minutes,
                    "prepaid": session.prepaid_minutes,
                    "overage": session.overage_minutes,
                    "kinds": kinds,
                    "kind": ", ".join(labels[kind] for kind in kinds),
                    "why": session._get_document_explanation(),
                    "cost": session.cost,
                    "currency": session.currency_id,
                }
            )
        return rows

    @api.model
    def _format_document_minutes(self, minutes):
        """Minutes as h:mm (the unit of time on documents), with the sign."""
        minutes = round(minutes or 0)
        sign = "-" if minutes < 0 else ""
        minutes = abs(minutes)
        return f"{sign}{minutes // 60}:{minutes % 60:02d}"
