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


@click.command("demo")
@click.option("--participants", default=120, show_default=True, type=click.IntRange(0, 10_000),
              help="How many invented participants.")
@click.option("--date", "on_date", default=None, metavar="YYYY-MM-DD|today",
              help="Hold the workshop on this day instead of 21 June 2023 (no attendance unless it is past).")
@with_appcontext
def demo_command(participants, on_date):
    """Load the 21 June 2023 restitution workshop (slug restitution-2023); safe to run again."""
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    from eventapp.services.audit import Actor
    from eventapp.services.demo import DEMO_TIMEZONE, load_demo

    today = datetime.now(ZoneInfo(DEMO_TIMEZONE)).date()
    day = None
    if on_date:
        try:
            day = today if on_date == "today" else date.fromisoformat(on_date)
        except ValueError:
            fail(f"--date: expected YYYY-MM-DD or 'today', got {on_date!r}")
    try:
        result = load_demo(participants, day, today=today, categories=current_app.config["CATEGORIES"],
                           min_password_length=current_app.config["PASSWORD_MIN_LENGTH"], actor=Actor.cli())
    except ValidationError as exc:
        fail("\n".join(exc.messages()))
    event = result.event
    click.echo(f"Demo event '{event.slug}' on {event.start_date.isoformat()}: {result.participants} participants, "
               f"{len(event.agenda_items)} agenda items, {len(event.officials)} officials, "
               f"{result.checkins} check-ins.")
    click.echo("Sign in at /login (e.g. http://127.0.0.1:5000/login) with:")
    for account in result.accounts:
        password = account.password or "(existing account: password unchanged)"
        click.echo(f"  {account.role:<12} {account.email:<32} {password}")


@click.command("programme")
@click.argument("event")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True),
              help="Where to write the PDF.")
@with_appcontext
def programme_command(event, out):
    """Write the printable programme of EVENT (its agenda and officials) as a PDF."""
    from eventapp.services.audit import Actor
    from eventapp.services.programme import make_programme

    found = event_arg(event)
    pdf = make_programme(found, Path(current_app.instance_path) / "uploads", actor=Actor.cli())
    try:
        Path(out).write_bytes(pdf)
    except OSError as exc:
        fail(f"Cannot write {out}: {exc.strerror or exc}")
    click.echo(f"Programme written to {out} ({len(pdf) // 1024 + 1} KB)")


# --- people (issue 3) -----------------------------------------------------------------


@click.group("participants")
def participants_group():
    """Import and export an event's participants."""


@participants_group.command("import")
@click.argument("event")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and report, without writing anything.")
@click.option("--status", type=click.Choice(["registered", "invited"]), default="registered", show_default=True,
              help="Status of the new registrations (invited: people who will be asked to answer).")
@with_appcontext
def participants_import(event, file, dry_run, status):
    """Import a CSV or XLSX file of participants into EVENT: all rows or none."""
    from eventapp.services import imports
    from eventapp.services.audit import Actor

    target = event_arg(event)
    try:
        summary = imports.import_file(target, file.read_bytes(), file.name, actor=Actor.cli(), dry_run=dry_run,
                                      status=status)
    except ValidationError as exc:
        fail("\n".join(exc.messages()) + f"\n{file.name}: nothing imported.")
    if summary.ignored_columns:
        click.echo("Columns ignored: " + ", ".join(summary.ignored_columns))
    verb = "would be imported" if dry_run else "imported"
    click.echo(f"{summary.rows} participants {verb} into {target.slug} "
               f"({summary.created} new in the directory, {summary.reused} already known).")


@participants_group.command("export")
@click.argument("event")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="FILE.csv or FILE.xlsx")
@click.option("--with-tokens", is_flag=True, help="Add each registration's check-in token and QR payload.")
@with_appcontext
def participants_export(event, out, with_tokens):
    """Export EVENT's participants to CSV (UTF-8 with BOM, semicolons) or XLSX, by the file's extension."""
    from eventapp.services import exports
    from eventapp.services.audit import Actor

    target = event_arg(event)
    fmt = out.suffix.lower().lstrip(".")
    try:
        data = exports.export_participants(target, fmt, with_tokens=with_tokens, actor=Actor.cli())
    except ValidationError as exc:
        fail("\n".join(exc.messages()))
    out.write_bytes(data)
    click.echo(f"Exported {target.slug} to {out}")



# --- door (issue 4) -------------------------------------------------------------------


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
