"""The sign-in brake cannot lock the real user out, and counts in the database (issue 11, item 7).

The burst tests send real HTTP requests from real threads to the production server (cheroot)
on the test database, SQLite or PostgreSQL.
"""
from __future__ import annotations

import threading
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta

import pytest

from eventapp.accounts import signin
from eventapp.accounts.login_failures import LoginFailure
from eventapp.audit.models import AuditEntry
from eventapp.extensions import db
from tests import factories
from tests.netutil import served


def _post(client, email, password, addr):
    return client.post("/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": addr})


def _count(action: str) -> int:
    db.session.remove()
    return db.session.scalar(db.select(db.func.count(AuditEntry.id)).where(AuditEntry.action == action))


def test_guesses_from_elsewhere_never_lock_the_admin_out_of_their_own_address(app, client):
    factories.make_user(role="admin", email="admin@imrap.example.org")
    limit = app.config["LOGIN_MAX_FAILURES"]
    app.config["LOGIN_SLOWDOWN"] = 0.01
    # An attacker at one address, then at many: each pair of (account, address) locks by itself.
    for _ in range(limit + 3):
        _post(client, "admin@imrap.example.org", "guess", "203.0.113.66")
    assert _post(client, "admin@imrap.example.org", factories.PASSWORD, "203.0.113.66").status_code == 429
    for i in range(limit * 2):
        _post(client, "admin@imrap.example.org", "guess", f"198.51.100.{i}")
    # The real admin, from their own clean address, gets in at once.
    response = _post(client, "admin@imrap.example.org", factories.PASSWORD, "10.1.1.10")
    assert response.status_code == 302 and "/login" not in response.headers["Location"]


def test_an_account_under_attack_is_only_slowed(app):
    user = factories.make_user(email="moussa.maiga@example.org")
    rules = dict(max_failures=5, window=timedelta(minutes=15), max_address_failures=20, slowdown=0.01)
    quiet = signin.sign_in(user.email, factories.PASSWORD, "10.0.0.1", **rules)
    assert quiet.user is not None and quiet.slowed_by == 0
    for i in range(5):
        signin.sign_in(user.email, "wrong", f"192.0.2.{i}", **rules)
    slowed = signin.sign_in(user.email, factories.PASSWORD, "10.0.0.1", **rules)
    assert slowed.user is not None and slowed.slowed_by == 0.01 and slowed.locked_for == 0


def test_cli_unlock_lifts_the_locks(app, client, runner):
    factories.make_user(email="awa.traore@example.org")
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit):
        _post(client, "awa.traore@example.org", "wrong", "10.2.0.1")
    assert _post(client, "awa.traore@example.org", factories.PASSWORD, "10.2.0.1").status_code == 429
    result = runner.invoke(args=["users", "unlock", "Awa.Traore@example.org"])
    assert result.exit_code == 0, result.output
    assert f"{limit} " in result.output
    assert _post(client, "awa.traore@example.org", factories.PASSWORD, "10.2.0.1").status_code == 302
    assert _count("login.unlock") == 1
    unknown = runner.invoke(args=["users", "unlock", "nobody@example.org"])
    assert unknown.exit_code != 0 and "nobody@example.org" in unknown.output


@pytest.fixture
def live_server(app):
    """The app served with many threads and a deep queue: a burst of sign-ins arrives at once."""
    with served(app, threads=32, request_queue_size=256, accepted_queue_size=-1) as base:
        yield base


def _burst(base: str, attempts: list[tuple[str, str]]) -> list[int]:
    """Send every (email, password) at once from its own thread; the status codes, in order."""
    statuses: list[int] = [0] * len(attempts)
    start = threading.Barrier(len(attempts))

    def attempt(i: int, email: str, password: str) -> None:
        body = urllib.parse.urlencode({"email": email, "password": password}).encode()
        request = urllib.request.Request(base + "/login", data=body, method="POST")
        opener = urllib.request.build_opener(_NoRedirect)
        start.wait()
        try:
            statuses[i] = opener.open(request, timeout=120).status
        except urllib.error.HTTPError as exc:
            statuses[i] = exc.code

    threads = [threading.Thread(target=attempt, args=(i, e, p)) for i, (e, p) in enumerate(attempts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    return statuses


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.mark.slow
def test_a_burst_of_wrong_passwords_checks_at_most_the_limit(app, live_server):
    factories.make_user(role="admin", email="admin@imrap.example.org")
    limit = app.config["LOGIN_MAX_FAILURES"]
    # 100 wrong passwords at once, and the right one in the middle of the burst.
    attempts = [("admin@imrap.example.org", f"guess-{i}") for i in range(100)]
    attempts.insert(50, ("admin@imrap.example.org", factories.PASSWORD))
    statuses = _burst(live_server, attempts)
    assert 500 not in statuses and 0 not in statuses
    checked_wrong = _count("login.failed")
    assert checked_wrong <= limit, f"{checked_wrong} wrong passwords checked, the limit is {limit}"
    assert statuses.count(200) <= limit  # a wrong password checked answers the form again (200)
    assert statuses.count(429) >= len(attempts) - limit - 1
    # The correct password, in the burst or not, reset nothing: every checked failure is kept.
    db.session.remove()
    assert db.session.scalar(db.select(db.func.count(LoginFailure.id))) == checked_wrong
    # Later guesses, one at a time, get only what is left of the limit, then the lock.
    later = [_burst(live_server, [("admin@imrap.example.org", f"again-{i}")])[0] for i in range(limit + 2)]
    assert _count("login.failed") == limit
    assert later[-2:] == [429, 429]
