"""Text helpers shared by search, imports and duplicate detection."""
from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"[\s\-'’`.,_/]+")


def fold(text: str | None) -> str:
    """Lower case without accents or punctuation runs: 'N’Diaye  Maïga' → 'n diaye maiga'."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", stripped.casefold()).strip()


_APOSTROPHES = str.maketrans("", "", "'’`ʼ")


def name_key(*names: str | None) -> str:
    """The names folded and sorted, so 'Traoré Awa' and 'awa TRAORE' give the same key.

    Apostrophes inside names are dropped, so N'Diaye, N’Diaye and NDiaye give 'ndiaye'.
    """
    words = " ".join(fold(n.translate(_APOSTROPHES)) for n in names if n).split()
    return " ".join(sorted(words))


def slugify(text: str, max_length: int = 80) -> str:
    """A URL slug: 'Atelier de restitution 2023' → 'atelier-de-restitution-2023'."""
    folded = fold(text)
    slug = re.sub(r"[^a-z0-9]+", "-", folded).strip("-")
    return slug[:max_length].strip("-") or "event"
