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


# --- printing (issue 5) ---------------------------------------------------------------


def _upload_dir() -> Path:
    return Path(current_app.instance_path) / "uploads"


def _check_out(out: str) -> None:
    """Refuse an output path whose folder does not exist, before anything is printed."""
    folder = Path(out).resolve().parent
    if not folder.is_dir():
        fail(f"Cannot write {out}: the folder {folder} does not exist.")


def _write(out: str, data: bytes) -> None:
    """Write the file, or leave with a clear error (no traceback for a bad path)."""
    try:
        Path(out).write_bytes(data)
    except OSError as exc:
        fail(f"Cannot write {out}: {exc.strerror or exc}")


@click.command("badges")
@click.argument("event")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True),
              help="The PDF file to write.")
@click.option("--layout", default=None, help="Sheet layout (default: the event's).")
@click.option("--discreet/--not-discreet", default=None, help="First name only, no category or organisation.")
@click.option("--not-printed", is_flag=True, help="Only the badges never printed before.")
@with_appcontext
def badges_command(event, out, layout, discreet, not_printed):
    """Write the badge sheets of EVENT's participants (cancelled ones left out) to a PDF."""
    from eventapp.documents.badges import LAYOUTS
    from eventapp.services import badges as badge_service
    from eventapp.services.audit import Actor

    if layout is not None and layout not in LAYOUTS:
        fail(f"Unknown layout {layout!r}. Layouts: {', '.join(LAYOUTS)}.")
    _check_out(out)
    ev = event_arg(event)
    request = badge_service.PrintRequest(
        selection=badge_service.Selection(include_printed=not not_printed),
        layout=layout, discreet=discreet, confirm_reprint=True,  # asking for the file is the confirmation
    )
    try:
        result = badge_service.print_badges(ev, request, actor=Actor.cli(), upload_dir=_upload_dir())
    except ServiceError as exc:
        fail(str(exc))
    _write(out, result.pdf)
    click.echo(f"Wrote {result.count} badges ({result.layout}) to {out}")


@click.command("nameplates")
@click.argument("event")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True),
              help="The PDF file to write.")
@with_appcontext
def nameplates_command(event, out):
    """Write the name plates (table tents) of EVENT's officials, in protocol order, to a PDF."""
    from eventapp.services import badges as badge_service
    from eventapp.services.audit import Actor

    _check_out(out)
    ev = event_arg(event)
    try:
        pdf = badge_service.nameplates_pdf(ev, actor=Actor.cli())
    except ServiceError as exc:
        fail(str(exc))
    _write(out, pdf)
    click.echo(f"Wrote {len(ev.officials)} name plates to {out}")


# --- reports (issue 6) ----------------------------------------------------------------


# --- trust (issue 7) ------------------------------------------------------------------


def init_app(app) -> None:
    """Add the commands to the app's CLI (``flask --app eventapp`` sees them too)."""
    for name, obj in list(globals().items()):
        if isinstance(obj, click.Command) and obj is not main and name.endswith(("_command", "_group")):
            app.cli.add_command(obj)


if __name__ == "__main__":  # pragma: no cover
    main()
