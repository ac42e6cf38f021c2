"""Reach across a project: unique persons who attended at least one of its events.

A person is counted once however many events they came to (merged duplicates count as the
person they were merged into), and broken down the same way as an event's report.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from babel import dates as babel_dates
from sqlalchemy import select

from eventapp.audit.services import Actor, record
from eventapp.core.documents.words import translator
from eventapp.core.errors import NotFound
from eventapp.core.settings import Settings
from eventapp.events.models import Project
from eventapp.extensions import db
from eventapp.people.models import Person
from eventapp.registration.models import CONFIRMED_STATUSES
from eventapp.reports.attendance import Attendee, load_attendees
from eventapp.reports.services import (
    CountTable,
    _age_cells,
    _category_cells,
    _Cells,
    _shower,
)


@dataclass
class ProjectReach:
    """The reach of a project, as tables of counts."""

    project_id: int
    name: str
    funder: str
    language: str
    unique_reached: int
    summary: list[tuple[str, object]]
    per_event: CountTable
    tables: list[CountTable] = field(default_factory=list)


def get_project(project_id: int) -> Project:
    """The project with this id; raises NotFound."""
    project = db.session.get(Project, project_id)
    if project is None:
        from flask_babel import gettext

        raise NotFound(gettext("This project does not exist."))
    return project


def _canonical(person_ids: set[int]) -> dict[int, int]:
    """Each person id mapped to the person it was merged into (following chains)."""
    merged = dict(db.session.execute(select(Person.id, Person.merged_into_id)
                                     .where(Person.merged_into_id.is_not(None))).all())
    out = {}
    for pid in person_ids:
        seen, current = set(), pid
        while current in merged and current not in seen:
            seen.add(current)
            current = merged[current]
        out[pid] = current
    return out


def _per_event_cells(cells: _Cells, events: list, language: str):
    """Registered, attended and reached for the first time, per event and in total.

    Returns (rows, totals, the persons reached (one attendee each, at their first event), every attendee).
    """
    per_event_keys = []
    reached: dict[int, Attendee] = {}
    all_attendees: list[Attendee] = []
    for event in events:
        attendees = load_attendees(event, language)
        all_attendees += attendees
        came = [a for a in attendees if a.attended]
        canon = _canonical({a.person_id for a in came})
        new = 0
        for a in came:
            key = canon[a.person_id]
            if key not in reached:
                reached[key] = a
                new += 1
        registered = sum(1 for a in attendees if a.status in CONFIRMED_STATUSES)
        label = f"{event.title} ({babel_dates.format_date(event.start_date, format='medium', locale=language)})"
        per_event_keys.append((label, [cells.cell(("registered", event.id), registered),
                                       cells.cell(("attended", event.id), len(came)),
                                       cells.cell(("new", event.id), new)]))
    totals = [cells.cell(("registered",), sum(cells.values[k[0]] for _l, k in per_event_keys)),
              cells.cell(("attended",), sum(cells.values[k[1]] for _l, k in per_event_keys)),
              cells.cell(("N",), len(reached))]
    for c, total in enumerate(totals):  # a person reached is new at exactly one event
        cells.line(total, [keys[c] for _label, keys in per_event_keys])
    return per_event_keys, totals, list(reached.values()), all_attendees


def project_reach(project: Project, *, settings: Settings, language: str = "fr", external: bool = False,
                  threshold: int | None = None, age_bands=None) -> ProjectReach:
    """Unique persons reached by the project's events, by sex, age band and category.

    ``settings`` give the small-count threshold and the age bands (``threshold`` and
    ``age_bands`` override them).
    """
    _ = translator(language)
    threshold = threshold if threshold is not None else settings.small_count_threshold
    age_bands = age_bands if age_bands is not None else settings.age_bands
    events = sorted(project.events, key=lambda e: (e.start_date, e.id))
    cells = _Cells()
    per_event_keys, totals, people, all_attendees = _per_event_cells(cells, events, language)
    # The same breakdowns as an event's report, over the persons reached (the total is ("N",) too).
    _groups, cat_rows, total_row = _category_cells(cells, all_attendees, people, ("N",), language, _)
    age_rows = _age_cells(cells, people, age_bands, _)
    show = _shower(cells, external, threshold, language)

    def shown(rows):
        return [(label, [show(k) for k in keys]) for label, keys in rows]

    per_event = CountTable("per_event", _("Attendance per event"), _("Event"),
                           [_("People registered"), _("People who attended"), _("Reached for the first time")],
                           shown(per_event_keys + [(_("Total"), totals)]),
                           note=_("A person who came to several events is reached once, at the first."))
    sex_columns = [_("Women"), _("Men"), _("Sex not stated"), _("Total")]
    by_cat = CountTable("sex_category", _("Persons reached by category and sex"), _("Category"), sex_columns,
                        shown(cat_rows + [(_("Total"), total_row)]))
    by_age = CountTable("sex_age", _("Persons reached by age band and sex"), _("Age band"), sex_columns,
                        shown(age_rows + [(_("Total"), total_row)]))
    summary = [(_("Project"), project.name), (_("Events"), len(events)),
               (_("Unique persons reached"), show(("N",))),
               (_("Women reached"), show(("sex", "F"))),
               (_("Men reached"), show(("sex", "M")))]
    return ProjectReach(project_id=project.id, name=project.name, funder=project.funder, language=language,
                        unique_reached=len(people), summary=summary, per_event=per_event,
                        tables=[per_event, by_cat, by_age])


def export_reach(project: Project, *, settings: Settings, language: str = "fr", external: bool = False,
                 actor: Actor | None = None) -> tuple[bytes, str]:
    """The project's reach as XLSX; recorded in the audit log."""
    from eventapp.reports.documents.report_xlsx import tables_xlsx

    reach = project_reach(project, settings=settings, language=language, external=external)
    data = tables_xlsx(reach.name, reach.summary, reach.tables, language)
    record(actor, "reach.export", project, format="xlsx", external=external)
    db.session.commit()
    return data, f"project-{project.id}-reach.xlsx"
