"""The demo's participants export and import back into another event without a single error."""
from __future__ import annotations

import phonenumbers

from eventapp.extensions import db
from eventapp.people.models import Person
from eventapp.registration.models import Registration
from tests import factories


def test_demo_export_imports_into_a_new_event(runner, tmp_path):
    assert runner.invoke(args=["demo", "--participants", "60"]).exit_code == 0
    phones = [p for p in db.session.scalars(db.select(Person.phone)) if p]
    assert phones and all(phonenumbers.is_valid_number(phonenumbers.parse(p)) for p in phones)

    out = tmp_path / "demo.csv"
    result = runner.invoke(args=["participants", "export", "restitution-2023", "--out", str(out)])
    assert result.exit_code == 0, result.output
    target = factories.make_event(slug="table-ronde-mopti", title="Table ronde de Mopti")
    result = runner.invoke(args=["participants", "import", "table-ronde-mopti", str(out)])
    assert result.exit_code == 0, result.output
    registered = db.session.scalar(db.select(db.func.count()).select_from(Registration)
                                   .where(Registration.event_id == target.id))
    assert registered == 60
