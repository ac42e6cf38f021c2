"""Staff accounts: creation, passwords, sign-in checks."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from eventapp.accounts.models import ROLES as ROLES_
from eventapp.accounts.models import User
from eventapp.audit.services import Actor, record
from eventapp.core.errors import ValidationError
from eventapp.core.models import utcnow
from eventapp.extensions import db


def validate_password(password: str, min_length: int) -> None:
    """Refuse passwords that are too short (length matters more than character classes).

    ``min_length`` is the installation's ``PASSWORD_MIN_LENGTH`` (``Settings.password_min_length``),
    and no caller may leave it out: every function that sets a password requires it, so a form
    that forgets it fails loudly instead of falling back to a weaker minimum.
    """
    if len(password or "") < min_length:
        raise ValidationError({"password": [_("The password must have at least %(n)d characters.", n=min_length)]})


def get_by_email(email: str) -> User | None:
    """The account with this email (case-insensitive), or None."""
    return db.session.scalar(select(User).where(func.lower(User.email) == (email or "").strip().lower()))


def list_users() -> list[User]:
    """Every staff account, by role then email."""
    return list(db.session.scalars(select(User).order_by(User.role, User.email)))


def get_user(user_id: int) -> User | None:
    """The account with this id, or None."""
    return db.session.get(User, user_id)


def create_user(email: str, role: str, password: str, name: str = "", *, actor: Actor | None = None,
                min_length: int, event_ids: list[int] | None = None,
                active: bool = True) -> User:
    """Create an account; raises ValidationError for a bad role, email taken or short password.

    ``event_ids`` gives events to a door user (other roles see every event).
    """
    email = (email or "").strip().lower()
    errors: dict[str, list[str]] = {}
    if "@" not in email or len(email) > 254:
        errors["email"] = [_("Enter a valid email address.")]
    elif get_by_email(email):
        errors["email"] = [_("An account with this email already exists.")]
    if role not in ROLES_:
        errors["role"] = [_("Unknown role: %(role)s.", role=role)]
    try:
        validate_password(password, min_length)
    except ValidationError as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationError(errors)
    user = User(email=email, role=role, name=name.strip(), password_hash=generate_password_hash(password),
                active=active)
    if event_ids:
        from eventapp.events.models import Event

        user.events = list(db.session.scalars(select(Event).where(Event.id.in_(event_ids))))
    db.session.add(user)
    db.session.flush()
    record(actor, "user.create", user, email=email, role=role)
    db.session.commit()
    return user


def update_user(user: User, *, role: str | None = None, name: str | None = None, active: bool | None = None,
                password: str | None = None, event_ids: list[int] | None = None, actor: Actor | None = None,
                min_length: int | None = None, acting_user_id: int | None = None) -> User:
    """Change an account's role, name, activity, password or (door users) events.

    A new ``password`` needs ``min_length`` (the installation's ``PASSWORD_MIN_LENGTH``): without
    it the call is a programming error (TypeError), never a weaker minimum.

    Checked first, then applied, so a refused change saves nothing. ``acting_user_id`` is the
    admin making the change: they may not take their own admin role or activity away (the last
    way in could be lost).
    """
    if password and min_length is None:
        raise TypeError("update_user() sets a password only with min_length (Settings.password_min_length)")
    errors = _update_errors(user, role, active, password, min_length, acting_user_id)
    if errors:
        raise ValidationError(errors)
    # A new password, role or deactivation ends every open session of the account: a copied
    # cookie, a forgotten browser or a phone in other hands keeps neither the old rights nor access.
    ends_sessions = bool(password) or (role is not None and role != user.role) or (active is False and user.active)
    _apply_update(user, role, name, active, password, event_ids)
    record(actor, "user.update", user, role=user.role, active=user.active, password_changed=bool(password))
    if ends_sessions:
        _bump_generation(user)
    db.session.commit()
    return user


def _update_errors(user: User, role: str | None, active: bool | None, password: str | None, min_length: int | None,
                   acting_user_id: int | None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if role is not None and role not in ROLES_:
        errors["role"] = [_("Unknown role: %(role)s.", role=role)]
    if password and min_length is not None:
        try:
            validate_password(password, min_length)
        except ValidationError as exc:
            errors.update(exc.errors)
    if acting_user_id is not None and acting_user_id == user.id:
        if role is not None and role != "admin" and user.role == "admin":
            errors["role"] = [_("You cannot take away your own administrator role.")]
        if active is False:
            errors["active"] = [_("You cannot deactivate your own account.")]
    return errors


def _apply_update(user: User, role: str | None, name: str | None, active: bool | None, password: str | None,
                  event_ids: list[int] | None) -> None:
    from eventapp.events.models import Event

    if role is not None:
        user.role = role
    if name is not None:
        user.name = name.strip()
    if active is not None:
        user.active = active
    if password:
        user.password_hash = generate_password_hash(password)
    if event_ids is not None:
        user.events = list(db.session.scalars(select(Event).where(Event.id.in_(event_ids)))) if event_ids else []


def _bump_generation(user: User) -> None:
    # Incremented by the database, so two changes at once both count.
    db.session.flush()
    db.session.execute(update(User).where(User.id == user.id)
                       .values(session_generation=User.session_generation + 1))
    db.session.refresh(user)


def end_sessions(user: User, *, actor: Actor | None = None, action: str = "user.sessions_ended") -> User:
    """End every open session of ``user`` (each cookie signed before this call stops working); commits.

    ``action`` is the audit log's word for it: ``logout`` for a sign-out.
    """
    _bump_generation(user)
    record(actor, action, user)
    db.session.commit()
    return user


def set_password(user: User, password: str, *, min_length: int, actor: Actor | None = None) -> User:
    """Give ``user`` a new password (ValidationError when too short); ends their sessions; commits."""
    validate_password(password, min_length)
    user.password_hash = generate_password_hash(password)
    record(actor, "user.password", user)
    _bump_generation(user)
    db.session.commit()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active account matching email and password, or None (same cost either way)."""
    user = get_by_email(email)
    if user is None:
        # Hash anyway so a missing account takes as long as a wrong password.
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or "") or not user.active:
        return None
    user.last_login_at = utcnow()
    return user


_DUMMY_HASH = generate_password_hash("not-a-real-password")
