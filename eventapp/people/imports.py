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
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from eventapp.audit.services import Actor, record
from eventapp.core.errors import NotFound, ServiceError, ValidationError
from eventapp.core.settings import Settings
from eventapp.core.text import clean_text, fold, name_key
from eventapp.core.tokens import new_answer_token, new_checkin_token
from eventapp.events.models import Event
from eventapp.extensions import db
from eventapp.people.models import Person
from eventapp.people.services import PERSON_FIELD_TABLE, CategoryIndex, clean_person_data
from eventapp.registration.models import Registration
from eventapp.registration.services import Channel, directory_matches

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
    person_id: int | None = None  # an existing directory person that will be reused

    @property
    def ok(self) -> bool:
        return not self.issues


@dataclass
class ImportPlan:
    """What an import would do: every row with its problems, and the file-level problems."""

    table: Table
    mapping: dict[int, str]
    rows: list[PreparedRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # whole-file problems (missing column…)

    @property
    def issues(self) -> list[RowIssue]:
        return [issue for row in self.rows for issue in row.issues]

    @property
    def ok(self) -> bool:
        return not self.errors and not self.issues

    @property
    def ignored_columns(self) -> list[str]:
        """Headers of the columns no field is taken from (shown, so a wrong guess is noticed)."""
        return [h for i, h in enumerate(self.table.headers) if h and i not in self.mapping]

    def messages(self) -> list[str]:
        """Every problem as a sentence naming its row and column."""
        return list(self.errors) + [str(i) for i in self.issues]


@dataclass
class ImportSummary:
    """What an import did (or would do, for a dry run)."""

    rows: int
    created: int  # new directory persons
    reused: int  # existing directory persons registered
    dry_run: bool = False
    ignored_columns: list[str] = field(default_factory=list)


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


def prepare_import(event: Event, table: Table, mapping: dict[int, str] | None = None, *,
                   settings: Settings) -> ImportPlan:
    """Check every row of ``table`` for ``event``: nothing is written.

    Ages and phones are read with the age bands and phone region of ``settings``.

    Rows are checked for required and valid values, duplicates inside the file (same phone,
    email, or same names with nothing telling them apart) and people already registered.
    """
    mapping = guess_mapping(table.headers) if mapping is None else {int(k): v for k, v in mapping.items() if v}
    plan = ImportPlan(table=table, mapping=mapping)
    plan.errors.extend(_mapping_errors(table, mapping))
    if plan.errors:
        return plan
    column_of = _column_of(plan)
    categories = CategoryIndex()
    seen = _SeenInFile(column_of)
    items = list(mapping.items())
    for number, cells in table.rows:
        values = {f: _strip_quote(cells[i]) if i < len(cells) else "" for i, f in items}
        clean, errors = clean_person_data(values, settings, categories=categories)
        row = PreparedRow(row=number, values=values, clean=clean)
        for key, messages in errors.items():
            column = column_of.get(key, str(FIELD_LABELS.get(key, key)))
            row.issues.extend(RowIssue(number, column, message) for message in messages)
        clean["name_key"] = name_key(clean.get("first_name"), clean.get("last_name"))
        seen.check(row)
        plan.rows.append(row)

    _match_directory(event, plan, _registered_ids(event), column_of)
    return plan


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
    """The rows read so far, to flag a row that repeats one above it (phone, email, or names)."""

    def __init__(self, column_of: dict[str, str]) -> None:
        self.column_of = column_of
        self.phone: dict[str, int] = {}
        self.email: dict[str, int] = {}
        self.name: dict[str, list[PreparedRow]] = {}

    def check(self, row: PreparedRow) -> None:
        """Add an issue to ``row`` for each earlier row it repeats, then remember it."""
        clean, number = row.clean, row.row
        phone, email, key = clean.get("phone"), clean.get("email"), clean.get("name_key")
        if phone and phone in self.phone:
            row.issues.append(RowIssue(number, self.column_of["phone"], _(
                "The same phone number is already on row %(other)d.", other=self.phone[phone])))
        elif phone:
            self.phone[phone] = number
        if email and email in self.email:
            row.issues.append(RowIssue(number, self.column_of["email"], _(
                "The same email address is already on row %(other)d.", other=self.email[email])))
        elif email:
            self.email[email] = number
        if not key:
            return
        for other in self.name.get(key, []):
            if _may_be_same(clean, other.clean):
                row.issues.append(RowIssue(number, self.column_of["last_name"], _(
                    "The same person seems to be on row %(other)d.", other=other.row)))
                break
        self.name.setdefault(key, []).append(row)


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
    """Reuse directory persons with the same phone or email (the import is an organizer's channel:
    ``registrations.Channel.IMPORT`` may match); refuse those already registered."""
    by_phone, by_email = directory_matches(Channel.IMPORT, (r.clean.get("phone") for r in plan.rows),
                                           (r.clean.get("email") for r in plan.rows))
    registered_names = {}
    if registered_ids:
        for pid, key, phone, email in db.session.execute(
                select(Person.id, Person.name_key, Person.phone, Person.email).join(Registration)
                .where(Registration.event_id == event.id)):
            registered_names.setdefault(key, []).append({"id": pid, "phone": phone, "email": email})
    for row in plan.rows:
        match = by_phone.get(row.clean.get("phone")) or by_email.get(row.clean.get("email"))
        if match:
            row.person_id = match
            if match in registered_ids:
                row.issues.append(RowIssue(row.row, column_of.get("phone") if row.clean.get("phone") in by_phone
                                           else column_of.get("email", ""),
                                           _("This person is already registered for the event."),
                                           from_database=True))
                continue
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
    db.session.execute(update(Event).where(Event.id == event.id).values(updated_at=Event.updated_at)
                       .execution_options(synchronize_session=False))


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
        raise ValidationError({"file": plan.messages()})
    if not dry_run:
        # The plan may have been made before another import committed: check again under the lock.
        lock_event_for_import(event)
        recheck_import(event, plan)
        if not plan.ok:
            db.session.rollback()  # let go of the lock
            raise ValidationError({"file": plan.messages()})
    reused_rows = [r for r in plan.rows if r.person_id]
    new_rows = [r for r in plan.rows if not r.person_id]
    summary = ImportSummary(rows=len(plan.rows), created=len(new_rows), reused=len(reused_rows), dry_run=dry_run,
                            ignored_columns=plan.ignored_columns)
    if dry_run:
        return summary
    try:
        new_ids: list[int] = []
        if new_rows:
            params = [{k: r.clean.get(k) for k in _PERSON_COLUMNS} for r in new_rows]
            for p in params:
                for k in _EMPTY_TEXT:
                    p[k] = p[k] or ""
                p["notes"] = ""
                p["origin"] = Channel.IMPORT.value
            new_ids = insert_persons(params)
        person_ids = new_ids + [r.person_id for r in reused_rows]
        if person_ids:
            db.session.execute(Registration.__table__.insert(), [
                {"event_id": event.id, "person_id": pid, "status": status, "source": "import",
                 "checkin_token": new_checkin_token(), "answer_token": new_answer_token(), "notes": ""}
                for pid in person_ids])
        record(actor, "registration.import", event, event_id=event.id, filename=filename, rows=summary.rows,
               created=summary.created, reused=summary.reused, status=status)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return summary


def import_file(event: Event, content: bytes, filename: str, *, mapping: dict[int, str] | None = None,
                settings: Settings, actor: Actor | None = None, dry_run: bool = False,
                status: str = "registered") -> ImportSummary:
    """Read, check and import a file in one go (the CLI); raises ValidationError listing every problem."""
    table = read_table(content, filename, settings=settings)
    plan = prepare_import(event, table, mapping, settings=settings)
    if not plan.ok:
        raise ValidationError({"file": plan.messages()})
    return run_import(event, plan, actor=actor, dry_run=dry_run, filename=filename, status=status)


__all__ = ["EXPORT_HEADERS", "FIELDS", "FIELD_LABELS", "HEADERS", "ImportPlan", "ImportSummary", "PreparedRow",
           "RowIssue", "Table", "guess_mapping", "import_file", "prepare_import", "read_table",
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
