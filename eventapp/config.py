"""Configuration: defaults, then ``instance/config.py``, then ``EVENTAPP_*`` environment variables.

Nothing here reads the environment at import time; :func:`load_config` is called by the factory.
"""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

#: Default participant categories (code, French label, English label, badge colour).
#: Codes are stable: files, reports and the API use them.
DEFAULT_CATEGORIES = [
    ("fds", "FDS", "Defence and security forces", "#1f4e79"),
    ("authority", "Autorités", "Authorities", "#7b2c2c"),
    ("traditional", "Autorités traditionnelles et religieuses", "Traditional and religious leaders", "#6a3d9a"),
    ("civil_society", "Société civile", "Civil society", "#1b7a3a"),
    ("civilian", "Population civile", "Civilian population", "#b35900"),
    ("press", "Presse", "Press", "#333333"),
    ("partner", "Partenaires", "Partners", "#0b7285"),
    ("staff", "Organisation", "Organising team", "#a61e4d"),
]

#: Default age bands: (code, lowest age, highest age or None).
DEFAULT_AGE_BANDS = [
    ("0-17", 0, 17),
    ("18-24", 18, 24),
    ("25-35", 25, 35),
    ("36-50", 36, 50),
    ("51-64", 51, 64),
    ("65+", 65, None),
]

DEFAULTS = dict(
    SQLALCHEMY_DATABASE_URI=None,  # filled from the instance path when unset
    SQLALCHEMY_TRACK_MODIFICATIONS=False,
    SQLALCHEMY_ENGINE_OPTIONS={},
    DATABASE_POOL_SIZE=None,  # connections kept open; `eventapp serve` sets it to its threads
    SECRET_KEY=None,
    WTF_CSRF_TIME_LIMIT=None,  # a form left open all morning at the door must still post
    SESSION_COOKIE_HTTPONLY=True,
    SESSION_COOKIE_SAMESITE="Lax",
    # Secure cookies: always when True; otherwise still Secure on any request that came over
    # HTTPS (security.SessionInterface). `eventapp serve --https` sets both to True.
    SESSION_COOKIE_SECURE=False,
    REMEMBER_COOKIE_SECURE=False,
    REMEMBER_COOKIE_HTTPONLY=True,
    REMEMBER_COOKIE_SAMESITE="Lax",
    # A sign-in lasts at most this long, however busy (absolute limit)...
    PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
    # ...and is dropped when unused for this long (a phone left on a table at the door).
    SESSION_IDLE_TIMEOUT=timedelta(hours=3),
    # Behind a reverse proxy: how many proxies to trust for X-Forwarded-For/-Proto/-Host/-Port/
    # -Prefix (Werkzeug ProxyFix). 0 (default) trusts none: never enable it without a proxy.
    PROXY_FIX=0,
    # The daily check of `eventapp serve` that purges events past their retention date.
    RETENTION_CHECK_ENABLED=True,
    RETENTION_CHECK_INTERVAL=timedelta(days=1),
    MAX_CONTENT_LENGTH=16 * 1024 * 1024,
    BABEL_DEFAULT_LOCALE="fr",
    BABEL_DEFAULT_TIMEZONE="Africa/Bamako",
    LANGUAGES=["fr", "en"],
    DEFAULT_TIMEZONE="Africa/Bamako",
    CATEGORIES=DEFAULT_CATEGORIES,
    AGE_BANDS=DEFAULT_AGE_BANDS,
    LOGO_MAX_BYTES=2 * 1024 * 1024,
    IMPORT_MAX_BYTES=10 * 1024 * 1024,
    IMPORT_MAX_ROWS=20_000,
    # Reading an import stops at these bounds, empty rows and cells included, so that no file
    # (a million empty rows, megabytes of newlines, a zip bomb) keeps a server thread busy.
    IMPORT_MAX_COLUMNS=60,
    IMPORT_MAX_CELL_CHARS=2_000,
    IMPORT_MAX_SECONDS=15,
    PHONE_DEFAULT_REGION="ML",
    # Mail: with no MAIL_SERVER, messages are written to instance/outbox/ as .eml files.
    MAIL_SERVER=None,
    MAIL_PORT=25,
    MAIL_USE_TLS=False,
    MAIL_USE_SSL=False,
    MAIL_USERNAME=None,
    MAIL_PASSWORD=None,
    MAIL_DEFAULT_SENDER="eventapp@localhost",
    # Where links in emails and printed letters point to (the laptop's LAN address at a venue).
    EXTERNAL_URL=None,
    RATELIMIT_STORAGE_URI="memory://",
    RATELIMIT_HEADERS_ENABLED=True,
    # Sign-in brake (services/signin.py): failures of one account from one address lock that
    # pair; failures from one address, whatever the accounts, lock the address; failures of one
    # account from anywhere only slow every attempt at it by LOGIN_SLOWDOWN seconds.
    LOGIN_MAX_FAILURES=5,
    LOGIN_MAX_ADDRESS_FAILURES=20,
    LOGIN_SLOWDOWN=1.0,
    LOGIN_FAILURE_WINDOW=timedelta(minutes=15),
    PASSWORD_MIN_LENGTH=10,
    SMALL_COUNT_THRESHOLD=5,
)

#: Settings that are durations: a number given for one of them is a number of seconds.
DURATION_KEYS = ("PERMANENT_SESSION_LIFETIME", "SESSION_IDLE_TIMEOUT", "LOGIN_FAILURE_WINDOW",
                 "RETENTION_CHECK_INTERVAL")


def load_config(app, overrides: dict | None = None) -> None:
    """Fill ``app.config`` in order: defaults, ``instance/config.py``, environment, overrides.

    ``overrides`` (the factory's ``config`` argument, used by tests) comes last so a test
    always gets exactly what it asked for.
    """
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    # EVENTAPP_DATABASE_URL and EVENTAPP_SECRET_KEY are the contract's names; any other
    # EVENTAPP_FOO sets FOO (values parsed as JSON when they can be, as Flask does).
    app.config.from_prefixed_env(prefix="EVENTAPP")
    if app.config.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    if overrides:
        app.config.from_mapping(overrides)

    # Durations may come from the environment or instance/config.py as numbers of seconds.
    for key in DURATION_KEYS:
        if isinstance(app.config.get(key), (int, float)) and not isinstance(app.config.get(key), bool):
            app.config[key] = timedelta(seconds=app.config[key])

    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'eventapp.db'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if app.config.get("DATABASE_POOL_SIZE"):
        # One connection kept per server thread: past SQLAlchemy's default of five, every
        # request beyond the fifth opened a connection and closed it again (on PostgreSQL, a
        # new server process each time).
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options.setdefault("pool_size", int(app.config["DATABASE_POOL_SIZE"]))
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(instance)


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs (SQLAlchemy would pick psycopg2)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _instance_secret_key(instance: Path) -> str:
    """Read the installation's secret key, making it once (readable by the owner only)."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key
