"""Reach across a project: a person who came to two events is counted once."""
from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook

from eventapp.core import web
from eventapp.events.models import Project
from eventapp.extensions import db
from eventapp.reports.reach import export_reach, project_reach
from tests import reports_fixtures as kf
from tests.factories import make_event, make_person, make_registration


def _came(event, person, day=None):
    reg = make_registration(event, person)
    day = day or event.start_date
    kf.check_in(reg, day, kf.at(day, 9, 0))
    db.session.commit()
    return reg


def make_project():
    project = Project(name="Dialogue civilo-militaire 2023-2024", funder="Coopération suisse")
    db.session.add(project)
    db.session.commit()
    first = make_event(slug="bamako", title="Atelier de Bamako", start_date=date(2023, 6, 21),
                       end_date=date(2023, 6, 21), project=project)
    second = make_event(slug="mopti", title="Table ronde de Mopti", start_date=date(2023, 9, 5),
                        end_date=date(2023, 9, 5), project=project)
    outside = make_event(slug="autre", title="Hors projet")
    awa = make_person("Awa", "Traoré", sex="F", age_band="25-35", category="civil_society")
    moussa = make_person("Moussa", "N'Diaye", sex="M", age_band="36-50", category="fds")
    fatou = make_person("Fatoumata", "Maïga", sex="F", age_band="18-24", category="civilian")
    absent = make_person("Seydou", "Keïta", sex="M", category="press")
    _came(first, awa)
    _came(second, awa)  # the same person at both events
    _came(first, moussa)
    _came(second, fatou)
    make_registration(second, absent)  # registered, never came
    _came(outside, make_person("Hors", "Projet", sex="M"))
    return project


def test_unique_persons_counted_once(app):
    project = make_project()
    reach = project_reach(project, settings=web.settings())
    assert reach.unique_reached == 3
    assert reach.per_event.value("Total", "Personnes présentes") == 4  # attendances
    assert reach.per_event.value("Total", "Touchées pour la première fois") == 3
    first_label = reach.per_event.rows[0][0]
    assert first_label.startswith("Atelier de Bamako")
    assert reach.per_event.rows[1][1] == [3, 2, 1]  # Mopti: 3 registered, 2 came, 1 of them new
    by_cat = reach.tables[1]
    assert by_cat.value("Société civile", "Femmes") == 1
    assert by_cat.value("Total", "Total") == 3
    assert by_cat.value("Total", "Femmes") == 2
    by_age = reach.tables[2]
    assert by_age.value("25-35", "Total") == 1


def test_merged_duplicate_counts_as_one(app):
    project = make_project()
    awa = db.session.scalar(db.select(kf.Person).where(kf.Person.first_name == "Awa"))
    third = make_event(slug="segou", title="Focus group de Ségou", start_date=date(2023, 10, 1),
                       end_date=date(2023, 10, 1), project=project)
    duplicate = make_person("Awa", "Traore", sex="F", merged_into_id=awa.id)
    _came(third, duplicate)
    assert project_reach(project, settings=web.settings()).unique_reached == 3


def test_reach_xlsx(app):
    project = make_project()
    data, name = export_reach(project, settings=web.settings())
    wb = load_workbook(io.BytesIO(data))
    summary = {r[0]: r[1] for r in wb.worksheets[0].iter_rows(values_only=True) if r and r[0]}
    assert summary["Personnes uniques touchées"] == 3
    assert summary["Femmes touchées"] == 2


def test_project_without_events(app):
    project = Project(name="Vide")
    db.session.add(project)
    db.session.commit()
    reach = project_reach(project, settings=web.settings())
    assert reach.unique_reached == 0
    assert export_reach(project, settings=web.settings())[0]
