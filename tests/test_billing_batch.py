"""Rate all and Create invoices over more sessions than Settings' threshold:
a background batch, one chunk per customer, run by the scheduled action."""

import json

from odoo.exceptions import AccessError
from odoo.tests import tagged

from ..models.helpdesk_billing_batch_chunk import ENGINE_PARAM
from .common_billing_batch import BillingBatchCase


@tagged("post_install", "-at_install")
class TestBillingBatch(BillingBatchCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The scheduled action's path, even where queue_job is installed (the
        # test database has it: test_billing_batch_queue_job.py).
        cls.env["ir.config_parameter"].set_param(ENGINE_PARAM, "cron")

    def _run_job(self):
        with self.enter_registry_test_mode():
            self.cron.method_direct_trigger()
        self.env.invalidate_all()

    def test_batch_form_is_told_when_its_batch_moves_on(self):
        """The user who started a batch is notified on the bus when its
        counts move and when it ends: its open form reloads on it."""
        sessions = self._two_customers(2, 3)
        batch = self._batch(self._rate_all(sessions))
        Bus = self.env["bus.bus"].sudo()
        self.env.cr.precommit.run()
        before = Bus.search([]).ids
        self._run_job()
        self.env.cr.precommit.run()
        self.assertEqual(batch.state, "done")
        notified = [
            (json.loads(bus.channel), json.loads(bus.message))
            for bus in Bus.search([("id", "not in", before)])
        ]
        changed = [
            channel
            for channel, message in notified
            if message["type"] == "helpdesk_billing_batch_changed"
            and message["payload"] == {"batch_ids": batch.ids}
        ]
        self.assertTrue(changed)
        self.assertEqual(
            {tuple(channel[1:]) for channel in changed},
            {("res.partner", self.billing_manager.partner_id.id)},
        )

    def test_invoice_batch_shows_its_grouping_by_label(self):
        sessions = self._two_customers(2, 3)
        self._rate_all(sessions)
        self._run_job()
        batch = self._batch(self._invoice_all(sessions))
        self.assertEqual(batch.grouping, "session")
        labels = dict(batch._fields["grouping"]._description_selection(self.env))
        self.assertEqual(labels[batch.grouping], "One line per session")

    def test_batch_is_cut_by_customer_and_runs_in_the_background(self):
        sessions = self._two_customers(2, 3)
        action = self._rate_all(sessions)
        batch = self._batch(action)
        # The button returned at once: nothing rated yet, the job triggered.
        self.assertEqual(set(sessions.mapped("state")), {"draft"})
        self.assertIn(batch.display_name, action["params"]["message"])
        self.assertTrue(
            self.env["ir.cron.trigger"].search([("cron_id", "=", self.cron.id)])
        )
        self.assertEqual(batch.operation, "rate")
        self.assertEqual(batch.engine, "cron")
        self.assertEqual(batch.user_id, self.billing_manager)
        self.assertEqual(batch.state, "queued")
        self.assertEqual(batch.session_count, 5)
        self.assertEqual(
            {(c.partner_id, c.session_ids) for c in batch.chunk_ids},
            {
                (
                    self.customers[2],
                    sessions.filtered(lambda s: s.partner_id == self.customers[2]),
                ),
                (
                    self.customers[3],
                    sessions.filtered(lambda s: s.partner_id == self.customers[3]),
                ),
            },
        )
        self._run_job()
        self.assertEqual(set(sessions.mapped("state")), {"rated"})
        self.assertEqual(batch.state, "done")
        self.assertEqual((batch.done_count, batch.failed_count), (2, 0))
        self.assertEqual(batch.done_session_count, 5)
        self.assertEqual(set(sessions.mapped("rated_user_id")), {self.billing_manager})
        # Run together, each customer's chunk still says what it did for it.
        self.assertEqual(
            {(c.partner_id, c.result, c.attempts) for c in batch.chunk_ids},
            {
                (self.customers[2], "3 session(s) rated.", 1),
                (self.customers[3], "2 session(s) rated.", 1),
            },
        )

    def test_scheduled_action_groups_whole_customers_up_to_a_size(self):
        sessions = self._two_customers(0, 1) | self._two_customers(2, 3)
        batch = self._batch(self._rate_all(sessions))
        chunks = batch.chunk_ids.sorted("id")
        self.assertEqual(chunks.mapped("session_count"), [3, 2, 3, 2])
        Chunk = self.env["helpdesk.billing.batch.chunk"]

        def acquire(size):
            group = Chunk._acquire_group(sessions=size)
            # As if run (this transaction holds their locks: not skipped).
            group.sudo().write({"state": "done"})
            group.flush_recordset()
            return group

        # Whole customers while they fit, the first one even alone too big.
        self.assertEqual(acquire(5), chunks[:2])
        self.assertEqual(acquire(4), chunks[2])
        self.assertEqual(acquire(1), chunks[3])
        self.assertFalse(acquire(5))

    def test_under_the_threshold_runs_at_once(self):
        sessions = self._sessions(self.tickets[0], [20, 45, 70])
        action = self._rate_all(sessions)
        self.assertNotEqual(
            action["params"]["next"]["res_model"], "helpdesk.billing.batch"
        )
        self.assertEqual(set(sessions.mapped("state")), {"rated"})
        self.assertFalse(self.env["helpdesk.billing.batch"].search([]))

    def test_background_gives_the_foreground_figures_and_invoices(self):
        foreground = self._two_customers(0, 1)
        background = self._two_customers(2, 3)
        self.company.helpdesk_batch_threshold = 0
        self._rate_all(foreground)
        self.company.helpdesk_batch_threshold = 3
        rating = self._batch(self._rate_all(background))
        self._run_job()
        self.assertEqual(self._figures(background), self._figures(foreground))
        # By hand: 20 min = 25 + 12 (one 10-minute step past the first 15);
        # 45 = 25 + 3 x 12; 70 = 25 + 6 x 12; 5 = 25; 95 = 25 + 8 x 12.
        self.assertEqual(
            [f[2] for f in self._figures(background)], [37, 61, 97, 25, 121]
        )
        self.company.helpdesk_batch_threshold = 0
        self._invoice_all(foreground)
        self.company.helpdesk_batch_threshold = 3
        invoicing = self._batch(self._invoice_all(background))
        self.assertFalse(background.invoice_id)
        self._run_job()

        self._assert_same_invoices(background, foreground, invoicing)
        self.assertTrue(rating.summary.startswith("5 session(s) rated."))

    def test_failing_customer_is_listed_and_the_others_land(self):
        sessions = self._two_customers(0, 1)
        sessions.with_user(self.billing_manager).action_rate()
        # Customer B's invoice cannot be posted, customer A's can.
        customer_b = self.customers[1]
        self._archive_receivable_of(customer_b)
        batch = self._batch(self._invoice_all(sessions, post=True))
        self._run_job()
        chunk_a, chunk_b = batch.chunk_ids.sorted(lambda c: c.partner_id.name)
        self.assertEqual(
            (chunk_a.state, chunk_b.state), ("done", "failed"), chunk_a.error
        )
        self.assertIn("archived", chunk_b.error)
        self.assertEqual(batch.state, "partial")
        self.assertEqual((batch.done_count, batch.failed_count), (1, 1))
        a_sessions = chunk_a.session_ids
        self.assertEqual(a_sessions.invoice_id.state, "posted")
        # Nothing of B's half-written: no invoice, sessions still to invoice.
        self.assertFalse(chunk_b.session_ids.invoice_id)
        self.assertFalse(
            self.env["account.move"].search([("partner_id", "=", customer_b.id)])
        )
        self.assertIn(customer_b.display_name, batch.summary)
        self.assertIn(chunk_b.error, batch.summary)
        # Fixed, the failed customer is retried; A is not done again.
        customer_b.property_account_receivable_id = self.company_data[
            "default_account_receivable"
        ]
        batch.with_user(self.billing_manager).action_retry_failed()
        self._run_job()
        self.assertEqual(batch.state, "done")
        self.assertEqual((chunk_a.attempts, chunk_b.attempts), (1, 2))
        self.assertEqual(len(sessions.invoice_id), 2)
        self.assertEqual(set(sessions.mapped("state")), {"invoiced"})
        self.assertEqual(set(sessions.invoice_id.mapped("state")), {"posted"})

    def test_running_twice_does_not_redo_a_chunk(self):
        sessions = self._two_customers(0, 1)
        sessions.with_user(self.billing_manager).action_rate()
        batch = self._batch(self._invoice_all(sessions))
        self._run_job()
        invoices = sessions.invoice_id
        self.assertEqual(len(invoices), 2)
        ended = batch.chunk_ids.mapped("date_done")
        self._run_job()
        # Even run by hand (a job delivered twice), a done chunk is left.
        for chunk in batch.chunk_ids:
            chunk._job_run_chunk()
        self.env.invalidate_all()
        self.assertEqual(batch.chunk_ids.mapped("attempts"), [1, 1])
        self.assertEqual(batch.chunk_ids.mapped("date_done"), ended)
        self.assertEqual(
            self.env["account.move"].search(
                [("partner_id", "in", self.customers[:2].ids)]
            ),
            invoices,
        )
        self.assertEqual(
            len(batch.message_ids.filtered(lambda m: m.body and "invoiced" in m.body)),
            1,
        )

    def test_the_user_is_notified_at_the_end(self):
        sessions = self._two_customers(0, 1)
        batch = self._batch(self._rate_all(sessions))
        self.assertFalse(batch.summary)
        self._run_job()
        message = batch.message_ids.filtered(
            lambda m: self.billing_manager.partner_id in m.partner_ids
        )
        self.assertEqual(len(message), 1)
        self.assertIn("5 session(s) rated.", message.body)
        # In the inbox of the user who started the batch.
        self.assertTrue(
            self.env["mail.notification"].search(
                [
                    ("mail_message_id", "=", message.id),
                    ("res_partner_id", "=", self.billing_manager.partner_id.id),
                ]
            )
        )
        # And a pop-up on their screens.
        self.assertTrue(
            self.env["bus.bus"]
            .sudo()
            .search(
                [
                    ("message", "like", batch.display_name),
                    ("message", "like", "simple_notification"),
                ]
            )
        )

    def test_access(self):
        sessions = self._two_customers(0, 1)
        batch = self._batch(self._rate_all(sessions))
        manager_batch = batch.with_user(self.billing_manager)
        self.assertEqual(manager_batch.state, "queued")
        with self.assertRaises(AccessError):
            manager_batch.write({"state": "done"})
        with self.assertRaises(AccessError):
            batch.with_user(self.agent).read(["state"])
        with self.assertRaises(AccessError):
            batch.chunk_ids.with_user(self.billing_manager).write({"state": "done"})

    def test_batches_are_made_by_the_buttons_only(self):
        """A batch runs as the user it names: a billing manager cannot make
        one (or a chunk) over the API, naming someone else or not."""
        sessions = self._two_customers(2, 3)
        Batch = self.env["helpdesk.billing.batch"].with_user(self.billing_manager)
        for user in (self.env.ref("base.user_admin"), self.billing_manager):
            with self.assertRaises(AccessError):
                Batch.create(
                    {
                        "operation": "rate",
                        "user_id": user.id,
                        "chunk_ids": [
                            (
                                0,
                                0,
                                {
                                    "partner_id": self.customers[2].id,
                                    "session_ids": [(6, 0, sessions.ids)],
                                },
                            )
                        ],
                    }
                )
        with self.assertRaises(AccessError):
            self.env["helpdesk.billing.batch.chunk"].with_user(
                self.billing_manager
            ).create({"partner_id": self.customers[2].id})
        # The button's way still works for them.
        batch = self._batch(self._rate_all(sessions))
        self.assertEqual(batch.user_id, self.billing_manager)

    def test_only_sessions_left_to_invoice_count_for_the_threshold(self):
        """Create invoices on five sessions of which two are rated: two
        are left to invoice, under a threshold of 3: invoiced at once."""
        sessions = self._sessions(self.tickets[0], [20, 45, 70, 30, 50])
        self.company.helpdesk_batch_threshold = 0
        self._rate_all(sessions[3:])
        self.company.helpdesk_batch_threshold = 3
        action = self._invoice_all(sessions)
        self.assertFalse(self.env["helpdesk.billing.batch"].search([]))
        self.assertEqual(sessions[3:].mapped("state"), ["invoiced", "invoiced"])
        self.assertEqual(set(sessions[:3].mapped("state")), {"draft"})
        self.assertNotEqual(
            (action.get("params") or {}).get("next", {}).get("res_model"),
            "helpdesk.billing.batch",
        )

    def test_summary_in_the_language_of_who_started_it(self):
        """A job has no language of its own: what the batch did is written,
        posted and notified in the language of the user who started it."""
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(
            ["helpdesk_session_billing"], ["fr_FR"], overwrite=True
        )
        self.billing_manager.lang = "fr_FR"
        sessions = self._two_customers(2, 3)
        rating = self._batch(self._rate_all(sessions))
        self._run_job()
        self.assertEqual(set(sessions.mapped("state")), {"rated"})
        self.assertTrue(
            rating.summary.startswith("5 session(s) valorisée(s)."), rating.summary
        )
        posted = rating.message_ids.filtered(lambda m: m.message_type == "comment")
        self.assertIn("5 session(s) valorisée(s).", posted[:1].body, "the chatter")
        self.assertTrue(
            all(
                chunk.result.startswith(f"{len(chunk.session_ids)} session(s) valor")
                for chunk in rating.chunk_ids
            ),
            rating.chunk_ids.mapped("result"),
        )
