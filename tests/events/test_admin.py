"""The admin pages: staff accounts (admins only)."""
from __future__ import annotations

from sqlalchemy import select
from werkzeug.security import check_password_hash

from eventapp.accounts.models import User
from eventapp.extensions import db
from tests import factories


def test_users_page_admin_only(client, login):
    login("organizer")
    assert client.get("/admin/users").status_code == 403
    client.post("/logout")
    admin = login("admin", email="admin@example.org")
    page = client.get("/admin/users").get_data(as_text=True)
    assert "admin@example.org" in page and "Nouveau compte" in page and "Administrateur" in page
    assert 'href="/admin/users"' in page  # base.html links it for admins
    assert admin.role == "admin"


def test_create_user_with_events_and_errors(client, login):
    login("admin")
    event = factories.make_event(title="Atelier de Sévaré")
    page = client.post("/admin/users/new", data=dict(email="pas-une-adresse", name="", role="door", password="court",
                                                      active="y")).get_data(as_text=True)
    assert "Saisissez une adresse e-mail valide." in page or "adresse" in page
    assert "au moins 10 caractères" in page
    assert db.session.scalar(select(User).where(User.role == "door")) is None
    response = client.post("/admin/users/new", data=dict(email="Awa.Traore@example.org", name="Awa Traoré",
                                                          role="door", password="un-long-mot-de-passe", active="y",
                                                          event_ids=[str(event.id)]))
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "awa.traore@example.org"))
    assert user.name == "Awa Traoré" and [e.id for e in user.events] == [event.id]
    page = client.get("/admin/users?lang=en").get_data(as_text=True)
    assert "Awa Traoré" in page and "Atelier de Sévaré" in page and "Door staff" in page


def test_edit_role_active_password(client, login):
    admin = login("admin")
    user = factories.make_user(role="coordinator", email="moussa@example.org")
    page = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert "moussa@example.org" in page
    response = client.post(f"/admin/users/{user.id}", data=dict(name="Moussa Maïga", role="organizer", active="",
                                                                 password="nouveau-mot-de-passe"))
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.role, user.active, user.name) == ("organizer", False, "Moussa Maïga")
    assert check_password_hash(user.password_hash, "nouveau-mot-de-passe")
    # A short password changes nothing, not even the role.
    client.post(f"/admin/users/{user.id}", data=dict(name="X", role="door", active="y", password="court"))
    db.session.refresh(user)
    assert (user.role, user.name) == ("organizer", "Moussa Maïga")
    # An admin cannot lock themselves out.
    page = client.post(f"/admin/users/{admin.id}", data=dict(name="", role="door", active="")).get_data(as_text=True)
    assert "votre propre rôle d&#39;administrateur" in page
    db.session.refresh(admin)
    assert admin.role == "admin" and admin.active
    assert client.get("/admin/users/99999").status_code == 404
