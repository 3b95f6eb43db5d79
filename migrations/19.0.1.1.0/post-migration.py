from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    """Databases upgraded from before blocks: the same as a new install's
    post-install hook (blocks for packs and recharges, consumption allocated)."""
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["helpdesk.contract.profile"].with_context(active_test=False).search(
        [("billing_type", "=", "subscription")]
    )._migrate_to_blocks()
