"""Bench: invoicing rated sessions, beside Odoo's own timesheet invoicing.

usage: python3 tools/bench_invoicing.py CONFIG DB [--sessions N] [--customers N]
                                       [--odoo-volume N] [--odoo-customers N]
                                       [--odoo-line-volume N]

Works in one cursor of DB (the module and sale_timesheet installed) that is
rolled back at the end: nothing is kept. Our path: CUSTOMERS customers billed
by a pay-per-use profile, SESSIONS sessions of the past month spread over two
tickets each, rated, then invoiced by ``sessions.action_create_invoices()``
(timed), once with the default grouping (one line per ticket, listing its
sessions) and once with one line per session, on fresh sessions each time.
Odoo's path: sale_timesheet invoicing the same volume of work, one sale order
of a service invoiced on timesheets per customer and one timesheet line per
session, through the standard ``sale.advance.payment.inv`` wizard (timed).
``--odoo-volume`` runs Odoo's path on fewer timesheet lines (and
``--odoo-customers`` orders, in proportion by default), and our path is then
timed again on that same volume, so the ratio always compares equal work.

``sale_timesheet`` puts the timesheets of a sale order line on one invoice
line: it compares with our line per ticket. Odoo's path with an invoice line
per piece of work is the sale order with an order line per piece of work
(a service invoiced on order), invoiced through the same wizard: it compares
with our line per session, on ``--odoo-line-volume`` lines (default 2,000,
and customers in proportion; 0 skips it), our line per session being timed
again on the same volume. On that volume, Odoo's own ``account.move``
create of the same invoices with their lines (product, account, taxes,
quantity, price and label given) is timed too: no standard path through
Odoo's accounting makes them with less work.

Both paths first invoice a small batch and the database is analysed: a live
database has invoiced before and its planner statistics know the invoice
tables are not empty. A fresh one's say they are, and PostgreSQL may then
pick nested loops that make Odoo's own queries on new invoices (payment
state) quadratic in the lines created in the transaction, on either path.
"""

import argparse
import os
import time
from datetime import datetime, timedelta

import odoo
from odoo import SUPERUSER_ID, api
from odoo.fields import Command
from odoo.modules.registry import Registry
from odoo.tools import config

# Work of the past month, whatever day the bench runs.
MONTH_START = (datetime.now().replace(day=1) - timedelta(days=1)).replace(
    day=1, hour=0, minute=0, second=0, microsecond=0
)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("config")
    parser.add_argument("database")
    parser.add_argument("--sessions", type=int, default=10000)
    parser.add_argument("--customers", type=int, default=500)
    parser.add_argument(
        "--analytic",
        action="store_true",
        help="the profile sets an analytic distribution on its lines",
    )
    parser.add_argument(
        "--tickets", type=int, default=2, help="tickets of each customer"
    )
    parser.add_argument(
        "--odoo-volume",
        type=int,
        default=None,
        help="timesheet lines invoiced by Odoo's path (default: --sessions; "
        "0 skips it)",
    )
    parser.add_argument(
        "--odoo-line-volume",
        type=int,
        default=2000,
        help="order lines invoiced a line each by Odoo's sale path (0 skips it)",
    )
    parser.add_argument(
        "--odoo-customers",
        type=int,
        default=None,
        help="sale orders of Odoo's path (default: in proportion)",
    )
    return parser.parse_args()


def customers(env, count, prefix):
    return env["res.partner"].create(
        [
            {"name": f"{prefix} {index:04d}", "is_company": True}
            for index in range(count)
        ]
    )


def consultants(env, count=5):
    return env["res.users"].create(
        [
            {
                "name": f"Bench consultant {index}",
                "login": f"bench_invoicing_consultant_{index}",
                "group_ids": [
                    Command.link(env.ref("helpdesk_mgmt.group_helpdesk_user").id),
                    Command.link(env.ref("base.group_user").id),
                ],
            }
            for index in range(count)
        ]
    )


def work_slots(count, partners):
    """(partner, day, hour, minutes) of ``count`` pieces of work, spread evenly
    over ``partners`` and the working days of the past month."""
    for index in range(count):
        partner = partners[index % len(partners)]
        rank = index // len(partners)
        day = MONTH_START + timedelta(days=rank % 28)
        yield index, partner, day.replace(hour=8 + rank % 9), 10 + index % 50


# ----------------------------------------------------------------------
# Our path
# ----------------------------------------------------------------------
def prepare_sessions(
    env,
    session_count,
    customer_count,
    prefix,
    users,
    *,
    ticket_count=2,
    analytic=False,
):
    """Rated sessions of ``customer_count`` pay-per-use customers, spread
    evenly over ``ticket_count`` tickets of each (with ``analytic``, the
    profile puts its lines on an analytic account)."""
    partners = customers(env, customer_count, prefix)
    distribution = {}
    if analytic:
        plan = env["account.analytic.plan"].create({"name": f"{prefix} plan"})
        account = env["account.analytic.account"].create(
            {"name": f"{prefix} support", "plan_id": plan.id}
        )
        distribution = {str(account.id): 100}
    env["helpdesk.contract.profile"].create(
        {
            **({"analytic_distribution": distribution} if distribution else {}),
            "name": f"{prefix} pay-per-use",
            "billing_type": "pay_per_use",
            "initial_step_duration": 15,
            "initial_step_cost": 25.0,
            "step_duration": 10,
            "step_cost": 12.0,
            "partner_ids": [Command.set(partners.ids)],
        }
    )
    tickets = env["helpdesk.ticket"].create(
        [
            {
                "name": f"{partner.name} ticket {number}",
                "description": "<p>Bench</p>",
                "partner_id": partner.id,
            }
            for partner in partners
            for number in range(1, ticket_count + 1)
        ]
    )
    tickets_of = {}
    for ticket in tickets:
        tickets_of.setdefault(ticket.partner_id.id, []).append(ticket)
    vals_list = []
    for index, partner, start, minutes in work_slots(session_count, partners):
        ticket = tickets_of[partner.id][(index // len(partners)) % ticket_count]
        vals_list.append(
            {
                "ticket_id": ticket.id,
                "user_id": users[index % len(users)].id,
                "date_start": start,
                "date_end": start + timedelta(minutes=minutes),
            }
        )
    sessions = env["helpdesk.session"].create(vals_list)
    started = time.perf_counter()
    sessions.action_rate()
    env.flush_all()
    rating = time.perf_counter() - started
    env.invalidate_all()
    return sessions, rating


def time_ours(env, sessions, grouping="ticket"):
    """Seconds and queries of invoicing ``sessions``, the invoices and their
    lines, and the seconds of CPU of this process (Odoo's Python, not the
    database's): on a shared machine, the figure the load moves least."""
    env.flush_all()
    env.invalidate_all()
    queries = env.cr.sql_log_count
    started, cpu = time.perf_counter(), time.process_time()
    action = sessions.action_create_invoices(grouping=grouping)
    env.flush_all()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    queries = env.cr.sql_log_count - queries
    invoices = env["account.move"].search(action.get("domain") or [])
    if action.get("res_id"):
        invoices = env["account.move"].browse(action["res_id"])
    lines = sum(len(invoice.invoice_line_ids) for invoice in invoices)
    assert sessions.filtered(lambda s: s.state != "invoiced").ids == [], "left over"
    return elapsed, queries, invoices, lines, cpu


# ----------------------------------------------------------------------
# Odoo's path: sale_timesheet
# ----------------------------------------------------------------------
def prepare_timesheets(env, line_count, order_count, prefix):
    """Confirmed sale orders of a service invoiced on timesheets, one per
    customer, and ``line_count`` timesheet lines on their tasks."""
    partners = customers(env, order_count, prefix)
    project = env["project.project"].create(
        {"name": f"{prefix} project", "allow_billable": True, "allow_timesheets": True}
    )
    product = env["product.product"].create(
        {
            "name": f"{prefix} support",
            "type": "service",
            "service_type": "timesheet",
            "invoice_policy": "delivery",
            "service_policy": "delivered_timesheet",
            "service_tracking": "task_global_project",
            "project_id": project.id,
            "uom_id": env.ref("uom.product_uom_hour").id,
            "list_price": 90.0,
        }
    )
    orders = env["sale.order"].create(
        [
            {
                "partner_id": partner.id,
                "order_line": [
                    Command.create({"product_id": product.id, "product_uom_qty": 1})
                ],
            }
            for partner in partners
        ]
    )
    orders.action_confirm()
    task_of = {order.id: order.order_line.task_id for order in orders}
    assert all(task_of.values()), "sale_timesheet made no task"
    employees = env["hr.employee"].create(
        [{"name": f"{prefix} consultant {index}"} for index in range(5)]
    )
    vals_list = []
    for index, partner, start, minutes in work_slots(line_count, partners):
        order = orders[index % len(orders)]
        vals_list.append(
            {
                "name": f"{partner.name} work {index}",
                "project_id": project.id,
                "task_id": task_of[order.id].id,
                "employee_id": employees[index % len(employees)].id,
                "date": start.date(),
                "unit_amount": minutes / 60.0,
            }
        )
    timesheets = env["account.analytic.line"].create(vals_list)
    assert set(timesheets.so_line.order_id.ids) == set(orders.ids), "unlinked"
    env.flush_all()
    env.invalidate_all()
    return orders, timesheets


def prepare_order_lines(env, line_count, order_count, prefix):
    """Confirmed sale orders of a service invoiced on order, one per customer,
    with an order line per piece of work (``line_count`` in all): Odoo makes
    an invoice line of each."""
    partners = customers(env, order_count, prefix)
    product = env["product.product"].create(
        {
            "name": f"{prefix} support",
            "type": "service",
            "invoice_policy": "order",
            "uom_id": env.ref("uom.product_uom_hour").id,
            "list_price": 90.0,
        }
    )
    lines_of = {partner.id: [] for partner in partners}
    for index, partner, start, minutes in work_slots(line_count, partners):
        lines_of[partner.id].append(
            Command.create(
                {
                    "product_id": product.id,
                    "name": f"{partner.name} work {index}, {start:%Y-%m-%d %H:%M}",
                    "product_uom_qty": minutes / 60.0,
                }
            )
        )
    orders = env["sale.order"].create(
        [
            {"partner_id": partner.id, "order_line": lines_of[partner.id]}
            for partner in partners
        ]
    )
    orders.action_confirm()
    env.flush_all()
    env.invalidate_all()
    return orders


def time_odoo(env, orders):
    """Seconds, queries, invoices, invoice lines and CPU seconds of Odoo's
    standard invoicing of ``orders`` (the "Create invoices" wizard)."""
    env.flush_all()
    env.invalidate_all()
    queries = env.cr.sql_log_count
    started, cpu = time.perf_counter(), time.process_time()
    wizard = (
        env["sale.advance.payment.inv"]
        .with_context(active_model="sale.order", active_ids=orders.ids)
        .create({"advance_payment_method": "delivered"})
    )
    wizard.create_invoices()
    env.flush_all()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    queries = env.cr.sql_log_count - queries
    invoices = orders.invoice_ids
    assert len(invoices) == len(orders), "not one invoice per order"
    lines = sum(len(invoice.invoice_line_ids) for invoice in invoices)
    return elapsed, queries, invoices, lines, cpu


# ----------------------------------------------------------------------
def warm_up(env, users, check_odoo):
    """Invoice a small batch on each path, then analyse the database: caches
    warm and planner statistics as in a database that has invoiced before."""
    sessions, _rating = prepare_sessions(env, 40, 2, "Bench warm-up customer", users)
    sessions.action_create_invoices()
    if check_odoo:
        time_odoo(env, prepare_timesheets(env, 40, 2, "Bench warm-up SO customer")[0])
        time_odoo(env, prepare_order_lines(env, 40, 2, "Bench warm-up SOL customer"))
    env.flush_all()
    env.cr.execute("ANALYZE")


def report_ours(label, count, measure):
    elapsed, queries, invoices, lines, _cpu = measure
    print(
        f"{label}: {count} sessions, {len(invoices)} invoices ({lines} lines) "
        f"in {elapsed:.2f} s, {queries} queries: "
        f"{len(invoices) / elapsed:.1f} invoices/s, {count / elapsed:.0f} sessions/s"
    )


def summary(name, **figures):
    """One line a script can parse: ``SUMMARY <name> key=value ...``, with
    the machine's load average (1 min) when it was printed."""
    figures["load"] = f"{os.getloadavg()[0]:.2f}"
    print(
        f"SUMMARY {name} "
        + " ".join(
            f"{key}={value:.2f}" if isinstance(value, float) else f"{key}={value}"
            for key, value in figures.items()
        )
    )


def summary_ours(name, count, measure):
    elapsed, queries, invoices, lines, cpu = measure
    summary(
        name,
        sessions=count,
        invoices=len(invoices),
        lines=lines,
        seconds=elapsed,
        cpu_seconds=cpu,
        queries=queries,
    )


def ours_at_volume(env, args, users, timed, *, grouping, volume, customer_count):
    """Our invoicing with ``grouping``, timed on ``volume`` sessions of
    ``customer_count`` customers: the bench's own measure when that is its
    size, else a new one on new sessions."""
    if (volume, customer_count) == (args.sessions, args.customers):
        return timed[grouping]
    sessions, _rating = prepare_sessions(
        env,
        volume,
        customer_count,
        f"Bench {grouping} {volume} customer",
        users,
        ticket_count=args.tickets,
        analytic=args.analytic,
    )
    ours = time_ours(env, sessions, grouping)
    report_ours(f"ours, one line per {grouping}, Odoo's volume", volume, ours)
    summary_ours(f"ours_per_{grouping}_odoo_volume", volume, ours)
    return ours


def compare_timesheets(env, args, users, timed):
    """Odoo's ``sale_timesheet`` (a line per order for its timesheets) beside
    our line per ticket, on the same volume."""
    volume = args.sessions if args.odoo_volume is None else args.odoo_volume
    customer_count = args.odoo_customers or max(
        1, round(args.customers * volume / args.sessions)
    )
    ours = ours_at_volume(
        env,
        args,
        users,
        timed,
        grouping="ticket",
        volume=volume,
        customer_count=customer_count,
    )
    orders, timesheets = prepare_timesheets(
        env, volume, customer_count, "Bench SO customer"
    )
    measure = time_odoo(env, orders)
    elapsed, queries, invoices, lines, _cpu = measure
    assert not timesheets.filtered(lambda t: not t.timesheet_invoice_id), "left"
    print(
        f"Odoo (sale_timesheet): {len(timesheets)} timesheet lines on "
        f"{len(invoices)} invoices ({lines} lines) in {elapsed:.2f} s, "
        f"{queries} queries: {len(timesheets) / elapsed:.0f} timesheet lines/s"
    )
    print(
        f"ratio at {volume} pieces of work for {customer_count} customers: "
        f"Odoo's sale_timesheet takes {elapsed / ours[0]:.2f}x our line per ticket"
    )
    summary_odoo(
        "odoo_sale_timesheet", measure, ours, "ticket", timesheets=len(timesheets)
    )


def compare_order_lines(env, args, users, timed, volume):
    """Odoo's sale invoicing of an order line per piece of work (an invoice
    line each) beside our line per session, on the same volume."""
    customer_count = max(1, round(args.customers * volume / args.sessions))
    ours = ours_at_volume(
        env,
        args,
        users,
        timed,
        grouping="session",
        volume=volume,
        customer_count=customer_count,
    )
    orders = prepare_order_lines(env, volume, customer_count, "Bench SOL customer")
    measure = time_odoo(env, orders)
    elapsed, queries, invoices, lines, _cpu = measure
    assert lines == volume, f"{lines} invoice lines for {volume} order lines"
    print(
        f"Odoo (sale, a line per order line): {lines} lines on {len(invoices)} "
        f"invoices in {elapsed:.2f} s, {queries} queries: "
        f"{lines / elapsed:.0f} lines/s"
    )
    print(
        f"ratio at {volume} lines for {customer_count} customers: Odoo's sale "
        f"takes {elapsed / ours[0]:.2f}x our line per session"
    )
    summary_odoo("odoo_sale_order_lines", measure, ours, "session")
    time_odoo_invoice_create(env, ours)


def time_odoo_invoice_create(env, ours):
    """Odoo's own standard way to the invoices of ``ours`` (a ``time_ours``
    measure): the same invoices for the same customers, created with their
    lines in one ``account.move`` create (as the invoice form and Odoo's own
    batch flows, such as sale's, do), each line given its product, account,
    taxes, quantity, price and label (what any path must hand Odoo), nothing
    else; timed as ours was."""
    _elapsed, _queries, invoices, lines, _cpu = ours
    vals_list = [
        {
            "move_type": invoice.move_type,
            "partner_id": invoice.partner_id.id,
            "company_id": invoice.company_id.id,
            "currency_id": invoice.currency_id.id,
            "journal_id": invoice.journal_id.id,
            "invoice_line_ids": [
                Command.create(
                    {
                        "product_id": line.product_id.id,
                        "product_uom_id": line.product_uom_id.id,
                        "account_id": line.account_id.id,
                        "tax_ids": [Command.set(line.tax_ids.ids)],
                        "quantity": line.quantity,
                        "price_unit": line.price_unit,
                        "name": line.name,
                        "analytic_distribution": line.analytic_distribution,
                    }
                )
                for line in invoice.invoice_line_ids
            ],
        }
        for invoice in invoices
    ]
    env.flush_all()
    env.invalidate_all()
    started, cpu = time.perf_counter(), time.process_time()
    moves = env["account.move"].create(vals_list)
    env.flush_all()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    made = sum(len(move.invoice_line_ids) for move in moves)
    assert made == lines, f"{made} lines made for {lines}"
    assert moves.mapped("amount_total") == invoices.mapped("amount_total"), "totals"
    print(
        f"Odoo's own create of the same {len(moves)} invoices with their {made} "
        f"lines, product, account, taxes, quantity, price and label given: "
        f"{elapsed:.2f} s ({cpu:.2f} s CPU); it takes "
        f"{elapsed / ours[0]:.2f}x ours"
    )
    summary(
        "odoo_invoice_create",
        invoices=len(moves),
        lines=made,
        seconds=elapsed,
        cpu_seconds=cpu,
        odoo_over_ours=elapsed / ours[0],
    )


def summary_odoo(name, measure, ours, grouping, **figures):
    """The ``SUMMARY`` lines of Odoo's path ``name`` (a ``time_odoo``
    measure) and of its ratio to ``ours``, our measure with ``grouping``."""
    elapsed, queries, invoices, lines, cpu = measure
    summary(
        name,
        **figures,
        invoices=len(invoices),
        lines=lines,
        seconds=elapsed,
        cpu_seconds=cpu,
        queries=queries,
    )
    summary(
        f"ratio_{name}",
        **{
            f"odoo_over_ours_per_{grouping}": elapsed / ours[0],
            f"cpu_odoo_over_ours_per_{grouping}": cpu / ours[4],
        },
    )


def main():
    args = parse_args()
    config.parse_config(["-c", args.config, "--log-level=warn"])
    odoo.netsvc.init_logger()
    registry = Registry(args.database)
    cr = registry.cursor()
    try:
        env = api.Environment(cr, SUPERUSER_ID, {})
        # Billing staff as a user (the checks of action_create_invoices run),
        # with superuser rights so record rules are not what is measured.
        admin = env.ref("base.user_admin")
        admin.group_ids = [
            Command.link(
                env.ref("helpdesk_session_billing.group_support_billing_manager").id
            ),
            Command.link(env.ref("account.group_account_invoice").id),
        ]
        env = env(user=admin, su=True)
        env.company.helpdesk_scope_default_outcome = "billable"

        print(
            f"Invoicing bench on {args.database}: {args.sessions} rated sessions "
            f"of {args.customers} pay-per-use customers ({args.tickets} tickets "
            "each), one batch"
            + (", lines on the profile's analytic account" if args.analytic else "")
        )
        users = consultants(env)
        check_odoo = bool(args.odoo_volume != 0 or args.odoo_line_volume)
        if (
            check_odoo
            and env["ir.module.module"]._get("sale_timesheet").state != "installed"
        ):
            print("Odoo's path skipped: sale_timesheet is not installed in this DB")
            check_odoo = False
        warm_up(env, users, check_odoo)

        timed = {}
        for grouping, label in (("ticket", "per ticket"), ("session", "per session")):
            sessions, rating = prepare_sessions(
                env,
                args.sessions,
                args.customers,
                f"Bench {grouping} customer",
                users,
                ticket_count=args.tickets,
                analytic=args.analytic,
            )
            print(f"  (set-up: rating {len(sessions)} sessions took {rating:.1f} s)")
            timed[grouping] = time_ours(env, sessions, grouping)
            report_ours(f"ours, one line {label}", len(sessions), timed[grouping])
            summary_ours(f"ours_per_{grouping}", len(sessions), timed[grouping])
        if not check_odoo:
            return

        if args.odoo_volume != 0:
            compare_timesheets(env, args, users, timed)
        line_volume = min(args.odoo_line_volume, args.sessions)
        if line_volume:
            compare_order_lines(env, args, users, timed, line_volume)
    finally:
        cr.rollback()
        cr.close()


if __name__ == "__main__":
    main()
