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

import json
from collections import defaultdict

from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import SQL, split_every
from odoo.tools.json import json_default

# The context key of the module's own writes, and its value: a plain object,
# which no JSON or XML-RPC client can build.
LEDGER_WRITE_KEY = "helpdesk_ledger_write"
LEDGER_WRITE = object()
# Rows of one UPDATE statement of ``_ledger_write_rows``.
LEDGER_ROWS_CHUNK = 5000


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

    def _ledger_write_rows(self, vals_by_id):
        """Write each record its own values, ``{id: {field: value}}``, as one
        ``UPDATE ... FROM unnest(arrays)`` per chunk of rows naming the same
        fields, where ``write()`` would be called once per record (its checks,
        cache updates and triggers each time: most of the time of rating
        100,000 sessions). Any stored field with a column may be written
        (rating figures added by other modules flow through).

        For the module's own writes, after their checks (the life cycle's
        ``_change_state``): no protected-field check here. Then, as
        ``write()``: the write date and user are set, mail tracking is
        prepared (unless the context disables it), the written fields leave
        the cache and what depends on them (stored computed fields too) is
        marked to recompute."""
        if not vals_by_id:
            return
        records = self.browse(list(vals_by_id))
        ids_by_fnames = defaultdict(list)
        for record_id, vals in vals_by_id.items():
            ids_by_fnames[tuple(sorted(vals))].append(record_id)
        fnames = set().union(*ids_by_fnames)
        fields = {fname: self._fields[fname] for fname in fnames}
        not_columns = sorted(
            fname
            for fname, field in fields.items()
            if not (field.store and field.column_type)
            or field.translate
            or field.company_dependent
        )
        if not_columns:
            raise ValueError(f"Not plain columns of {self._name}: {not_columns}")
        # What was pending in the cache for these fields goes first: it
        # must not overwrite our values at the next flush.
        records.flush_recordset(list(fnames))
        context = self.env.context
        if (
            hasattr(self, "_track_prepare")
            and not context.get("tracking_disable")
            and not context.get("mail_notrack")
        ):
            records._track_prepare(fnames)
        for row_fnames, ids in ids_by_fnames.items():
            columns = [fields[fname] for fname in row_fnames]
            for chunk in split_every(LEDGER_ROWS_CHUNK, ids):
                # One array per column: psycopg2 adapts a list in C, where a
                # SQL fragment per value took longer than the UPDATE itself.
                arrays = [
                    self._ledger_column_values(
                        field,
                        [vals_by_id[record_id][field.name] for record_id in chunk],
                    )
                    for field in columns
                ]
                self.env.execute_query(
                    SQL(
                        """
                        UPDATE %(table)s
                           SET %(assignments)s, write_uid = %(uid)s,
                               write_date = %(now)s
                          FROM unnest(%(ids)s::int4[], %(arrays)s)
                               AS rows(id, %(columns)s)
                         WHERE %(table)s.id = rows.id
                        """,
                        table=SQL.identifier(self._table),
                        assignments=SQL(", ").join(
                            SQL(
                                "%s = rows.%s",
                                SQL.identifier(field.name),
                                SQL.identifier(field.name),
                            )
                            for field in columns
                        ),
                        uid=self.env.uid,
                        now=self.env.cr.now(),
                        ids=list(chunk),
                        # The cast types the NULLs, the figures and the JSON.
                        arrays=SQL(", ").join(
                            SQL("%s::%s[]", values, SQL(field.column_type[1]))
                            for field, values in zip(columns, arrays, strict=True)
                        ),
                        columns=SQL(", ").join(
                            SQL.identifier(field.name) for field in columns
                        ),
                    )
                )
        written = [*fnames, "write_uid", "write_date"]
        records.invalidate_recordset(written)
        records.modified(written)

    def _read_columns(self, fnames):
        """{id: (column values of ``fnames``)} for the records of ``self``, as
        the database holds them (pending writes flushed first), in one
        query: comparing a batch with new values through the ORM costs more
        than computing them. Empty values (0, "", False) come as None."""
        self.flush_recordset(list(fnames))
        rows = self.env.execute_query(
            SQL(
                "SELECT id, %s FROM %s WHERE id = ANY(%s)",
                SQL(", ").join(SQL.identifier(fname) for fname in fnames),
                SQL.identifier(self._table),
                list(self._ids),
            )
        )
        return {row[0]: tuple(value or None for value in row[1:]) for row in rows}

    def _ledger_column_values(self, field, values):
        """``values`` of ``field`` as its column stores them, for one array
        parameter: what ``write()`` would convert, JSON as text (the same
        value object, such as a tariff shared by a profile's sessions, is
        encoded once)."""
        one = self.browse()
        if field.type == "json":
            # Dicts are unhashable: a shared value is known by its identity.
            by_identity = True

            def to_column(value):
                if not value:
                    return None
                return json.dumps(value, ensure_ascii=False, default=json_default)

        else:
            by_identity = False

            def to_column(value):
                return field.convert_to_column(
                    field.convert_to_cache(value, one, validate=False),
                    one,
                    validate=False,
                )

        # Months of sessions share a few states, profiles, dates, figures and
        # tariffs: each distinct value is converted once.
        converted = {}
        result = []
        for value in values:
            key = id(value) if by_identity else value
            try:
                if key not in converted:
                    converted[key] = to_column(value)
                result.append(converted[key])
            except TypeError:  # unhashable: converted each time
                result.append(to_column(value))
        return result

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
