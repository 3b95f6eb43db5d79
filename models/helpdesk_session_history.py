"""A session's history: one chatter line per state change, naming the
document that caused it (the invoice, the credit note) and, for an unrating,
the reason given.

The state changes in batches of thousands of sessions (rating, invoicing): a
tracked field would post its messages one session at a time, so ``state`` is
not tracked and ``_log_state_change`` writes the lines of a whole batch with
one ``_message_log_batch`` (one INSERT, whatever the number of sessions). Its
author is the user who made the change, its date the moment of it.
"""

from markupsafe import Markup

from odoo import models


class HelpdeskSession(models.Model):
    _inherit = "helpdesk.session"

    def _log_state_change(self, target, document=None, note=None, states=None):
        """Log, on each session of ``self``, its move from its state (or from
        ``states[session.id]`` when the state is already written) to
        ``target``, with a link to ``document`` (an ``account.move``) or, when
        none is given, to the invoice the session leaves, and ``note``."""
        if not self:
            return self.env["mail.message"]
        labels = dict(self._fields["state"]._description_selection(self.env))
        bodies = {}
        for session in self:
            source = (states or {}).get(session.id, session.state)
            body = Markup("%s → %s") % (labels[source], labels[target])
            doc = document
            if doc is None and source in ("invoiced", "credited"):
                doc = session.invoice_id
            if doc:
                body += Markup(": %s") % doc._get_html_link()
            if note:
                body += Markup(" (%s)") % note
            bodies[session.id] = body
        return self._message_log_batch(bodies=bodies)

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
        return self._message_log_batch(bodies=dict.fromkeys(self.ids, body))
