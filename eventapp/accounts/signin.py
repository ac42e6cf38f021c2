"""Signing in with a brake that cannot lock the real user out.

Failures are rows of ``login_failures``, so the count is shared by every server process and
survives a restart. Three counts, over the last ``window``:

- one account from one address: ``max_failures`` failures lock that pair;
- one address, whatever accounts it tries: ``max_address_failures`` lock the address;
- one account from every address: only a slowdown (``slowdown`` seconds before the password is
  checked), never a lock, so that someone guessing from elsewhere cannot keep the real user, from
  their own clean address, out.

While a lock lasts the password is not checked at all, so a guesser learns nothing.

The count is decided by the database: an attempt is written (and committed) as a failure before
its password is checked, then the attempts are counted, its own among them. However many arrive
at once, only the first ``max_failures`` to be written can find fewer than ``max_failures``
others, so at most that many passwords are checked. A success takes back its own row only: it
forgives nothing, so a correct password inside a burst does not reopen the door to the burst.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from eventapp.accounts import services as user_service
from eventapp.accounts.login_failures import LoginFailure
from eventapp.accounts.models import User
from eventapp.audit.services import Actor, record
from eventapp.core.models import utcnow
from eventapp.extensions import db


@dataclass(frozen=True)
class SignInResult:
    """What a sign-in attempt gave: a user, or a refusal (``locked_for`` seconds when locked).

    ``slowed_by`` is the deliberate delay the attempt waited (the account was under attack).
    """

    user: User | None = None
    locked_for: int = 0  # seconds until the lock ends; 0 when not locked
    slowed_by: float = 0.0

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
    newest = times[max_failures - 1]
    if newest.tzinfo is None and now.tzinfo is not None:
        newest = newest.replace(tzinfo=now.tzinfo)
    return max(1, math.ceil((newest + window - now).total_seconds()))


def _wait(conditions, limit: int, window: timedelta, now: datetime, *, besides: int | None = None) -> int:
    """Seconds a lock on the failures matching ``conditions`` lasts (not counting row ``besides``)."""
    query = select(LoginFailure.at).where(*conditions, LoginFailure.at > now - window)
    if besides is not None:
        query = query.where(LoginFailure.id != besides)
    times = list(db.session.scalars(query.order_by(LoginFailure.at.desc()).limit(limit)))
    return _seconds_left(times, limit, window, now)


def lock_remaining(email: str, ip: str, *, max_failures: int, window: timedelta,
                   max_address_failures: int | None = None, now: datetime | None = None,
                   besides: int | None = None) -> int:
    """Seconds this account from this address, or this address, stays locked (0: not locked).

    The account alone is never locked (see :func:`account_under_attack`).
    """
    now = now or utcnow()
    email, ip = _normal_email(email), ip or ""
    if not ip:
        return _wait((LoginFailure.email == email, LoginFailure.ip == ""), max_failures, window, now, besides=besides)
    return max(_wait((LoginFailure.email == email, LoginFailure.ip == ip), max_failures, window, now, besides=besides),
               _wait((LoginFailure.ip == ip,), max_address_failures or max_failures, window, now, besides=besides))


def account_under_attack(email: str, *, max_failures: int, window: timedelta, now: datetime | None = None) -> bool:
    """True when the account has ``max_failures`` failures within the window, from any addresses."""
    now = now or utcnow()
    count = db.session.scalar(select(func.count(LoginFailure.id)).where(
        LoginFailure.email == _normal_email(email), LoginFailure.at > now - window))
    return (count or 0) >= max_failures


def sign_in(email: str, password: str, ip: str, *, max_failures: int, window: timedelta,
            max_address_failures: int | None = None, slowdown: float = 0.0,
            now: datetime | None = None) -> SignInResult:
    """Check a sign-in attempt and record it in the audit log; commits.

    ``max_address_failures`` (default ``max_failures``) locks one address whatever accounts it
    tries; ``slowdown`` is the delay, in seconds, of every attempt at an account under attack.
    Audit actions: ``login`` (success), ``login.failed``, ``login.lockout`` (the failure that
    starts a lock) and ``login.blocked`` (an attempt refused while locked).
    """
    now = now or utcnow()
    email_key, ip = _normal_email(email), ip or ""
    limits = dict(max_failures=max_failures, window=window, max_address_failures=max_address_failures, now=now)
    anonymous = Actor(label="anonymous", ip=ip)
    # Written and committed first, so that every attempt running at the same time counts it.
    attempt = LoginFailure(email=email_key, ip=ip, at=now)
    db.session.add(attempt)
    db.session.commit()
    attempt_id = attempt.id

    wait = lock_remaining(email_key, ip, besides=attempt_id, **limits)
    if wait:
        db.session.execute(delete(LoginFailure).where(LoginFailure.id == attempt_id))
        record(anonymous, "login.blocked", email=email_key, seconds=wait)
        db.session.commit()
        return SignInResult(locked_for=wait)

    slowed = 0.0
    if slowdown > 0 and account_under_attack(email_key, max_failures=max_failures, window=window, now=now):
        # Guessed at from elsewhere: slower for everyone, closed to no one.
        db.session.rollback()  # no transaction held open while waiting
        time.sleep(slowdown)
        slowed = slowdown

    user = user_service.authenticate(email_key, password)
    if user is not None:
        db.session.execute(delete(LoginFailure).where(LoginFailure.id == attempt_id))
        record(Actor(user_id=user.id, label=user.email, ip=ip), "login", user)
        db.session.commit()
        return SignInResult(user=user, slowed_by=slowed)

    db.session.execute(delete(LoginFailure).where(LoginFailure.at <= now - window))
    record(anonymous, "login.failed", email=email_key)
    db.session.commit()
    wait = lock_remaining(email_key, ip, **limits)
    if wait:
        # Say so at once, rather than letting the next attempt discover it.
        record(anonymous, "login.lockout", email=email_key, seconds=wait)
        db.session.commit()
    return SignInResult(locked_for=wait, slowed_by=slowed)


def unlock(email: str, *, actor: Actor | None = None) -> int:
    """Lift every sign-in lock on an account: its failures, from every address, are forgotten.

    Returns how many failures were forgotten; commits.
    """
    email_key = _normal_email(email)
    forgotten = db.session.execute(delete(LoginFailure).where(LoginFailure.email == email_key)).rowcount
    record(actor, "login.unlock", email=email_key, forgotten=forgotten)
    db.session.commit()
    return forgotten or 0
