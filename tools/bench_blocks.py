"""Time the renewal and expiry jobs over 5,000 subscriptions (`make bench`).

usage: python3 tools/bench_blocks.py CONFIG DB [SUBSCRIPTIONS] [BATCH]

In DB (the module installed; a throwaway database: the jobs commit each
batch), builds SUBSCRIPTIONS subscriptions (default 5,000) renewed monthly,
their hours valid one month, and due for renewal; runs the renewal job, then,
a month later, the expiry job, in batches of BATCH subscriptions (default
200), and prints the time and the queries each took.
"""

import sys
import time
from datetime import date, timedelta
from unittest.mock import patch

from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.tools import config


def build(env, count):
    customers = env["res.partner"].create(
        [
            {"name": f"Bench block customer {index:05d}", "is_company": True}
            for index in range(count)
        ]
    )
    start = date.today() - timedelta(days=40)
    env["helpdesk.contract.profile"].create(
        [
            {
                "name": f"Bench block pack {index:05d}",
                "billing_type": "subscription",
                "partner_id": customer.id,
                "prepaid_hours": 10,
                "amount": 0,  # no invoices: the jobs' own work is timed
                "step_duration": 15,
                "date_start": start,
                "block_validity_months": 1,
                "renewal_period": "month",
                "renewal_date": date.today(),
            }
            for index, customer in enumerate(customers)
        ]
    )
    env.flush_all()


def timed(env, label, job):
    cr = env.cr
    queries = cr.sql_log_count
    begin = time.perf_counter()
    job()
    env.flush_all()
    elapsed = time.perf_counter() - begin
    print(f"{label} in {elapsed:.2f} s ({cr.sql_log_count - queries} queries)")


def main(conf, db_name, count=5000, batch=200):
    config.parse_config(["-c", conf])
    registry = Registry(db_name)
    count, batch = int(count), int(batch)
    with registry.cursor() as cr:
        env = api.Environment(
            cr,
            SUPERUSER_ID,
            {"tracking_disable": True, "mail_create_nolog": True, "tz": "UTC"},
        )
        begin = time.perf_counter()
        build(env, count)
        cr.commit()
        print(f"Built {count} subscriptions in {time.perf_counter() - begin:.1f} s")
        Profile = env["helpdesk.contract.profile"]
        Block = env["helpdesk.contract.block"]
        timed(
            env,
            f"Renewed {count} subscriptions (batches of {batch})",
            lambda: Profile._cron_renew_subscriptions(batch_size=batch),
        )
        renewed = Block.search_count([("kind", "=", "renewal")])
        print(f"  {renewed} renewal blocks")
        # A month and a half later: every block is past its expiry date.
        later = date.today() + timedelta(days=45)
        with patch.object(
            type(env["res.company"]), "_helpdesk_today", lambda self: later
        ):
            timed(
                env,
                f"Expired the blocks of {count} subscriptions (batches of {batch})",
                lambda: Block._cron_expire_blocks(batch_size=batch),
            )
        expired = Block.search_count([("state", "=", "expired")])
        print(f"  {expired} blocks expired")


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4, 5):
        sys.exit(__doc__)
    main(*sys.argv[1:])
