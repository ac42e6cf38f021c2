"""Issue 13, items 1, 3 and 4: a French participants file as people make it.

Age bands that are not the configured ones, categories outside the defaults, a phone shared by
a husband and his wife, and columns no field has: each unknown value is told once with its rows
and what its column accepts, the organizer maps it (CLI ``--map``, or the preview page) or makes
a category of it, and the file is imported whole.
"""
from __future__ import annotations

import html
import io
import re

from sqlalchemy import func, select

from eventapp.audit.models import AuditEntry
from eventapp.core import web
from eventapp.extensions import db
from eventapp.people import imports
from eventapp.people.models import Category, Person
from eventapp.registration.models import Registration
from tests import factories
from tests.people_fixtures import xlsx

HEADERS = ["N°", "Nom", "Prénom", "Sexe", "Tranche d'âge", "Catégorie", "Structure", "Téléphone", "Signature"]
LEADERS = "Leaders religieux/coutumiers"
#: (last name, first name, sex, age band or age, category, organisation, phone): 20 rows, as received.
PEOPLE = [
    ("Traoré", "Moussa", "H", "35-44", LEADERS, "Mosquée de Sabalibougou", 76123456),
    ("Traoré", "Awa", "F", "25-34", "Femmes", "CAFO", 76123456),  # her husband's phone
    ("Maïga", "Aïssata", "F", "25-34", "Jeunes", "Conseil national de la jeunesse", 66000001),
    ("N'Diaye", "Ousmane", "H", "45-54", "Médias", "ORTM", 66000002),
    ("Diarra", "Bakary", "H", "55+", LEADERS, "", None),
    ("Keïta", "Mariam", "F", 29, "Femmes", "", None),  # an age in years
    ("Coulibaly", "Adama", "H", "35-44", "FDS", "Gendarmerie", None),
    ("Sidibé", "Kadia", "F", "45-54", "Femmes", "", None),
    ("Touré", "Ali", "H", "25-34", "Jeunes", "", None),
    ("Cissé", "Binta", "F", "55+", "Médias", "", None),
    ("Sangaré", "Oumar", "H", 61, LEADERS, "", None),
    ("Dembélé", "Fatoumata", "F", "35-44", "Femmes", "", None),
    ("Konaté", "Seydou", "H", "25-34", "Jeunes", "", None),
    ("Sow", "Hawa", "F", "45-54", "Médias", "", None),
    ("Doumbia", "Kadiatou", "F", "55+", "Femmes", "", None),
    ("Diallo", "Mamadou", "H", "35-44", "FDS", "", None),
    ("Kanté", "Rokia", "F", "25-34", "Jeunes", "", None),
    ("Samaké", "Issa", "H", "45-54", "Société civile", "", None),
    ("Guindo", "Aminata", "F", "35-44", "Femmes", "", None),
    ("Tangara", "Boubacar", "H", "25-34", "Médias", "", None),
]
FIRST_ROW = 4  # a title, a blank row and the headers come first

MAPS = ["age_band:25-34=25-35", "age_band:35-44=36-50", "age_band:45-54=36-50", "age_band:55+=51-64",
        "category:Femmes=+new", "category:Jeunes=+new", "category:Médias=Presse",  # a code given by its label
        "category:leaders religieux/COUTUMIERS=traditional"]  # a value matched without regard to case


def workbook() -> bytes:
    """The 20-row Excel file of the issue."""
    rows = [HEADERS] + [[n, *p[:6], p[6], ""] for n, p in enumerate(PEOPLE, start=1)]
    return xlsx(rows, title_row="Liste des participants — atelier de Mopti, 3 juin 2023")


def rows_of(band_or_category) -> list[int]:
    """The file's row numbers of the people with this age band or category."""
    return [FIRST_ROW + i for i, p in enumerate(PEOPLE) if band_or_category in (p[3], p[4])]


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def plan_of(event, value_map=None) -> imports.ImportPlan:
    table = imports.read_table(workbook(), "liste.xlsx", settings=web.settings())
    return imports.prepare_import(event, table, settings=web.settings(), value_map=value_map)


# --- the plan --------------------------------------------------------------------------------


def test_each_unknown_value_is_listed_once_with_its_rows_and_the_nearest_band(app):
    event = factories.make_event()
    plan = plan_of(event)
    assert not plan.ok
    found = {(v.field, v.value): (v.rows, v.suggestion) for v in plan.unknown_values}
    assert found == {
        ("age_band", "35-44"): (rows_of("35-44"), "36-50"),
        ("category", LEADERS): (rows_of(LEADERS), None),
        ("age_band", "25-34"): (rows_of("25-34"), "25-35"),  # inside 25-35
        ("category", "Femmes"): (rows_of("Femmes"), None),
        ("category", "Jeunes"): (rows_of("Jeunes"), None),
        ("age_band", "45-54"): (rows_of("45-54"), "36-50"),  # straddles 36-50 and 51-64: its middle is 49
        ("category", "Médias"): (rows_of("Médias"), None),
        ("age_band", "55+"): (rows_of("55+"), "51-64"),
    }
    # Ages in years are still put in their band; known values are not listed.
    by_name = {r.clean["first_name"]: r for r in plan.rows}
    assert by_name["Mariam"].clean["age_band"] == "25-35" and by_name["Oumar"].clean["age_band"] == "51-64"
    assert by_name["Mariam"].issues and all(i.unknown_value for i in by_name["Mariam"].issues)  # Femmes
    assert by_name["Adama"].clean["category_id"] == factories.category("fds").id
    messages = plan.messages()
    # One sentence per value (not one per row), then what each column accepts.
    assert len(messages) == 8 + 2
    assert "Rows 5, 6, 12, 16, 20, 23, column “Tranche d'âge”: unknown value “25-34” (6 rows)." in messages
    assert "Accepted values for “Tranche d'âge”: 0-17, 18-24, 25-35, 36-50, 51-64, 65+, or an age in years." \
        in messages
    accepted = next(m for m in messages if m.startswith("Accepted values for “Catégorie”"))
    assert "fds (Defence and security forces)" in accepted and "traditional (Traditional and religious leaders)" \
        in accepted
    assert count(Person) == 0 and count(Registration) == 0


def test_a_shared_phone_is_a_warning_with_both_rows(app):
    plan = plan_of(factories.make_event(), imports.parse_value_maps(MAPS))
    assert plan.ok, plan.messages()
    assert [str(w) for w in plan.warnings] == [
        "Row 5, column “Téléphone”: The phone number is also on row 4: both rows are imported, as two people "
        "who share it."]
    assert plan.ignored_columns == ["N°", "Signature"]


def test_a_retired_category_is_not_offered_and_a_merged_one_leads_to_the_kept_one(app):
    press, partner = factories.category("press"), factories.category("partner")
    press.active = False
    partner.active, partner.merged_into_id = False, factories.category("civil_society").id
    db.session.commit()
    table = imports.read_table(xlsx([["Nom", "Catégorie"], ["Traoré", "Presse"], ["Maïga", "Partenaires"]]),
                               "x.xlsx", settings=web.settings())
    plan = imports.prepare_import(factories.make_event(), table, settings=web.settings())
    assert [(v.value, v.rows) for v in plan.unknown_values] == [("Presse", [2])]
    assert plan.rows[1].clean["category_id"] == factories.category("civil_society").id
    assert "press (" not in plan.accepted_message("category")


def test_a_value_map_with_a_code_that_is_none_is_refused_by_name(app):
    value_map = imports.parse_value_maps(["sex:Homme=Q", "category:Jeunes=martians", "sex:hom=m"])
    table = imports.read_table(xlsx([["Nom", "Sexe"], ["Traoré", "hom"]]), "x.xlsx", settings=web.settings())
    plan = imports.prepare_import(factories.make_event(), table, settings=web.settings(), value_map=value_map)
    assert plan.rows[0].clean["sex"] == "M"  # "m" is the code M
    assert "“Q” is not a value of the field “Sex” (accepted: F, M, X)." in plan.errors
    assert any("“martians” is not a value of the field “Category”" in e for e in plan.errors)


# --- the command line ------------------------------------------------------------------------


def write_file(tmp_path) -> str:
    path = tmp_path / "liste Mopti.xlsx"
    path.write_bytes(workbook())
    return str(path)


def test_cli_names_the_unknown_values_what_is_accepted_and_how_to_map(app, runner, tmp_path):
    factories.make_event(slug="mopti-2023")
    result = runner.invoke(args=["participants", "import", "mopti-2023", write_file(tmp_path)])
    assert result.exit_code != 0
    out = result.output
    assert "Rows 5, 6, 12, 16, 20, 23, column “Tranche d'âge”: unknown value “25-34” (6 rows)." in out
    medias = ", ".join(str(r) for r in rows_of("Médias"))
    assert f"Rows {medias}, column “Catégorie”: unknown value “Médias” (4 rows)." in out
    assert out.count("unknown value “Femmes”") == 1  # once, not once per row
    assert "Accepted values for “Catégorie”: fds (Defence and security forces)" in out
    assert "Give each unknown value a code with --map FIELD:VALUE=CODE" in out
    assert "--map age_band:25-34=25-35" in out and "--map age_band:55+=51-64" in out
    assert "Columns ignored: N°, Signature" in out and "nothing imported" in out
    assert count(Person) == 0 and count(Registration) == 0


def test_cli_map_imports_every_row_and_makes_the_categories_asked(app, runner, tmp_path):
    event = factories.make_event(slug="mopti-2023")
    args = ["participants", "import", "mopti-2023", write_file(tmp_path)]
    for spec in MAPS:
        args += ["--map", spec]
    dry = runner.invoke(args=args + ["--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "20 participants would be imported" in dry.output and "Categories to be made: Femmes, Jeunes" in dry.output
    assert db.session.scalar(select(Category).where(Category.label_fr == "Jeunes")) is None
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "20 participants imported into mopti-2023 (20 new in the directory, 0 already known)" in result.output
    assert "Categories made: Femmes, Jeunes" in result.output
    assert "Warning: Row 5, column “Téléphone”: The phone number is also on row 4" in result.output
    assert "Columns ignored: N°, Signature" in result.output
    persons = {p.first_name: p for p in db.session.scalars(select(Person))}
    assert len(persons) == 20 and len(event.registrations) == 20
    femmes = db.session.scalar(select(Category).where(Category.code == "femmes"))
    assert (femmes.label_fr, femmes.label_en, femmes.active) == ("Femmes", "Femmes", True)
    assert persons["Awa"].category_id == femmes.id and persons["Rokia"].category.code == "jeunes"
    assert persons["Ousmane"].last_name == "N'Diaye" and persons["Ousmane"].category.code == "press"
    assert persons["Moussa"].category.code == "traditional" and persons["Moussa"].age_band == "36-50"
    assert persons["Aïssata"].last_name == "Maïga" and persons["Aïssata"].age_band == "25-35"
    assert persons["Bakary"].age_band == "51-64" and persons["Mariam"].age_band == "25-35"
    # The husband and the wife who share a phone are two people.
    assert persons["Moussa"].id != persons["Awa"].id and persons["Moussa"].phone == persons["Awa"].phone
    made = db.session.scalars(select(AuditEntry.details).where(AuditEntry.action == "category.create")).all()
    assert len(made) == 2 and all('"source": "import"' in d for d in made)
    # The same file again into the same event: refused row by row, no category made twice.
    again = runner.invoke(args=args)
    assert again.exit_code != 0 and "already registered" in again.output
    assert db.session.scalar(select(func.count()).select_from(Category).where(Category.code == "femmes")) == 1


def test_a_second_import_matches_the_husband_and_the_wife_each_to_their_own_person(app, runner, tmp_path):
    factories.make_event(slug="mopti-2023")
    path = write_file(tmp_path)
    maps = [a for spec in MAPS for a in ("--map", spec)]
    assert runner.invoke(args=["participants", "import", "mopti-2023", path, *maps]).exit_code == 0
    husband, wife = (db.session.scalar(select(Person.id).where(Person.first_name == n)) for n in ("Moussa", "Awa"))
    other = factories.make_event(slug="bamako-2023")
    # Femmes and Jeunes are categories now: only the other values need a code.
    maps = [a for spec in MAPS if "+new" not in spec for a in ("--map", spec)]
    result = runner.invoke(args=["participants", "import", "bamako-2023", path, *maps])
    assert result.exit_code == 0, result.output
    assert "(16 new in the directory, 4 already known)" in result.output  # the four with a phone
    registered = {r.person.first_name: r.person_id for r in other.registrations}
    assert registered["Moussa"] == husband and registered["Awa"] == wife


def test_cli_bad_maps_are_refused_with_the_form_to_use(app, runner, tmp_path):
    factories.make_event(slug="mopti-2023")
    path = write_file(tmp_path)
    result = runner.invoke(args=["participants", "import", "mopti-2023", path, "--map", "age_band25-34",
                                 "--map", "colour:Jeunes=red"])
    assert result.exit_code != 0
    assert "“age_band25-34”: write FIELD:VALUE=CODE, FIELD being one of sex, age_band, category." in result.output
    assert "“colour:Jeunes=red”: write FIELD:VALUE=CODE" in result.output
    result = runner.invoke(args=["participants", "import", "mopti-2023", path, "--map", "age_band:25-34=30-40"])
    assert result.exit_code != 0 and "“30-40” is not a value of the field “Age band”" in result.output
    assert count(Person) == 0


def test_cli_says_which_columns_it_ignored_also_when_it_refuses(app, runner, tmp_path):
    factories.make_event(slug="mopti-2023")
    path = tmp_path / "liste.xlsx"
    path.write_bytes(xlsx([["Nom", "Prénom", "Signature", "Observations", "Téléphone"],
                           ["Traoré", "Awa", "", "vient de Mopti", "999"]]))
    result = runner.invoke(args=["participants", "import", "mopti-2023", str(path)])
    assert result.exit_code != 0
    assert "Columns ignored: Signature, Observations (no field has these headers)" in result.output
    assert "Row 2, column “Téléphone”: Invalid phone number “999”." in result.output


# --- the preview page ------------------------------------------------------------------------


def _value_rows(page: str) -> dict[tuple[str, str], int]:
    """{(field, value): n} of the preview's values to match."""
    fields = dict(re.findall(r'name="vm-(\d+)-field" value="([^"]*)"', page))
    values = dict(re.findall(r'name="vm-(\d+)-value" value="([^"]*)"', page))
    return {(fields[n], html.unescape(values[n])): int(n) for n in fields}


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)


def test_preview_lists_each_unknown_value_once_and_the_organizer_maps_or_makes_it(app, client, login):
    login("organizer")
    app.config["WTF_CSRF_ENABLED"] = True
    event = factories.make_event()
    page = client.get(f"/events/{event.slug}/import").get_data(as_text=True)
    response = client.post(f"/events/{event.slug}/import", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(workbook()), "liste.xlsx"), "csrf_token": _token(page)})
    assert response.status_code == 302
    preview = response.headers["Location"]
    page = client.get(preview).get_data(as_text=True)
    assert "Valeurs à faire correspondre" in page
    values = _value_rows(page)
    assert len(values) == 8 and ("category", LEADERS) in values and ("age_band", "25-34") in values
    assert "6 lignes" in page and "Nouvelle catégorie «\u00a0Jeunes\u00a0»" in page
    assert "Valeurs acceptées pour «\u00a0Tranche d&#39;âge\u00a0»\u00a0: 0-17, 18-24" in page
    # The nearest band is suggested, chosen already; the organizer checks and applies.
    n = values[("age_band", "45-54")]
    select_45 = re.search(rf'name="vm-{n}-code".*?</select>', page, re.S).group(0)
    assert '<option value="36-50" selected>36-50 · suggérée</option>' in select_45
    codes = {("age_band", "25-34"): "25-35", ("age_band", "35-44"): "36-50", ("age_band", "45-54"): "36-50",
             ("age_band", "55+"): "51-64", ("category", "Femmes"): "+new", ("category", "Jeunes"): "+new",
             ("category", "Médias"): "press", ("category", LEADERS): "traditional"}
    form = {"csrf_token": _token(page)}
    for (field, value), i in values.items():
        form.update({f"vm-{i}-field": field, f"vm-{i}-value": value, f"vm-{i}-code": codes[(field, value)]})
    columns = {f"col_{i}": f for i, f in imports.guess_mapping(HEADERS).items()}
    page = client.post(preview, data={**form, **columns, "action": "preview"}).get_data(as_text=True)
    assert "Toutes les lignes sont valides." in page
    assert "Le numéro de téléphone figure aussi à la ligne 4\u00a0: les deux lignes sont importées" in page
    assert "Nouvelles catégories créées avec l’import\u00a0: Femmes, Jeunes." in page
    assert count(Registration) == 0 and db.session.scalar(select(Category).where(Category.code == "jeunes")) is None
    done = client.post(preview, data={**form, **columns, "action": "import", "status": "registered"})
    assert done.status_code == 302
    assert count(Registration) == 20 and count(Person) == 20
    assert db.session.scalar(select(Category).where(Category.code == "jeunes")).label_fr == "Jeunes"
    # A second click on the import imports nothing more and makes no second category.
    again = client.post(preview, data={**form, **columns, "action": "import", "status": "registered"})
    assert again.status_code == 302 and count(Registration) == 20
    assert db.session.scalar(select(func.count()).select_from(Category).where(Category.label_fr == "Jeunes")) == 1
    listing = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "Traoré" in listing and "N&#39;Diaye" in listing


def test_preview_without_a_code_keeps_the_value_unknown_and_imports_nothing(app, client, login):
    login("organizer")
    event = factories.make_event()
    response = client.post(f"/events/{event.slug}/import", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(workbook()), "liste.xlsx")})
    preview = response.headers["Location"]
    values = _value_rows(client.get(preview).get_data(as_text=True))
    form = {f"vm-{i}-field": f for (f, _v), i in values.items()}
    form.update({f"vm-{i}-value": v for (_f, v), i in values.items()})
    form.update({f"vm-{i}-code": "" for i in values.values()})
    columns = {f"col_{i}": f for i, f in imports.guess_mapping(HEADERS).items()}
    refused = client.post(preview, data={**form, **columns, "action": "import"})
    assert refused.status_code == 200 and count(Registration) == 0
    assert "valeur inconnue «\u00a0Médias\u00a0» (4 lignes)" in refused.get_data(as_text=True)
