"""Failed sign-ins, counted in the database so every server process sees the same count."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from eventapp.core.models import Base, utcnow


class LoginFailure(Base):
    """One failed sign-in attempt: the account name tried and the address it came from.

    Rows older than the failure window are useless and are deleted as new ones arrive.
    """

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    email: Mapped[str] = mapped_column(String(254), default="", index=True)  # lower-cased, as typed
    ip: Mapped[str] = mapped_column(String(64), default="", index=True)
