"""Background batches where the OCA queue_job module is installed (the test
database has it; the module does not depend on it): one job per group of
customers on the channel root.helpdesk_billing, queued once, run once.

Jobs are trapped with queue_job's own ``trap_jobs`` helper (what was queued,
then performed here), or stored and loaded back as the job runner does
(``Job.load``)."""

from unittest import SkipTest

from odoo.tests import tagged

from ..models.helpdesk_billing_batch_chunk import ENGINE_PARAM
from .common_billing_batch import BillingBatchCase

try:
    from odoo.addons.queue_job.job import Job
    from odoo.addons.queue_job.tests.common import trap_jobs
except ImportError:  # the wheel is a test requirement (requirements.txt)
    Job = trap_jobs = None

CHANNEL = "root.helpdesk_billing"


@tagged("post_install", "-at_install")
class TestBillingBatchQueueJob(BillingBatchCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Chunk = cls.env["helpdesk.billing.batch.chunk"]
        if not cls.Chunk._queue_job_installed():
            raise SkipTest("queue_job is not installed (make test installs it)")

    def _triggers(self):
        return self.env["ir.cron.trigger"].search_count(
            [("cron_id", "=", self.cron.id)]
        )

    def _stored_jobs(self, batch, model="helpdesk.billing.batch.chunk"):
        """The queue jobs stored for the chunks of ``batch`` (or for the
        batch itself: ``model``)."""
        jobs = self.env["queue.job"].sudo().search([("model_name", "=", model)])
        if model == "helpdesk.billing.batch":
            return jobs.filtered(lambda job: job.records == batch)
        return jobs.filtered(lambda job: job.records.batch_id == batch)

    @staticmethod
    def _perform_all(trap):
        """Perform the trapped jobs, then the jobs they queued (each
        customer's job queues the batch's refresh)."""
        while trap.enqueued_jobs:
            trap.perform_enqueued_jobs()

    def _rated_messages(self, batch):
        return batch.message_ids.filtered(lambda m: "rated" in (m.body or ""))

    def test_engine_is_queue_job_unless_the_parameter_says_cron(self):
        self.assertEqual(self.Chunk._get_batch_engine(), "queue_job")
        self.env["ir.config_parameter"].set_param(ENGINE_PARAM, "cron")
        self.assertEqual(self.Chunk._get_batch_engine(), "cron")
        triggers = self._triggers()
        with trap_jobs() as trap:
            batch = self._batch(self._rate_all(self._two_customers(0, 1)))
            trap.assert_jobs_count(0)
        self.assertEqual(batch.engine, "cron")
        self.assertEqual(self._triggers(), triggers + 1)

    def test_one_job_per_group_of_customers_gives_the_foreground_figures(self):
        foreground = self._two_customers(0, 1)
        background = self._two_customers(2, 3)
        self.company.helpdesk_batch_threshold = 0
        self._rate_all(foreground)
        self.company.helpdesk_batch_threshold = 3
        triggers = self._triggers()
        with trap_jobs() as trap:
            action = self._rate_all(background)
            rating = self._batch(action)
            self.assertEqual(rating.engine, "queue_job")
            self.assertIn(rating.display_name, action["params"]["message"])
            # The two customers are one group: one job, on the module's
            # channel, keyed by its chunks and their attempts; the scheduled
            # action is not triggered.
            self.assertEqual(len(rating.chunk_ids), 2)
            trap.assert_jobs_count(1)
            trap.assert_enqueued_job(
                rating.chunk_ids._job_run_chunks,
                properties={
                    "channel": CHANNEL,
                    "identity_key": rating.chunk_ids._get_job_identity_key(),
                },
            )
            self.assertEqual(self._triggers(), triggers)
            # The button returned at once: nothing rated yet.
            self.assertEqual(set(background.mapped("state")), {"draft"})
            self.assertEqual(rating.state, "queued")
            trap.perform_enqueued_jobs()
            self.assertEqual(set(background.mapped("state")), {"rated"})
            # The group's job queued the batch's refresh, on the channel.
            self.assertEqual(
                [(job.method_name, job.channel) for job in trap.enqueued_jobs],
                [("_job_refresh", CHANNEL)],
            )
            self.assertEqual(rating.state, "queued")
            trap.perform_enqueued_jobs()
        self.env.invalidate_all()
        self.assertEqual(rating.state, "done")
        self.assertEqual((rating.done_count, rating.failed_count), (2, 0))
        self.assertEqual(self._figures(background), self._figures(foreground))
        # By hand: 20 min = 25 + 12 (one 10-minute step past the first 15);
        # 45 = 25 + 3 x 12; 70 = 25 + 6 x 12; 5 = 25; 95 = 25 + 8 x 12.
        self.assertEqual(
            [f[2] for f in self._figures(background)], [37, 61, 97, 25, 121]
        )
        self.assertEqual(
            set(background.mapped("rated_user_id")), {self.billing_manager}
        )
        self.assertTrue(rating.summary.startswith("5 session(s) rated."))

        self.company.helpdesk_batch_threshold = 0
        self._invoice_all(foreground)
        self.company.helpdesk_batch_threshold = 3
        with trap_jobs() as trap:
            invoicing = self._batch(self._invoice_all(background))
            trap.assert_jobs_count(1)
            self.assertFalse(background.invoice_id)
            self._perform_all(trap)
        self.env.invalidate_all()

        self._assert_same_invoices(background, foreground, invoicing)

    def test_stored_jobs_are_queued_once_and_run_once(self):
        sessions = self._two_customers(0, 1)
        batch = self._batch(self._rate_all(sessions))
        jobs = self._stored_jobs(batch)
        self.assertEqual(len(jobs), 1)
        self.assertEqual(jobs.channel, CHANNEL)
        self.assertEqual(jobs.state, "pending")
        self.assertEqual(jobs.user_id, self.billing_manager)
        self.assertEqual(jobs.identity_key, batch.chunk_ids._get_job_identity_key())
        self.assertEqual(jobs.records, batch.chunk_ids)
        # Queued again while its job waits (a double click, a retry racing
        # the first run): the identity key adds no second job.
        batch.chunk_ids._enqueue("queue_job")
        self.assertEqual(self._stored_jobs(batch), jobs)
        # Run as the job runner does: loaded from the database, as the user
        # who queued it.
        for job in jobs:
            Job.load(self.env, job.uuid).perform()
        # Then the batch's refresh each queued.
        refreshes = self._stored_jobs(batch, "helpdesk.billing.batch")
        self.assertEqual(len(refreshes), 1)
        for job in refreshes:
            Job.load(self.env, job.uuid).perform()
        self.env.invalidate_all()
        self.assertEqual(batch.state, "done")
        self.assertEqual(set(sessions.mapped("state")), {"rated"})
        rated_on = sessions.mapped("rated_date")
        self.assertEqual(len(self._rated_messages(batch)), 1)
        # A job delivered twice (the runner requeues a job whose worker it
        # believes dead) finds its chunks done and leaves them.
        for job in jobs:
            self.assertEqual(
                Job.load(self.env, job.uuid).perform(), "already done or taken"
            )
        self.env.invalidate_all()
        self.assertEqual(batch.chunk_ids.mapped("attempts"), [1, 1])
        self.assertEqual(sessions.mapped("rated_date"), rated_on)
        self.assertEqual(len(self._rated_messages(batch)), 1)

    def test_groups_are_whole_customers_of_one_batch_up_to_the_limit(self):
        first = self._batch(self._rate_all(self._two_customers(0, 1)))
        second = self._batch(self._rate_all(self._two_customers(2, 3)))
        chunks = (first | second).chunk_ids.sorted("id")
        self.assertEqual(len(chunks), 4)
        counts = chunks.mapped("session_count")
        # Two batches: two groups, whatever the limit.
        self.assertEqual(
            chunks._get_groups(sum(counts)),
            [first.chunk_ids, second.chunk_ids],
        )
        # A limit below a batch's two customers: each of them alone; a limit
        # below one customer's sessions: still the whole customer.
        self.assertEqual(
            chunks._get_groups(max(counts[0] + counts[1], counts[2] + counts[3]) - 1),
            list(chunks),
        )
        self.assertEqual(chunks._get_groups(1), list(chunks))
        # Each group's key names its chunks and their attempts.
        keys = {chunk._get_job_identity_key() for chunk in chunks}
        self.assertEqual(len(keys), 4)
        self.assertNotIn(first.chunk_ids._get_job_identity_key(), keys)

    def test_failing_customer_records_its_error_and_is_retried_alone(self):
        sessions = self._two_customers(0, 1)
        sessions.with_user(self.billing_manager).action_rate()
        # Customer B's invoice cannot be posted, customer A's can.
        customer_b = self.customers[1]
        self._archive_receivable_of(customer_b)
        with trap_jobs() as trap:
            batch = self._batch(self._invoice_all(sessions, post=True))
            # One job for both: the group fails, then each customer is run
            # alone.
            trap.assert_jobs_count(1)
            first_key = trap.enqueued_jobs[0].identity_key
            self._perform_all(trap)
        self.env.invalidate_all()
        chunk_a, chunk_b = batch.chunk_ids.sorted(lambda c: c.partner_id.name)
        self.assertEqual(
            (chunk_a.state, chunk_b.state), ("done", "failed"), chunk_a.error
        )
        self.assertIn("archived", chunk_b.error)
        self.assertEqual(batch.state, "partial")
        self.assertEqual(chunk_a.session_ids.invoice_id.state, "posted")
        # Nothing of B's half-written.
        self.assertFalse(chunk_b.session_ids.invoice_id)
        self.assertFalse(
            self.env["account.move"].search([("partner_id", "=", customer_b.id)])
        )
        self.assertIn(chunk_b.error, batch.summary)
        invoice_a = chunk_a.session_ids.invoice_id
        # Fixed, the retry queues B's chunk only, under a key of its own
        # (its second attempt).
        customer_b.property_account_receivable_id = self.company_data[
            "default_account_receivable"
        ]
        with trap_jobs() as trap:
            batch.with_user(self.billing_manager).action_retry_failed()
            trap.assert_jobs_count(1)
            trap.assert_enqueued_job(
                chunk_b._job_run_chunks,
                properties={
                    "channel": CHANNEL,
                    "identity_key": chunk_b._get_job_identity_key(),
                },
            )
            self.assertNotEqual(trap.enqueued_jobs[0].identity_key, first_key)
            self.assertFalse(batch.summary)
            self._perform_all(trap)
        self.env.invalidate_all()
        self.assertEqual(batch.state, "done")
        self.assertEqual((chunk_a.attempts, chunk_b.attempts), (1, 2))
        self.assertEqual(chunk_a.session_ids.invoice_id, invoice_a)
        self.assertEqual(len(sessions.invoice_id), 2)
        self.assertEqual(set(sessions.invoice_id.mapped("state")), {"posted"})
        # The user hears of the batch twice: partly failed, then done.
        notices = batch.message_ids.filtered(
            lambda m: self.billing_manager.partner_id in m.partner_ids
        )
        self.assertEqual(len(notices), 2)
        self.assertTrue(
            self.env["bus.bus"]
            .sudo()
            .search_count(
                [
                    ("message", "like", batch.display_name),
                    ("message", "like", "simple_notification"),
                ]
            )
        )
