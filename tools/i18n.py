"""Keep the French catalogue complete.

    python -m tools.i18n update          extract messages, merge them into fr, report untranslated
    python -m tools.i18n fill FILE.tsv   set translations from lines "English<TAB>French"
    python -m tools.i18n check           exit 1 when a message has no French translation

English is the source language (the msgids), so only French needs a catalogue. The catalogue
is written sorted and unwrapped so that branches adding messages merge without conflicts.
"""
from __future__ import annotations

import io
import sys
from datetime import datetime, timezone
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "eventapp" / "translations" / "fr" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None,
            "pgettext": ((1, "c"), 2), "_lp": ((1, "c"), 2)}
METHODS = [("eventapp/**.py", "python"), ("templates/**.html", "jinja2"), ("**.py", "ignore")]


def extract() -> Catalog:
    """Every translatable message of the code and templates."""
    template = Catalog(project="eventapp")
    for sub in ("eventapp", "templates"):
        method_map = [("**.py", "python")] if sub == "eventapp" else [("**.html", "jinja2")]
        options = {"**.html": {"extensions": "jinja2.ext.do"}}
        for filename, lineno, message, comments, context in extract_from_dir(
            ROOT / sub, method_map, options_map=options, keywords=KEYWORDS
        ):
            template.add(message, None, [(f"{sub}/{filename}", lineno)], auto_comments=comments, context=context)
    return template


def load() -> Catalog:
    """The French catalogue."""
    with PO.open("rb") as fh:
        return read_po(fh, locale="fr")


def save(catalog: Catalog) -> None:
    """Write the catalogue sorted, unwrapped and without locations (stable for merges)."""
    # Fixed header dates: a date that changes on every save would make every merge conflict.
    fixed = datetime(2026, 1, 1, tzinfo=timezone.utc)
    catalog.creation_date = catalog.revision_date = fixed
    catalog.project, catalog.version = "eventapp", "0.1"
    catalog.msgid_bugs_address = ""
    catalog.last_translator = "eventapp"
    catalog.language_team = "fr"
    buf = io.BytesIO()
    write_po(buf, catalog, width=0, no_location=True, sort_output=True, omit_header=False, ignore_obsolete=True)
    PO.write_bytes(buf.getvalue())


def untranslated(catalog: Catalog, template: Catalog) -> list[str]:
    """Messages of the code that have no French translation (or a fuzzy one)."""
    missing = []
    for message in template:
        if not message.id:
            continue
        entry = catalog.get(message.id, context=message.context)
        strings = entry.string if entry is not None else None
        if entry is None or entry.fuzzy or not strings or (isinstance(strings, tuple) and not all(strings)):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


def update() -> list[str]:
    """Merge new messages into the catalogue; returns those still untranslated."""
    template = extract()
    catalog = load()
    catalog.update(template, no_fuzzy_matching=True)
    save(catalog)
    return untranslated(catalog, template)


def fill(path: str) -> int:
    """Set translations from a TSV file of English and French; returns how many were set."""
    catalog = load()
    count = 0
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip() or "\t" not in line:
            continue
        english, french = line.split("\t", 1)
        entry = catalog.get(english)
        if entry is None:
            catalog.add(english, french)
        else:
            entry.string = french
            entry.flags.discard("fuzzy")
        count += 1
    save(catalog)
    return count


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "update":
        missing = update()
    elif command == "fill":
        print(f"{fill(argv[1])} translations set")
        missing = update()
    else:
        missing = untranslated(load(), extract())
    for m in missing:
        print(f"untranslated: {m}")
    return 1 if (missing and command == "check") else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
