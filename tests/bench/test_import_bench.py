"""Benchmark: importing 10,000 rows with full validation, beside a bare bulk insert of the same rows.

Run with ``make bench`` (``pytest -s tests/bench``). Prints figures; never fails by the clock.
"""
from __future__ import annotations

import time

from sqlalchemy import func, select

from eventapp.core import web
from eventapp.core.text import name_key
from eventapp.core.tokens import new_answer_token, new_checkin_token
from eventapp.extensions import db
from eventapp.people import imports
from eventapp.registration.models import Registration
from tests import factories
from tests.people_fixtures import cp1252_csv

ROWS = 10_000
FIRST = ["Awa", "Moussa", "Fatoumata", "Ousmane", "Aïssata", "Bakary", "Mariam", "Adama", "Kadiatou", "Hamadoun"]
LAST = ["Traoré", "Maïga", "N'Diaye", "Diarra", "Keïta", "Coulibaly", "Sidibé", "Touré", "Cissé", "Sangaré"]
CATEGORIES = ["FDS", "Société civile", "autorités", "Population civile", "presse", "partner"]


def make_rows(n: int) -> list[list[str]]:
    rows = [["Civilité", "Prénom", "Nom", "Sexe", "Âge", "Catégorie", "Structure", "Fonction", "Localité",
             "Téléphone", "Courriel"]]
    for i in range(n):
        rows.append(["Mme" if i % 2 else "M.", FIRST[i % 10], f"{LAST[i % 10]} {i}", "F" if i % 2 else "H",
                     str(18 + i % 60), CATEGORIES[i % len(CATEGORIES)], "Association des femmes de Mopti",
                     "Membre", "Mopti", f"76{i:06d}", f"personne{i}@example.org" if i % 3 == 0 else ""])
    return rows


def test_import_10000_rows(app):
    content = cp1252_csv(make_rows(ROWS))
    event = factories.make_event(slug="bench-import")

    start = time.perf_counter()
    summary = imports.import_file(event, content, "bench.csv", settings=web.settings())
    full = time.perf_counter() - start
    assert summary.rows == ROWS

    # The same rows, already clean, written with a bare bulk insert into another event.
    bare_event = factories.make_event(slug="bench-bare")
    rows = make_rows(ROWS)[1:]
    start = time.perf_counter()
    params = [{"honorific": r[0], "first_name": r[1], "last_name": r[2], "sex": "F" if r[3] == "F" else "M",
               "age_band": "25-35", "organisation": r[6], "function": r[7], "locality": r[8],
               "phone": "+2239" + r[9][2:], "email": r[10] or None, "name_key": name_key(r[1], r[2]), "notes": ""}
              for r in rows]
    ids = imports.insert_persons(params)
    db.session.execute(Registration.__table__.insert(), [
        {"event_id": bare_event.id, "person_id": pid, "status": "registered", "source": "import",
         "checkin_token": new_checkin_token(), "answer_token": new_answer_token(), "notes": ""} for pid in ids])
    db.session.commit()
    bare = time.perf_counter() - start
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 2 * ROWS

    print(f"\n[bench import] {db.engine.dialect.name}: {ROWS} rows, {len(content) / 1e6:.2f} MB CSV (cp1252)")
    print(f"[bench import]   full import with validation: {full:.2f} s ({ROWS / full:,.0f} rows/s)")
    print(f"[bench import]   bare bulk insert, same rows:  {bare:.2f} s")
    print(f"[bench import]   validation overhead: {full / bare:.1f}× (aim: full import under 3 s)")

    _quick_cleanup()


def _quick_cleanup() -> None:
    """Empty the tables fast: on SQLite, row-by-row foreign key checks of 20,000 deletes take a minute."""
    from sqlalchemy import text

    if db.engine.dialect.name == "sqlite":
        with db.engine.connect() as connection:
            connection.execute(text("PRAGMA foreign_keys=OFF"))
            for table in ("audit_entries", "registrations", "persons", "events"):
                connection.execute(text(f"DELETE FROM {table}"))
            connection.commit()
            connection.execute(text("PRAGMA foreign_keys=ON"))
