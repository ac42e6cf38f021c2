"""Server logs without participants' data.

A traceback's last line is the exception's message, and messages carry values: SQLAlchemy's
quote the statement's parameters (names, phones), a ValueError quotes what it could not read.
Logged exceptions are therefore written as their type and their frames (file, line, function,
source line), never their message nor any local value; the database engine hides parameters
from its own messages too; and the production server's error log goes through the same filter.
Request bodies are never logged.
"""
from __future__ import annotations

import logging
import sys
import traceback


def safe_traceback(exc: BaseException) -> str:
    """The traceback of ``exc`` (and of the exceptions it came from) with types only, no messages."""
    parts = []
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        frames = "".join(traceback.format_list(traceback.extract_tb(exc.__traceback__)))
        parts.append(f"Traceback (most recent call last):\n{frames}"
                     f"{type(exc).__module__}.{type(exc).__qualname__} (message withheld: it may hold personal data)")
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    return "\n\nwhich came from:\n".join(parts)


class RedactingFilter(logging.Filter):
    """Rewrites a record that carries an exception: its traceback without messages or values."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            record.msg = f"{record.getMessage()}\n{safe_traceback(record.exc_info[1])}"
            record.args = ()
            record.exc_info = None
            record.exc_text = None
        return True


def error_log(msg: str = "", level: int = logging.INFO, traceback: bool = False) -> None:
    """A replacement for cheroot's ``Server.error_log``: the same lines, tracebacks redacted."""
    logger = logging.getLogger("eventapp.server")
    if not logger.filters:
        logger.addFilter(RedactingFilter())
    if not logging.getLogger().handlers and not logger.handlers:
        logger.addHandler(logging.StreamHandler(sys.stderr))
    logger.log(level, "%s", msg, exc_info=sys.exc_info() if traceback else None)


def init_app(app) -> None:
    """Redact the app's exception logs; hide statement parameters from database errors."""
    app.logger.addFilter(RedactingFilter())
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    options.setdefault("hide_parameters", True)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
