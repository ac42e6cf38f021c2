"""The daily retention check that ``eventapp serve`` starts: purge events past their retention date.

A daemon thread, so it never keeps the server from stopping. Several server processes may run
it at once: a purge is idempotent, so the worst case is the same work done twice.
"""
from __future__ import annotations

import logging
import threading
from datetime import date

from flask import Flask

from eventapp.extensions import db

log = logging.getLogger(__name__)


def run_retention_check(app: Flask, today: date | None = None) -> list:
    """Purge every event past its retention date, now; returns the purge results."""
    from eventapp.audit.services import Actor
    from eventapp.privacy.services import StoredFiles, purge_due_events

    with app.app_context():
        try:
            results = purge_due_events(Actor(label="retention"), today=today,
                                       files=StoredFiles.of_instance(app.instance_path))
        except Exception:  # a failed check must not kill the thread: tomorrow may work
            db.session.rollback()
            log.exception("retention check failed")
            return []
        finally:
            db.session.remove()
    for result in results:
        log.warning("retention: purged %s (%d registrations)", result.event_slug, result.registrations)
    return results


def start_retention_thread(app: Flask) -> threading.Thread | None:
    """Start the daily check in a daemon thread (a serve hook); None when disabled."""
    if not app.config.get("RETENTION_CHECK_ENABLED", True):
        return None
    interval = app.config["RETENTION_CHECK_INTERVAL"].total_seconds()
    stop = threading.Event()

    def loop():
        while not stop.is_set():
            run_retention_check(app)
            stop.wait(interval)

    thread = threading.Thread(target=loop, name="eventapp-retention", daemon=True)
    thread.stop = stop  # type: ignore[attr-defined]  # lets tests end it
    thread.start()
    return thread


def init_app(app: Flask) -> None:
    """Register the retention check among the hooks ``eventapp serve`` calls at start."""
    hooks = app.extensions.setdefault("eventapp.serve_hooks", [])
    if start_retention_thread not in hooks:
        hooks.append(start_retention_thread)
