"""The door API's OpenAPI description: served, valid, in step with the routes, and a
property-based run of the app against it (schemathesis, in-process) that finds no 500.
"""
from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventapp.extensions import db
from eventapp.services import checkin as checkin_service
from eventapp.services import stations as station_service
from eventapp.services.tokens import qr_payload
from eventapp.web.api import OPENAPI_PATH
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
    today = datetime.now(timezone.utc).date()
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
    checkin_service.check_in(other, foreign.checkin_token, scanned_at=datetime(2023, 6, 21, 9, tzinfo=timezone.utc),
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


def _fuzz(application, slug: str, *, headers: dict | None = None, cookies: dict | None = None,
          max_examples: int = 50) -> list[str]:
    """Run every operation of the served description against the app; return the failures."""
    import schemathesis
    from schemathesis.checks import not_a_server_error
    from schemathesis.generation import GenerationMode
    from schemathesis.specs.openapi.checks import response_schema_conformance

    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        fixed = {"slug": slug} if any(p.name == "slug" for p in operation.path_parameters) else None
        strategy = st.one_of([operation.as_strategy(mode, path_parameters=fixed, headers=headers, cookies=cookies)
                              for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)])

        @settings(max_examples=max_examples, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck), report_multiple_bugs=True)
        @given(case=strategy)
        def run(case):
            response = case.call(headers=headers, cookies=cookies)
            case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])

        try:
            run()
        except Exception as exc:  # noqa: BLE001 - collected, to report every operation at once
            failures.append(f"{operation.label}: {type(exc).__name__}: {exc}")
    return failures


@pytest.mark.slow
def test_no_server_error_with_a_station_token(fuzz_app, door_event):
    issued = station_service.create_station(door_event, "Porte A")
    failures = _fuzz(fuzz_app, door_event.slug, headers={"Authorization": f"Bearer {issued.token}"})
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
    failures = _fuzz(fuzz_app, door_event.slug, cookies={cookie.key: cookie.value})
    assert not failures, "\n\n".join(failures)
