"""The ``eventapp`` command: Flask's CLI for this app plus the contract's commands.

Commands are thin: they parse arguments, call services and print.
"""
from __future__ import annotations

import os
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


# --- printing (issue 5) ---------------------------------------------------------------


# --- reports (issue 6) ----------------------------------------------------------------


# --- trust (issue 7) ------------------------------------------------------------------


@click.command("purge")
@click.argument("event")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--force", is_flag=True, help="Purge even before the event's retention date.")
@with_appcontext
def purge_command(event, yes, force):
    """Remove the personal data of EVENT's participants, keeping counts and reports."""
    from eventapp.services import privacy
    from eventapp.services.audit import Actor

    target = event_arg(event)
    if not yes:
        click.confirm(f"Erase the personal data of the participants of {target.slug}?", abort=True)
    try:
        result = privacy.purge_event(target, Actor.cli(), force=force)
    except ValidationError as exc:
        fail("\n".join(exc.messages()))
    click.echo(f"Purged {result.event_slug}: {result.registrations} registrations kept, "
               f"{result.persons_erased} persons erased, {result.persons_detached} detached.")


@click.group("person")
def person_group():
    """One person's data: export it, erase it (data protection requests)."""


def _person_arg(person_id: int):
    from eventapp.services import privacy

    try:
        return privacy.get_person(person_id)
    except ServiceError as exc:
        fail(str(exc))


@person_group.command("export")
@click.argument("person_id", type=int)
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def person_export(person_id, out):
    """Write everything stored about a person to a JSON file."""
    from eventapp.services import privacy
    from eventapp.services.audit import Actor

    person = _person_arg(person_id)
    data = privacy.export_person_json(person, Actor.cli())
    # Personal data: readable by its owner only.
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    click.echo(f"Wrote {out}")


@person_group.command("erase")
@click.argument("person_id", type=int)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def person_erase(person_id, yes):
    """Erase a person's personal data (counts, check-ins and consents stay)."""
    from eventapp.services import privacy
    from eventapp.services.audit import Actor

    person = _person_arg(person_id)
    if not yes:
        click.confirm(f"Erase the personal data of person {person.id}?", abort=True)
    try:
        privacy.erase_person(person, Actor.cli())
    except ValidationError as exc:
        fail("\n".join(exc.messages()))
    click.echo(f"Erased person {person.id}")


@click.command("backup")
@click.option("--out", required=True, type=click.Path(path_type=Path), help="The file to write.")
@with_appcontext
def backup_command(out):
    """Write a consistent copy of the database while the app runs (SQLite backup or pg_dump)."""
    from eventapp.services.audit import Actor, record
    from eventapp.services.backup import backup_database

    url = db.engine.url.render_as_string(hide_password=False)
    try:
        path = backup_database(url, out)
    except ServiceError as exc:
        fail(str(exc))
    record(Actor.cli(), "backup", path=str(path))
    db.session.commit()
    click.echo(f"Backup written to {path} ({path.stat().st_size} bytes)")


def init_app(app) -> None:
    """Add the commands to the app's CLI (``flask --app eventapp`` sees them too)."""
    for name, obj in list(globals().items()):
        if isinstance(obj, click.Command) and obj is not main and name.endswith(("_command", "_group")):
            app.cli.add_command(obj)


if __name__ == "__main__":  # pragma: no cover
    main()
