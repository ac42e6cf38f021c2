"""Property-based tests of the participants import parser: whatever the file, a clear error or a result.

The parser is ``eventapp.people.imports.read_table(content, filename, settings=...)``: it reads any file
into a header row and numbered rows, or raises a ValidationError naming what is wrong.
"""
from __future__ import annotations

import csv
import io
from dataclasses import fields, is_dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventapp.core import web
from eventapp.core.errors import ServiceError
from eventapp.people.imports import read_table as parse_file

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéèêëàâäîïôöùûüçÉÈÀÇÏ"
# Names as people write them: words of letters (accents included), joined by one space,
# a hyphen or an apostrophe (Traoré, Maïga, N'Diaye, Sidibé-Keïta).
words = st.text(alphabet=LETTERS, min_size=1, max_size=12)
names = st.builds(lambda first, rest: first + "".join(sep + w for sep, w in rest), words,
                  st.lists(st.tuples(st.sampled_from([" ", "-", "'"]), words), max_size=2))


def _strings(value, depth=0) -> set[str]:
    """Every string inside a result, whatever its shape (dataclasses, dicts, lists, objects)."""
    if depth > 6 or value is None:
        return set()
    if isinstance(value, str):
        return {value}
    if isinstance(value, bytes):
        return set()
    if isinstance(value, dict):
        found = set()
        for k, v in value.items():
            found |= _strings(k, depth + 1) | _strings(v, depth + 1)
        return found
    if isinstance(value, (list, tuple, set, frozenset)):
        found = set()
        for v in value:
            found |= _strings(v, depth + 1)
        return found
    if is_dataclass(value):
        found = set()
        for f in fields(value):
            found |= _strings(getattr(value, f.name), depth + 1)
        return found
    if hasattr(value, "__dict__"):
        return _strings({k: v for k, v in vars(value).items() if not k.startswith("_")}, depth + 1)
    return set()


def _parse(app, data: bytes, filename: str):
    """Call the parser; a ServiceError (a clear message) is an allowed answer."""
    with app.test_request_context():
        try:
            return parse_file(data, filename, settings=web.settings())
        except ServiceError as exc:
            assert str(exc).strip(), "an error must say what is wrong"
            return exc


@SETTINGS
@given(data=st.binary(max_size=2000), ext=st.sampled_from(["csv", "xlsx", "txt", "CSV", ""]))
def test_any_bytes_give_a_result_or_a_clear_error(app, data, ext):
    _parse(app, data, f"participants.{ext}" if ext else "participants")


@SETTINGS
@given(text=st.text(max_size=500), sep=st.sampled_from([";", ",", "\t"]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
def test_any_text_in_any_encoding(app, text, sep, encoding):
    header = sep.join(["Prénom", "Nom", "Sexe"]) + "\r\n"
    try:
        data = (header + text).encode(encoding)
    except UnicodeEncodeError:
        data = (header + text).encode("utf-8")
    _parse(app, data, "liste.csv")


@SETTINGS
@given(rows=st.lists(st.tuples(names, names, st.sampled_from(["F", "M", "femme", "homme", "H", ""])),
                     min_size=1, max_size=15),
       sep=st.sampled_from([";", ","]), encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
       french=st.booleans())
def test_well_formed_csv_keeps_every_name_with_its_accents(app, rows, sep, encoding, french):
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=sep, lineterminator="\r\n")
    writer.writerow(["Prénom", "Nom", "Sexe"] if french else ["First name", "Last name", "Sex"])
    writer.writerows(rows)
    try:
        data = buf.getvalue().encode(encoding)
    except UnicodeEncodeError:
        data = buf.getvalue().encode("utf-8")
    result = _parse(app, data, "participants.csv")
    assert not isinstance(result, Exception), f"a well-formed file was refused: {result}"
    # Case may be normalised (TRAORÉ), accents and letters may not.
    found = " ".join(_strings(result)).casefold()
    for first, last, _sex in rows:
        assert first.casefold() in found and last.casefold() in found, (first, last)
