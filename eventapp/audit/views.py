"""The audit log for admins: read, filter, page through and export."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from wtforms import DateField, Form, SelectField, StringField
from wtforms.validators import Optional

from eventapp.accounts.security import roles_required
from eventapp.audit import log as audit_log
from eventapp.audit.documents import audit_csv
from eventapp.core.i18n import current_language
from eventapp.core.input import db_int
from eventapp.events import services as event_service
from eventapp.events.view_helpers import actor

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")

PER_PAGE = 50


class AuditFilterForm(Form):
    """The filters, read from the query string (a GET form: nothing changes, no CSRF token)."""

    action = StringField(_l("Action"), validators=[Optional()])
    actor = StringField(_l("Who"), validators=[Optional()])
    event = SelectField(_l("Event"), validators=[Optional()], validate_choice=False)
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
    q = StringField(_l("Text"), validators=[Optional()])


def _filter_form() -> tuple[AuditFilterForm, audit_log.AuditFilter]:
    form = AuditFilterForm(request.args)
    events = event_service.list_events(include_archived=True)
    form.event.choices = [("", "—")] + [(str(e.id), f"{e.title} ({e.slug})") for e in events]
    form.validate()
    event_id = form.event.data if form.event.data and str(form.event.data).isdigit() else None
    flt = audit_log.AuditFilter(
        action=form.action.data or "", actor=form.actor.data or "",
        event_id=int(event_id) if event_id else None,
        date_from=form.date_from.data if not form.date_from.errors else None,
        date_to=form.date_to.data if not form.date_to.errors else None,
        text=form.q.data or "", timezone=current_app.config["DEFAULT_TIMEZONE"])
    return form, flt


@bp.route("")
@roles_required("admin")
def log():
    """The entries matching the filters, newest first, 50 a page."""
    form, flt = _filter_form()
    page = request.args.get("page", 1, type=db_int) or 1
    result = audit_log.search(flt, page=page, per_page=PER_PAGE)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("audit/log.html", form=form, result=result, args=args,
                           actions=audit_log.known_actions(), actors=audit_log.known_actors())


@bp.route("/export.csv")
@roles_required("admin")
def export():
    """The entries matching the filters as CSV (the export is itself logged)."""
    _form, flt = _filter_form()
    rows = audit_log.export_rows(flt, actor=actor())
    return Response(audit_csv(rows, current_language()), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=audit.csv"})
