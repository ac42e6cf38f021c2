"""Small helpers the blueprints share."""
from __future__ import annotations

from flask import abort, current_app, flash, request
from flask_babel import gettext as _
from flask_login import current_user

from eventapp.accounts.security import can_access_event
from eventapp.audit.services import Actor
from eventapp.config import PublicAddress
from eventapp.config import public_base_url as _public_base_url
from eventapp.core.errors import NotFound, ValidationError
from eventapp.events import services as event_service
from eventapp.events.models import Event
from eventapp.server import local_addresses


def actor() -> Actor:
    """The current user as an audit actor (services take this, never the request)."""
    if current_user and current_user.is_authenticated:
        return Actor(user_id=current_user.id, label=current_user.email, ip=request.remote_addr or "")
    return Actor(label="anonymous", ip=request.remote_addr or "")


def event_or_404(slug: str) -> Event:
    """The event of the URL, or 404; door users get 404 for events not given to them."""
    try:
        event = event_service.get_event(slug)
    except NotFound:
        abort(404)
    if current_user.is_authenticated and not can_access_event(current_user, event):
        abort(404)
    return event


def form_errors_from(exc: ValidationError, form) -> None:
    """Put a service's ValidationError messages beside the form's fields (or flash them)."""
    for field, messages in exc.errors.items():
        target = getattr(form, field, None) if form is not None else None
        if target is not None and hasattr(target, "errors"):
            target.errors = list(target.errors) + messages
        else:
            for message in messages:
                flash(message, "error")


def sex_choices() -> list[tuple[str, str]]:
    """Sex choices for a select, "not stated" first (the default), in the user's language."""
    from eventapp.core.labels import label

    return [(code, label("sex", code)) for code in ("X", "F", "M")]


def age_band_choices() -> list[tuple[str, str]]:
    """The configured age bands for a select, with an empty first choice."""
    from flask import current_app

    return [("", "—")] + [(code, code) for code, _lo, _hi in current_app.config["AGE_BANDS"]]


def public_address() -> PublicAddress:
    """This request's public address: ``EXTERNAL_URL``, else where the server was reached, else its LAN address.

    Services receive links built on ``public_address().url`` (``core.web.links``); nothing else builds one.
    """
    return _public_base_url(current_app.config.get("EXTERNAL_URL"), request.host_url, local_addresses())


def public_address_warning(address: PublicAddress | None = None) -> str | None:
    """What the organizer must know when the public address is a guess (or unknown), else None.

    Shown on the pages that print or send links (invitations, certificates, pairing, the public
    form's settings) and flashed when they are printed or sent.
    """
    address = address or public_address()
    if address.known:
        return None
    if address.source == "lan":
        return _("No public address is set (EXTERNAL_URL): the links and QR codes point to %(url)s, this "
                 "computer's address on the local network. Check that phones can open it.", url=address.url)
    return _("No public address is known: the links and QR codes meant for other phones are left out. Set "
             "EXTERNAL_URL, or open eventapp by this computer's address on the local network.")


def public_base_url(*, printing: bool = False) -> str:
    """The base of links for someone else's phone (empty when none is known); warns the organizer
    when it is a guess.

    ``printing``: the links go on paper or in mail, where a wrong address cannot be fixed later.
    """
    address = public_address()
    warning = public_address_warning(address) if printing else None
    if warning:
        flash(warning, "warning")
    return address.url
