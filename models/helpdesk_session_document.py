"""What a customer reads about a session on its documents (the support
statement and the sessions annex of invoices): its kind (included, billable,
overage) and why, in plain words, in the language of the environment (the
customer's when a document is printed for it).

``_get_billing_reason`` is the one source of a session's kind and reason:
the invoice line, the sessions annex, the statement, the portal ticket page,
the rating screen and its exports, the session form and list all read it. It
words the stored decision (scope rule, reason code and figures, see
helpdesk_session_scope.py) and the rating's figures (prepaid, overage,
surcharge, quote) in the environment's language; nothing worded is stored.
"""

from odoo import api, models
from odoo.tools.misc import format_date, formatLang

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

    def _get_billing_figures(self, quotes=None):
        """What the price of one session is made of: the rating's figures
        when it is rated, the rating preview's while it is to rate (the
        ticket's accepted quote then comes from ``quotes``, {ticket: quote},
        or is looked up)."""
        self.ensure_one()
        if self.state == "draft":
            if quotes is None:
                quotes = self.ticket_id._get_accepted_quotes()
            quote = quotes.get(self.ticket_id) or self.env["helpdesk.ticket.quote"]
            cost = self.preview_cost
            return {
                "billed": self.preview_billed,
                "prepaid": self.preview_prepaid,
                "overage": 0,
                "cost": cost,
                "surcharge_cost": 0.0,
                "surcharge_minutes": 0,
                "quote": quote.sudo(),
                "quote_charged": bool(quote) and bool(cost),
            }
        return {
            "billed": self.billed_duration,
            "prepaid": self.prepaid_minutes,
            "overage": self.overage_minutes,
            "cost": self.cost,
            "surcharge_cost": self.surcharge_cost,
            "surcharge_minutes": self.surcharge_minutes,
            "quote": self.quote_id.sudo(),
            "quote_charged": self.quote_charged,
        }

    def _get_document_kinds(self, figures=None):
        """The kinds of one session's time (several when a monthly allowance
        split it, or its balance ran out on it, or a surcharge applies)."""
        self.ensure_one()
        figures = figures or self._get_billing_figures()
        quote = figures["quote"]
        if quote and quote.pricing == "fixed":
            return ["billable"] if figures["quote_charged"] else ["included"]
        kinds = []
        if self.scope_included_minutes or (
            self.scope == "included" and not self.scope_billable_minutes
        ):
            kinds.append("included")
        if self.scope_billable_minutes or self.scope == "billable":
            overage = figures["overage"]
            if overage and overage >= figures["billed"]:
                kinds.append("overage")
            else:
                kinds.append("billable")
                if overage:
                    kinds.append("overage")
        if figures["surcharge_cost"] or figures["surcharge_minutes"]:
            kinds.append("out_of_hours")
        return kinds

    def _get_billing_reason(self, quotes=None):
        """{kinds, kind, reason} of one session: THE words every document and
        screen gives for its kind and its price, in the environment's
        language (the customer's on customer documents), rendered from the
        stored decision (scope rule, reason code and figures) and the
        rating's figures. The cause that sets the price is said first: a
        fixed-price quote, then the scope decision (rule, grace period,
        monthly allowance, repeat, company default), then the prepaid hours,
        the overage and the surcharge."""
        self.ensure_one()
        figures = self._get_billing_figures(quotes)
        labels = self._get_document_kind_labels()
        kinds = self._get_document_kinds(figures)
        quote = figures["quote"]
        if quote and quote.pricing == "fixed":
            reason = self.env._(
                "Covered by the fixed price of quote %(name)s", name=quote.name
            )
        else:
            parts = (
                []
                if self._is_default_billing_of_prepaid(figures)
                else [self._get_scope_explanation()]
            )
            if figures["prepaid"]:
                parts.append(
                    self.env._(
                        "%(minutes)s min taken from your prepaid hours",
                        minutes=figures["prepaid"],
                    )
                )
            if figures["overage"]:
                parts.append(
                    self.env._(
                        "%(minutes)s min beyond your prepaid hours",
                        minutes=figures["overage"],
                    )
                )
            if figures["surcharge_cost"]:
                parts.append(
                    self.env._(
                        "%(amount)s surcharge for work outside support hours",
                        amount=formatLang(
                            self.env,
                            figures["surcharge_cost"],
                            currency_obj=self.currency_id,
                        ),
                    )
                )
            elif figures["surcharge_minutes"]:
                parts.append(
                    self.env._(
                        "%(minutes)s min added for work outside support hours",
                        minutes=figures["surcharge_minutes"],
                    )
                )
            reason = " · ".join(parts)
            if quote:
                reason = self.env._(
                    "%(reason)s (quote %(name)s, time and materials)",
                    reason=reason,
                    name=quote.name,
                )
        return {
            "kinds": kinds,
            "kind": ", ".join(labels[kind] for kind in kinds),
            "reason": reason,
        }

    def _is_default_billing_of_prepaid(self, figures):
        """A session no rule decided, paid from prepaid hours or as overage:
        the prepaid hours set its price, "not covered" would mislead."""
        return (
            self.scope == "billable"
            and not self.scope_rule_id
            and bool(figures["prepaid"] or figures["overage"])
        )

    def _get_scope_explanation(self):
        """Why the scope rules included or billed the session, worded from the
        stored decision: its reason code, the figures stored with it and the
        rule that decided (its name as the reader's language gives it)."""
        self.ensure_one()
        rule = self.scope_rule_id.sudo()
        args = self.scope_reason_args or {}
        code = self.scope_reason_code or ("rule" if rule else "default")
        name = rule.name or ""
        limit = f"{args.get('limit', 0) / 60.0:g}"
        if code == "grace":
            if args.get("until"):
                return self.env._(
                    "%(rule)s: free during the first %(days)s days of your "
                    "contract, until %(date)s",
                    rule=name,
                    days=args.get("days") or rule.grace_days,
                    date=format_date(self.env, args["until"]),
                )
            return self.env._(
                "%(rule)s: free during the first %(days)s days of your contract",
                rule=name,
                days=args.get("days") or rule.grace_days,
            )
        if code == "repeat":
            ticket = self.env["helpdesk.ticket"].sudo().browse(args.get("ticket_id"))
            if ticket.exists() and args.get("date"):
                return self.env._(
                    "%(rule)s: the same question was answered on ticket "
                    "%(ticket)s on %(date)s",
                    rule=name,
                    ticket=ticket.number,
                    date=format_date(self.env, args["date"]),
                )
            return self.env._(
                "%(rule)s: the same question was answered less than %(days)s "
                "days before",
                rule=name,
                days=args.get("days") or rule.repeat_days,
            )
        if code == "allowance":
            return self.env._(
                "%(rule)s: within the monthly allowance of %(limit)s h",
                rule=name,
                limit=limit,
            )
        if code == "allowance_split":
            return self.env._(
                "%(included)s min within the monthly allowance of %(limit)s h "
                "for %(rule)s, %(billable)s min beyond it",
                included=self.scope_included_minutes,
                billable=self.scope_billable_minutes,
                limit=limit,
                rule=name,
            )
        if code == "allowance_used":
            return self.env._(
                "%(rule)s: the monthly allowance of %(limit)s h was already used",
                rule=name,
                limit=limit,
            )
        if code == "rule" and rule:
            if self.scope == "included":
                return self.env._("Covered by your contract: %(rule)s", rule=name)
            return self.env._("Billed on top of your contract: %(rule)s", rule=name)
        if self.scope == "included":
            return self.env._("Covered by your contract")
        return self.env._("Not covered by your contract")

    def _get_document_rows(self):
        """The sessions of ``self`` as rows of a customer document, in the
        environment's language: date (company's time zone), ticket,
        consultant, minutes worked and billed, kinds and why, cost. Reads the
        sessions, tickets, users and rules in a few batched queries."""
        rows = []
        for session in self:
            start = session.company_id._helpdesk_local_datetime(session.date_start)
            reason = session._get_billing_reason()
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
                    "kinds": reason["kinds"],
                    "kind": reason["kind"],
                    "why": reason["reason"],
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
