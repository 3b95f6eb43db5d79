from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestSessionTour(HttpCase):
    """The timer in a real browser: Start, Pause, Resume and Stop on the ticket
    form, the note dialog, the Sessions tab."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.consultant = new_test_user(
            cls.env,
            "hsb_tour_consultant",
            groups="helpdesk_mgmt.group_helpdesk_user,"
            "helpdesk_session_billing.group_support_billing_user",
            name="Tour Consultant",
        )
        customer = cls.env["res.partner"].create(
            {"name": "HSB Tour Customer", "is_company": True}
        )
        cls.ticket = cls.env["helpdesk.ticket"].create(
            {
                "name": "HSB tour: printer down",
                "description": "<p>The printer is down.</p>",
                "partner_id": customer.id,
            }
        )

    def test_timer_from_the_ticket_form(self):
        self.start_tour(
            f"/odoo/helpdesk.ticket/{self.ticket.id}",
            "helpdesk_session_timer_tour",
            login=self.consultant.login,
        )
        session = self.ticket.session_ids
        self.assertEqual(len(session), 1)
        self.assertEqual(session.user_id, self.consultant)
        self.assertFalse(session.timer_state)
        self.assertTrue(session.date_end)
        self.assertEqual(session.note, "Reinstalled the printer driver")
        self.assertEqual(session.state, "draft")
