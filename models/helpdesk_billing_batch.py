"""A month-end job run in the background: "Rate all" or "Create invoices"
over more sessions than the company's threshold, cut into one chunk per
customer (helpdesk_billing_batch_chunk.py runs them)."""

from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command

from .helpdesk_session_invoicing import INVOICE_LINE_GROUPINGS

BATCH_OPERATIONS = [("rate", "Rate"), ("invoice", "Create invoices")]


class HelpdeskBillingBatch(models.Model):
    _name = "helpdesk.billing.batch"
    _description = "Support billing batch"
    _inherit = ["mail.thread"]
    _order = "id desc"

    # ------------------------------------------------------------------
    # Fields
    # ------------------------------------------------------------------
    operation = fields.Selection(
        selection=BATCH_OPERATIONS, required=True, readonly=True
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        readonly=True,
        default=lambda self: self.env.company,
    )
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Started by",
        required=True,
        readonly=True,
        default=lambda self: self.env.user,
    )
    grouping = fields.Selection(
        selection=INVOICE_LINE_GROUPINGS,
        readonly=True,
        help="Invoice lines grouping of a Create invoices batch.",
    )
    post = fields.Boolean(
        string="Post the invoices", readonly=True, help="Create invoices batch."
    )
    chunk_ids = fields.One2many(
        comodel_name="helpdesk.billing.batch.chunk",
        inverse_name="batch_id",
        string="Customers",
        readonly=True,
    )
    state = fields.Selection(
        selection=[
            ("queued", "Queued"),
            ("running", "Running"),
            ("done", "Done"),
            ("partial", "Partially failed"),
            ("failed", "Failed"),
        ],
        default="queued",
        required=True,
        readonly=True,
        tracking=True,
    )
    # The state and counts are written by the engine (_refresh_counts), not
    # computed from the chunks' states: a stored computed field would make
    # every customer's job write this row, and parallel jobs would conflict
    # on it (a serialization failure each, the customer's work redone).
    session_count = fields.Integer(string="Sessions", readonly=True)
    # All the batch's customers, done or not ("to do" read as "left to do").
    chunk_count = fields.Integer(string="Customers in the batch", readonly=True)
    done_count = fields.Integer(string="Customers done", readonly=True)
    failed_count = fields.Integer(string="Customers failed", readonly=True)
    done_session_count = fields.Integer(string="Sessions done", readonly=True)
    summary = fields.Text(
        readonly=True, help="What the batch did, written when it ends."
    )
    engine = fields.Selection(
        selection=[
            ("cron", "Scheduled action"),
            ("queue_job", "Job queue (queue_job)"),
        ],
        readonly=True,
        help="What runs the customers: Odoo's scheduled action, one group of "
        "customers after the other, or a queue job per group of customers on the "
        "channel root.helpdesk_billing, in parallel on the workers running "
        "queue_job.",
    )

    # ------------------------------------------------------------------
    # Compute
    # ------------------------------------------------------------------
    @api.depends("operation")
    def _compute_display_name(self):
        operations = dict(self._fields["operation"]._description_selection(self.env))
        for batch in self:
            batch.display_name = self.env._(
                "%(operation)s #%(id)s",
                operation=operations.get(batch.operation, ""),
                id=batch.id,
            )

    def _refresh_counts(self):
        """Write the state and counts of the batches from their chunks (as
        the engine: managers only read batches). Counted in the database:
        the scheduled action refreshes them after each chunk, and reading
        thousands of chunks each time made a month-end quadratic."""
        groups = (
            self.env["helpdesk.billing.batch.chunk"]
            .sudo()
            ._read_group(
                [("batch_id", "in", self.ids)],
                ["batch_id", "state"],
                ["__count", "session_count:sum"],
            )
        )
        counts = defaultdict(dict)
        for batch, state, chunk_count, session_count in groups:
            counts[batch.id][state] = (chunk_count, session_count or 0)
        for batch in self.sudo():
            by_state = counts[batch.id]
            done, done_sessions = by_state.get("done", (0, 0))
            failed, failed_sessions = by_state.get("failed", (0, 0))
            pending, pending_sessions = by_state.get("pending", (0, 0))
            if pending:
                state = "running" if done or failed else "queued"
            elif not failed:
                state = "done"
            else:
                state = "partial" if done else "failed"
            vals = {
                "state": state,
                "chunk_count": done + failed + pending,
                "done_count": done,
                "failed_count": failed,
                "session_count": done_sessions + failed_sessions + pending_sessions,
                "done_session_count": done_sessions,
            }
            if any(batch[name] != value for name, value in vals.items()):
                batch.write(vals)
                batch._notify_changed()

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model
    def _create_for_sessions(self, operation, sessions, **vals):
        """A batch doing ``operation`` on ``sessions``, one chunk per
        customer and company (a customer's sessions land together), its
        job triggered now."""
        if not sessions:
            raise UserError(self.env._("There are no sessions to process."))
        # Batches run as the user who started them: only this method makes
        # them (no one may create one over RPC naming another user), for a
        # billing manager who may change these sessions.
        self.env["helpdesk.session"]._check_rating_rights()
        sessions.check_access("write")
        groups = sessions.sorted(lambda s: (s.date_start, s.id)).grouped(
            lambda s: (s.partner_id, s.company_id)
        )
        batch = self.sudo().create(
            {
                "operation": operation,
                "company_id": self.env.company.id,
                "user_id": self.env.uid,
                "engine": self.env["helpdesk.billing.batch.chunk"]._get_batch_engine(),
                **vals,
                "chunk_ids": [
                    Command.create(
                        {
                            "partner_id": partner.id,
                            "company_id": company.id,
                            "session_ids": [Command.set(group.ids)],
                        }
                    )
                    for (partner, company), group in sorted(
                        groups.items(), key=lambda item: (item[0][0].id, item[0][1].id)
                    )
                ],
            }
        )
        batch._refresh_counts()
        batch.chunk_ids._enqueue(batch.engine)
        return batch.sudo(False)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_retry_failed(self):
        """Run the failed customers again (after fixing their cause)."""
        failed = self.chunk_ids.filtered(lambda c: c.state == "failed")
        if not failed:
            raise UserError(self.env._("No customer of this batch failed."))
        failed.sudo().write({"state": "pending", "error": False})
        engine = failed._get_batch_engine()
        self.sudo().write({"summary": False, "engine": engine})
        self._refresh_counts()
        failed._enqueue(engine)
        return True

    def _get_open_action(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
            "name": self.display_name,
        }

    def _notify_queued(self):
        """What the button says when it hands its work to a batch."""
        self.ensure_one()
        return self.env["helpdesk.session.rating.wizard"]._notify_done(
            self.env._(
                "%(count)s sessions of %(customers)s customer(s) are processed in "
                "the background by %(batch)s; you will be notified when it ends.",
                count=self.session_count,
                customers=self.chunk_count,
                batch=self.display_name,
            ),
            "info",
            self._get_open_action(),
        )

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------
    def _job_refresh(self):
        """The queue job following a customer's job: the batch's counts, and
        its end when that customer was the last. Apart from the customer's
        job so that parallel customers do not all write the batch (two of
        these short jobs at once: queue_job runs the loser again)."""
        self._refresh_counts()
        self.sudo()._finish_if_complete()
        return self.state

    def _notify_changed(self):
        """Tell the user who started the batch that it moved on: its open
        form reloads (static/src/billing_batch/billing_batch_form.js)."""
        for batch in self:
            batch.user_id.partner_id._bus_send(
                "helpdesk_billing_batch_changed", {"batch_ids": batch.ids}
            )

    def _finish_if_complete(self):
        """Batches whose chunks are all done or failed: write what they did,
        post it in the chatter and notify the user who started them, in that
        user's language (the job running this has none of its own)."""
        for ended in self.filtered(
            lambda b: b.state in ("done", "partial", "failed") and not b.summary
        ):
            batch = ended.with_context(lang=ended.user_id.lang or self.env.lang)
            batch.summary = batch._describe()
            batch._notify_changed()
            batch.message_post(
                body=batch.summary,
                partner_ids=batch.user_id.partner_id.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
            batch.user_id.partner_id._bus_send(
                "simple_notification",
                {
                    "title": batch.display_name,
                    "message": batch.summary.splitlines()[0],
                    "type": "success" if batch.state == "done" else "warning",
                },
            )

    def _describe(self):
        """The figures of the foreground buttons, over the sessions of the
        customers done, then the customers that failed and why."""
        self.ensure_one()
        done = self.chunk_ids.filtered(lambda c: c.state == "done")
        sessions = done.session_ids.with_company(self.company_id)
        if self.operation == "rate":
            # Searched, not read: a month's batch has 100,000 sessions.
            drafts = sessions.search(
                [("id", "in", sessions.ids), ("state", "=", "draft")]
            )
            lines = [
                self.env["helpdesk.session.rating.wizard"]._describe_rating(
                    sessions - drafts, drafts._get_rating_blockers()
                )
            ]
        else:
            lines = [sessions._describe_invoicing(sessions.invoice_id)]
        failed = self.chunk_ids.filtered(lambda c: c.state == "failed")
        if failed:
            lines.append(self.env._("%(count)s customer(s) failed:", count=len(failed)))
            lines += [
                self.env._(
                    "- %(customer)s: %(error)s",
                    customer=chunk.partner_id.display_name,
                    error=chunk.error,
                )
                for chunk in failed
            ]
        return "\n".join(lines)
