"""Amounts of money as people read them: "1 020 000 FCFA" in French, "1,020,000 FCFA" in English.

One helper for every page, PDF and file meant for a reader. Files meant for a machine (the
mobile-money CSV, the number cells of an XLSX) keep plain integers, which a portal or a
spreadsheet reads without guessing separators.
"""
from __future__ import annotations

from babel.numbers import format_decimal

#: How a currency is written after the amount (the CFA francs of West and Central Africa are
#: written "FCFA" in Mali); any other currency by its ISO code ("EUR").
CURRENCY_SIGNS = {"XOF": "FCFA", "XAF": "FCFA"}

#: French groups thousands with a narrow no-break space (U+202F), as CLDR and the French
#: typographic rules do; older CLDR data gave a full no-break space, normalised here.
NARROW_NBSP = "\u202f"


def currency_sign(currency: str | None) -> str:
    """What follows an amount: 'FCFA' for XOF (and XAF), else the currency's code."""
    code = (currency or "").strip().upper()
    return CURRENCY_SIGNS.get(code, code)


def format_number(value: int | float, language: str) -> str:
    """A whole number with the thousands grouped as ``language`` writes them."""
    text = format_decimal(value, locale=language or "fr")
    return text.replace("\u00a0", NARROW_NBSP) if (language or "fr").startswith("fr") else text


def format_amount(value: int | float | None, currency: str | None = "XOF", language: str = "fr") -> str:
    """An amount with its currency: '1 020 000 FCFA' (fr, U+202F groups), '1,020,000 FCFA' (en).

    ``None`` is the empty string (an amount not set); the currency is left out when empty.
    """
    if value is None:
        return ""
    sign = currency_sign(currency)
    number = format_number(value, language)
    return f"{number} {sign}" if sign else number
