"""Reports: the attendance figures page, sign-in sheets, the report as PDF/XLSX, payments,
certificates, a project's reach, and the public page that checks a certificate.

Views are thin: they parse the request, call one service and render or send the bytes.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eventapp.accounts.security import roles_required
from eventapp.core.documents.charts import bar_svg
from eventapp.core.errors import NotFound, ValidationError
from eventapp.core.mail import MailSettings
from eventapp.core.web import links, settings
from eventapp.events.view_helpers import actor, event_or_404, public_address_warning, public_base_url
from eventapp.extensions import limiter
from eventapp.reports import certificates as certificate_service
from eventapp.reports import mobile_money
from eventapp.reports import payments as payment_service
from eventapp.reports import reach as reach_service
from eventapp.reports import services as report_service
from eventapp.reports import sheets as sheet_service

bp = Blueprint("reports", __name__)

READERS = ("coordinator", "organizer")  # and admins, who have every role
WRITERS = ("organizer",)  # what changes an event (or writes to its people): coordinators only read
MIMETYPES = {"pdf": "application/pdf",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _uploads() -> Path:
    return Path(current_app.instance_path) / "uploads"


def _download(data: bytes, filename: str, mimetype: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"  # personal data: not kept by browsers or proxies
    return response


def _external() -> bool:
    return request.args.get("external") in ("1", "on", "true", "yes")


@bp.route("/events/<slug>/reports")
@roles_required(*READERS)
def index(slug: str):
    """The figures of the event, with charts and buttons for every export."""
    event = event_or_404(slug)
    report = report_service.build_report(event, settings=settings(), external=_external(), with_logos=False,
                                         language=_language())
    charts = []  # (caption, SVG markup made here from numbers only)
    if report.arrivals_chart:
        charts.append((_("Arrivals per hour"), bar_svg([h for h, _n in report.arrivals_chart],
                                                       [[n for _h, n in report.arrivals_chart]],
                                                       [_("Arrivals")], _("Arrivals per hour"))))
    if report.category_chart:
        charts.append((_("Attendance by category and sex"), bar_svg([c for c, _v in report.category_chart],
                              [[v[i] for _c, v in report.category_chart] for i in range(3)],
                              report.sex_labels, _("Attendance by category and sex"))))
    return render_template("reports/index.html", event=event, report=report, charts=charts, external=_external(),
                           days=event.days)


@bp.route("/events/<slug>/reports/report.<fmt>")
@roles_required(*READERS)
def report_file(slug: str, fmt: str):
    """The attendance report as PDF or XLSX."""
    event = event_or_404(slug)
    if fmt not in MIMETYPES:
        abort(404)
    data, filename = report_service.export_report(event, fmt, settings=settings(), actor=actor(),
                                                  external=_external())
    return _download(data, filename, MIMETYPES[fmt])


@bp.route("/events/<slug>/reports/sheets")
@roles_required(*READERS)
def sheets(slug: str):
    """The sign-in sheet form; with a day, the PDF."""
    event = event_or_404(slug)
    errors: dict[str, list[str]] = {}
    day_value = request.args.get("day")
    if day_value:
        try:
            blank_rows = int(request.args.get("blank_rows", sheet_service.DEFAULT_BLANK_ROWS))
        except ValueError:
            blank_rows = -1
        try:
            data, filename = sheet_service.print_sheet(
                event, day_value, kind=request.args.get("kind", "expected"), part=request.args.get("part", "day"),
                blank_rows=blank_rows, actor=actor(), upload_dir=_uploads())
            return _download(data, filename, "application/pdf")
        except ValidationError as exc:
            errors = exc.errors
    try:
        chosen = date.fromisoformat(day_value) if day_value else event.start_date
    except ValueError:
        chosen = event.start_date
    if chosen not in event.days:
        chosen = event.start_date
    parts = sheet_service.sheet_parts(event, chosen)
    return render_template("reports/sheets.html", event=event, errors=errors, days=event.days, parts=parts,
                           args=request.args, chosen=chosen), (400 if errors else 200)


@bp.route("/events/<slug>/payments")
@roles_required(*READERS)
def payments(slug: str):
    """The transport and per diem sheet: rates, per-person amounts, totals (read-only for coordinators)."""
    return _payments_page(event_or_404(slug))


def _payments_page(event, errors: dict[str, list[str]] | None = None):
    view = payment_service.payment_view(event, language=_language())
    bulk = mobile_money.bulk_payments(event, view, language=_language())
    editable = not view.locked and current_user.has_role(*WRITERS)
    return render_template("reports/payments.html", event=event, view=view, bulk=bulk, errors=errors or {},
                           editable=editable, form=request.form if errors and request.form else None,
                           ), (400 if errors else 200)


@bp.route("/events/<slug>/payments", methods=["POST"])
@roles_required(*WRITERS)
def payments_save(slug: str):
    """Save the rates and per-person amounts of the payment sheet."""
    event = event_or_404(slug)
    form = request.form
    try:
        payment_service.update_sheet(
            event, currency=form.get("currency"), default_rate=form.get("default_rate", ""),
            rates=_prefixed(form, "rate_"), overrides=_prefixed(form, "override_"),
            default_transport=form.get("default_transport", ""), transport_rates=_prefixed(form, "transport_rate_"),
            transport_overrides=_prefixed(form, "transport_override_"), actor=actor())
    except ValidationError as exc:
        return _payments_page(event, exc.errors)
    flash(_("The payment sheet is saved."), "success")
    return redirect(url_for(".payments", slug=slug))


def _prefixed(form, prefix: str) -> dict[str, str]:
    """The form's fields named ``prefix<key>``, by key (``rate_fds`` -> ``fds``)."""
    return {k[len(prefix):]: v for k, v in form.items() if k.startswith(prefix)}


@bp.route("/events/<slug>/payments/paid", methods=["POST"])
@roles_required(*WRITERS)
def payments_paid(slug: str):
    """Mark the sheet paid: its lines are frozen and it can no longer change."""
    event = event_or_404(slug)
    try:
        payment_service.mark_paid(event, actor=actor())
        flash(_("The payment sheet is marked paid and locked."), "success")
    except ValidationError as exc:
        for message in exc.messages():
            flash(message, "error")
    return redirect(url_for(".payments", slug=slug))


@bp.route("/events/<slug>/payments.<fmt>")
@roles_required(*READERS)
def payments_file(slug: str, fmt: str):
    """The payment sheet as XLSX (for the accountant) or PDF (to sign), or the mobile-money
    bulk file (CSV) of a paid sheet; a refused CSV shows the sheet with the rows to fix."""
    event = event_or_404(slug)
    if fmt == "csv":
        try:
            data, filename = mobile_money.export_mobile_money(
                event, valid_only=request.args.get("valid_only") == "1", actor=actor(), language=_language())
        except ValidationError as exc:
            return _payments_page(event, exc.errors)
        return _download(data, filename, "text/csv; charset=utf-8")
    if fmt not in MIMETYPES:
        abort(404)
    data, filename = payment_service.export_payments(event, fmt, actor=actor(), upload_dir=_uploads())
    return _download(data, filename, MIMETYPES[fmt])


def _certificate_ids(form) -> list[int] | None:
    if not form.get("registration_id"):
        return None
    try:
        return [int(form["registration_id"])]
    except ValueError:
        return [-1]


def _certificates_page(event, errors: dict[str, list[str]] | None = None):
    attendees = certificate_service.attendees_who_came(event)
    return render_template("reports/certificates.html", event=event, attendees=attendees, errors=errors or {},
                           form=request.form, address_warning=public_address_warning()), (400 if errors else 200)


@bp.route("/events/<slug>/certificates", methods=["GET", "POST"])
@roles_required(*READERS)
def certificates(slug: str):
    """Certificates of attendance: the form, then (POST) one PDF for all or one per person.

    Printing is reading: coordinators may. Emailing them is :func:`certificates_email`.
    """
    event = event_or_404(slug)
    if request.method == "POST":
        form = request.form
        try:
            data, filename, mimetype = certificate_service.print_certificates(
                event, official_id=form.get("official_id"), links=links(public_base_url(printing=True)),
                registration_ids=_certificate_ids(form), separate=form.get("mode") == "separate", actor=actor(),
                upload_dir=_uploads())
            return _download(data, filename, mimetype)
        except ValidationError as exc:
            return _certificates_page(event, exc.errors)
    return _certificates_page(event)


@bp.route("/events/<slug>/certificates/email", methods=["POST"])
@roles_required(*WRITERS)
def certificates_email(slug: str):
    """Email the certificates to those who came and have an address (organizers: it writes to people)."""
    event = event_or_404(slug)
    form = request.form
    try:
        result = certificate_service.email_certificates(
            event, official_id=form.get("official_id"), links=links(public_base_url(printing=True)),
            registration_ids=_certificate_ids(form),
            settings=MailSettings.from_config(current_app.config, current_app.instance_path),
            actor=actor(), upload_dir=_uploads())
    except ValidationError as exc:
        return _certificates_page(event, exc.errors)
    flash(_("Certificates emailed: %(sent)d sent, %(outbox)d in the outbox, %(none)d without an email "
            "address, %(failed)d failed.", sent=result.sent, outbox=result.outbox,
            none=result.without_email, failed=len(result.failed)), "success")
    for failure in result.failed:
        flash(failure, "error")
    return redirect(url_for(".certificates", slug=slug))


@bp.route("/certificates/<code>")
@limiter.limit("60 per minute")  # codes are unguessable; this only slows a scripted sweep
def certificate_check(code: str):
    """Public: confirms a certificate is genuine, showing only the name and the event."""
    try:
        check = certificate_service.check_certificate(code)
    except NotFound:
        return render_template("reports/certificate_check.html", check=None), 404
    return render_template("reports/certificate_check.html", check=check)


@bp.route("/projects/<int:project_id>/reach")
@roles_required(*READERS)
def project(project_id: int):
    """Unique persons reached across the events of a project."""
    project = reach_service.get_project(project_id)
    reach = reach_service.project_reach(project, settings=settings(), language=_language(), external=_external())
    return render_template("reports/project.html", project=project, reach=reach, external=_external())


@bp.route("/projects/<int:project_id>/reach.xlsx")
@roles_required(*READERS)
def project_file(project_id: int):
    """The project's reach as XLSX."""
    project = reach_service.get_project(project_id)
    data, filename = reach_service.export_reach(project, settings=settings(), language=_language(),
                                                  external=_external(), actor=actor())
    return _download(data, filename, MIMETYPES["xlsx"])


def _language() -> str:
    from eventapp.core.i18n import current_language

    return current_language()
