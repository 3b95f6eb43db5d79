"""How a ticket's quote bills its sessions, and the flag on sessions logged
without an accepted quote.

At rating (``_apply_ticket_quotes``, called by ``action_rate``): under an
accepted fixed-price quote the ticket's sessions are covered by the quote, the
first one rated bills its amount once, the others nothing, and none consumes
prepaid hours; under a time-and-materials quote sessions bill as usual, and
the ticket's chatter warns when its billed hours pass the estimate.
"""

from odoo import api, fields, models

OPEN_QUOTE_STATES = ("draft", "sent", "declined")


class HelpdeskSession(models.Model):
    _inherit = "helpdesk.session"

    # ------------------------------------------------------------------
    # Fields
    # ------------------------------------------------------------------
    quote_id = fields.Many2one(
        comodel_name="helpdesk.ticket.quote",
        string="Covered by quote",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="restrict",
    )
    quote_charged = fields.Boolean(
        readonly=True,
        copy=False,
        help="This session bills the fixed price of its quote.",
    )
    quote_pending = fields.Boolean(
        string="Quote not accepted",
        compute="_compute_quote_pending",
        search="_search_quote_pending",
        help="The ticket has a quote the customer has not accepted (yet).",
    )

    # ------------------------------------------------------------------
    # Compute
    # ------------------------------------------------------------------
    @api.depends("ticket_id.quote_ids.state")
    def _compute_quote_pending(self):
        pending = self._quote_pending_ticket_ids(self.ticket_id.ids)
        for session in self:
            session.quote_pending = session.ticket_id.id in pending

    def _search_quote_pending(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            return NotImplemented
        tickets = self._quote_pending_ticket_ids()
        positive = (operator == "=") == value
        return [("ticket_id", "in" if positive else "not in", list(tickets))]

    @api.model
    def _quote_pending_ticket_ids(self, ticket_ids=None):
        """Tickets with an open or declined quote and none accepted."""
        domain = [("state", "in", (*OPEN_QUOTE_STATES, "accepted"))]
        if ticket_ids is not None:
            domain.append(("ticket_id", "in", ticket_ids))
        groups = self.env["helpdesk.ticket.quote"]._read_group(
            domain, ["ticket_id", "state"]
        )
        accepted = {ticket.id for ticket, state in groups if state == "accepted"}
        return {ticket.id for ticket, state in groups} - accepted

    # ------------------------------------------------------------------
    # Business: rating
    # ------------------------------------------------------------------
    def _preview_ticket_quotes(self):
        """The rating preview of the drafts ``self`` adjusted, as rating them
        in order will, to the tickets' accepted quotes (without the estimate
        warnings)."""
        sessions = self.filtered(lambda s: isinstance(s.id, int) and s.date_start)
        if not sessions.ticket_id._get_accepted_quotes():
            return
        # The ticket's other drafts too: a fixed price goes to the first one
        # rated, whichever sessions are previewed.
        others = self.search(
            [
                ("ticket_id", "in", sessions.ticket_id.ids),
                ("state", "=", "draft"),
                ("id", "not in", sessions.ids),
            ]
        )
        ratings = {
            session.id: {"billed_duration": 0, "prepaid_minutes": 0, "cost": 0.0}
            for session in others
        }
        ratings.update(
            {
                session.id: {
                    "billed_duration": session.preview_billed,
                    "prepaid_minutes": session.preview_prepaid,
                    "cost": session.preview_cost,
                }
                for session in sessions
            }
        )
        ratings = (sessions | others)._apply_ticket_quotes(ratings, warn=False)
        for session in sessions:
            session.preview_prepaid = ratings[session.id]["prepaid_minutes"]
            session.preview_cost = ratings[session.id]["cost"]

    def _apply_ticket_quotes(self, ratings, warn=True):
        """``ratings`` ({session id: values}) of ``self`` adjusted to the
        tickets' accepted quotes; returns them. With ``warn``, the chatter of
        a time-and-materials quote's ticket says when it passes the
        estimate."""
        quotes = self.ticket_id._get_accepted_quotes()
        if not quotes:
            return ratings
        charged = set(
            self.search(
                [
                    ("quote_id", "in", [quote.id for quote in quotes.values()]),
                    ("quote_charged", "=", True),
                    ("state", "in", ["rated", "invoiced", "credited"]),
                ]
            ).quote_id.ids
        )
        batch_minutes = {}
        for session in self.sorted(lambda s: (s.date_start, s.id)):
            quote = quotes.get(session.ticket_id)
            vals = ratings.get(session.id)
            if not quote or vals is None:
                continue
            vals["quote_id"] = quote.id
            if quote.pricing == "fixed":
                first = quote.id not in charged
                charged.add(quote.id)
                vals.update(
                    {
                        "cost": quote.amount if first else 0.0,
                        "prepaid_minutes": 0,
                        "overage_minutes": 0,
                        "quote_charged": first,
                    }
                )
            else:
                batch_minutes[quote] = batch_minutes.get(quote, 0) + vals.get(
                    "billed_duration", 0
                )
        for quote, minutes in batch_minutes.items() if warn else ():
            billed = quote.billed_hours * 60 + minutes
            if quote.estimated_hours and billed > quote.estimated_hours * 60:
                message = self.env._(
                    "Past the estimate of quote %(name)s: %(billed)s h billed for "
                    "%(estimate)s h estimated.",
                    name=quote.name,
                    billed=round(billed / 60.0, 2),
                    estimate=quote.estimated_hours,
                )
                quote.ticket_id.message_post(body=message)
                quote.message_post(body=message)
        return ratings

    @api.model
    def _prepare_unrate_vals(self):
        return {
            **super()._prepare_unrate_vals(),
            "quote_id": False,
            "quote_charged": False,
        }


class HelpdeskTicket(models.Model):
    _inherit = "helpdesk.ticket"

    quote_ids = fields.One2many(
        comodel_name="helpdesk.ticket.quote", inverse_name="ticket_id"
    )
    quote_count = fields.Integer(compute="_compute_quote_count")

    @api.depends("quote_ids")
    def _compute_quote_count(self):
        for ticket in self:
            ticket.quote_count = len(ticket.quote_ids)

    def _get_accepted_quotes(self):
        """{ticket: its accepted quote (the latest)} for the tickets of
        ``self`` with one."""
        quotes = (
            self.env["helpdesk.ticket.quote"]
            .sudo()
            .search(
                [("ticket_id", "in", self.ids), ("state", "=", "accepted")],
                order="signed_on desc, id desc",
            )
        )
        result = {}
        for quote in quotes:
            result.setdefault(quote.ticket_id, quote.sudo(False))
        return result

    def action_new_quote(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("New quote"),
            "res_model": "helpdesk.ticket.quote",
            "view_mode": "form",
            "context": {"default_ticket_id": self.id},
        }

    def action_view_quotes(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Quotes"),
            "res_model": "helpdesk.ticket.quote",
            "view_mode": "list,form",
            "domain": [("ticket_id", "=", self.id)],
            "context": {"default_ticket_id": self.id},
        }
