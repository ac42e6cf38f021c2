"""Issue 13, items 6 and 7: each official holds an agenda item in a role of that item, and the
French words of a role agree with the person (« Invitée d'honneur », « Rapporteuse »)."""
from __future__ import annotations

import re
from datetime import date, time

import pytest
from sqlalchemy import func, inspect, select, text

from eventapp.core.errors import ValidationError
from eventapp.core.labels import label_in
from eventapp.core.text import grammatical_gender
from eventapp.demo import load_demo
from eventapp.events import agenda, officials
from eventapp.events import services as events
from eventapp.events.models import AgendaItem, AgendaItemOfficial, Event, Official
from eventapp.extensions import db
from tests import factories
from tests.conftest import make_app
from tests.core.test_migrations import empty_database_url  # noqa: F401 (a fixture)
from tests.pdfutil import pdf_text

FEMININE = {"guest_of_honour": "Invitée d'honneur", "speaker": "Intervenante", "presides": "Présidente de séance",
            "rapporteur": "Rapporteuse", "moderator": "Modératrice"}
MASCULINE = {"guest_of_honour": "Invité d'honneur", "speaker": "Intervenant", "presides": "Président de séance",
             "rapporteur": "Rapporteur", "moderator": "Modérateur"}
ENGLISH = {"guest_of_honour": "Guest of honour", "speaker": "Speaker", "presides": "Presides",
           "rapporteur": "Rapporteur", "moderator": "Moderator"}


def _item(event, title, start, end, holders, kind="speech"):
    return agenda.create_item(event, dict(day=event.start_date, start_time=start, end_time=end, title=title,
                                          kind=kind, holders=holders))


def _workshop(language="fr"):
    """Opening and closing held by the same two officials, each time in another role."""
    event = factories.make_event(title="Atelier de Ségou", language=language)
    traore = officials.create_official(event, dict(honorific="M.", first_name="Moussa", last_name="Traoré",
                                                   role="presides", function="Gouverneur"))
    maiga = officials.create_official(event, dict(honorific="Mme", first_name="Aminata", last_name="Maïga",
                                                  role="guest_of_honour"))
    opening = _item(event, "Cérémonie d'ouverture", time(9), time(9, 30),
                    [(traore.id, "opening_speech"), (maiga.id, "")], kind="opening")
    closing = _item(event, "Clôture des travaux", time(16), time(16, 30),
                    [(maiga.id, "speaker"), (traore.id, "closing_speech")], kind="closing")
    return event, traore, maiga, opening, closing


def _item_html(page: str, title: str) -> str:
    """The HTML of the agenda item titled ``title`` on the event page."""
    match = re.search(r'<li class="agenda-item[^"]*">(?:(?!<li class="agenda-item).)*?' + re.escape(title)
                      + r'(?:(?!<li class="agenda-item|</ol>).)*', page, re.S)
    assert match, title
    return match.group(0)


# --- item 6: a role per item held -------------------------------------------------------------


def test_each_item_keeps_its_own_role_for_the_same_official(app):
    event, traore, maiga, opening, closing = _workshop()
    assert [(h.official.last_name, h.role) for h in agenda.holders_in_order(opening)] == [
        ("Traoré", "opening_speech"), ("Maïga", "guest_of_honour")]  # an empty role: the official's own
    assert [(h.official.last_name, h.role) for h in agenda.holders_in_order(closing)] == [
        ("Traoré", "closing_speech"), ("Maïga", "speaker")]  # protocol order, not the order given
    assert traore.role == "presides" and maiga.role == "guest_of_honour"  # their role at the event stays
    # Changing the closing's roles leaves the opening alone; a link kept is changed in place.
    link = db.session.get(AgendaItemOfficial, (closing.id, maiga.id))
    agenda.update_item(closing, {"holders": [(maiga.id, "rapporteur")]})
    assert db.session.get(AgendaItemOfficial, (closing.id, maiga.id)) is link and link.role == "rapporteur"
    assert [h.official_id for h in closing.holders] == [maiga.id]
    assert {h.official_id: h.role for h in opening.holders} == {traore.id: "opening_speech",
                                                                 maiga.id: "guest_of_honour"}
    # Without ``holders`` an update keeps them.
    agenda.update_item(closing, {"room": "Salle B"})
    assert [(h.official_id, h.role) for h in closing.holders] == [(maiga.id, "rapporteur")]


def test_unknown_role_or_stranger_saves_nothing(app):
    event, traore, maiga, opening, _closing = _workshop()
    stranger = factories.make_official(factories.make_event(), last_name="N'DIAYE")
    for holders, message in (([(traore.id, "king")], "Unknown role at the event."),
                             ([(traore.id, "speaker"), (stranger.id, "speaker")], "N'DIAYE is not an official")):
        with pytest.raises(ValidationError) as exc:
            agenda.update_item(opening, {"title": "Changé", "holders": holders})
        assert message in exc.value.errors["holders"][0]
        db.session.rollback()
        assert opening.title == "Cérémonie d'ouverture"
        assert {h.official_id: h.role for h in opening.holders} == {traore.id: "opening_speech",
                                                                     maiga.id: "guest_of_honour"}
    assert db.session.scalar(select(func.count()).select_from(AgendaItemOfficial)) == 4


def test_official_form_items_keep_their_roles_and_follow_a_change_of_role(app):
    event, traore, maiga, opening, closing = _workshop()
    debate = factories.make_agenda_item(event, "Débat", start=time(10), end=time(11), kind="debate")
    # Items chosen on the official's form: the new one gets their role, the others keep theirs.
    officials.update_official(traore, {"agenda_item_ids": [opening.id, closing.id, debate.id]})
    assert {h.agenda_item_id: h.role for h in traore.items_held} == {
        opening.id: "opening_speech", closing.id: "closing_speech", debate.id: "presides"}
    # A new role at the event: the items that had the old one follow it, the others keep theirs.
    officials.update_official(traore, {"role": "moderator"})
    assert {h.agenda_item_id: h.role for h in traore.items_held} == {
        opening.id: "opening_speech", closing.id: "closing_speech", debate.id: "moderator"}
    officials.update_official(traore, {"agenda_item_ids": [debate.id]})
    assert [h.agenda_item_id for h in traore.items_held] == [debate.id]
    assert [h.official_id for h in db.session.get(AgendaItem, opening.id).holders] == [maiga.id]


def test_a_copy_of_the_event_keeps_the_roles_of_each_item(app):
    event, *_rest = _workshop()
    copy = events.duplicate_event(event, title="Atelier de Ségou 2024", slug="segou-2024",
                                  start_date=date(2024, 6, 21))
    roles = {(i.title, h.official.last_name): h.role for i in copy.agenda_items for h in i.holders}
    assert roles == {("Cérémonie d'ouverture", "Traoré"): "opening_speech",
                     ("Cérémonie d'ouverture", "Maïga"): "guest_of_honour",
                     ("Clôture des travaux", "Traoré"): "closing_speech",
                     ("Clôture des travaux", "Maïga"): "speaker"}
    assert all(h.official.event_id == copy.id for i in copy.agenda_items for h in i.holders)


def test_agenda_page_shows_the_role_at_each_item(client, login):
    login("organizer")
    event, *_rest = _workshop()
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    opening, closing = _item_html(page, "Cérémonie d&#39;ouverture"), _item_html(page, "Clôture des travaux")
    assert "M. Moussa Traoré <span class=\"muted small\">(Discours d&#39;ouverture)</span>" in opening
    assert "Mme Aminata Maïga <span class=\"muted small\">(Invitée d&#39;honneur)</span>" in opening
    assert "M. Moussa Traoré <span class=\"muted small\">(Discours de clôture)</span>" in closing
    assert "Mme Aminata Maïga <span class=\"muted small\">(Intervenante)</span>" in closing
    assert "Discours d&#39;ouverture" not in closing and "Discours de clôture" not in opening
    page = client.get(f"/events/{event.slug}?lang=en").get_data(as_text=True)
    opening, closing = _item_html(page, "Cérémonie d&#39;ouverture"), _item_html(page, "Clôture des travaux")
    assert "(Opening speech)" in opening and "(Guest of honour)" in opening
    assert "(Closing speech)" in closing and "(Speaker)" in closing and "Opening speech" not in closing


def test_item_form_chooses_a_role_per_official(client, login):
    login("organizer")
    event, traore, maiga, opening, _closing = _workshop()
    url = f"/events/{event.slug}/agenda/{opening.id}/edit"
    form = client.get(url).get_data(as_text=True)
    assert "Rôle à cette séquence" in form and "— pas à cette séquence —" in form
    rows = re.findall(r'name="holders-(\d+)-official_id"[^>]*value="(\d+)"', form)
    assert [official for _n, official in rows] == [str(traore.id), str(maiga.id)]
    assert re.search(r'<option selected value="opening_speech">Discours d&#39;ouverture</option>', form)
    # Each row's words agree with its official.
    traore_row, maiga_row = form.split('name="holders-1-official_id"')
    assert '<option value="rapporteur">Rapporteur</option>' in traore_row.rsplit("holders-0-official_id", 1)[1]
    assert '<option selected value="guest_of_honour">Invitée d&#39;honneur</option>' in maiga_row
    assert '<option value="rapporteur">Rapporteuse</option>' in maiga_row
    fields = dict(day="2023-06-21", start_time="09:00", end_time="09:30", title="Cérémonie d'ouverture",
                  kind="opening", room="", description="")
    rows = {"holders-0-official_id": str(traore.id), "holders-0-role": "presides",
            "holders-1-official_id": str(maiga.id), "holders-1-role": ""}
    assert client.post(url, data=fields | rows).status_code == 302
    db.session.expire_all()
    held = db.session.get(AgendaItem, opening.id).holders
    assert [(h.official_id, h.role) for h in held] == [(traore.id, "presides")]
    # A role that does not exist, or an id too large for the database: a message, nothing changed.
    for bad in ({"holders-0-role": "king"}, {"holders-0-official_id": str(2**40)}):
        response = client.post(url + "?lang=en", data=fields | rows | bad)
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "Unknown role at the event." in page or "An official chosen does not exist." in page
        db.session.expire_all()
        assert [(h.official_id, h.role) for h in db.session.get(AgendaItem, opening.id).holders] == [
            (traore.id, "presides")]
    # The same form sent twice (a double click) leaves one link per official.
    for _ in range(2):
        client.post(url, data=fields | rows | {"holders-1-role": "speaker"})
    db.session.expire_all()
    assert sorted((h.official_id, h.role) for h in db.session.get(AgendaItem, opening.id).holders) == sorted(
        [(traore.id, "presides"), (maiga.id, "speaker")])


def test_programme_pdf_reads_the_role_of_each_item(client, login):
    login("coordinator")
    event, *_rest = _workshop()
    text_fr = pdf_text(client.get(f"/events/{event.slug}/programme.pdf").data)
    flat = " ".join(text_fr.split())
    opening, closing = flat.index("Cérémonie d'ouverture"), flat.index("Clôture des travaux")
    assert opening < flat.index("M. Moussa Traoré (Discours d'ouverture)") < closing
    assert opening < flat.index("Mme Aminata Maïga (Invitée d'honneur)") < closing
    assert closing < flat.index("M. Moussa Traoré (Discours de clôture)")
    assert closing < flat.index("Mme Aminata Maïga (Intervenante)")
    # The list of officials gives their role at the event, in agreement with each.
    assert "Président de séance" in flat and "Invitée d'honneur" in flat
    event.language = "en"
    db.session.commit()
    flat = " ".join(pdf_text(client.get(f"/events/{event.slug}/programme.pdf").data).split())
    closing = flat.index("Clôture des travaux")
    assert closing < flat.index("M. Moussa Traoré (Closing speech)") and closing < flat.index("Aminata Maïga (Speaker)")
    assert flat.index("M. Moussa Traoré (Opening speech)") < closing


def test_report_agenda_gives_the_role_at_each_item(app):
    from eventapp.core import web
    from eventapp.reports.services import build_report

    event, *_rest = _workshop()
    report = build_report(event, settings=web.settings(), with_logos=False)
    lines = {a.title: a.officials for a in report.agenda}
    assert lines["Clôture des travaux"] == "M. Moussa Traoré (Discours de clôture), Mme Aminata Maïga (Intervenante)"
    assert {o.name: o.role for o in report.officials} == {"M. Moussa Traoré": "Président de séance",
                                                         "Mme Aminata Maïga": "Invitée d'honneur"}


def test_demo_closing_is_not_shown_as_the_opening_speech(app):
    load_demo(participants=0)
    event = db.session.scalar(select(Event).where(Event.slug == "restitution-2023"))
    by_title = {i.kind: {h.official.last_name: h.role for h in i.holders} for i in event.agenda_items}
    assert by_title["closing"] == {"SOGOBA": "closing_speech", "DIALLO": "speaker"}
    assert by_title["opening"]["SOGOBA"] == "opening_speech"
    assert "opening_speech" not in by_title["closing"].values()
    assert event.officials[0].role == "presides"  # the Secretary General presides the event


# --- migration ----------------------------------------------------------------------------------


def test_migration_copies_each_official_role_onto_the_items_held(empty_database_url, tmp_path):  # noqa: F811
    from flask_migrate import downgrade, upgrade

    app = make_app(empty_database_url, tmp_path / "instance")
    with app.app_context():
        directory = app.extensions["migrate"].directory
        upgrade(directory=directory, revision="0010_names")
        stamp = "'2023-06-01 10:00:00+00', '2023-06-01 10:00:00+00'"
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO events (id, slug, title, organizer, partner, venue_name, venue_address, city, start_date,"
                " end_date, timezone, language, status, description, badge_layout, discreet_badges, sheet_show_phone,"
                " registration_open, created_at, updated_at) VALUES (1, 'segou', 'Atelier de Ségou', 'IMRAP', '', '',"
                f" '', 'Ségou', '2023-06-21', '2023-06-21', 'Africa/Bamako', 'fr', 'open', '', 'a6', FALSE, FALSE,"
                f" FALSE, {stamp})"))
            for oid, name, role in ((1, "Traoré", "presides"), (2, "Maïga", "rapporteur")):
                conn.execute(text(
                    "INSERT INTO officials (id, event_id, honorific, first_name, last_name, function, institution,"
                    f" role, protocol_rank, created_at, updated_at) VALUES ({oid}, 1, '', '', '{name}', '', '',"
                    f" '{role}', {oid}, {stamp})"))
            for iid, title in ((1, "Ouverture"), (2, "Recommandations")):
                conn.execute(text(
                    "INSERT INTO agenda_items (id, event_id, day, start_time, end_time, title, kind, room,"
                    f" description, created_at, updated_at) VALUES ({iid}, 1, '2023-06-21', '09:00:00', '09:30:00',"
                    f" '{title}', 'speech', '', '', {stamp})"))
            conn.execute(text("INSERT INTO agenda_item_officials (agenda_item_id, official_id) "
                              "VALUES (1, 1), (2, 1), (2, 2)"))
        upgrade(directory=directory, revision="0011c_item_roles")
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT agenda_item_id, official_id, role FROM agenda_item_officials "
                                     "ORDER BY agenda_item_id, official_id")).all()
            sexes = conn.execute(text("SELECT sex FROM officials")).scalars().all()
        assert [tuple(r) for r in rows] == [(1, 1, "presides"), (2, 1, "presides"), (2, 2, "rapporteur")]
        assert sexes == ["", ""]
        downgrade(directory=directory, revision="0010_names")
        assert "role" not in {c["name"] for c in inspect(db.engine).get_columns("agenda_item_officials")}
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM agenda_item_officials")).scalar() == 3
        db.engine.dispose()


# --- item 7: the words of a role agree with the person -------------------------------------------


@pytest.mark.parametrize(("honorific", "gender"), [
    ("Mme", "F"), ("Madame", "F"), ("Mlle", "F"), ("S.E. Mme", "F"), ("mme", "F"),
    ("M.", "M"), ("Monsieur", "M"), ("Mr", "M"),
    ("Dr", ""), ("Pr", ""), ("Colonel", ""), ("Général", ""), ("", ""), (None, ""), ("M. et Mme", ""),
])
def test_gender_from_the_honorific(honorific, gender):
    assert grammatical_gender(honorific) == gender


def test_french_role_words_agree_with_mme_aminata_maiga_and_m_moussa_traore(app):
    event = factories.make_event()
    maiga = factories.make_official(event, honorific="Mme", first_name="Aminata", last_name="Maïga")
    traore = factories.make_official(event, honorific="M.", first_name="Moussa", last_name="Traoré")
    for role in FEMININE:
        assert officials.role_in("fr", role, maiga) == FEMININE[role]
        assert officials.role_in("fr", role, traore) == MASCULINE[role]
        assert officials.role_in("en", role, maiga) == officials.role_in("en", role, traore) == ENGLISH[role]
    # Words that do not speak of the person have one form.
    assert officials.role_in("fr", "opening_speech", maiga) == "Discours d'ouverture"
    assert officials.role_in("fr", "closing_speech", maiga) == "Discours de clôture"
    # A doctor is a woman when the organizer says so; else the masculine, French's unmarked form.
    doctor = factories.make_official(event, honorific="Dr", first_name="Aminata", last_name="Maïga")
    assert officials.role_in("fr", "speaker", doctor) == "Intervenant"
    doctor.sex = "F"
    assert officials.role_in("fr", "speaker", doctor) == "Intervenante"
    # The feminine forms are in the catalogue, in the context "feminine".
    from tools.i18n import load

    catalogue = load()
    assert catalogue.get("Guest of honour", context="feminine").string == "Invitée d'honneur"
    assert catalogue.get("Guest of honour").string == "Invité d'honneur"
    assert label_in("fr", "official_role", "rapporteur", "F") == "Rapporteuse"


def test_event_page_and_official_form_in_both_languages(client, login):
    login("organizer")
    event = factories.make_event()
    for honorific, first, last, role in (("Mme", "Aminata", "Maïga", "rapporteur"),
                                         ("M.", "Moussa", "Traoré", "rapporteur")):
        response = client.post(f"/events/{event.slug}/officials/new", data=dict(
            honorific=honorific, first_name=first, last_name=last, function="", institution="", role=role,
            sex="", protocol_rank=""))
        assert response.status_code == 302
    doctor = dict(honorific="Dr", first_name="Kadiatou", last_name="N'Diaye", function="", institution="",
                  role="guest_of_honour", sex="F", protocol_rank="")
    assert client.post(f"/events/{event.slug}/officials/new", data=doctor).status_code == 302
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert '<strong>Mme Aminata Maïga</strong> <span class="badge">Rapporteuse</span>' in page
    assert '<strong>M. Moussa Traoré</strong> <span class="badge">Rapporteur</span>' in page
    assert '<strong>Dr Kadiatou N&#39;Diaye</strong> <span class="badge">Invitée d&#39;honneur</span>' in page
    page = client.get(f"/events/{event.slug}?lang=en").get_data(as_text=True)
    assert '<strong>Mme Aminata Maïga</strong> <span class="badge">Rapporteur</span>' in page
    assert '<span class="badge">Guest of honour</span>' in page
    # An unknown sex is refused with a message; nothing is saved.
    page = client.post(f"/events/{event.slug}/officials/new", data=doctor | {"sex": "Z", "last_name": "Dicko"})
    assert "Unknown sex." in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Official)) == 3
    form = client.get(f"/events/{event.slug}/officials/new").get_data(as_text=True)
    assert "Woman or man" in form and "As the honorific says" in form
    form = client.get(f"/events/{event.slug}/officials/new?lang=fr").get_data(as_text=True)
    assert "Femme ou homme" in form and "Selon la civilité" in form
