"""Who may do what: every route of the app's URL map against every role, from a table.

The table ``EXPECTED`` below says, for each endpoint and method, what each role gets. A route
that is in the URL map but not in the table FAILS the test: a new route must be declared here,
with one line, e.g.::

    "people.participants": {"GET": staff_of_event(200)},

Roles: anonymous; ``door`` (a door user given THIS event); ``door_other`` (a door user given
another event); coordinator; organizer; admin; ``station_other`` (no user, but the bearer token
of a station paired to ANOTHER event, sent as ``Authorization: Bearer``).

Expected answers are status codes, or ``LOGIN`` for a redirect to the sign-in page. A JSON API
route that stations use might read, for instance::

    "door.api_scan": {"POST": with_(door_of_event(200), anonymous=401, station_other=404)},

URL arguments are filled from ``URL_ARGUMENTS`` (objects made by ``World``); add a name there
when a new route uses a new one.
"""
from __future__ import annotations

import io
import itertools
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import current_app, g

from eventapp.accounts.models import User
from eventapp.badges import services as badge_service
from eventapp.core.tokens import hash_token, new_station_token
from eventapp.door.models import CheckIn, Station
from eventapp.events.models import Event, Project
from eventapp.extensions import db
from eventapp.people.imports import store_upload
from eventapp.people.models import Category, Person
from eventapp.registration.models import Registration
from eventapp.reports.certificates import new_code as new_certificate_code
from eventapp.reports.models import Certificate
from tests import factories

_worlds = itertools.count(1)

ROLES = ("anonymous", "door_other", "door", "coordinator", "organizer", "admin", "station_other")
STAFF = ("door", "coordinator", "organizer", "admin")
LOGIN = "login"  # a 302 to the sign-in page
SAFE_METHODS = ("HEAD", "OPTIONS")  # answered by Flask for every GET route; not declared


def everyone(status: int) -> dict:
    """Every role gets ``status`` (public pages)."""
    return {role: status for role in ROLES}


def signed_in(status: int = 200, *, guest=LOGIN) -> dict:
    """Any signed-in user gets ``status``; others go to the sign-in page."""
    return {role: (status if role in STAFF or role == "door_other" else guest) for role in ROLES}


def at_least(role: str, status: int = 200, *, other_event: int | None = None) -> dict:
    """Users of ``role`` and above get ``status``; users below get 403; guests the sign-in page.

    ``other_event`` is what a user who may not see the event gets (404 from ``event_or_404``);
    it only matters for door users of another event when ``role`` is ``door``.
    """
    order = ["door", "coordinator", "organizer", "admin"]
    allowed = set(order[order.index(role):])
    expected = {"anonymous": LOGIN, "station_other": LOGIN}
    for r in order:
        expected[r] = status if r in allowed else 403
    expected["door_other"] = (other_event or 404) if "door" in allowed else 403
    return expected


def admin_only(status: int = 200) -> dict:
    """Only admins."""
    return at_least("admin", status)


def staff_of_event(status: int = 200) -> dict:
    """Coordinators and above; door users get 403 (read-only event pages that door staff can't see)."""
    return at_least("coordinator", status)


def door_of_event(status: int = 200) -> dict:
    """Door users of this event and everyone above; door users of another event get 404."""
    return at_least("door", status)


def organizers(status: int = 200) -> dict:
    """Organizers and admins."""
    return at_least("organizer", status)


def with_(base: dict, **changes) -> dict:
    """``base`` with some roles' answers changed."""
    return {**base, **changes}


def readers(status: int = 200) -> dict:
    """Coordinators and above (reports, sheets, exports, the check-in log)."""
    return at_least("coordinator", status)


def door_page(status: int = 200) -> dict:
    """The scanning page: door users of this event, organizers and admins; coordinators don't scan."""
    return with_(door_of_event(status), coordinator=403)


def door_api(status: int = 200) -> dict:
    """The door's JSON API: a session of a door user of this event, an organizer or an admin, or the
    bearer token of a station of this event. Guests get 401, a station of another event 403, a door
    user of another event 404; all in JSON, never the sign-in page."""
    return {"anonymous": 401, "station_other": 403, "door_other": 404, "door": status, "coordinator": 403,
            "organizer": status, "admin": status}


def board_api(status: int = 200) -> dict:
    """The live board's figures: coordinators and above, by session only."""
    return with_(door_api(status), door=403, door_other=403, coordinator=status)


# The table: endpoint -> method -> role -> expected answer. Answers of POSTs are for an empty form.
EXPECTED: dict[str, dict[str, dict]] = {
    "static": {"GET": everyone(200)},
    # foundation
    "auth.login": {"GET": signed_in(302, guest=200), "POST": signed_in(302, guest=200)},
    "auth.logout": {"POST": everyone(LOGIN)},
    "auth.set_language": {"POST": everyone(302)},
    "main.index": {"GET": with_(signed_in(200), door=302, door_other=302)},  # door users start at the door
    "auth.account": {"GET": signed_in(200)},
    "auth.sign_out_everywhere": {"POST": everyone(LOGIN)},  # one's own sessions; then the sign-in page
    # trust (issue 7)
    "audit.log": {"GET": admin_only(200)},
    "audit.export": {"GET": admin_only(200)},
    "privacy.person": {"GET": admin_only(200), "POST": admin_only(200)},  # POST without confirmation
    "privacy.export_person": {"GET": admin_only(200)},
    "privacy.purge_event": {"GET": admin_only(200), "POST": admin_only(200)},  # POST without confirmation
    # staff accounts (issue 2)
    "admin.users": {"GET": admin_only(200)},
    "admin.user_new": {"GET": admin_only(200), "POST": admin_only(200)},  # the form with its errors
    "admin.user_edit": {"GET": admin_only(200), "POST": admin_only(200)},  # no role: the form with its errors
    "admin.user_sign_out": {"POST": admin_only(302)},
    # events, agenda, officials (issue 2)
    "events.create": {"GET": organizers(200), "POST": organizers(200)},
    "events.show": {"GET": door_of_event(200)},  # the event's hub; door staff reach their door from it
    "events.edit": {"GET": organizers(200), "POST": organizers(200)},
    "events.duplicate": {"GET": organizers(200), "POST": organizers(200)},
    "events.change_status": {"POST": organizers(302)},  # no status: a message, back to the event
    "events.logo": {"GET": door_of_event(200)},
    "events.delete_logo": {"POST": organizers(302)},
    "events.programme_pdf": {"GET": readers(200)},
    "events.agenda_new": {"GET": organizers(200), "POST": organizers(200)},
    "events.agenda_edit": {"GET": organizers(200), "POST": organizers(200)},
    "events.agenda_delete": {"POST": organizers(302)},
    "events.official_new": {"GET": organizers(200), "POST": organizers(200)},
    "events.official_edit": {"GET": organizers(200), "POST": organizers(200)},
    "events.official_move": {"POST": organizers(302)},
    "events.official_delete": {"POST": organizers(302)},
    # people, imports, invitations (issue 3)
    "people.participants": {"GET": readers(200)},
    "people.participant_new": {"GET": organizers(200), "POST": organizers(200)},
    "people.participant_edit": {"GET": organizers(200), "POST": organizers(302)},  # empty: unchanged
    "people.cancel_selected": {"POST": organizers(302)},  # nothing selected: a warning
    "people.days_selected": {"POST": organizers(302)},  # nothing selected: a warning
    "people.add_bulk": {"GET": organizers(200), "POST": organizers(302)},
    "people.import_upload": {"GET": organizers(200), "POST": organizers(200)},
    "people.import_preview": {"GET": organizers(200), "POST": organizers(200)},
    "people.export": {"GET": readers(200)},
    "people.invitations_page": {"GET": organizers(200)},
    "people.invite": {"POST": organizers(302)},
    "people.remind": {"POST": organizers(302)},
    "people.letters": {"POST": organizers(302)},
    "people.registration_settings": {"GET": organizers(200), "POST": organizers(302)},
    "people.directory": {"GET": organizers(200)},
    "people.person": {"GET": organizers(200), "POST": organizers(302)},
    "people.duplicates": {"GET": organizers(200)},
    "people.merge": {"GET": organizers(200), "POST": organizers(302)},
    "categories.index": {"GET": organizers(200), "POST": organizers(200)},  # empty: the labels are required
    "categories.edit": {"GET": organizers(200), "POST": organizers(302)},  # empty: unchanged
    "categories.move": {"POST": organizers(302)},  # no position: a message
    "categories.retire": {"POST": organizers(302)},
    "categories.restore": {"POST": organizers(302)},
    "categories.merge": {"GET": organizers(200), "POST": organizers(302)},  # nothing chosen: back to the choice
    # pages for participants, without signing in (issue 3)
    "public.answer": {"GET": everyone(200), "POST": everyone(409)},  # the event is over: answers closed
    "public.register": {"GET": everyone(200), "POST": everyone(409)},  # the form is closed
    # the door (issue 4)
    "door.scan": {"GET": door_page(200)},
    # a door user of one event goes to its door page; organizers get the list of door pages
    "door.home": {"GET": with_(door_page(200), door=302, door_other=302)},
    "door.service_worker": {"GET": everyone(200)},
    "door.manifest": {"GET": everyone(200)},
    "door.pair": {"GET": everyone(200)},  # the phone spends the code in JavaScript (api.pair)
    "door.stations": {"GET": organizers(200), "POST": organizers(200)},
    "door.pairing": {"GET": organizers(200)},
    "door.revoke": {"POST": organizers(302)},
    "door.board": {"GET": readers(200)},
    "door.log": {"GET": readers(200)},
    "api.checkin": {"POST": door_api(400)},  # not a JSON body: 400 once let in
    "api.checkin_batch": {"POST": door_api(400)},
    "api.walk_in": {"POST": door_api(400)},
    "api.void": {"POST": with_(door_api(400), station_other=404)},  # another event's check-in: "no such check-in"
    "api.roster": {"GET": door_api(200)},
    "api.stats": {"GET": door_api(200)},
    "api.search": {"GET": door_api(200)},
    "api.board": {"GET": board_api(200)},
    "api.pair": {"POST": everyone(400)},  # a device without an account spends its one-time code here
    "api.openapi": {"GET": everyone(200)},  # the API's description: no personal data
    "api.not_found": {m: everyone(404) for m in ("GET", "POST", "PUT", "PATCH", "DELETE")},
    # badges (issue 5)
    # Door staff may print one walk-in's badge (?registration_id=N); the bare form sends them back to
    # their door page, and an empty selection is a bad request for everyone (nothing printed).
    "badges.print_badges": {"GET": with_(organizers(200), door=302, door_other=404),
                            "POST": with_(organizers(400), door=400, door_other=404)},
    "badges.settings": {"POST": organizers(400)},  # no layout
    "badges.job": {"GET": organizers(200)},
    "badges.job_status": {"GET": organizers(200)},
    "badges.job_download": {"GET": organizers(200)},
    "badges.nameplates": {"GET": organizers(200)},
    # reports (issue 6)
    "reports.index": {"GET": readers(200)},
    "reports.report_file": {"GET": readers(200)},
    "reports.sheets": {"GET": readers(200)},
    "reports.payments": {"GET": readers(200)},
    "reports.payments_save": {"POST": organizers(400)},  # payments_paid, run just before, locked the sheet
    "reports.payments_paid": {"POST": organizers(302)},
    "reports.payments_file": {"GET": readers(200)},
    "reports.certificates": {"GET": readers(200), "POST": readers(400)},  # printing; no signatory chosen
    "reports.certificates_email": {"POST": organizers(400)},  # no signatory chosen
    "reports.certificate_check": {"GET": everyone(200)},
    "reports.project": {"GET": readers(200)},
    "reports.project_file": {"GET": readers(200)},
}


#: The routes other than GET that a coordinator (the read-only role) may reach, each on purpose.
#: Any other such route must refuse coordinators: ``test_the_read_only_role_changes_nothing``.
COORDINATOR_MAY_POST = {
    "auth.login": "signing in",
    "auth.logout": "signing out",
    "auth.set_language": "the interface language, kept on one's own account",
    "auth.sign_out_everywhere": "ending one's own sessions",
    "reports.certificates": "printing certificates (a PDF to download)",
    "public.answer": "a public page, for anyone holding the answer link",
    "public.register": "a public page",
    "api.pair": "a phone spends a pairing code (no account involved)",
    "api.not_found": "answers 404 whatever the method",
}

#: Routes other than GET without ``roles_required``, and what decides who may use them instead.
DECIDED_IN_THE_VIEW = {
    "auth.login": "anyone may try to sign in",
    "auth.logout": "anyone may sign out",
    "auth.set_language": "anyone may choose a language",
    "auth.sign_out_everywhere": "login_required: one's own account",
    "public.answer": "the answer link's token",
    "public.register": "public while registration is open",
    "api.checkin": "door_auth: door users, organizers and stations of the event",
    "api.checkin_batch": "door_auth",
    "api.walk_in": "door_auth",
    "api.void": "door_auth, for the event of the check-in",
    "api.pair": "the one-time pairing code",
    "api.not_found": "nothing there",
}


@dataclass
class World:
    """The objects the URL arguments point at."""

    event: Event
    other_event: Event
    person: Person
    registration: Registration
    users: dict[str, User]
    station_token: str
    station: Station
    agenda_item: object
    official: object
    checkin: CheckIn
    # The account that /admin/users/<user_id> edits: not one of the roles' own accounts, which an
    # edit posted there could change in the middle of the test.
    spare_user: User
    duplicates: tuple[Person, Person]  # two persons to merge, the second into the first
    project: Project
    category: Category  # a category of its own, that a retire or a move may change
    certificate: Certificate
    logo_kind: str
    upload_id: str  # a participants file waiting for its import preview
    job_id: str  # a finished background badge print

    def alive(self) -> bool:
        """False when a request deleted or used up one of the objects (then a new world is made)."""
        db.session.expire_all()
        present = all(db.session.get(type(o), o.id) is not None for o in (
            self.event, self.other_event, self.person, self.registration, self.station, self.agenda_item,
            self.official, self.checkin, self.spare_user, *self.duplicates, self.project, self.certificate,
            *self.users.values()))
        # A merge can be done once: afterwards the same request would answer differently.
        return present and db.session.get(Person, self.duplicates[1].id).merged_into_id is None


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (27, 94, 58)).save(out, "PNG")
    return out.getvalue()


def _finished_print(event: Event, registration: Registration) -> str:
    """The id of a background badge print of ``event``, once it is done."""
    app = current_app._get_current_object()
    instance = Path(app.instance_path)
    request = badge_service.parse_print_request(event, {}, [str(registration.id)])
    job_id = badge_service.start_print_job(app, event, request, actor=None, upload_dir=instance / "uploads",
                                           prints_dir=instance / "prints")
    for _ in range(600):  # one badge takes well under a second; allow a minute on a busy machine
        if badge_service.job_status(instance / "prints", job_id, event)["state"] != "running":
            break
        time.sleep(0.1)
    assert badge_service.job_status(instance / "prints", job_id, event)["state"] == "done"
    return job_id


def make_world() -> World:
    project = Project(name=f"Projet Paix et Sécurité {next(_worlds)}", funder="Coopération suisse")
    db.session.add(project)
    db.session.flush()
    event = factories.make_event(project_id=project.id)
    other = factories.make_event()
    person = factories.make_person("Aïssata", "N'Diaye", sex="F", category="civil_society")
    registration = factories.make_registration(event, person)
    users = {
        "door": factories.make_user(role="door"),
        "door_other": factories.make_user(role="door"),
        "coordinator": factories.make_user(role="coordinator"),
        "organizer": factories.make_user(role="organizer"),
        "admin": factories.make_user(role="admin"),
    }
    users["door"].events = [event]
    users["door_other"].events = [other]
    token = new_station_token()
    db.session.add(Station(event_id=other.id, name="Porte B", token_hash=hash_token(token)))
    own_station = Station(event_id=event.id, name="Porte A", token_hash=hash_token(new_station_token()))
    db.session.add(own_station)
    db.session.flush()
    at = datetime(2023, 6, 21, 9, 14, tzinfo=UTC)
    checkin = CheckIn(event_id=event.id, registration_id=registration.id, day=event.start_date, scanned_at=at,
                      recorded_at=at, station_id=own_station.id, source="qr", client_id=None)
    db.session.add(checkin)
    certificate = Certificate(code=new_certificate_code(), event_id=event.id, registration_id=registration.id)
    db.session.add(certificate)
    # The organiser's logo, as an upload would leave it in the instance folder.
    uploads = Path(current_app.instance_path) / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    logo = f"logo-{event.slug}.png"
    (uploads / logo).write_bytes(_png())
    event.organizer_logo = logo
    db.session.commit()
    upload_id = store_upload("prénom;nom;sexe\nMariam;Maïga;F\n".encode(), "participants.csv",
                             Path(current_app.instance_path) / "imports")
    duplicates = (factories.make_person("Oumar", "Diarra", phone="+223 70 00 00 01"),
                  factories.make_person("Oumar", "Diarra", phone="+223 70 00 00 01"))
    category = Category(code=f"world_{next(_worlds)}", label_fr=f"Catégorie {next(_worlds)}", label_en="World")
    db.session.add(category)
    db.session.commit()
    return World(event=event, other_event=other, person=person, registration=registration, users=users,
                 station_token=token, station=own_station, agenda_item=factories.make_agenda_item(event),
                 official=factories.make_official(event), checkin=checkin,
                 spare_user=factories.make_user(role="door", name="Kadiatou Sidibé"), duplicates=duplicates,
                 project=project, certificate=certificate, logo_kind="organizer_logo", upload_id=upload_id,
                 category=category,
                 job_id=_finished_print(event, registration))


#: URL argument name -> its value in a world. One line per new name.
URL_ARGUMENTS = {
    "slug": lambda w: w.event.slug,
    "event_slug": lambda w: w.event.slug,
    "person_id": lambda w: w.person.id,
    "registration_id": lambda w: w.registration.id,
    "checkin_id": lambda w: w.checkin.id,
    "station_id": lambda w: w.station.id,
    "item_id": lambda w: w.agenda_item.id,
    "agenda_item_id": lambda w: w.agenda_item.id,
    "official_id": lambda w: w.official.id,
    "user_id": lambda w: w.spare_user.id,
    "token": lambda w: w.registration.answer_token,
    "day": lambda w: w.event.start_date.isoformat(),
    "lang": lambda w: "en",
    "filename": lambda w: "css/app.css",
    "kind": lambda w: w.logo_kind,
    "job_id": lambda w: w.job_id,
    "upload_id": lambda w: w.upload_id,
    "kept_id": lambda w: w.duplicates[0].id,
    "merged_id": lambda w: w.duplicates[1].id,
    "project_id": lambda w: w.project.id,
    "category_id": lambda w: w.category.id,
    "code": lambda w: w.certificate.code,  # also the pairing code of /door/pair/<code> (any text)
    "fmt": lambda w: "pdf",
    "_rest": lambda w: "no/such/thing",
}


def routes(app) -> list[tuple[str, str, object]]:
    """(endpoint, method, rule) for every declared method of every rule."""
    found = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - set(SAFE_METHODS)):
            found.append((rule.endpoint, method, rule))
    return found


def url_for_rule(rule, world: World) -> str:
    values = {}
    for name in rule.arguments:
        if name not in URL_ARGUMENTS:
            raise AssertionError(f"{rule.rule}: no value for the URL argument '{name}'; add it to URL_ARGUMENTS")
        values[name] = URL_ARGUMENTS[name](world)
    url = rule.build(values, append_unknown=False)
    return url[1] if isinstance(url, tuple) else url


class Clients:
    """One test client per role, signed in again whenever a request signed it out."""

    def __init__(self, app, world: World):
        self.app, self.world, self.clients = app, world, {}

    def get(self, role: str):
        client = self.clients.get(role)
        if client is None:
            client = self.clients[role] = self.app.test_client()
        if role in self.world.users:
            with client.session_transaction() as session:
                signed = "_user_id" in session
            if not signed:
                g.pop("_login_user", None)
                response = client.post("/login", data={"email": self.world.users[role].email,
                                                       "password": factories.PASSWORD})
                assert response.status_code == 302, f"{role} could not sign in"
        return client

    def headers(self, role: str) -> dict:
        return {"Authorization": f"Bearer {self.world.station_token}"} if role == "station_other" else {}


def _matches(expected, response) -> bool:
    if expected == LOGIN:
        return response.status_code == 302 and "/login" in response.headers.get("Location", "")
    return response.status_code == expected


def undeclared_routes(app) -> list[str]:
    """'endpoint METHOD' of the routes that have no line in EXPECTED."""
    return sorted(f"{e} {m}" for e, m, _ in routes(app) if m not in EXPECTED.get(e, {}))


def test_a_new_route_without_an_entry_is_caught(app):
    app.add_url_rule("/trust-probe", "trust_probe", lambda: "probe", methods=["GET", "POST"])
    assert undeclared_routes(app) == ["trust_probe GET", "trust_probe POST"]


def test_every_route_is_declared(app):
    endpoints = {(e, m) for e, m, _ in routes(app)}
    undeclared = undeclared_routes(app)
    assert undeclared == [], "declare these routes in EXPECTED of tests/accounts/test_authorization.py: " + \
        ", ".join(undeclared)
    stale = sorted(f"{e} {m}" for e, methods in EXPECTED.items() for m in methods if (e, m) not in endpoints)
    assert stale == [], "EXPECTED names routes that do not exist: " + ", ".join(stale)
    for endpoint, methods in EXPECTED.items():
        for method, answers in methods.items():
            assert set(answers) == set(ROLES), f"{endpoint} {method}: give an answer for every role"


def test_every_state_changing_route_declares_who_may_use_it(app):
    """A route other than GET names its roles (``roles_required``) or says here what decides instead."""
    undeclared = sorted({e for e, m, _ in routes(app) if m != "GET"
                         and getattr(app.view_functions[e], "allowed_roles", None) is None
                         and e not in DECIDED_IN_THE_VIEW})
    assert undeclared == [], "state-changing routes that do not say who may use them: " + ", ".join(undeclared)


def test_the_read_only_role_changes_nothing(app):
    """Every route of the URL map other than GET refuses coordinators, unless declared on purpose."""
    reachable = set()
    for endpoint, method, _rule in routes(app):
        if method == "GET":
            continue
        allowed = getattr(app.view_functions[endpoint], "allowed_roles", None)
        if allowed is not None:
            if "coordinator" in allowed:
                reachable.add(endpoint)
        elif EXPECTED.get(endpoint, {}).get(method, {}).get("coordinator") != 403:
            reachable.add(endpoint)  # decided in the view, and not refused by it
    assert sorted(reachable - set(COORDINATOR_MAY_POST)) == [], "coordinators can change things here"
    assert sorted(set(COORDINATOR_MAY_POST) - reachable) == [], "declared but not reachable: drop from the list"


def test_a_coordinator_cannot_pay_rate_or_email(app, client, login):
    event = factories.make_event()
    official = factories.make_official(event)
    login("coordinator")
    slug = event.slug
    assert client.post(f"/events/{slug}/payments/paid").status_code == 403
    assert client.post(f"/events/{slug}/payments", data={"currency": "XOF", "default_rate": "5000"}).status_code == 403
    assert client.post(f"/events/{slug}/certificates/email", data={"official_id": str(official.id)}).status_code == 403
    db.session.expire_all()
    from eventapp.audit.models import AuditEntry

    assert db.session.scalar(db.select(db.func.count(AuditEntry.id)).where(
        AuditEntry.action.in_(("payments.paid", "payments.update", "certificates.email")))) == 0
    page = client.get(f"/events/{slug}/payments").get_data(as_text=True)
    assert "Marquer comme payé" not in page and "payments/paid" not in page


def test_table_agrees_with_roles_required(app):
    """Where a view is decorated with ``roles_required``, the table must say the same thing."""
    disagreements = []
    for endpoint, methods in EXPECTED.items():
        allowed = getattr(app.view_functions.get(endpoint), "allowed_roles", None)
        if allowed is None:
            continue
        for method, answers in methods.items():
            for role in ("door", "coordinator", "organizer"):
                forbidden = answers[role] == 403
                if forbidden == (role in allowed):
                    disagreements.append(f"{endpoint} {method} {role}: table says {answers[role]}, "
                                         f"roles_required{allowed}")
    assert disagreements == []


@pytest.mark.slow
def test_every_route_answers_every_role_as_declared(app):
    app.config["RATELIMIT_ENABLED"] = False  # hundreds of sign-ins from one address
    app.config["LOGIN_MAX_FAILURES"] = 10_000
    world = make_world()
    clients = Clients(app, world)
    # Reading first, then changes; within each, the least privileged first.
    ordered = sorted(routes(app), key=lambda r: (r[1] not in ("GET",), r[0], r[1]))
    wrong = []
    for endpoint, method, rule in ordered:
        answers = EXPECTED[endpoint][method]
        for role in ROLES:
            client = clients.get(role)
            url = url_for_rule(rule, world)
            # The test's app context is reused by every request, and Flask-Login caches the
            # user in `g`: forget it, or one role's user would answer for the next.
            g.pop("_login_user", None)
            response = client.open(url, method=method, headers=clients.headers(role), data={})
            if not _matches(answers[role], response):
                wrong.append(f"{method} {url} as {role}: expected {answers[role]}, got {response.status_code}")
            if method not in ("GET",) and not world.alive():
                world = make_world()
                clients = Clients(app, world)
    assert wrong == [], "\n".join(wrong)
