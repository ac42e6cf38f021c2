"""The ``eventapp`` command: Flask's CLI for this app plus the contract's commands.

Commands are thin: they parse arguments, call services and print.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from eventapp.extensions import db
from eventapp.services.errors import ServiceError, ValidationError


def _create_app():
    from eventapp import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main():
    """eventapp: workshops from the first invitation to the donor report."""


def fail(message: str, code: int = 1):
    """Print an error to stderr and leave with a non-zero code."""
    click.secho(message, fg="red", err=True)
    sys.exit(code)


def event_arg(slug: str):
    """The event named on the command line, or a clear error."""
    from eventapp.services import events as event_service

    try:
        return event_service.get_event(slug)
    except ServiceError as exc:
        fail(str(exc))


# --- foundation (issue 2) -------------------------------------------------------------


@click.command("init")
@with_appcontext
def init_command():
    """Create or upgrade the schema, and the default categories; safe to run again."""
    from eventapp.services.schema import upgrade_schema

    upgrade_schema()
    click.echo(f"Database ready: {db.engine.url.render_as_string(hide_password=True)}")


@click.group("users")
def users_group():
    """Manage staff accounts."""


@users_group.command("create")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(["admin", "organizer", "coordinator", "door"]))
@click.option("--password", help="Prompted for when not given.")
@click.option("--name", default="")
@with_appcontext
def users_create(email, role, password, name):
    """Create a staff account."""
    from eventapp.services import users as user_service
    from eventapp.services.audit import Actor

    if not password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = user_service.create_user(email, role, password, name, actor=Actor.cli(),
                                        min_length=current_app.config["PASSWORD_MIN_LENGTH"])
    except ValidationError as exc:
        fail("\n".join(exc.messages()))
    click.echo(f"Created {user.role} {user.email}")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="0.0.0.0 to serve phones on the venue Wi-Fi.")
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--https", "use_https", is_flag=True, help="Serve over TLS with a self-signed certificate.")
@click.option("--threads", default=16, show_default=True, type=int)
def serve_command(host, port, use_https, threads):
    """Serve the app with a production WSGI server (cheroot; Linux and Windows)."""
    from eventapp import create_app
    from eventapp.server import serve

    serve(create_app(), host=host, port=port, use_https=use_https, threads=threads)


# --- people (issue 3) -----------------------------------------------------------------


# --- door (issue 4) -------------------------------------------------------------------


@click.group("stations")
def stations_group():
    """Door stations (devices paired to one event)."""


@stations_group.command("create")
@click.argument("event")
@click.argument("name")
@with_appcontext
def stations_create(event, name):
    """Create a station for EVENT and print its bearer token (shown once)."""
    from eventapp.services import stations as station_service
    from eventapp.services.audit import Actor

    ev = event_arg(event)
    try:
        issued = station_service.create_station(ev, name, actor=Actor.cli())
    except ValidationError as exc:
        fail("\n".join(exc.messages()))
    click.echo(issued.token)


@stations_group.command("list")
@click.argument("event")
@with_appcontext
def stations_list(event):
    """List the stations of EVENT."""
    from eventapp.services import stations as station_service

    for station in station_service.list_stations(event_arg(event)):
        state = "revoked" if station.revoked_at else "active"
        click.echo(f"{station.id}\t{station.name}\t{state}")


# --- printing (issue 5) ---------------------------------------------------------------


# --- reports (issue 6) ----------------------------------------------------------------


# --- trust (issue 7) ------------------------------------------------------------------


def init_app(app) -> None:
    """Add the commands to the app's CLI (``flask --app eventapp`` sees them too)."""
    for name, obj in list(globals().items()):
        if isinstance(obj, click.Command) and obj is not main and name.endswith(("_command", "_group")):
            app.cli.add_command(obj)


if __name__ == "__main__":  # pragma: no cover
    main()
