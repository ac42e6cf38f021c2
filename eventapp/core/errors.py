"""Errors that services raise; views turn them into form errors or JSON 4xx answers."""
from __future__ import annotations


class ServiceError(Exception):
    """Base of the domain errors: the message is meant for the user (already translated)."""


class NotFound(ServiceError):
    """The thing asked for does not exist (a 404 in the web layer)."""


class ValidationError(ServiceError):
    """Bad input. ``errors`` maps a field name (or ``"_"`` for the whole) to its messages."""

    def __init__(self, errors: dict[str, list[str]] | str):
        if isinstance(errors, str):
            errors = {"_": [errors]}
        self.errors = {k: [str(m) for m in v] for k, v in errors.items()}
        super().__init__("; ".join(m for msgs in self.errors.values() for m in msgs))

    def messages(self) -> list[str]:
        """All messages, field by field."""
        return [m for msgs in self.errors.values() for m in msgs]


class Unauthorized(ServiceError):
    """The credentials are unknown or revoked (a 401 in the web layer)."""


class Forbidden(ServiceError):
    """Known credentials, but not for this (a 403 in the web layer)."""
