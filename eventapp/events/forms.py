"""Forms of the events area: the event, its agenda items and its officials.

Fields check only their type; the rules (dates in order, days of the event, officials of the
same event…) are the services', whose messages the views put beside the fields.
"""
from __future__ import annotations

from zoneinfo import available_timezones

from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms import Form as SubForm
from wtforms.validators import Length, NumberRange, Optional
from wtforms.validators import ValidationError as FieldError

from eventapp.badges import services as badge_service
from eventapp.core.input import Form, db_int
from eventapp.core.labels import choices, label
from eventapp.events.models import AGENDA_KINDS, OFFICIAL_ROLES

try:  # WTForms 3.3 wants SelectChoice objects and deprecates (value, label) tuples
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover - older WTForms
    SelectChoice = None


def select_choices(pairs) -> list:
    """(value, label) pairs as the installed WTForms wants select choices."""
    if SelectChoice is None:
        return list(pairs)
    return [SelectChoice(value, label) for value, label in pairs]


def _timezones() -> list:
    return select_choices((z, z) for z in sorted(available_timezones())
                          if "/" in z and not z.startswith(("Etc/", "SystemV/")))


def _strip(value):
    return value.strip() if isinstance(value, str) else value


#: The event's fields for its letters (registration.documents).
LETTER_FIELDS = ("venue_phrase", "letter_reference_prefix", "letter_signatory_name", "letter_signatory_title")


class EventForm(Form):
    """Create or edit an event."""

    title = StringField(_l("Title"), validators=[Length(max=300)])
    slug = StringField(_l("Identifier in addresses"), validators=[Length(max=80)])
    project = StringField(_l("Project or programme"), validators=[Length(max=300)])
    organizer = StringField(_l("Organiser"), validators=[Length(max=300)])
    partner = StringField(_l("Partner or funder"), validators=[Length(max=300)])
    venue_name = StringField(_l("Venue"), validators=[Length(max=300)])
    venue_address = StringField(_l("Address"), validators=[Length(max=300)])
    city = StringField(_l("City"), validators=[Length(max=120)])
    start_date = DateField(_l("First day"), validators=[Optional()])
    end_date = DateField(_l("Last day"), validators=[Optional()])
    timezone = SelectField(_l("Time zone"), validate_choice=False)  # default: DEFAULT_TIMEZONE
    language = SelectField(_l("Language of its documents"), default="fr", validate_choice=False,
                           choices=select_choices([("fr", "Français"), ("en", "English")]))
    status = SelectField(_l("Status"), default="draft", validate_choice=False)
    description = TextAreaField(_l("Description"))
    organizer_logo = FileField(_l("Organiser's logo (PNG or JPEG)"))
    partner_logo = FileField(_l("Partner's logo (PNG or JPEG)"))
    badge_layout = SelectField(_l("Badge layout"), default=badge_service.DEFAULT_LAYOUT, validate_choice=False)
    discreet_badges = BooleanField(_l("Discreet badges (first name only)"))
    sheet_show_phone = BooleanField(_l("Show phone numbers on sign-in sheets"))
    retention_until = DateField(_l("Keep personal data until"), validators=[Optional()])
    venue_phrase = StringField(_l("The venue in a sentence"), validators=[Length(max=300)])
    letter_reference_prefix = StringField(_l("Reference of the letters"), validators=[Length(max=80)])
    letter_signatory_name = StringField(_l("Letters signed by"), validators=[Length(max=200)])
    letter_signatory_title = StringField(_l("Title of the signatory"), validators=[Length(max=300)])
    move_agenda = BooleanField(_l("Move the agenda with the dates (the event is postponed or brought forward)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = _timezones()
        if not self.timezone.data:  # a new event: the installation's zone (DEFAULT_TIMEZONE)
            self.timezone.data = current_app.config["DEFAULT_TIMEZONE"]
        self.status.choices = select_choices(choices("event_status"))
        self.badge_layout.choices = select_choices(badge_service.layout_choices(gettext))

    def data_for_service(self) -> dict:
        """The fields as ``services.events.save_event`` takes them."""
        names = ("title", "slug", "project", "organizer", "partner", "venue_name", "venue_address", "city",
                 "start_date", "end_date", "timezone", "language", "status", "description", "badge_layout",
                 "discreet_badges", "sheet_show_phone", "retention_until", "move_agenda", *LETTER_FIELDS)
        data = {name: getattr(self, name).data for name in names}
        data["slug"] = (data["slug"] or "").strip().lower()
        data["project"] = data["project"] or ""
        for text in ("organizer", "partner", "venue_name", "venue_address", "city", "description", *LETTER_FIELDS):
            data[text] = data[text] or ""
        return data

    def logos(self) -> dict[str, bytes]:
        """The uploaded logos' bytes, by kind (only the fields with a file)."""
        found = {}
        for kind in ("organizer_logo", "partner_logo"):
            upload = getattr(self, kind).data
            if upload and getattr(upload, "filename", ""):
                found[kind] = upload.read()
        return found


def _roles() -> list[tuple[str, str]]:
    """(code, word) of the roles an official may have, in the user's language."""
    return [(k, v) for k, v in choices("official_role") if k in OFFICIAL_ROLES]


class HolderRow(SubForm):
    """One official of the event on an agenda item's form: their role at the item, or none."""

    official_id = HiddenField()
    role = SelectField(_l("Role at this item"), default="", validate_choice=False)

    def validate_official_id(self, field) -> None:
        """An id the database can hold (the service says whether it is an official of the event)."""
        try:
            db_int(field.data)
        except ValueError:
            raise FieldError(gettext("An official chosen does not exist.")) from None


class AgendaItemForm(Form):
    """Add or change an agenda item."""

    day = DateField(_l("Day"), validators=[Optional()])
    start_time = TimeField(_l("Starts at"), validators=[Optional()])
    end_time = TimeField(_l("Ends at"), validators=[Optional()])
    title = StringField(_l("Title"), validators=[Length(max=300)], filters=[_strip])
    kind = SelectField(_l("Kind"), default="presentation", validate_choice=False)
    room = StringField(_l("Room"), validators=[Length(max=120)], filters=[_strip])
    description = TextAreaField(_l("Description"), filters=[_strip])
    # One row per official of the event: their role at this item, or "not at this item". The
    # service refuses an official of another event with a clear message.
    holders = FieldList(FormField(HolderRow), label=_l("Held by"))

    def __init__(self, *args, officials=(), roles=None, **kwargs):
        """``officials``: the event's, in protocol order; ``roles``: their roles at the item being
        changed, by official id (the rows shown first; a POST brings its own)."""
        super().__init__(*args, **kwargs)
        self.kind.choices = select_choices((k, v) for k, v in choices("agenda_kind") if k in AGENDA_KINDS)
        self.official_names = {str(o.id): o.display_name for o in officials}
        if not self.is_submitted():
            while self.holders.entries:
                self.holders.pop_entry()
            for official in officials:
                self.holders.append_entry({"official_id": str(official.id), "role": (roles or {}).get(official.id, "")})
        # Each row's words agree with its official (« Invitée d'honneur » for Mme MÜLLER).
        genders = {str(o.id): o.gender for o in officials}
        for row in self.holders:
            gender = genders.get(row.form.official_id.data, "")
            row.form.role.choices = select_choices(
                [("", gettext("— not at this item —"))]
                + [(code, label("official_role", code, gender)) for code, _word in _roles()])

    def data_for_service(self) -> dict:
        """The fields as ``services.agenda`` takes them (``holders``: (official id, role) pairs)."""
        holders = [(db_int(row.form.official_id.data), row.form.role.data)
                   for row in self.holders if row.form.role.data]
        return {"day": self.day.data, "start_time": self.start_time.data, "end_time": self.end_time.data,
                "title": self.title.data or "", "kind": self.kind.data, "room": self.room.data or "",
                "description": self.description.data or "", "holders": holders}


class OfficialForm(Form):
    """Add or change a presiding official or speaker."""

    honorific = StringField(_l("Honorific"), validators=[Length(max=40)], filters=[_strip])
    first_name = StringField(_l("First name"), validators=[Length(max=120)], filters=[_strip])
    last_name = StringField(_l("Name"), validators=[Length(max=120)], filters=[_strip])
    function = StringField(_l("Function"), validators=[Length(max=300)], filters=[_strip])
    institution = StringField(_l("Institution"), validators=[Length(max=300)], filters=[_strip])
    role = SelectField(_l("Role at the event"), default="speaker", validate_choice=False)
    # Only for the words' gender ("Invitée d'honneur"): the honorific says it when it can.
    sex = SelectField(_l("Woman or man"), default="", validate_choice=False)
    protocol_rank = IntegerField(_l("Place in the protocol order"), validators=[Optional(), NumberRange(min=1)])
    # Choices are the event's agenda items; the service refuses others with a clear message.
    agenda_item_ids = SelectMultipleField(_l("Agenda items held"), coerce=db_int, validate_choice=False)

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = select_choices(_roles())
        self.sex.choices = select_choices([("", gettext("As the honorific says")), ("F", label("sex", "F")),
                                           ("M", label("sex", "M"))])
        self.agenda_item_ids.choices = select_choices(
            (i.id, f"{i.day:%d/%m} {i.start_time:%H:%M} · {i.title}") for i in items)

    def data_for_service(self) -> dict:
        """The fields as ``services.officials`` takes them."""
        return {"honorific": self.honorific.data or "", "first_name": self.first_name.data or "",
                "last_name": self.last_name.data or "", "function": self.function.data or "",
                "institution": self.institution.data or "", "role": self.role.data, "sex": self.sex.data or "",
                "protocol_rank": self.protocol_rank.data, "agenda_item_ids": self.agenda_item_ids.data or []}


class DuplicateForm(Form):
    """Make a new event from an existing one."""

    title = StringField(_l("Title"), validators=[Length(max=300)])
    slug = StringField(_l("Identifier in addresses"), validators=[Length(max=80)])
    start_date = DateField(_l("First day"), validators=[Optional()])
