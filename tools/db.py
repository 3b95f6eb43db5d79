"""Database helpers for the Makefile, through Odoo's own connection settings.

usage: python3 tools/db.py CONFIG state DB   -> prints missing | bare | installed
       python3 tools/db.py CONFIG drop DB
"""

import sys
from contextlib import closing

import odoo
from odoo.service import db
from odoo.tools import config

MODULE = "helpdesk_session_billing"


def state(db_name):
    if not db.exp_db_exist(db_name):
        return "missing"
    with closing(odoo.sql_db.db_connect(db_name).cursor()) as cr:
        cr.execute("SELECT to_regclass('ir_module_module') IS NOT NULL")
        if not cr.fetchone()[0]:
            return "bare"
        cr.execute("SELECT state FROM ir_module_module WHERE name = %s", (MODULE,))
        row = cr.fetchone()
    return "installed" if row and row[0] == "installed" else "bare"


def drop(db_name):
    config["list_db"] = True
    db.exp_drop(db_name)


def main(conf, command, db_name):
    config.parse_config(["-c", conf])
    if command == "state":
        print(state(db_name))
    elif command == "drop":
        drop(db_name)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
