"""A model-based test of the invoice life cycle (issue 26): random sequences
of a clerk's ordinary actions on invoices carrying support sessions, the
invariants of points 2 and 3 checked after every step; then, one by one, the
examples of the issue, as a clerk would meet them.

Replay one sequence: ``HSB_MBT_SEED=<seed> HSB_MBT_SEQUENCE=<index>`` (and
``HSB_MBT_SEQUENCES=<count>`` for more or fewer sequences than 200, or
``HSB_MBT_STEPS``); a failing sequence prints its seed, index, settings and
steps.
"""

import os
import random
import sys

from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import tagged

from .common_invoice_lifecycle import REFUSALS, InvoiceLifecycleCase

DEFAULT_SEED = 26
SEQUENCES = 200
STEPS = 10


@tagged("post_install", "-at_install")
class TestInvoiceLifecycleModel(InvoiceLifecycleCase):
    """Random sequences of a clerk's actions, each in its own savepoint."""

    def test_random_clerk_sequences(self):
        seed = int(os.environ.get("HSB_MBT_SEED", DEFAULT_SEED))
        steps = int(os.environ.get("HSB_MBT_STEPS", STEPS))
        only = os.environ.get("HSB_MBT_SEQUENCE")
        count = int(os.environ.get("HSB_MBT_SEQUENCES", SEQUENCES))
        indexes = [int(only)] if only else range(count)
        failures, tally, done = [], {}, 0
        for index in indexes:
            report, codes = self._run_sequence(seed, index, steps)
            done += 1
            if report:
                # The failing sequence, to replay it: on the test's output,
                # which pytest shows with the failure.
                sys.stdout.write(report + "\n\n")
                failures.append(report)
                for code in codes:
                    tally[code] = tally.get(code, 0) + 1
        if failures:
            summary = ", ".join(f"{code}: {n}" for code, n in sorted(tally.items()))
            self.fail(
                f"{len(failures)} of {done} sequences (seed {seed}) broke an "
                f"invariant (sequences per invariant: {summary}). Replay one with "
                f"HSB_MBT_SEED={seed} HSB_MBT_SEQUENCE=<index>.\n\n"
                + "\n\n".join(failures[:12])
                + (
                    f"\n\n... and {len(failures) - 12} more"
                    if len(failures) > 12
                    else ""
                )
            )

    # ------------------------------------------------------------------
    # A sequence
    # ------------------------------------------------------------------
    def _run_sequence(self, seed, index, steps):
        """Run sequence ``index`` of ``seed``, rolled back afterwards.
        Returns (the report of its first broken step or None, the codes of
        the invariants broken)."""
        rng = random.Random(f"{seed}:{index}")
        savepoint = self.env.cr.savepoint()
        try:
            mode = ("rebill", "close")[index % 2]
            included = self.included = rng.random() < 0.5
            self.company.write(
                {
                    "helpdesk_credit_note_mode": mode,
                    "helpdesk_invoice_show_included": included,
                }
            )
            self.env.invalidate_all()
            self._start_world()
            log = []
            problems = self._check_invariants(mode)
            for step in range(1, steps + 1):
                if problems:
                    break
                name, args, action = self._pick_action(rng)
                outcome, problems = self._attempt(action)
                log.append(f"  {step}. {name}({args}) -> {outcome}")
                problems += self._check_invariants(mode)
            if not problems:
                return None, set()
            codes = sorted({problem.split("]")[0] + "]" for problem in problems})
            report = "\n".join(
                [
                    f"Sequence {index} of seed {seed} (credit notes: {mode}, "
                    f"included sessions shown: {included}) broke {' '.join(codes)} "
                    f"at step {len(log)}; replay: HSB_MBT_SEED={seed} "
                    f"HSB_MBT_SEQUENCE={index}",
                    *log,
                    "  Broken:",
                    *(f"    {problem}" for problem in problems[:8]),
                ]
            )
            return report, set(codes)
        finally:
            savepoint.close(rollback=True)
            self.env.invalidate_all()

    # ------------------------------------------------------------------
    # The clerk's actions: (name, arguments, callable)
    # ------------------------------------------------------------------
    def _pick_action(self, rng):
        world = self._world()
        options = []
        for weight, make in (
            (2.5, self._act_rate),
            (0.6, self._act_unrate),
            (1.5, self._act_create_invoices),
            (0.5, self._act_new_invoice),
            (1.2, self._act_add_sessions),
            (2.5, self._act_post),
            (1.5, self._act_reset_to_draft),
            (1.5, self._act_cancel),
            (1.0, self._act_delete_line),
            (0.5, self._act_delete_move),
            (1.0, self._act_change_partner),
            (0.6, self._act_change_currency),
            (0.5, self._act_change_company),
            (0.8, self._act_switch_into_refund),
            (1.3, self._act_reverse),
            (0.5, self._act_invoice_pack),
            (0.5, self._act_change_prepaid_hours),
        ):
            if make(world, None):
                options.append((weight, make))
        total = sum(weight for weight, _make in options)
        pick = rng.random() * total
        chosen = options[-1][1]
        for weight, make in options:
            if pick < weight:
                chosen = make
                break
            pick -= weight
        return chosen(world, rng)

    def _world(self):
        """What the clerk sees, read in SQL (a step costs Odoo's work, not
        the test's): the customers' invoices and credit notes (any company),
        the pool's sessions, the lines of drafts carrying sessions."""
        cr = self.env.cr
        Move, Session = self.env["account.move"], self.env["helpdesk.session"]
        cr.execute(
            """SELECT move.id, move.state, move.move_type, move.name,
                      partner.name, currency.name, company.name
                 FROM account_move move
                 JOIN res_partner partner ON partner.id = move.partner_id
                 JOIN res_currency currency ON currency.id = move.currency_id
                 JOIN res_company company ON company.id = move.company_id
                WHERE move.move_type IN ('out_invoice', 'out_refund')
                  AND move.commercial_partner_id IN %s
             ORDER BY move.id""",
            [tuple(self.customers.ids)],
        )
        rows = cr.fetchall()
        self.labels = {
            row[0]: f"move {row[0]} {row[3] or '/'} {row[2]}/{row[1]} {row[4]} "
            f"{row[5]} {row[6]}"
            for row in rows
        }
        by_state = {}
        for move_id, state, *_rest in rows:
            by_state.setdefault(state, []).append(move_id)
        cr.execute(
            """SELECT id, state, invoice_line_id IS NULL AND state = 'rated'
                      AND (cost > 0 OR %s)
                 FROM helpdesk_session WHERE id IN %s ORDER BY id""",
            [self.included, tuple(self.pool.ids)],
        )
        sessions = cr.fetchall()
        self.session_states = {sid: state for sid, state, _free in sessions}
        cr.execute(
            """SELECT DISTINCT session.invoice_line_id, line.move_id
                 FROM helpdesk_session session
                 JOIN account_move_line line ON line.id = session.invoice_line_id
                WHERE line.parent_state = 'draft'
             ORDER BY session.invoice_line_id""",
        )
        session_lines = cr.fetchall()
        return {
            "moves": Move.browse(row[0] for row in rows),
            "drafts": Move.browse(by_state.get("draft", [])),
            "posted": Move.browse(by_state.get("posted", [])),
            "cancelled": Move.browse(by_state.get("cancel", [])),
            "types": {row[0]: row[2] for row in rows},
            "draft_sessions": Session.browse(
                sid for sid, state, _free in sessions if state == "draft"
            ),
            "rated": Session.browse(
                sid for sid, state, _free in sessions if state == "rated"
            ),
            "invoiceable": Session.browse(
                sid for sid, _state, free in sessions if free
            ),
            "session_lines": session_lines,
        }

    def _as_clerk(self, records):
        return records.with_user(self.clerk)

    def _move_label(self, move):
        return self.labels.get(move.id, f"move {move.id}")

    def _sessions_label(self, sessions):
        return "sessions " + ",".join(
            f"{s.id}({self.session_names[s.id].split(',')[0]}, "
            f"{self.session_states.get(s.id)})"
            for s in sessions
        )

    @staticmethod
    def _sample(rng, records, low=1, high=3):
        records = list(records)
        return rng.sample(records, rng.randint(low, min(high, len(records))))

    def _act_rate(self, world, rng):
        if rng is None:
            return bool(world["draft_sessions"])
        sessions = self.Session.union(*self._sample(rng, world["draft_sessions"]))
        return (
            "rate",
            self._sessions_label(sessions),
            lambda: self._as_clerk(sessions).action_rate(),
        )

    def _act_unrate(self, world, rng):
        if rng is None:
            return bool(world["rated"])
        session = rng.choice(list(world["rated"]))
        return (
            "unrate",
            self._sessions_label(session),
            lambda: self._as_clerk(session).action_unrate(reason="MBT"),
        )

    def _act_create_invoices(self, world, rng):
        if rng is None:
            return bool(world["invoiceable"])
        sessions = self.Session.union(*self._sample(rng, world["invoiceable"], 1, 4))
        post = rng.random() < 0.4
        grouping = rng.choice(["ticket", "session"])
        wizard = rng.random() < 0.5

        def run():
            if wizard:
                return (
                    self.env["helpdesk.session.invoice.wizard"]
                    .with_user(self.clerk)
                    .create(
                        {
                            "session_ids": [Command.set(sessions.ids)],
                            "grouping": grouping,
                            "post": post,
                        }
                    )
                    .action_create_invoices()
                )
            return self._as_clerk(sessions).action_create_invoices(
                post=post, grouping=grouping
            )

        return (
            "create_invoices",
            f"{self._sessions_label(sessions)}, post={post}, grouping={grouping}, "
            f"wizard={wizard}",
            run,
        )

    def _partners(self):
        return [self.customer, self.contact, self.pack_customer, self.pack_contact]

    def _act_new_invoice(self, world, rng):
        if rng is None:
            return True
        partner = rng.choice(self._partners())
        currency = rng.choice([self.company.currency_id, self.eur])
        return (
            "new_invoice",
            f"partner={partner.name}, currency={currency.name}",
            lambda: (
                self.env["account.move"]
                .with_user(self.clerk)
                .create(
                    {
                        "move_type": "out_invoice",
                        "partner_id": partner.id,
                        "currency_id": currency.id,
                    }
                )
            ),
        )

    def _act_add_sessions(self, world, rng):
        if rng is None:
            return bool(world["drafts"])
        invoices = world["drafts"].filtered(
            lambda m: world["types"][m.id] == "out_invoice"
        )
        move = rng.choice(
            list(invoices if invoices and rng.random() < 0.9 else world["drafts"])
        )
        narrow = rng.random() < 0.3
        grouping = rng.choice(["ticket", "session"])

        def run():
            action = self._as_clerk(move).action_add_support_sessions()
            wizard = (
                self.env[action["res_model"]]
                .with_user(self.clerk)
                .with_context(**action["context"])
                .create({"grouping": grouping})
            )
            if narrow and len(wizard.session_ids) > 1:
                wizard.session_ids = [Command.unlink(wizard.session_ids[-1].id)]
            return wizard.action_add()

        return (
            "add_sessions",
            f"{self._move_label(move)}, narrow={narrow}, grouping={grouping}",
            run,
        )

    def _act_post(self, world, rng):
        if rng is None:
            return bool(world["drafts"])
        move = rng.choice(list(world["drafts"]))
        return (
            "post",
            self._move_label(move),
            lambda: self._as_clerk(move).action_post(),
        )

    def _act_reset_to_draft(self, world, rng):
        moves = world["posted"] | world["cancelled"]
        if rng is None:
            return bool(moves)
        move = rng.choice(list(moves))
        return (
            "reset_to_draft",
            self._move_label(move),
            lambda: self._as_clerk(move).button_draft(),
        )

    def _act_cancel(self, world, rng):
        moves = world["drafts"] | world["posted"]
        if rng is None:
            return bool(moves)
        move = rng.choice(list(moves.sorted("id")))
        return (
            "cancel",
            self._move_label(move),
            lambda: self._as_clerk(move).button_cancel(),
        )

    def _act_delete_line(self, world, rng):
        if rng is None:
            return bool(world["session_lines"])
        line_id, move_id = rng.choice(world["session_lines"])
        move = self.env["account.move"].browse(move_id)
        return (
            "delete_line",
            f"line {line_id} of {self._move_label(move)}",
            lambda: self._as_clerk(move).write(
                {"invoice_line_ids": [Command.delete(line_id)]}
            ),
        )

    def _act_delete_move(self, world, rng):
        if rng is None:
            return bool(world["drafts"])
        move = rng.choice(list(world["drafts"]))
        return (
            "delete_move",
            self._move_label(move),
            lambda: self._as_clerk(move).unlink(),
        )

    def _act_change_partner(self, world, rng):
        if rng is None:
            return bool(world["drafts"])
        move = rng.choice(list(world["drafts"]))
        partner = rng.choice([p for p in self._partners() if p != move.partner_id])
        return (
            "change_customer",
            f"{self._move_label(move)} -> {partner.name}",
            lambda: self._as_clerk(move).write({"partner_id": partner.id}),
        )

    def _act_change_currency(self, world, rng):
        if rng is None:
            return bool(world["drafts"])
        move = rng.choice(list(world["drafts"]))
        currency = (
            self.eur if move.currency_id != self.eur else self.company.currency_id
        )
        return (
            "change_currency",
            f"{self._move_label(move)} -> {currency.name}",
            lambda: self._as_clerk(move).write({"currency_id": currency.id}),
        )

    def _act_change_company(self, world, rng):
        if rng is None:
            return bool(world["drafts"])
        move = rng.choice(list(world["drafts"]))
        company = self.company_2 if move.company_id == self.company else self.company
        # As the form does: the company's sales journal with it.
        journal = self.env["account.journal"].search(
            [("company_id", "=", company.id), ("type", "=", "sale")], limit=1
        )
        return (
            "change_company",
            f"{self._move_label(move)} -> {company.name}",
            lambda: (
                self._as_clerk(move)
                .with_context(allowed_company_ids=(company | move.company_id).ids)
                .write({"company_id": company.id, "journal_id": journal.id})
            ),
        )

    def _act_switch_into_refund(self, world, rng):
        if rng is None:
            return bool(world["drafts"])
        move = rng.choice(list(world["drafts"]))
        return (
            "switch_into_refund",
            self._move_label(move),
            lambda: self._as_clerk(move).action_switch_move_type(),
        )

    def _act_reverse(self, world, rng):
        """Odoo's reversal wizard: *Reverse* (a draft credit note, in full or
        in part: a line removed, or a line's amount lowered; posted or left
        in draft) or *Reverse and create invoice* (posted at once, with a new
        draft invoice)."""
        invoices = world["posted"].filtered(
            lambda m: world["types"][m.id] == "out_invoice"
        )
        if rng is None:
            return bool(invoices)
        move = rng.choice(list(invoices))
        mode = rng.choice(["refund", "refund", "refund", "modify"])
        part = rng.choice(["full", "full", "drop_line", "lower_amount"])
        post = rng.random() < 0.7

        def run():
            wizard = (
                self.env["account.move.reversal"]
                .with_user(self.clerk)
                .with_context(active_model="account.move", active_ids=move.ids)
                .create({"journal_id": move.journal_id.id, "reason": "MBT"})
            )
            before = move.reversal_move_ids
            if mode == "modify":
                action = wizard.modify_moves()
                # The credit note reverses the invoice's lines, the new
                # draft invoice bills them again: one line for one.
                self._remember_copies(move, move.reversal_move_ids - before, "credit")
                self._remember_copies(move, wizard.new_move_ids, "rebill")
                return action
            action = wizard.refund_moves()
            credit_note = self._as_clerk(wizard.new_move_ids)
            self._remember_copies(move, credit_note, "credit")
            lines = credit_note.invoice_line_ids.sorted("id")
            if part == "drop_line" and len(lines) > 1:
                credit_note.write({"invoice_line_ids": [Command.delete(lines[0].id)]})
            elif part == "lower_amount" and lines:
                lines[0].price_unit = lines[0].price_unit / 2
            if post:
                # Posting is the clerk's next click: refused, it leaves the
                # draft credit note the reversal made (a later post step
                # checks that a refused post writes nothing).
                try:
                    with self.env.cr.savepoint():
                        credit_note.action_post()
                        self.env.flush_all()
                except REFUSALS:
                    self.env.invalidate_all()
            return action

        return (
            "reverse",
            f"{self._move_label(move)}, mode={mode}"
            + (f", {part}, post={post}" if mode == "refund" else ""),
            run,
        )

    def _act_invoice_pack(self, world, rng):
        if rng is None:
            return True
        return (
            "invoice_pack",
            f"{self.pack.name} (pack invoice: "
            f"{self.pack.pack_invoice_id.name or self.pack.pack_invoice_id.id}, "
            f"{self.pack.pack_invoice_id.state})",
            lambda: self._as_clerk(self.pack).action_invoice_pack(),
        )

    def _act_change_prepaid_hours(self, world, rng):
        """Raise the pack's hours: once its invoice is posted (the issue's
        example), or when it has no invoice left (nothing sold yet)."""
        invoice = self.pack.pack_invoice_id
        if rng is None:
            return not invoice or invoice.state != "draft"
        hours = self.pack.prepaid_hours + rng.choice([1.0, 2.0])
        return (
            "change_prepaid_hours",
            f"{self.pack.prepaid_hours} -> {hours} (pack invoice "
            f"{invoice.id}, {invoice.state or 'none'})",
            lambda: self._as_clerk(self.pack).write({"prepaid_hours": hours}),
        )


@tagged("post_install", "-at_install")
class TestInvoiceLifecycleExamples(InvoiceLifecycleCase):
    """The issue's examples, as the clerk meets them: each must be refused
    with a message naming the sessions and the other document, before
    anything is written."""

    def _assert_refused(self, calls, names):
        """Run ``calls`` in turn until one is refused: it must be refused
        with a UserError naming ``names`` and have written nothing."""
        for call in calls:
            outcome, problems = self._attempt(call)
            if self.last_refusal:
                self.assertFalse(problems, "the refusal came after writing")
                self.assertIsInstance(self.last_refusal, UserError)
                for name in names:
                    self.assertIn(name, str(self.last_refusal))
                return
            self.assertFalse(problems, outcome)
        self.fail(f"nothing was refused: {outcome}")

    def test_cancelled_invoice_reset_while_its_sessions_are_invoiced_anew(self):
        invoice = self._as(self.posted_invoice)
        sessions = self.posted_invoice.invoice_line_ids.helpdesk_session_ids
        self.assertEqual(len(sessions), 2)
        invoice.button_draft()
        invoice.button_cancel()
        self.assertEqual(set(sessions.mapped("state")), {"rated"})
        again = self._invoice_as_clerk(sessions, grouping="session")
        self._as(again).action_post()
        # Reset to draft again, then posted: refused at one step or the other.
        self._assert_refused(
            [invoice.button_draft, invoice.action_post],
            [sessions[0].display_name, again.name],
        )
        self.assertNotEqual(invoice.state, "posted")
        self.assertEqual(sessions.invoice_id, again)
        self.assertEqual(set(sessions.mapped("state")), {"invoiced"})

    def test_draft_readdressed_to_another_customer(self):
        invoice = self._as(self.draft_invoice)
        sessions = invoice.invoice_line_ids.helpdesk_session_ids
        self.assertTrue(sessions)
        self._assert_refused(
            [
                lambda: invoice.write({"partner_id": self.pack_customer.id}),
                invoice.action_post,
            ],
            [sessions[0].display_name],
        )
        self.assertFalse(
            invoice.state == "posted" and invoice.partner_id == self.pack_customer,
            "the sessions were billed to another customer",
        )
        self.assertEqual(set(sessions.mapped("state")), {"invoiced"})
        self.assertEqual(sessions.invoice_id, self.draft_invoice)

    def test_draft_readdressed_to_a_contact_of_the_customer_is_fine(self):
        invoice = self._as(self.draft_invoice)
        invoice.write({"partner_id": self.contact.id})
        invoice.action_post()
        self.assertEqual(invoice.state, "posted")
        sessions = invoice.invoice_line_ids.helpdesk_session_ids
        self.assertEqual(set(sessions.mapped("state")), {"invoiced"})

    def test_switched_into_refund(self):
        invoice = self._as(self.draft_invoice)
        sessions = invoice.invoice_line_ids.helpdesk_session_ids
        self._assert_refused(
            [invoice.action_switch_move_type, invoice.action_post],
            [sessions[0].display_name],
        )
        self.assertEqual(invoice.move_type, "out_invoice")
        self.assertEqual(set(sessions.mapped("state")), {"invoiced"})
        self.assertEqual(sessions.invoice_id.move_type, "out_invoice")

    def test_prepaid_hours_raised_after_the_pack_invoice_is_posted(self):
        pack = self._as(self.pack)
        self._as(self.pack_invoice).action_post()
        remaining = pack.remaining_hours
        block_hours = self.pack_block.hours
        hours = pack.prepaid_hours + 5
        _outcome, problems = self._attempt(lambda: pack.write({"prepaid_hours": hours}))
        self.assertFalse(problems)
        if self.last_refusal:
            self.assertIn(self.pack_invoice.name, str(self.last_refusal))
        self.env.invalidate_all()
        # Refused, or at least the balance does not follow without a document.
        self.assertEqual(self.pack_block.hours, block_hours)
        self.assertAlmostEqual(pack.remaining_hours, remaining)

    def test_hours_of_a_pack_invoice_cancelled_before_posting_are_not_usable(self):
        draft = self.pool.filtered(
            lambda s: s.ticket_id == self.pack_ticket and s.state == "draft"
        )[:1]
        for how in ("cancel", "delete"):
            with self.subTest(how=how), self.env.cr.savepoint() as savepoint:
                invoice = self._as(self.pack_invoice)
                if how == "cancel":
                    invoice.button_cancel()
                else:
                    invoice.unlink()
                taken = self.pack_block.consumed_minutes
                self._as(draft).action_rate()
                self.assertEqual(draft.state, "rated")
                self.assertEqual(draft.prepaid_minutes, 0)
                self.assertEqual(self.pack_block.consumed_minutes, taken)
                savepoint.rollback()
                self.env.invalidate_all()

    def _as(self, records):
        return records.with_user(self.clerk)
