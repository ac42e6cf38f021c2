"""The home page: the events the user may see."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import current_user

from eventapp.events import services as event_service
from eventapp.extensions import login_manager

bp = Blueprint("main", __name__)


@bp.route("/")
def index():
    """Events, most recent first (door users see only theirs); ``?archived=1`` adds archived ones.

    Door staff start at the door instead (``door.home``): a door user, and a paired phone that
    has no account, whose door pages are all they work with.
    """
    archived = request.args.get("archived") == "1"
    if not current_user.is_authenticated:
        if session.get("station_id"):  # a paired phone; the door checks that the pairing holds
            return redirect(url_for("door.home"))
        return login_manager.unauthorized()
    if current_user.role == "door" and not archived:
        return redirect(url_for("door.home"))
    ids = [e.id for e in current_user.events] if current_user.role == "door" else None
    return render_template("main/index.html", archived=archived,
                           events=event_service.list_events(include_archived=archived, events=ids))
