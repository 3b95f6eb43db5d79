"""Time the split of 10,000 sessions by the support hours (`make bench`).

usage: python3 tools/bench_support_hours.py CONFIG DB [SESSIONS] [CUSTOMERS]

In DB (the module installed), builds a 9-18 weekday support calendar in
Europe/Paris with a public holiday a month as the company's support hours, a
second calendar (12-22) named by a pay-per-use profile of half the customers,
then SESSIONS draft sessions (default 10,000) over about 400 days, around the
clock. Then splits them all again in one batch and prints the time, the
queries and the number of calendar computations (one per calendar and
period, whatever the number of sessions). Rolled back at the end.
"""

import sys
import time
from datetime import datetime, timedelta

import odoo
from odoo import SUPERUSER_ID, api
from odoo.fields import Command
from odoo.modules.registry import Registry
from odoo.tools import config

SESSION_MODEL = "helpdesk.session"


def _calendar(env, name, hour_from, hour_to):
    return env["resource.calendar"].create(
        {
            "name": name,
            "tz": "Europe/Paris",
            "attendance_ids": [
                Command.create(
                    {
                        "name": f"Day {day}",
                        "dayofweek": str(day),
                        "hour_from": hour_from,
                        "hour_to": hour_to,
                        "day_period": "morning",
                    }
                )
                for day in range(5)
            ],
        }
    )


def build(env, sessions_count, customers_count):
    company = env.company
    company.helpdesk_session_max_minutes = 0
    office = _calendar(env, "Bench support 9-18", 9, 18)
    late = _calendar(env, "Bench support 12-22", 12, 22)
    company.helpdesk_support_calendar_id = office
    origin = datetime.now().replace(microsecond=0, second=0) - timedelta(days=420)
    env["resource.calendar.leaves"].create(
        [
            {
                "name": f"Bench holiday {month}",
                "date_from": origin + timedelta(days=30 * month + 3),
                "date_to": origin + timedelta(days=30 * month + 4),
            }
            for month in range(14)
        ]
    )
    customers = env["res.partner"].create(
        [
            {"name": f"Bench customer {index:03d}", "is_company": True}
            for index in range(customers_count)
        ]
    )
    env["helpdesk.contract.profile"].create(
        {
            "name": "Bench late support",
            "billing_type": "pay_per_use",
            "step_duration": 15,
            "step_cost": 20,
            "support_calendar_id": late.id,
            "surcharge_out_of_hours_rate": 1.5,
            "partner_ids": [Command.set(customers[::2].ids)],
        }
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
    # Every 57 minutes around the clock: weekdays, nights, weekends, holidays.
    sessions = env[SESSION_MODEL].create(
        [
            {
                "ticket_id": tickets[index % len(tickets)].id,
                "date_start": origin + timedelta(minutes=index * 57),
                "date_end": origin + timedelta(minutes=index * 57 + 15 + index % 90),
            }
            for index in range(sessions_count)
        ]
    )
    env.flush_all()
    return sessions


def main(conf, db_name, sessions_count=10000, customers_count=200):
    config.parse_config(["-c", conf])
    registry = Registry(db_name)
    with registry.cursor() as cr:
        try:
            env = api.Environment(
                cr,
                SUPERUSER_ID,
                {"tracking_disable": True, "mail_create_nolog": True, "tz": "UTC"},
            )
            begin = time.perf_counter()
            sessions = build(env, int(sessions_count), int(customers_count))
            print(
                f"Built {len(sessions)} sessions (split on creation) in "
                f"{time.perf_counter() - begin:.1f} s"
            )
            Session = type(env[SESSION_MODEL])
            original = Session._get_support_timeline
            computations = []

            def counted(self, calendar, *args):
                computations.append(calendar.id)
                return original(self, calendar, *args)

            Session._get_support_timeline = counted
            try:
                env.invalidate_all()
                queries = cr.sql_log_count
                begin = time.perf_counter()
                sessions._refresh_support_split()
                env.flush_all()
                elapsed = time.perf_counter() - begin
                queries = cr.sql_log_count - queries
            finally:
                Session._get_support_timeline = original
            totals = [
                sum(sessions.mapped(fname))
                for fname in (
                    "support_in_minutes",
                    "support_out_minutes",
                    "support_holiday_minutes",
                )
            ]
            print(
                f"SUMMARY support hours: {len(sessions)} sessions split in "
                f"{elapsed:.1f} s ({queries} queries)"
            )
            print(
                f"Split {len(sessions)} sessions in {elapsed:.2f} s "
                f"({len(sessions) / elapsed:.0f} sessions/s, {queries} queries, "
                f"{len(computations)} calendar computations for "
                f"{len(set(computations))} calendars): "
                f"{totals[0]} min in hours, {totals[1]} out, {totals[2]} holiday"
            )
        finally:
            cr.rollback()


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4, 5):
        sys.exit(__doc__)
    odoo.tools.config["list_db"] = True
    main(*sys.argv[1:])
