"""Issue 13, item 2: the categories page (organizers and admins): add, rename in both languages,
order, badge colour, retire one in use, merge two (audited, confirmed, a second click harmless)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from eventapp.audit.models import AuditEntry
from eventapp.badges.services import badge_person
from eventapp.core.errors import ValidationError
from eventapp.extensions import db
from eventapp.people import categories as service
from eventapp.people.models import Category, Person
from tests import factories


def entries(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def codes() -> list[str]:
    return [c.code for c in service.list_categories()]


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)


# --- the service ---------------------------------------------------------------------------


def test_a_category_is_added_with_a_code_made_of_its_label(app):
    category = service.create_category({"label_fr": "Leaders religieux/coutumiers", "label_en": "Religious leaders",
                                        "colour": "#6A3D9A"})
    assert category.code == "leaders_religieux_coutumiers" and category.active
    assert codes()[-1] == category.code  # added at the end of the list
    again = service.create_category({"label_fr": "Leaders  religieux", "label_en": "Traditional chiefs"})
    assert again.code == "leaders_religieux" and again.colour == "#555555"
    assert len(entries("category.create")) == 2


@pytest.mark.parametrize("data,field,message", [
    ({"label_fr": "", "label_en": "Youth"}, "label_fr", "A label is required."),
    ({"label_fr": "presse", "label_en": "Media"}, "label_fr", "Another category is already called “Presse”."),
    ({"label_fr": "Médias", "label_en": "FDS"}, "label_en", "Another category is already called “FDS”."),
    ({"label_fr": "Jeunes", "label_en": "Youth", "colour": "red"}, "colour", "#rrggbb"),
    ({"label_fr": "Jeunes", "label_en": "Youth", "code": "Jeunes!"}, "code", "lower-case letters"),
    ({"label_fr": "Jeunes", "label_en": "Youth", "code": "press"}, "code", "The code “press” is taken."),
])
def test_bad_input_is_refused_and_nothing_is_saved(app, data, field, message):
    before = db.session.scalar(select(func.count()).select_from(Category))
    with pytest.raises(ValidationError) as info:
        service.create_category(data)
    assert any(message in m for m in info.value.errors[field])
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Category)) == before


def test_rename_in_both_languages_and_colour_keep_the_code(app):
    press = factories.category("press")
    reg = factories.make_registration(factories.make_event(), factories.make_person("Ousmane", "N'Diaye",
                                                                                    category="press"))
    service.update_category(press, {"label_fr": "Médias", "label_en": "Media", "colour": "#0b7285"})
    db.session.refresh(press)
    assert (press.code, press.label_fr, press.label_en, press.colour) == ("press", "Médias", "Media", "#0b7285")
    # The badge band follows the colour; the badge's word follows the event's language.
    badge = badge_person(reg, "fr")
    assert (badge.category_colour, badge.category_label) == ("#0b7285", "Médias")
    assert '"fields": ["colour", "label_en", "label_fr"]' in entries("category.update")[0].details
    with pytest.raises(ValidationError):
        service.update_category(press, {"label_fr": "FDS", "label_en": "Media"})


def test_order_is_set_by_position_and_the_same_request_twice_moves_once(app):
    staff = factories.category("staff")
    service.move_category(staff, 1)
    assert codes()[0] == "staff"
    service.move_category(staff, 1)  # a double click
    assert codes()[:2] == ["staff", "fds"]
    service.move_category(staff, 3)
    assert codes()[:4] == ["fds", "authority", "staff", "traditional"]
    service.move_category(staff, 99)  # past the end: last
    assert codes()[-1] == "staff"


def test_a_retired_category_is_kept_for_its_people_and_no_longer_offered(app):
    press = factories.category("press")
    person = factories.make_person("Binta", "Cissé", category="press")
    service.set_category_active(press, False)
    service.set_category_active(press, False)  # a second click: no second entry
    assert "press" not in codes() and "press" in [c.code for c in service.list_categories(include_retired=True)]
    assert db.session.get(Person, person.id).category.code == "press"
    assert len(entries("category.retire")) == 1
    service.set_category_active(press, True)
    assert "press" in codes() and len(entries("category.restore")) == 1


def test_merge_moves_the_persons_once_and_is_audited(app):
    press, civil = factories.category("press"), factories.category("civil_society")
    moved = [factories.make_person(n, "Traoré", category="press") for n in ("Awa", "Moussa", "Aïssata")]
    stays = factories.make_person("Ousmane", "N'Diaye", category="civil_society")
    assert service.merge_categories(civil, press) == 3
    db.session.expire_all()
    assert {db.session.get(Person, p.id).category_id for p in moved + [stays]} == {civil.id}
    assert (press.active, press.merged_into_id, press.code) == (False, civil.id, "press")
    [entry] = entries("category.merge")
    assert '"merged": "press"' in entry.details and '"persons": 3' in entry.details
    with pytest.raises(service.AlreadyMerged):  # the same merge again changes nothing
        service.merge_categories(civil, press)
    assert len(entries("category.merge")) == 1
    with pytest.raises(ValidationError):
        service.merge_categories(press, factories.category("fds"))  # into a retired category
    with pytest.raises(ValidationError):
        service.merge_categories(civil, civil)
    with pytest.raises(ValidationError):
        service.set_category_active(press, True)  # a merged category stays merged


def test_a_chain_of_merges_leads_to_the_last_category_kept(app):
    press, partner, civil = (factories.category(c) for c in ("press", "partner", "civil_society"))
    service.merge_categories(partner, press)
    service.merge_categories(civil, partner)
    db.session.expire_all()
    assert db.session.get(Category, press.id).merged_into_id == civil.id


# --- the page ------------------------------------------------------------------------------


def test_the_page_is_in_the_navigation_of_organizers_and_admins_only(app, client, login):
    login("coordinator")
    assert "/categories" not in client.get("/").get_data(as_text=True)
    assert client.get("/categories").status_code == 403
    client.post("/logout")
    login("admin")
    page = client.get("/").get_data(as_text=True)
    assert 'href="/categories">Catégories</a>' in page
    listing = client.get("/categories").get_data(as_text=True)
    assert "Autorités traditionnelles et religieuses" in listing and "<code>traditional</code>" in listing
    assert '<rect width="14" height="14" rx="2" fill="#6a3d9a"/>' in listing  # the badge colour
    assert 'href="/categories"' in client.get("/people").get_data(as_text=True)


def test_organizer_adds_renames_orders_and_retires_on_the_page(app, client, login):
    login("organizer")
    app.config["WTF_CSRF_ENABLED"] = True
    token = _token(client.get("/categories").get_data(as_text=True))
    bad = client.post("/categories", data={"label_fr": "", "label_en": "Youth", "csrf_token": token})
    assert bad.status_code == 200 and "Le libellé est obligatoire." in bad.get_data(as_text=True)
    assert client.post("/categories", data={"label_fr": "Jeunes", "label_en": "Youth"}).status_code == 400  # no token
    added = client.post("/categories", data={"label_fr": "Jeunes", "label_en": "Youth", "colour": "#ff8800",
                                             "code": "", "csrf_token": token})
    assert added.status_code == 302
    youth = db.session.scalar(select(Category).where(Category.code == "jeunes"))
    assert (youth.label_en, youth.colour) == ("Youth", "#ff8800")
    edit = client.post(f"/categories/{youth.id}", data={"label_fr": "Jeunes leaders", "label_en": "Young leaders",
                                                        "colour": "#aa5500", "csrf_token": token})
    assert edit.status_code == 302
    db.session.refresh(youth)
    assert (youth.code, youth.label_fr, youth.label_en) == ("jeunes", "Jeunes leaders", "Young leaders")
    assert client.post(f"/categories/{youth.id}/move", data={"position": "1", "csrf_token": token}).status_code == 302
    assert codes()[0] == "jeunes"
    retire = client.post(f"/categories/{youth.id}/retire", data={"csrf_token": token}, follow_redirects=True)
    assert "est retirée" in retire.get_data(as_text=True) and "jeunes" not in codes()
    assert "Catégories retirées" in retire.get_data(as_text=True)
    # Retired: no longer offered on a participant's form.
    event = factories.make_event()
    form = client.get(f"/events/{event.slug}/participants/new").get_data(as_text=True)
    assert "Jeunes leaders" not in form and "Société civile" in form
    client.post(f"/categories/{youth.id}/restore", data={"csrf_token": token})
    assert "jeunes" in codes()
    assert client.get("/categories/999999").status_code == 404


def test_merge_on_the_page_asks_for_confirmation_and_a_double_submit_is_harmless(app, client, login):
    login("organizer")
    app.config["WTF_CSRF_ENABLED"] = True
    press, civil = factories.category("press"), factories.category("civil_society")
    for name in ("Awa", "Moussa"):
        factories.make_person(name, "Maïga", category="press")
    choose = client.get(f"/categories/{press.id}/merge").get_data(as_text=True)
    assert f'<option value="{civil.id}">Société civile (civil_society)</option>' in choose
    assert f'<option value="{press.id}">' not in choose  # not into itself
    confirm = client.get(f"/categories/{press.id}/merge?into={civil.id}").get_data(as_text=True)
    assert "2 personnes passent de «\u00a0Presse\u00a0» à «\u00a0Société civile\u00a0»." in confirm
    assert "garde son code press" in confirm
    assert db.session.get(Category, press.id).merged_into_id is None  # looking changes nothing
    data = {"into": str(civil.id), "csrf_token": _token(confirm)}
    first = client.post(f"/categories/{press.id}/merge", data=data, follow_redirects=True)
    assert "«\u00a0Presse\u00a0» a été fusionnée dans «\u00a0Société civile\u00a0» (2 personnes déplacées)." \
        in first.get_data(as_text=True)
    second = client.post(f"/categories/{press.id}/merge", data=data, follow_redirects=True)
    assert second.status_code == 200 and "«\u00a0Presse\u00a0» a déjà été fusionnée." in second.get_data(as_text=True)
    assert len(entries("category.merge")) == 1
    assert db.session.scalar(select(func.count()).select_from(Person).where(Person.category_id == civil.id)) == 2
    assert "Fusionnée dans «\u00a0Société civile\u00a0»" in second.get_data(as_text=True)
    nothing = client.post(f"/categories/{civil.id}/merge", data={"csrf_token": data["csrf_token"]},
                          follow_redirects=True)
    assert "Choisissez la catégorie à garder." in nothing.get_data(as_text=True)
