"""The billing ledger's protected fields: figures only the module's own code
writes.

A model inheriting ``helpdesk.ledger.mixin`` names in
``_ledger_protected_fields`` the fields that rating, recharging and invoicing
keep (a subscription's consumed minutes, its deferred revenue, its invoice
links...). A ``create`` or ``write`` setting one of them is refused, whoever
the user and whatever the context, unless it comes through
``_ledger_writer()``: its context holds the ``LEDGER_WRITE`` object below,
which no JSON or XML-RPC client can send (a client can send any JSON value in
its context, never a Python object). Sessions, profiles and recharges inherit
it.
"""

from odoo import api, models
from odoo.exceptions import UserError

# The context key of the module's own writes, and its value: a plain object,
# which no JSON or XML-RPC client can build.
LEDGER_WRITE_KEY = "helpdesk_ledger_write"
LEDGER_WRITE = object()


class HelpdeskLedgerMixin(models.AbstractModel):
    _name = "helpdesk.ledger.mixin"
    _description = "Billing ledger record with fields only the module writes"

    # The fields of the inheriting model only the module's own code writes.
    _ledger_protected_fields = frozenset()
    # Values of those fields a new record may be created with: what it has
    # anyway (a form or a copy sending them forges nothing).
    _ledger_new_record_values = {}

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        if not self._is_ledger_write():
            for vals in vals_list:
                # An empty value is what a new record has anyway.
                self._check_ledger_fields(
                    [
                        fname
                        for fname, value in vals.items()
                        if value and value != self._ledger_new_record_values.get(fname)
                    ]
                )
        return super().create(vals_list)

    def write(self, vals):
        if not self._is_ledger_write():
            self._check_ledger_write(vals)
        return super().write(vals)

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------
    def _is_ledger_write(self):
        return self.env.context.get(LEDGER_WRITE_KEY) is LEDGER_WRITE

    def _ledger_writer(self):
        """``self`` as the module's own code writes it: past the protected
        fields, without tracking, with the caller's rights (add ``sudo()``
        after checking them). Never return what it gives: the records would
        carry the key to the caller."""
        return self.with_context(**{LEDGER_WRITE_KEY: LEDGER_WRITE}, mail_notrack=True)

    def _check_ledger_write(self, vals):
        """What a write from outside the module's own code must pass; a model
        adds its own checks after these (a session must be to rate)."""
        self._check_ledger_fields(vals)

    def _check_ledger_fields(self, vals):
        """Refuse ``vals`` (a dict or field names) naming a protected field."""
        protected = self._ledger_protected_fields.intersection(vals)
        if protected:
            labels = sorted(
                self._fields[fname].get_description(self.env)["string"]
                for fname in protected
            )
            raise UserError(
                self.env._(
                    "These figures are kept by the module's own operations (timer, "
                    "scope rules, rating, recharging, invoicing), never set by "
                    "hand: %(fields)s.",
                    fields=", ".join(labels),
                )
            )
