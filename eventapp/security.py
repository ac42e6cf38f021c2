"""Sign-in plumbing, role checks and security headers."""
from __future__ import annotations

from functools import wraps

from flask import Flask, abort, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from eventapp.extensions import db, login_manager
from eventapp.models import User


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


def can_access_event(user, event) -> bool:
    """Door users work only at the events given to them; other roles see every event."""
    if user.role == "door":
        return any(e.id == event.id for e in user.events)
    return True


def init_app(app: Flask) -> None:
    """Configure Flask-Login and the response headers."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str):
        return db.session.get(User, int(user_id))

    @app.after_request
    def security_headers(response):
        # All JavaScript lives in static files, so the policy can forbid inline script.
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
            "media-src 'self' blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
            "base-uri 'self'; form-action 'self'; frame-ancestors 'none'; worker-src 'self'; "
            "manifest-src 'self'",
        )
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
