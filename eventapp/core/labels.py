"""Words for the codes stored in the database, in the user's language.

One table per kind of code; templates call ``label(kind, code)`` and documents call
:func:`label_in` with the event's language. Words about a person agree with them: given the
person's gender ('F'), a code of :data:`FEMININE` takes its feminine form (the same English
msgid in the context "feminine": "Guest of honour" → « Invitée d'honneur »).
"""
from __future__ import annotations

from flask_babel import gettext, pgettext

from eventapp.core.documents.words import context_translator, translator

#: The catalogue context of the feminine forms.
FEMININE_CONTEXT = "feminine"


def _l(message: str) -> str:
    """Mark ``message`` for the catalogue; it is translated where it is shown, in a language."""
    return message


def _lp(context: str, message: str) -> str:
    """Mark ``message`` for the catalogue in ``context`` (extracted with its msgctxt)."""
    return message


LABELS: dict[str, dict[str, object]] = {
    "event_status": {"draft": _l("Draft"), "open": _l("Open"), "closed": _l("Closed"), "archived": _l("Archived")},
    "role": {"admin": _l("Administrator"), "organizer": _l("Organizer"), "coordinator": _l("Coordinator"),
             "door": _l("Door staff")},
    "agenda_kind": {"opening": _l("Opening ceremony"), "speech": _l("Speech"), "presentation": _l("Presentation"),
                    "debate": _l("Debate or plenary"), "working_group": _l("Working group"), "break": _l("Break"),
                    "closing": _l("Closing")},
    "official_role": {"presides": _l("Presides"), "opening_speech": _l("Opening speech"),
                      "closing_speech": _l("Closing speech"), "speaker": _l("Speaker"),
                      "moderator": _l("Moderator"), "rapporteur": _l("Rapporteur"),
                      "guest_of_honour": _l("Guest of honour")},
    "sex": {"F": _l("Female"), "M": _l("Male"), "X": _l("Not stated")},
    "registration_status": {"invited": _l("Invited"), "accepted": _l("Accepted"), "declined": _l("Declined"),
                            "registered": _l("Registered"), "cancelled": _l("Cancelled")},
    "registration_source": {"organizer": _l("Organizer"), "import": _l("Import"), "invitation": _l("Invitation"),
                            "public_form": _l("Public form"), "walk_in": _l("Walk-in")},
    "checkin_source": {"qr": _l("QR camera"), "wedge": _l("Scanner"), "search": _l("Search"),
                       "walk_in": _l("Walk-in"), "offline_sync": _l("Offline sync")},
    "scan_result": {"checked_in": _l("Checked in"), "already_checked_in": _l("Already checked in"),
                    "unknown_token": _l("Unknown code"), "not_admitted": _l("Not admitted")},
    "consent": {"photos": _l("Photos"), "recordings": _l("Recordings"), "share_funder": _l("Sharing with the funder")},
    "consent_state": {"given": _l("Given"), "not_given": _l("Not given"), "withdrawn": _l("Withdrawn")},
}


#: The codes whose word agrees with a woman, by kind (the other codes have one form).
FEMININE: dict[str, dict[str, str]] = {
    "official_role": {"presides": _lp("feminine", "Presides"), "speaker": _lp("feminine", "Speaker"),
                      "moderator": _lp("feminine", "Moderator"), "rapporteur": _lp("feminine", "Rapporteur"),
                      "guest_of_honour": _lp("feminine", "Guest of honour")},
}


def label(kind: str, code: str | None, gender: str = "") -> str:
    """The word for ``code`` in the current language (the code itself when unknown), agreeing
    with a person of ``gender`` ('F', 'M' or '' unknown)."""
    if code is None:
        return ""
    feminine = FEMININE.get(kind, {}).get(code) if gender == "F" else None
    if feminine is not None:
        return pgettext(FEMININE_CONTEXT, feminine)
    value = LABELS.get(kind, {}).get(code)
    return gettext(value) if value is not None else str(code)


def label_in(language: str, kind: str, code: str | None, gender: str = "") -> str:
    """The word for ``code`` in ``language`` (for documents, which follow their event), agreeing
    with a person of ``gender``."""
    if code is None:
        return ""
    feminine = FEMININE.get(kind, {}).get(code) if gender == "F" else None
    if feminine is not None:
        return context_translator(language)(FEMININE_CONTEXT, feminine)
    value = LABELS.get(kind, {}).get(code)
    return translator(language)(value) if value is not None else str(code)


def choices(kind: str) -> list[tuple[str, str]]:
    """(code, word) pairs for a select field, in the order of the table."""
    return [(code, gettext(word)) for code, word in LABELS[kind].items()]

# People
LABELS.update({
    "invitation_kind": {"invitation": _l("Invitation"), "reminder": _l("Reminder"), "confirmation": _l("Confirmation")},
    "invitation_channel": {"email": _l("Email"), "letter": _l("Letter")},
    "invitation_status": {"sent": _l("Sent"), "outbox": _l("In the outbox"), "failed": _l("Failed")},
    "duplicate_reason": {"phone": _l("Same phone"), "email": _l("Same email"), "name": _l("Same names")},
    # Who typed a person that nobody checked (Person.origin).
    "unchecked_origin": {"public_form": _l("typed on the public form, not checked"),
                         "walk_in": _l("typed at the door, not checked")},
})
