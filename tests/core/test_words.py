"""The phrases documents build from data (core.documents.words), in French and English."""
from __future__ import annotations

from datetime import date

import pytest

from eventapp.core.documents import words

NB = "\u00a0"


@pytest.mark.parametrize(("start", "end", "fr", "en"), [
    (date(2027, 1, 15), None, "le vendredi 15 janvier 2027", "on Friday 15 January 2027"),
    (date(2027, 1, 15), date(2027, 1, 15), "le vendredi 15 janvier 2027", "on Friday 15 January 2027"),
    (date(2027, 1, 15), date(2027, 1, 16), "du vendredi 15 au samedi 16 janvier 2027",
     "from Friday 15 to Saturday 16 January 2027"),
    (date(2027, 1, 30), date(2027, 2, 1), "du samedi 30 janvier au lundi 1er février 2027",
     "from Saturday 30 January to Monday 1 February 2027"),
    (date(2026, 12, 31), date(2027, 1, 1), "du jeudi 31 décembre 2026 au vendredi 1er janvier 2027",
     "from Thursday 31 December 2026 to Friday 1 January 2027"),
])
def test_dates_in_a_sentence(start, end, fr, en):
    assert words.on_dates(start, end, "fr") == fr
    assert words.on_dates(start, end, "en") == en


def test_dates_as_a_label_and_lists_of_days():
    assert words.date_span(date(2027, 1, 15), date(2027, 1, 15), "fr") == "vendredi 15 janvier 2027"
    assert words.date_span(date(2027, 1, 15), date(2027, 1, 16), "fr", weekday=False) == "du 15 au 16 janvier 2027"
    assert words.date_span(date(2027, 1, 15), date(2027, 1, 16), "en", weekday=False) == "from 15 to 16 January 2027"
    assert words.days_in_words([date(2026, 6, 17), date(2026, 6, 15)], "fr") == "lundi 15 et mercredi 17 juin 2026"
    assert (words.days_in_words([date(2026, 6, 30), date(2026, 7, 1), date(2026, 7, 2)], "en")
            == "Tuesday 30 June, Wednesday 1 and Thursday 2 July 2026")
    assert words.days_in_words([date(2026, 6, 1)], "fr") == "lundi 1er juin 2026"


def test_place_and_date_of_a_letter():
    assert words.place_and_date("Bamako", date(2023, 6, 3), "fr") == "Bamako, le 3 juin 2023"
    assert words.place_and_date("Bamako", date(2023, 6, 1), "fr") == "Bamako, le 1er juin 2023"
    assert words.place_and_date("Bamako", date(2023, 6, 3), "en") == "Bamako, 3 June 2023"
    assert words.place_and_date("", date(2023, 6, 3), "fr") == "Le 3 juin 2023"


@pytest.mark.parametrize(("venue", "fr", "en"), [
    ("Salle de conférence de la Maison de la Femme", "à la salle de conférence de la Maison de la Femme",
     "at the Salle de conférence de la Maison de la Femme"),
    ("Maison de la Femme", "à la Maison de la Femme", "at the Maison de la Femme"),
    ("Hôtel Ya Pas de Problème", "à l'hôtel Ya Pas de Problème", "at the Hôtel Ya Pas de Problème"),
    ("Hall d'entrée", "au hall d'entrée", "at the hall d'entrée"),  # an aspirated h: no elision
    ("Centre international de conférences", "au Centre international de conférences",
     "at the Centre international de conférences"),
    ("Amphithéâtre de la FSJP", "à l'amphithéâtre de la FSJP", "at the Amphithéâtre de la FSJP"),
    ("La Maison de la Presse", "à la Maison de la Presse", "at La Maison de la Presse"),
    ("Conference room of the Maison de la Femme", "à Conference room of the Maison de la Femme",
     "at the conference room of the Maison de la Femme"),
])
def test_a_venue_with_its_article(venue, fr, en):
    assert words.at_venue(venue, "fr") == fr
    assert words.at_venue(venue, "en") == en


def test_address_city_and_the_organizers_own_words():
    assert (words.at_venue("Salle de conférence de la Maison de la Femme", "fr", address="Sabalibougou",
                           city="Bamako")
            == f"à la salle de conférence de la Maison de la Femme (Sabalibougou), à{NB}Bamako")
    assert words.at_venue("Centre international de conférences de Bamako", "fr", city="Bamako") == (
        "au Centre international de conférences de Bamako")  # the city is already said
    assert words.at_venue("CICB", "fr", city="Bamako", written="au CICB, à Bamako") == "au CICB, à Bamako"
    assert words.at_venue("", "fr", city="Mopti") == f"à{NB}Mopti"
    assert words.at_venue("Hotel Salam", "en", city="Bamako") == "at the Hotel Salam, Bamako"


def test_an_event_title_after_its_preposition_never_doubles_quotes():
    title = "Atelier de restitution des résultats du projet « Renforcement des liens »"
    assert words.event_phrase(title, "fr", "in") == (
        f"à l'atelier de restitution des résultats du projet «{NB}Renforcement des liens{NB}»")
    assert words.event_phrase("Formation des formateurs", "fr", "to") == "à la formation des formateurs"
    assert words.event_phrase("Journées de réflexion", "fr", "in") == "aux journées de réflexion"
    assert words.event_phrase("Séminaire national", "fr", "of") == "du séminaire national"
    assert words.event_phrase("2e édition « Paix »", "fr", "in") == f"à l'activité «{NB}2e édition “Paix”{NB}»"
    assert words.event_phrase("Validation Workshop", "en", "in") == "in the Validation Workshop"
    assert words.event_phrase(title, "en", "to") == ("to “Atelier de restitution des résultats du projet "
                                                     "« Renforcement des liens »”")


def test_french_spacing_keeps_times():
    assert words.french_spacing("Atelier : bilan à 09:00 ?") == f"Atelier{NB}: bilan à 09:00{NB}?"


@pytest.mark.parametrize(("honorific", "sex", "function", "fr", "en"), [
    ("M.", "M", "Secrétaire général du Ministère de la Sécurité", "Monsieur le Secrétaire général,",
     "Dear Mr Traoré,"),
    ("Mme", "F", "Directrice de la recherche", "Madame la Directrice,", "Dear Ms Traoré,"),
    ("Mme", "F", "Secrétaire général", "Madame la Secrétaire générale,", "Dear Ms Traoré,"),
    ("Mme", "F", "Directeur régional de la santé", "Madame la Directrice régionale,", "Dear Ms Traoré,"),
    ("M.", "M", "Ambassadeur de Suisse", "Monsieur l'Ambassadeur,", "Dear Mr Traoré,"),
    ("M.", "M", "Chargé de mission", "Monsieur,", "Dear Mr Traoré,"),
    ("", "F", "", "Madame,", "Dear Ms Traoré,"),
    ("", "X", "", "Madame, Monsieur,", "Dear Sir or Madam,"),
    ("Colonel", "M", "Président de séance", "Mon Colonel,", "Dear Colonel Traoré,"),
    ("Lieutenant-colonel", "M", "", "Mon Colonel,", "Dear Lieutenant-colonel Traoré,"),
    ("Dr", "X", "Chargée de programme", "Docteur,", "Dear Dr Traoré,"),
    ("Dr", "F", "Directrice", "Madame la Directrice,", "Dear Dr Traoré,"),
])
def test_salutations(honorific, sex, function, fr, en):
    assert words.salutation(honorific, sex, function, "fr", "Traoré") == fr
    assert words.salutation(honorific, sex, function, "en", "Traoré") == en


def test_closing_formulas_repeat_the_salutation():
    assert words.letter_closing("M.", "M", "Secrétaire général", "fr") == (
        "Je vous prie d'agréer, Monsieur le Secrétaire général, l'expression de ma haute considération.")
    assert words.letter_closing("", None, "", "fr", personal=False) == (
        "Veuillez agréer, Madame, Monsieur, l'expression de notre haute considération.")
    assert words.letter_closing("Mme", "F", "", "en", "Maïga") == "Yours sincerely,"
    assert words.letter_closing("", None, "", "en") == "Yours faithfully,"


def test_people_honorifics_and_agreement():
    assert words.sex_of("Mme") == "F" and words.sex_of("M.") == "M" and words.sex_of("Dr") is None
    assert words.sex_of("Dr", "F") == "F"
    assert words.with_honorific("Moussa Traoré", "M.", "M", "en") == "Mr Moussa Traoré"
    assert words.with_honorific("Awa Maïga", "", "F", "fr") == "Mme Awa Maïga"
    assert words.with_honorific("Ousmane N'Diaye", "", "X", "fr") == "Ousmane N'Diaye"
    assert words.with_honorific("Fatoumata Maïga", "Dr", "F", "en") == "Dr Fatoumata Maïga"
    assert words.without_civility("M. Oumar SOGOBA") == "Oumar SOGOBA"
    assert words.without_civility("Dr Boubacar DIALLO") == "Dr Boubacar DIALLO"
    assert words.undersigned("M", "fr") == "Je soussigné" and words.undersigned("F", "fr") == "Je soussignée"
    assert words.undersigned(None, "fr") is None and words.undersigned(None, "en") == "I, the undersigned"
    assert words.by_person("Général Hamadoun DICKO", "fr") == "du Général Hamadoun DICKO"
    assert words.by_person("M. Oumar SOGOBA", "fr") == "de M. Oumar SOGOBA"
    assert words.by_person("Awa Traoré", "fr") == "d'Awa Traoré"
    assert words.by_person("Mr Oumar SOGOBA", "en") == "by Mr Oumar SOGOBA"
