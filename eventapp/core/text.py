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


#: Control characters no name, title or note needs: C0 (tab and newline aside), DEL and C1.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LINE_BREAK = re.compile("\r\n?|[\x85\u2028\u2029]")


def clean_text(value: str, multiline: bool = False) -> str:
    """Text as typed, without the control characters that break spreadsheets, mail headers and
    PostgreSQL (NUL): line breaks become ``\\n`` where several lines are allowed, else a space,
    like tabs; the other control characters are dropped."""
    text = _LINE_BREAK.sub("\n", value)
    if not multiline:
        text = text.replace("\n", " ").replace("\t", " ")
    return _CONTROL.sub("", text)


#: Honorifics that say a person's grammatical gender (folded, see ``fold``); Dr, Pr, Me or a
#: rank say nothing of it.
_FEMININE_HONORIFICS = frozenset({"mme", "madame", "mlle", "mademoiselle", "mrs", "ms", "miss"})
_MASCULINE_HONORIFICS = frozenset({"m", "monsieur", "mr", "sir", "imam", "abbe"})


def grammatical_gender(honorific: str | None) -> str:
    """'F' or 'M' when the honorific says it ('Mme', 'S.E. Madame', 'M.', 'Monsieur'), else ''.

    French words about a person agree with them ("Invitée d'honneur"); an unknown gender takes
    the masculine, French's unmarked form.
    """
    words = set(fold(honorific).split())
    feminine, masculine = bool(words & _FEMININE_HONORIFICS), bool(words & _MASCULINE_HONORIFICS)
    if feminine == masculine:  # neither, or both ("M. et Mme")
        return ""
    return "F" if feminine else "M"
