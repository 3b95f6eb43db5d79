"""Exit non-zero, with one line saying what to install, when Odoo 19 is missing."""

import sys

try:
    import odoo.release
except ImportError:
    sys.exit(
        f"{sys.executable} cannot import Odoo: install Odoo 19.0 Community into it "
        "(pip install -e <odoo source tree>) or run with PYTHON=/path/to/python."
    )
if odoo.release.version_info[0] != 19:
    sys.exit(
        f"{sys.executable} has Odoo {odoo.release.version}, this module needs "
        "Odoo 19.0: install Odoo 19.0 Community or run with PYTHON=/path/to/python."
    )
