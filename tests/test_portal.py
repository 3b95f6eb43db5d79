from datetime import datetime, timedelta

from odoo import fields, http
from odoo.fields import Command
from odoo.tests import HttpCase, new_test_user, tagged

# A 1x1 transparent PNG: what the signature pad sends, base64.
SIGNATURE = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA"
    "60e6kgAAAABJRU5ErkJggg=="
)


@tagged("post_install", "-at_install")
class TestSupportPortal(HttpCase):
    """Two customers, each with a portal user: Alpha on a subscription, Bravo
    pay-per-use. Each sees their own figures (the back office's) and is
    refused the other's pages, statements and quotes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.company = env.company
        cls.company.partner_id.tz = "UTC"
        cls.company.helpdesk_scope_default_outcome = "billable"
        cls.company.helpdesk_low_balance_threshold = 2.0
        cls.company.helpdesk_low_balance_unit = "hours"
        cls.manager = new_test_user(
            env,
            "hsb_portal_manager",
            groups="helpdesk_mgmt.group_helpdesk_user,"
            "helpdesk_session_billing.group_support_billing_manager",
            name="Portal Test Manager",
        )
        cls.agent = new_test_user(
            env,
            "hsb_portal_agent",
            groups="helpdesk_mgmt.group_helpdesk_user,"
            "helpdesk_session_billing.group_support_billing_user",
            name="Agent Portal",
        )
        Partner = env["res.partner"]
        cls.alpha = Partner.create({"name": "Alpha Printing", "is_company": True})
        cls.bravo = Partner.create({"name": "Bravo Garage", "is_company": True})
        cls.alpha_contact = Partner.create(
            {"name": "Ann Alpha", "parent_id": cls.alpha.id, "email": "ann@a.example"}
        )
        cls.bravo_contact = Partner.create(
            {"name": "Bob Bravo", "parent_id": cls.bravo.id, "email": "bob@b.example"}
        )
        cls.alpha_user = new_test_user(
            env,
            "hsb_portal_alpha",
            groups="base.group_portal",
            partner_id=cls.alpha_contact.id,
        )
        cls.bravo_user = new_test_user(
            env,
            "hsb_portal_bravo",
            groups="base.group_portal",
            partner_id=cls.bravo_contact.id,
        )
        Profile = env["helpdesk.contract.profile"]
        cls.subscription = Profile.create(
            {
                "name": "Alpha pack",
                "billing_type": "subscription",
                "partner_id": cls.alpha.id,
                "prepaid_hours": 10.0,
                "amount": 0.0,
                "step_duration": 15,
                "date_start": "2025-01-01",
            }
        )
        env["helpdesk.contract.recharge"].create(
            {
                "profile_id": cls.subscription.id,
                "hours": 5.0,
                "amount": 0.0,
                "date": "2025-02-01",
                "note": "Spring recharge",
            }
        )
        cls.pay_per_use = Profile.create(
            {
                "name": "Bravo per use",
                "billing_type": "pay_per_use",
                "partner_ids": [Command.link(cls.bravo.id)],
                "initial_step_duration": 15,
                "initial_step_cost": 25.0,
                "step_duration": 10,
                "step_cost": 12.0,
            }
        )
        Ticket = env["helpdesk.ticket"]
        cls.alpha_ticket = Ticket.create(
            {
                "name": "Alpha printer jam",
                "description": "<p>Jammed.</p>",
                "partner_id": cls.alpha_contact.id,
            }
        )
        cls.bravo_ticket = Ticket.create(
            {
                "name": "Bravo mail down",
                "description": "<p>No mail.</p>",
                "partner_id": cls.bravo_contact.id,
            }
        )
        Session = env["helpdesk.session"]
        day = datetime(2025, 3, 10, 9, 0)
        # Alpha: 50 min rated (60 deducted: 15-min steps), one draft with
        # internal note and device that the portal never shows.
        cls.alpha_rated = Session.create(
            {
                "ticket_id": cls.alpha_ticket.id,
                "user_id": cls.agent.id,
                "date_start": day,
                "date_end": day + timedelta(minutes=50),
                "note": "INTERNAL-NOTE-RATED",
                "device": "INTERNAL-DEVICE-RATED",
            }
        )
        cls.alpha_draft = Session.create(
            {
                "ticket_id": cls.alpha_ticket.id,
                "user_id": cls.agent.id,
                "date_start": day + timedelta(hours=2),
                "date_end": day + timedelta(hours=2, minutes=37),
                "note": "INTERNAL-NOTE-DRAFT",
                "device": "INTERNAL-DEVICE-DRAFT",
            }
        )
        # Bravo: 30 min this month: 15 min for 25.00 + 2 steps of 12.00.
        now = fields.Datetime.now().replace(second=0, microsecond=0)
        start = max(now - timedelta(minutes=40), now.replace(day=1, hour=0, minute=0))
        cls.bravo_rated = Session.create(
            {
                "ticket_id": cls.bravo_ticket.id,
                "user_id": cls.agent.id,
                "date_start": start,
                "date_end": start + timedelta(minutes=30),
            }
        )
        (cls.alpha_rated | cls.bravo_rated).with_user(cls.manager).action_rate()
        Quote = env["helpdesk.ticket.quote"].with_user(cls.agent)
        cls.alpha_quote = Quote.create(
            {
                "ticket_id": cls.alpha_ticket.id,
                "description": "<p>Replace the fuser unit.</p>",
                "estimated_hours": 3.0,
                "pricing": "fixed",
                "amount": 240.0,
            }
        )
        cls.bravo_quote = Quote.create(
            {
                "ticket_id": cls.bravo_ticket.id,
                "description": "<p>Move mail to a new host.</p>",
                "estimated_hours": 5.0,
                "pricing": "time_materials",
            }
        )
        (cls.alpha_quote | cls.bravo_quote).action_send()

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def _hours(self, hours):
        return self.env[
            "report.helpdesk_session_billing.report_support_statement"
        ]._format_hours(hours)

    def _get(self, url, **kw):
        return self.url_open(url, allow_redirects=kw.pop("allow_redirects", True))

    def _post(self, url, data):
        return self.url_open(
            url,
            data={**data, "csrf_token": http.Request.csrf_token(self)},
            allow_redirects=False,
        )

    def _accept(self, quote, token=None, name="Ann Alpha"):
        url = f"/my/support/quotes/{quote.id}/accept"
        if token:
            url += f"?access_token={token}"
        return self.make_jsonrpc_request(url, {"name": name, "signature": SIGNATURE})

    # ------------------------------------------------------------------
    # My support
    # ------------------------------------------------------------------
    def test_statement_picker_opens_on_the_month_being_billed(self):
        """The portal opens on the month the back office bills: the month
        before during the company's closing days, this month after them."""
        self.authenticate(self.alpha_user.login, self.alpha_user.login)
        for close_days in (0, 31):
            self.company.helpdesk_billing_close_days = close_days
            billed = self.company._helpdesk_billing_month()[0].strftime("%Y-%m")
            page = self._get("/my/support").text
            self.assertIn(f'name="month" class="form-control" value="{billed}"', page)
        self.assertEqual(
            self.company._helpdesk_billing_month()[0],
            (fields.Date.today().replace(day=1) - timedelta(days=1)).replace(day=1),
        )

    def test_my_support_shows_own_figures(self):
        self.assertEqual(self.alpha_rated.prepaid_minutes, 60)
        # Back office: 10 + 5 - 1 = 14 h left.
        self.assertAlmostEqual(self.subscription.remaining_hours, 14.0)
        self.authenticate(self.alpha_user.login, self.alpha_user.login)
        page = self._get("/my/support").text
        self.assertIn("Alpha pack", page)
        self.assertIn(self._hours(self.subscription.remaining_hours), page)
        self.assertIn("14:00", page)
        self.assertIn("15:00", page)  # bought: pack + recharge
        self.assertIn("Spring recharge", page)
        self.assertIn("2:00", page)  # low-balance threshold
        self.assertNotIn("Bravo", page)

        self.authenticate(self.bravo_user.login, self.bravo_user.login)
        page = self._get("/my/support").text
        self.assertEqual(self.bravo_rated.cost, 49.0)
        statement = self.bravo._get_support_statements(
            *self._this_month(), self.company
        )[0]
        self.assertEqual(statement["total_cost"], 49.0)
        self.assertIn("Bravo per use", page)
        self.assertIn("49.00", page)
        self.assertNotIn("Alpha", page)

    def _this_month(self):
        today = self.company._helpdesk_today()
        return today.replace(day=1), today

    def test_home_counter_is_remaining_hours(self):
        self.authenticate(self.alpha_user.login, self.alpha_user.login)
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["support_count"]}
        )
        self.assertEqual(counters["support_count"], "14:00 h left")

    def test_request_more_hours(self):
        Activity = self.env["mail.activity"]
        domain = [
            ("res_model", "=", "helpdesk.contract.profile"),
            ("res_id", "=", self.subscription.id),
            ("summary", "=", "Customer asks for more support hours"),
        ]
        self.authenticate(self.bravo_user.login, self.bravo_user.login)
        response = self._post(
            "/my/support/request_hours", {"subscription_id": self.subscription.id}
        )
        self.assertEqual(response.status_code, 404)
        self.assertFalse(Activity.search(domain))

        self.authenticate(self.alpha_user.login, self.alpha_user.login)
        response = self._post(
            "/my/support/request_hours", {"subscription_id": self.subscription.id}
        )
        self.assertEqual(response.status_code, 303)
        self.assertIn("/my/support?requested=1", response.headers["Location"])
        activity = Activity.search(domain)
        self.assertEqual(len(activity), 1)
        self.assertTrue(
            activity.user_id.has_group(
                "helpdesk_session_billing.group_support_billing_manager"
            )
        )
        page = self._get("/my/support?requested=1").text
        self.assertIn("Your request for more hours was sent", page)

    # ------------------------------------------------------------------
    # Statements
    # ------------------------------------------------------------------
    def test_statement_is_the_customers_own(self):
        self.authenticate(self.alpha_user.login, self.alpha_user.login)
        response = self._get("/my/support/statement?month=2025-03&report_type=html")
        self.assertEqual(response.status_code, 200)
        self.assertIn("Support statement", response.text)
        self.assertIn("Alpha Printing", response.text)
        self.assertIn("Alpha printer jam", response.text)
        self.assertNotIn("Bravo", response.text)
        # The PDF route (HTML while tests run: Odoo renders reports so).
        response = self._get("/my/support/statement?month=2025-03")
        self.assertEqual(response.status_code, 200)
        self.assertIn(
            response.headers["Content-Type"].split(";")[0],
            ("application/pdf", "text/html"),
        )
        # Another company, a bad period: refused.
        other = self.env["res.company"].create({"name": "HSB Other Co"})
        response = self._get(
            f"/my/support/statement?month=2025-03&company_id={other.id}"
        )
        self.assertEqual(response.status_code, 404)
        response = self._get("/my/support/statement?month=2025-13")
        self.assertEqual(response.status_code, 400)
        response = self._get(
            "/my/support/statement?date_from=2025-03-10&date_to=2025-03-01"
        )
        self.assertEqual(response.status_code, 400)

        self.authenticate(self.bravo_user.login, self.bravo_user.login)
        response = self._get("/my/support/statement?month=2025-03&report_type=html")
        self.assertIn("Bravo Garage", response.text)
        self.assertNotIn("Alpha", response.text)

    def test_statement_needs_login(self):
        response = self._get(
            "/my/support/statement?month=2025-03", allow_redirects=False
        )
        self.assertEqual(response.status_code, 303)
        self.assertIn("/web/login", response.headers["Location"])

    # ------------------------------------------------------------------
    # Ticket page
    # ------------------------------------------------------------------
    def test_ticket_page_shows_rated_sessions_only(self):
        self.authenticate(self.alpha_user.login, self.alpha_user.login)
        page = self._get(f"/my/ticket/{self.alpha_ticket.id}").text
        self.assertIn("Time spent", page)
        self.assertEqual(page.count("o_hsb_session_line"), 1)
        self.assertIn("Agent Portal", page)
        self.assertIn(">0:50<", page)  # worked, h:mm as everywhere
        self.assertIn(">1:00<", page)  # billed (15-min steps)
        # The session's time as on invoices: the company's, without seconds.
        self.assertRegex(page, r"<td>\d{4}-\d\d-\d\d \d\d:\d\d</td>")
        for secret in (
            "INTERNAL-NOTE-RATED",
            "INTERNAL-DEVICE-RATED",
            "INTERNAL-NOTE-DRAFT",
            "INTERNAL-DEVICE-DRAFT",
            ">0:37<",
        ):
            self.assertNotIn(secret, page)
        self.assertIn(self.alpha_quote.name, page)

    def test_ticket_page_of_another_customer_refused(self):
        self.authenticate(self.bravo_user.login, self.bravo_user.login)
        response = self._get(
            f"/my/ticket/{self.alpha_ticket.id}", allow_redirects=False
        )
        self.assertIn(response.status_code, (303, 403, 404))
        self.assertNotIn("Alpha printer jam", response.text)
        response = self._get(
            f"/my/ticket/{self.alpha_ticket.id}/not-a-token", allow_redirects=False
        )
        self.assertNotIn("Alpha printer jam", response.text)

    def test_ticket_followed_by_another_customer_shows_no_figures(self):
        # helpdesk_mgmt opens a ticket to its followers: Bravo's contact,
        # following Alpha's ticket, reads it but never Alpha's sessions.
        self.alpha_ticket.message_subscribe(partner_ids=self.bravo_contact.ids)
        self.authenticate(self.bravo_user.login, self.bravo_user.login)
        page = self._get(f"/my/ticket/{self.alpha_ticket.id}").text
        self.assertIn("Alpha printer jam", page)
        self.assertNotIn("o_hsb_session_line", page)
        self.assertNotIn(self.alpha_quote.name, page)

    # ------------------------------------------------------------------
    # Quotes
    # ------------------------------------------------------------------
    def test_quote_of_another_customer_refused(self):
        self.authenticate(self.bravo_user.login, self.bravo_user.login)
        url = f"/my/support/quotes/{self.alpha_quote.id}"
        self.assertEqual(self._get(url).status_code, 404)
        # Bravo's own token does not open Alpha's quote.
        token = self.bravo_quote.access_token
        self.assertEqual(self._get(f"{url}?access_token={token}").status_code, 404)
        self.assertEqual(self._get(f"{url}?access_token=forged").status_code, 404)
        result = self._accept(self.alpha_quote, token=token, name="Bob Bravo")
        self.assertIn("error", result)
        response = self._post(f"{url}/decline", {"decline_reason": "Not mine"})
        self.assertEqual(response.status_code, 404)
        self.assertEqual(self.alpha_quote.state, "sent")
        # Their own quote opens.
        own = self._get(f"/my/support/quotes/{self.bravo_quote.id}")
        self.assertEqual(own.status_code, 200)
        self.assertIn(self.bravo_quote.name, own.text)

    def test_quote_by_token_without_login(self):
        url = f"/my/support/quotes/{self.alpha_quote.id}"
        self.assertEqual(self._get(url).status_code, 404)
        self.assertEqual(self._get(f"{url}?access_token=forged").status_code, 404)
        response = self._get(f"{url}?access_token={self.alpha_quote.access_token}")
        self.assertEqual(response.status_code, 200)
        self.assertIn("Replace the fuser unit", response.text)

    def test_accept_once(self):
        self.authenticate(self.alpha_user.login, self.alpha_user.login)
        result = self._accept(self.alpha_quote)
        self.assertTrue(result.get("force_refresh"), result)
        self.assertEqual(self.alpha_quote.state, "accepted")
        self.assertEqual(self.alpha_quote.signed_by, "Ann Alpha")
        self.assertTrue(self.alpha_quote.signature)
        self.assertIn(
            "accepted by Ann Alpha",
            " ".join(self.alpha_ticket.message_ids.mapped("body")),
        )
        again = self._accept(self.alpha_quote, name="Someone Else")
        self.assertIn("no longer be accepted", again["error"])
        self.assertEqual(self.alpha_quote.signed_by, "Ann Alpha")
        page = self._get(f"/my/support/quotes/{self.alpha_quote.id}").text
        self.assertIn("Accepted by", page)
        # Time as everywhere else: h:mm, not "3.0".
        self.assertRegex(page, r">\s*3:00\s*<")
        self.assertNotIn(">3.0<", page)
        self.assertNotIn("hsb_modal_accept", page)

    def test_declined_cannot_be_accepted(self):
        self.authenticate(self.alpha_user.login, self.alpha_user.login)
        url = f"/my/support/quotes/{self.alpha_quote.id}"
        response = self._post(f"{url}/decline", {"decline_reason": "Too expensive"})
        self.assertEqual(response.status_code, 303)
        self.assertEqual(self.alpha_quote.state, "declined")
        self.assertEqual(self.alpha_quote.decline_reason, "Too expensive")
        result = self._accept(self.alpha_quote)
        self.assertIn("no longer be accepted", result["error"])
        self.assertEqual(self.alpha_quote.state, "declined")

    def test_draft_quote_not_on_portal(self):
        draft = (
            self.env["helpdesk.ticket.quote"]
            .with_user(self.agent)
            .create(
                {
                    "ticket_id": self.alpha_ticket.id,
                    "description": "<p>Draft work.</p>",
                    "pricing": "fixed",
                    "amount": 10.0,
                }
            )
        )
        self.authenticate(self.alpha_user.login, self.alpha_user.login)
        self.assertEqual(self._get(f"/my/support/quotes/{draft.id}").status_code, 404)
        self.assertIn("error", self._accept(draft))
        self.assertEqual(draft.state, "draft")

    # ------------------------------------------------------------------
    # Browser tour
    # ------------------------------------------------------------------
    def test_portal_tour(self):
        self.start_tour("/my", "helpdesk_portal_support_tour", login="hsb_portal_alpha")
        self.assertEqual(self.alpha_quote.state, "accepted")
        self.assertEqual(self.alpha_quote.signed_by, "Ann Alpha")
        self.assertTrue(self.alpha_quote.signature)
