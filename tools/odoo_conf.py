"""Write the Odoo configuration `make demo` and `make test` run with.

usage: python3 tools/odoo_conf.py OUTPUT ADDONS_DIR DATA_DIR [PG_PORT]

With PG_PORT, Odoo talks to the embedded cluster (127.0.0.1, role "odoo").
Without it, the database settings are left to the user: a config file named by
ODOO_RC (Odoo's own variable) and the standard PG* variables, which libpq reads.
Options of the user's config file are kept; the module's folder is put first in
its addons path.
"""

import configparser
import os
import sys


def main(output, addons_dir, data_dir, pg_port=None):
    config = configparser.ConfigParser(interpolation=None)
    user_rc = os.environ.get("ODOO_RC")
    if user_rc:
        if not config.read(user_rc):
            sys.exit(f"ODOO_RC names {user_rc}, which cannot be read.")
    if not config.has_section("options"):
        config.add_section("options")
    options = config["options"]
    user_paths = [p for p in options.get("addons_path", "").split(",") if p.strip()]
    options["addons_path"] = ",".join([addons_dir, *user_paths])
    options.setdefault("data_dir", data_dir)
    options.setdefault("http_interface", "127.0.0.1")
    options.setdefault("http_port", os.environ.get("HTTP_PORT", "8069"))
    if pg_port:
        options["db_host"] = "127.0.0.1"
        options["db_port"] = pg_port
        options["db_user"] = "odoo"
    with open(output, "w", encoding="utf-8") as handle:
        config.write(handle)


if __name__ == "__main__":
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    main(*sys.argv[1:])
