"""Signing in with a brake: repeated failures lock the account name and the address for a while.

Failures are rows of ``login_failures``, so the count is shared by every server process and
survives a restart. An account is locked when it has ``max_failures`` failures within
``window``; so is an address. While a lock lasts, not even the right password gets in: the
password is not checked at all, so a guesser learns nothing.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from eventapp.extensions import db
from eventapp.models import LoginFailure, User, utcnow
from eventapp.services import users as user_service
from eventapp.services.audit import Actor, record


@dataclass(frozen=True)
class SignInResult:
    """What a sign-in attempt gave: a user, or a refusal (``locked_for`` seconds when locked)."""

    user: User | None = None
    locked_for: int = 0  # seconds until the lock ends; 0 when not locked

    @property
    def locked_minutes(self) -> int:
        """The wait rounded up to whole minutes (what the message says)."""
        return max(1, math.ceil(self.locked_for / 60))


def _normal_email(email: str | None) -> str:
    return (email or "").strip().lower()[:254]


def _seconds_left(times: list[datetime], max_failures: int, window: timedelta, now: datetime) -> int:
    """Seconds until fewer than ``max_failures`` of ``times`` (newest first) are in the window."""
    if len(times) < max_failures:
        return 0
    # The lock ends when the max_failures-th newest failure leaves the window.
    return max(1, math.ceil((times[max_failures - 1] + window - now).total_seconds()))


def lock_remaining(email: str, ip: str, *, max_failures: int, window: timedelta,
                   now: datetime | None = None) -> int:
    """Seconds the account name or the address stays locked (0: not locked)."""
    now = now or utcnow()
    since = now - window
    waits = []
    for column, value in ((LoginFailure.email, _normal_email(email)), (LoginFailure.ip, ip or "")):
        if not value:
            continue
        times = list(db.session.scalars(
            select(LoginFailure.at).where(column == value, LoginFailure.at > since)
            .order_by(LoginFailure.at.desc()).limit(max_failures)))
        waits.append(_seconds_left(times, max_failures, window, now))
    return max(waits, default=0)


def sign_in(email: str, password: str, ip: str, *, max_failures: int, window: timedelta,
            now: datetime | None = None) -> SignInResult:
    """Check a sign-in attempt and record it in the audit log; commits.

    Audit actions: ``login`` (success), ``login.failed``, ``login.lockout`` (the failure that
    starts a lock) and ``login.blocked`` (an attempt refused while locked).
    """
    now = now or utcnow()
    email_key = _normal_email(email)
    anonymous = Actor(label="anonymous", ip=ip or "")
    wait = lock_remaining(email_key, ip, max_failures=max_failures, window=window, now=now)
    if wait:
        record(anonymous, "login.blocked", email=email_key, seconds=wait)
        db.session.commit()
        return SignInResult(locked_for=wait)

    user = user_service.authenticate(email_key, password)
    if user is not None:
        # A success forgives the account's own failures, not the address's: one valid
        # account must not reset the count of someone guessing others from the same place.
        db.session.execute(delete(LoginFailure).where(LoginFailure.email == email_key))
        record(Actor(user_id=user.id, label=user.email, ip=ip or ""), "login", user)
        db.session.commit()
        return SignInResult(user=user)

    db.session.execute(delete(LoginFailure).where(LoginFailure.at <= now - window))
    db.session.add(LoginFailure(email=email_key, ip=ip or "", at=now))
    record(anonymous, "login.failed", email=email_key)
    db.session.flush()
    wait = lock_remaining(email_key, ip, max_failures=max_failures, window=window, now=now)
    if wait:
        # Say so at once, rather than letting the next attempt discover it.
        record(anonymous, "login.lockout", email=email_key, seconds=wait)
    db.session.commit()
    return SignInResult(locked_for=wait)
