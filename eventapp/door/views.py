"""The door's pages: the scanning page (an installable offline web app), stations and their
pairing, the live board and the check-in log with its exports.
"""
from __future__ import annotations

import hashlib
import io
import json
from datetime import date

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from eventapp.accounts.security import can_access_event, roles_required
from eventapp.audit.services import record
from eventapp.core.assets import current_table
from eventapp.core.documents.qr import qr_svg_data_uri
from eventapp.core.errors import NotFound, ValidationError
from eventapp.core.i18n import current_language
from eventapp.core.input import db_int
from eventapp.core.labels import choices
from eventapp.core.web import links
from eventapp.door import services as door_service
from eventapp.door import stations as station_service
from eventapp.door.models import CHECKIN_SOURCES, SCAN_RESULTS
from eventapp.events import services as event_service
from eventapp.events.view_helpers import actor, event_or_404, public_base_url
from eventapp.extensions import db, login_manager
from eventapp.people.categories import list_categories

bp = Blueprint("door", __name__)


def _door_event(slug: str):
    """The event and the paired station (None for a signed-in user), or redirect/403/404."""
    try:
        event = event_service.get_event(slug)
    except NotFound:
        abort(404)
    if current_user.is_authenticated:
        if not current_user.has_role("door", "organizer"):
            abort(403)
        if not can_access_event(current_user, event):
            abort(404)
        return event, None
    station = station_service.active_station(session.get("station_id"), session.get("station_key"))
    if station is not None and station.event_id == event.id:
        return event, station
    return None, None


@bp.route("/door")
def home():
    """Where door staff start: the door page of their one event, else the list of their door pages.

    A paired phone goes to its station's door page; a door user given one event (not archived)
    to that event's; with several, or for organizers, a list of door pages, today's first.
    """
    if not current_user.is_authenticated:
        station = station_service.active_station(session.get("station_id"), session.get("station_key"))
        if station is None:
            return login_manager.unauthorized()
        return redirect(url_for("door.scan", slug=door_service.station_event(station).slug))
    if not current_user.has_role("door", "organizer"):
        abort(403)
    ids = [e.id for e in current_user.events] if current_user.role == "door" else None
    events = door_service.door_pages(ids)
    if len(events) == 1 and current_user.role == "door":
        return redirect(url_for("door.scan", slug=events[0].slug))
    return render_template("door/home.html", events=events)


@bp.route("/events/<slug>/door")
def scan(slug: str):
    """The scanning page: camera, keyboard scanners, search, walk-ins; works offline."""
    event, station = _door_event(slug)
    if event is None:
        return redirect(url_for("auth.login", next=request.path))
    return render_template("door/scan.html", event=event, station=station,
                           categories=list_categories(), language=current_language(),
                           agenda_items=event.agenda_items)


#: What the door page loads (base.html and door/scan.html), kept by the service worker when it
#: installs, with every module ``js/door/main.js`` imports.
DOOR_CODE = ("css/app.css", "css/door.css", "img/icon.svg", "vendor/jsqr/jsQR.js", "js/door/main.js")


def door_code_urls() -> list[str]:
    """The versioned URLs of the door's code: the very URLs the page loads, so that the service
    worker finds them in the browser's HTTP cache instead of downloading them a second time."""
    return [url_for("static", filename=name) for name in current_table().with_imports(DOOR_CODE)]


@bp.route("/door-sw.js")
def service_worker():
    """The service worker, served from the root so that its scope covers every door page.

    Its first line names the door's code by versioned URL and the cache that keeps it (named
    after those URLs): a new release changes the worker's bytes, so phones install the new
    worker, which keeps the new code and drops the old cache. The worker itself is never kept
    long by the browser (``no-cache``): it is how a phone learns of a release.
    """
    urls = door_code_urls()
    release = hashlib.sha256("\n".join(urls).encode()).hexdigest()[:12]
    head = "var DOOR = " + json.dumps({"cache": "eventapp-door-" + release, "code": urls}) + ";\n"
    script = current_table().get("js/door-sw.js").body.decode("utf-8")
    response = Response(head + script, mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/door.webmanifest")
def manifest():
    """The web app manifest (installable door app)."""
    start = request.args.get("start", "/")
    if not start.startswith("/events/"):
        start = "/"
    data = {
        "name": "eventapp — " + _("Door"), "short_name": _("Door"), "start_url": start, "scope": "/",
        "display": "standalone", "background_color": "#1b5e3a", "theme_color": "#1b5e3a",
        "icons": [{"src": url_for("static", filename="img/icon.svg"), "sizes": "any", "type": "image/svg+xml"}],
    }
    return current_app.response_class(json.dumps(data, ensure_ascii=False), mimetype="application/manifest+json")


# --- stations -------------------------------------------------------------------------


@bp.route("/events/<slug>/stations", methods=["GET", "POST"])
@roles_required("organizer")
def stations(slug: str):
    """The event's stations; create one (its token is shown once)."""
    event = event_or_404(slug)
    issued = None
    errors = []
    if request.method == "POST":
        try:
            issued = station_service.create_station(event, request.form.get("name", ""), actor=actor())
        except ValidationError as exc:
            errors = exc.messages()
    pairing = None
    if issued is not None:
        pairing = _pairing(issued.station)
    return render_template("door/stations.html", event=event, stations=station_service.list_stations(event),
                           issued=issued, pairing=pairing, errors=errors)


def _pairing(station) -> dict:
    code = station_service.pairing_code(station, current_app.config["SECRET_KEY"])
    # Scanned by a door phone: never this computer's loopback address (empty when none is known).
    url = links(public_base_url(printing=True)).pairing(code)
    return {"url": url, "qr": qr_svg_data_uri(url) if url else None,
            "minutes": station_service.PAIRING_MAX_AGE // 60, "station": station}


@bp.route("/events/<slug>/stations/<int:station_id>/pair")
@roles_required("organizer")
def pairing(slug: str, station_id: int):
    """Show the pairing QR code and link of a station (a phone opens it to become the station)."""
    event = event_or_404(slug)
    try:
        station = station_service.get_station(event, station_id)
        data = _pairing(station)
    except (NotFound, ValidationError) as exc:
        flash(str(exc), "error")
        return redirect(url_for("door.stations", slug=slug))
    return render_template("door/stations.html", event=event, stations=station_service.list_stations(event),
                           issued=None, pairing=data, errors=[])


@bp.route("/events/<slug>/stations/<int:station_id>/revoke", methods=["POST"])
@roles_required("organizer")
def revoke(slug: str, station_id: int):
    """Revoke a station: refused at once."""
    event = event_or_404(slug)
    try:
        station = station_service.get_station(event, station_id)
    except NotFound:
        abort(404)
    station_service.revoke_station(station, actor=actor())
    flash(_("Station “%(name)s” revoked.", name=station.name), "success")
    return redirect(url_for("door.stations", slug=slug))


@bp.route("/door/pair/<code>")
def pair(code: str):
    """The page a phone opens from the pairing QR code: it spends the code and keeps the token."""
    return render_template("door/pair.html", code=code)


# --- board and log --------------------------------------------------------------------


@bp.route("/events/<slug>/checkins/board")
@roles_required("organizer", "coordinator")
def board(slug: str):
    """The live check-in board; its figures come from ``api.board`` every few seconds."""
    event = event_or_404(slug)
    return render_template("door/board.html", event=event)


def _log_filters(event):
    day = request.args.get("day") or None
    try:
        day = date.fromisoformat(day) if day else None
    except ValueError:
        day = None
    station_id = request.args.get("station", type=db_int)
    source = request.args.get("source") if request.args.get("source") in CHECKIN_SOURCES else None
    result = request.args.get("result")
    result = result if result in SCAN_RESULTS + ("voided",) else None
    return {"day": day, "station_id": station_id, "source": source, "result": result}


@bp.route("/events/<slug>/checkins")
@roles_required("organizer", "coordinator")
def log(slug: str):
    """The check-in log, filtered by day, station, source and result; exported as CSV or XLSX."""
    event = event_or_404(slug)
    filters = _log_filters(event)
    fmt = request.args.get("format")
    if fmt in ("csv", "xlsx"):
        entries = door_service.checkin_log(event, language=current_language(), **filters)
        headers, rows = door_service.log_table(event, entries)
        record(actor(), "export.checkins", event, event_id=event.id, format=fmt, rows=len(rows),
               **{k: str(v) for k, v in filters.items() if v})
        db.session.commit()
        name = f"{event.slug}-checkins.{fmt}"
        from eventapp.core.documents.spreadsheet import csv_bytes
        from eventapp.door.documents import table_xlsx

        if fmt == "csv":
            return send_file(io.BytesIO(csv_bytes(headers, rows)), mimetype="text/csv", as_attachment=True,
                             download_name=name)

        data = table_xlsx(_("Check-ins"), headers, rows)
        return send_file(io.BytesIO(data), as_attachment=True, download_name=name,
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    entries = door_service.checkin_log(event, language=current_language(), limit=500, **filters)
    return render_template("door/log.html", event=event, entries=entries, filters=filters,
                           stations=station_service.list_stations(event),
                           sources=choices("checkin_source"), results=choices("scan_result"))
