"""The door's JSON API (see README, "Door API").

Authentication: a signed-in door user (of that event), organizer or admin — the session
cookie — or a station's bearer token (``Authorization: Bearer st_…``), good for its own event
only and refused from the moment it is revoked. CSRF tokens are not used here: requests with a
body must be JSON, which a cross-site form cannot send, and the session cookie is SameSite.
Every bad input is a 4xx with ``{"error": "..."}``, never a 500.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import Blueprint, abort, current_app, jsonify, request, session
from flask_login import current_user

from eventapp.accounts.security import can_access_event
from eventapp.audit.services import Actor
from eventapp.core.errors import Forbidden, NotFound, ServiceError, Unauthorized, ValidationError
from eventapp.core.i18n import current_language, format_time
from eventapp.core.i18n import gettext as _
from eventapp.core.input import db_int
from eventapp.core.labels import label
from eventapp.core.text import clean_text
from eventapp.core.web import STATUS_REASONS, settings
from eventapp.door import checkin as checkin_service
from eventapp.door import services as door_service
from eventapp.door import stations as station_service
from eventapp.events import services as event_service
from eventapp.events.models import Event
from eventapp.extensions import csrf, limiter

bp = Blueprint("api", __name__, url_prefix="/api")
csrf.exempt(bp)
# Doors scan fast; stations and users are authenticated on every request.
limiter.exempt(bp)


@limiter.request_filter
def _door_api_unlimited() -> bool:
    # The same exemption, told before Flask-Limiter works out which limits apply: a scan then
    # costs it nothing more than this test.
    return request.blueprint == "api"


#: Roles whose session may use the door API.
DOOR_ROLES = ("door", "organizer")


class ApiError(Exception):
    """An answer with a status and a JSON reason."""

    def __init__(self, status: int, message: str, **extra):
        super().__init__(message)
        self.status, self.message, self.extra = status, message, extra


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError):
    extra = {"reason": STATUS_REASONS.get(exc.status, "error"), **exc.extra}
    return jsonify(error=exc.message, status=exc.status, **extra), exc.status


@bp.errorhandler(ValidationError)
def _validation_error(exc: ValidationError):
    return jsonify(error=str(exc), reason="invalid", errors=exc.errors, status=400), 400


@dataclass
class DoorAuth:
    """Who calls the door API, for which event."""

    event: Event
    actor: Actor
    station: station_service.StationRef | None


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return None


def _event(slug: str) -> Event:
    try:
        return event_service.get_event(slug)
    except NotFound:
        raise ApiError(404, _("No event has the identifier “%(slug)s”.", slug=slug)) from None


def _caller() -> tuple[str, object]:
    """Who calls, before anything about what they ask: ``("station", StationRef)`` for a bearer
    token, ``("user", None)`` for a signed-in user, ``("paired", Station)`` for a phone paired in
    this session; 401 with a JSON reason otherwise."""
    token = _bearer()
    if token is not None:
        station = station_service.authenticate(token)
        if station is None:
            raise ApiError(401, _("This station is unknown or was revoked. Ask the organizer to pair it again."),
                           reason="station_refused")
        return "station", station
    if current_user.is_authenticated:
        return "user", None
    station = station_service.active_station(session.get("station_id"), session.get("station_key"))
    if station is not None:
        return "paired", station
    if session.get("station_id"):
        # Paired once, but the station was revoked or another phone paired since.
        raise ApiError(401, _("This station is unknown or was revoked. Ask the organizer to pair it again."),
                       reason="station_refused")
    raise ApiError(401, _("Please sign in, or pair this device as a station."), reason="unauthenticated")


def door_auth(slug: str, roles=DOOR_ROLES, caller: tuple[str, object] | None = None) -> DoorAuth:
    """The event of the URL and who may act at its door; 401/403/404 with a JSON reason otherwise.

    ``caller`` is ``_caller()``'s answer when the view already asked it.
    """
    ip = request.remote_addr or ""
    kind, station = caller or _caller()
    if kind == "user":
        if not current_user.has_role(*roles):
            raise ApiError(403, _("You are not allowed to see this page."))
        event = _event(slug)
        if not can_access_event(current_user, event):
            raise ApiError(404, _("No event has the identifier “%(slug)s”.", slug=slug))
        return DoorAuth(event, Actor(user_id=current_user.id, label=current_user.email, ip=ip), None)
    event = _event(slug)
    if station.event_id == event.id:
        return DoorAuth(event, Actor(label=station.name, ip=ip, station_id=station.id), station)
    if kind == "station":
        raise ApiError(403, _("This station belongs to another event."), reason="other_event")
    raise ApiError(401, _("Please sign in, or pair this device as a station."), reason="unauthenticated")


def _body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, _("The request body must be a JSON object."), reason="malformed_json")
    return data


def _time(value, field: str) -> datetime | None:
    """An ISO 8601 time or epoch milliseconds; None when absent; 400 when unreadable or outside
    the years a device clock can sensibly show (``checkin.DEVICE_TIME_RANGE``)."""
    if value is None or value == "":
        return None
    parsed = None
    try:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            parsed = datetime.fromtimestamp(value / 1000, tz=UTC)
        elif isinstance(value, str) and len(value) <= 40:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (ValueError, OverflowError, OSError):
        parsed = None
    if parsed is None:
        raise ApiError(400, _("%(field)s is not a valid time.", field=field), reason="bad_time")
    if not checkin_service.device_time_ok(parsed):
        earliest, latest = checkin_service.DEVICE_TIME_RANGE
        raise ApiError(400, _("%(field)s must be between %(start)s and %(end)s: check the device's clock.",
                              field=field, start=earliest.year, end=latest.year), reason="bad_time")
    return parsed


def _int_or_none(value, field: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise ValueError(value)
        return db_int(value)
    except ValueError:
        raise ApiError(400, _("%(field)s must be a whole number.", field=field), reason="bad_number") from None


def _text(value, field: str, max_length: int = 500, clean: bool = True) -> str | None:
    """Text of at most ``max_length`` characters, control characters stripped (not for keys
    such as client_id, which are compared as sent); 400 when not text."""
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > max_length:
        raise ApiError(400, _("%(field)s must be text.", field=field), reason="bad_text")
    return clean_text(value) if clean else value


def _scan_from(data: dict, default_source: str) -> checkin_service.Scan:
    payload = data.get("payload", data.get("token"))
    if payload is None or payload == "":
        raise ApiError(400, _("The scan has no payload or token."), reason="missing_token")
    if not isinstance(payload, str):
        raise ApiError(400, _("%(field)s must be text.", field="payload"), reason="bad_text")
    client_id = _text(data.get("client_id"), "client_id", 64, clean=False)
    source = data.get("source") or default_source
    if not isinstance(source, str) or source not in checkin_service.CHECKIN_SOURCES:
        raise ApiError(400, _("Unknown source."), reason="bad_source")
    return checkin_service.Scan(payload=payload[:500], client_id=client_id or None,
                                scanned_at=_time(data.get("scanned_at"), "scanned_at"), source=source,
                                agenda_item_id=_int_or_none(data.get("agenda_item_id"), "agenda_item_id"))


def result_json(answer: checkin_service.CheckInResult, timezone_name: str) -> dict:
    """A check-in answer as the door page and API clients read it (times in the event's zone)."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(timezone_name)
    reg = answer.registration
    c = answer.checkin
    return {
        "result": answer.result,
        "reason": answer.reason or None,
        "message": answer.message,
        "result_label": label("scan_result", answer.result),
        "client_id": answer.client_id,
        "replayed": answer.replayed,
        "clock_skew": ({"seconds": answer.clock_skew_seconds,
                        "message": _("The device clock is off by %(minutes)d minutes.",
                                     minutes=round(abs(answer.clock_skew_seconds) / 60))}
                       if answer.clock_skew_seconds is not None else None),
        "registration": ({"id": reg.registration_id, "token": reg.token, "name": reg.name,
                          "first_name": reg.first_name, "last_name": reg.last_name,
                          "organisation": reg.organisation, "category": reg.category,
                          "category_label": reg.category_label, "sex": reg.sex, "status": reg.status}
                         if reg else None),
        "checkin": ({"id": c.id, "scanned_at": c.scanned_at.isoformat(), "recorded_at": c.recorded_at.isoformat(),
                     "time": format_time(c.scanned_at, tz=tz), "day": c.day.isoformat(),
                     "station": c.station, "source": c.source, "agenda_item_id": c.agenda_item_id,
                     "voided": c.voided} if c else None),
    }


@bp.route("/events/<slug>/checkins", methods=["POST"])
def checkin(slug: str):
    """Check in one scan: 200 with the result, whatever the badge (see README)."""
    token = _bearer()
    if token is None:
        auth = door_auth(slug)
        scan = _scan_from(_body(), "qr")
        tz = auth.event.timezone  # read now: the service's commit expires an ORM event
        answer = checkin_service.check_in(auth.event, scan.payload, scanned_at=scan.scanned_at,
                                          client_id=scan.client_id, station=auth.station, operator=auth.actor,
                                          source=scan.source, agenda_item=scan.agenda_item_id)
        return jsonify(result_json(answer, tz))
    try:
        scan = _scan_from(_body(), "qr")
    except ApiError:
        door_auth(slug)  # who asks is answered first: 401, 403 or 404 before anything about the body
        raise
    try:
        answer, event = checkin_service.check_in_at_station(token, slug, scan, ip=request.remote_addr or "")
    except Unauthorized as exc:
        raise ApiError(401, str(exc), reason="station_refused") from None
    except Forbidden as exc:
        _event(slug)  # 404 when no event has this slug
        raise ApiError(403, str(exc), reason="other_event") from None
    return jsonify(result_json(answer, event.timezone))


@bp.route("/events/<slug>/checkins/batch", methods=["POST"])
def checkin_batch(slug: str):
    """Scans queued offline: ``{"scans": [...], "sent_at": device time}`` → ``{"results": [...]}``, in order."""
    auth = door_auth(slug)
    data = _body()
    raw = data.get("scans")
    if not isinstance(raw, list):
        raise ApiError(400, _("“scans” must be a list."), reason="malformed_json")
    if len(raw) > checkin_service.BATCH_MAX:
        raise ApiError(413, _("At most %(n)d scans per batch.", n=checkin_service.BATCH_MAX), reason="too_many")
    scans, errors = [], {}
    for i, item in enumerate(raw):
        try:
            if not isinstance(item, dict):
                raise ApiError(400, _("The request body must be a JSON object."), reason="malformed_json")
            scans.append((i, _scan_from(item, "offline_sync")))
        except ApiError as exc:
            errors[i] = {"result": "error", "error": exc.message, "reason": exc.extra.get("reason"),
                         "client_id": item.get("client_id") if isinstance(item, dict) else None}
    tz = auth.event.timezone
    answers = checkin_service.check_in_batch(auth.event, [s for _i, s in scans], station=auth.station,
                                             operator=auth.actor, sent_at=_time(data.get("sent_at"), "sent_at"))
    results: list = [None] * len(raw)
    for (i, _scan), answer in zip(scans, answers, strict=True):
        results[i] = (result_json(answer, tz) if answer.result != "error" else
                      {"result": "error", "error": answer.message, "reason": answer.reason,
                       "client_id": answer.client_id})
    for i, err in errors.items():
        results[i] = err
    summary = {k: sum(1 for r in results if r["result"] == k)
               for k in ("checked_in", "already_checked_in", "unknown_token", "not_admitted", "error")}
    return jsonify(results=results, summary=summary,
                   stats=door_service.stats(auth.event))


@bp.route("/events/<slug>/roster")
def roster(slug: str):
    """The badges of the event for offline decisions; ``?since=CURSOR`` gives only the changes."""
    auth = door_auth(slug)
    since = _time(request.args.get("since"), "since")
    data = door_service.roster(auth.event, since, language=current_language(), actor=auth.actor)
    data["event"] = {"slug": auth.event.slug, "title": auth.event.title, "timezone": auth.event.timezone,
                     "days": [d.isoformat() for d in auth.event.days]}
    data["station"] = auth.station.name if auth.station else auth.actor.label
    return jsonify(data)


@bp.route("/events/<slug>/stats")
def stats(slug: str):
    """Live counts: checked in today, expected."""
    auth = door_auth(slug)
    return jsonify(door_service.stats(auth.event))


@bp.route("/events/<slug>/search")
def search(slug: str):
    """Find registrations by name, organisation or phone (accents and case ignored)."""
    auth = door_auth(slug)
    q = request.args.get("q", "")[:100]
    hits = door_service.search(auth.event, q, language=current_language())
    return jsonify(results=[{"registration_id": h.registration_id, "token": h.token, "name": h.name,
                             "organisation": h.organisation, "category_label": h.category_label,
                             "status": h.status, "status_label": label("registration_status", h.status),
                             "checked_in_today": h.checked_in_today} for h in hits])


@bp.route("/events/<slug>/walk-ins", methods=["POST"])
def walk_in(slug: str):
    """Register a walk-in and check them in: 200 with the result, 400 with field errors."""
    auth = door_auth(slug)
    data = _body()
    tz = auth.event.timezone
    fields = {k: _text(data.get(k), k, 300)
              for k in ("first_name", "last_name", "sex", "category", "organisation", "phone")}
    answer = door_service.walk_in(auth.event, fields, settings=settings(), actor=auth.actor, station=auth.station,
                                  client_id=_text(data.get("client_id"), "client_id", 64, clean=False) or None,
                                  scanned_at=_time(data.get("scanned_at"), "scanned_at"))
    body = result_json(answer, tz)
    body["badge_url"] = _badge_url(slug, answer, auth)
    return jsonify(body)


def _badge_url(slug: str, answer: checkin_service.CheckInResult, auth: DoorAuth) -> str | None:
    """Where to print the walk-in's badge, for a caller allowed to (door users of the event and
    organizers, signed in; a station has no account and cannot print)."""
    from flask import url_for

    if (answer.registration is None or auth.station is not None
            or not current_user.is_authenticated or not current_user.has_role("organizer", "door")):
        return None
    return url_for("badges.print_badges", slug=slug, registration_id=answer.registration.registration_id)


@bp.route("/checkins/<int:checkin_id>/void", methods=["POST"])
def void(checkin_id: int):
    """Undo a check-in: ``{"reason": "..."}``."""
    caller = _caller()  # a stranger learns nothing, not even whether this check-in exists
    try:
        row = checkin_service.get_checkin(checkin_id)
    except NotFound as exc:
        raise ApiError(404, str(exc)) from None
    event = _event_by_id(row.event_id)
    kind, station = caller
    if (station.event_id != event.id if kind != "user"
            else current_user.has_role(*DOOR_ROLES) and not can_access_event(current_user, event)):
        # A check-in of an event the caller does not work at is answered as a missing one: the
        # answer names no other event, and does not even say that the check-in exists.
        raise ApiError(404, _("No such check-in."))
    auth = door_auth(event.slug, caller=caller)
    data = _body()
    checkin_service.void_checkin(row, actor=auth.actor, reason=_text(data.get("reason"), "reason") or "")
    return jsonify(id=row.id, voided_at=row.voided_at.isoformat(), voided_by=auth.actor.label,
                   reason=row.void_reason, stats=door_service.stats(auth.event))


def _event_by_id(event_id: int) -> Event:
    from eventapp.extensions import db

    event = db.session.get(Event, event_id)
    if event is None:
        raise ApiError(404, _("No such check-in."))
    return event


@bp.route("/events/<slug>/board")
def board(slug: str):
    """The live board's figures (organizers and coordinators)."""
    auth = door_auth(slug, roles=("organizer", "coordinator"))
    if auth.station is not None:
        raise ApiError(403, _("You are not allowed to see this page."))
    day = request.args.get("day")
    try:
        from datetime import date

        day = date.fromisoformat(day) if day else None
    except ValueError:
        raise ApiError(400, _("%(field)s is not a valid time.", field="day")) from None
    return jsonify(door_service.board(auth.event, day, language=current_language()))


@bp.route("/stations/pair", methods=["POST"])
def pair():
    """Spend a one-time pairing code: ``{"code"}`` → ``{"token", "station", "event", "door_url"}``."""
    from flask import url_for

    code = _text(_body().get("code"), "code", 400)
    if not code:
        raise ApiError(400, _("This pairing link is not valid."), reason="bad_code")
    try:
        issued = station_service.pair(code, current_app.config["SECRET_KEY"], ip=request.remote_addr or "")
    except ServiceError as exc:
        raise ApiError(400, str(exc), reason="bad_code") from None
    event = _event_by_id(issued.station.event_id)
    session["station_id"] = issued.station.id
    session["station_key"] = station_service.session_key(issued.station)
    return jsonify(token=issued.token, station=issued.station.name, event=event.slug,
                   door_url=url_for("door.scan", slug=event.slug))


#: The OpenAPI description of this API, kept beside it (tests check it covers every route).
OPENAPI_PATH = Path(__file__).with_name("openapi.json")


@bp.route("/openapi.json")
def openapi():
    """The OpenAPI description of the door API: public and cacheable, it holds no personal data."""
    response = current_app.response_class(OPENAPI_PATH.read_bytes(), mimetype="application/json")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.route("/<path:_rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def not_found(_rest: str):
    """Unknown API paths answer JSON, not an HTML page."""
    abort(404)
