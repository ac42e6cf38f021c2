"""The attendance report: the figures a funder asks for, as plain dataclasses.

Breakdowns by sex, age band, category and locality count attendees (people with at least one
valid check-in). When the report leaves the organisation (``external``), counts from 1 to
under the threshold are shown as "<5", so that nobody can be singled out in a small group, and
other counts are hidden with them wherever a total would give a small count away.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from babel import dates as babel_dates
from sqlalchemy import select

from eventapp.audit.services import Actor, record
from eventapp.core.documents.words import translator
from eventapp.core.labels import label_in
from eventapp.core.models import utcnow
from eventapp.core.settings import Settings
from eventapp.events.agenda import holders_in_order
from eventapp.events.models import Event
from eventapp.events.officials import role_in
from eventapp.events.services import venue_text
from eventapp.extensions import db
from eventapp.people.models import CONSENT_KINDS, CONSENT_STATES, Category, Consent
from eventapp.registration.models import CONFIRMED_STATUSES
from eventapp.reports.attendance import Attendee, load_attendees, local_time, logo_bytes, period_text
from eventapp.reports.suppression import Line, suppress

Value = int | str

SEX_COLUMNS = ("F", "M", "X")


@dataclass
class CountTable:
    """A table of counts: a label per row, a figure per column (a figure may be "<5")."""

    key: str  # short, stable name (the XLSX sheet is named by the title)
    title: str
    row_header: str
    columns: list[str]
    rows: list[tuple[str, list[Value]]]
    note: str = ""

    def value(self, row: str, column: str) -> Value | None:
        """The figure at a row and column label (None when absent)."""
        col = self.columns.index(column)
        for label, values in self.rows:
            if label == row:
                return values[col]
        return None


@dataclass
class EventHeader:
    """What documents print about the event."""

    title: str
    organizer: str
    partner: str
    venue: str
    period: str
    language: str
    timezone: str
    organizer_logo: bytes | None = None
    partner_logo: bytes | None = None


@dataclass
class AgendaLine:
    """An agenda item as held."""

    day: str
    time: str
    title: str
    kind: str
    officials: str


@dataclass
class OfficialLine:
    """An official of the event, in protocol order."""

    name: str
    function: str
    institution: str
    role: str


@dataclass
class AttendanceReport:
    """Everything the report shows; documents and pages render it as it is."""

    event: EventHeader
    generated_at: str
    external: bool
    threshold: int
    summary: list[tuple[str, Value]]
    funnel: CountTable
    by_sex_category: CountTable
    by_day_category: CountTable
    by_sex_age: CountTable
    by_locality: CountTable
    arrivals: CountTable
    consents: CountTable
    agenda: list[AgendaLine] = field(default_factory=list)
    officials: list[OfficialLine] = field(default_factory=list)
    arrivals_chart: list[tuple[str, int]] = field(default_factory=list)
    category_chart: list[tuple[str, list[int]]] = field(default_factory=list)
    sex_labels: list[str] = field(default_factory=list)
    attended: int = 0
    registered: int = 0

    @property
    def tables(self) -> list[CountTable]:
        """The tables in reading order."""
        return [self.funnel, self.by_sex_category, self.by_day_category, self.by_sex_age, self.by_locality,
                self.arrivals, self.consents]


def day_label(day: date, language: str) -> str:
    """A short day label for column headings (e.g. 'mer. 21 juin 2023')."""
    return babel_dates.format_date(day, format="medium", locale=language)


def _categories_for(attendees: list[Attendee]) -> list[tuple[str | None, str]]:
    """Active categories, and retired ones that people were put in, in display order."""
    used = {a.category_code for a in attendees}
    cats = db.session.scalars(select(Category).order_by(Category.sort_order, Category.code)).all()
    return [(c.code, c) for c in cats if c.active or c.code in used]  # type: ignore[misc]


def latest_consents(person_ids: set[int]) -> dict[tuple[int, str], str]:
    """The state (``CONSENT_STATES``) of the latest consent recorded per person and kind (the
    history is kept; the latest holds)."""
    latest: dict[tuple[int, str], tuple[datetime, int, str]] = {}
    if not person_ids:
        return {}
    ids = sorted(person_ids)
    for start in range(0, len(ids), 900):  # stay under SQLite's bound-parameter limit
        chunk = ids[start:start + 900]
        for c in db.session.execute(select(Consent.person_id, Consent.kind, Consent.given, Consent.withdrawn,
                                           Consent.recorded_at, Consent.id)
                                    .where(Consent.person_id.in_(chunk))):
            key = (c.person_id, c.kind)
            stamp = (c.recorded_at, c.id)
            if key not in latest or stamp > latest[key][:2]:
                state = "given" if c.given else "withdrawn" if c.withdrawn else "not_given"
                latest[key] = (c.recorded_at, c.id, state)
    return {k: v[2] for k, v in latest.items()}


class _Cells:
    """The figures of a report as cells (one key per quantity) and the lines that tie them.

    A figure printed in several tables (the women who attended: in the summary, under every
    breakdown by sex) is one cell, so that it is hidden everywhere or nowhere.
    """

    def __init__(self) -> None:
        self.values: dict = {}
        self.lines: list[Line] = []

    def cell(self, key, value: int):
        if self.values.setdefault(key, value) != value:
            raise ValueError(f"two values for the report cell {key!r}")
        return key

    def line(self, total, members) -> None:
        self.lines.append(Line(total, tuple(members)))


def hidden_mark(language: str) -> str:
    """What an external report shows for a count hidden so that a small one cannot be worked out."""
    return translator(language)("[c]")


def _shower(cells: _Cells, external: bool, threshold: int, language: str):
    """``show(key)``: the figure, or "<5" for a small count, or the hidden mark for a complement."""
    hidden = suppress(cells.values, cells.lines, threshold) if external else frozenset()
    mark = hidden_mark(language)

    def show(key) -> Value:
        value = cells.values[key]
        if key not in hidden:
            return value
        return f"<{threshold}" if 0 < value < threshold else mark

    return show


def _sex_rows(cells: _Cells, kind: str, groups: list[tuple[str, object, list[Attendee]]]) -> list[tuple[str, list]]:
    """Rows × sex (and total) as cell keys, with their lines; the total row is shared by every such table."""
    rows = []
    for label, code, people in groups:
        counts = Counter(a.sex if a.sex in SEX_COLUMNS else "X" for a in people)
        keys = [cells.cell((kind, code, s), counts[s]) for s in SEX_COLUMNS]
        total = cells.cell((kind, code), len(people))
        cells.line(total, keys)
        rows.append((label, keys + [total]))
    for i, s in enumerate(SEX_COLUMNS):
        cells.line(("sex", s), [keys[i] for _label, keys in rows])
    cells.line(("N",), [keys[-1] for _label, keys in rows])
    return rows


@dataclass
class _Funnel:
    """The cell keys of who was invited, registered and present (overall and per day)."""

    invited: tuple
    accepted: tuple
    registered: tuple
    registered_keys: list  # per day: those registered for that day
    declined: tuple
    cancelled: tuple
    everyone: tuple
    day_keys: list
    absent_keys: list
    absent_all: tuple


def _funnel_cells(cells: _Cells, attendees: list[Attendee], registered: list[Attendee], days: list[date]) -> _Funnel:
    came = [a for a in attendees if a.attended]

    def with_status(status: str) -> int:
        return sum(1 for a in attendees if a.status == status)

    # In this order: a day's cells refer to the overall ones (see _registered_on).
    overall = dict(
        invited=cells.cell(("invited",), sum(1 for a in attendees if a.invited)),
        accepted=cells.cell(("accepted",), with_status("accepted")),
        registered=cells.cell(("registered",), len(registered)),
        declined=cells.cell(("declined",), with_status("declined")),
        cancelled=cells.cell(("cancelled",), with_status("cancelled")),
        everyone=cells.cell(("N",), len(came)),
    )
    registered_keys, day_keys, absent_keys = _per_day_cells(cells, attendees, registered, days)
    funnel = _Funnel(**overall, registered_keys=registered_keys, day_keys=day_keys, absent_keys=absent_keys,
                     absent_all=cells.cell(("absent",), sum(1 for a in registered if not a.attended)))
    if len(days) == 1:  # present on the day is present at all
        cells.line(funnel.everyone, funnel.day_keys)
        cells.line(funnel.absent_all, funnel.absent_keys)
    return funnel


def _per_day_cells(cells: _Cells, attendees: list[Attendee], registered: list[Attendee], days: list[date]):
    """Per day, the cells of: who was registered for it, who came, who was absent."""
    registered_keys = [_registered_on(cells, registered, d) for d in days]
    day_keys = [cells.cell(("day", d), sum(1 for a in attendees if d in a.arrivals)) for d in days]
    # Absent on a day: registered for that day and not there (not someone never meant to come).
    absent_keys = [cells.cell(("absent", d), sum(1 for a in registered if a.registered_for(d) and d not in a.arrivals))
                   for d in days]
    return registered_keys, day_keys, absent_keys


def _registered_on(cells: _Cells, registered: list[Attendee], day: date):
    """The cell of those registered for ``day``: the overall one when it is everyone (one figure,
    one cell, hidden everywhere or nowhere)."""
    n = sum(1 for a in registered if a.registered_for(day))
    return ("registered",) if n == len(registered) else cells.cell(("registered", day), n)


def _category_cells(cells: _Cells, attendees: list[Attendee], came: list[Attendee], everyone, language: str, _):
    """By sex and category (retired categories still appear under their label): (groups, rows, total row)."""
    groups = [(cat.label(language), code, [a for a in came if a.category_code == code])
              for code, cat in _categories_for(attendees)]
    uncategorised = [a for a in came if a.category_code is None]
    if uncategorised:
        groups.append((_("No category"), None, uncategorised))
    cat_rows = _sex_rows(cells, "category", groups)
    total_row = [("sex", s) for s in SEX_COLUMNS] + [everyone]
    for s in SEX_COLUMNS:
        cells.cell(("sex", s), sum(1 for a in came if (a.sex if a.sex in SEX_COLUMNS else "X") == s))
    cells.line(everyone, total_row[:3])
    return groups, cat_rows, total_row


def _day_category_cells(cells: _Cells, groups, days: list[date], day_keys: list) -> list[tuple[str, list]]:
    day_rows = []
    for label, code, people in groups:
        keys = [cells.cell(("category_day", code, d), sum(1 for a in people if d in a.arrivals)) for d in days]
        if len(days) == 1:
            cells.line(("category", code), keys)
        day_rows.append((label, keys + [("category", code)]))
    for i, _d in enumerate(days):
        cells.line(day_keys[i], [keys[i] for _label, keys in day_rows])
    return day_rows


def _age_cells(cells: _Cells, came: list[Attendee], age_bands, _) -> list[tuple[str, list]]:
    band_codes = [b[0] for b in age_bands]
    age_groups = [(code, code, [a for a in came if a.age_band == code]) for code in band_codes]
    unknown_age = [a for a in came if a.age_band not in band_codes]
    if unknown_age:
        age_groups.append((_("Age not stated"), None, unknown_age))
    return _sex_rows(cells, "age", age_groups)


def _locality_cells(cells: _Cells, came: list[Attendee], _) -> list[tuple[str, list]]:
    localities: dict[str, list[Attendee]] = defaultdict(list)
    for a in came:
        localities[a.locality or _("Locality not stated")].append(a)
    loc_groups = [(label, label, people) for label, people in
                  sorted(localities.items(), key=lambda kv: (-len(kv[1]), kv[0].casefold()))]
    return _sex_rows(cells, "locality", loc_groups)


def _arrival_cells(cells: _Cells, came: list[Attendee], days: list[date], day_keys: list, timezone: str):
    """Arrivals per hour, in the event's time zone: (hours, rows, the total's key)."""
    per_hour: dict[int, Counter] = defaultdict(Counter)
    for a in came:
        for day, at in a.arrivals.items():
            per_hour[local_time(at, timezone).hour][day] += 1
    hours = range(min(per_hour), max(per_hour) + 1) if per_hour else range(0)
    hour_rows = []
    for h in hours:
        keys = [cells.cell(("hour_day", h, d), per_hour[h][d]) for d in days]
        total = cells.cell(("hour", h), sum(per_hour[h][d] for d in days))
        cells.line(total, keys)
        hour_rows.append((f"{h:02d}:00–{h:02d}:59", keys + [total]))
    arrivals_total = cells.cell(("arrivals",), sum(cells.values[k] for k in day_keys))
    cells.line(arrivals_total, day_keys)
    if hour_rows:
        cells.line(arrivals_total, [keys[-1] for _label, keys in hour_rows])
        for i, _d in enumerate(days):
            cells.line(day_keys[i], [keys[i] for _label, keys in hour_rows])
    return hours, hour_rows, arrivals_total


def _consent_cells(cells: _Cells, came: list[Attendee], everyone, language: str) -> list[tuple[str, list]]:
    """Consents among attendees: the latest word of each person for each kind."""
    consents = latest_consents({a.person_id for a in came})
    consent_rows = []
    for kind in CONSENT_KINDS:
        counts = Counter(consents.get((a.person_id, kind), "none") for a in came)
        keys = [cells.cell(("consent", kind, state), counts[state]) for state in CONSENT_STATES + ("none",)]
        cells.line(everyone, keys)
        consent_rows.append((label_in(language, "consent", kind), keys))
    return consent_rows


def _funnel_table(table, funnel: _Funnel, columns: list[str], _) -> CountTable:
    n = len(columns)
    return table("attendance", _("Invited, registered and present"), _("Figure"), columns, [
        (_("People invited"), [funnel.invited] * n),
        (_("People who accepted"), [funnel.accepted] * n),
        (_("People registered"), funnel.registered_keys + [funnel.registered]),
        (_("People who attended"), funnel.day_keys + [funnel.everyone]),
        (_("People absent"), funnel.absent_keys + [funnel.absent_all]),
        (_("People who declined"), [funnel.declined] * n),
        (_("Registrations cancelled"), [funnel.cancelled] * n),
    ], note=_("Registered: accepted or registered places (per day: those registered for that day). "
              "Absent: registered for the day but not checked in. Overall: present on at least one day."))


def _summary(show, funnel: _Funnel, days: list[date], language: str, _) -> list[tuple[str, Value]]:
    summary: list[tuple[str, Value]] = [
        (_("People invited"), show(funnel.invited)), (_("People who accepted"), show(funnel.accepted)),
        (_("People registered"), show(funnel.registered)), (_("People who attended"), show(funnel.everyone)),
        (_("People absent"), show(funnel.absent_all)),
        (_("Women who attended"), show(("sex", "F"))), (_("Men who attended"), show(("sex", "M"))),
    ]
    for d, key in zip(days, funnel.day_keys, strict=True):
        summary.append((_("Attended on %(day)s") % {"day": day_label(d, language)}, show(key)))
    return summary


def _event_header(event: Event, language: str, upload_dir: Path | None, with_logos: bool) -> EventHeader:
    organizer_logo, partner_logo = logo_bytes(event, upload_dir) if with_logos else (None, None)
    return EventHeader(title=event.title, organizer=event.organizer, partner=event.partner, venue=venue_text(event),
                       period=period_text(event, language), language=language, timezone=event.timezone,
                       organizer_logo=organizer_logo, partner_logo=partner_logo)


def _programme_lines(event: Event, language: str) -> tuple[list[AgendaLine], list[OfficialLine]]:
    agenda = [AgendaLine(day=day_label(i.day, language), time=f"{i.start_time:%H:%M}–{i.end_time:%H:%M}", title=i.title,
                         kind=label_in(language, "agenda_kind", i.kind),
                         officials=", ".join(f"{h.official.display_name} ({role_in(language, h.role, h.official)})"
                                             for h in holders_in_order(i)))
              for i in event.agenda_items]
    officials = [OfficialLine(name=o.display_name, function=o.function, institution=o.institution,
                              role=role_in(language, o.role, o)) for o in event.officials]
    return agenda, officials


def build_report(event: Event, *, settings: Settings, external: bool = False, threshold: int | None = None,
                 age_bands=None, with_logos: bool = True,
                 language: str | None = None) -> AttendanceReport:
    """Compute the attendance report of an event (a correct empty report when nobody came).

    ``settings`` give the small-count threshold, the age bands and the uploads folder (logos);
    ``threshold`` and ``age_bands`` override the first two. Words are in ``language``: the
    event's (documents) unless told (the page, in the reader's).
    ``external``: every table is protected by complementary suppression (services.suppression):
    small counts show "<5", and the counts hidden with them so that no small count can be
    worked out from the totals show :func:`hidden_mark`.
    """
    language = language or event.language
    _ = translator(language)
    threshold = threshold if threshold is not None else settings.small_count_threshold
    age_bands = age_bands if age_bands is not None else settings.age_bands
    attendees = load_attendees(event, language)
    came = [a for a in attendees if a.attended]
    registered = [a for a in attendees if a.status in CONFIRMED_STATUSES]
    days = event.days

    # Every figure first, as cells tied by lines (the order of these steps is the cells' order).
    cells = _Cells()
    funnel = _funnel_cells(cells, attendees, registered, days)
    everyone, day_keys = funnel.everyone, funnel.day_keys
    groups, cat_rows, total_row = _category_cells(cells, attendees, came, everyone, language, _)
    day_rows = _day_category_cells(cells, groups, days, day_keys)
    age_rows = _age_cells(cells, came, age_bands, _)
    loc_rows = _locality_cells(cells, came, _)
    hours, hour_rows, arrivals_total = _arrival_cells(cells, came, days, day_keys, event.timezone)
    consent_rows = _consent_cells(cells, came, everyone, language)

    # Then the tables, each figure shown or hidden as the suppression decided.
    show = _shower(cells, external, threshold, language)

    def table(key, title, row_header, columns, rows, note=""):
        return CountTable(key, title, row_header, columns, [(label, [show(k) for k in keys]) for label, keys in rows],
                          note=note)

    day_columns = [day_label(d, language) for d in days]
    sex_columns = [_("Women"), _("Men"), _("Sex not stated"), _("Total")]
    funnel_table = _funnel_table(table, funnel, day_columns + [_("Overall")], _)
    by_cat = table("sex_category", _("Attendance by category and sex"), _("Category"), sex_columns,
                   cat_rows + [(_("Total"), total_row)])
    by_day = table("day_category", _("Attendance per day by category"), _("Category"), day_columns + [_("Overall")],
                   day_rows + [(_("Total"), day_keys + [everyone])])
    by_age = table("sex_age", _("Attendance by age band and sex"), _("Age band"), sex_columns,
                   age_rows + [(_("Total"), total_row)])
    by_loc = table("locality", _("Attendance by locality"), _("Locality"), sex_columns,
                   loc_rows + [(_("Total"), total_row)])
    arrivals = table("arrivals", _("Arrivals per hour"), _("Hour"), day_columns + [_("Total")],
                     hour_rows + [(_("Total"), day_keys + [arrivals_total])],
                     note=_("Times in the event's time zone (%(tz)s).") % {"tz": event.timezone})
    consent_columns = [label_in(language, "consent_state", state) for state in CONSENT_STATES] + [_("Not recorded")]
    consent_table = table("consents", _("Consents of the attendees"), _("Consent"), consent_columns, consent_rows)
    chart = [(f"{h:02d}h", v if isinstance(v := show(("hour", h)), int) else 0) for h in hours]
    category_chart = [(label, [v if isinstance(v, int) else 0 for v in values[:3]])
                      for label, values in by_cat.rows[:-1] if values[3] != 0]

    agenda, officials = _programme_lines(event, language)
    generated = babel_dates.format_datetime(local_time(utcnow(), event.timezone), format="medium", locale=language)
    return AttendanceReport(
        event=_event_header(event, language, settings.upload_dir, with_logos), generated_at=generated,
        external=external,
        threshold=threshold, summary=_summary(show, funnel, days, language, _),
        funnel=funnel_table, by_sex_category=by_cat, by_day_category=by_day, by_sex_age=by_age, by_locality=by_loc,
        arrivals=arrivals, consents=consent_table, agenda=agenda, officials=officials, arrivals_chart=chart,
        category_chart=category_chart, sex_labels=by_cat.columns[:3], attended=len(came),
        registered=len(registered),
    )


def export_report(event: Event, fmt: str, *, settings: Settings, actor: Actor | None,
                  external: bool = False) -> tuple[bytes, str]:
    """The report as PDF or XLSX bytes and a file name; the export is recorded in the audit log."""
    from eventapp.core.errors import ValidationError

    if fmt not in ("pdf", "xlsx"):
        raise ValidationError({"format": [translator(event.language)("The report is made as PDF or XLSX.")]})
    report = build_report(event, settings=settings, external=external, with_logos=(fmt == "pdf"))
    if fmt == "pdf":
        from eventapp.reports.documents.report_pdf import report_pdf

        data = report_pdf(report)
    else:
        from eventapp.reports.documents.report_xlsx import report_xlsx

        data = report_xlsx(report)
    record(actor, "report.export", event, event_id=event.id, format=fmt, external=external)
    db.session.commit()
    return data, f"{event.slug}-report.{fmt}"
