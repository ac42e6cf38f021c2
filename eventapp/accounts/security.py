"""Sign-in plumbing, role checks and security headers."""
from __future__ import annotations

import time
from functools import wraps

from flask import Flask, abort, flash, has_request_context, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, logout_user

from eventapp.accounts.models import User
from eventapp.core.web import station_api_request
from eventapp.extensions import db, login_manager


def roles_required(*roles: str):
    """Let through signed-in users whose role is one of ``roles`` (admins always); 403 others."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = roles  # read by the authorization test
        return wrapped

    return decorator


def user_of_session(session_id: str | None) -> User | None:
    """The active account of a session's ``id.generation``, or None when that session was ended."""
    user_id, _dot, generation = (session_id or "").partition(".")
    if not (user_id.isdigit() and generation.isdigit()) or len(user_id) > 18:
        return None  # also the bare ids of cookies signed before generations existed
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_generation != int(generation):
        return None
    return user


def can_access_event(user, event) -> bool:
    """Door users work only at the events given to them; other roles see every event."""
    if user.role == "door":
        return any(e.id == event.id for e in user.events)
    return True


class SessionInterface(SecureCookieSessionInterface):
    """Signed-cookie sessions whose cookie is Secure whenever the request came over HTTPS.

    ``SESSION_COOKIE_SECURE`` is a fixed setting, but one installation is often reached both
    ways (plain HTTP on the laptop itself, HTTPS from the phones): a cookie set over HTTPS must
    never travel back over plain HTTP.
    """

    def open_session(self, app: Flask, request):
        # No cookie (API clients, a first visit): an empty session, without building the
        # signer for nothing on every request.
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session, response) -> None:
        if request.endpoint == "static":
            # A static file is the same for everyone and its view never reads the session (only
            # Flask-Login's after-request peeks at it): no cookie refreshed on every file, and no
            # "Vary: Cookie", which made browsers revalidate versioned files each time the
            # cookie's timestamp had moved, and shared caches keep one copy per cookie.
            return
        # An empty session left empty (API clients, anonymous pages) has no cookie to write or
        # delete: skip working out the cookie's settings.
        if not session and not session.modified:
            if session.accessed:
                response.vary.add("Cookie")
            return
        super().save_session(app, session, response)

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or (has_request_context() and request.is_secure)


def require_secure_cookies(app: Flask) -> None:
    """Mark every cookie Secure (``eventapp serve --https`` calls this)."""
    app.config["SESSION_COOKIE_SECURE"] = True
    app.config["REMEMBER_COOKIE_SECURE"] = True


#: Session keys: when the user signed in, and when the session was last used (epoch seconds).
SESSION_SIGNED_IN_AT = "_signed_in_at"
SESSION_SEEN_AT = "_seen_at"


def fresh_session() -> None:
    """Empty the session before a sign-in (keeping the chosen language), so nothing set
    before it — by the user or by someone who handed them a cookie — survives into it."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language


def start_session(now: float | None = None) -> None:
    """Stamp a fresh sign-in on the session (called right after ``login_user``)."""
    now = int(now if now is not None else time.time())
    session.permanent = True
    session[SESSION_SIGNED_IN_AT] = now
    session[SESSION_SEEN_AT] = now


def _session_expired(app: Flask, now: float) -> bool:
    idle = app.config["SESSION_IDLE_TIMEOUT"].total_seconds()
    lifetime = app.permanent_session_lifetime.total_seconds()
    # A sign-in made by another path than the login page has no stamps yet: start them now.
    seen = session.setdefault(SESSION_SEEN_AT, int(now))
    signed_in = session.setdefault(SESSION_SIGNED_IN_AT, int(now))
    return now - seen > idle or now - signed_in > lifetime


#: Sent with every response. All JavaScript lives in static files, so the policy can forbid
#: inline script; the door page needs the camera, and nothing needs the microphone or location.
_SECURITY_HEADERS = (
    ("Content-Security-Policy",
     "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
     "media-src 'self' blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
     "base-uri 'self'; form-action 'self'; frame-ancestors 'none'; worker-src 'self'; "
     "manifest-src 'self'"),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(self), microphone=(), geolocation=()"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)


#: Sent with the JSON API's answers instead: they are data for the door page's scripts, never a
#: page (nothing to frame, run or load), and carry names, so no cache keeps them.
_API_HEADERS = (
    ("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Cache-Control", "no-store"),
)
_PAGE_KEYS = tuple((name.lower(), (name, value)) for name, value in _SECURITY_HEADERS)
_API_KEYS = tuple((name.lower(), (name, value)) for name, value in _API_HEADERS)


class SecurityHeaders:
    """WSGI middleware that adds the security headers to every response lacking them.

    Middleware rather than an ``after_request`` hook: it covers every response (static files
    and errors too) and adds plain pairs, where setting each header on a Flask response costs a
    validation per header on every request (a measurable share of a door scan).
    """

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        def start(status, headers, exc_info=None):
            headers = list(headers)
            present = {name.lower() for name, _value in headers}
            path = environ.get("PATH_INFO", "")
            headers.extend(pair for key, pair in (_API_KEYS if path.startswith("/api/") else _PAGE_KEYS)
                           if key not in present)
            if path.startswith("/admin/") and "cache-control" not in present:
                # Audit log, personal data exports: never left in a shared browser's cache.
                headers.append(("Cache-Control", "no-store"))
            if environ.get("wsgi.url_scheme") == "https" and "strict-transport-security" not in present:
                # Only over HTTPS: sent over plain HTTP it would be ignored, and a laptop reached
                # at http://127.0.0.1 must stay reachable.
                headers.append(("Strict-Transport-Security", "max-age=31536000"))
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start)


def init_app(app: Flask) -> None:
    """Configure Flask-Login, session expiry and the response headers."""
    app.session_interface = SessionInterface()
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str):
        # The cookie keeps "id.generation" (User.get_id): a session signed with an older
        # generation was ended (sign-out, password or role change...) and loads no one, even
        # from a copy of the cookie. A deactivated account loses its open sessions at once.
        return user_of_session(user_id)

    @app.before_request
    def expire_sessions():
        # Flask re-signs the cookie on every request, so its max-age alone would slide
        # forever: the absolute lifetime and the idle timeout are checked here.
        if request.endpoint == "static" or station_api_request() or not current_user.is_authenticated:
            return None
        now = time.time()
        if _session_expired(app, now):
            logout_user()
            for key in (SESSION_SIGNED_IN_AT, SESSION_SEEN_AT):
                session.pop(key, None)
            flash(_("Your session has expired. Please sign in again."), "warning")
            return None
        # Write the stamp at most once a minute: fewer new cookies, same precision for hours.
        if now - session[SESSION_SEEN_AT] >= 60:
            session[SESSION_SEEN_AT] = int(now)
        return None

    app.wsgi_app = SecurityHeaders(app.wsgi_app)
