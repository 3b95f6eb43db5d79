"""The translation template and the translations.

The template (``i18n/helpdesk_session_billing.pot``) must hold exactly the
terms Odoo's own exporter finds in the installed module (``make pot``
regenerates it); fr, es and ru must translate every one of them.
"""

import io
import logging
from pathlib import Path

import polib

from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import trans_export

_logger = logging.getLogger(__name__)

MODULE = "helpdesk_session_billing"
I18N = Path(__file__).resolve().parent.parent / "i18n"
LANGUAGES = ("fr", "es", "ru")


def msgids(po):
    """The terms of a parsed .po/.pot file (header and obsolete entries
    left out; order, comments and references do not matter)."""
    return {entry.msgid for entry in po if entry.msgid and not entry.obsolete}


def translation_share(pot_ids, po_path):
    """(translated msgids, missing msgids) of the .po file at ``po_path``
    against the template's ``pot_ids``: a fuzzy or empty msgstr is missing."""
    if not po_path.exists():
        return set(), set(pot_ids)
    translated = {
        entry.msgid
        for entry in polib.pofile(str(po_path))
        if entry.msgid
        and not entry.obsolete
        and entry.msgstr.strip()
        and "fuzzy" not in entry.flags
    }
    return translated & pot_ids, pot_ids - translated


@tagged("post_install", "-at_install")
class TestTranslations(TransactionCase):
    def _exported(self):
        buffer = io.BytesIO()
        trans_export(None, [MODULE], buffer, "po", self.env)
        return msgids(polib.pofile(buffer.getvalue().decode()))

    def _committed(self):
        return msgids(polib.pofile(str(I18N / f"{MODULE}.pot")))

    def test_pot_is_up_to_date(self):
        exported, committed = self._exported(), self._committed()
        new, gone = sorted(exported - committed), sorted(committed - exported)
        if new or gone:
            self.fail(
                f"i18n/{MODULE}.pot is out of date with the code: {len(new)} new "
                f"term(s), {len(gone)} gone; run `make test` then `make pot`.\n"
                f"New: {new[:20]}\nGone: {gone[:20]}"
            )

    def test_languages_are_complete(self):
        """Every term of the template is translated in fr, es and ru; the
        share of each language is logged (and printed by ``make test``)."""
        pot_ids = self._committed()
        incomplete = []
        for lang in LANGUAGES:
            translated, missing = translation_share(pot_ids, I18N / f"{lang}.po")
            share = 100.0 * len(translated) / len(pot_ids) if pot_ids else 100.0
            line = (
                f"{lang}: {len(translated)}/{len(pot_ids)} translated "
                f"({share:.1f}%), {len(missing)} missing"
            )
            _logger.info("Translations of %s: %s", MODULE, line)
            if missing:
                incomplete.append(f"{line}, e.g. {sorted(missing)[:5]}")
        if incomplete:
            self.fail("Incomplete translations:\n" + "\n".join(incomplete))
