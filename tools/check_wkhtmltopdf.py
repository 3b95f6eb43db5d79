"""Warn in one line, without failing, when wkhtmltopdf (which Odoo needs to
print PDF reports: statements, invoices) is missing."""

import shutil

if not shutil.which("wkhtmltopdf"):
    print(
        "Warning: wkhtmltopdf is not installed, so PDF reports (support "
        "statements, invoices) will fail: install it (Debian/Ubuntu: "
        "apt-get install wkhtmltopdf)."
    )
