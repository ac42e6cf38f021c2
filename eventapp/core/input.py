"""Clean values at the door of the app, in one place, before any view sees them.

- Ids in URLs: every ``<int:…>`` converter is bounded to what the database stores (a 32-bit
  integer): a larger id is a 404, not an overflow inside PostgreSQL or SQLite.
- Every request: a NUL character in a query string, a form or a JSON body, or a JSON body
  nested deeper than ``JSON_MAX_DEPTH``, is a 400 with a reason (PostgreSQL refuses NUL in
  text; Python's parser recurses once per level).
- Form text: ``Form``, the base of every form of the web layer, strips control characters
  (tabs and line breaks kept in multi-line fields only) and bounds integer fields.
"""
from __future__ import annotations

import re

from flask import request
from flask_wtf import FlaskForm
from werkzeug.routing import IntegerConverter
from wtforms import IntegerField, PasswordField, StringField, TextAreaField
from wtforms.validators import NumberRange

from eventapp.core.text import clean_text

#: The largest id (and integer) a column holds on every database the app runs on.
ID_MAX = 2**31 - 1
#: How deep a JSON body may nest: the door API's deepest body is three levels.
JSON_MAX_DEPTH = 16

_JSON_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"', re.S)
_BRACKETS = re.compile(rb"[\[\]{}]")


class IdConverter(IntegerConverter):
    """``<int:…>`` for ids: at most ten digits and at most ``ID_MAX``, else no route matches (404)."""

    regex = r"\d{1,10}"

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", ID_MAX)
        super().__init__(map, *args, **kwargs)


def db_int(value) -> int:
    """A form value as an id or count the database can store; ValueError otherwise (a
    ``coerce`` for select fields and a parser for query arguments)."""
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 10 or int(text) > ID_MAX:
        raise ValueError(value)
    return int(text)


def ids(values) -> list[int]:
    """The ids among ``values`` (form or query values); what is not an id is left out."""
    out = []
    for value in values:
        try:
            out.append(db_int(value))
        except ValueError:
            continue
    return out


def json_depth_exceeds(data: bytes, limit: int) -> bool:
    """True when the JSON text ``data`` nests arrays and objects deeper than ``limit``
    (brackets inside strings do not count); read without parsing, so without recursion."""
    if data.count(b"[") + data.count(b"{") <= limit:
        # Too few brackets to nest that deep (a door scan's body): no need to read it through.
        return False
    depth = 0
    for match in _BRACKETS.finditer(_JSON_STRING.sub(b"", data)):
        if match.group() in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def refusal() -> tuple[str, str] | None:
    """Why the current request is refused at the door of the app, as ``(reason, message)``;
    None when its values are clean enough for the views."""
    from eventapp.core.i18n import gettext as _

    # The messages are translated only for a request refused: every door scan comes through here.
    def nul():
        return "nul_character", _("The request contains a NUL character, which no text may hold.")

    if any("\x00" in k or "\x00" in v for k, v in request.args.items(multi=True)):
        return nul()
    if request.method in ("POST", "PUT", "PATCH"):
        if request.is_json:
            if json_depth_exceeds(request.get_data(cache=True), JSON_MAX_DEPTH):
                return "too_deep", _("The JSON body is nested too deeply.")
            if _has_nul(request.get_json(silent=True)):
                return nul()
        elif request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data") and any(
                "\x00" in k or "\x00" in v for k, v in request.form.items(multi=True)):
            return nul()
    return None


def _text_filter(multiline: bool):
    def clean(value):
        return clean_text(value, multiline) if isinstance(value, str) else value
    return clean


class Form(FlaskForm):
    """The base of every form: text fields cleaned (see ``clean_text``), integers bounded."""

    class Meta(FlaskForm.Meta):
        def bind_field(self, form, unbound_field, options):
            field_class = unbound_field.field_class
            if issubclass(field_class, StringField) and not issubclass(field_class, PasswordField):
                filters = list(options.get("filters") or unbound_field.kwargs.get("filters") or ())
                options["filters"] = [_text_filter(issubclass(field_class, TextAreaField)), *filters]
            elif issubclass(field_class, IntegerField):
                validators = list(options.get("validators") or unbound_field.kwargs.get("validators") or ())
                options["validators"] = [*validators, NumberRange(max=ID_MAX)]
            return super().bind_field(form, unbound_field, options)
