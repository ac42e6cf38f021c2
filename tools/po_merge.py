"""A git merge driver for the French catalogue: the union of both sides' messages.

    git config merge.po.driver "python3 -m tools.po_merge %O %A %B"

Where both sides translate the same message differently, ours (%A) wins. The result is
written sorted, like tools.i18n writes it.
"""
from __future__ import annotations

import io
import sys

from babel.messages.pofile import read_po, write_po


def _read(path):
    with open(path, "rb") as fh:
        return read_po(fh, locale="fr")


def main(base: str, ours: str, theirs: str) -> int:
    catalog = _read(ours)
    for message in _read(theirs):
        if not message.id:
            continue
        mine = catalog.get(message.id, context=message.context)
        if mine is None:
            catalog[message.id] = message
        elif not mine.string and message.string:
            mine.string = message.string
    from tools.i18n import save  # noqa: E402  (same writer, same order)
    import tools.i18n as i18n

    i18n.PO = __import__("pathlib").Path(ours)
    save(catalog)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
