"""A session's history: one chatter line per state change, naming the
document that caused it (the invoice, the credit note) and, for an unrating,
the reason given.

The state changes in batches of thousands of sessions (rating, invoicing): a
tracked field would post its messages one session at a time, so ``state`` is
not tracked and ``_log_state_change`` writes the lines of a whole batch at
once (``_message_log_history``). Its author is the user who made the change,
its date the moment of it.
"""

from markupsafe import Markup, escape

from odoo import models
from odoo.tools import SQL


class HelpdeskSession(models.Model):
    _inherit = "helpdesk.session"

    def _log_state_change(
        self, target, document=None, note=None, states=None, documents=None
    ):
        """Log, on each session of ``self``, its move from its state (or from
        ``states[session.id]`` when the state is already written) to
        ``target``, with a link to ``document`` (an ``account.move``; or
        ``documents[session.id]``, each session's own) or, when none is given,
        to the invoice the session leaves, and ``note``."""
        if not self:
            return self.env["mail.message"]
        labels = dict(self._fields["state"]._description_selection(self.env))
        links, bodies = {}, {}
        for session in self:
            source = (states or {}).get(session.id, session.state)
            body = Markup("%s → %s") % (labels[source], labels[target])
            doc = (documents or {}).get(session.id, document)
            if doc is None and source in ("invoiced", "credited"):
                doc = session.invoice_id
            if doc:
                # One link per document, not per session.
                if doc not in links:
                    links[doc] = doc._get_html_link()
                body += Markup(": %s") % links[doc]
            if note:
                body += Markup(" (%s)") % note
            bodies[session.id] = body
        return self._message_log_history(bodies)

    def _log_invoice_posted(self, invoice):
        """Log, on the sessions of ``self``, that ``invoice`` (theirs) was
        posted: it now has its number, which the line of their invoicing,
        written on the draft, could not give."""
        if not self:
            return self.env["mail.message"]
        body = Markup("%s: %s") % (
            self.env._("Invoice posted"),
            invoice._get_html_link(),
        )
        return self._message_log_history(dict.fromkeys(self.ids, body))

    def _message_log_history(self, bodies):
        """``_message_log_batch(bodies)`` for batches of any size: the first
        session's line is created by Odoo's own ``_message_log_batch`` (its
        defaults, author, reply-to, every module's columns); the others are
        copies of that row, each with its session and body, in one INSERT.

        Odoo's ``mail.message`` create costs about 3 ms a message (it updates
        the cached ``message_ids`` of every mail.thread model for each one):
        a minute for the 20,000 lines of a month's rating, against well under
        a second for the copy."""
        if not self:
            return self.env["mail.message"]
        first, rest = self[:1], self[1:]
        message = first._message_log_batch(bodies={first.id: bodies[first.id]})
        if not rest:
            return message
        Message = self.env["mail.message"].sudo()
        Message.flush_model()
        body_field = Message._fields["body"]
        # Sanitized as create() would, once per distinct body.
        columns_of = {}
        res_ids, body_columns = [], []
        for session in rest:
            body = bodies.get(session.id, "")
            if body not in columns_of:
                columns_of[body] = body_field.convert_to_column_insert(
                    escape(body), message
                )
            res_ids.append(session.id)
            body_columns.append(columns_of[body])
        copied = [
            name
            for name, field in Message._fields.items()
            if field.store
            and field.column_type
            and name not in ("id", "res_id", "body")
        ]
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO mail_message (res_id, body, %(columns)s)
                SELECT row.res_id, row.body, %(template_columns)s
                  FROM mail_message template,
                       unnest(%(res_ids)s::int[], %(bodies)s::text[])
                       AS row(res_id, body)
                 WHERE template.id = %(template)s
                RETURNING id
                """,
                columns=SQL(", ").join(SQL.identifier(name) for name in copied),
                template_columns=SQL(", ").join(
                    SQL.identifier("template", name) for name in copied
                ),
                res_ids=res_ids,
                bodies=body_columns,
                template=message.id,
            )
        )
        copies = Message.browse(row[0] for row in self.env.cr.fetchall())
        self.invalidate_recordset(["message_ids"])
        return message | copies
