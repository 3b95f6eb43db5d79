"""The billing ledger's protected fields: figures only the module's own code
writes.

A model inheriting ``helpdesk.ledger.mixin`` names in
``_ledger_protected_fields`` the fields that rating, recharging and invoicing
keep (a subscription's consumed minutes, its deferred revenue, its invoice
links...). A ``create`` or ``write`` setting one of them is refused, whoever
the user and whatever the context, unless it comes through
``_ledger_writer()``: its context holds the session life cycle's
``LEDGER_WRITE`` object, which no JSON or XML-RPC client can send (a client
can send any JSON value in its context, never a Python object).
"""

from odoo import api, models
from odoo.exceptions import UserError


def _ledger_key():
    """The life cycle's context key and the object it must hold.

    Imported when first used: ``helpdesk_session_lifecycle.py`` extends
    ``helpdesk.session``, whose model must be defined first (the order of
    ``models/__init__.py``), while this mixin is defined before the profiles.
    """
    from .helpdesk_session_lifecycle import (  # noqa: PLC0415
        LEDGER_WRITE,
        LEDGER_WRITE_KEY,
    )

    return LEDGER_WRITE_KEY, LEDGER_WRITE


class HelpdeskLedgerMixin(models.AbstractModel):
    _name = "helpdesk.ledger.mixin"
    _description = "Billing ledger record with fields only the module writes"

    # The fields of the inheriting model only the module's own code writes.
    _ledger_protected_fields = frozenset()

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        if not self._is_ledger_write():
            for vals in vals_list:
                # An empty value is what a new record has anyway.
                self._check_ledger_fields(
                    {fname: value for fname, value in vals.items() if value}
                )
        return super().create(vals_list)

    def write(self, vals):
        if not self._is_ledger_write():
            self._check_ledger_fields(vals)
        return super().write(vals)

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------
    def _is_ledger_write(self):
        key, token = _ledger_key()
        return self.env.context.get(key) is token

    def _ledger_writer(self):
        """``self`` as the module's own code writes it: past the protected
        fields, without tracking, with the caller's rights (add ``sudo()``
        after checking them). Never return what it gives: the records would
        carry the key to the caller."""
        key, token = _ledger_key()
        return self.with_context(**{key: token}, mail_notrack=True)

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
                    "These figures are kept by rating, recharging and invoicing, "
                    "never set by hand: %(fields)s.",
                    fields=", ".join(labels),
                )
            )
