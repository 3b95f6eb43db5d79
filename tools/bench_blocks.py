"""Time the renewal and expiry jobs over 5,000 subscriptions (`make bench`).

usage: python3 tools/bench_blocks.py CONFIG DB [SUBSCRIPTIONS] [BATCH]

In DB (the module installed; a throwaway database: the jobs commit each
batch), with deferred revenue enabled, builds SUBSCRIPTIONS subscriptions
(default 5,000) renewed monthly at a price (each renewal is invoiced), their
hours valid one month, and due for renewal; runs the renewal job, then, a
month and a half later, the expiry job (each expiry recognizes the deferred
revenue left in a journal entry), in batches of BATCH subscriptions (default
200). It prints the time each job took and the queries of each batch; a first
round of SUBSCRIPTIONS / 10 subscriptions in batches of BATCH / 4 shows that
a batch's queries do not grow with its size.
"""

import statistics
import sys
import time
from contextlib import contextmanager
from datetime import date, timedelta
from unittest.mock import patch

from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.tools import SQL, config


def setup_company(env):
    """Deferred revenue enabled (the expiry entries are part of the job)."""
    company = env.company
    if company.helpdesk_deferred_account_id:
        return
    account = env["account.account"].create(
        {
            "name": "Bench deferred support revenue",
            "code": "HSBB4990",
            "account_type": "liability_current",
        }
    )
    journal = env["account.journal"].search(
        [
            *env["account.journal"]._check_company_domain(company),
            ("type", "=", "general"),
        ],
        limit=1,
    )
    company.write(
        {
            "helpdesk_deferred_account_id": account.id,
            "helpdesk_deferred_journal_id": journal.id,
            "helpdesk_invoice_pack_on_start": False,
        }
    )


def _columns(env, table, skip):
    env.cr.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s",
        [table],
    )
    return [name for (name,) in env.cr.fetchall() if name not in skip]


def build(env, count, tag):
    """``count`` subscriptions: one made by the ORM (with its pack block), the
    others copied from it in SQL with their customers and pack blocks (the
    data the jobs work on; building it is not what is measured)."""
    env.cr.execute(
        """
        INSERT INTO res_partner (name, complete_name, is_company, active,
                                 type, create_uid, write_uid,
                                 create_date, write_date, autopost_bills)
        SELECT n, n, TRUE, TRUE, 'contact', %s, %s, now(), now(), 'ask'
          FROM (SELECT 'Bench block ' || %s || ' ' || lpad(i::text, 5, '0') AS n
                  FROM generate_series(1, %s) i) names
     RETURNING id
        """,
        [SUPERUSER_ID, SUPERUSER_ID, tag, count],
    )
    partner_ids = sorted(row[0] for row in env.cr.fetchall())
    # The one computed field invoices need: the partner is its own company.
    env.cr.execute(
        "UPDATE res_partner SET commercial_partner_id = id WHERE id = ANY(%s)",
        [partner_ids],
    )
    start = date.today() - timedelta(days=40)
    template = env["helpdesk.contract.profile"].create(
        {
            "name": f"Bench block {tag} 00000",
            "billing_type": "subscription",
            "partner_id": partner_ids[0],
            "prepaid_hours": 10,
            "amount": 800.0,
            "step_duration": 15,
            "date_start": start,
            "block_validity_months": 1,
            "renewal_period": "month",
            "renewal_date": date.today(),
        }
    )
    env.flush_all()
    columns = _columns(env, "helpdesk_contract_profile", {"id", "name", "partner_id"})
    env.cr.execute(
        SQL(
            """
            INSERT INTO helpdesk_contract_profile (name, partner_id, %(columns)s)
            SELECT jsonb_build_object('en_US', %(prefix)s || lpad(p.rn::text, 5, '0')),
                   p.id, %(template_columns)s
              FROM helpdesk_contract_profile t,
                   unnest(%(partners)s::int[]) WITH ORDINALITY p(id, rn)
             WHERE t.id = %(template)s
         RETURNING id, partner_id
            """,
            columns=SQL(", ").join(SQL.identifier(name) for name in columns),
            template_columns=SQL(", ").join(
                SQL.identifier("t", name) for name in columns
            ),
            prefix=f"Bench block {tag} ",
            partners=partner_ids[1:],
            template=template.id,
        )
    )
    profiles = env.cr.fetchall()
    columns = _columns(
        env, "helpdesk_contract_block", {"id", "profile_id", "partner_id"}
    )
    env.cr.execute(
        SQL(
            """
            INSERT INTO helpdesk_contract_block (profile_id, partner_id, %(columns)s)
            SELECT p.id, p.partner_id, %(block_columns)s
              FROM helpdesk_contract_block b,
                   unnest(%(profiles)s::int[], %(partners)s::int[]) p(id, partner_id)
             WHERE b.profile_id = %(template)s
            """,
            columns=SQL(", ").join(SQL.identifier(name) for name in columns),
            block_columns=SQL(", ").join(SQL.identifier("b", name) for name in columns),
            profiles=[profile_id for profile_id, _partner in profiles],
            partners=[partner_id for _profile, partner_id in profiles],
            template=template.id,
        )
    )
    env.invalidate_all()


@contextmanager
def batch_queries(env):
    """The queries of each batch of a job (counted at each commit)."""
    counts = []
    cr = env.cr
    Cron = type(env["ir.cron"])
    original = Cron._commit_progress
    last = [cr.sql_log_count]

    def counting(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        counts.append(cr.sql_log_count - last[0])
        last[0] = cr.sql_log_count
        return result

    with patch.object(Cron, "_commit_progress", counting):
        yield counts


def timed(env, label, job):
    begin = time.perf_counter()
    with batch_queries(env) as counts:
        job()
    elapsed = time.perf_counter() - begin
    # The last batch may be smaller: the full ones say the cost of a batch.
    full = counts[:-1] or counts
    print(
        f"SUMMARY {label.strip()} in {elapsed:.1f} s: {len(counts)} batches, "
        f"queries per batch {min(full)}-{max(full)}"
    )
    print(
        f"{label} in {elapsed:.2f} s: {len(counts)} batches, queries per batch "
        f"{min(full)}-{max(full)} (median {statistics.median(full):g}), "
        f"{sum(counts)} in all"
    )


def run(env, count, batch, later, tag):
    Profile = env["helpdesk.contract.profile"]
    Block = env["helpdesk.contract.block"]
    begin = time.perf_counter()
    build(env, count, tag)
    env.cr.commit()
    print(f"Built {count} subscriptions in {time.perf_counter() - begin:.1f} s")
    timed(
        env,
        f"  renewal of {count} subscriptions (batches of {batch})",
        lambda: Profile._cron_renew_subscriptions(batch_size=batch),
    )
    renewed = Block.search([("kind", "=", "renewal"), ("profile_id.name", "like", tag)])
    print(f"    {len(renewed)} renewal blocks, {len(renewed.invoice_id)} invoices")
    # A month and a half later: every block is past its expiry date.
    with patch.object(type(env["res.company"]), "_helpdesk_today", lambda self: later):
        timed(
            env,
            f"  expiry of the blocks of {count} subscriptions (batches of {batch})",
            lambda: Block._cron_expire_blocks(batch_size=batch),
        )
    expired = Block.search_count(
        [("state", "=", "expired"), ("profile_id.name", "like", tag)]
    )
    entries = env["account.move"].search_count(
        [("move_type", "=", "entry"), ("helpdesk_profile_id.name", "like", tag)]
    )
    print(f"    {expired} blocks expired, {entries} journal entries")


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
        setup_company(env)
        cr.commit()
        later = date.today() + timedelta(days=45)
        # Small batches first, then the whole run: the queries of a batch
        # are the same for both sizes.
        run(env, max(count // 10, 1), max(batch // 4, 1), later, "small")
        run(env, count, batch, later, "large")


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4, 5):
        sys.exit(__doc__)
    main(*sys.argv[1:])
