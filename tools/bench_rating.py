"""Time the rating of 10,000 sessions (`make bench`).

usage: python3 tools/bench_rating.py CONFIG DB [SESSIONS[,SESSIONS...]] [CUSTOMERS]

SESSIONS (or $BENCH_SESSIONS; default 10000) may list several sizes, e.g.
10000,100000: each is built and rated in a transaction of its own, and the
growth of the time from the first size to the others is printed.

In DB (the module installed), builds CUSTOMERS customers (or $BENCH_CUSTOMERS;
default one for 50 sessions, 200 at least): half billed by four shared
pay-per-use profiles, half with a small subscription of their own (one in four
with an overage profile), one in ten in a grace period; two scope rules (a
monthly allowance of set-up work, an urgent tariff); four tickets each; then
SESSIONS draft sessions in the past, classified by the rules; then rates them
all with one `action_rate()` as a support billing manager and prints the time
it took (with BENCH_PROFILE=1, also a cProfile of the rating; with
BENCH_PROFILE=FILE.prof, the profile is also saved there). Then it times
the floor: the least PostgreSQL takes to store a rating of these sessions
(their figures updated, their history lines inserted, in plain SQL), and
the background batches ($BENCH_WORKERS, default "1,2"; "0" skips them):
the sessions rated, then the rated ones invoiced, by the scheduled action's
loop (one worker) or by worker processes running the queue jobs' groups.
Each size works in a scratch copy of DB, where the sessions are committed
(and vacuumed) before they are rated, as a month's sessions are; the copy is
dropped at the end: DB is left as it was.
"""

import cProfile
import multiprocessing
import os
import pstats
import random
import sys
import threading
import time
from contextlib import closing, contextmanager
from datetime import datetime, timedelta

import odoo
from odoo import SUPERUSER_ID, api
from odoo.fields import Command, Domain
from odoo.modules.registry import Registry
from odoo.service import db
from odoo.tools import SQL, config, split_every

MODULE = "helpdesk_session_billing"
# A consultant's sessions are this far apart (they never overlap).
SPACING = timedelta(hours=2, minutes=30)
# Sessions inserted by one statement.
CHUNK = 5000


def build(env, sessions_count, customers_count):
    """The bench's customers, profiles, scope rules and ``sessions_count``
    draft sessions, classified by the scope rules. The sessions are inserted
    in one SQL statement per chunk (the ORM's create checks and classifies
    them one batch at a time: minutes for 100,000), with their minutes
    computed there; then their support-hours split and their scope are
    computed by the module, as creating them would."""
    rng = random.Random(42)
    company = env.company
    company.helpdesk_session_max_minutes = 0
    manager = (
        env["res.users"]
        .with_context(no_reset_password=True)
        .create(
            {
                "name": "Bench billing manager",
                "login": "bench_billing_manager",
                "email": "bench@example.com",
                "group_ids": [
                    Command.link(env.ref("helpdesk_mgmt.group_helpdesk_user").id),
                    Command.link(env.ref(f"{MODULE}.group_support_billing_manager").id),
                    # Billing staff invoice too (the background invoicing).
                    Command.link(env.ref("account.group_account_invoice").id),
                ],
            }
        )
    )
    consultant_count = max(10, sessions_count // 1000)
    # Each consultant's sessions are SPACING apart, the last one an hour ago:
    # none is in the future, whatever the size.
    per_consultant = -(-sessions_count // consultant_count)
    origin = datetime.now().replace(microsecond=0) - SPACING * (per_consultant + 1)
    customers = env["res.partner"].create(
        [
            {
                "name": f"Bench customer {index:04d}",
                "is_company": True,
                # A grace period for one customer in ten, from the first day.
                "helpdesk_contract_start": origin.date() if index % 10 == 0 else False,
            }
            for index in range(customers_count)
        ]
    )
    half = customers_count // 2
    ppu_customers, sub_customers = customers[:half], customers[half:]
    Profile = env["helpdesk.contract.profile"]
    Profile.create(
        [
            {
                "name": f"Bench pay-per-use {index}",
                "billing_type": "pay_per_use",
                "min_duration": 3,
                "initial_step_duration": 15,
                "initial_step_cost": 25,
                "step_duration": 10,
                "step_cost": 12,
                "partner_ids": [Command.set(ppu_customers[index::4].ids)],
            }
            for index in range(4)
        ]
    )
    overage, urgent = Profile.create(
        [
            {
                "name": "Bench overage",
                "billing_type": "pay_per_use",
                "step_duration": 60,
                "step_cost": 90,
            },
            {
                "name": "Bench urgent tariff",
                "billing_type": "pay_per_use",
                "step_duration": 30,
                "step_cost": 60,
            },
        ]
    )
    Profile.create(
        [
            {
                "name": f"Bench pack {customer.name}",
                "billing_type": "subscription",
                "partner_id": customer.id,
                # Small packs: the later sessions run past the balance.
                "prepaid_hours": 20,
                "amount": 1600,
                "step_duration": 15,
                "overage_profile_id": overage.id if index % 4 == 0 else False,
            }
            for index, customer in enumerate(sub_customers)
        ]
    )
    env["helpdesk.scope.rule"].create(
        [
            {
                "name": "Bench set-up, 2 h a month included",
                "outcome": "included",
                "keywords": "setup",
                "monthly_allowance_hours": 2,
                "grace_days": 30,
            },
            {
                "name": "Bench urgent, own tariff",
                "outcome": "billable",
                "keywords": "urgent",
                "tariff_profile_id": urgent.id,
            },
        ]
    )
    tickets = env["helpdesk.ticket"].create(
        [
            {
                "name": f"Bench {kind} {customer.name}",
                "description": "<p>Bench</p>",
                "partner_id": customer.id,
            }
            for customer in customers
            for kind in ("ticket", "setup", "urgent", "question")
        ]
    )
    consultants = env["res.users"].create(
        [
            {
                "name": f"Bench consultant {index}",
                "login": f"bench_consultant_{index}",
                "group_ids": [
                    Command.link(env.ref("helpdesk_mgmt.group_helpdesk_user").id),
                    Command.link(env.ref(f"{MODULE}.group_support_billing_user").id),
                ],
            }
            for index in range(consultant_count)
        ]
    )
    rows = []
    ticket_ids, consultant_ids = tickets.ids, consultants.ids
    partner_of = {ticket.id: ticket.partner_id.id for ticket in tickets}
    for index in range(sessions_count):
        start = origin + SPACING * (index // consultant_count)
        start += timedelta(minutes=rng.randrange(30))
        ticket_id = ticket_ids[
            (index % customers_count) * 4 + (index // customers_count) % 4
        ]
        rows.append(
            (
                ticket_id,
                partner_of[ticket_id],
                consultant_ids[index % consultant_count],
                start,
                start + timedelta(minutes=rng.randrange(1, 120)),
                rng.choice((0, 0, 0, 5, 10, -5)),
            )
        )
    session_ids = []
    for chunk in split_every(CHUNK, rows):
        # The connection minutes, total and hours as _compute_duration and
        # _compute_total_duration set them (no pause here): plain arithmetic,
        # done in the statement rather than by the ORM over every session.
        env.cr.execute(
            SQL(
                """
                INSERT INTO helpdesk_session (
                    ticket_id, partner_id, user_id, date_start, date_end,
                    extra_duration, paused_seconds, duration, total_duration,
                    total_hours, is_total_clamped, company_id, state, scope,
                    create_uid, create_date, write_uid, write_date
                )
                SELECT v.ticket_id, v.partner_id, v.user_id, v.date_start,
                       v.date_end, v.extra, 0, d.minutes,
                       GREATEST(d.minutes + v.extra, 0),
                       ROUND(GREATEST(d.minutes + v.extra, 0) / 60.0, 2),
                       d.minutes + v.extra < 0, %(company)s, 'draft', 'billable',
                       %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM (VALUES %(values)s) AS v(
                       ticket_id, partner_id, user_id, date_start, date_end, extra)
                 CROSS JOIN LATERAL (
                       SELECT GREATEST(FLOOR(EXTRACT(EPOCH FROM
                              v.date_end - v.date_start) / 60.0 + 0.5), 0)::int
                              AS minutes
                       ) AS d
                RETURNING id
                """,
                company=company.id,
                uid=env.uid,
                now=env.cr.now(),
                values=SQL(", ").join(
                    SQL("(%s, %s, %s, %s::timestamp, %s::timestamp, %s)", *row)
                    for row in chunk
                ),
            )
        )
        session_ids.extend(row[0] for row in env.cr.fetchall())
    # The statistics of the tables just filled, before anything reads them:
    # rows inserted by this (uncommitted) transaction are invisible to
    # autovacuum, and the planner would go on with those of the table
    # before (an earlier run's rolled back sessions vacuumed: pages, no
    # rows, so "empty"). Believing it empty, it joins 100,000 sessions to
    # 8,000 tickets by nested loops and updates them by scanning the whole
    # table for each chunk: time growing with the square of the size.
    env.cr.execute(
        "ANALYZE helpdesk_session, helpdesk_ticket, res_partner, res_users, "
        "helpdesk_contract_profile"
    )
    Session = env["helpdesk.session"]
    sessions = Session.browse(session_ids)
    # What create() computes besides: the support-hours split, as create()
    # stores it (once for the batch), then the scope.
    sessions._refresh_support_split()
    sessions.flush_recordset()
    sessions._apply_scope_rules()
    env.flush_all()
    env.invalidate_all()
    return manager, sessions


@contextmanager
def scratch_copy(db_name, suffix="scratch"):
    """A copy of ``db_name`` for one size, dropped afterwards: the sessions
    are committed there before rating, as a month's sessions are (rows
    inserted in the rating's own transaction would make PostgreSQL check
    every foreign key again at each update)."""
    copy = f"{db_name}_{suffix}"
    # A template must have no connection open.
    odoo.sql_db.close_db(db_name)
    config["list_db"] = True
    if copy in db.list_dbs(True):
        db.exp_drop(copy)
    with closing(odoo.sql_db.db_connect("postgres").cursor()) as cr:
        cr._cnx.autocommit = True
        cr.execute(
            SQL(
                "CREATE DATABASE %s TEMPLATE %s",
                SQL.identifier(copy),
                SQL.identifier(db_name),
            )
        )
    try:
        yield copy
    finally:
        Registry.delete(copy)
        db.exp_drop(copy)


def vacuum(db_name):
    """What autovacuum does between the days the sessions are entered and
    month-end (the build updates each row several times), and the planner
    statistics of every table the build filled (customers, profiles and
    their customers): a copy starts with the template's, which say empty."""
    with closing(odoo.sql_db.db_connect(db_name).cursor()) as cr:
        cr._cnx.autocommit = True
        cr.execute("VACUUM ANALYZE helpdesk_session")
        cr.execute("ANALYZE")


def run(db_name, sessions_count, customers_count):
    """Build ``sessions_count`` sessions in a scratch copy of ``db_name`` and
    commit them, then rate them in a transaction of their own; returns the
    seconds rating took."""
    with scratch_copy(db_name) as copy:
        registry = Registry(copy)
        context = {"tracking_disable": True, "mail_create_nolog": True, "tz": "UTC"}
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, context)
            begin = time.perf_counter()
            manager, sessions = build(env, sessions_count, customers_count)
            built = time.perf_counter() - begin
            scopes = dict(
                env["helpdesk.session"]._read_group(
                    [("id", "in", sessions.ids)], ["scope"], ["__count"]
                )
            )
            print(
                f"Built {len(sessions)} draft sessions for {customers_count} "
                f"customers in {built:.1f} s (scope: {scopes})"
            )
            manager_id, session_ids = manager.id, sessions.ids
            cr.commit()
        vacuum(copy)
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, context)
            sessions = env["helpdesk.session"].browse(session_ids)
            queries = cr.sql_log_count
            # Odoo adds each query's time to the thread's: what PostgreSQL
            # took of the rating.
            thread = threading.current_thread()
            thread.query_time = 0.0
            profiler = cProfile.Profile() if os.environ.get("BENCH_PROFILE") else None
            begin = time.perf_counter()
            if profiler:
                profiler.enable()
            sessions.with_env(env(user=manager_id, context={})).action_rate()
            env.flush_all()
            cr.flush()  # pre-commit work (tracking) included
            elapsed = time.perf_counter() - begin
            if profiler:
                profiler.disable()
                if os.environ["BENCH_PROFILE"].endswith(".prof"):
                    profiler.dump_stats(os.environ["BENCH_PROFILE"])
                stats = pstats.Stats(profiler)
                stats.sort_stats("cumulative").print_stats(40)
                stats.sort_stats("tottime").print_stats(25)
            queries = cr.sql_log_count - queries
            sql_time = thread.query_time
            del thread.query_time
            rated = env["helpdesk.session"].search_count(
                [("id", "in", session_ids), ("state", "=", "rated")]
            )
            overage = env["helpdesk.session"].search_count(
                [("id", "in", session_ids), ("overage_minutes", ">", 0)]
            )
            cr.rollback()
        print(
            f"Rated {rated} sessions ({overage} with overage) in {elapsed:.2f} s "
            f"({rated / elapsed:.0f} sessions/s, {queries} queries taking "
            f"{sql_time:.2f} s in PostgreSQL)"
        )
        print(
            f"SUMMARY rating: {rated} sessions of {customers_count} customers "
            f"in {elapsed:.1f} s ({rated / elapsed:.0f} sessions/s; "
            f"{sql_time:.1f} s of it in PostgreSQL; built in {built:.0f} s)"
        )
        # The rolled back rating's row versions are gone, as they are before
        # the copies of the background runs are taken.
        vacuum(copy)
        with registry.cursor() as cr:
            time_floor(api.Environment(cr, manager_id, {}), session_ids)
        vacuum(copy)
        for workers in background_workers():
            time_background(copy, session_ids, manager_id, workers)
        return elapsed


def time_floor(env, session_ids):
    """Time the least PostgreSQL takes to store a rating of ``session_ids``
    on this machine, whatever computes it: one statement updating each
    session's figures (integers and a date only: no indexed, foreign-key or
    JSON column, so fewer index entries and checks than a rating writes) and
    one inserting each session's history line (``mail_message``, as the
    rating copies it), in plain SQL; rolled back."""
    cr = env.cr
    minutes = [index % 90 for index in range(len(session_ids))]
    begin = time.perf_counter()
    cr.execute(
        """
        UPDATE helpdesk_session
           SET billed_duration = rows.minutes, prepaid_minutes = 0,
               overage_minutes = 0, cost = rows.minutes * 1.5,
               rated_date = now() AT TIME ZONE 'UTC'
          FROM unnest(%s::int4[], %s::int4[]) AS rows(id, minutes)
         WHERE helpdesk_session.id = rows.id
        """,
        [session_ids, minutes],
    )
    updated = time.perf_counter() - begin
    begin = time.perf_counter()
    cr.execute(
        """
        INSERT INTO mail_message (res_id, model, body, message_type, author_id,
                                  date, create_uid, create_date, write_uid,
                                  write_date)
        SELECT res_id, 'helpdesk.session', %s, 'notification', %s,
               now() AT TIME ZONE 'UTC', %s, now() AT TIME ZONE 'UTC', %s,
               now() AT TIME ZONE 'UTC'
          FROM unnest(%s::int4[]) AS res_id
        """,
        [
            "<p>Draft → Rated</p>",
            env.user.partner_id.id,
            env.uid,
            env.uid,
            session_ids,
        ],
    )
    logged = time.perf_counter() - begin
    cr.rollback()
    print(
        f"SUMMARY rating floor: {len(session_ids)} sessions' figures updated in "
        f"{updated:.1f} s and their history lines inserted in {logged:.1f} s, "
        f"in plain SQL ({updated + logged:.1f} s before anything is computed)"
    )


def background_workers():
    """The numbers of workers the background path is timed with
    ($BENCH_WORKERS, default "1,2"; "0" skips it)."""
    return [
        int(count)
        for count in (os.environ.get("BENCH_WORKERS") or "1,2").split(",")
        if int(count)
    ]


def run_chunks(registry, groups=None, taken=None):
    """One worker running the batch's pending chunks: without ``groups``,
    the scheduled action's own loop (one cursor, a commit after each group
    of customers, the batch's counts with each); else as queue jobs run
    them, taking in turn the next of ``groups`` (the chunk ids of each job
    queued; ``taken`` counts the groups the workers took) in a transaction,
    a cursor and an environment of its own, the counts left to the end."""
    if groups is None:
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["helpdesk.billing.batch.chunk"]._cron_run_chunks()
        return
    while True:
        with taken.get_lock():
            index = taken.value
            taken.value += 1
        if index >= len(groups):
            return
        chunk_ids = groups[index]
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            chunks = env["helpdesk.billing.batch.chunk"]._acquire(chunk_ids)
            chunks._run(refresh_batch=False)


def time_background(db_name, session_ids, manager_id, workers):
    """Rate the draft sessions of ``db_name`` through the background batch,
    one chunk per customer, with ``workers`` processes running its chunks in
    parallel (one: the scheduled action's way; more: the queue jobs' way, a
    job per group of customers, the batch's counts refreshed at the end),
    then invoice the rated ones (those *Create invoices* takes) the same
    way, in a copy of ``db_name``."""
    with scratch_copy(db_name, f"{workers}_workers") as copy:
        registry = Registry(copy)
        rated, elapsed, chunks = run_batch(
            registry, "rate", session_ids, manager_id, workers
        )
        print(
            f"SUMMARY rating in the background, {workers} worker(s): {rated} "
            f"sessions of {chunks} customers in {elapsed:.1f} s "
            f"({rated / elapsed:.0f} sessions/s)"
        )
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            Session = env["helpdesk.session"]
            to_invoice = Session.search(
                Session._get_invoiceable_domain() & Domain("id", "in", session_ids)
            ).ids
        invoiced, elapsed, chunks = run_batch(
            registry, "invoice", to_invoice, manager_id, workers
        )
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            sessions = env["helpdesk.session"].browse(to_invoice)
            invoices, lines = len(sessions.invoice_id), len(sessions.invoice_line_id)
        print(
            f"SUMMARY invoicing in the background, {workers} worker(s): "
            f"{invoiced} sessions of {chunks} customers in {elapsed:.1f} s "
            f"({invoiced / elapsed:.0f} sessions/s; {invoices} invoices, "
            f"{lines} lines, one per ticket)"
        )


def run_batch(registry, operation, session_ids, manager_id, workers):
    """Run a batch doing ``operation`` on ``session_ids`` with ``workers``
    processes (``run_chunks``); returns the sessions it did, the seconds it
    took and its number of chunks."""
    context = multiprocessing.get_context("fork")
    groups = taken = None
    with registry.cursor() as cr:
        env = api.Environment(cr, manager_id, {"tz": "UTC"})
        batch = env["helpdesk.billing.batch"]._create_for_sessions(
            operation, env["helpdesk.session"].browse(session_ids)
        )
        batch_id, chunks = batch.id, len(batch.chunk_ids)
        if workers > 1:
            # The jobs _enqueue would queue, in their order.
            groups = [group.ids for group in batch.chunk_ids._get_groups()]
            taken = context.Value("i", 0)
    # No connection crosses the fork: each worker opens its own.
    odoo.sql_db.close_all()
    begin = time.perf_counter()
    processes = [
        context.Process(target=run_chunks, args=(registry, groups, taken))
        for _index in range(workers)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    elapsed = time.perf_counter() - begin
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        batch = env["helpdesk.billing.batch"].browse(batch_id)
        batch._refresh_counts()
        batch._finish_if_complete()
        state = "rated" if operation == "rate" else "invoiced"
        done = env["helpdesk.session"].search_count(
            [("id", "in", session_ids), ("state", "=", state)]
        )
        failed = batch.chunk_ids.filtered(lambda chunk: chunk.state == "failed")
        print(
            f"Background: {done} sessions {state} by {workers} worker(s) in "
            f"{elapsed:.1f} s ({chunks} chunks, {len(failed)} failed, batch "
            f"{batch.state})"
        )
    return done, elapsed, chunks


def main(conf, db_name, sessions_arg=None, customers_arg=None):
    config.parse_config(["-c", conf, "--log-level=warn"])
    odoo.netsvc.init_logger()
    sizes = [
        int(size)
        for size in (sessions_arg or os.environ.get("BENCH_SESSIONS") or "10000").split(
            ","
        )
    ]
    timed = []
    for size in sizes:
        # 50 sessions a customer, 200 customers at least (2,000 for 100,000).
        customers = int(
            customers_arg or os.environ.get("BENCH_CUSTOMERS") or max(200, size // 50)
        )
        timed.append((size, run(db_name, size, customers)))
    (small, small_time), *larger = timed
    for size, elapsed in larger:
        print(
            f"SUMMARY rating growth: {size / small:.0f}x the sessions in "
            f"{elapsed / small_time:.1f}x the time ({small} in {small_time:.1f} s, "
            f"{size} in {elapsed:.1f} s)"
        )


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4, 5):
        sys.exit(__doc__)
    main(*sys.argv[1:])
