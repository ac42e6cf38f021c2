"""The door API's OpenAPI description: served, valid, in step with the routes, and a
property-based run of the app against it (schemathesis, in-process) that finds no 500.
"""
from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from eventapp.core.tokens import qr_payload
from eventapp.door import checkin as checkin_service
from eventapp.door import stations as station_service
from eventapp.door.api import OPENAPI_PATH
from eventapp.extensions import db
from tests import factories
from tests.conftest import make_app

#: Routes of the API blueprint that are not operations: unknown paths answer a JSON 404.
NOT_OPERATIONS = {"api.not_found"}
METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


def _document() -> dict:
    return json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))


def test_served_description_is_the_file(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.get_data() == OPENAPI_PATH.read_bytes()
    assert response.json == _document()
    # No personal data in it: public, and caches may keep it.
    assert "public" in response.headers["Cache-Control"] and "no-store" not in response.headers["Cache-Control"]


def test_description_is_valid_openapi():
    from openapi_spec_validator import validate

    document = _document()
    validate(document)
    assert document["openapi"].startswith("3.1")


def _rule_path(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


def test_description_covers_every_api_route_and_nothing_else(app):
    routes = {(_rule_path(rule.rule), method.lower())
              for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/") and rule.endpoint not in NOT_OPERATIONS
              for method in rule.methods & METHODS}
    described = {(path, method) for path, item in _document()["paths"].items() for method in item
                 if method.upper() in METHODS}
    assert routes == described
    assert {r.endpoint for r in app.url_map.iter_rules() if r.rule.startswith("/api/")} - NOT_OPERATIONS


# --- the property-based run -----------------------------------------------------------


@pytest.fixture
def door_event(app):
    """An event held today (so live scans count), with badges, a session, check-ins, a
    cancelled registration, and another event's check-in for the void route to meet."""
    today = datetime.now(UTC).date()
    event = factories.make_event(start_date=today - timedelta(days=1), end_date=today + timedelta(days=1),
                                 timezone="Africa/Bamako")
    other = factories.make_event(start_date=date(2023, 6, 21), end_date=date(2023, 6, 21))
    factories.make_agenda_item(event, day=today)
    regs = [factories.make_registration(event, factories.make_person(first, last, category="civil_society",
                                                                     organisation="IMRAP", phone=phone))
            for first, last, phone in (("Awa", "Traoré", "+22370000001"), ("Oumou", "Maïga", "+22370000002"),
                                       ("Ousmane", "N'Diaye", None))]
    factories.make_registration(event, factories.make_person("Kadiatou", "Doumbia"), status="cancelled")
    foreign = factories.make_registration(other, factories.make_person("Moussa", "Koné"))
    for reg in regs[:2]:
        checkin_service.check_in(event, qr_payload(reg.checkin_token), operator=None)
    checkin_service.check_in(other, foreign.checkin_token, scanned_at=datetime(2023, 6, 21, 9, tzinfo=UTC),
                             operator=None)
    return event


@pytest.fixture
def fuzz_app(app, door_event, tmp_path):
    """A second app on the same database, outside the test's app context, as a server runs:
    each request gets its own context and session, so one request's failure cannot leak into
    the next. Exceptions propagate (TESTING), so a 500 shows its traceback."""
    application = make_app(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "fuzz-instance")
    yield application
    with application.app_context():
        db.engine.dispose()


#: Requests the random run may miss, tried every time: the extremes of issue 11's "bad input"
#: (first and last years, ids past 2**31 and 2**63, NUL and control characters).
YEAR_1, YEAR_9999 = "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-12:00"
EDGE_CASES = {
    "POST /api/events/{slug}/checkins": [
        {"body": {"token": "X", "scanned_at": YEAR_1}},
        {"body": {"token": "X", "scanned_at": YEAR_9999}},
        {"body": {"token": "X", "scanned_at": -62135596800001}},
        {"body": {"token": "X", "agenda_item_id": 2**31}},
        {"body": {"token": "X", "agenda_item_id": "²"}},
        {"body": {"payload": "EV1\x00", "client_id": "\x00"}},
    ],
    "POST /api/events/{slug}/checkins/batch": [
        {"body": {"scans": [{"token": "X", "scanned_at": YEAR_1}, {"token": "Y"}]}},
        {"body": {"scans": [{"token": "X"}], "sent_at": YEAR_9999}},
        {"body": {"scans": [{"token": "X", "agenda_item_id": 2**31, "client_id": "b\x00"}]}},
    ],
    "GET /api/events/{slug}/roster": [{"query": {"since": YEAR_1}}, {"query": {"since": YEAR_9999}}],
    "GET /api/events/{slug}/search": [{"query": {"q": "Ma\x00ïga"}}, {"query": {"q": "7000\x000001"}}],
    "POST /api/events/{slug}/walk-ins": [
        {"body": {"first_name": "Awa\x00", "last_name": "Traoré\x07", "phone": "\x00"}},
        {"body": {"first_name": "Awa", "last_name": "Traoré", "scanned_at": YEAR_1}},
    ],
    "POST /api/checkins/{checkin_id}/void": [
        {"path_parameters": {"checkin_id": 2**31}, "body": {}},
        {"path_parameters": {"checkin_id": 2**63}, "body": {}},
        {"path_parameters": {"checkin_id": 1}, "body": {"reason": "Maïga\x00\x07"}},
    ],
    "GET /api/events/{slug}/board": [{"query": {"day": "0001-01-01"}}, {"query": {"day": "9999-12-31"}}],
    "POST /api/stations/pair": [{"body": {"code": "\x00"}}],
}


def _real_scans(event) -> dict:
    """Scans of the event's real badges (admitted, already in, cancelled), so that full answers
    (registration, check-in) are checked against the description too."""
    from sqlalchemy import select

    from eventapp.registration.models import Registration

    tokens = db.session.scalars(select(Registration.checkin_token).where(Registration.event_id == event.id)
                                .order_by(Registration.id)).all()
    scans = [{"token": t, "client_id": f"real-{i}", "source": "search"} for i, t in enumerate(tokens)]
    return {"POST /api/events/{slug}/checkins": [{"body": scan} for scan in scans],
            "POST /api/events/{slug}/checkins/batch": [{"body": {"scans": scans + [7], "sent_at": 1}}]}


def _fuzz(application, event, *, headers: dict | None = None, cookies: dict | None = None,
          max_examples: int = 50) -> list[str]:
    """Run every operation of the served description against the app; return the failures,
    each with the request and where the app broke."""
    slug = event.slug
    # Schemathesis's in-process calls send requests' default "Accept-Encoding: gzip, deflate"
    # but, unlike a network client, do not decode the answer: ask for plain bodies here
    # (compression has its own tests, tests/core/test_compression.py).
    headers = {**(headers or {}), "Accept-Encoding": "identity"}
    given_cases = {**EDGE_CASES}
    for label, cases in _real_scans(event).items():
        given_cases[label] = cases + given_cases.get(label, [])
    import schemathesis
    from schemathesis.checks import not_a_server_error
    from schemathesis.generation import GenerationMode
    from schemathesis.specs.openapi.checks import response_schema_conformance

    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)
    failures = []
    last = []  # the case being run, for the report of a failure
    for result in schema.get_all_operations():
        operation = result.ok()
        fixed = {"slug": slug} if any(p.name == "slug" for p in operation.path_parameters) else None
        strategy = st.one_of([operation.as_strategy(mode, path_parameters=fixed, headers=headers, cookies=cookies)
                              for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)])
        last.clear()

        @settings(max_examples=max_examples, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck), report_multiple_bugs=False,
                  # No shrinking: it costs minutes per failure; the first failing request is
                  # reproduction enough, and a passing run never shrinks anyway.
                  phases=[Phase.explicit, Phase.generate])
        @given(case=strategy)
        def run(case):
            last[:] = [case]
            response = case.call(headers=headers, cookies=cookies)
            case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])

        for given_case in given_cases.get(operation.label, ()):
            case = operation.Case(**{"path_parameters": fixed, **given_case})
            try:
                response = case.call(headers=headers, cookies=cookies)
                case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - schemathesis raises FailureGroup
                failures.append(_describe(f"{operation.label} (edge case)", case, exc))
        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - collected, to report them all
            failures.append(_describe(operation.label, last[0] if last else None, exc))
    return failures


def _describe(label: str, case, exc: BaseException) -> str:
    """The failing request (Hypothesis replays the smallest one last) and the app's frames."""
    import traceback

    from schemathesis.core import NotSet

    frames = [f"{f.filename.split('eventapp/')[-1]}:{f.lineno} {f.name}"
              for f in traceback.extract_tb(exc.__traceback__) if "/eventapp/" in f.filename]
    request = ""
    if case is not None:
        body = "" if isinstance(case.body, NotSet) else f" body={case.body!r}"
        request = f"{case.method} {case.formatted_path} query={case.query!r}{body}"
    parts = exc.exceptions if isinstance(exc, BaseExceptionGroup) else (exc,)
    message = "; ".join(" ".join([line for line in str(part).splitlines() if line.strip()][:2]) for part in parts)
    return f"{label}: {type(exc).__name__}: {message}\n  request: {request}\n  at: {' <- '.join(reversed(frames[-4:]))}"


#: The random run and the edge cases still find 500s (bad dates, ids past the database's
#: integers, NUL bytes on PostgreSQL): issue 11's "bad input" work fixes them in the app. Remove
#: this mark once that lands; non-strict so the fix turns it into a plain pass.


@pytest.mark.slow
def test_no_server_error_with_a_station_token(fuzz_app, door_event):
    issued = station_service.create_station(door_event, "Porte A")
    failures = _fuzz(fuzz_app, door_event, headers={"Authorization": f"Bearer {issued.token}"})
    assert not failures, "\n\n".join(failures)


@pytest.mark.slow
@pytest.mark.parametrize("role", ["door", "organizer"])
def test_no_server_error_with_a_signed_in_user(fuzz_app, door_event, role):
    user = factories.make_user(role=role)
    user.events = [door_event]
    db.session.commit()
    client = fuzz_app.test_client()
    response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 302
    cookie = client.get_cookie(fuzz_app.config.get("SESSION_COOKIE_NAME", "session"))
    failures = _fuzz(fuzz_app, door_event, cookies={cookie.key: cookie.value}, max_examples=25)
    assert not failures, "\n\n".join(failures)
