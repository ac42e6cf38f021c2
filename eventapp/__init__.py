"""eventapp: workshop and event management (invitations, QR check-in, badges, reports)."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

__version__ = "0.1.0"

#: The project root (for templates/, static/ and the default instance/ folder).
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _shared_folder(name: str) -> Path:
    """``templates``/``static``: the checkout's, else the copy a built package carries (setup.py)."""
    if (PROJECT_ROOT / "pyproject.toml").exists() and (PROJECT_ROOT / name).is_dir():
        return PROJECT_ROOT / name
    return Path(__file__).resolve().parent / name


#: Where the templates and the static files are, in a checkout and in an installed package.
TEMPLATES_DIR = _shared_folder("templates")
STATIC_DIR = _shared_folder("static")


def default_instance_path() -> str | None:
    """``EVENTAPP_INSTANCE_PATH``, else the checkout's ``instance/``; None lets Flask choose."""
    env = os.environ.get("EVENTAPP_INSTANCE_PATH")
    if env:
        return str(Path(env).resolve())
    if (PROJECT_ROOT / "pyproject.toml").exists():
        return str(PROJECT_ROOT / "instance")
    return None


def blueprints() -> list:
    """Every capability's blueprint, in one place: adding a capability is adding a line here."""
    from eventapp.accounts import admin
    from eventapp.accounts import views as accounts
    from eventapp.audit import views as audit
    from eventapp.badges import views as badges
    from eventapp.door import api
    from eventapp.door import views as door
    from eventapp.events import home
    from eventapp.events import views as events
    from eventapp.people import admin as categories
    from eventapp.people import views as people
    from eventapp.privacy import views as privacy
    from eventapp.registration import views as registration
    from eventapp.reports import views as reports

    return [admin.bp, api.bp, audit.bp, accounts.bp, badges.bp, categories.bp, door.bp, events.bp, home.bp,
            people.bp, privacy.bp, registration.bp, reports.bp]


def create_app(config: dict | None = None) -> Flask:
    """Make the application: configuration, extensions, blueprints and CLI, nothing else.

    ``config`` overrides every other setting (tests pass the database URL and instance path).
    """
    instance_path = (config or {}).get("INSTANCE_PATH") or default_instance_path()
    app = Flask(
        __name__,
        instance_path=instance_path,
        instance_relative_config=True,
        template_folder=str(TEMPLATES_DIR),
        static_folder=str(STATIC_DIR),
    )

    from eventapp.config import load_config

    load_config(app, config)
    if int(app.config.get("PROXY_FIX") or 0) > 0:
        # Behind nginx & co.: take the client's address and scheme from X-Forwarded-* headers,
        # trusting exactly PROXY_FIX hops (a header from anyone else could be forged).
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["PROXY_FIX"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops)

    from eventapp import cli, extensions, logsafe, models  # noqa: F401 (models: every table mapped)
    from eventapp.accounts import security
    from eventapp.core import assets, compression, i18n, web
    from eventapp.core.database import init_database
    from eventapp.privacy import retention

    # First of the after-request hooks, so the last to run: it compresses the finished answer.
    compression.init_app(app)
    assets.init_app(app)
    logsafe.init_app(app)  # before the engine is made: it hides statement parameters
    extensions.db.init_app(app)
    init_database(app)
    extensions.migrate.init_app(app, extensions.db, directory=str(Path(__file__).parent / "migrations"),
                                render_as_batch=True, compare_type=True)
    extensions.csrf.init_app(app)
    extensions.limiter.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    web.init_app(app)  # before the blueprints: their <int:…> converters are the bounded ids
    for blueprint in blueprints():
        app.register_blueprint(blueprint)
    cli.init_app(app)
    retention.init_app(app)
    return app
