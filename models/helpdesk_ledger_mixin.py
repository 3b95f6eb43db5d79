"""The billing ledger's records: written by the module's own code through
``_ledger_writer()``.

Which fields only the module writes is said once, for every model, by the
table of ``helpdesk_ledger_fields.py`` (enforced by Odoo's own field access
check). The module's own code writes them through ``_ledger_writer()``: its
context holds the ``LEDGER_WRITE`` object below, which no JSON or XML-RPC
client can send (a client can send any JSON value in its context, never a
Python object). A model inheriting ``helpdesk.ledger.mixin`` adds what a
write from outside must pass besides (``_check_ledger_write``: a session must
be to rate, a sent quote keeps its terms), and gets the bulk writer
``_ledger_write_rows``. Sessions, profiles, recharges, blocks and quotes
inherit it.
"""

import json
import math
from collections import defaultdict

from odoo import api, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL, clean_context, split_every
from odoo.tools.json import json_default

# The context key of the module's own writes, and its value: a plain object,
# which no JSON or XML-RPC client can build.
LEDGER_WRITE_KEY = "helpdesk_ledger_write"
LEDGER_WRITE = object()
# The context key the module's ``_reverse_moves`` sets while Odoo copies
# invoices into their credit notes, its value a ``SupportReversal``: no other
# copy links a credit note line to the line it reverses
# (``account_move_line.py``).
REVERSAL_KEY = "helpdesk_support_reversal"
# Rows of one UPDATE statement of ``_ledger_write_rows``.
LEDGER_ROWS_CHUNK = 5000


def is_ledger_write(env):
    """Whether ``env`` is the module's own writer's (``_ledger_writer``)."""
    return env.context.get(LEDGER_WRITE_KEY) is LEDGER_WRITE


class SupportReversal:
    """The context value of an invoice being reversed by the module, a
    Python object no client can send: which of its lines a credit note
    reversed already (named again on the new credit note, read once for the
    whole reversal, not line by line)."""

    __slots__ = ("credited_line_ids",)

    def __init__(self, credited_line_ids):
        self.credited_line_ids = frozenset(credited_line_ids)


def get_support_reversal(env):
    """The ``SupportReversal`` under way in ``env``, else None."""
    value = env.context.get(REVERSAL_KEY)
    return value if isinstance(value, SupportReversal) else None


class HelpdeskLedgerMixin(models.AbstractModel):
    _name = "helpdesk.ledger.mixin"
    _description = "Billing ledger record with fields only the module writes"

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_finite_figures(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._check_finite_figures(vals)
        if not self._is_ledger_write():
            # The table first (Odoo checks it again): a figure the user may
            # never write is refused as such, whatever the record's state.
            self._check_ledger_fields(vals)
            self._check_ledger_write(vals)
        return super().write(vals)

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------
    def _is_ledger_write(self):
        return is_ledger_write(self.env)

    def _ledger_writer(self):
        """``self`` as the module's own code writes it: past the protected
        fields, without tracking, with the caller's rights (add ``sudo()``
        after checking them). Never return what it gives: the records would
        carry the key to the caller."""
        # Without the caller's ``default_*`` keys: a client's defaults would
        # fill the fields a new record (a copy) is not given.
        return self.with_context(
            clean_context(self.env.context),
            **{LEDGER_WRITE_KEY: LEDGER_WRITE},
            mail_notrack=True,
        )

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

    def _check_finite_figures(self, vals):
        """Refuse an infinite or not-a-number figure with a clear message
        (Odoo's rounding would fail on it with a server error)."""
        for fname, value in vals.items():
            if isinstance(value, float) and not math.isfinite(value):
                field = self._fields.get(fname)
                raise ValidationError(
                    self.env._(
                        "%(field)s must be a number: %(value)s is not one.",
                        field=field.get_description(self.env)["string"]
                        if field
                        else fname,
                        value=value,
                    )
                )

    def _check_ledger_write(self, vals):
        """What a write from outside the module's own code must pass besides
        the table of fields; a model adds its checks (a session must be to
        rate)."""

    def _check_ledger_fields(self, vals):
        """Refuse ``vals`` (a dict or field names) naming a field the user may
        not write (for paths that write through ``_ledger_writer()`` on the
        caller's behalf, such as a copy with its ``default``)."""
        for fname in vals:
            field = self._fields.get(fname)
            if field is not None:
                self._check_field_access(field, "write")
