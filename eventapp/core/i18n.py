"""Languages: French first, English complete.

The interface language is the user's choice (kept in the session, or on their account), else
the browser's, else French. Documents use their event's language, whatever the reader's.
"""
from __future__ import annotations

import os
from datetime import date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel import dates as babel_dates
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import force_locale, get_locale, get_translations, refresh
from flask_babel import gettext as babel_gettext
from flask_babel import lazy_gettext as babel_lazy_gettext
from flask_login import current_user
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from eventapp.core.money import format_amount
from eventapp.core.web import station_api_request
from eventapp.extensions import babel

LANGUAGES = ("fr", "en")


def select_locale() -> str:
    """The language of this request's interface; outside a request (CLI), the system's language."""
    if not has_request_context():
        lang = (os.environ.get("LC_ALL") or os.environ.get("LC_MESSAGES") or os.environ.get("LANG") or "")
        return "fr" if lang.lower().startswith("fr") else "en"
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    # A call with a station's bearer token is answered for the station, not for a user: loading
    # the session's user for it would be work per door scan for nothing.
    signed_in = not station_api_request() and getattr(current_user, "is_authenticated", False)
    if signed_in and current_user.locale in LANGUAGES:
        return current_user.locale
    return _browser_language(request.headers.get("Accept-Language", ""))


@lru_cache(maxsize=256)
def _browser_language(accept_language: str) -> str:
    # The phones at a venue send a handful of different headers; parsing one costs more than
    # the rest of choosing the language, on every scan.
    return parse_accept_header(accept_language, LanguageAccept).best_match(LANGUAGES) or "fr"


#: Catalogues by locale name, as Flask-Babel found them (it keeps them per process too).
_CATALOGUES: dict = {}


def gettext(string: str, **variables) -> str:
    """Flask-Babel's ``gettext`` in the current locale (``force_locale`` is obeyed), with the
    catalogue of each locale kept once found: Flask-Babel looks it up through its translation
    directories on every call, which cost a door scan, that writes three messages, more than
    its database work."""
    locale = get_locale()
    if locale is None:  # outside an application context
        return babel_gettext(string, **variables)
    translations = _CATALOGUES.get(str(locale))
    if translations is None:
        translations = _CATALOGUES[str(locale)] = get_translations()
    text = translations.ugettext(string)
    return text % variables if variables else text


#: A string translated each time it is used (module-level labels).
lazy_gettext = babel_lazy_gettext


#: Parsed once: Flask-Babel parses the selector's answer on every request, unless it is a Locale.
_LOCALES: dict[str, Locale] = {}


def _selected_locale() -> Locale:
    language = select_locale()
    locale = _LOCALES.get(language)
    if locale is None:
        locale = _LOCALES[language] = Locale.parse(language)
    return locale


def current_language() -> str:
    """'fr' or 'en', for the current request (French outside a request)."""
    try:
        return str(get_locale().language)
    except (RuntimeError, AttributeError):
        return "fr"


def format_day(value: date, language: str | None = None, fmt: str = "full") -> str:
    """A date in words in ``language`` ('mercredi 21 juin 2023' / 'Wednesday, June 21, 2023')."""
    return babel_dates.format_date(value, format=fmt, locale=language or current_language())


def format_time(value: time | datetime, language: str | None = None, tz: str | ZoneInfo | None = None) -> str:
    """A time of day as ``HH:MM``; aware datetimes are shown in ``tz`` (the event's zone).

    Written out by hand: ``strftime`` costs ten times more, and the door writes two per scan.
    """
    if isinstance(value, datetime) and value.tzinfo is not None and tz:
        value = value.astimezone(ZoneInfo(tz) if isinstance(tz, str) else tz)
    return f"{value.hour:02d}:{value.minute:02d}"


def format_datetime(value: datetime, language: str | None = None, tz: str | None = None) -> str:
    """A date and time in ``language``, in the time zone ``tz`` when given."""
    if value.tzinfo is not None and tz:
        value = value.astimezone(ZoneInfo(tz))
    return babel_dates.format_datetime(value, format="medium", locale=language or current_language(),
                                       tzinfo=value.tzinfo)


def format_amount_here(value, currency: str | None = "XOF", language: str | None = None) -> str:
    """An amount as the page's language writes it ('1 020 000 FCFA'); the ``amount`` filter."""
    return format_amount(value, currency, language or current_language())


def init_app(app: Flask) -> None:
    """Bind Flask-Babel and the template helpers."""
    babel.init_app(app, locale_selector=_selected_locale,
                   default_translation_directories=str(app.root_path + "/translations"))
    app.jinja_env.filters["day"] = format_day
    app.jinja_env.filters["hhmm"] = format_time
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["amount"] = format_amount_here
    app.jinja_env.globals["current_language"] = current_language
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
    from eventapp.core.labels import label

    app.jinja_env.globals["label"] = label

    @app.before_request
    def _remember_language() -> None:
        # ?lang=en switches the interface and is remembered for the session.
        lang = request.args.get("lang")
        if lang in LANGUAGES:
            session["lang"] = lang
        # Flask-Babel keeps the locale for the app context; when one outlives a request (tests,
        # or a request inside a CLI command) the next request must choose afresh.
        refresh()


__all__ = ["LANGUAGES", "current_language", "force_locale", "format_datetime", "format_day",
           "format_time", "gettext", "init_app", "lazy_gettext", "select_locale", "current_app"]
