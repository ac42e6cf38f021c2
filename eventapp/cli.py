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


# --- reports (issue 6) ----------------------------------------------------------------


def _upload_dir() -> Path:
    return Path(current_app.instance_path) / "uploads"


@click.command("sheets")
@click.argument("event")
@click.option("--day", required=True, help="The day of the event, YYYY-MM-DD.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="FILE.pdf")
@click.option("--kind", type=click.Choice(["expected", "attended"]), default="expected", show_default=True,
              help="expected: everyone expected, to sign on arrival; attended: those who came, with their times.")
@click.option("--part", default="day", show_default=True, help="day, morning, afternoon or item:ID (an agenda item).")
@click.option("--blank-rows", default=10, show_default=True, type=int, help="Empty rows at the end for walk-ins.")
@with_appcontext
def sheets_command(event, day, out, kind, part, blank_rows):
    """Print the sign-in sheet (feuille d'émargement) of one day of an event."""
    from eventapp.services.audit import Actor
    from eventapp.services.sheets import print_sheet

    ev = event_arg(event)
    try:
        data, _name = print_sheet(ev, day, kind=kind, part=part, blank_rows=blank_rows, actor=Actor.cli(),
                                  upload_dir=_upload_dir())
    except ValidationError as exc:
        fail("\n".join(exc.messages()))
    out.write_bytes(data)
    click.echo(f"Wrote {out} ({len(data)} bytes)")


@click.command("report")
@click.argument("event")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="FILE.pdf or FILE.xlsx")
@click.option("--external", is_flag=True, help="The report leaves the organisation: hide small counts.")
@with_appcontext
def report_command(event, out, external):
    """Write the attendance report of an event as PDF or XLSX (by the file's extension)."""
    from eventapp.services.audit import Actor
    from eventapp.services.reports import export_report

    ev = event_arg(event)
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("pdf", "xlsx"):
        fail("The report is written as .pdf or .xlsx: give --out FILE.pdf or FILE.xlsx.")
    try:
        data, _name = export_report(ev, fmt, actor=Actor.cli(), external=external, upload_dir=_upload_dir())
    except ValidationError as exc:
        fail("\n".join(exc.messages()))
    out.write_bytes(data)
    click.echo(f"Wrote {out} ({len(data)} bytes)")



@click.command("payments")
@click.argument("event")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="FILE.xlsx or FILE.pdf")
@with_appcontext
def payments_command(event, out):
    """Write the transport and per diem sheet (XLSX for the accountant, PDF to sign)."""
    from eventapp.services.audit import Actor
    from eventapp.services.payments import export_payments

    ev = event_arg(event)
    fmt = out.suffix.lower().lstrip(".")
    try:
        data, _name = export_payments(ev, fmt, actor=Actor.cli(), upload_dir=_upload_dir())
    except ValidationError as exc:
        fail("\n".join(exc.messages()))
    out.write_bytes(data)
    click.echo(f"Wrote {out} ({len(data)} bytes)")


@click.command("certificates")
@click.argument("event")
@click.option("--official", "official_id", required=True, type=int, help="Id of the official who signs.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="FILE.pdf (a page each) or FILE.zip (one PDF per person).")
@with_appcontext
def certificates_command(event, official_id, out):
    """Write the certificates of attendance of everyone who came."""
    from eventapp.services.audit import Actor
    from eventapp.services.certificates import print_certificates

    ev = event_arg(event)
    base_url = current_app.config.get("EXTERNAL_URL") or "http://localhost:5000/"
    try:
        data, _name, _mimetype = print_certificates(ev, official_id=official_id, base_url=base_url,
                                                    separate=out.suffix.lower() == ".zip", actor=Actor.cli(),
                                                    upload_dir=_upload_dir())
    except ValidationError as exc:
        fail("\n".join(exc.messages()))
    out.write_bytes(data)
    click.echo(f"Wrote {out} ({len(data)} bytes)")


# --- trust (issue 7) ------------------------------------------------------------------


def init_app(app) -> None:
    """Add the commands to the app's CLI (``flask --app eventapp`` sees them too)."""
    for name, obj in list(globals().items()):
        if isinstance(obj, click.Command) and obj is not main and name.endswith(("_command", "_group")):
            app.cli.add_command(obj)


if __name__ == "__main__":  # pragma: no cover
    main()
