"""The customers, tariff and buttons of the background batch tests (the
scheduled action's in test_billing_batch.py, queue_job's in
test_billing_batch_queue_job.py)."""

from datetime import timedelta

from odoo.fields import Command

from .common import SupportAccountingCase


class BillingBatchCase(SupportAccountingCase):
    """Four customers on one stepped tariff, a ticket each, a threshold of
    three sessions, and the Rate all / Create invoices buttons."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.helpdesk_batch_threshold = 3
        # The billing manager also posts invoices.
        cls.billing_manager.group_ids = [
            Command.link(cls.env.ref("account.group_account_invoice").id)
        ]
        Partner = cls.env["res.partner"]
        # Two pairs of customers on one tariff: the first pair is billed in
        # the foreground, the second in the background, the same way.
        cls.customers = Partner.create(
            [{"name": f"HSB Batch {key}", "is_company": True} for key in "ABCD"]
        )
        cls.hourly = cls.env["helpdesk.contract.profile"].create(
            {
                "name": "HSB batch hourly",
                "billing_type": "pay_per_use",
                "initial_step_duration": 15,
                "initial_step_cost": 25.0,
                "step_duration": 10,
                "step_cost": 12.0,
                "product_id": cls.support_product.id,
                "partner_ids": [Command.set(cls.customers.ids)],
            }
        )
        cls.tickets = cls.env["helpdesk.ticket"].create(
            [
                {
                    "name": f"HSB batch ticket {customer.name}",
                    "description": "<p>x</p>",
                    "partner_id": customer.id,
                }
                for customer in cls.customers
            ]
        )
        cls.cron = cls.env.ref("helpdesk_session_billing.ir_cron_billing_batch")

    def _sessions(self, ticket, minutes_list):
        """Sessions of ``ticket`` lasting ``minutes_list``, an hour apart."""
        return self.env["helpdesk.session"].create(
            [
                {
                    "ticket_id": ticket.id,
                    "user_id": self.agent.id,
                    "date_start": self.DAY + timedelta(hours=index),
                    "date_end": self.DAY + timedelta(hours=index, minutes=minutes),
                }
                for index, minutes in enumerate(minutes_list)
            ]
        )

    def _two_customers(self, first, second):
        """Sessions of customers ``first`` and ``second`` (indexes): three
        and two, of the same lengths for every pair."""
        return self._sessions(self.tickets[first], [20, 45, 70]) | self._sessions(
            self.tickets[second], [5, 95]
        )

    def _rate_all(self, sessions):
        wizard = (
            self.env["helpdesk.session.rating.wizard"]
            .with_user(self.billing_manager)
            .create(
                {
                    "state_filter": "draft",
                    "date_from": False,
                    "date_to": False,
                    "session_ids": [Command.set(sessions.ids)],
                }
            )
        )
        return wizard.action_rate_all()

    def _invoice_all(self, sessions, post=False):
        wizard = (
            self.env["helpdesk.session.invoice.wizard"]
            .with_user(self.billing_manager)
            .create(
                {
                    "session_ids": [Command.set(sessions.ids)],
                    "grouping": "session",
                    "post": post,
                }
            )
        )
        return wizard.action_create_invoices()

    def _batch(self, action):
        """The batch a button's notification opens."""
        following = action["params"]["next"]
        self.assertEqual(following["res_model"], "helpdesk.billing.batch")
        return self.env["helpdesk.billing.batch"].browse(following["res_id"])

    def _figures(self, sessions):
        return [
            (s.total_duration, s.billed_duration, s.cost, s.state)
            for s in sessions.sorted(lambda s: (s.partner_id.name, s.date_start))
        ]

    def _archive_receivable_of(self, customer):
        """Give ``customer`` a receivable account of its own, archived: its
        invoices cannot be posted. Returns the account."""
        receivable = self.env["account.account"].create(
            {
                "name": "HSB archived receivable",
                "code": "HSB1199",
                "account_type": "asset_receivable",
                "reconcile": True,
            }
        )
        customer.property_account_receivable_id = receivable
        receivable.active = False
        return receivable

    def _assert_same_invoices(self, background, foreground, invoicing):
        """The background batch ``invoicing`` invoiced ``background`` as the
        foreground invoiced ``foreground`` (the same sessions of other
        customers), and says so in the foreground's words."""

        def invoice_figures(sessions):
            return [
                (
                    invoice.amount_untaxed,
                    invoice.amount_tax,
                    invoice.amount_total,
                    invoice.state,
                    invoice.invoice_payment_term_id,
                    sorted(
                        (line.quantity, line.price_unit, line.account_id, line.tax_ids)
                        for line in invoice.invoice_line_ids
                    ),
                )
                for invoice in sessions.invoice_id.sorted(lambda m: m.partner_id.name)
            ]

        self.assertEqual(len(background.invoice_id), 2)
        self.assertEqual(invoice_figures(background), invoice_figures(foreground))
        # 37 + 61 + 97 and 25 + 121.
        self.assertEqual(
            sorted(background.invoice_id.mapped("amount_untaxed")), [146, 195]
        )
        self.assertEqual(invoicing.state, "done")
        # The summary is the foreground's confirmation, over the batch.
        self.assertEqual(
            invoicing.summary.splitlines()[0],
            background._describe_invoicing(background.invoice_id),
        )
