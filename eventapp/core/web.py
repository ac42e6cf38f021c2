"""What every page shares: the checks of every request and the error pages (HTML or JSON).

The blueprints themselves live in their capabilities; :func:`eventapp.create_app` registers them.
"""
from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from eventapp.core.errors import NotFound
from eventapp.core.settings import Links, Settings


def settings() -> Settings:
    """The current application's settings, for a view or a command to hand to a service."""
    return Settings.from_config(current_app.config, current_app.instance_path)


def links(base_url: str) -> Links:
    """The public links under ``base_url``, their paths built from the application's routes.

    Built from the URL map rather than ``url_for`` so that a command, outside any request,
    makes the same links as a page.
    """
    adapter = current_app.url_map.bind("localhost")
    return Links(base_url=base_url,
                 answer_path=lambda token: adapter.build("public.answer", {"token": token}),
                 certificate_path=lambda code: adapter.build("reports.certificate_check", {"code": code}),
                 pairing_path=lambda code: adapter.build("door.pair", {"code": code}),
                 public_form_path=lambda slug: adapter.build("public.register", {"slug": slug}))


def wants_json() -> bool:
    """True for API calls, which get JSON errors instead of HTML pages."""
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json"
    )


def station_api_request() -> bool:
    """True for a door API call made with a station's bearer token (in a request)."""
    # A door API call with a station's bearer token is decided by that token alone (door/api.py
    # checks it first): loading the session's user for it is work per scan for nothing, and
    # it must not refresh a browser session's idle stamp either.
    return request.blueprint == "api" and request.headers.get("Authorization", "")[:7].lower() == "bearer "


#: The reason a JSON error carries when nothing more precise was said (README, Door API: every API
#: error is ``{"error", "reason"}``).
STATUS_REASONS = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                  405: "method_not_allowed", 409: "conflict", 413: "too_large", 429: "too_many_requests"}


def _error(status: int, message: str, reason: str | None = None):
    if wants_json():
        return jsonify(error=message, reason=reason or STATUS_REASONS.get(status, "error"), status=status), status
    return render_template("errors/error.html", status=status, message=message), status


def init_app(app: Flask) -> None:
    """The checks of every request and the error pages; call it before registering blueprints."""
    from eventapp.core import input as clean_input

    # Before any route is added: every <int:…> of every blueprint is then a bounded id.
    app.url_map.converters["int"] = clean_input.IdConverter

    @app.before_request
    def _refuse_bad_input():
        refused = clean_input.refusal()
        if refused is not None:
            return _error(400, refused[1], refused[0])

    @app.errorhandler(NotFound)
    def _not_found_service(exc):
        return _error(404, str(exc))

    @app.errorhandler(400)
    def _bad_request(exc):
        return _error(400, _("The request could not be understood."))

    @app.errorhandler(CSRFError)
    def _csrf(exc):
        return _error(400, _("The form expired or was sent from elsewhere. Reload the page and try again."))

    @app.errorhandler(403)
    def _forbidden(exc):
        return _error(403, _("You are not allowed to see this page."))

    @app.errorhandler(404)
    def _not_found(exc):
        return _error(404, _("This page does not exist."))

    @app.errorhandler(405)
    def _method(exc):
        return _error(405, _("This method is not allowed here."))

    @app.errorhandler(413)
    def _too_large(exc):
        return _error(413, _("The file is too large."))

    @app.errorhandler(429)
    def _too_many(exc):
        return _error(429, _("Too many attempts. Wait a few minutes and try again."))

    @app.errorhandler(500)
    def _server_error(exc):
        return _error(500, _("Something went wrong on our side. The error has been logged."))
