"""Two workers running the chunks of one background batch at the same
moment, on two real database connections (committed data, cleaned up
afterwards): a chunk is never run twice."""

from psycopg2.errors import SerializationFailure

from odoo.fields import Command
from odoo.tests import tagged

from .common import TwoConnectionsCase

try:
    from odoo.addons.queue_job.exception import RetryableJobError
    from odoo.addons.queue_job.tests.common import trap_jobs
except ImportError:  # the wheel is a test requirement (requirements.txt)
    RetryableJobError = trap_jobs = None


@tagged("post_install", "-at_install")
class TestBillingBatchConcurrency(TwoConnectionsCase):
    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = self._env(cr)
            partner = env["res.partner"].create(
                {"name": "HSB Concurrent Batch", "is_company": True}
            )
            profile = env["helpdesk.contract.profile"].create(
                {
                    "name": "HSB concurrent batch hourly",
                    "billing_type": "pay_per_use",
                    "step_duration": 60,
                    "step_cost": 90,
                    "partner_ids": [Command.link(partner.id)],
                }
            )
            ticket, sessions = self._create_ticket_sessions(
                env, partner, "HSB concurrent batch"
            )
            # The batch as Rate all makes it, without triggering the
            # scheduled action: these two connections are the workers.
            batch = env["helpdesk.billing.batch"].create(
                {
                    "operation": "rate",
                    "chunk_ids": [
                        Command.create(
                            {
                                "partner_id": partner.id,
                                "company_id": env.company.id,
                                "session_ids": [Command.set(sessions.ids)],
                            }
                        )
                    ],
                }
            )
            self.ids = {
                "partner": partner.id,
                "profile": profile.id,
                "ticket": ticket.id,
                "sessions": sessions.ids,
                "batch": batch.id,
            }
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            env["helpdesk.billing.batch"].browse(self.ids["batch"]).unlink()
            self._delete_sessions(env["helpdesk.session"].browse(self.ids["sessions"]))
            env["helpdesk.ticket"].browse(self.ids["ticket"]).unlink()
            env["helpdesk.contract.profile"].browse(self.ids["profile"]).unlink()
            env["res.partner"].browse(self.ids["partner"]).unlink()

    def _chunks(self, cr):
        return self._env(cr)["helpdesk.billing.batch.chunk"]

    def _assert_rated_once(self):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            batch = env["helpdesk.billing.batch"].browse(self.ids["batch"])
            self.assertEqual(batch.state, "done")
            self.assertEqual(batch.chunk_ids.attempts, 1)
            sessions = env["helpdesk.session"].browse(self.ids["sessions"])
            self.assertEqual(set(sessions.mapped("state")), {"rated"})
            # Rated once: one "rated" entry of history each, one message.
            self.assertEqual(
                len(batch.message_ids.filtered(lambda m: "rated" in (m.body or ""))),
                1,
            )

    def test_a_chunk_taken_by_one_worker_is_skipped_by_the_other(self):
        chunk_id = None
        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            chunk = self._chunks(cr1)._acquire()
            chunk_id = chunk.id
            self.assertTrue(chunk)
            # Row-locked by the first worker: the second finds nothing to do,
            # neither the oldest chunk nor this one by its id (a queue job).
            self.assertFalse(self._chunks(cr2)._acquire())
            self.assertFalse(self._chunks(cr2)._acquire([chunk_id]))
            chunk._run()
            cr1.commit()
            cr2.rollback()
            # Done: nothing left for the second worker either.
            self.assertFalse(self._chunks(cr2)._acquire())
            self.assertEqual(
                self._chunks(cr2).browse(chunk_id)._job_run_chunks(),
                "already done or taken",
            )
            # A job an earlier version queued (one chunk, its own method).
            self.assertEqual(
                self._chunks(cr2).browse(chunk_id)._job_run_chunk(),
                "already done or taken",
            )
        self._assert_rated_once()

    def test_a_worker_with_an_older_snapshot_does_not_run_it_again(self):
        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            # The second worker's transaction began before the first ended
            # the chunk: it sees it pending, but must not run it.
            self.assertEqual(
                self._chunks(cr2).search([("batch_id", "=", self.ids["batch"])]).state,
                "pending",
            )
            chunk = self._chunks(cr1)._acquire()
            chunk._run()
            cr1.commit()
            self.assertFalse(self._chunks(cr2)._acquire())
        self._assert_rated_once()

    def test_a_crash_halfway_is_resumed_by_the_next_run(self):
        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            chunk = self._chunks(cr1)._acquire()
            chunk._run()
            self.assertEqual(chunk.state, "done")
            # The worker dies before committing: nothing of it is left...
            cr1.rollback()
            self.assertEqual(
                set(
                    self._env(cr2)["helpdesk.session"]
                    .browse(self.ids["sessions"])
                    .mapped("state")
                ),
                {"draft"},
            )
            # ... and the next run of the job does the chunk.
            self._chunks(cr2)._cron_run_chunks()
        self._assert_rated_once()

    def test_a_queue_job_on_a_chunk_another_worker_holds_is_run_again_later(self):
        if RetryableJobError is None:
            self.skipTest("queue_job is not importable")
        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            chunk = self._chunks(cr1)._acquire()
            job_chunk = self._chunks(cr2).browse(chunk.id)
            # Held by the scheduled action (or a job delivered twice): the
            # job neither waits for the lock nor ends as if the chunk were
            # done; queue_job runs it again later.
            with self.assertRaises(RetryableJobError):
                job_chunk._job_run_chunks()
            chunk._run()
            cr1.commit()
            cr2.rollback()
            # Run again once the other worker committed: nothing to do.
            self.assertEqual(job_chunk._job_run_chunks(), "already done or taken")
            cr2.commit()
        self._assert_rated_once()

    def test_a_queue_job_with_an_older_snapshot_lets_queue_job_retry(self):
        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            job_chunk = self._chunks(cr2).search([("batch_id", "=", self.ids["batch"])])
            # The job's transaction began (queue_job locked its job) before
            # the other worker ended the chunk.
            self.assertEqual(job_chunk.state, "pending")
            chunk = self._chunks(cr1)._acquire()
            chunk._run()
            cr1.commit()
            # The serialization failure goes up to queue_job, which
            # postpones the job: no rollback of the job's own transaction
            # here (the savepoint only), so cr2 is still usable.
            with self.assertRaises(SerializationFailure):
                job_chunk._job_run_chunks()
            cr2.execute("SELECT 1")
            cr2.rollback()
            self.assertEqual(job_chunk._job_run_chunks(), "already done or taken")
        self._assert_rated_once()

    def test_two_customers_jobs_of_one_batch_land_in_parallel(self):
        """Neither customer's job writes the batch (its counts and end are a
        short job of their own): two at once do not conflict."""
        if RetryableJobError is None:
            self.skipTest("queue_job is not importable")
        second_id = self._add_second_customer()
        first_id = self._chunks_of_batch()[0]
        # The jobs the customers' jobs queue are trapped, not committed.
        with (
            trap_jobs() as trap,
            self.registry.cursor() as cr1,
            self.registry.cursor() as cr2,
        ):
            # A lock wait would be the batch row: fail rather than wait.
            cr2.execute("SET LOCAL lock_timeout = '2s'")
            first = self._chunks(cr1).browse(first_id)
            second = self._chunks(cr2).browse(second_id)
            # Both transactions begin before either ends.
            self.assertEqual((first.state, second.state), ("pending", "pending"))
            self.assertIn("rated", first._job_run_chunks())
            self.assertIn("rated", second._job_run_chunks())
            cr1.commit()
            cr2.commit()
            self.assertEqual(
                [job.method_name for job in trap.enqueued_jobs], ["_job_refresh"] * 2
            )
        with self.registry.cursor() as cr:
            env = self._env(cr)
            batch = env["helpdesk.billing.batch"].browse(self.ids["batch"])
            self.assertEqual(set(batch.chunk_ids.mapped("state")), {"done"})
            # Each job queued the batch's refresh: run here, one after the other.
            self.assertEqual(batch._job_refresh(), "done")
            self.assertEqual(batch._job_refresh(), "done")
            self.assertEqual((batch.done_count, batch.done_session_count), (2, 4))
            self.assertEqual(len(self._rated_messages(batch)), 1)

    def test_a_group_job_waits_while_another_worker_holds_one_of_its_chunks(self):
        """A job of two customers, one of them held by the scheduled action:
        it runs neither (queue_job runs it again later), then both once the
        other worker is done with its own."""
        if RetryableJobError is None:
            self.skipTest("queue_job is not importable")
        second_id = self._add_second_customer()
        first_id = self._chunks_of_batch()[0]
        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            held = self._chunks(cr1)._acquire([first_id])
            self.assertEqual(held.id, first_id)
            group = self._chunks(cr2).browse([first_id, second_id])
            with self.assertRaises(RetryableJobError):
                group._job_run_chunks()
            # Nothing of the second customer ran meanwhile.
            self.assertEqual(group.mapped("state"), ["pending", "pending"])
            held._run()
            cr1.commit()
            cr2.rollback()
            with trap_jobs():
                self.assertIn("rated", group._job_run_chunks())
            cr2.commit()
        with self.registry.cursor() as cr:
            chunks = self._chunks(cr).browse([first_id, second_id])
            self.assertEqual(chunks.mapped("state"), ["done", "done"])
            self.assertEqual(chunks.mapped("attempts"), [1, 1])

    def _add_second_customer(self):
        """A second customer's chunk in the batch (committed, removed at the
        end of the test); returns its id."""
        with self.registry.cursor() as cr:
            env = self._env(cr)
            partner = env["res.partner"].create(
                {"name": "HSB Concurrent Batch 2", "is_company": True}
            )
            env["helpdesk.contract.profile"].browse(self.ids["profile"]).write(
                {"partner_ids": [Command.link(partner.id)]}
            )
            ticket, sessions = self._create_ticket_sessions(
                env, partner, "HSB concurrent batch 2"
            )
            second = env["helpdesk.billing.batch.chunk"].create(
                {
                    "batch_id": self.ids["batch"],
                    "partner_id": partner.id,
                    "company_id": env.company.id,
                    "session_ids": [Command.set(sessions.ids)],
                }
            )
            extra = (partner.id, ticket.id, sessions.ids, second.id)
        self.addCleanup(self._cleanup_second_customer, *extra)
        return second.id

    def _chunks_of_batch(self):
        with self.registry.cursor() as cr:
            return self._chunks(cr).search([("batch_id", "=", self.ids["batch"])]).ids

    @staticmethod
    def _rated_messages(batch):
        return batch.message_ids.filtered(lambda m: "rated" in (m.body or ""))

    def _cleanup_second_customer(self, partner_id, ticket_id, session_ids, chunk_id):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            env["helpdesk.billing.batch.chunk"].browse(chunk_id).unlink()
            self._delete_sessions(env["helpdesk.session"].browse(session_ids))
            env["helpdesk.ticket"].browse(ticket_id).unlink()
            env["res.partner"].browse(partner_id).unlink()
