"""The chunks of a billing batch, one per customer, and the engine running
them: all of a customer's sessions land, or none; a chunk is taken under a
row lock so that two workers never run it twice; a chunk done is never run
again; a failing customer is recorded with its error and the others go on.

By default Odoo's scheduled action ``ir_cron_billing_batch`` runs the
pending chunks, committing after each group of them (``ir.cron.
_commit_progress``), so a crash or a restart resumes with the chunks not
done. A group is the chunks of one batch and company up to
``GROUP_SESSIONS`` sessions, run as one operation (as the foreground button
would: a chunk's cost is mostly fixed, whatever its number of sessions); when
it fails, each of its chunks is run alone, so that only the failing
customers are recorded failed. Where the OCA
``queue_job`` module is installed, each such group is a job of its own on
the channel ``root.helpdesk_billing`` instead (not a dependency of this
module), unless the system parameter
``helpdesk_session_billing.batch_engine`` says ``cron`` (queue_job
installed for other modules, its job runner not running). The daily run of
the scheduled action takes any chunk still pending whatever the engine: a
job finding its chunks done does nothing.
"""

import hashlib
import logging

from psycopg2.errors import LockNotAvailable, SerializationFailure

from odoo import api, fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

QUEUE_JOB_CHANNEL = "root.helpdesk_billing"
ENGINE_PARAM = "helpdesk_session_billing.batch_engine"
# Sessions the scheduled action runs in one transaction (whole customers:
# a customer with more is a group of its own).
GROUP_SESSIONS = 1000


class HelpdeskBillingBatchChunk(models.Model):
    _name = "helpdesk.billing.batch.chunk"
    _description = "Support billing batch: one customer"
    _order = "batch_id, id"

    # ------------------------------------------------------------------
    # Fields
    # ------------------------------------------------------------------
    batch_id = fields.Many2one(
        comodel_name="helpdesk.billing.batch",
        required=True,
        ondelete="cascade",
        index=True,
        readonly=True,
    )
    company_id = fields.Many2one(
        comodel_name="res.company", required=True, readonly=True
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner", string="Customer", readonly=True
    )
    session_ids = fields.Many2many(
        comodel_name="helpdesk.session",
        relation="helpdesk_billing_batch_chunk_session_rel",
        column1="chunk_id",
        column2="session_id",
        string="Sessions",
        readonly=True,
    )
    session_count = fields.Integer(compute="_compute_session_count", store=True)
    state = fields.Selection(
        selection=[("pending", "To do"), ("done", "Done"), ("failed", "Failed")],
        default="pending",
        required=True,
        readonly=True,
        index=True,
    )
    attempts = fields.Integer(readonly=True)
    error = fields.Text(readonly=True)
    result = fields.Text(readonly=True, help="What the chunk did.")
    date_done = fields.Datetime(string="Ended on", readonly=True)

    # ------------------------------------------------------------------
    # Compute
    # ------------------------------------------------------------------
    @api.depends("session_ids")
    def _compute_session_count(self):
        for chunk in self:
            chunk.session_count = len(chunk.session_ids)

    # ------------------------------------------------------------------
    # Engine
    # ------------------------------------------------------------------
    def _enqueue(self, engine):
        """Have the pending chunks of ``self`` run by ``engine`` (see
        ``_get_batch_engine``): a queue job per group of them (``_get_groups``),
        or the scheduled action, triggered now."""
        if engine == "queue_job":
            for group in self._get_groups():
                group.with_delay(
                    channel=QUEUE_JOB_CHANNEL,
                    identity_key=group._get_job_identity_key(),
                    description=group._get_job_description(),
                )._job_run_chunks()
        else:
            self.env.ref("helpdesk_session_billing.ir_cron_billing_batch")._trigger()

    def _get_groups(self, sessions=GROUP_SESSIONS):
        """The chunks of ``self`` in the groups the scheduled action would
        take them in (``_acquire_group``): in order, of one batch and
        company, whole customers up to ``sessions`` sessions (a customer
        with more is a group of its own)."""
        groups, group_ids, count, key = [], [], 0, None
        for chunk in self.sorted("id"):
            chunk_key = (chunk.batch_id, chunk.company_id)
            if group_ids and (
                chunk_key != key or count + chunk.session_count > sessions
            ):
                groups.append(self.browse(group_ids))
                group_ids, count = [], 0
            group_ids.append(chunk.id)
            count += chunk.session_count
            key = chunk_key
        if group_ids:
            groups.append(self.browse(group_ids))
        return groups

    @api.model
    def _get_batch_engine(self):
        """The engine of new batches and retries: ``queue_job`` where the
        OCA module is installed, unless the system parameter names ``cron``;
        else ``cron`` (the scheduled action)."""
        if not self._queue_job_installed():
            return "cron"
        param = self.env["ir.config_parameter"].sudo().get_param(ENGINE_PARAM)
        return "cron" if param == "cron" else "queue_job"

    @api.model
    def _queue_job_installed(self):
        return "queue_job" in self.env.registry._init_modules

    def _get_job_identity_key(self):
        """One queued job per group of chunks and attempt: queuing the same
        chunks again while their job waits adds no job; a retry (one more
        attempt) gets its own."""
        attempts = ",".join(
            f"{chunk.id}:{chunk.attempts}" for chunk in self.sorted("id")
        )
        digest = hashlib.sha256(attempts.encode()).hexdigest()
        return f"helpdesk_billing_chunks_{digest}"

    def _get_job_description(self):
        """How the job of the chunks of ``self`` is listed in the queue."""
        first = self.sorted("id")[:1]
        if len(self) == 1:
            return self.env._(
                "%(batch)s: %(customer)s",
                batch=first.batch_id.display_name,
                customer=first.partner_id.display_name,
            )
        return self.env._(
            "%(batch)s: %(count)s customers from %(customer)s",
            batch=first.batch_id.display_name,
            count=len(self),
            customer=first.partner_id.display_name,
        )

    @api.model
    def _cron_run_chunks(self):
        """The scheduled action: run the pending chunks one by one, each
        committed with its progress; when the cron's time is up, Odoo runs it
        again for the chunks left."""
        IrCron = self.env["ir.cron"]
        IrCron._commit_progress(
            remaining=self.search_count([("state", "=", "pending")])
        )
        while chunks := self._acquire_group():
            chunks._run()
            if not IrCron._commit_progress(len(chunks)):
                break

    def _job_run_chunks(self):
        """The queue job of a group of chunks: the pending ones run as one
        operation (``_run``), as the scheduled action runs a group; the ones
        done (by an earlier run of this job, or by the scheduled action) are
        left as they are. While another worker holds one of them, nothing is
        run and the job is looked at again later (queue_job postpones it), so
        that no chunk is left pending if that worker dies."""
        chunks = self._acquire(self.ids)
        self.invalidate_recordset(["state"])
        held = self.exists().filtered(lambda chunk: chunk.state == "pending") - chunks
        if held:
            # Only a queue job gets here with another worker on its chunks.
            from odoo.addons.queue_job.exception import (  # noqa: PLC0415
                RetryableJobError,
            )

            raise RetryableJobError(
                f"billing batch chunks {held.ids} are being run by another worker",
                seconds=60,
            )
        if not chunks:
            return "already done or taken"
        chunks._run(refresh_batch=False)
        batch = chunks.batch_id
        batch.with_delay(
            channel=QUEUE_JOB_CHANNEL,
            description=self.env._("%(batch)s: counts", batch=batch.display_name),
        )._job_refresh()
        return "\n".join(chunk.result or chunk.error or "" for chunk in chunks)

    def _job_run_chunk(self):
        """The queue job of one chunk, as earlier versions queued it: such
        jobs still waiting at an upgrade run as a group of one."""
        return self._job_run_chunks()

    @api.model
    def _acquire(self, chunk_ids=None):
        """The pending chunks of ``chunk_ids`` (or the oldest pending chunk)
        no other worker holds, row-locked for this transaction; none when
        every one is taken. A chunk another worker ended after this
        transaction began raises a serialization failure here: the scheduled
        action then starts its transaction again; a queue job
        (``chunk_ids``) lets it go up, and queue_job runs the job again a few
        seconds later (a rollback here would release queue_job's own lock
        on the job)."""
        query = SQL(
            "SELECT id FROM helpdesk_billing_batch_chunk WHERE state = 'pending' %s "
            "ORDER BY id %s FOR NO KEY UPDATE SKIP LOCKED",
            SQL("AND id IN %s", tuple(chunk_ids)) if chunk_ids else SQL(),
            SQL() if chunk_ids else SQL("LIMIT 1"),
        )
        # The query reads the state from the database (a retry's reset to
        # pending may not be flushed yet when the job runs in this very
        # transaction, as with queue_job's test helpers).
        self.flush_model(["state"])
        for _attempt in range(3):
            try:
                with self.env.cr.savepoint(flush=False):
                    # A conflict is expected with several workers: not
                    # logged as a failed query.
                    self.env.cr.execute(query, log_exceptions=False)
                    rows = self.env.cr.fetchall()
            except (SerializationFailure, LockNotAvailable):
                if chunk_ids:
                    raise
                # A fresh snapshot sees the chunk done (or still pending).
                self.env.cr.rollback()
                continue
            # Read the chunks as they are now, not as this transaction
            # cached them.
            chunks = self.browse(row[0] for row in rows)
            chunks.invalidate_recordset()
            return chunks
        return self.browse()

    @api.model
    def _acquire_group(self, sessions=GROUP_SESSIONS):
        """The oldest pending chunk, row-locked (``_acquire``), with the
        pending chunks of its batch and company that follow it and no other
        worker holds, up to ``sessions`` sessions in all; empty when there is
        nothing to do."""
        first = self._acquire()
        if not first or first.session_count >= sessions:
            return first
        self.env.cr.execute(
            SQL(
                """
                SELECT id FROM (
                    SELECT id, SUM(session_count) OVER (ORDER BY id) AS running
                      FROM helpdesk_billing_batch_chunk
                     WHERE state = 'pending' AND batch_id = %s
                       AND company_id = %s AND id > %s
                     ORDER BY id
                     LIMIT 1000
                ) AS following
                WHERE running <= %s
                """,
                first.batch_id.id,
                first.company_id.id,
                first.id,
                sessions - first.session_count,
            )
        )
        following = [row[0] for row in self.env.cr.fetchall()]
        if not following:
            return first
        try:
            # Raises, rather than rolling back (which would release the first
            # chunk's lock), when given the ids.
            return first | self._acquire(following)
        except (SerializationFailure, LockNotAvailable):
            # Ended by another worker since this transaction began: the first
            # chunk alone, the others are looked at again next time.
            return first

    def _run(self, refresh_batch=True):
        """Run the (locked, pending) chunks of ``self``, of one batch and
        company, as one operation in a savepoint: each customer's sessions
        land with the others' or not at all. When it fails, a chunk alone has
        its work rolled back and records why; several are each run alone, so
        that only the failing customers are recorded failed and the others
        land. Then the batch's counts and end, unless ``refresh_batch`` is
        False (a queue job: they are a job of their own)."""
        # The bookkeeping is the engine's (managers only read chunks).
        chunks = self.sudo()
        now = fields.Datetime.now()
        try:
            with self.env.cr.savepoint():
                # What the chunks did is written for the user who started
                # the batch, in that user's language (a job has none).
                lang = chunks.batch_id[:1].user_id.lang or self.env.lang
                results = chunks.with_context(lang=lang)._run_operation()
        except Exception as error:
            if len(chunks) > 1:
                _logger.info(
                    "Billing batch chunks %s failed together (%s): run one by one",
                    chunks.ids,
                    error,
                )
                for chunk in self:
                    chunk._run(refresh_batch=False)
            else:
                _logger.info("Billing batch chunk %s failed: %s", chunks.id, error)
                chunks.write(
                    {
                        "attempts": chunks.attempts + 1,
                        "date_done": now,
                        "state": "failed",
                        "error": str(error),
                    }
                )
        else:
            for chunk in chunks:
                chunk.write(
                    {
                        "attempts": chunk.attempts + 1,
                        "date_done": now,
                        "state": "done",
                        "error": False,
                        "result": results[chunk.id],
                    }
                )
        if refresh_batch:
            chunks.batch_id._refresh_counts()
            chunks.batch_id._finish_if_complete()

    def _run_operation(self):
        """What the foreground button does, for the customers' sessions of
        the chunks of ``self`` (one batch and company) at once, as the user
        who started the batch; returns what it did for each chunk, by id."""
        batch = self.batch_id
        batch.ensure_one()
        user = batch.user_id
        sessions = self.session_ids.with_user(user).with_context(
            allowed_company_ids=self.company_id.ids
        )
        if batch.operation == "rate":
            drafts = sessions.filtered(lambda s: s.state == "draft")
            # The profiles the blockers resolve are the ones rating uses.
            with drafts._profiles_resolved_once():
                skipped = drafts._get_rating_blockers()
                rated = drafts.filtered(lambda s: s not in skipped)
                rated.action_rate()
            wizard = self.env["helpdesk.session.rating.wizard"].with_user(user)
            rated_ids = set(rated.ids)
            results = {}
            # Each chunk's own sessions looked up in sets: intersecting
            # recordsets would go through the whole group for each customer.
            for chunk in self:
                own = chunk.session_ids.with_env(sessions.env)
                results[chunk.id] = wizard._describe_rating(
                    own.filtered(lambda s: s.id in rated_ids),
                    {
                        session: skipped[session]
                        for session in own
                        if session in skipped
                    },
                )
            return results
        invoiceable = sessions.filtered_domain(sessions._get_invoiceable_domain())
        if invoiceable:
            invoiceable.action_create_invoices(
                post=batch.post, grouping=batch.grouping or "ticket"
            )
        invoiceable_ids = set(invoiceable.ids)
        results = {}
        for chunk in self:
            own = chunk.session_ids.with_env(sessions.env)
            invoiced = own.filtered(lambda s: s.id in invoiceable_ids)
            results[chunk.id] = (
                own._describe_invoicing(invoiced.invoice_id)
                if invoiced
                else self.env._("Nothing left to invoice.")
            )
        return results
