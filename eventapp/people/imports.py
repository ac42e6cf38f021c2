"""Importing participants from CSV or XLSX files, as French offices make them.

Reading (:func:`read_table`) turns a file into rows of text with their row numbers in the
file; :func:`guess_mapping` matches the headers to fields (README, Import columns);
:func:`prepare_import` checks every row; :func:`run_import` writes all rows or none.
"""
from __future__ import annotations

import csv
import io
import json
import re
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from eventapp.audit.services import Actor, record
from eventapp.core.errors import NotFound, ServiceError, ValidationError
from eventapp.core.labels import label
from eventapp.core.settings import Settings
from eventapp.core.text import clean_text, fold, name_key
from eventapp.core.tokens import new_answer_token, new_checkin_token
from eventapp.events.models import Event
from eventapp.events.services import hold_event
from eventapp.extensions import db
from eventapp.people.categories import create_category_from_value, list_categories
from eventapp.people.models import SEXES, Person
from eventapp.people.services import (
    PERSON_FIELD_TABLE,
    CategoryIndex,
    clean_person_data,
    nearest_age_band,
    parse_sex,
)
from eventapp.registration.models import Registration
from eventapp.registration.services import Channel, directory_matches, pick_directory_person

#: The contract's headers for each field (README, Import columns), English then French; matched folded.
#: All derived from the person-field table (``people.PERSON_FIELD_TABLE``).
HEADERS: dict[str, tuple[str, ...]] = {f.key: f.headers for f in PERSON_FIELD_TABLE if f.headers}
FIELD_LABELS = {f.key: _l(f.label) for f in PERSON_FIELD_TABLE}
FIELDS = tuple(HEADERS)
REQUIRED = ("last_name",)
IMPORT_STATUSES = ("registered", "invited")
#: English export headers, in the contract's order.
EXPORT_HEADERS = {f.key: f.export_header for f in PERSON_FIELD_TABLE if f.export_header}
#: The person columns an import writes, and those a text field leaves empty rather than NULL.
_PERSON_COLUMNS = tuple(f.name for f in PERSON_FIELD_TABLE if f.headers) + ("name_key",)
_EMPTY_TEXT = tuple(f.name for f in PERSON_FIELD_TABLE if f.headers and f.kind == "text")
#: The columns whose values are codes: a file's value is read as a code, or the organizer says
#: which code it means (:class:`ValueMap`; the CLI's ``--map FIELD:VALUE=CODE``).
CODED_FIELDS = tuple(f.key for f in PERSON_FIELD_TABLE if f.kind in ("sex", "age_band", "category"))
#: The code that makes a new category of a file's value (``--map "category:Jeunes=+new"``).
NEW_CATEGORY = "+new"


def _squash(text) -> str:
    """A header folded with spaces and punctuation removed: 'Tranche d’âge' → 'tranchedage'."""
    return "".join(ch for ch in fold(str(text or "")) if ch.isalnum())


_HEADER_INDEX = {_squash(name): f for f, names in HEADERS.items() for name in names}


@dataclass
class Table:
    """The cells of a file: its header row and the data rows, each with its number in the file."""

    headers: list[str]
    rows: list[tuple[int, list[str]]]
    header_row: int = 1
    filename: str = ""


@dataclass
class RowIssue:
    """A problem in one row (and column) of a file."""

    row: int
    column: str  # the file's header (or the field's name)
    message: str
    # True for what the directory and the event's registrations said (checked again under the lock)
    from_database: bool = False
    # True for a value of a coded column that is no code: told once per value (:class:`CodedValue`)
    unknown_value: bool = False

    def __str__(self) -> str:
        if self.column:
            return _("Row %(row)d, column “%(column)s”: %(message)s", row=self.row, column=self.column,
                     message=self.message)
        return _("Row %(row)d: %(message)s", row=self.row, message=self.message)


@dataclass
class PreparedRow:
    """One row of the file, cleaned, with what will happen to it."""

    row: int
    values: dict  # raw text per field
    clean: dict = field(default_factory=dict)
    issues: list[RowIssue] = field(default_factory=list)
    warnings: list[RowIssue] = field(default_factory=list)  # shown, but the row is imported
    person_id: int | None = None  # an existing directory person that will be reused
    new_category: str = ""  # the folded value of a category made by the import (NEW_CATEGORY)

    @property
    def ok(self) -> bool:
        return not self.issues


@dataclass
class CodedValue:
    """One value of a coded column (sex, age band, category) that is no code: its rows, and the
    code the organizer gave it (None while unknown)."""

    field: str
    value: str  # as first written in the file
    column: str  # the file's header
    rows: list[int] = field(default_factory=list)
    code: str | None = None  # the organizer's meaning (NEW_CATEGORY: a category made of the value)
    suggestion: str | None = None  # the code nearest the value, for the organizer to confirm

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def rows_text(self) -> str:
        """The rows, at most ten of them: "2, 5, 9" or "2, 3, 4, … (27 rows)"."""
        shown = ", ".join(str(r) for r in self.rows[:10])
        return shown + (", …" if len(self.rows) > 10 else "")

    def message(self) -> str:
        """The problem in one sentence, with its rows."""
        return ngettext("Row %(rows)s, column “%(column)s”: unknown value “%(value)s”.",
                        "Rows %(rows)s, column “%(column)s”: unknown value “%(value)s” (%(num)d rows).",
                        self.count, rows=self.rows_text, column=self.column, value=self.value)


@dataclass
class ImportPlan:
    """What an import would do: every row with its problems, and the file-level problems."""

    table: Table
    mapping: dict[int, str]
    rows: list[PreparedRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # whole-file problems (missing column…)
    # The values of coded columns that are no code, each once, in the order of the file
    coded_values: list[CodedValue] = field(default_factory=list)
    # What each coded field accepts: {field: [(code, word)]} (shown beside the unknown values)
    accepted: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    new_categories: dict[str, str] = field(default_factory=dict)  # folded value -> label, made on import

    @property
    def issues(self) -> list[RowIssue]:
        return [issue for row in self.rows for issue in row.issues]

    @property
    def warnings(self) -> list[RowIssue]:
        """What is worth a look but imported all the same (a phone shared by two people)."""
        return [w for row in self.rows for w in row.warnings]

    @property
    def unknown_values(self) -> list[CodedValue]:
        """The coded values the organizer has not given a code yet."""
        return [v for v in self.coded_values if v.code is None]

    @property
    def ok(self) -> bool:
        return not self.errors and not self.issues

    @property
    def ignored_columns(self) -> list[str]:
        """Headers of the columns no field is taken from (shown, so a wrong guess is noticed)."""
        return [h for i, h in enumerate(self.table.headers) if h and i not in self.mapping]

    def messages(self) -> list[str]:
        """Every problem as a sentence naming its row and column; an unknown value once, with
        its rows, followed by what its column accepts."""
        unknown = self.unknown_values
        fields = [f for f in CODED_FIELDS if any(v.field == f for v in unknown)]
        return (list(self.errors) + [str(i) for i in self.issues if not i.unknown_value]
                + [v.message() for v in unknown] + [self.accepted_message(f) for f in fields])

    def accepted_message(self, field_name: str) -> str:
        """What a coded column accepts, in a sentence."""
        column = next((v.column for v in self.coded_values if v.field == field_name), FIELD_LABELS[field_name])
        values = ", ".join(code if code == word else f"{code} ({word})" for code, word in self.accepted[field_name])
        if field_name == "age_band":
            return _("Accepted values for “%(column)s”: %(values)s, or an age in years.", column=column,
                     values=values)
        return _("Accepted values for “%(column)s”: %(values)s.", column=column, values=values)

    def warning_messages(self) -> list[str]:
        """The warnings as sentences naming their rows."""
        return [str(w) for w in self.warnings]


@dataclass
class ImportSummary:
    """What an import did (or would do, for a dry run)."""

    rows: int
    created: int  # new directory persons
    reused: int  # existing directory persons registered
    dry_run: bool = False
    ignored_columns: list[str] = field(default_factory=list)
    new_categories: list[str] = field(default_factory=list)  # labels of the categories made
    warnings: list[str] = field(default_factory=list)


class ImportRefused(ValidationError):
    """An import refused by its checks; ``plan`` says why (unknown values, ignored columns…)."""

    def __init__(self, plan: ImportPlan):
        super().__init__({"file": plan.messages()})
        self.plan = plan


# --- reading files -----------------------------------------------------------------------


def _cell_text(value) -> str:
    """A spreadsheet cell as text: whole floats without '.0' (Excel's phone numbers), dates ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (datetime, date)):
        return value.date().isoformat() if isinstance(value, datetime) else value.isoformat()
    return clean_text(str(value)).strip()


def _decode(content: bytes) -> str:
    # UTF-8 (with or without BOM) first; French Excel saves "CSV" in cp1252.
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def _sniff_delimiter(text: str) -> str:
    lines = [line for line in text[:65536].splitlines()[:20] if line.strip()]
    sample = "\n".join(lines)
    counts = {d: sample.count(d) for d in (";", ",", "\t")}
    return max(counts, key=lambda d: (counts[d], d == ";"))


@dataclass
class ReadLimits:
    """How much of a file is read: rows (every row, empty ones too, plus ``SLACK`` for titles
    and blank lines), cells per row, characters per cell, seconds, unzipped bytes of an XLSX."""

    rows: int
    columns: int = 60
    cell_chars: int = 2_000
    seconds: float = 15.0
    unzipped_bytes: int = 200 * 1024 * 1024

    SLACK = 100

    def __post_init__(self):
        self.deadline = time.monotonic() + self.seconds

    def check(self, row_count: int, cells) -> None:
        """Raise ValidationError when the row ``row_count`` (1-based) passes a limit."""
        if row_count > self.rows + self.SLACK:
            raise ValidationError({"file": [_("The file has more than %(max)d rows (empty rows count too).",
                                              max=self.rows + self.SLACK)]})
        if len(cells) > self.columns and any(c not in (None, "") for c in cells[self.columns:]):
            raise ValidationError({"file": [_("Row %(row)d has more than %(max)d columns.", row=row_count,
                                              max=self.columns)]})
        for cell in cells:
            if isinstance(cell, str) and len(cell) > self.cell_chars:
                raise ValidationError({"file": [_("Row %(row)d has a cell longer than %(max)d characters.",
                                                  row=row_count, max=self.cell_chars)]})
        if row_count % 500 == 0 and time.monotonic() > self.deadline:
            raise ValidationError({"file": [_("The file takes too long to read (over %(s)d seconds).",
                                              s=self.seconds)]})


_LINE = re.compile(r"[^\n]*\n|[^\n]+\Z")


def _read_csv(content: bytes, limits: ReadLimits) -> list[list[str]]:
    if b"\x00" in content[:4096]:
        raise ValidationError({"file": [_("This file is not a CSV or XLSX file.")]})
    text = _decode(content)
    # Excel writes "sep=;" on the first line when asked to keep the separator.
    first, _newline, rest = text.partition("\n")
    if first.strip().lower().startswith("sep=") and len(first.strip()) == 5:
        delimiter, text = first.strip()[4], "\n" + rest  # a blank line keeps the row numbers
    else:
        delimiter = _sniff_delimiter(text)
    # Lines taken one at a time from the text (no copy of it, no list of every line).
    reader = csv.reader((m.group() for m in _LINE.finditer(text)), delimiter=delimiter)
    rows = []
    try:
        for row in reader:  # read row by row, to stop as soon as a limit is passed
            limits.check(len(rows) + 1, row)
            rows.append([clean_text(cell).strip() for cell in row[:limits.columns]])
    except csv.Error:
        raise ValidationError({"file": [_("The CSV file is corrupt and cannot be read.")]}) from None
    return rows


def _read_xlsx(content: bytes, limits: ReadLimits) -> list[list[str]]:
    import zipfile

    from openpyxl import load_workbook

    corrupt = ValidationError({"file": [_("The XLSX file is corrupt and cannot be read.")]})
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise corrupt from None
    if unzipped > limits.unzipped_bytes:
        raise ValidationError({"file": [_("The file is too large (at most %(mb).0f MB).",
                                          mb=limits.unzipped_bytes / 1e6)]})
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds (BadZipFile, KeyError, ValueError…) for a broken workbook
        raise corrupt from None
    try:
        rows = []
        sheet = workbook.worksheets[0]
        # Streamed (read-only mode), at most one column past the limit, every row counted.
        width = min(limits.columns + 1, sheet.max_column or limits.columns + 1)
        for row in sheet.iter_rows(max_col=width, values_only=True):
            limits.check(len(rows) + 1, row)
            rows.append([_cell_text(v) for v in row[:limits.columns]])
        return rows
    except ValidationError:
        raise
    except Exception:
        raise corrupt from None
    finally:
        workbook.close()


def _header_score(cells: list[str]) -> int:
    return sum(1 for c in cells if _squash(c) in _HEADER_INDEX)


def read_table(content: bytes, filename: str, *, settings: Settings, max_bytes: int | None = None,
               max_rows: int | None = None) -> Table:
    """The header row and data rows of a CSV or XLSX file; raises ValidationError for a bad file.

    Blank rows are skipped; a title row above the headers is found and left out. Reading stops
    at the first limit passed (see ``ReadLimits``; the ``import_max_*`` of ``settings``, the
    size and rows overridden by ``max_bytes`` and ``max_rows``): every row counts, empty or not.
    """
    max_bytes = max_bytes or settings.import_max_bytes
    max_rows = max_rows or settings.import_max_rows
    limits = ReadLimits(rows=max_rows, columns=settings.import_max_columns,
                        cell_chars=settings.import_max_cell_chars,
                        seconds=settings.import_max_seconds, unzipped_bytes=20 * max_bytes)
    name = (filename or "").lower()
    if not content:
        raise ValidationError({"file": [_("The file is empty.")]})
    if len(content) > max_bytes:
        raise ValidationError({"file": [_("The file is too large (at most %(mb).0f MB).", mb=max_bytes / 1e6)]})
    is_zip = content.startswith(b"PK\x03\x04")
    if name.endswith((".xlsx", ".xlsm")) or (is_zip and not name.endswith((".csv", ".txt"))):
        if not is_zip:
            raise ValidationError({"file": [_("The XLSX file is corrupt and cannot be read.")]})
        cells = _read_xlsx(content, limits)
    elif name.endswith((".csv", ".txt")):
        cells = _read_csv(content, limits)
    else:
        raise ValidationError({"file": [_("This file is not a CSV or XLSX file.")]})
    numbered = [(i + 1, row) for i, row in enumerate(cells) if any(c.strip() for c in row)]
    if not numbered:
        raise ValidationError({"file": [_("The file is empty.")]})
    # The header row is the first of the top rows naming known columns best; rows above are titles.
    top = numbered[:10]
    best = max(top, key=lambda item: (_header_score(item[1]), -item[0]))
    if _header_score(best[1]) == 0:
        best = numbered[0]
    header_index = numbered.index(best)
    headers = [c.strip() for c in best[1]]
    rows = numbered[header_index + 1:]
    if not rows:
        raise ValidationError({"file": [_("The file has headers but no rows.")]})
    if len(rows) > max_rows:
        raise ValidationError({"file": [_("The file has too many rows (%(n)d; at most %(max)d).",
                                          n=len(rows), max=max_rows)]})
    width = len(headers)
    rows = [(n, (r + [""] * width)[:max(width, len(r))]) for n, r in rows]
    return Table(headers=headers, rows=rows, header_row=best[0], filename=filename)


def guess_mapping(headers: list[str]) -> dict[int, str]:
    """Column index → field, for the headers the contract knows (each field used once)."""
    mapping: dict[int, str] = {}
    used = set()
    for index, header in enumerate(headers):
        field_name = _HEADER_INDEX.get(_squash(header))
        if field_name and field_name not in used:
            mapping[index] = field_name
            used.add(field_name)
    return mapping


# --- checking rows -----------------------------------------------------------------------


def _strip_quote(text: str) -> str:
    # Our own exports neutralise cells like "+223…" with a leading apostrophe: undo it.
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@\t\r":
        return text[1:]
    return text


# --- values of coded columns -------------------------------------------------------------


@dataclass
class ValueMap:
    """The organizer's meaning for values of coded columns: ``{(field, folded value): code}``.

    A value is matched without regard to case, accents or punctuation, as headers are.
    """

    codes: dict[tuple[str, str], str] = field(default_factory=dict)

    def add(self, field_name: str, value: str, code: str) -> None:
        """Read ``value`` of ``field_name`` as ``code`` (NEW_CATEGORY: a category made of it)."""
        self.codes[(field_name, fold(value))] = code.strip()

    def get(self, field_name: str, value: str) -> str | None:
        """The code given to ``value``, or None."""
        return self.codes.get((field_name, fold(value)))


def parse_value_maps(specs: Iterable[str]) -> ValueMap:
    """``FIELD:VALUE=CODE`` texts (the CLI's repeatable ``--map``) as a ValueMap.

    Raises ValidationError naming each text that is not of that form.
    """
    value_map, errors = ValueMap(), []
    for spec in specs:
        field_name, colon, rest = spec.partition(":")
        value, equals, code = rest.rpartition("=")
        field_name = field_name.strip().lower().replace("-", "_").replace(" ", "_")
        if not (colon and equals and fold(value) and code.strip()) or field_name not in CODED_FIELDS:
            errors.append(_("“%(spec)s”: write FIELD:VALUE=CODE, FIELD being one of %(fields)s.", spec=spec,
                            fields=", ".join(CODED_FIELDS)))
            continue
        value_map.add(field_name, value.strip(), code)
    if errors:
        raise ValidationError({"map": errors})
    return value_map


def _language() -> str:
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "fr"


def accepted_codes(bands) -> dict[str, list[tuple[str, str]]]:
    """What each coded field accepts, as (code, word) in the current language: the sexes, the
    configured age bands and the categories offered (retired ones are not)."""
    language = _language()
    return {"sex": [(code, label("sex", code)) for code in SEXES],
            "age_band": [(code, code) for code, _low, _high in bands],
            "category": [(c.code, c.label(language)) for c in list_categories()]}


def _checked_value_map(value_map: ValueMap | None, accepted: dict, categories: CategoryIndex
                       ) -> tuple[dict, list[str]]:
    """The organizer's codes that are codes, and an error for each other one. A code may be
    written as the fields' own values are: a sex as F, femme or homme; a category by its code
    or a label in either language."""
    valid: dict[tuple[str, str], str] = {}
    errors = []
    for (field_name, folded), code in (value_map.codes.items() if value_map else ()):
        found = _code_of(field_name, code, accepted, categories)
        if found is None:
            errors.append(_("“%(code)s” is not a value of the field “%(field)s” (accepted: %(values)s).", code=code,
                            field=FIELD_LABELS[field_name], values=", ".join(c for c, _w in accepted[field_name])))
        else:
            valid[(field_name, folded)] = found
    return valid, errors


def _code_of(field_name: str, code: str, accepted: dict, categories: CategoryIndex) -> str | None:
    """The code ``code`` stands for in ``field_name``, or None."""
    if field_name == "category":
        if code == NEW_CATEGORY:
            return code
        found = categories.match(code)
        return found.code if found else None
    if field_name == "sex":
        try:
            return parse_sex(code)
        except ValueError:
            return None
    return next((c for c, _word in accepted[field_name] if fold(c) == fold(code)), None)


class _CodedValues:
    """The values of coded columns that are no code, or that the organizer gave a code, each once."""

    def __init__(self, column_of: dict[str, str], categories: CategoryIndex, bands):
        self.column_of, self.categories, self.bands = column_of, categories, bands
        self.found: dict[tuple[str, str], CodedValue] = {}

    def note(self, row: PreparedRow, mapped: dict[str, str], errors: dict) -> None:
        """Count ``row``'s coded values that were mapped, or refused as unknown."""
        for field_name in CODED_FIELDS:
            raw = row.values.get(field_name) or ""
            if not raw.strip() or (field_name not in mapped and field_name not in errors):
                continue
            key = (field_name, fold(raw))
            item = self.found.get(key)
            if item is None:
                code = mapped.get(field_name)
                item = self.found[key] = CodedValue(field_name, raw.strip(), self.column_of[field_name], code=code,
                                                    suggestion=None if code else self.suggest(field_name, raw))
            item.rows.append(row.row)

    def suggest(self, field_name: str, value: str) -> str | None:
        """The code nearest an unknown value, for the organizer to confirm."""
        if field_name == "age_band":
            return nearest_age_band(value, self.bands)
        if field_name == "category":
            found = self.categories.suggest(value)
            return found.code if found else None
        return None


def _apply_value_map(row: PreparedRow, value_map: dict) -> tuple[dict, dict[str, str]]:
    """The row's values with the organizer's codes in place of the file's; and {field: code} applied."""
    values = dict(row.values)
    mapped = {}
    for field_name in CODED_FIELDS:
        raw = values.get(field_name)
        code = value_map.get((field_name, fold(raw))) if raw else None
        if code is None:
            continue
        mapped[field_name] = code
        if code == NEW_CATEGORY:
            row.new_category = fold(raw)
            values[field_name] = ""  # its category is made with the import
        else:
            values[field_name] = code
    return values, mapped


def prepare_import(event: Event, table: Table, mapping: dict[int, str] | None = None, *,
                   settings: Settings, value_map: ValueMap | None = None) -> ImportPlan:
    """Check every row of ``table`` for ``event``: nothing is written.

    Ages and phones are read with the age bands and phone region of ``settings``; the values
    of coded columns that are no code are read as ``value_map`` says, else listed once each
    in ``plan.coded_values`` (with a suggestion) for the organizer to map.

    Rows are checked for required and valid values, duplicates inside the file (the same names
    with nothing telling them apart; a phone or email shared by two people is only a warning)
    and people already registered.
    """
    mapping = guess_mapping(table.headers) if mapping is None else {int(k): v for k, v in mapping.items() if v}
    plan = ImportPlan(table=table, mapping=mapping)
    plan.errors.extend(_mapping_errors(table, mapping))
    if plan.errors:
        return plan
    plan.accepted = accepted_codes(settings.age_bands)
    categories = CategoryIndex()
    codes, map_errors = _checked_value_map(value_map, plan.accepted, categories)
    plan.errors.extend(map_errors)
    _prepare_rows(plan, codes, categories, settings)
    _match_directory(event, plan, _registered_ids(event), _column_of(plan))
    return plan


def _prepare_rows(plan: ImportPlan, codes: dict, categories: CategoryIndex, settings: Settings) -> None:
    """Clean every row of ``plan``'s table into ``plan.rows``, with its problems."""
    column_of = _column_of(plan)
    coded = _CodedValues(column_of, categories, settings.age_bands)
    seen = _SeenInFile(column_of)
    items = list(plan.mapping.items())
    for number, cells in plan.table.rows:
        row = PreparedRow(row=number, values={f: _strip_quote(cells[i]) if i < len(cells) else "" for i, f in items})
        values, mapped = _apply_value_map(row, codes)
        row.clean, errors = clean_person_data(values, settings, categories=categories)
        for key, messages in errors.items():
            column = column_of.get(key, str(FIELD_LABELS.get(key, key)))
            row.issues.extend(RowIssue(number, column, message, unknown_value=key in CODED_FIELDS)
                              for message in messages)
        coded.note(row, mapped, errors)
        if row.new_category:
            plan.new_categories.setdefault(row.new_category, row.values["category"].strip())
        row.clean["name_key"] = name_key(row.clean.get("first_name"), row.clean.get("last_name"))
        seen.check(row)
        plan.rows.append(row)
    plan.coded_values = list(coded.found.values())


def _mapping_errors(table: Table, mapping: dict[int, str]) -> list[str]:
    """What is wrong with the columns' fields: a field twice, an unknown field, a required one missing."""
    errors = []
    fields_mapped = list(mapping.values())
    for field_name in set(fields_mapped):
        if fields_mapped.count(field_name) > 1:
            errors.append(_("The field “%(field)s” is given to more than one column.",
                            field=FIELD_LABELS[field_name]))
    unknown = [f for f in fields_mapped if f not in FIELDS]
    if unknown:
        errors.append(_("Unknown field: %(field)s.", field=", ".join(unknown)))
    for required in REQUIRED:
        if required not in fields_mapped:
            errors.append(_("The required column “%(field)s” is missing (headers found: %(headers)s).",
                            field=FIELD_LABELS[required], headers=", ".join(h for h in table.headers if h) or "—"))
    return errors


class _SeenInFile:
    """The rows read so far, to flag a row that repeats one above it: the same names with nothing
    telling them apart are one person twice (an error); a phone or an email already on a row
    above is shared by two people (a couple, an association's phone): a warning."""

    def __init__(self, column_of: dict[str, str]) -> None:
        self.column_of = column_of
        self.phone: dict[str, int] = {}
        self.email: dict[str, int] = {}
        self.name: dict[str, list[PreparedRow]] = {}

    def check(self, row: PreparedRow) -> None:
        """Add an issue or a warning to ``row`` for each earlier row it repeats, then remember it."""
        clean, number, key = row.clean, row.row, row.clean.get("name_key")
        same = next((other for other in self.name.get(key, []) if _may_be_same(clean, other.clean)), None)
        if same is not None:
            row.issues.append(RowIssue(number, self.column_of["last_name"], _(
                "The same person seems to be on row %(other)d.", other=same.row)))
        if key:
            self.name.setdefault(key, []).append(row)
        if same is None:
            self._shared(row, "phone", self.phone)
            self._shared(row, "email", self.email)

    def _shared(self, row: PreparedRow, name: str, seen: dict[str, int]) -> None:
        """A warning on ``row`` when its phone or email (``name``) is on a row above; else remember it."""
        value = row.clean.get(name)
        if not value:
            return
        if value not in seen:
            seen[value] = row.row
        elif name == "phone":
            row.warnings.append(RowIssue(row.row, self.column_of[name], _(
                "The phone number is also on row %(other)d: both rows are imported, as two people who share it.",
                other=seen[value])))
        else:
            row.warnings.append(RowIssue(row.row, self.column_of[name], _(
                "The email address is also on row %(other)d: both rows are imported, as two people who share it.",
                other=seen[value])))


def _column_of(plan: ImportPlan) -> dict[str, str]:
    """The header of the column each mapped field is read from (for messages)."""
    return {f: plan.table.headers[i] or FIELD_LABELS[f] for i, f in plan.mapping.items()}


def _registered_ids(event: Event) -> set[int]:
    """Who is already registered at the event, to refuse them and to reuse directory persons."""
    return set(db.session.scalars(select(Registration.person_id).where(Registration.event_id == event.id)))


def _may_be_same(a: dict, b: dict) -> bool:
    """Two rows with the same names are the same person unless a phone or an email tells them apart."""
    return not any(a.get(key) and b.get(key) and a[key] != b[key] for key in ("phone", "email"))


def _match_directory(event: Event, plan: ImportPlan, registered_ids: set[int], column_of: dict) -> None:
    """Reuse directory persons with the same phone or email and names that agree (the import is
    an organizer's channel: ``registrations.Channel.IMPORT`` may match, by the rule of
    ``registrations.pick_directory_person``); refuse those already registered, and a second
    row that would be the same directory person."""
    by_phone, by_email = directory_matches(Channel.IMPORT, (r.clean.get("phone") for r in plan.rows),
                                           (r.clean.get("email") for r in plan.rows))
    registered_names = {}
    if registered_ids:
        for pid, key, phone, email in db.session.execute(
                select(Person.id, Person.name_key, Person.phone, Person.email).join(Registration)
                .where(Registration.event_id == event.id)):
            registered_names.setdefault(key, []).append({"id": pid, "phone": phone, "email": email})
    taken: dict[int, int] = {}  # directory person -> the row that reuses it
    for row in plan.rows:
        match = pick_directory_person(row.clean, by_phone, by_email)
        if match:
            column = column_of.get("phone") if any(c.id == match for c in by_phone.get(row.clean.get("phone"), [])) \
                else column_of.get("email", "")
            if match in registered_ids:
                row.issues.append(RowIssue(row.row, column, _("This person is already registered for the event."),
                                           from_database=True))
                continue
            if match in taken:
                row.issues.append(RowIssue(row.row, column, _(
                    "Row %(other)d is already this person of the directory (same phone or email, names alike): "
                    "keep one of the two rows.", other=taken[match]), from_database=True))
                continue
            row.person_id, taken[match] = match, row.row
        for other in registered_names.get(row.clean.get("name_key"), []):
            if _may_be_same(row.clean, other):
                row.issues.append(RowIssue(row.row, column_of["last_name"], _(
                    "A person with the same name is already registered for the event."), from_database=True))
                break


# --- writing -----------------------------------------------------------------------------


def lock_event_for_import(event: Event) -> None:
    """Hold ``event``'s row until the transaction ends: one import into an event at a time.

    A no-op UPDATE rather than SELECT … FOR UPDATE: it locks the row on PostgreSQL and takes
    SQLite's write lock too (a SELECT would not), so that what is read next is what the
    previous import committed. Two confirmations of one import, or two runs of the CLI on one
    file, then see each other's rows instead of both writing them.
    """
    hold_event(event)


def recheck_import(event: Event, plan: ImportPlan) -> None:
    """Match ``plan``'s rows against the directory and the event's registrations again, as they are now.

    Only what the database decides is checked again (the rows themselves were checked when the
    plan was made); called under :func:`lock_event_for_import`, so a person another import has
    just registered is refused instead of registered twice. Updates ``plan`` in place.
    """
    if plan.errors:
        return
    for row in plan.rows:
        row.person_id = None
        row.issues = [issue for issue in row.issues if not issue.from_database]
    _match_directory(event, plan, _registered_ids(event), _column_of(plan))



def insert_persons(params: list[dict]) -> list[int]:
    """Insert persons in bulk (Core, in batches), returning their ids in the order given.

    The ORM's bulk insert with RETURNING splices results row by row and is an order of
    magnitude slower on SQLite; Core's "insertmanyvalues" keeps 10,000 rows well under a second.
    """
    table = Person.__table__
    stmt = table.insert().returning(table.c.id, sort_by_parameter_order=True)
    return list(db.session.execute(stmt, params).scalars())


def run_import(event: Event, plan: ImportPlan, *, actor: Actor | None = None, dry_run: bool = False,
               filename: str = "", status: str = "registered") -> ImportSummary:
    """Write every row of a checked plan in one transaction, or nothing when any row is wrong.

    ``status`` is given to every registration: ``registered`` (a list of confirmed people) or
    ``invited`` (a list of people to invite, who will answer).
    """
    if status not in IMPORT_STATUSES:
        raise ValidationError({"status": [_("Unknown status.")]})
    if not plan.ok:
        raise ImportRefused(plan)
    if not dry_run:
        # The plan may have been made before another import committed: check again under the lock.
        lock_event_for_import(event)
        recheck_import(event, plan)
        if not plan.ok:
            db.session.rollback()  # let go of the lock
            raise ImportRefused(plan)
    reused_rows = [r for r in plan.rows if r.person_id]
    new_rows = [r for r in plan.rows if not r.person_id]
    # Only new persons take a category made of a value: a reused person's details stay as they are.
    made = {r.new_category: plan.new_categories[r.new_category] for r in new_rows if r.new_category}
    summary = ImportSummary(rows=len(plan.rows), created=len(new_rows), reused=len(reused_rows), dry_run=dry_run,
                            ignored_columns=plan.ignored_columns, new_categories=sorted(made.values()),
                            warnings=plan.warning_messages())
    if dry_run:
        return summary
    try:
        category_ids = {key: create_category_from_value(value, actor=actor).id for key, value in made.items()}
        new_ids = _insert_new_persons(new_rows, category_ids)
        person_ids = new_ids + [r.person_id for r in reused_rows]
        if person_ids:
            db.session.execute(Registration.__table__.insert(), [
                {"event_id": event.id, "person_id": pid, "status": status, "source": "import",
                 "checkin_token": new_checkin_token(), "answer_token": new_answer_token(), "notes": ""}
                for pid in person_ids])
        record(actor, "registration.import", event, event_id=event.id, filename=filename, rows=summary.rows,
               created=summary.created, reused=summary.reused, status=status,
               new_categories=summary.new_categories or None)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return summary


def _insert_new_persons(rows: list[PreparedRow], category_ids: dict[str, int]) -> list[int]:
    """Insert the persons of ``rows`` (with the ids of the categories made for them); their ids."""
    if not rows:
        return []
    params = []
    for row in rows:
        p = {k: row.clean.get(k) for k in _PERSON_COLUMNS}
        for k in _EMPTY_TEXT:
            p[k] = p[k] or ""
        if row.new_category:
            p["category_id"] = category_ids[row.new_category]
        p["notes"] = ""
        p["origin"] = Channel.IMPORT.value
        params.append(p)
    return insert_persons(params)


def import_file(event: Event, content: bytes, filename: str, *, mapping: dict[int, str] | None = None,
                settings: Settings, actor: Actor | None = None, dry_run: bool = False,
                status: str = "registered", value_map: ValueMap | None = None) -> ImportSummary:
    """Read, check and import a file in one go (the CLI); raises :class:`ImportRefused` (a
    ValidationError listing every problem) when a row is wrong, ValidationError for a bad file."""
    table = read_table(content, filename, settings=settings)
    plan = prepare_import(event, table, mapping, settings=settings, value_map=value_map)
    if not plan.ok:
        raise ImportRefused(plan)
    return run_import(event, plan, actor=actor, dry_run=dry_run, filename=filename, status=status)


__all__ = ["CODED_FIELDS", "EXPORT_HEADERS", "FIELDS", "FIELD_LABELS", "HEADERS", "NEW_CATEGORY", "CodedValue",
           "ImportPlan", "ImportRefused", "ImportSummary", "PreparedRow", "RowIssue", "Table", "ValueMap",
           "accepted_codes", "guess_mapping", "import_file", "parse_value_maps", "prepare_import", "read_table",
           "run_import"]


# --- uploads kept between the steps of the import page -----------------------------------
#
# An upload is ``<id>.bin`` (the file) and ``<id>.json`` (its name). Confirming it renames
# ``.bin`` to ``.importing``: a rename is atomic, so of several confirmations at once (a double
# click, four tabs, several server processes sharing the instance folder, as they must to see
# the upload at all) exactly one gets it. ``.done`` (empty) then remembers that the import was
# made, so a late confirmation is told so instead of "expired".

_UPLOAD_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
UPLOAD_MAX_AGE = 24 * 3600  # seconds
_UPLOAD_SUFFIXES = (".bin", ".json", ".importing", ".done")


class AlreadyConfirmed(ServiceError):
    """The import of an upload was confirmed already (by another request, or earlier)."""

    def __init__(self):
        super().__init__(_("This import was already confirmed."))


def store_upload(content: bytes, filename: str, folder) -> str:
    """Keep an uploaded file in ``folder`` under a random name; returns its id (not the file name)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    # Uploads abandoned between the steps, and the marks of imports made, are removed after a day.
    cutoff = time.time() - UPLOAD_MAX_AGE
    for old in folder.iterdir():
        if old.suffix in _UPLOAD_SUFFIXES and old.stat().st_mtime < cutoff:
            delete_upload(old.stem, folder)
    upload_id = secrets.token_urlsafe(18)
    (folder / f"{upload_id}.bin").write_bytes(content)
    (folder / f"{upload_id}.json").write_text(json.dumps({"filename": filename[:200]}), encoding="utf-8")
    return upload_id


def _confirmed(upload_id: str, folder: Path) -> bool:
    return (folder / f"{upload_id}.importing").exists() or (folder / f"{upload_id}.done").exists()


def load_upload(upload_id: str, folder) -> tuple[bytes, str]:
    """The content and original name of a kept upload.

    Raises :class:`AlreadyConfirmed` when its import was confirmed, NotFound for an unknown id.
    """
    folder = Path(folder)
    if not _UPLOAD_ID.match(upload_id or ""):
        raise NotFound(_("This upload has expired. Upload the file again."))
    try:
        content = (folder / f"{upload_id}.bin").read_bytes()
        meta = json.loads((folder / f"{upload_id}.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        if _confirmed(upload_id, folder):
            raise AlreadyConfirmed() from None
        raise NotFound(_("This upload has expired. Upload the file again.")) from None
    return content, meta.get("filename", "")


def claim_upload(upload_id: str, folder) -> None:
    """Take an upload for its import, once: raises :class:`AlreadyConfirmed` for every later claim.

    Call :func:`finish_upload` after the import, or :func:`release_upload` when it failed.
    """
    folder = Path(folder)
    if not _UPLOAD_ID.match(upload_id or ""):
        raise NotFound(_("This upload has expired. Upload the file again."))
    try:
        (folder / f"{upload_id}.bin").rename(folder / f"{upload_id}.importing")
    except FileNotFoundError:
        if _confirmed(upload_id, folder):
            raise AlreadyConfirmed() from None
        raise NotFound(_("This upload has expired. Upload the file again.")) from None


def release_upload(upload_id: str, folder) -> None:
    """Give a claimed upload back (its import failed), so it can be corrected and confirmed again."""
    if _UPLOAD_ID.match(upload_id or ""):
        (Path(folder) / f"{upload_id}.importing").rename(Path(folder) / f"{upload_id}.bin")


def finish_upload(upload_id: str, folder) -> None:
    """Delete a claimed upload after its import, keeping an empty mark that it was confirmed."""
    if _UPLOAD_ID.match(upload_id or ""):
        folder = Path(folder)
        (folder / f"{upload_id}.done").touch()
        for ext in (".importing", ".json", ".bin"):
            (folder / f"{upload_id}{ext}").unlink(missing_ok=True)


def delete_upload(upload_id: str, folder) -> None:
    """Remove a kept upload (after the import, or when abandoned) and its marks."""
    if _UPLOAD_ID.match(upload_id or ""):
        for ext in _UPLOAD_SUFFIXES:
            (Path(folder) / f"{upload_id}{ext}").unlink(missing_ok=True)
