from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    """Databases upgraded from 19.0.1.1.0 stored a session's scope reason as
    text, in the language of whoever classified it: the decision (reason
    code and figures) is now stored and worded when read. Drafts are
    classified again; rated sessions get the decision their rule and figures
    say; the old text column is dropped."""
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["helpdesk.session"]._migrate_scope_reasons()
    cr.execute("ALTER TABLE helpdesk_session DROP COLUMN IF EXISTS scope_reason")
