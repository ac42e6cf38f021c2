"""Door stations: named devices paired to one event, with a revocable bearer token.

The token is shown once (only its SHA-256 is stored). A phone is paired with a one-time link
signed by the app: it names the station and the token hash current when the link was made;
opening it gives the phone a fresh token, which changes the hash and so spends the link.
"""
from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import bindparam, select, update

from eventapp.audit.services import Actor, record
from eventapp.core.errors import NotFound, ValidationError
from eventapp.core.tokens import hash_token, new_station_token
from eventapp.door.models import Station
from eventapp.events.models import Event
from eventapp.extensions import db

PAIRING_MAX_AGE = 15 * 60  # seconds a pairing link stays valid
_SALT = "eventapp.station-pairing"
_SEEN_EVERY = timedelta(minutes=1)  # last_seen_at is refreshed at most this often (a write per scan is waste)


@dataclass(frozen=True)
class IssuedToken:
    """A station and its bearer token in clear (shown once)."""

    station: Station
    token: str


def create_station(event: Event, name: str, *, actor: Actor | None = None) -> IssuedToken:
    """Create a named station for ``event``; the token in the answer is never stored."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("A name is required (e.g. Gate A).")]})
    if len(name) > 120:
        raise ValidationError({"name": [_("The name is too long (at most 120 characters).")]})
    taken = db.session.scalar(select(Station.id).where(Station.event_id == event.id, Station.name == name,
                                                       Station.revoked_at.is_(None)))
    if taken is not None:
        raise ValidationError({"name": [_("A station of this event already has this name.")]})
    token = new_station_token()
    station = Station(event_id=event.id, name=name, token_hash=hash_token(token),
                      created_by_id=actor.user_id if actor else None)
    db.session.add(station)
    db.session.flush()
    record(actor, "station.create", station, event_id=event.id, name=name)
    db.session.commit()
    return IssuedToken(station, token)


def list_stations(event: Event) -> list[Station]:
    """The event's stations, active first, then by name."""
    return list(db.session.scalars(select(Station).where(Station.event_id == event.id)
                                   .order_by(Station.revoked_at.is_not(None), Station.name)))


def get_station(event: Event, station_id: int) -> Station:
    """A station of the event; raises NotFound."""
    station = db.session.get(Station, station_id)
    if station is None or station.event_id != event.id:
        raise NotFound(_("No such station."))
    return station


def revoke_station(station: Station, *, actor: Actor | None = None) -> Station:
    """Revoke a station: its token is refused from the next request on."""
    if station.revoked_at is None:
        station.revoked_at = datetime.now(UTC)
        record(actor, "station.revoke", station, event_id=station.event_id, name=station.name)
        db.session.commit()
    return station


@dataclass(frozen=True)
class StationRef:
    """An authenticated station, as a request needs it (read in one cheap query)."""

    id: int
    event_id: int
    name: str


@dataclass(frozen=True)
class EventFacts:
    """The few facts of an event a check-in needs, read with the station in one statement.

    Per request, never cached across requests: an edited event is seen at the next scan.
    ``check_in`` takes it in place of an ``Event``.
    """

    id: int
    slug: str
    timezone: str
    language: str
    start_date: date
    end_date: date

    #: Every calendar day of the event, in order: the model's own rule, read on these facts.
    days = Event.days


#: What a check-in needs of its station and the station's event, to be selected (joined on the
#: station's event) wherever a statement authenticates a station; read with ``station_from_row``.
_stations, _events = Station.__table__, Event.__table__
STATION_COLUMNS = (_stations.c.id.label("station_id"), _stations.c.event_id.label("station_event_id"),
                   _stations.c.name.label("station_name"), _stations.c.revoked_at.label("station_revoked_at"),
                   _stations.c.last_seen_at.label("station_last_seen_at"), _events.c.slug.label("event_slug"),
                   _events.c.timezone.label("event_timezone"), _events.c.language.label("event_language"),
                   _events.c.start_date.label("event_start_date"), _events.c.end_date.label("event_end_date"))

_WITH_EVENT = (select(*STATION_COLUMNS).select_from(_stations.join(_events, _events.c.id == _stations.c.event_id))
               .where(_stations.c.token_hash == bindparam("h")))

#: Marks a station seen (run by whoever authenticated it, at most every ``_SEEN_EVERY``).
TOUCH = update(_stations).where(_stations.c.id == bindparam("station_id")).values(last_seen_at=bindparam("now"))


def token_hash_or_none(token: str | None) -> str | None:
    """The hash to look a bearer token up by; None for what cannot be a token."""
    if not token or not isinstance(token, str) or len(token) > 200:
        return None
    return hash_token(token)


def station_from_row(row) -> tuple[StationRef, EventFacts] | None:
    """The station and event of a row of ``STATION_COLUMNS``; None when absent or revoked."""
    if row is None or row.station_id is None or row.station_revoked_at is not None:
        return None
    return (StationRef(row.station_id, row.station_event_id, row.station_name),
            EventFacts(row.station_event_id, row.event_slug, row.event_timezone, row.event_language,
                       row.event_start_date, row.event_end_date))


def needs_touch(last_seen_at: datetime | None, now: datetime) -> bool:
    """True when the station's last_seen_at is older than ``_SEEN_EVERY`` (or unset)."""
    if last_seen_at is not None and last_seen_at.tzinfo is None:
        last_seen_at = last_seen_at.replace(tzinfo=UTC)
    return last_seen_at is None or now - last_seen_at > _SEEN_EVERY


def _touch(station_id: int, last_seen_at: datetime | None) -> None:
    now = datetime.now(UTC)
    if needs_touch(last_seen_at, now):
        db.session.execute(TOUCH, {"station_id": station_id, "now": now})
        db.session.commit()


def authenticate(token: str | None) -> StationRef | None:
    """The active station of a bearer token, or None (unknown or revoked: refused at once).

    Looked up on every request, never cached: a revoked station is refused from the next request.
    """
    token_hash = token_hash_or_none(token)
    if token_hash is None:
        return None
    row = db.session.execute(_WITH_EVENT, {"h": token_hash}).first()
    found = station_from_row(row)
    if found is None:
        return None
    _touch(row.station_id, row.station_last_seen_at)
    return found[0]


def session_key(station: Station) -> str:
    """What a paired phone's signed session keeps beside the station's id: derived from the
    station's current token, so pairing another phone (a new token) or revoking ends it."""
    return hash_token("session:" + station.token_hash)[:32]


def active_station(station_id: int | None, key: str | None = None) -> Station | None:
    """The station of a paired phone's signed session (its id and :func:`session_key`), when
    that session still holds: not revoked, and no phone paired since."""
    if not station_id or not isinstance(station_id, int) or not isinstance(key, str):
        return None
    station = db.session.get(Station, station_id)
    if station is None or station.revoked_at is not None:
        return None
    if not hmac.compare_digest(session_key(station), key):
        return None
    return station


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=_SALT)


def pairing_code(station: Station, secret_key: str) -> str:
    """A one-time code for the pairing link of ``station`` (valid PAIRING_MAX_AGE seconds)."""
    if station.revoked_at is not None:
        raise ValidationError(_("This station is revoked."))
    return _serializer(secret_key).dumps({"s": station.id, "h": station.token_hash[:16]})


def pair(code: str, secret_key: str, *, ip: str = "") -> IssuedToken:
    """Spend a pairing code: the station gets a fresh token (any earlier one stops working)."""
    try:
        data = _serializer(secret_key).loads(code, max_age=PAIRING_MAX_AGE)
    except SignatureExpired:
        raise ValidationError(_("This pairing link has expired. Ask the organizer for a new one.")) from None
    except BadSignature:
        raise ValidationError(_("This pairing link is not valid.")) from None
    if not isinstance(data, dict):
        raise ValidationError(_("This pairing link is not valid."))
    station = db.session.get(Station, data.get("s"))
    if station is None or station.revoked_at is not None:
        raise ValidationError(_("This station is revoked."))
    if station.token_hash[:16] != data.get("h"):
        raise ValidationError(_("This pairing link was already used. Ask the organizer for a new one."))
    token = new_station_token()
    # Conditional on the old hash, so two phones opening the same link at once can't both pair.
    done = db.session.execute(update(Station).where(Station.id == station.id, Station.token_hash == station.token_hash)
                              .values(token_hash=hash_token(token), last_seen_at=datetime.now(UTC)))
    if done.rowcount != 1:
        db.session.rollback()
        raise ValidationError(_("This pairing link was already used. Ask the organizer for a new one."))
    db.session.refresh(station)
    record(Actor(label=station.name, ip=ip, station_id=station.id), "station.pair", station, event_id=station.event_id)
    db.session.commit()
    return IssuedToken(station, token)
