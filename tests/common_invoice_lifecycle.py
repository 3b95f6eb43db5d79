"""The world of the invoice life-cycle tests (issue 26), and the invariants
they check after every step.

Two customers of the company: ``customer`` on the hourly pay-per-use tariff,
``pack_customer`` on a subscription of prepaid hours whose overage goes to a
pay-per-use profile; its pack invoice (draft) is part of the game. A pool of
sessions on their tickets, some rated, some invoiced (one posted invoice, one
draft), the others to rate. A second company and a second currency for the
clerk who re-addresses a draft invoice. Everything is done by ``clerk``, a
real user with invoicing rights who manages support billing.

The invariants (``_check_invariants``) are computed from the database with
SQL, never with the module's own checks, plus what the test saw of earlier
steps (``carried``: the sessions each invoice line was ever seen carrying;
``pack_hours``: the hours the pack had when its invoice was made).
"""

import traceback
from datetime import datetime, timedelta

from odoo.exceptions import RedirectWarning, UserError
from odoo.fields import Command
from odoo.tests import new_test_user

from .common import SupportAccountingCase

# Refusals a clerk may get: the module's or Odoo's, as a dialog.
REFUSALS = (UserError, RedirectWarning)

MODULE = "helpdesk_session_billing"

# Slack on an amount in the company's currency: a line's price converted to
# another currency and back may lose a cent.
CENT = 0.011


class InvoiceLifecycleCase(SupportAccountingCase):
    """The world above, built once; each test works in its own savepoint."""

    DAY = datetime(2025, 3, 3, 8)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.company
        cls.company_2 = cls.setup_other_company(name="HSB company 2")["company"]
        cls.eur = cls.setup_other_currency("EUR")
        cls.clerk = new_test_user(
            cls.env,
            "hsb_lifecycle_clerk",
            groups="account.group_account_invoice,helpdesk_mgmt.group_helpdesk_user,"
            "helpdesk_session_billing.group_support_billing_manager",
            name="Lifecycle Clerk",
            company_id=company.id,
            company_ids=[Command.set((company | cls.company_2).ids)],
        )
        cls.agent.company_ids = [Command.link(cls.company_2.id)]
        # Untaxed support: the invariants are about the lines of sessions, and
        # Odoo's tax lines would triple the time of every step.
        cls.support_product.taxes_id = False
        Partner = cls.env["res.partner"]
        cls.pack_customer = Partner.create(
            {"name": "HSB Lifecycle Pack Co", "is_company": True}
        )
        cls.pack_contact = Partner.create(
            {"name": "HSB Lifecycle Pack Contact", "parent_id": cls.pack_customer.id}
        )
        Profile = cls.env["helpdesk.contract.profile"]
        cls.hourly = Profile.create(
            {
                "name": "HSB lifecycle hourly",
                "billing_type": "pay_per_use",
                "initial_step_duration": 15,
                "initial_step_cost": 25.0,
                "step_duration": 10,
                "step_cost": 12.0,
                "product_id": cls.support_product.id,
                "partner_ids": [Command.link(cls.customer.id)],
            }
        )
        cls.overage = cls._overage_profile()
        cls.overage.product_id = cls.support_product
        cls.pack = cls._subscription(
            name="HSB lifecycle pack",
            partner_id=cls.pack_customer.id,
            prepaid_hours=5.0,
            amount=500.0,
            overage_profile_id=cls.overage.id,
        )
        Ticket = cls.env["helpdesk.ticket"]
        cls.ticket_2 = Ticket.create(
            {
                "name": "HSB lifecycle second ticket",
                "description": "<p>x</p>",
                "partner_id": cls.contact.id,
            }
        )
        cls.pack_ticket = Ticket.create(
            {
                "name": "HSB lifecycle pack ticket",
                "description": "<p>x</p>",
                "partner_id": cls.pack_contact.id,
            }
        )
        # The pool: sessions one a day (never overlapping), of lengths that
        # make different costs; the tickets take turns.
        minutes = [35, 50, 20, 65, 45, 80, 25, 55, 40, 70]
        tickets = [cls.ticket, cls.ticket_2, cls.pack_ticket]
        vals_list = []
        for index in range(30):
            start = cls.DAY + timedelta(days=index)
            vals_list.append(
                {
                    "ticket_id": tickets[index % 3].id,
                    "user_id": cls.agent.id,
                    "date_start": start,
                    "date_end": start + timedelta(minutes=minutes[index % 10]),
                }
            )
        cls.pool = cls.env["helpdesk.session"].create(vals_list)
        pool = list(cls.pool)
        # Rated: four of each customer; two of the first on a posted
        # invoice, two on a draft; the pack invoiced (draft).
        rated = [s for s in pool if s.ticket_id != cls.pack_ticket][:8] + [
            s for s in pool if s.ticket_id == cls.pack_ticket
        ][:4]
        cls.Session = cls.env["helpdesk.session"]
        rated = cls.Session.union(*rated)
        rated.with_user(cls.clerk).action_rate()
        first = rated.filtered(lambda s: s.partner_id == cls.customer)
        cls.posted_invoice = cls._invoice_as_clerk(first[:2], grouping="session")
        cls.posted_invoice.with_user(cls.clerk).action_post()
        cls.draft_invoice = cls._invoice_as_clerk(first[2:4], grouping="ticket")
        cls.pack.with_user(cls.clerk).action_invoice_pack()
        cls.pack_invoice = cls.pack.pack_invoice_id
        cls.pack_block = cls.pack.block_ids.filtered(lambda b: b.kind == "pack")
        cls.customers = cls.customer | cls.pack_customer
        cls.session_names = {s.id: s.display_name for s in cls.pool}
        cls.env.flush_all()

    @classmethod
    def _invoice_as_clerk(cls, sessions, **options):
        action = sessions.with_user(cls.clerk).action_create_invoices(**options)
        if action.get("res_id"):
            return cls.env["account.move"].browse(action["res_id"])
        return cls.env["account.move"].search(action["domain"])

    def setUp(self):
        super().setUp()
        self.env.invalidate_all()
        self._start_world()

    # ------------------------------------------------------------------
    # What the test remembers between steps
    # ------------------------------------------------------------------
    def _start_world(self):
        """The test's memory of the world: which sessions each invoice line
        was ever seen carrying, and the hours the pack invoice sold."""
        self.carried = {}
        self.pack_hours = {}
        # What Odoo's reversal wizard copied, line for line (the test's own
        # knowledge, whatever links the module wrote): {credit note line:
        # invoice line}, {new invoice line: invoice line it bills again}.
        self.credit_of = {}
        self.copy_of = {}
        self.pending_copies = []
        self._observe()
        self.usage = self._pack_usage()

    def _remember_copies(self, invoice, copies, kind):
        """``copies`` (credit notes of ``invoice``, or the new invoice of
        *Reverse and create invoice*) were just copied from ``invoice`` by
        Odoo: their product lines are its product lines, in order."""
        originals = invoice.invoice_line_ids.filtered(
            lambda line: line.display_type == "product"
        ).sorted(lambda line: (line.sequence, line.id))
        for copy in copies:
            lines = copy.invoice_line_ids.filtered(
                lambda line: line.display_type == "product"
            ).sorted(lambda line: (line.sequence, line.id))
            if len(lines) == len(originals):
                self.pending_copies += [
                    (kind, line.id, original.id)
                    for line, original in zip(lines, originals, strict=True)
                ]

    def _observe(self):
        """Remember the links the database shows now (after each step)."""
        self.env.flush_all()
        for kind, line_id, original_id in self.pending_copies:
            if kind == "credit":
                self.credit_of[line_id] = original_id
            else:
                self.copy_of[line_id] = original_id
        self.pending_copies = []
        # A new invoice's line bills the sessions of the line it copies.
        for line_id, original_id in self.copy_of.items():
            if original_id in self.carried:
                self.carried.setdefault(line_id, set()).update(
                    self.carried[original_id]
                )
        cr = self.env.cr
        cr.execute(
            "SELECT invoice_line_id, id FROM helpdesk_session"
            " WHERE invoice_line_id IS NOT NULL AND id IN %s",
            [tuple(self.pool.ids)],
        )
        for line_id, session_id in cr.fetchall():
            self.carried.setdefault(line_id, set()).add(session_id)
        # A credit note line records the sessions of the line it reversed.
        cr.execute(
            """SELECT line.helpdesk_reversed_line_id, rel.session_id
                 FROM helpdesk_session_credit_note_line_rel rel
                 JOIN account_move_line line ON line.id = rel.line_id
                WHERE line.helpdesk_reversed_line_id IS NOT NULL"""
        )
        for line_id, session_id in cr.fetchall():
            self.carried.setdefault(line_id, set()).add(session_id)
        cr.execute(
            "SELECT pack_invoice_id, prepaid_hours FROM helpdesk_contract_profile"
            " WHERE id = %s",
            [self.pack.id],
        )
        invoice_id, hours = cr.fetchone()
        if invoice_id and invoice_id not in self.pack_hours:
            self.pack_hours[invoice_id] = hours

    # ------------------------------------------------------------------
    # Snapshot: what a refusal must leave untouched
    # ------------------------------------------------------------------
    def _snapshot(self):
        """The billing state, read in SQL: customer moves and their product
        lines, the pool's sessions and their history, credit links, the
        subscription, its blocks and consumption rows."""
        self.env.flush_all()
        cr = self.env.cr
        snap = {}
        queries = {
            "moves": (
                """SELECT id, state, move_type, partner_id, currency_id,
                          company_id, amount_total, helpdesk_profile_id
                     FROM account_move
                    WHERE move_type IN ('out_invoice', 'out_refund')
                 ORDER BY id""",
                [],
            ),
            "lines": (
                """SELECT line.id, line.move_id, line.balance, line.price_subtotal,
                          line.currency_id, line.helpdesk_reversed_line_id
                     FROM account_move_line line
                     JOIN account_move move ON move.id = line.move_id
                    WHERE move.move_type IN ('out_invoice', 'out_refund')
                 ORDER BY line.id""",
                [],
            ),
            "sessions": (
                """SELECT id, state, invoice_line_id, invoice_id, credit_note_id,
                          credited_invoice_id, cost, prepaid_minutes, profile_id
                     FROM helpdesk_session WHERE id IN %s ORDER BY id""",
                [tuple(self.pool.ids)],
            ),
            "history": (
                """SELECT count(*) FROM mail_message
                    WHERE model = 'helpdesk.session' AND res_id IN %s""",
                [tuple(self.pool.ids)],
            ),
            "credits": (
                """SELECT line_id, session_id
                     FROM helpdesk_session_credit_note_line_rel
                 ORDER BY line_id, session_id""",
                [],
            ),
            "profile": (
                """SELECT prepaid_hours, amount, consumed_minutes, pack_invoice_id
                     FROM helpdesk_contract_profile WHERE id = %s""",
                [self.pack.id],
            ),
            "blocks": (
                """SELECT id, hours, amount, invoice_id, consumed_minutes
                     FROM helpdesk_contract_block WHERE profile_id = %s
                 ORDER BY id""",
                [self.pack.id],
            ),
            "allocations": (
                """SELECT count(*), coalesce(sum(minutes), 0)
                     FROM helpdesk_contract_block_allocation
                    WHERE profile_id = %s""",
                [self.pack.id],
            ),
        }
        for key, (query, params) in queries.items():
            cr.execute(query, params)
            snap[key] = cr.fetchall()
        return snap

    # ------------------------------------------------------------------
    # Invariants
    # ------------------------------------------------------------------
    def _read_lines(self, line_ids):
        """{line id: its facts} for the product lines ``line_ids`` and every
        credit note line reversing one of them."""
        cr = self.env.cr
        cr.execute(
            """SELECT line.id, line.move_id, move.name, move.move_type,
                      line.parent_state, line.company_id,
                      move.commercial_partner_id, line.balance,
                      line.price_subtotal, line.currency_id,
                      line.helpdesk_reversed_line_id, move.reversed_entry_id
                 FROM account_move_line line
                 JOIN account_move move ON move.id = line.move_id
                WHERE line.id IN %s OR line.helpdesk_reversed_line_id IN %s""",
            [tuple(line_ids) or (0,), tuple(line_ids) or (0,)],
        )
        keys = (
            "id",
            "move_id",
            "move_name",
            "move_type",
            "parent_state",
            "company_id",
            "partner_id",
            "balance",
            "subtotal",
            "currency_id",
            "reversed_line_id",
            "reversed_entry_id",
        )
        return {row[0]: dict(zip(keys, row, strict=True)) for row in cr.fetchall()}

    def _check_invariants(self, mode):
        """The violations of issue 26's invariants (point 2) and balance
        (point 3) in the database now, as sentences (empty: all hold)."""
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            """SELECT id, state, invoice_line_id, invoice_id, credit_note_id,
                      cost, company_id, partner_id
                 FROM helpdesk_session WHERE id IN %s ORDER BY id""",
            [tuple(self.pool.ids)],
        )
        session_keys = (
            "id",
            "state",
            "line_id",
            "invoice_id",
            "credit_note_id",
            "cost",
            "company_id",
            "partner_id",
        )
        sessions = {
            row[0]: dict(zip(session_keys, row, strict=True)) for row in cr.fetchall()
        }
        for sid, session in sessions.items():
            session["name"] = self.session_names[sid]
        line_ids = set(self.carried) | {
            s["line_id"] for s in sessions.values() if s["line_id"]
        }
        lines = self._read_lines(line_ids | set(self.credit_of))
        cr.execute(
            "SELECT line_id, session_id FROM helpdesk_session_credit_note_line_rel"
        )
        credited_by_line = {}
        for line_id, session_id in cr.fetchall():
            credited_by_line.setdefault(line_id, set()).add(session_id)
        credits = {}  # invoice line id -> posted credit note lines reversing it
        for line in lines.values():
            reversed_ids = {line["reversed_line_id"], self.credit_of.get(line["id"])}
            if line["parent_state"] == "posted" and line["move_type"] == "out_refund":
                for reversed_id in reversed_ids - {None}:
                    credits.setdefault(reversed_id, []).append(line)
        violations = []

        def violate(code, text):
            violations.append(f"[{code}] {text}")

        def label(line):
            return (
                f"line {line['id']} of move {line['move_id']} "
                f"({line['move_name'] or '/'}, {line['move_type']}, "
                f"{line['parent_state']})"
            )

        def fully_credited(line_id):
            line = lines.get(line_id)
            if not line:
                return False
            notes = credits.get(line_id, [])
            return (
                bool(notes)
                and all(note["currency_id"] == line["currency_id"] for note in notes)
                and sum(n["subtotal"] for n in notes) >= line["subtotal"] - 0.005
            )

        def live(line_id):
            """A line that bills its sessions: it exists, is not cancelled,
            and no posted credit note reversed it in full."""
            line = lines.get(line_id)
            return bool(
                line
                and line["parent_state"] != "cancel"
                and not fully_credited(line_id)
            )

        carriers = {sid: set() for sid in sessions}
        for line_id, session_ids in self.carried.items():
            if live(line_id):
                for sid in session_ids:
                    carriers[sid].add(line_id)
        for sid, session in sessions.items():
            if session["line_id"] and live(session["line_id"]):
                carriers[sid].add(session["line_id"])

        for sid, session in sessions.items():
            name = f"session {session['name']} (id {sid}, {session['state']})"
            own = carriers[sid]
            line_id = session["line_id"]
            # a. At most one line bills a session.
            if len(own) > 1:
                violate(
                    "a",
                    f"{name} is carried by {len(own)} live invoice lines: "
                    + "; ".join(label(lines[lid]) for lid in sorted(own)),
                )
            # b. The state says what the lines say.
            ever_credited = any(
                sid in ids and fully_credited(lid) for lid, ids in self.carried.items()
            )
            state = session["state"]
            if state == "invoiced":
                if not line_id or line_id not in lines:
                    violate("b", f"{name} is invoiced without an invoice line")
                elif lines[line_id]["parent_state"] == "cancel":
                    violate(
                        "b", f"{name} is invoiced on cancelled {label(lines[line_id])}"
                    )
                elif own != {line_id}:
                    violate(
                        "b",
                        f"{name} is invoiced on {label(lines[line_id])} but billed "
                        f"by {sorted(own)}",
                    )
            elif state == "credited":
                if own:
                    violate(
                        "b", f"{name} is credited but still billed by {sorted(own)}"
                    )
                if mode != "close":
                    violate("b", f"{name} is credited in the 'rebill' mode")
                if not line_id or not fully_credited(line_id):
                    violate(
                        "b",
                        f"{name} is credited but no posted credit note reverses "
                        f"its line {line_id} in full",
                    )
            else:
                if own:
                    violate(
                        "b",
                        f"{name} is {state} but billed by "
                        + "; ".join(label(lines[lid]) for lid in sorted(own)),
                    )
                if line_id:
                    violate("b", f"{name} is {state} but linked to line {line_id}")
                if mode == "close" and ever_credited and not own:
                    violate(
                        "b",
                        f"{name} is {state}: a posted credit note reversed its line "
                        "in full (closed as credited mode)",
                    )
            if line_id and line_id in lines:
                if session["invoice_id"] != lines[line_id]["move_id"]:
                    violate(
                        "b",
                        f"{name}'s invoice {session['invoice_id']} is not its line's "
                        f"move {lines[line_id]['move_id']}",
                    )
            elif session["invoice_id"] and not line_id:
                violate("b", f"{name} has invoice {session['invoice_id']} but no line")
            # c. Its lines are customer invoices of its company and customer.
            for lid in own | ({line_id} if line_id in lines else set()):
                line = lines[lid]
                if line["move_type"] != "out_invoice":
                    violate("c", f"{name} is carried by {label(line)}, not an invoice")
                if line["company_id"] != session["company_id"]:
                    violate(
                        "c",
                        f"{name} (company {session['company_id']}) is carried by "
                        f"{label(line)} of company {line['company_id']}",
                    )
                if line["partner_id"] != session["partner_id"]:
                    violate(
                        "c",
                        f"{name} (customer {session['partner_id']}) is carried by "
                        f"{label(line)} of customer {line['partner_id']}",
                    )
            # d. Billed once at its cost, or not at all.
            billed, count = 0.0, 0
            for lid, ids in self.carried.items():
                if sid not in ids or lid not in lines:
                    continue
                group = [sessions[i] for i in ids if i in sessions]
                total = sum(s["cost"] for s in group)
                share = session["cost"] / total if total else 1.0 / len(group)
                for line in [lines[lid], *credits.get(lid, [])]:
                    if line["parent_state"] == "posted":
                        billed -= line["balance"] * share
                        count += 1
            slack = CENT * (1 + count)
            cost = session["cost"]
            if abs(billed) > slack and abs(billed - cost) > slack:
                violate(
                    "d",
                    f"{name} is billed {billed:.2f} over posted invoices and credit "
                    f"notes: neither its cost {cost:.2f} nor zero",
                )
            elif (
                state == "invoiced"
                and line_id in lines
                and lines[line_id]["parent_state"] == "posted"
                and abs(billed - cost) > slack
            ):
                violate(
                    "d",
                    f"{name} is invoiced on a posted line but billed {billed:.2f}, "
                    f"not its cost {cost:.2f}",
                )
            elif state in ("rated", "credited", "draft") and abs(billed) > slack:
                violate(
                    "d",
                    f"{name} is {state} but billed {billed:.2f} by posted documents",
                )
        # c. A credit note credits only the sessions of the line it reverses,
        # for their company and customer.
        for line_id, session_ids in credited_by_line.items():
            line = lines.get(line_id) or self._read_lines([line_id]).get(line_id)
            reversed_id = line and line["reversed_line_id"]
            if not reversed_id or not session_ids <= self.carried.get(
                reversed_id, set()
            ):
                violate(
                    "c",
                    f"credit note line {line_id} credits sessions "
                    f"{sorted(session_ids)} its reversed line {reversed_id} never "
                    "carried",
                )
                continue
            invoice_line = lines.get(reversed_id)
            if line["move_type"] != "out_refund" or (
                invoice_line and line["reversed_entry_id"] != invoice_line["move_id"]
            ):
                violate(
                    "c",
                    f"{label(line)} credits sessions but is not a credit note of "
                    f"their invoice",
                )
            for sid in session_ids & set(sessions):
                session = sessions[sid]
                if (line["company_id"], line["partner_id"]) != (
                    session["company_id"],
                    session["partner_id"],
                ):
                    violate(
                        "c",
                        f"{label(line)} credits session {session['name']} of another "
                        "customer or company",
                    )
        violations += self._check_balance()
        return violations

    def _check_balance(self):
        """Point 3: the subscription's hours follow its documents."""
        violations = []
        cr = self.env.cr
        cr.execute(
            """SELECT p.prepaid_hours, p.consumed_minutes, p.pack_invoice_id,
                      m.state
                 FROM helpdesk_contract_profile p
            LEFT JOIN account_move m ON m.id = p.pack_invoice_id
                WHERE p.id = %s""",
            [self.pack.id],
        )
        _prepaid, consumed, invoice_id, invoice_state = cr.fetchone()
        cr.execute(
            "SELECT coalesce(sum(prepaid_minutes), 0) FROM helpdesk_session"
            " WHERE profile_id = %s AND state != 'draft'",
            [self.pack.id],
        )
        (prepaid_minutes,) = cr.fetchone()
        if consumed != prepaid_minutes:
            violations.append(
                f"[e] the subscription consumed {consumed} min but its rated "
                f"sessions took {prepaid_minutes} prepaid min"
            )
        cr.execute(
            "SELECT hours, invoice_id FROM helpdesk_contract_block WHERE id = %s",
            [self.pack_block.id],
        )
        hours, block_invoice = cr.fetchone()
        if invoice_id and invoice_state != "cancel":
            sold = self.pack_hours.get(invoice_id)
            if sold is not None and abs(hours - sold) > 0.001:
                violations.append(
                    f"[e] the pack block has {hours} h but its invoice {invoice_id} "
                    f"({invoice_state}) sold {sold} h"
                )
            if block_invoice != invoice_id:
                violations.append(
                    f"[e] the pack block names invoice {block_invoice}, the pack "
                    f"invoice is {invoice_id}"
                )
        return violations

    def _pack_usage(self):
        """(whether the pack has an invoice that is not cancelled, what
        sessions took from the pack's block)."""
        self.env.cr.execute(
            """SELECT move.id IS NOT NULL AND move.state != 'cancel',
                      (SELECT coalesce(sum(minutes), 0)
                         FROM helpdesk_contract_block_allocation
                        WHERE block_id = %s)
                 FROM helpdesk_contract_profile profile
            LEFT JOIN account_move move ON move.id = profile.pack_invoice_id
                WHERE profile.id = %s""",
            [self.pack_block.id, self.pack.id],
        )
        live, taken = self.env.cr.fetchone()
        return bool(live), taken

    # ------------------------------------------------------------------
    # Running one action
    # ------------------------------------------------------------------
    def _attempt(self, action):
        """Run ``action`` in a savepoint: kept when it succeeds; refused
        (UserError, RedirectWarning), the state is compared with the one
        before it, then rolled back. Returns (outcome, violations)."""
        self.last_refusal = None
        usage_before = self.usage
        savepoint = self.env.cr.savepoint()
        try:
            result = action()
            self.env.flush_all()
        except REFUSALS as error:
            self.last_refusal = error
            self.pending_copies = []
            # What the refusal left, against the state before the action
            # (the savepoint's, read again once rolled back).
            try:
                after = self._snapshot()
            except Exception as flush_error:  # reported as a failure
                after = f"flushing what the refusal left failed: {flush_error!r}"
            savepoint.close(rollback=True)
            self.env.invalidate_all()
            before = self._snapshot()
            message = str(error.args[0] if error.args else error).splitlines()[0]
            outcome = f"refused ({type(error).__name__}: {message[:160]})"
            if after != before and self._raised_by_module(error):
                return outcome, [
                    "[refusal] the action was refused but had written: "
                    + self._describe_diff(before, after)
                ]
            return outcome, []
        except Exception:  # an unexpected error fails the sequence
            self.pending_copies = []
            savepoint.close(rollback=True)
            self.env.invalidate_all()
            return "crashed", ["[exception] " + traceback.format_exc(limit=8)]
        savepoint.close(rollback=False)
        self._observe()
        violations = []
        usage_after = self.usage = self._pack_usage()
        if (
            not usage_before[0]
            and not usage_after[0]
            and usage_after[1] > usage_before[1]
        ):
            violations.append(
                f"[e] sessions took {usage_after[1] - usage_before[1]} min from the "
                "pack while it has no invoice (deleted or cancelled): not usable"
            )
        return f"done{self._describe_result(result)}", violations

    @staticmethod
    def _raised_by_module(error):
        """Whether the module raised ``error`` (its own refusals must come
        before any write; Odoo's checks after a write, such as its company
        consistency check, leave the request to be rolled back)."""
        frames = traceback.extract_tb(error.__traceback__)
        return bool(frames) and f"/{MODULE}/" in frames[-1].filename

    @staticmethod
    def _describe_result(result):
        if isinstance(result, dict) and result.get("res_model") == "account.move":
            return f" -> {result.get('res_id') or result.get('domain')}"
        return ""

    @staticmethod
    def _describe_diff(before, after):
        if isinstance(after, str):
            return after
        parts = []
        for key, rows in before.items():
            if after[key] != rows:
                gone = sorted(set(rows) - set(after[key]))[:3]
                new = sorted(set(after[key]) - set(rows))[:3]
                parts.append(f"{key}: {gone} -> {new}")
        return "; ".join(parts)
