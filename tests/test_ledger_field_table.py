"""Every field of the module is classified once, and the table is what Odoo
enforces: walked over the registry, then tried as the real roles."""

from unittest.mock import patch

from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.models import MAGIC_COLUMNS
from odoo.tests import tagged

from ..models import helpdesk_ledger_fields as table
from .common import SessionCase


@tagged("post_install", "-at_install")
class TestEveryFieldClassified(SessionCase):
    def _module_fields(self):
        """(model, field) of every field the module defines, on its own
        models and on Odoo's, that can be written."""
        for model_name in self.env.registry:
            model = self.env[model_name]
            for field in model._fields.values():
                if table.is_module_field(field) and table.needs_rule(field):
                    yield model, field

    def test_no_field_is_left_out(self):
        unclassified = [
            f"{model._name}.{field.name}"
            for model, field in self._module_fields()
            if model._name not in table.INPUT_MODELS
            and table.get_rule(model._name, field.name) is None
            and field.name not in MAGIC_COLUMNS
        ]
        self.assertFalse(
            unclassified,
            "Classify these fields in models/helpdesk_ledger_fields.py",
        )
        # The Odoo models the module extends are in the walk.
        walked = {model._name for model, _field in self._module_fields()}
        for model_name in (
            "helpdesk.ticket",
            "res.partner",
            "res.company",
            "account.move",
            "account.move.line",
        ):
            self.assertIn(model_name, walked)

    def test_table_names_real_fields_of_the_module(self):
        for model_name, rules in table.FIELD_RULES.items():
            model = self.env[model_name]
            for fname, rule in rules.items():
                with self.subTest(field=f"{model_name}.{fname}"):
                    field = model._fields[fname]
                    self.assertTrue(table.is_module_field(field))
                    self.assertIn(rule.kind, ("user", "module", "derived", "job"))
        for model_name in table.INPUT_MODELS:
            model = self.env[model_name]
            self.assertTrue(model._transient, model_name)

    def test_computed_fields_are_never_typed_over(self):
        # A stored computed field a user may write must be meant to be
        # (readonly=False): a duration is never a number typed over.
        for model, field in self._module_fields():
            rule = table.get_rule(model._name, field.name)
            if rule and field.compute and field.store and rule.kind == "user":
                with self.subTest(field=f"{model._name}.{field.name}"):
                    self.assertFalse(field.readonly)

    def test_job_models_are_written_by_no_role(self):
        job_models = {
            model_name
            for model_name, rules in table.FIELD_RULES.items()
            if any(rule.kind == "job" for rule in rules.values())
        }
        self.assertTrue(job_models)
        for model_name in job_models:
            accesses = self.env["ir.model.access"].search(
                [
                    ("model_id.model", "=", model_name),
                    "|",
                    ("perm_write", "=", True),
                    ("perm_create", "=", True),
                ]
            )
            self.assertFalse(accesses, model_name)

    def test_an_unclassified_field_is_closed(self):
        # A new field nobody classified yet: refused to every role, shown
        # read-only.
        session = self._session(self._at(9), 30)
        rules = {
            **table.FIELD_RULES,
            "helpdesk.session": {
                fname: rule
                for fname, rule in table.FIELD_RULES["helpdesk.session"].items()
                if fname != "note"
            },
        }
        with patch.object(table, "FIELD_RULES", rules):
            for user in (self.agent, self.billing_manager):
                with (
                    self.subTest(user=user.login),
                    self.assertRaisesRegex(AccessError, "not classified"),
                    self.cr.savepoint(),
                ):
                    session.with_user(user).write({"note": "typed"})
            description = self.Session.with_user(self.billing_manager).fields_get(
                ["note"], ["readonly"]
            )
            self.assertTrue(description["note"]["readonly"])
        session.with_user(self.agent).write({"note": "typed"})
        self.assertEqual(session.note, "typed")

    def test_screens_show_what_the_table_says(self):
        described = self.Session.with_user(self.billing_manager).fields_get(
            ["total_duration", "partner_id", "needs_review", "cost", "note"],
            ["readonly"],
        )
        for fname in ("total_duration", "partner_id", "needs_review", "cost"):
            self.assertTrue(described[fname]["readonly"], fname)
        self.assertFalse(described["note"]["readonly"])


@tagged("post_install", "-at_install")
class TestConsultantForgesNothing(SessionCase):
    """The examples of a consultant's own draft: its derived figures, its
    customer, its review flag; a ticket's targets."""

    def test_derived_figures_of_an_own_draft(self):
        session = self._session(self._at(9), 30)
        other = self.env["res.partner"].create(
            {"name": "HSB Other", "is_company": True}
        )
        forged = {
            "duration": 600,
            "total_duration": 600,
            "total_hours": 10.0,
            "partner_id": other.id,
            "company_id": self.env["res.company"].create({"name": "HSB Co 2"}).id,
            "needs_review": False,
            "is_total_clamped": True,
        }
        for fname, value in forged.items():
            with (
                self.subTest(field=fname),
                self.assertRaisesRegex(AccessError, "never set by hand"),
                self.cr.savepoint(),
            ):
                session.with_user(self.agent).write({fname: value})
        session.invalidate_recordset()
        self.assertEqual(session.total_duration, 30)
        self.assertEqual(session.partner_id, self.customer)
        # Nor at creation, nor through a default of the context.
        with self.assertRaisesRegex(AccessError, "never set by hand"):
            self.Session.with_user(self.agent).create(
                {
                    "ticket_id": self.ticket.id,
                    "date_start": self._at(11),
                    "date_end": self._at(11, 30),
                    "total_duration": 600,
                }
            )
        with self.assertRaisesRegex(AccessError, "never set by hand"):
            self.Session.with_user(self.agent).with_context(
                default_partner_id=other.id
            ).create(
                {
                    "ticket_id": self.ticket.id,
                    "date_start": self._at(11),
                    "date_end": self._at(11, 30),
                }
            )

    def test_review_flag_stays(self):
        self.company.helpdesk_session_max_minutes = 60
        session = self._session(self._at(9), 120)
        self.assertTrue(session.needs_review)
        with self.assertRaisesRegex(AccessError, "never set by hand"):
            session.with_user(self.agent).write({"needs_review": False})
        self.assertTrue(session.needs_review)

    def test_ticket_targets_are_the_module_s(self):
        ticket = self.ticket.with_user(self.agent)
        deadline = ticket.response_deadline
        for vals in (
            {"response_breached": False},
            {"target_breached": False},
            {"resolution_breached": False},
            {"response_deadline": "2099-01-01 00:00:00"},
            {"first_response_date": "2025-01-01 00:00:00"},
        ):
            with (
                self.subTest(vals=vals),
                self.assertRaisesRegex(AccessError, "never set by hand"),
                self.cr.savepoint(),
            ):
                ticket.write(vals)
        # Where the clock starts is a billing manager's call.
        with self.assertRaisesRegex(AccessError, "billing managers"):
            ticket.write({"target_start_date": "2025-01-01 00:00:00"})
        self.ticket.invalidate_recordset()
        self.assertEqual(self.ticket.response_deadline, deadline)
        self.ticket.with_user(self.billing_manager).write(
            {"target_start_date": self._at(8)}
        )
        self.assertEqual(self.ticket.target_start_date, self._at(8))

    def test_a_ticket_reveals_no_contract_to_the_portal(self):
        profile = self._pay_per_use(
            name="HSB Secret Gold Tariff", partner_ids=[Command.link(self.customer.id)]
        )
        portal = self.env["res.users"].create(
            {
                "name": "HSB Portal",
                "login": "hsb_portal_ledger",
                "partner_id": self.contact.id,
                "group_ids": [Command.set(self.env.ref("base.group_portal").ids)],
            }
        )
        ticket = self._ticket(name="HSB portal ticket")
        self.assertEqual(ticket.target_profile_id, profile)
        as_portal = ticket.with_user(portal)
        as_portal.check_access("read")
        # What a portal user may read of the ticket names no contract, through
        # no field and no related record.
        readable = [
            fname
            for fname, field in ticket._fields.items()
            if table.is_module_field(field)
            and as_portal._has_field_access(field, "read")
        ]
        values = as_portal.read(readable)[0]
        self.assertNotIn("HSB Secret Gold Tariff", str(values))
        for fname, field in ticket._fields.items():
            if field.comodel_name in (
                "helpdesk.contract.profile",
                "helpdesk.scope.rule",
                "helpdesk.session",
            ) or (field.related and "profile" in ".".join(field.related)):
                with self.subTest(field=fname):
                    self.assertFalse(
                        ticket.with_user(portal)._has_field_access(field, "read")
                    )
        with self.assertRaises(AccessError):
            as_portal.read(["target_profile_id"])
