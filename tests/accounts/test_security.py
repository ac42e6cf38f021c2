"""Security: cookies, headers, session expiry, sign-in brake, password minimum, ProxyFix."""
from __future__ import annotations

import time
from datetime import UTC, timedelta

import pytest

from eventapp.accounts import services as user_service
from eventapp.accounts.login_failures import LoginFailure
from eventapp.accounts.models import User
from eventapp.accounts.security import SESSION_SEEN_AT, SESSION_SIGNED_IN_AT, require_secure_cookies
from eventapp.audit.models import AuditEntry
from eventapp.core import web
from eventapp.core.errors import ValidationError
from eventapp.extensions import db
from tests import factories
from tests.conftest import make_app


def _actions():
    return [a.action for a in db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id))]


def _sign_in(client, email, password=factories.PASSWORD, **kw):
    return client.post("/login", data={"email": email, "password": password}, **kw)


# --- cookies and headers ---------------------------------------------------------------------


def test_session_cookie_httponly_samesite_and_not_secure_over_http(client):
    factories.make_user(email="awa@example.org")
    cookie = _sign_in(client, "awa@example.org").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie
    assert "Expires=" in cookie  # a permanent session: the browser drops it too


def test_session_cookie_secure_over_https_and_hsts(client):
    factories.make_user(email="awa@example.org")
    response = _sign_in(client, "awa@example.org", base_url="https://localhost")
    assert "Secure" in response.headers["Set-Cookie"]
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_serve_https_makes_every_cookie_secure(app, client):
    require_secure_cookies(app)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    factories.make_user(email="awa@example.org")
    assert "Secure" in _sign_in(client, "awa@example.org").headers["Set-Cookie"]


def test_headers_on_every_kind_of_answer(client):
    for path in ("/login", "/", "/no/such/page", "/static/css/app.css"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp and "frame-ancestors 'none'" in csp
        assert "object-src 'none'" in csp
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "camera=(self)" in headers["Permissions-Policy"]


def test_no_inline_script_or_style_in_templates():
    """The CSP forbids them; a template that has one would break in the browser."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "templates"
    offenders = []
    for path in root.rglob("*.html"):
        if path.relative_to(root).parts[0] == "emails":
            continue  # emails are read by mail clients, not served under the CSP; they need inline styles
        text = path.read_text(encoding="utf-8")
        # A <script> must load a file; a JSON data block (type="application/json") is not run, so allowed.
        if re.search(r"<script(?![^>]*\b(?:src=|type=\"application/(?:ld\+)?json\"))[^>]*>", text) \
                or re.search(r"<style\b", text) \
                or re.search(r"\sstyle=", text) or re.search(r"\son[a-z]+=", text):
            offenders.append(str(path.relative_to(root)))
    assert offenders == []


# --- sessions that expire --------------------------------------------------------------------


def test_idle_session_is_dropped(app, client):
    factories.make_user(email="awa@example.org")
    _sign_in(client, "awa@example.org")
    assert client.get("/").status_code == 200
    idle = app.config["SESSION_IDLE_TIMEOUT"].total_seconds()
    with client.session_transaction() as session:
        session[SESSION_SEEN_AT] = int(time.time() - idle - 60)
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "Votre session a expiré" in client.get("/login").get_data(as_text=True)


def test_recently_used_session_lives_on(app, client):
    factories.make_user(email="awa@example.org")
    _sign_in(client, "awa@example.org")
    idle = app.config["SESSION_IDLE_TIMEOUT"].total_seconds()
    with client.session_transaction() as session:
        session[SESSION_SEEN_AT] = int(time.time() - idle + 600)
    assert client.get("/").status_code == 200
    with client.session_transaction() as session:
        assert time.time() - session[SESSION_SEEN_AT] < 600  # the use was stamped


def test_session_older_than_its_lifetime_is_dropped_even_when_busy(app, client):
    factories.make_user(email="awa@example.org")
    _sign_in(client, "awa@example.org")
    lifetime = app.permanent_session_lifetime.total_seconds()
    with client.session_transaction() as session:
        session[SESSION_SIGNED_IN_AT] = int(time.time() - lifetime - 1)
    assert client.get("/").status_code == 302


# --- sign-in brake ---------------------------------------------------------------------------


def test_lock_per_account_and_address_even_with_right_password(app, client):
    factories.make_user(email="moussa.maiga@example.org")
    limit = app.config["LOGIN_MAX_FAILURES"]
    env = {"REMOTE_ADDR": "10.0.0.1"}
    for _ in range(limit - 1):
        response = _sign_in(client, "moussa.maiga@example.org", "wrong", environ_base=env)
        assert response.status_code == 200
    response = _sign_in(client, "moussa.maiga@example.org", "wrong", environ_base=env)
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "Trop de tentatives de connexion échouées" in page
    assert int(response.headers["Retry-After"]) > 0
    # The right password does not get through from that address while the lock lasts.
    response = _sign_in(client, "MOUSSA.MAIGA@example.org", environ_base=env)
    assert response.status_code == 429
    assert client.get("/").status_code == 302
    actions = _actions()
    assert actions.count("login.failed") == limit
    assert actions.count("login.lockout") == 1
    assert actions.count("login.blocked") == 1
    assert "login" not in actions


def test_lock_message_in_english(app, client):
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit):
        response = _sign_in(client, "nobody@example.org", "wrong", headers={"Accept-Language": "en"})
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.get_data(as_text=True)


def test_lock_per_address_across_accounts(app, client):
    factories.make_user(email="awa@example.org")
    limit = app.config["LOGIN_MAX_ADDRESS_FAILURES"]
    for i in range(limit):
        _sign_in(client, f"guess{i}@example.org", "wrong", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    response = _sign_in(client, "awa@example.org", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert response.status_code == 429
    # Another address is not locked.
    assert _sign_in(client, "awa@example.org", environ_base={"REMOTE_ADDR": "192.0.2.8"}).status_code == 302


def test_lock_ends_after_the_window(app, client):
    factories.make_user(email="awa@example.org")
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit):
        _sign_in(client, "awa@example.org", "wrong")
    assert _sign_in(client, "awa@example.org").status_code == 429
    # Age the failures instead of waiting: the window has passed.
    window = app.config["LOGIN_FAILURE_WINDOW"]
    for failure in db.session.scalars(db.select(LoginFailure)):
        failure.at = failure.at - window - timedelta(seconds=1)
    db.session.commit()
    assert _sign_in(client, "awa@example.org").status_code == 302


def test_success_forgives_nothing_but_its_own_attempt(app, client):
    # A correct password among failures must not reset the count that brakes a guesser.
    factories.make_user(email="awa@example.org")
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit - 1):
        _sign_in(client, "awa@example.org", "wrong", environ_base={"REMOTE_ADDR": "10.9.0.1"})
    assert _sign_in(client, "awa@example.org", environ_base={"REMOTE_ADDR": "10.9.0.2"}).status_code == 302
    client.post("/logout")
    assert db.session.scalar(db.select(db.func.count()).select_from(LoginFailure)
                             .where(LoginFailure.email == "awa@example.org")) == limit - 1


def test_failures_are_shared_between_processes(_schema, tmp_path):
    """Two apps (two server processes) on one database see the same failures."""
    app_a = make_app(_schema, tmp_path / "a")
    app_b = make_app(_schema, tmp_path / "b")
    try:
        with app_a.app_context():
            factories.make_user(email="awa@example.org")
        limit = app_a.config["LOGIN_MAX_FAILURES"]
        a, b = app_a.test_client(), app_b.test_client()
        for i in range(limit):
            (a if i % 2 else b).post("/login", data={"email": "awa@example.org", "password": "wrong"})
        assert a.post("/login", data={"email": "awa@example.org", "password": factories.PASSWORD}).status_code == 429
        assert b.post("/login", data={"email": "awa@example.org", "password": factories.PASSWORD}).status_code == 429
    finally:
        from tests.conftest import _empty_tables

        with app_a.app_context():
            _empty_tables()
            db.engine.dispose()
        with app_b.app_context():
            db.engine.dispose()


# --- passwords -------------------------------------------------------------------------------


def test_password_minimum_when_creating_and_when_an_admin_sets_one(app):
    app.config["PASSWORD_MIN_LENGTH"] = 14
    minimum = web.settings().password_min_length
    with pytest.raises(ValidationError) as exc:
        user_service.create_user("new@example.org", "door", "thirteen-char", min_length=minimum)
    assert "14" in str(exc.value)
    user = factories.make_user(email="door@example.org", role="door")
    with pytest.raises(ValidationError):
        user_service.update_user(user, password="short-pass-12", min_length=minimum)
    # A form that forgets the setting fails loudly rather than getting a weaker minimum.
    with pytest.raises(TypeError):
        user_service.create_user("new@example.org", "door", "a-long-enough-password")
    with pytest.raises(TypeError):
        user_service.update_user(user, password="a-long-enough-password")
    user_service.update_user(user, password="a-long-enough-password", min_length=minimum)
    assert db.session.get(User, user.id).password_hash != factories._HASH


# --- reverse proxy ---------------------------------------------------------------------------


def test_proxy_fix_off_by_default_ignores_forwarded_headers(client):
    factories.make_user(email="awa@example.org")
    _sign_in(client, "awa@example.org", headers={"X-Forwarded-For": "203.0.113.9"})
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "login"))
    assert entry.ip == "127.0.0.1"


def test_proxy_fix_on_takes_client_address_and_scheme(_schema, tmp_path):
    app = make_app(_schema, tmp_path / "instance", PROXY_FIX=1)
    try:
        with app.app_context():
            factories.make_user(email="awa@example.org")
            client = app.test_client()
            response = _sign_in(client, "awa@example.org",
                                headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"})
            assert "Secure" in response.headers["Set-Cookie"]
            assert "Strict-Transport-Security" in response.headers
            entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "login"))
            assert entry.ip == "203.0.113.9"
    finally:
        from tests.conftest import _empty_tables

        with app.app_context():
            _empty_tables()
            db.engine.dispose()


def test_sign_in_starts_a_fresh_session_keeping_the_language(client):
    factories.make_user(email="awa@example.org")
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
        session["lang"] = "en"
    _sign_in(client, "awa@example.org")
    with client.session_transaction() as session:
        assert "planted" not in session and session["lang"] == "en" and "_user_id" in session


def test_durations_from_the_environment_are_seconds(tmp_path, monkeypatch):
    from eventapp import create_app

    monkeypatch.setenv("EVENTAPP_SESSION_IDLE_TIMEOUT", "3600")
    monkeypatch.setenv("EVENTAPP_LOGIN_FAILURE_WINDOW", "600")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SESSION_IDLE_TIMEOUT"] == timedelta(hours=1)
    assert app.config["LOGIN_FAILURE_WINDOW"] == timedelta(minutes=10)
    assert app.config["RETENTION_CHECK_INTERVAL"] == timedelta(days=1)


from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from eventapp.accounts.signin import _seconds_left  # noqa: E402


@given(ages=st.lists(st.integers(min_value=0, max_value=899), max_size=12), limit=st.integers(1, 8))
def test_lock_lasts_exactly_while_enough_failures_are_in_the_window(ages, limit):
    """Locked iff at least `limit` failures are in the window; unlocked once the wait is over."""
    from datetime import datetime

    now = datetime(2026, 6, 21, 9, tzinfo=UTC)
    window = timedelta(minutes=15)
    times = sorted((now - timedelta(seconds=a) for a in ages), reverse=True)
    wait = _seconds_left(times, limit, window, now)
    assert (wait > 0) == (len(times) >= limit)
    if wait:
        later = now + timedelta(seconds=wait)
        assert len([t for t in times if t > later - window]) < limit


def test_deactivating_an_account_ends_its_open_sessions(client):
    from flask import g

    user = factories.make_user(email="awa@example.org")
    _sign_in(client, "awa@example.org")
    assert client.get("/").status_code == 200
    user.active = False
    db.session.commit()
    g.pop("_login_user", None)
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
