"""Print the share of the translation template's terms each language
translates: ``python3 tools/i18n_stats.py [i18n folder]``. Informative (the
test suite fails on incomplete languages, not this)."""

import sys
from pathlib import Path

import polib

LANGUAGES = ("fr", "es", "ru")


def main(folder):
    [pot_path] = folder.glob("*.pot")
    terms = {e.msgid for e in polib.pofile(str(pot_path)) if e.msgid and not e.obsolete}
    for lang in LANGUAGES:
        po_path = folder / f"{lang}.po"
        translated = set()
        if po_path.exists():
            translated = {
                e.msgid
                for e in polib.pofile(str(po_path))
                if e.msgid
                and not e.obsolete
                and e.msgstr.strip()
                and "fuzzy" not in e.flags
            } & terms
        share = 100.0 * len(translated) / len(terms) if terms else 100.0
        print(
            f"Translations {lang}: {len(translated)}/{len(terms)} ({share:.1f}%), "
            f"{len(terms) - len(translated)} missing"
        )


if __name__ == "__main__":
    main(
        Path(
            sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent.parent / "i18n"
        )
    )
