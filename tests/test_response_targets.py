"""Response and resolution targets per priority, in working hours of the
support calendar: deadlines over a weekend and a holiday, the first response
rule, breaches."""

from datetime import date, datetime, timedelta

from odoo.fields import Command
from odoo.tests import tagged

from .test_support_hours import SupportHoursCase, utc


@tagged("post_install", "-at_install")
class TestResponseTargets(SupportHoursCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Target = cls.env["helpdesk.response.target"]
        Target.create(
            [
                {"priority": "1", "response_hours": 4, "resolution_hours": 18},
                {"priority": "3", "response_hours": 1, "resolution_hours": 9},
            ]
        )

    def _ticket_at(self, start, **vals):
        ticket = self._ticket(**vals)
        ticket.target_start_date = start
        return ticket

    def test_deadlines_skip_the_weekend(self):
        # Friday 7 March 2025 16:00 in Paris, medium priority: 2 working hours
        # on Friday, then Monday from 9:00: response (4 h) Monday 11:00,
        # resolution (18 h = 2 + 9 + 7) Tuesday 16:00.
        ticket = self._ticket_at(utc("Europe/Paris", 2025, 3, 7, 16, 0))
        self.assertEqual(
            ticket.response_deadline, utc("Europe/Paris", 2025, 3, 10, 11, 0)
        )
        self.assertEqual(
            ticket.resolution_deadline, utc("Europe/Paris", 2025, 3, 11, 16, 0)
        )

    def test_deadlines_skip_a_holiday_and_follow_the_priority(self):
        self._holiday("Europe/Paris", (2025, 3, 12), self.company)
        # Tuesday 11 March 17:30, very high priority: half an hour on Tuesday,
        # Wednesday is a holiday: response Thursday 9:30.
        ticket = self._ticket_at(utc("Europe/Paris", 2025, 3, 11, 17, 30), priority="3")
        self.assertEqual(
            ticket.response_deadline, utc("Europe/Paris", 2025, 3, 13, 9, 30)
        )
        # Medium priority: 4 h, Thursday 12:30; changed, planned again.
        ticket.priority = "1"
        self.assertEqual(
            ticket.response_deadline, utc("Europe/Paris", 2025, 3, 13, 12, 30)
        )
        # Low priority: no target, no deadline.
        ticket.priority = "0"
        self.assertFalse(ticket.response_deadline)

    def test_profile_targets_replace_the_company_s(self):
        profile = self._pay_per_use(
            partner_ids=[Command.link(self.customer.id)],
            response_target_ids=[
                Command.create(
                    {"priority": "1", "response_hours": 2, "resolution_hours": 0}
                )
            ],
        )
        ticket = self._ticket_at(utc("Europe/Paris", 2025, 3, 10, 9, 0))
        self.assertEqual(ticket.target_profile_id, profile)
        self.assertEqual(
            ticket.response_deadline, utc("Europe/Paris", 2025, 3, 10, 11, 0)
        )
        self.assertFalse(ticket.resolution_deadline)
        # The profile's own hours (late shift 12-22) move the deadline.
        late = self._calendar("HSB late shift", "Europe/Paris", 12, 22)
        profile.support_calendar_id = late
        self.assertEqual(
            ticket.response_deadline, utc("Europe/Paris", 2025, 3, 10, 14, 0)
        )

    def test_first_response_is_the_earlier_of_session_and_reply(self):
        ticket = self._ticket_at(utc("Europe/Paris", 2025, 3, 10, 9, 0))
        self.assertFalse(ticket.first_response_date)
        self._session(utc("Europe/Paris", 2025, 3, 10, 14, 0), 30, ticket=ticket)
        self.assertEqual(
            ticket.first_response_date, utc("Europe/Paris", 2025, 3, 10, 14, 0)
        )
        # Answered at 14:00, due at 13:00: late.
        self.assertTrue(ticket.response_breached)
        self.assertTrue(ticket.target_breached)
        # An internal note is no response; a public reply now is later.
        ticket.with_user(self.agent).message_post(
            body="Looking", message_type="comment", subtype_xmlid="mail.mt_note"
        )
        ticket.with_user(self.agent).message_post(
            body="On it", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        self.assertEqual(
            ticket.first_response_date, utc("Europe/Paris", 2025, 3, 10, 14, 0)
        )
        # On another ticket, a public reply alone is the first response.
        other = self._ticket_at(datetime.now(), name="HSB reply only")
        other.with_user(self.agent).message_post(
            body="On it", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        self.assertTrue(other.first_response_date)
        self.assertFalse(other.response_breached)

    def test_breaches_are_searchable_and_groupable(self):
        late = self._ticket_at(utc("Europe/Paris", 2025, 3, 10, 9, 0), name="HSB late")
        self._session(utc("Europe/Paris", 2025, 3, 10, 9, 30), 30, ticket=late)
        # Answered in time, but never closed: the resolution is late.
        self.assertFalse(late.response_breached)
        self.assertTrue(late.resolution_breached)
        Ticket = self.env["helpdesk.ticket"]
        self.assertIn(late, Ticket.search([("target_breached", "=", True)]))
        groups = Ticket._read_group(
            [("id", "=", late.id)], ["partner_id", "target_breached"], ["__count"]
        )
        self.assertEqual(groups, [(late.partner_id, True, 1)])

    def test_cron_flags_overdue_tickets(self):
        ticket = self._ticket_at(datetime.now(), priority="3")
        self.assertFalse(ticket.target_breached)
        # Its deadline passes (here: it is moved into the past by hand).
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE helpdesk_ticket SET response_deadline = %s WHERE id = %s",
            (datetime(2025, 1, 1), ticket.id),
        )
        ticket.invalidate_recordset()
        self.env["helpdesk.ticket"]._cron_update_target_breaches()
        self.assertTrue(ticket.response_breached)


@tagged("post_install", "-at_install")
class TestStatementTargets(SupportHoursCase):
    def test_statement_counts_targets_met_and_missed(self):
        self.env["helpdesk.response.target"].create(
            [
                {"priority": "1", "response_hours": 4, "resolution_hours": 0},
                {"priority": "3", "response_hours": 1, "resolution_hours": 9},
            ]
        )
        monday = utc("Europe/Paris", 2025, 3, 10, 9, 0)

        def ticket(priority, answered_after=None, name="HSB statement"):
            record = self._ticket(name=name, priority=priority)
            record.target_start_date = monday
            if answered_after is not None:
                self._session(
                    monday + timedelta(hours=answered_after), 15, ticket=record
                )
            return record

        ticket("1", 1)  # answered in 1 h of 4: met
        ticket("1", 5)  # answered in 5 h: missed
        ticket("1")  # not answered yet, long past due: missed
        ticket("3", 0.5)  # answered in time, never closed: resolution missed
        # Another month: not on the statement.
        april = ticket("1", 1)
        april.target_start_date = utc("Europe/Paris", 2025, 4, 7, 9, 0)
        [statement] = self.customer._get_support_statements(
            date(2025, 3, 1), date(2025, 3, 31), self.company
        )
        very_high, medium = statement["targets"]
        self.assertEqual(
            (
                medium["priority"],
                medium["tickets"],
                medium["response_met"],
                medium["response_missed"],
                medium["resolution_met"],
                medium["resolution_missed"],
            ),
            ("Medium", 3, 1, 2, 0, 0),
        )
        self.assertEqual(
            (
                very_high["priority"],
                very_high["tickets"],
                very_high["response_met"],
                very_high["resolution_missed"],
            ),
            ("Very High", 1, 1, 1),
        )
        # A French customer reads its priorities in French, whoever prints.
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(
            ["helpdesk_mgmt"], ["fr_FR"], overwrite=True
        )
        french = dict(
            self.env["helpdesk.ticket"]
            .with_context(lang="fr_FR")
            ._fields["priority"]
            ._description_selection(self.env(context={"lang": "fr_FR"}))
        )
        self.assertNotEqual(french["1"], "Medium", "helpdesk_mgmt translates it")
        self.customer.lang = "fr_FR"
        [statement] = self.customer._get_support_statements(
            date(2025, 3, 1), date(2025, 3, 31), self.company
        )
        self.assertEqual(
            [row["priority"] for row in statement["targets"]],
            [french["3"], french["1"]],
        )
