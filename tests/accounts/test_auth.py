"""Signing in and out, roles, and the language of the interface."""
from __future__ import annotations

from eventapp.accounts.models import User
from eventapp.audit.models import AuditEntry
from eventapp.extensions import db
from tests import factories


def test_login_page_in_french_by_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="fr">' in page
    assert "Se connecter" in page


def test_login_page_in_english_for_english_browser(client):
    page = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Sign in" in page


def test_language_choice_wins_over_browser(client):
    client.post("/language/en", data={"next": "/login"})
    page = client.get("/login", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="en">' in page


def test_sign_in_and_out(client, app):
    user = factories.make_user(role="organizer", email="awa.traore@example.org")
    response = client.post("/login", data={"email": "AWA.TRAORE@example.org", "password": factories.PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert db.session.get(User, user.id).last_login_at is not None
    client.post("/logout")
    assert client.get("/").status_code == 302
    actions = [a.action for a in db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id))]
    assert actions == ["login", "logout"]


def test_wrong_password_is_refused_with_a_message(client):
    factories.make_user(email="moussa.maiga@example.org")
    response = client.post("/login", data={"email": "moussa.maiga@example.org", "password": "nope"})
    assert response.status_code == 200
    assert "Adresse e-mail ou mot de passe incorrect." in response.get_data(as_text=True)


def test_inactive_user_cannot_sign_in(client):
    factories.make_user(email="off@example.org", active=False)
    response = client.post("/login", data={"email": "off@example.org", "password": factories.PASSWORD})
    assert response.status_code == 200


def test_open_redirect_refused(client):
    factories.make_user(email="x@example.org")
    response = client.post("/login?next=//evil.example/",
                           data={"email": "x@example.org", "password": factories.PASSWORD})
    assert response.headers["Location"] == "/"


def test_cli_users_create(runner, app):
    result = runner.invoke(args=["users", "create", "Fatoumata.Maiga@example.org", "--role", "coordinator",
                                 "--password", "a-long-password"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(db.select(User).where(User.email == "fatoumata.maiga@example.org"))
    assert user.role == "coordinator"
    result = runner.invoke(args=["users", "create", "short@example.org", "--role", "door", "--password", "short"])
    assert result.exit_code != 0
    assert "at least" in result.output
