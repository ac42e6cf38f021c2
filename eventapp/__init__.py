"""eventapp: workshop and event management (invitations, QR check-in, badges, reports)."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

__version__ = "0.1.0"

#: The project root (for templates/, static/ and the default instance/ folder).
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def default_instance_path() -> str | None:
    """``EVENTAPP_INSTANCE_PATH``, else the checkout's ``instance/``; None lets Flask choose."""
    env = os.environ.get("EVENTAPP_INSTANCE_PATH")
    if env:
        return str(Path(env).resolve())
    if (PROJECT_ROOT / "pyproject.toml").exists():
        return str(PROJECT_ROOT / "instance")
    return None


def create_app(config: dict | None = None) -> Flask:
    """Make the application: configuration, extensions, blueprints and CLI, nothing else.

    ``config`` overrides every other setting (tests pass the database URL and instance path).
    """
    instance_path = (config or {}).get("INSTANCE_PATH") or default_instance_path()
    app = Flask(
        __name__,
        instance_path=instance_path,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )

    from eventapp.config import load_config

    load_config(app, config)
    if int(app.config.get("PROXY_FIX") or 0) > 0:
        # Behind nginx & co.: take the client's address and scheme from X-Forwarded-* headers,
        # trusting exactly PROXY_FIX hops (a header from anyone else could be forged).
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["PROXY_FIX"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops)

    from eventapp import cli, extensions, i18n, logsafe, retention, security, web
    from eventapp.database import init_database

    logsafe.init_app(app)  # before the engine is made: it hides statement parameters
    extensions.db.init_app(app)
    init_database(app)
    extensions.migrate.init_app(app, extensions.db, directory=str(Path(__file__).parent / "migrations"),
                                render_as_batch=True, compare_type=True)
    extensions.csrf.init_app(app)
    extensions.limiter.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    web.init_app(app)
    cli.init_app(app)
    retention.init_app(app)
    return app
