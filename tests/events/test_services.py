"""The events, agenda and officials services: rules, protocol order, overlaps; nothing saved on error."""
from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import func, select

from eventapp.audit.models import AuditEntry
from eventapp.core.errors import NotFound, ValidationError
from eventapp.events import agenda, officials
from eventapp.events import services as events
from eventapp.events.models import AgendaItem, Event, Official, Project
from eventapp.extensions import db
from tests import factories
from tests.events_fixtures import jpeg_bytes, png_bytes


def _data(**kw):
    data = dict(title="Atelier de restitution", project="Confiance FDS–population", organizer="IMRAP",
                partner="Coopération suisse", venue_name="Maison de la Femme", venue_address="Sabalibougou",
                city="Bamako", start_date=date(2023, 6, 21), end_date=date(2023, 6, 22), timezone="Africa/Bamako",
                language="fr", status="draft", description="")
    data.update(kw)
    return data


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_create_event_makes_slug_and_project(app):
    event = events.save_event(_data())
    assert event.slug == "atelier-de-restitution"
    assert event.project.name == "Confiance FDS–population"
    assert event.days == [date(2023, 6, 21), date(2023, 6, 22)]
    # Same title again: a new slug; the same project name reuses the project.
    other = events.save_event(_data())
    assert other.slug == "atelier-de-restitution-2"
    assert count(Project) == 1
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.object_id == str(event.id))) == "event.create"


def test_dates_out_of_order_save_nothing(app):
    with pytest.raises(ValidationError) as exc:
        events.save_event(_data(start_date=date(2023, 6, 22), end_date=date(2023, 6, 21)))
    assert "end_date" in exc.value.errors
    assert count(Event) == 0 and count(Project) == 0


def test_reserved_slug(app):
    assert events.save_event(_data(title="New")).slug == "new-2"
    with pytest.raises(ValidationError) as exc:
        events.save_event(_data(slug="new"))
    assert "slug" in exc.value.errors


def test_slug_taken_is_refused(app):
    factories.make_event(slug="restitution-2023")
    with pytest.raises(ValidationError) as exc:
        events.save_event(_data(slug="restitution-2023"))
    assert exc.value.errors["slug"] == ["This identifier is already used by another event."]
    assert count(Event) == 1


def test_bad_slug_time_zone_language_retention_layout(app):
    with pytest.raises(ValidationError) as exc:
        events.save_event(_data(slug="Pas Bon", timezone="Mars/Olympus", language="de",
                                retention_until=date(2023, 6, 1), badge_layout="a3-99"))
    assert set(exc.value.errors) == {"slug", "timezone", "language", "retention_until", "badge_layout"}
    assert events.save_event(_data(badge_layout="a4-4")).badge_layout == "a4-4"


def test_update_keeps_agenda_inside_days(app):
    event = factories.make_event(start_date=date(2023, 6, 21), end_date=date(2023, 6, 22))
    factories.make_agenda_item(event, day=date(2023, 6, 22))
    with pytest.raises(ValidationError) as exc:
        events.save_event(_data(start_date=date(2023, 6, 21), end_date=date(2023, 6, 21)), event)
    assert "end_date" in exc.value.errors
    db.session.refresh(event)
    assert event.end_date == date(2023, 6, 22)


def test_logos_checked_then_kept(app, tmp_path):
    uploads = tmp_path / "uploads"
    event = events.save_event(_data(), logos={"organizer_logo": png_bytes(), "partner_logo": jpeg_bytes()},
                              upload_dir=uploads, max_logo_bytes=100_000)
    assert event.organizer_logo.endswith(".png") and event.partner_logo.endswith(".jpg")
    assert events.logo_bytes(event, "organizer_logo", uploads) == png_bytes()
    # Replacing a logo deletes the old file.
    old = event.organizer_logo
    events.save_event(_data(), event, logos={"organizer_logo": png_bytes(10, 10)}, upload_dir=uploads,
                      max_logo_bytes=100_000)
    assert not (uploads / old).exists() and (uploads / event.organizer_logo).exists()
    events.remove_logo(event, "organizer_logo", uploads)
    assert event.organizer_logo is None and events.logo_path(event, "organizer_logo", uploads) is None


@pytest.mark.parametrize("content, message", [
    (b"GIF89a not ours", "The logo must be a PNG or JPEG image."),
    (b"%PDF-1.4 a document", "The logo must be a PNG or JPEG image."),
    (b"\x89PNG\r\n\x1a\n" + b"broken" * 10, "The image cannot be read."),
    (b"", "The file is empty."),
])
def test_bad_logo_saves_nothing(app, tmp_path, content, message):
    with pytest.raises(ValidationError) as exc:
        events.save_event(_data(), logos={"partner_logo": content}, upload_dir=tmp_path / "uploads",
                          max_logo_bytes=100_000)
    assert exc.value.errors["partner_logo"] == [message]
    assert count(Event) == 0
    assert not (tmp_path / "uploads").exists()


def test_oversized_logo_refused(app, tmp_path):
    event = factories.make_event()
    with pytest.raises(ValidationError) as exc:
        events.save_event(_data(), event, logos={"organizer_logo": png_bytes(400, 400) + b"\0" * 5000},
                          upload_dir=tmp_path, max_logo_bytes=2000)
    assert "too large" in exc.value.errors["organizer_logo"][0]
    assert event.organizer_logo is None


def test_unknown_event_not_found(app):
    with pytest.raises(NotFound):
        events.get_event("nope")


def test_status_change(app):
    event = factories.make_event(status="draft")
    events.set_status(event, "archived")
    assert event.status == "archived"
    assert events.list_events() == [] and events.list_events(include_archived=True) == [event]
    with pytest.raises(ValidationError):
        events.set_status(event, "deleted")


# --- agenda ---------------------------------------------------------------------------------


def _item(**kw):
    data = dict(day=date(2023, 6, 21), start_time=time(9, 0), end_time=time(9, 30), title="Ouverture",
                kind="opening", room="", description="")
    data.update(kw)
    return data


def test_agenda_rules(app):
    event = factories.make_event()
    with pytest.raises(ValidationError) as exc:
        agenda.create_item(event, _item(day=date(2023, 6, 23), start_time=time(10), end_time=time(9),
                                        kind="party", title=" "))
    assert set(exc.value.errors) == {"day", "end_time", "kind", "title"}
    assert "not one of the event's days" in exc.value.errors["day"][0]
    assert count(AgendaItem) == 0
    item = agenda.create_item(event, _item())
    with pytest.raises(ValidationError):
        agenda.update_item(item, {"end_time": time(8, 0)})
    db.session.refresh(item)
    assert item.end_time == time(9, 30)


def test_agenda_in_time_order_by_day_and_overlaps(app):
    event = factories.make_event(start_date=date(2023, 6, 21), end_date=date(2023, 6, 22))
    late = agenda.create_item(event, _item(title="Débat", start_time=time(11), end_time=time(12), kind="debate"))
    first = agenda.create_item(event, _item(title="Ouverture", start_time=time(9), end_time=time(10)))
    clash = agenda.create_item(event, _item(title="Présentation", start_time=time(9, 45), end_time=time(10, 30),
                                            kind="presentation"))
    # Parallel working groups in two rooms are not an overlap.
    agenda.create_item(event, _item(title="Groupe A", start_time=time(14), end_time=time(15),
                                    kind="working_group", room="Salle A"))
    agenda.create_item(event, _item(title="Groupe B", start_time=time(14), end_time=time(15),
                                    kind="working_group", room="Salle B"))
    day2 = agenda.create_item(event, _item(day=date(2023, 6, 22), title="Clôture", kind="closing"))
    grouped = agenda.items_by_day(event)
    assert [d for d, _ in grouped] == [date(2023, 6, 21), date(2023, 6, 22)]
    assert [i.title for i in grouped[0][1]] == ["Ouverture", "Présentation", "Débat", "Groupe A", "Groupe B"]
    assert grouped[1][1] == [day2]
    assert agenda.overlaps(event) == [(first, clash)]
    assert agenda.overlapping_ids(event) == {first.id, clash.id}
    assert late.id not in agenda.overlapping_ids(event)


def test_agenda_item_officials_must_be_of_the_event(app):
    event, other = factories.make_event(), factories.make_event()
    stranger = factories.make_official(other, last_name="TOURÉ")
    with pytest.raises(ValidationError) as exc:
        agenda.create_item(event, _item(holders=[(stranger.id, "speaker")]))
    assert "TOURÉ is not an official of this event." in exc.value.errors["holders"][0]
    assert count(AgendaItem) == 0


# --- officials -----------------------------------------------------------------------------


def _official(**kw):
    data = dict(honorific="M.", first_name="Oumar", last_name="SOGOBA", function="Secrétaire général",
                institution="Ministère de la Sécurité et de la Protection civile", role="presides")
    data.update(kw)
    return data


def test_protocol_order(app):
    event = factories.make_event()
    sogoba = officials.create_official(event, _official())
    maiga = officials.create_official(event, _official(first_name="Fatoumata", last_name="MAÏGA", role="speaker"))
    ndiaye = officials.create_official(event, _official(first_name="Ibrahim", last_name="N'DIAYE", role="moderator",
                                                        protocol_rank=1))

    def names():
        db.session.expire_all()
        return [o.last_name for o in officials.officials_in_order(db.session.get(Event, event.id))]

    assert names() == ["N'DIAYE", "SOGOBA", "MAÏGA"]
    officials.move_official(ndiaye, "down")
    assert names() == ["SOGOBA", "N'DIAYE", "MAÏGA"]
    officials.move_official(sogoba, "up")  # already first: stays
    assert names() == ["SOGOBA", "N'DIAYE", "MAÏGA"]
    officials.update_official(maiga, {"protocol_rank": 1})
    assert names() == ["MAÏGA", "SOGOBA", "N'DIAYE"]
    assert [o.protocol_rank for o in officials.officials_in_order(event)] == [1, 2, 3]
    officials.update_official(ndiaye, {"protocol_rank": 2})
    assert names() == ["MAÏGA", "N'DIAYE", "SOGOBA"]
    officials.delete_official(maiga)
    assert names() == ["N'DIAYE", "SOGOBA"]
    assert [o.protocol_rank for o in officials.officials_in_order(db.session.get(Event, event.id))] == [1, 2]
    # The agenda item's officials follow the protocol order too.
    item = agenda.create_item(event, _item(holders=[(sogoba.id, ""), (ndiaye.id, "")]))
    assert [o.last_name for o in item.officials] == ["N'DIAYE", "SOGOBA"]


def test_official_on_item_of_another_event_is_refused(app):
    event, other = factories.make_event(), factories.make_event()
    foreign = factories.make_agenda_item(other, title="Débat de l'autre atelier")
    own = factories.make_agenda_item(event, title="Ouverture")
    with pytest.raises(ValidationError) as exc:
        officials.create_official(event, _official(agenda_item_ids=[own.id, foreign.id]))
    assert "another event" in exc.value.errors["agenda_item_ids"][0]
    assert "Débat de l'autre atelier" in exc.value.errors["agenda_item_ids"][0]
    assert count(Official) == 0
    official = officials.create_official(event, _official(agenda_item_ids=[own.id]))
    with pytest.raises(ValidationError):
        officials.update_official(official, {"agenda_item_ids": [foreign.id], "function": "Changé"})
    db.session.refresh(official)
    assert official.function == "Secrétaire général"
    assert [i.id for i in official.agenda_items] == [own.id]


def test_official_needs_name_and_known_role(app):
    event = factories.make_event()
    with pytest.raises(ValidationError) as exc:
        officials.create_official(event, _official(last_name="", role="king", protocol_rank=0))
    assert set(exc.value.errors) == {"last_name", "role", "protocol_rank"}


def test_next_slot_follows_the_last_item(app):
    event = factories.make_event(start_date=date(2023, 6, 21), end_date=date(2023, 6, 22))
    assert agenda.next_slot(event) == (date(2023, 6, 21), time(9, 0), time(9, 30))
    agenda.create_item(event, _item(day=date(2023, 6, 22), start_time=time(10), end_time=time(11, 45)))
    agenda.create_item(event, _item(start_time=time(16), end_time=time(17)))
    assert agenda.next_slot(event) == (date(2023, 6, 22), time(11, 45), time(12, 15))


def test_postponed_event_moves_its_agenda(app):
    event = factories.make_event(start_date=date(2023, 6, 21), end_date=date(2023, 6, 22))
    first = factories.make_agenda_item(event, day=date(2023, 6, 21))
    second = factories.make_agenda_item(event, day=date(2023, 6, 22), title="Clôture")
    moved = _data(start_date=date(2023, 7, 4), end_date=date(2023, 7, 5))
    with pytest.raises(ValidationError):  # without moving the agenda, its items would be stranded
        events.save_event(moved, event)
    events.save_event(dict(moved, move_agenda=True), event)
    db.session.expire_all()
    assert (first.day, second.day) == (date(2023, 7, 4), date(2023, 7, 5))
    with pytest.raises(ValidationError):  # a shorter event still may not strand its last day
        events.save_event(_data(start_date=date(2023, 7, 5), end_date=date(2023, 7, 5), move_agenda=True), event)
    db.session.expire_all()
    assert (first.day, second.day) == (date(2023, 7, 4), date(2023, 7, 5))
