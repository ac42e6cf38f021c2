"""The ``eventapp`` command: Flask's CLI for this app plus the contract's commands.

Commands are thin: they parse arguments, call services and print.
"""
from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from eventapp.config import public_base_url
from eventapp.core import web
from eventapp.core.errors import ServiceError, ValidationError
from eventapp.extensions import db
from eventapp.server import local_addresses


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
    from eventapp.events import services as event_service

    try:
        return event_service.get_event(slug)
    except ServiceError as exc:
        fail(str(exc))


# --- setup and serving -------------------------------------------------------------------


@click.command("init")
@with_appcontext
def init_command():
    """Create or upgrade the schema, and the default categories; safe to run again."""
    from eventapp.schema import upgrade_schema

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
    from eventapp.accounts import services as user_service
    from eventapp.audit.services import Actor

    if not password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = user_service.create_user(email, role, password, name, actor=Actor.cli(),
                                        min_length=current_app.config["PASSWORD_MIN_LENGTH"])
    except ValidationError as exc:
        fail("\n".join(exc.messages()))
    click.echo(f"Created {user.role} {user.email}")


def _user_arg(email: str):
    from eventapp.accounts import services as user_service

    user = user_service.get_by_email(email)
    if user is None:
        fail(f"No account has the email {email}.")
    return user


@users_group.command("set-password")
@click.argument("email")
@click.option("--password", help="Prompted for when not given.")
@with_appcontext
def users_set_password(email, password):
    """Set an account's password; every open session of the account ends."""
    from eventapp.accounts import services as user_service
    from eventapp.audit.services import Actor

    user = _user_arg(email)
    if not password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user_service.set_password(user, password, actor=Actor.cli(),
                                  min_length=current_app.config["PASSWORD_MIN_LENGTH"])
    except ValidationError as exc:
        fail("\n".join(exc.messages()))
    click.echo(f"Password set for {user.email}; its sessions are ended.")


@users_group.command("unlock")
@click.argument("email")
@with_appcontext
def users_unlock(email):
    """Lift the sign-in locks of an account (its failed attempts are forgotten, from every address)."""
    from eventapp.accounts import signin as signin_service
    from eventapp.audit.services import Actor

    user = _user_arg(email)
    lifted = signin_service.unlock(user.email, actor=Actor.cli())
    click.echo(f"Unlocked {user.email} ({lifted} failed attempts forgotten).")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="0.0.0.0 to serve phones on the venue Wi-Fi.")
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--https", "use_https", is_flag=True, help="Serve over TLS with a self-signed certificate.")
@click.option("--threads", default=16, show_default=True, type=int)
def serve_command(host, port, use_https, threads):
    """Serve the app with a production WSGI server (cheroot; Linux and Windows)."""
    from eventapp import create_app
    from eventapp.server import serve

    # A pooled connection per thread, and a few for the background jobs (purge check, prints).
    app = create_app({"DATABASE_POOL_SIZE": threads + 4})
    serve(app, host=host, port=port, use_https=use_https, threads=threads)


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

    from eventapp.audit.services import Actor
    from eventapp.demo import DEMO_TIMEZONE, load_demo

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
    if any(a.password for a in result.accounts):
        click.echo("These passwords are public: change them (admin → Users) before serving on a network.")


@click.command("programme")
@click.argument("event")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True),
              help="Where to write the PDF.")
@with_appcontext
def programme_command(event, out):
    """Write the printable programme of EVENT (its agenda and officials) as a PDF."""
    from eventapp.audit.services import Actor
    from eventapp.events.programme import make_programme

    found = event_arg(event)
    pdf = make_programme(found, Path(current_app.instance_path) / "uploads", actor=Actor.cli())
    try:
        Path(out).write_bytes(pdf)
    except OSError as exc:
        fail(f"Cannot write {out}: {exc.strerror or exc}")
    click.echo(f"Programme written to {out} ({len(pdf) // 1024 + 1} KB)")


# --- people ------------------------------------------------------------------------------


@click.group("participants")
def participants_group():
    """Import and export an event's participants."""


@participants_group.command("import")
@click.argument("event")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and report, without writing anything.")
@click.option("--status", type=click.Choice(["registered", "invited"]), default="registered", show_default=True,
              help="Status of the new registrations (invited: people who will be asked to answer).")
@click.option("--map", "maps", multiple=True, metavar="FIELD:VALUE=CODE",
              help="Read VALUE of a coded column (sex, age_band, category) as CODE, e.g. "
                   "--map age_band:25-34=25-35 or --map \"category:Médias=press\"; CODE +new makes a category "
                   "of the value. Repeatable.")
@with_appcontext
def participants_import(event, file, dry_run, status, maps):
    """Import a CSV or XLSX file of participants into EVENT: all rows or none."""
    from eventapp.audit.services import Actor
    from eventapp.people import imports

    target = event_arg(event)
    try:
        value_map = imports.parse_value_maps(maps)
        table = imports.read_table(file.read_bytes(), file.name, settings=web.settings())
        plan = imports.prepare_import(target, table, settings=web.settings(), value_map=value_map)
        _report_columns_and_warnings(plan, err=not plan.ok)
        summary = imports.run_import(target, plan, actor=Actor.cli(), dry_run=dry_run, filename=file.name,
                                     status=status)
    except imports.ImportRefused as exc:
        fail("\n".join(exc.messages() + _value_map_hints(exc.plan)) + f"\n{file.name}: nothing imported.")
    except ValidationError as exc:
        fail("\n".join(exc.messages()) + f"\n{file.name}: nothing imported.")
    verb = "would be imported" if dry_run else "imported"
    click.echo(f"{summary.rows} participants {verb} into {target.slug} "
               f"({summary.created} new in the directory, {summary.reused} already known).")
    if summary.new_categories:
        click.echo(("Categories to be made: " if dry_run else "Categories made: ") + ", ".join(summary.new_categories))


def _report_columns_and_warnings(plan, *, err: bool) -> None:
    """Say which columns are ignored, and the warnings (a phone shared by two rows), before the outcome."""
    if plan.ignored_columns:
        click.echo("Columns ignored: " + ", ".join(plan.ignored_columns) + " (no field has these headers)", err=err)
    for warning in plan.warning_messages():
        click.echo("Warning: " + warning, err=err)


def _value_map_hints(plan) -> list[str]:
    """How to give the unknown values of ``plan`` a code on the command line, with the suggestions."""
    unknown = plan.unknown_values
    if not unknown:
        return []
    examples = [f"--map {shlex.quote(f'{v.field}:{v.value}={v.suggestion}')}" for v in unknown if v.suggestion]
    lines = ["Give each unknown value a code with --map FIELD:VALUE=CODE (repeatable); "
             "--map category:VALUE=+new makes a category of the value."]
    if examples:
        lines.append("Suggested: " + " ".join(examples[:20]))
    return lines


@participants_group.command("export")
@click.argument("event")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="FILE.csv or FILE.xlsx")
@click.option("--with-tokens", is_flag=True, help="Add each registration's check-in token and QR payload.")
@with_appcontext
def participants_export(event, out, with_tokens):
    """Export EVENT's participants to CSV (UTF-8 with BOM, semicolons) or XLSX, by the file's extension."""
    from eventapp.audit.services import Actor
    from eventapp.people import exports

    target = event_arg(event)
    fmt = out.suffix.lower().lstrip(".")
    try:
        data = exports.export_participants(target, fmt, with_tokens=with_tokens, actor=Actor.cli())
    except ValidationError as exc:
        fail("\n".join(exc.messages()))
    out.write_bytes(data)
    click.echo(f"Exported {target.slug} to {out}")



# --- door --------------------------------------------------------------------------------


@click.group("stations")
def stations_group():
    """Door stations (devices paired to one event)."""


@stations_group.command("create")
@click.argument("event")
@click.argument("name")
@with_appcontext
def stations_create(event, name):
    """Create a station for EVENT and print its bearer token (shown once)."""
    from eventapp.audit.services import Actor
    from eventapp.door import stations as station_service

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
    from eventapp.door import stations as station_service

    for station in station_service.list_stations(event_arg(event)):
        state = "revoked" if station.revoked_at else "active"
        click.echo(f"{station.id}\t{station.name}\t{state}")


# --- badges and printing -----------------------------------------------------------------


def _upload_dir() -> Path:
    """The instance's uploads folder (logos and badge backgrounds), as the web pages use it."""
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
    from eventapp.audit.services import Actor
    from eventapp.badges import services as badge_service
    from eventapp.badges.documents.badges import LAYOUTS

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
    from eventapp.audit.services import Actor
    from eventapp.badges import services as badge_service

    _check_out(out)
    ev = event_arg(event)
    try:
        pdf = badge_service.nameplates_pdf(ev, actor=Actor.cli())
    except ServiceError as exc:
        fail(str(exc))
    _write(out, pdf)
    click.echo(f"Wrote {len(ev.officials)} name plates to {out}")


# --- reports -----------------------------------------------------------------------------


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
    from eventapp.audit.services import Actor
    from eventapp.reports.sheets import print_sheet

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
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="FILE.pdf or FILE.xlsx")
@click.option("--external", is_flag=True, help="The report leaves the organisation: hide small counts.")
@with_appcontext
def report_command(event, out, external):
    """Write the attendance report of an event as PDF or XLSX (by the file's extension)."""
    from eventapp.audit.services import Actor
    from eventapp.reports.services import export_report

    ev = event_arg(event)
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("pdf", "xlsx"):
        fail("The report is written as .pdf or .xlsx: give --out FILE.pdf or FILE.xlsx.")
    try:
        data, _name = export_report(ev, fmt, settings=web.settings(), actor=Actor.cli(), external=external)
    except ValidationError as exc:
        fail("\n".join(exc.messages()))
    out.write_bytes(data)
    click.echo(f"Wrote {out} ({len(data)} bytes)")



@click.command("payments")
@click.argument("event")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="FILE.xlsx, FILE.pdf, or FILE.csv (the mobile-money bulk file of a paid sheet)")
@click.option("--valid-only", is_flag=True,
              help="CSV: leave out the people whose phone cannot be paid (they are listed) instead of refusing.")
@with_appcontext
def payments_command(event, out, valid_only):
    """Write the transport and per diem sheet (XLSX for the accountant, PDF to sign, CSV to pay by phone)."""
    from eventapp.audit.services import Actor
    from eventapp.reports import mobile_money
    from eventapp.reports.payments import export_payments

    ev = event_arg(event)
    fmt = out.suffix.lower().lstrip(".")
    try:
        if fmt == "csv":
            data, _name = mobile_money.export_mobile_money(ev, valid_only=valid_only, actor=Actor.cli())
        else:
            data, _name = export_payments(ev, fmt, actor=Actor.cli(), upload_dir=_upload_dir())
    except ValidationError as exc:
        fail("\n".join(exc.messages()))
    out.write_bytes(data)
    click.echo(f"Wrote {out} ({len(data)} bytes)")
    if fmt == "csv":
        for line in mobile_money.problem_lines(mobile_money.bulk_payments(ev), ev.language):
            click.echo(f"Left out: {line}", err=True)


@click.command("certificates")
@click.argument("event")
@click.option("--official", "official_id", required=True, type=int, help="Id of the official who signs.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="FILE.pdf (a page each) or FILE.zip (one PDF per person).")
@with_appcontext
def certificates_command(event, official_id, out):
    """Write the certificates of attendance of everyone who came."""
    from eventapp.audit.services import Actor
    from eventapp.reports.certificates import print_certificates

    ev = event_arg(event)
    address = public_base_url(current_app.config.get("EXTERNAL_URL"), None, local_addresses())
    if address.source == "lan":
        click.echo(f"No EXTERNAL_URL is set: the certificates' links point to {address.url}", err=True)
    elif not address.known:
        click.echo("No public address is known (EXTERNAL_URL, or a network address): the certificates carry "
                   "no QR code.", err=True)
    base_url = address.url
    try:
        data, _name, _mimetype = print_certificates(ev, official_id=official_id, links=web.links(base_url),
                                                    separate=out.suffix.lower() == ".zip", actor=Actor.cli(),
                                                    upload_dir=_upload_dir())
    except ValidationError as exc:
        fail("\n".join(exc.messages()))
    out.write_bytes(data)
    click.echo(f"Wrote {out} ({len(data)} bytes)")


# --- accounts, audit and privacy ---------------------------------------------------------


@click.command("purge")
@click.argument("event")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--force", is_flag=True, help="Purge even before the event's retention date.")
@with_appcontext
def purge_command(event, yes, force):
    """Remove the personal data of EVENT's participants, keeping counts and reports."""
    from eventapp.audit.services import Actor
    from eventapp.privacy import services as privacy

    target = event_arg(event)
    if not yes:
        click.confirm(f"Erase the personal data of the participants of {target.slug}?", abort=True)
    try:
        result = privacy.purge_event(target, Actor.cli(), force=force,
                                     files=privacy.StoredFiles.of_instance(current_app.instance_path))
    except ValidationError as exc:
        fail("\n".join(exc.messages()))
    click.echo(f"Purged {result.event_slug}: {result.registrations} registrations kept, "
               f"{result.persons_erased} persons erased, {result.persons_detached} detached.")


@click.group("person")
def person_group():
    """One person's data: export it, erase it (data protection requests)."""


def _person_arg(person_id: int):
    from eventapp.people import services as people

    try:
        return people.get_person(person_id)
    except ServiceError as exc:
        fail(str(exc))


@person_group.command("export")
@click.argument("person_id", type=int)
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def person_export(person_id, out):
    """Write everything stored about a person to a JSON file."""
    from eventapp.audit.services import Actor
    from eventapp.privacy import services as privacy

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
    from eventapp.audit.services import Actor
    from eventapp.privacy import services as privacy

    person = _person_arg(person_id)
    if not yes:
        click.confirm(f"Erase the personal data of person {person.id}?", abort=True)
    try:
        privacy.erase_person(person, Actor.cli(), files=privacy.StoredFiles.of_instance(current_app.instance_path))
    except ValidationError as exc:
        fail("\n".join(exc.messages()))
    click.echo(f"Erased person {person.id}")


@click.command("backup")
@click.option("--out", required=True, type=click.Path(path_type=Path), help="The file to write.")
@with_appcontext
def backup_command(out):
    """Write a consistent copy of the database while the app runs (SQLite backup or pg_dump)."""
    from eventapp.audit.services import Actor, record
    from eventapp.privacy.backup import backup_database

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
