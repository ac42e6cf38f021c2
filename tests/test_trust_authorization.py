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

from dataclasses import dataclass
from datetime import datetime, timezone

import pytest
from flask import g

from eventapp.extensions import db
from eventapp.models import CheckIn, Consent, Event, Invitation, Person, Project, Registration, Station, User
from eventapp.services.tokens import hash_token, new_station_token
from tests import factories

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


def door_api(status: int) -> dict:
    """The door's JSON API: door users of this event, organizers and admins (401 for nobody,
    403 for roles without door work and for a station of another event, 404 for another event's door)."""
    return {"anonymous": 401, "door_other": 404, "door": status, "coordinator": 403, "organizer": status,
            "admin": status, "station_other": 403}


# The table: endpoint -> method -> role -> expected answer. Answers of POSTs are for an empty form.
EXPECTED: dict[str, dict[str, dict]] = {
    "static": {"GET": everyone(200)},
    # foundation
    "auth.login": {"GET": signed_in(302, guest=200), "POST": signed_in(302, guest=200)},
    "auth.logout": {"POST": everyone(LOGIN)},
    "auth.set_language": {"POST": everyone(302)},
    "main.index": {"GET": signed_in(200)},
    # events (issue 2)
    "admin.users": {"GET": admin_only(200)},
    "admin.user_new": {"GET": admin_only(200), "POST": admin_only(200)},
    "admin.user_edit": {"GET": admin_only(200), "POST": admin_only(200)},  # POST without a role changes nothing
    "events.show": {"GET": door_of_event(200)},
    "events.create": {"GET": organizers(200), "POST": organizers(200)},
    "events.edit": {"GET": organizers(200), "POST": organizers(200)},
    "events.duplicate": {"GET": organizers(200), "POST": organizers(200)},  # POST without a title
    "events.change_status": {"POST": organizers(302)},
    "events.logo": {"GET": signed_in(404)},  # the world has no logo: 404 to all who may look
    "events.delete_logo": {"POST": organizers(302)},
    "events.agenda_new": {"GET": organizers(200), "POST": organizers(200)},
    "events.agenda_edit": {"GET": organizers(200), "POST": organizers(200)},
    "events.agenda_delete": {"POST": organizers(302)},
    "events.official_new": {"GET": organizers(200), "POST": organizers(200)},
    "events.official_edit": {"GET": organizers(200), "POST": organizers(200)},
    "events.official_move": {"POST": organizers(302)},
    "events.official_delete": {"POST": organizers(302)},
    "events.programme_pdf": {"GET": staff_of_event(200)},
    # people (issue 3)
    "people.directory": {"GET": organizers(200)},
    "people.duplicates": {"GET": organizers(200)},
    "people.person": {"GET": organizers(200), "POST": organizers(302)},
    "people.merge": {"GET": organizers(200), "POST": organizers((200, 302))},  # merged once, then refused
    "people.participants": {"GET": staff_of_event(200)},
    "people.export": {"GET": staff_of_event(200)},
    "people.participant_new": {"GET": organizers(200), "POST": organizers(200)},
    "people.participant_edit": {"GET": organizers(200), "POST": organizers(302)},
    "people.add_bulk": {"GET": organizers(200), "POST": organizers(302)},
    "people.cancel_selected": {"POST": organizers(302)},
    "people.import_upload": {"GET": organizers(200), "POST": organizers(200)},
    "people.import_preview": {"GET": organizers(302), "POST": organizers(302)},  # unknown upload: back
    "people.invitations_page": {"GET": organizers(200)},
    "people.invite": {"POST": organizers(302)},
    "people.remind": {"POST": organizers(302)},
    "people.letters": {"POST": organizers(302)},
    "people.registration_settings": {"GET": organizers(200), "POST": organizers(302)},
    "public.register": {"GET": everyone(200), "POST": everyone(409)},  # the world's event is over: closed
    "public.answer": {"GET": everyone(200), "POST": everyone(409)},
    # door (issue 4)
    "door.scan": {"GET": with_(door_of_event(200), coordinator=403)},
    "door.stations": {"GET": organizers(200), "POST": organizers(200)},
    "door.pairing": {"GET": organizers(200)},
    "door.revoke": {"POST": organizers(302)},
    "door.pair": {"GET": everyone(200)},
    "door.board": {"GET": staff_of_event(200)},
    "door.log": {"GET": staff_of_event(200)},
    "door.manifest": {"GET": everyone(200)},
    "door.service_worker": {"GET": everyone(200)},
    "api.roster": {"GET": door_api(200)},
    "api.search": {"GET": door_api(200)},
    "api.stats": {"GET": door_api(200)},
    "api.board": {"GET": with_(door_api(200), door=403, door_other=403, coordinator=200)},
    "api.checkin": {"POST": door_api(400)},  # an empty body: 400 once let in
    "api.checkin_batch": {"POST": door_api(400)},
    "api.walk_in": {"POST": door_api(400)},
    "api.void": {"POST": door_api(400)},
    "api.pair": {"POST": everyone(400)},
    "api.not_found": {m: everyone(404) for m in ("GET", "POST", "PUT", "PATCH", "DELETE")},
    # badges (issue 5)
    # Door users print one walk-in's badge (?registration_id=N): without exactly one, 403.
    "badges.print_badges": {"GET": with_(organizers(200), door_other=404),
                            "POST": with_(organizers(400), door_other=404)},  # nothing ticked
    "badges.settings": {"POST": organizers(400)},
    "badges.nameplates": {"GET": organizers(200)},
    "badges.job": {"GET": organizers(404)},  # no print job in the world
    "badges.job_status": {"GET": organizers(404)},
    "badges.job_download": {"GET": organizers(404)},
    # reports (issue 6)
    "reports.index": {"GET": staff_of_event(200)},
    "reports.report_file": {"GET": staff_of_event(200)},
    "reports.sheets": {"GET": staff_of_event(200)},
    "reports.payments": {"GET": staff_of_event(200), "POST": staff_of_event(302)},
    "reports.payments_file": {"GET": staff_of_event(200)},
    "reports.payments_paid": {"POST": staff_of_event(302)},
    "reports.certificates": {"GET": staff_of_event(200), "POST": staff_of_event(400)},
    "reports.certificate_check": {"GET": everyone(404)},  # an unknown code
    "reports.project": {"GET": staff_of_event(200)},
    "reports.project_file": {"GET": staff_of_event(200)},
    # trust (issue 7)
    "audit.log": {"GET": admin_only(200)},
    "audit.export": {"GET": admin_only(200)},
    "privacy.person": {"GET": admin_only(200), "POST": admin_only(200)},  # POST without confirmation
    "privacy.export_person": {"GET": admin_only(200)},
    "privacy.purge_event": {"GET": admin_only(200), "POST": admin_only(200)},  # POST without confirmation
}

#: Where a view refuses more than its ``roles_required`` says, on purpose: (endpoint, role) -> why.
NARROWER_THAN_DECORATOR: dict[tuple[str, str], str] = {
    ("badges.print_badges", "door"): "door staff print one walk-in's badge (?registration_id=N), nothing else",
}


@dataclass
class World:
    """The objects the URL arguments point at."""

    event: Event
    other_event: Event
    person: Person
    other_person: Person
    registration: Registration
    users: dict[str, User]
    station_token: str
    station: Station
    agenda_item: object
    official: object
    checkin: CheckIn
    project: Project
    invitation: Invitation
    consent: Consent

    def alive(self) -> bool:
        """False when a request deleted one of the objects (then a new world is made)."""
        db.session.expire_all()
        return all(db.session.get(type(o), o.id) is not None for o in (
            self.event, self.other_event, self.person, self.other_person, self.registration, self.station, self.agenda_item,
            self.official, self.checkin, self.project, self.invitation, self.consent, *self.users.values()))


def make_world() -> World:
    event = factories.make_event()
    other = factories.make_event()
    person = factories.make_person("Aïssata", "N'Diaye", sex="F", category="civil_society")
    registration = factories.make_registration(event, person)
    other_person = factories.make_person("Aissata", "NDiaye", sex="F")
    users = {
        "door": factories.make_user(role="door"),
        "door_other": factories.make_user(role="door"),
        "coordinator": factories.make_user(role="coordinator"),
        "organizer": factories.make_user(role="organizer"),
        "admin": factories.make_user(role="admin"),
    }
    users["door"].events = [event]
    users["door_other"].events = [other]
    # The account that /admin/users/<user_id> edits: not one of the roles' own accounts, which
    # an empty form posted there would otherwise deactivate in the middle of the test.
    users["subject"] = factories.make_user(role="door", email=None)
    token = new_station_token()
    db.session.add(Station(event_id=other.id, name="Porte B", token_hash=hash_token(token)))
    own_station = Station(event_id=event.id, name="Porte A", token_hash=hash_token(new_station_token()))
    db.session.add(own_station)
    db.session.flush()
    at = datetime(2023, 6, 21, 9, 14, tzinfo=timezone.utc)
    checkin = CheckIn(event_id=event.id, registration_id=registration.id, day=event.start_date, scanned_at=at,
                      recorded_at=at, station_id=own_station.id, source="qr", client_id=None)
    db.session.add(checkin)
    project = Project(name=f"Dialogue civilo-militaire {event.slug}")
    event.project = project
    invitation = Invitation(registration=registration, channel="letter")
    consent = Consent(person=person, kind="photos", given=True, event_id=event.id)
    db.session.add_all([project, invitation, consent])
    db.session.commit()
    return World(event=event, other_event=other, person=person, other_person=other_person,
                 registration=registration, users=users,
                 station_token=token, station=own_station, agenda_item=factories.make_agenda_item(event),
                 official=factories.make_official(event), checkin=checkin, project=project,
                 invitation=invitation, consent=consent)


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
    "user_id": lambda w: w.users["subject"].id,
    "project_id": lambda w: w.project.id,
    "invitation_id": lambda w: w.invitation.id,
    "consent_id": lambda w: w.consent.id,
    "kept_id": lambda w: w.person.id,
    "merged_id": lambda w: w.other_person.id,
    "kind": lambda w: "organiser_logo",
    "fmt": lambda w: "xlsx",
    "job_id": lambda w: "no-such-job",  # made by a print; an unknown one is a 404 to those allowed
    "upload_id": lambda w: "no-such-upload",  # likewise, made by an upload
    "code": lambda w: "NO-SUCH-CODE",  # certificate and pairing codes
    "_rest": lambda w: "no/such/thing",
    "token": lambda w: w.registration.answer_token,
    "day": lambda w: w.event.start_date.isoformat(),
    "lang": lambda w: "en",
    "filename": lambda w: "css/app.css",
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
    if isinstance(expected, tuple):  # several answers are right (a change done once, then refused)
        return response.status_code in expected
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
    assert undeclared == [], "declare these routes in EXPECTED of tests/test_trust_authorization.py: " + \
        ", ".join(undeclared)
    stale = sorted(f"{e} {m}" for e, methods in EXPECTED.items() for m in methods if (e, m) not in endpoints)
    assert stale == [], "EXPECTED names routes that do not exist: " + ", ".join(stale)
    for endpoint, methods in EXPECTED.items():
        for method, answers in methods.items():
            assert set(answers) == set(ROLES), f"{endpoint} {method}: give an answer for every role"


def test_table_agrees_with_roles_required(app):
    """Where a view is decorated with ``roles_required``, the table must say the same thing."""
    disagreements = []
    for endpoint, methods in EXPECTED.items():
        allowed = getattr(app.view_functions.get(endpoint), "allowed_roles", None)
        if allowed is None:
            continue
        for method, answers in methods.items():
            for role in ("door", "coordinator", "organizer"):
                if (endpoint, role) in NARROWER_THAN_DECORATOR:
                    continue
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
