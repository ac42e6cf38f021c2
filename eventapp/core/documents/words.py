"""Translations for documents, which follow their event's language, not the reader's.

Uses the same catalogue as the interface through Python's gettext, so documents need no
Flask. In a maker: ``_ = translator(language)`` then ``_("Programme")``.
"""
from __future__ import annotations

import gettext
from functools import lru_cache
from pathlib import Path

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"


def _catalogue(language: str) -> gettext.NullTranslations:
    return gettext.translation("messages", localedir=str(TRANSLATIONS), languages=[language], fallback=True)


@lru_cache(maxsize=8)
def translator(language: str):
    """A gettext function for ``language`` ('fr' or 'en'); English is the source language."""
    if language == "en":
        return lambda message: message
    return _catalogue(language).gettext


@lru_cache(maxsize=8)
def context_translator(language: str):
    """A pgettext function ``(context, message)`` for ``language``, for the messages the
    catalogue holds in a context (the feminine forms of labels)."""
    if language == "en":
        return lambda context, message: message
    return _catalogue(language).pgettext
