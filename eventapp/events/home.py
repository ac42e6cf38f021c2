"""The home page: the events the user may see."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from eventapp.events import services as event_service

bp = Blueprint("main", __name__)


@bp.route("/")
@login_required
def index():
    """Events, most recent first (door users see only theirs); ``?archived=1`` adds archived ones."""
    ids = [e.id for e in current_user.events] if current_user.role == "door" else None
    archived = request.args.get("archived") == "1"
    return render_template("main/index.html", archived=archived,
                           events=event_service.list_events(include_archived=archived, events=ids))
