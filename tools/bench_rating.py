"""Time the rating of 10,000 sessions (`make bench`).

usage: python3 tools/bench_rating.py CONFIG DB [SESSIONS] [CUSTOMERS]

In DB (the module installed), builds CUSTOMERS customers (default 200): half
billed by four shared pay-per-use profiles, half with a subscription of their
own (one in four with an overage profile); then SESSIONS draft sessions in the
past (default 10,000) spread over them, created in one batch; then rates them
all with one `action_rate()` as a support billing manager and prints the time
it took (with BENCH_PROFILE=1, also a cProfile of the rating). Everything runs
in one transaction rolled back at the end: the database is left as it was.
"""

import cProfile
import os
import pstats
import random
import sys
import time
from datetime import datetime, timedelta

import odoo
from odoo import SUPERUSER_ID, api
from odoo.fields import Command
from odoo.modules.registry import Registry
from odoo.tools import config

MODULE = "helpdesk_session_billing"


def build(env, sessions_count, customers_count):
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
                ],
            }
        )
    )
    customers = env["res.partner"].create(
        [
            {"name": f"Bench customer {index:03d}", "is_company": True}
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
    overage = Profile.create(
        {
            "name": "Bench overage",
            "billing_type": "pay_per_use",
            "step_duration": 60,
            "step_cost": 90,
        }
    )
    Profile.create(
        [
            {
                "name": f"Bench pack {customer.name}",
                "billing_type": "subscription",
                "partner_id": customer.id,
                "prepaid_hours": 20,
                "amount": 1600,
                "step_duration": 15,
                "overage_profile_id": overage.id if index % 4 == 0 else False,
            }
            for index, customer in enumerate(sub_customers)
        ]
    )
    tickets = env["helpdesk.ticket"].create(
        [
            {
                "name": f"Bench ticket {customer.name}",
                "description": "<p>Bench</p>",
                "partner_id": customer.id,
            }
            for customer in customers
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
            for index in range(10)
        ]
    )
    origin = datetime.now().replace(microsecond=0) - timedelta(days=400)
    vals_list = []
    for index in range(sessions_count):
        start = origin + timedelta(minutes=index * 50 + rng.randrange(30))
        vals_list.append(
            {
                "ticket_id": tickets[index % len(tickets)].id,
                "user_id": consultants[index % len(consultants)].id,
                "date_start": start,
                "date_end": start + timedelta(minutes=rng.randrange(1, 120)),
                "extra_duration": rng.choice((0, 0, 0, 5, 10, -5)),
            }
        )
    sessions = env["helpdesk.session"].create(vals_list)
    env.flush_all()
    return manager, sessions


def main(conf, db_name, sessions_count=10000, customers_count=200):
    config.parse_config(["-c", conf])
    odoo.tools.config["list_db"] = True
    registry = Registry(db_name)
    with registry.cursor() as cr:
        try:
            env = api.Environment(
                cr,
                SUPERUSER_ID,
                {"tracking_disable": True, "mail_create_nolog": True, "tz": "UTC"},
            )
            begin = time.perf_counter()
            manager, sessions = build(env, int(sessions_count), int(customers_count))
            built = time.perf_counter() - begin
            print(
                f"Built {len(sessions)} draft sessions for {customers_count} "
                f"customers in {built:.1f} s"
            )
            env.invalidate_all()
            queries = cr.sql_log_count
            profiler = cProfile.Profile() if os.environ.get("BENCH_PROFILE") else None
            begin = time.perf_counter()
            if profiler:
                profiler.enable()
            sessions.with_env(env(user=manager, context={})).action_rate()
            env.flush_all()
            elapsed = time.perf_counter() - begin
            if profiler:
                profiler.disable()
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
            queries = cr.sql_log_count - queries
            rated = env["helpdesk.session"].search_count(
                [("id", "in", sessions.ids), ("state", "=", "rated")]
            )
            print(
                f"Rated {rated} sessions in {elapsed:.2f} s "
                f"({rated / elapsed:.0f} sessions/s, {queries} queries)"
            )
        finally:
            cr.rollback()


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4, 5):
        sys.exit(__doc__)
    main(*sys.argv[1:])
