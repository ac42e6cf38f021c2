"""Configuration: defaults, then ``instance/config.py``, then ``EVENTAPP_*`` environment variables.

Nothing here reads the environment at import time; :func:`load_config` is called by the factory.
"""
from __future__ import annotations

import ipaddress
import os
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

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
    LANGUAGES=["fr", "en"],
    DEFAULT_TIMEZONE="Africa/Bamako",  # of new events; each event then carries its own zone
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
    # Compression (core/compression.py, Flask-Compress): brotli when the browser takes it, else
    # gzip; text only, from 500 bytes (smaller gains less than its headers). PDF, PNG, JPEG, ZIP
    # and XLSX are compressed already and are not in the list. Answers that carry a CSRF token
    # are never compressed (BREACH): core.compression decides before Flask-Compress does.
    COMPRESS_REGISTER=False,
    COMPRESS_MIMETYPES=["text/html", "text/css", "text/plain", "text/javascript", "application/javascript",
                        "application/json", "application/manifest+json", "image/svg+xml"],
    COMPRESS_ALGORITHM=["br", "gzip"],
    COMPRESS_ALGORITHM_STREAMING=["br", "gzip"],
    COMPRESS_MIN_SIZE=500,
    # Static files named without their version (core/assets.py) are kept this many seconds; a
    # versioned URL is kept a year, immutable.
    STATIC_MAX_AGE=300,
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

    # Flask-Babel's zone follows the one setting.
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", app.config["DEFAULT_TIMEZONE"])
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


@dataclass(frozen=True)
class PublicAddress:
    """Where links meant for someone else's phone point, and how sure we are of it."""

    url: str  # ends with "/"; empty when no address other phones can open is known
    source: str  # "setting" (EXTERNAL_URL), "request" (the address the server was reached at), "lan", "none"

    @property
    def known(self) -> bool:
        """False when the address is a guess the organizer should confirm (or there is none)."""
        return self.source in ("setting", "request")


_LOOPBACK_HOSTS = ("localhost", "localhost.localdomain", "ip6-localhost")


def _is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host in _LOOPBACK_HOSTS or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback or ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


def public_base_url(external_url: str | None, request_url: str | None = None,
                    lan_addresses: list[str] | tuple[str, ...] = ()) -> PublicAddress:
    """The one rule for the public address (README, Configuration: ``EVENTAPP_EXTERNAL_URL``).

    ``EXTERNAL_URL`` when set; else the address the server was reached at (``request_url``,
    e.g. ``http://192.168.1.10:5000/``) unless it is this machine's loopback; else the same
    scheme and port on the first LAN address ``serve`` prints. Never ``localhost`` or
    127.0.0.1: with no address at all, an empty ``url`` (``source="none"``), so that links are
    left out and the organizer is warned.
    """
    if external_url:
        return PublicAddress(external_url.rstrip("/") + "/", "setting")
    parts = urlsplit(request_url or "http://localhost:5000/")
    if request_url and not _is_loopback(parts.hostname or ""):
        return PublicAddress(f"{parts.scheme}://{parts.netloc}/", "request")
    port = f":{parts.port}" if parts.port else ""
    if lan_addresses:
        return PublicAddress(f"{parts.scheme}://{lan_addresses[0]}{port}/", "lan")
    return PublicAddress("", "none")


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
