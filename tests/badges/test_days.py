"""Badges of registrations for some days only say the days they are valid for, in words, in
the event's language; badges for every day say nothing more."""
from __future__ import annotations

from datetime import date

import pytest

from eventapp.badges import services as badge_service
from eventapp.badges.documents.badges import (
    LAYOUTS,
    BadgeEvent,
    BadgePerson,
    day_in_words,
    render_badges,
    validity_text,
)
from eventapp.core.tokens import new_checkin_token, qr_payload
from eventapp.registration.services import set_registration_days
from tests import factories
from tests.pdfutil import decode_qr_codes, pdf_text

THU, FRI, SAT = date(2026, 1, 15), date(2026, 1, 16), date(2026, 1, 17)


def test_days_in_words_in_french_and_english():
    assert validity_text([THU], "fr") == "Valable le jeudi 15 janvier"
    assert validity_text([THU], "en") == "Valid on Thursday 15 January"
    assert validity_text([SAT, THU], "fr") == "Valable les jeudi 15 janvier et samedi 17 janvier"
    assert validity_text([THU, FRI, SAT], "en") == (
        "Valid on Thursday 15 January, Friday 16 January and Saturday 17 January")
    assert validity_text([], "fr") == ""
    assert day_in_words(date(2026, 5, 1), "fr") == "vendredi 1er mai"  # the first of the month: 1er
    assert day_in_words(date(2026, 5, 1), "en") == "Friday 1 May"


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_every_layout_prints_the_days_and_still_scans(layout):
    event = BadgeEvent(title="Formation des formateurs", start_date=THU, end_date=SAT, language="fr", place="Bamako")
    payloads = [qr_payload(new_checkin_token()) for _ in range(2)]
    people = [BadgePerson(payloads[0], "Moussa", "Maïga", "Gouvernorat de Bamako", "Secrétaire général",
                          "Autorités", "#7b2c2c", days=(THU,)),
              BadgePerson(payloads[1], "Awa", "Traoré", "IMRAP", "Chercheuse", "Société civile", "#1b7a3a")]
    pdf = render_badges(event, people, layout)
    text = " ".join(pdf_text(pdf).split())
    assert text.count("Valable le jeudi 15 janvier") == 1  # Awa's badge, for every day, says nothing
    assert "Maïga" in text and "Secrétaire général" in text
    assert sorted(code for page in decode_qr_codes(pdf, dpi=150) for code in page) == sorted(payloads)


@pytest.fixture
def training(app):
    def make(language):
        event = factories.make_event(title="Formation des formateurs", start_date=THU, end_date=SAT,
                                     language=language)
        official = factories.make_registration(event, factories.make_person("Moussa", "Maïga", category="authority"))
        set_registration_days(official, [THU, SAT])
        factories.make_registration(event, factories.make_person("Awa", "Traoré", category="civil_society"))
        return event
    return make


def _printed_text(event) -> str:
    result = badge_service.print_badges(event, badge_service.PrintRequest(selection=badge_service.Selection()))
    assert result.count == 2
    return " ".join(pdf_text(result.pdf).split())


def test_printed_badges_say_the_days_in_the_events_language(training):
    french = _printed_text(training("fr"))
    assert "Valable les jeudi 15 janvier et samedi 17 janvier" in french
    assert french.count("Valable") == 1
    english = _printed_text(training("en"))
    assert "Valid on Thursday 15 January and Saturday 17 January" in english
    assert english.count("Valid on") == 1
