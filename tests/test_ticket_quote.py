from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import RatingCase

# A 1x1 transparent PNG: what the signature pad sends, base64.
SIGNATURE = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA"
    "60e6kgAAAABJRU5ErkJggg=="
)


@tagged("post_install", "-at_install")
class TestTicketQuote(RatingCase):
    """Quotes on tickets: their life cycle, and how an accepted quote bills
    the ticket's sessions at rating."""

    def _quote(self, ticket=None, **vals):
        return (
            self.env["helpdesk.ticket.quote"]
            .with_user(self.agent)
            .create(
                {
                    "ticket_id": (ticket or self.ticket).id,
                    "description": "<p>Replace the print server.</p>",
                    "estimated_hours": 2.0,
                    "pricing": "fixed",
                    "amount": 300.0,
                    **vals,
                }
            )
        )

    def _accepted(self, quote):
        quote.action_send()
        quote.sudo()._action_accept("Claire Martin", SIGNATURE)
        return quote

    # ------------------------------------------------------------------
    # Life cycle
    # ------------------------------------------------------------------
    def test_send_accept_once(self):
        quote = self._quote()
        self.assertEqual(quote.state, "draft")
        self.assertTrue(quote.name.startswith("HQ"))
        quote.action_send()
        self.assertEqual(quote.state, "sent")
        self.assertTrue(quote.access_token)
        # The email carries the quote's portal link, with its token.
        email = quote.message_ids.filtered(lambda m: m.message_type == "comment")
        self.assertEqual(len(email), 1)
        self.assertIn(
            f"/my/support/quotes/{quote.id}?access_token={quote.access_token}",
            email.body,
        )
        self.assertIn(self.contact, email.partner_ids | quote.message_partner_ids)
        quote.sudo()._action_accept("Claire Martin", SIGNATURE)
        self.assertEqual(quote.state, "accepted")
        self.assertEqual(quote.signed_by, "Claire Martin")
        self.assertTrue(quote.signed_on)
        self.assertIn(
            "accepted by Claire Martin",
            " ".join(self.ticket.message_ids.mapped("body")),
        )
        with self.assertRaisesRegex(UserError, "no longer be accepted"):
            quote.sudo()._action_accept("Someone Else", SIGNATURE)
        with self.assertRaisesRegex(UserError, "no longer be accepted"):
            quote.sudo()._action_decline("Too late")
        self.assertEqual(quote.signed_by, "Claire Martin")

    def test_declined_cannot_be_accepted(self):
        quote = self._quote()
        quote.action_send()
        with self.assertRaisesRegex(UserError, "why"):
            quote.sudo()._action_decline("  ")
        self.assertEqual(quote.state, "sent")
        quote.sudo()._action_decline("Too expensive")
        self.assertEqual(quote.state, "declined")
        self.assertEqual(quote.decline_reason, "Too expensive")
        with self.assertRaisesRegex(UserError, "no longer be accepted"):
            quote.sudo()._action_accept("Claire Martin", SIGNATURE)

    def test_accept_needs_name_and_signature(self):
        quote = self._quote()
        quote.action_send()
        with self.assertRaisesRegex(UserError, "name"):
            quote.sudo()._action_accept(" ", SIGNATURE)
        with self.assertRaisesRegex(UserError, "Sign"):
            quote.sudo()._action_accept("Claire Martin", False)
        self.assertEqual(quote.state, "sent")

    def test_state_and_signature_are_not_written_by_hand(self):
        quote = self._quote()
        for vals in (
            {"state": "accepted"},
            {"signed_by": "Forger"},
            {"signature": SIGNATURE},
        ):
            with self.assertRaisesRegex(UserError, "never set by hand"):
                quote.with_user(self.billing_manager).write(vals)
        self.assertEqual(quote.state, "draft")
        with self.assertRaisesRegex(UserError, "never set by hand"):
            self.env["helpdesk.ticket.quote"].with_user(self.agent).create(
                {
                    "ticket_id": self.ticket.id,
                    "description": "<p>x</p>",
                    "amount": 10.0,
                    "state": "accepted",
                }
            )

    def test_terms_frozen_once_sent(self):
        quote = self._quote()
        quote.with_user(self.agent).write({"amount": 250.0})
        quote.action_send()
        with self.assertRaisesRegex(UserError, "keeps its terms"):
            quote.with_user(self.agent).write({"amount": 10.0})
        self.assertEqual(quote.amount, 250.0)

    def test_bad_figures_refused(self):
        with self.assertRaisesRegex(UserError, "needs its price"):
            self._quote(amount=0.0)
        with self.assertRaisesRegex(UserError, "needs its estimate"):
            self._quote(pricing="time_materials", estimated_hours=0.0, amount=0.0)
        with self.assertRaisesRegex(UserError, "negative"):
            self._quote(estimated_hours=-1.0)

    def test_portal_user_cannot_write_quotes(self):
        portal = self.env["res.users"].create(
            {
                "name": "HSB Quote Portal",
                "login": "hsb_quote_portal",
                "partner_id": self.contact.id,
                "group_ids": [(6, 0, [self.env.ref("base.group_portal").id])],
            }
        )
        quote = self._quote()
        quote.action_send()
        self.assertEqual(quote.with_user(portal).read(["name"])[0]["name"], quote.name)
        with self.assertRaises(AccessError):
            quote.with_user(portal).write({"user_id": portal.id})
        draft = self._quote()
        with self.assertRaises(AccessError):
            draft.with_user(portal).read(["name"])

    # ------------------------------------------------------------------
    # Sessions flagged, rating
    # ------------------------------------------------------------------
    def test_sessions_flagged_until_accepted(self):
        session = self._session(self._at(9), 30)
        other = self._session(self._at(9), 30, ticket=self.ticket_2, user=self.agent_2)
        self.assertFalse(session.quote_pending)
        quote = self._quote()
        session.invalidate_recordset(["quote_pending"])
        self.assertTrue(session.quote_pending)
        self.assertFalse(other.quote_pending)
        pending = self.Session.search([("quote_pending", "=", True)])
        self.assertIn(session, pending)
        self.assertNotIn(other, pending)
        self._accepted(quote)
        session.invalidate_recordset(["quote_pending"])
        self.assertFalse(session.quote_pending)
        self.assertNotIn(session, self.Session.search([("quote_pending", "=", True)]))

    def test_fixed_price_billed_once(self):
        quote = self._accepted(self._quote(amount=300.0))
        first = self._session(self._at(9), 30)
        second = self._session(self._at(10), 20)
        # The rating screen's preview says what rating will bill.
        self.assertEqual((first.preview_cost, second.preview_cost), (300.0, 0.0))
        self._rate(first | second)
        self.assertEqual((first.cost, second.cost), (300.0, 0.0))
        self.assertEqual(first.quote_id, quote)
        self.assertEqual(second.quote_id, quote)
        self.assertTrue(first.quote_charged)
        self.assertFalse(second.quote_charged)
        # A later session of the ticket is covered too: nothing more billed.
        third = self._session(self._at(11), 45)
        self._rate(third)
        self.assertEqual(third.cost, 0.0)
        self.assertEqual(third.quote_id, quote)
        lines = self.ticket._get_portal_session_values()
        self.assertEqual(lines["total_cost"], 300.0)
        self.assertIn(quote.name, lines["lines"][1]["reason"])
        # Unrated, the session carrying the price gives it back; rated again
        # (first of the rated), it carries it again: billed once in all.
        self.billing_manager_unrate(first)
        self.assertFalse(first.quote_id)
        self.assertFalse(first.quote_charged)
        self._rate(first)
        self.assertEqual(first.cost, 300.0)
        self.assertEqual(sum((first | second | third).mapped("cost")), 300.0)

    def billing_manager_unrate(self, sessions):
        sessions.with_user(self.billing_manager).action_unrate(reason="check")

    def test_fixed_price_consumes_no_prepaid_hours(self):
        self._accepted(self._quote(ticket=self.pack_ticket, amount=120.0))
        session = self._session(self._at(9), 50, ticket=self.pack_ticket)
        self.assertEqual((session.preview_prepaid, session.preview_cost), (0, 120.0))
        self._rate(session)
        self.assertEqual(session.cost, 120.0)
        self.assertEqual(session.prepaid_minutes, 0)
        self.assertEqual(self.pack.consumed_minutes, 0)
        self.assertEqual(self.pack.remaining_hours, 1.0)

    def test_time_and_materials_bills_time_and_warns_past_estimate(self):
        quote = self._accepted(
            self._quote(pricing="time_materials", estimated_hours=0.5, amount=0.0)
        )
        first = self._session(self._at(9), 20)
        self._rate(first)
        # Stepped tariff: 20 min -> 15 min for 25.00 + one 10-minute step of
        # 12.00 = 25 min billed, 37.00.
        self.assertEqual((first.billed_duration, first.cost), (25, 37.0))
        self.assertEqual(first.quote_id, quote)
        warnings = self.ticket.message_ids.filtered(
            lambda m: "Past the estimate" in (m.body or "")
        )
        self.assertFalse(warnings)
        self.assertFalse(quote.is_over_estimate)
        second = self._session(self._at(10), 10)
        self._rate(second)
        # 10 min -> 15 min for 25.00: 25 + 15 = 40 min billed > 30 estimated.
        self.assertEqual((second.billed_duration, second.cost), (15, 25.0))
        quote.invalidate_recordset(["billed_hours", "is_over_estimate"])
        self.assertTrue(quote.is_over_estimate)
        warnings = self.ticket.message_ids.filtered(
            lambda m: "Past the estimate" in (m.body or "")
        )
        self.assertEqual(len(warnings), 1)

    def test_quote_fields_of_sessions_are_protected(self):
        quote = self._accepted(self._quote())
        session = self._session(self._at(9), 30)
        for vals in ({"quote_id": quote.id}, {"quote_charged": True}):
            with self.assertRaisesRegex(UserError, "never set by hand"):
                session.with_user(self.agent).write(vals)
        self.assertFalse(session.quote_id)

    def test_low_balance_email_links_to_my_support(self):
        template = self.env.ref("helpdesk_session_billing.mail_template_low_balance")
        body = template._render_field("body_html", self.pack.ids)[self.pack.id]
        self.assertIn(f"{self.pack.get_base_url()}/my/support", body)
