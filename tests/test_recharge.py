from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from .common import SupportBillingCase


@tagged("post_install", "-at_install")
class TestRecharge(SupportBillingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pack = cls._subscription(prepaid_hours=10, amount=800)

    def _recharge(self, profile=None, **values):
        action = (
            (profile or self.pack).with_user(self.manager).action_open_recharge_wizard()
        )
        wizard_form = Form(
            self.env[action["res_model"]]
            .with_user(self.manager)
            .with_context(**action["context"])
        )
        for name, value in values.items():
            setattr(wizard_form, name, value)
        return wizard_form.save().action_recharge()

    def test_recharge_adds_hours_and_history(self):
        self._recharge(hours=5, note="Second pack")
        self.assertEqual(self.pack.recharged_hours, 5)
        self.assertEqual(self.pack.remaining_hours, 15)
        recharge = self.pack.recharge_ids
        self.assertEqual(len(recharge), 1)
        # The amount defaults to the pack's hourly price.
        self.assertEqual(recharge.amount, 400)
        self.assertEqual(recharge.note, "Second pack")
        self.assertEqual(recharge.user_id, self.manager)
        self.assertIn("Recharged 5.0 h", self.pack.message_ids[0].body)
        self._recharge(hours=2.5, amount=150)
        self.assertEqual(self.pack.remaining_hours, 17.5)
        self.assertEqual(self.customer.helpdesk_remaining_hours, 17.5)

    def test_recharge_of_nothing_refused(self):
        with (
            self.assertRaisesRegex(ValidationError, "needs hours, an amount"),
            self.cr.savepoint(),
        ):
            self._recharge(hours=0, amount=0)
        self.assertFalse(self.pack.recharge_ids)

    def test_negative_recharge_refused(self):
        with self.assertRaisesRegex(ValidationError, "negative"), self.cr.savepoint():
            self._recharge(hours=-2)
        self.assertFalse(self.pack.recharge_ids)

    def test_pay_per_use_cannot_be_recharged(self):
        with self.assertRaisesRegex(UserError, "Only a subscription"):
            self._pay_per_use().action_open_recharge_wizard()
        with self.assertRaisesRegex(ValidationError, "Only a subscription"):
            self.env["helpdesk.contract.recharge"].create(
                {"profile_id": self._pay_per_use().id, "hours": 1}
            )
