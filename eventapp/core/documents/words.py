"""Words for documents, which follow their event's language, not the reader's.

Two things live here, each once:

- translations: the interface's catalogue through Python's gettext, so documents need no Flask.
  In a maker: ``_ = translator(language)`` then ``_("Programme")``;
- the grammar of the phrases that letters, certificates and emails build from data: dates in
  words ("du vendredi 15 au samedi 16 janvier 2027", "from Friday 15 to Saturday 16 January
  2027"), a place with its article ("à la salle de conférence de la Maison de la Femme"), an
  event's title after a preposition ("à l'atelier de restitution…"), the salutation of a letter
  ("Monsieur le Secrétaire général,") and the signatory's agreement ("Je soussignée").

Everything here is plain Python (Babel for the names of days and months): no Flask, no database.
"""
from __future__ import annotations

import gettext
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from babel import dates as babel_dates

from eventapp.core.text import grammatical_gender

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"


def _catalogue(language: str) -> gettext.NullTranslations:
    return gettext.translation("messages", localedir=str(TRANSLATIONS), languages=[language], fallback=True)


@lru_cache(maxsize=8)
def translator(language: str):
    """A gettext function for ``language`` ('fr' or 'en'); English is the source language."""
    if language == "en":
        return lambda message: message
    return _catalogue(language).gettext


@lru_cache(maxsize=8)
def context_translator(language: str):
    """A pgettext function ``(context, message)`` for ``language``, for the messages the
    catalogue holds in a context (the feminine forms of labels)."""
    if language == "en":
        return lambda context, message: message
    return _catalogue(language).pgettext


def _french(language: str) -> bool:
    return not language.startswith("en")


# --- dates in words ------------------------------------------------------------------------


def _weekday(day: date, language: str) -> str:
    return babel_dates.format_date(day, "EEEE", locale=language)


def _month(day: date, language: str) -> str:
    return babel_dates.format_date(day, "MMMM", locale=language)


def _day_number(day: date, language: str) -> str:
    # French writes the first of the month as an ordinal: "1er février".
    return "1er" if day.day == 1 and _french(language) else str(day.day)


def day_in_words(day: date, language: str, *, weekday: bool = True, month: bool = True, year: bool = True) -> str:
    """One day in words: 'vendredi 15 janvier 2027', 'lundi 1er février 2027', 'Friday 15 January 2027'.

    ``month`` and ``year`` may be left out when a later day of a span gives them.
    """
    parts = [_weekday(day, language)] if weekday else []
    parts.append(_day_number(day, language))
    if month:
        parts.append(_month(day, language))
        if year:
            parts.append(str(day.year))
    return " ".join(parts)


def _span_ends(start: date, end: date, language: str, weekday: bool) -> tuple[str, str]:
    """The two ends of a span, the first without what the second already says."""
    same_year = start.year == end.year
    same_month = same_year and start.month == end.month
    first = day_in_words(start, language, weekday=weekday, month=not same_month, year=not same_year)
    return first, day_in_words(end, language, weekday=weekday)


def date_span(start: date, end: date | None, language: str, *, weekday: bool = True) -> str:
    """Dates as a label ('When: …'): 'vendredi 15 janvier 2027', 'du vendredi 15 au samedi 16 janvier
    2027', 'from Friday 15 to Saturday 16 January 2027'."""
    if end is None or end == start:
        return day_in_words(start, language, weekday=weekday)
    first, last = _span_ends(start, end, language, weekday)
    return f"du {first} au {last}" if _french(language) else f"from {first} to {last}"


def on_dates(start: date, end: date | None, language: str, *, weekday: bool = True) -> str:
    """Dates inside a sentence: 'le vendredi 15 janvier 2027' / 'on Friday 15 January 2027' for one
    day, else as :func:`date_span` ('du vendredi 30 janvier au lundi 1er février 2027')."""
    if end is None or end == start:
        return ("le " if _french(language) else "on ") + day_in_words(start, language, weekday=weekday)
    return date_span(start, end, language, weekday=weekday)


def days_in_words(days: Sequence[date], language: str) -> str:
    """Several days, each month and year said once: 'lundi 15 et mercredi 17 juin 2026',
    'Tuesday 30 June and Wednesday 1 July 2026'."""
    days = sorted(days)
    words = []
    for i, day in enumerate(days):
        after = days[i + 1] if i + 1 < len(days) else None
        words.append(day_in_words(day, language, month=after is None or after.month != day.month
                                  or after.year != day.year, year=after is None or after.year != day.year))
    if len(words) < 2:
        return "".join(words)
    joined = " et " if _french(language) else " and "
    return ", ".join(words[:-1]) + joined + words[-1]


def place_and_date(place: str, day: date, language: str) -> str:
    """The place and date of a letter: 'Bamako, le 3 juin 2023' / 'Bamako, 3 June 2023'."""
    when = day_in_words(day, language, weekday=False)
    if _french(language):
        when = "le " + when
    return f"{place}, {when}" if place else when[:1].upper() + when[1:]


# --- nouns and their articles ------------------------------------------------------------


@dataclass(frozen=True)
class Noun:
    """What the grammar needs of a phrase's first noun."""

    feminine: bool = False
    plural: bool = False
    common: bool = True  # a common noun ("salle"): lower-cased after the article; else kept ("Maison")


_F, _M = True, False
#: French head nouns of venues, institutions and events. ``common`` nouns are written in lower
#: case after their article ("à la salle de conférence…"); the others usually begin a proper name
#: ("à la Maison de la Femme", "au Centre international de conférences") and keep their capital.
FRENCH_NOUNS: dict[str, Noun] = {
    **{w: Noun(_F) for w in ("salle", "cour", "terrasse", "tente", "case", "bibliothèque", "résidence", "villa",
                            "formation", "conférence", "réunion", "rencontre", "session", "table",
                            "cérémonie", "concertation", "restitution", "causerie", "caravane",
                            "journée", "soirée", "activité", "campagne", "mission", "consultation", "retraite",
                            "visite", "séance", "semaine", "foire", "exposition", "conférence-débat",
                            "validation", "réflexion")},
    **{w: Noun(_M) for w in ("hôtel", "restaurant", "hall", "jardin", "amphithéâtre", "auditorium", "bureau",
                            "siège", "espace", "campus", "stade", "atelier", "séminaire", "forum", "colloque",
                            "dialogue", "congrès", "webinaire", "débat", "panel", "symposium", "sommet", "cours",
                            "stage", "festival", "lancement", "point", "échange", "espace-débat")},
    **{w: Noun(_F, common=False) for w in ("maison", "mairie", "préfecture", "université", "école", "cité",
                                          "direction", "primature", "présidence", "chambre", "fondation",
                                          "bourse", "délégation", "coordination", "haute", "assemblée")},
    **{w: Noun(_M, common=False) for w in ("centre", "palais", "institut", "ministère", "musée", "complexe",
                                          "gouvernorat", "conseil", "lycée", "collège", "club", "foyer",
                                          "secrétariat", "commissariat", "camp", "haut", "parc", "parlement",
                                          "mémorial", "monument", "cinéma", "théâtre", "village", "quartier")},
    **{w: Noun(_F, plural=True) for w in ("journées", "rencontres", "assises", "concertations", "sessions",
                                         "salles", "formations", "conférences", "réunions", "activités")},
    **{w: Noun(_M, plural=True) for w in ("ateliers", "séminaires", "états", "travaux", "échanges", "jardins",
                                         "bureaux", "locaux", "cours", "dialogues", "débats")},
}
#: English event nouns: a title holding one of them reads with "the" ("took part in the Validation Workshop").
ENGLISH_EVENT_NOUNS = ("workshop", "seminar", "training", "conference", "meeting", "round table", "roundtable",
                       "forum", "session", "dialogue", "ceremony", "course", "symposium", "webinar", "summit",
                       "retreat", "consultation", "briefing", "launch", "congress", "assembly", "caravan")
#: English venue nouns: a venue beginning with one reads with "the"; the first ones are common nouns.
ENGLISH_COMMON_VENUES = ("room", "hall", "conference", "meeting", "auditorium", "boardroom", "courtyard", "garden",
                         "tent", "lobby", "office", "offices")
ENGLISH_NAMED_VENUES = ("hotel", "centre", "center", "house", "institute", "university", "school", "ministry",
                        "palace", "stadium", "museum", "library", "town", "city", "headquarters", "national",
                        "international")

_WORD = re.compile(r"[\w-]+", re.UNICODE)
_ELIDES = tuple("aeiouyàâäéèêëîïôöûüù")
#: Words beginning with a mute h, which elide the article ("l'hôtel"); others keep it ("le hall").
_MUTE_H = ("hôtel", "hôpital", "hémicycle", "honorable", "hôte", "horticulture")
_ARTICLE = re.compile(r"^(?:l['’]|la\s+|le\s+|les\s+)", re.IGNORECASE)


def _first_word(text: str) -> str:
    match = _WORD.search(text or "")
    return match.group(0) if match else ""


def without_article(text: str) -> str:
    """``text`` without the article it may begin with ("La Maison de la Femme" → "Maison de la Femme")."""
    return _ARTICLE.sub("", (text or "").strip(), count=1)


def french_noun(text: str) -> Noun | None:
    """The grammar of the first word of ``text`` (after any article) when it is a known noun, else None."""
    return FRENCH_NOUNS.get(_first_word(without_article(text)).casefold())


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _elides(word: str) -> bool:
    first = _first_word(word).casefold()
    return first[:1] in _ELIDES or first.startswith(_MUTE_H)


#: French prepositions that contract with "le" and "les".
_CONTRACTIONS = {"à": ("au", "aux"), "de": ("du", "des")}


def french_article(text: str, noun: Noun, preposition: str = "") -> str:
    """``text`` after its article, and the preposition when given ('à' → 'au', 'à la', 'à l'', 'aux')."""
    text = without_article(text)
    body = _lower_first(text) if noun.common else text
    if noun.plural:
        article = _CONTRACTIONS.get(preposition, (None, f"{preposition} les".strip()))[1]
        return f"{article} {body}"
    if _elides(body):
        return f"{preposition} l'{body}".strip() if preposition else f"l'{body}"
    if noun.feminine:
        return f"{preposition} la {body}".strip()
    article = _CONTRACTIONS.get(preposition, (f"{preposition} le".strip(), None))[0]
    return f"{article} {body}"


NBSP = "\u00a0"
_BEFORE_MARK = re.compile(r"[ \u00a0\u202f]+([:;?!])")  # "Atelier : bilan", never "09:00"
_BEFORE_GUILLEMET = re.compile(r"[ \u00a0\u202f]*»")
_AFTER_GUILLEMET = re.compile(r"«[ \u00a0\u202f]*")


def french_spacing(text: str) -> str:
    """French typography: the spaces before : ; ? ! » and after « made no-break spaces, so that no
    line of a letter begins with '»' or ':' or ends with '«'."""
    text = _AFTER_GUILLEMET.sub("«" + NBSP, text)
    text = _BEFORE_GUILLEMET.sub(NBSP + "»", text)
    return _BEFORE_MARK.sub(lambda m: NBSP + m.group(1), text)


def french_quoted(text: str) -> str:
    """``text`` between French quotes; quotes inside it become the inner kind (“ ”), never doubled."""
    inner = re.sub(r"«[ \u00a0\u202f]*", "“", text)
    inner = re.sub(r"[ \u00a0\u202f]*»", "”", inner)
    return french_spacing(f"« {inner.strip()} »")


def english_quoted(text: str) -> str:
    """``text`` between English quotes (inner ones become single quotes)."""
    return "“" + text.strip().replace("“", "‘").replace("”", "’") + "”"


# --- venues and events in a sentence ------------------------------------------------------


def _already_said(text: str, words: str) -> bool:
    return bool(words) and words.casefold() in text.casefold()


def at_venue(venue: str, language: str, *, address: str = "", city: str = "", written: str = "") -> str:
    """Where the event is held, inside a sentence.

    'à la salle de conférence de la Maison de la Femme (Sabalibougou), à Bamako' / 'at the conference
    room of the Maison de la Femme (Sabalibougou), Bamako'. ``written`` is the organizer's own
    phrase ("au CICB, à Bamako"): it is used as it is. An unknown first word gets no article.
    """
    if written.strip():
        return written.strip()
    if not venue.strip():
        return (f"à{NBSP}{city}" if _french(language) else f"in {city}") if city else ""
    phrase = _french_at(venue) if _french(language) else _english_at(venue)
    if address.strip() and not _already_said(venue, address.strip()):
        phrase += f" ({address.strip()})"
    if city and not _already_said(venue + " " + address, city):
        phrase += f", à{NBSP}{city}" if _french(language) else f", {city}"
    return phrase


def _french_at(venue: str) -> str:
    venue = french_spacing(venue.strip())
    noun = french_noun(venue)
    return french_article(venue, noun, "à") if noun else f"à {venue}"


def _english_at(venue: str) -> str:
    venue = venue.strip()
    first = _first_word(venue).casefold()
    if first == "the":
        return f"at {venue}"
    if first in ENGLISH_COMMON_VENUES:
        return f"at the {_lower_first(venue)}"
    if first in ENGLISH_NAMED_VENUES or first in FRENCH_NOUNS:
        return f"at the {venue}"
    return f"at {venue}"


#: French prepositions by the English one a sentence uses: an invitation "to", taking part "in",
#: a registration "for", a certificate of attendance "at".
_PREPOSITIONS = {"to": "à", "in": "à", "for": "à", "at": "à", "of": "de", "": ""}


def event_phrase(title: str, language: str, preposition: str = "") -> str:
    """An event's title inside a sentence, after ``preposition`` ('to', 'in', 'of' or none).

    French: 'à l'atelier de restitution des résultats du projet « … »' (the title's first noun
    gives the article and is lower-cased); a title that begins with no known noun is quoted:
    'à l'activité « Dialogue FDS-population »'. English: 'in the Validation Workshop', or the
    title between quotes.
    """
    title = title.strip()
    if not _french(language):
        known = any(noun in title.casefold() for noun in ENGLISH_EVENT_NOUNS)
        body = (title if title.casefold().startswith("the ") else f"the {title}") if known else english_quoted(title)
        return f"{preposition} {body}".strip()
    french = _PREPOSITIONS.get(preposition, preposition)
    title = french_spacing(title)
    noun = french_noun(title)
    if noun is None:
        return french_article("activité " + french_quoted(title), FRENCH_NOUNS["activité"], french)
    return french_article(title, noun, french)


# --- people: honorifics, salutations, agreement --------------------------------------------


_MEN = ("m", "m.", "mr", "mr.", "monsieur", "sir")
_WOMEN = ("mme", "mme.", "mlle", "mlle.", "madame", "mademoiselle", "mrs", "mrs.", "ms", "ms.", "miss")
#: Military and police ranks: a letter to an officer opens "Mon Général," in French.
_RANKS = {"général": "Général", "colonel": "Colonel", "colonel-major": "Colonel",
          "lieutenant-colonel": "Colonel", "commandant": "Commandant", "capitaine": "Capitaine",
          "lieutenant": "Lieutenant", "sous-lieutenant": "Lieutenant", "adjudant": "Adjudant",
          "adjudant-chef": "Adjudant-chef", "sergent": "Sergent", "sergent-chef": "Sergent-chef"}
_DOCTORS = ("dr", "dr.", "docteur", "doctor")
_PROFESSORS = ("pr", "pr.", "prof", "prof.", "professeur", "professor")


def _honorific_key(honorific: str) -> str:
    return (honorific or "").strip().casefold()


def sex_of(honorific: str, sex: str | None = None) -> str | None:
    """'F' or 'M' from the honorific ("Mme", "M.") or else the recorded sex; None when neither says.

    The honorific is read by ``core.text.grammatical_gender``, the one reading of it.
    """
    return grammatical_gender(honorific) or (sex if sex in ("F", "M") else None)


def honorific_in(honorific: str, sex: str | None, language: str) -> str:
    """The honorific to print before a name in ``language``: the one recorded (French 'M.' and
    'Mme' become 'Mr' and 'Ms' in English), else one from the sex."""
    key = _honorific_key(honorific)
    said = sex_of(honorific, sex)
    if key and key not in _MEN + _WOMEN:
        return honorific.strip()
    if said is None:
        return ""
    if _french(language):
        return honorific.strip() if key in ("m.", "mme", "mlle") else {"M": "M.", "F": "Mme"}[said]
    return {"M": "Mr", "F": "Ms"}[said]


def with_honorific(name: str, honorific: str, sex: str | None, language: str) -> str:
    """'M. Moussa Traoré', 'Ms Awa Maïga', 'Dr Fatoumata Maïga'."""
    return " ".join(p for p in (honorific_in(honorific, sex, language), name) if p)


def without_civility(name: str) -> str:
    """A name without a leading 'M.', 'Mme', 'Mr' or 'Ms' ('M. Oumar SOGOBA' → 'Oumar SOGOBA'); a
    title such as 'Dr' or 'Colonel' stays."""
    first, _space, rest = name.strip().partition(" ")
    return rest.strip() if rest and first.casefold() in _MEN + _WOMEN else name.strip()


#: Titles of office that a French salutation names ("Monsieur le Directeur,"): masculine → feminine.
_OFFICES = {"directeur": "directrice", "président": "présidente", "secrétaire": "secrétaire",
            "ministre": "ministre", "maire": "maire", "préfet": "préfète", "sous-préfet": "sous-préfète",
            "gouverneur": "gouverneure", "ambassadeur": "ambassadrice", "coordinateur": "coordinatrice",
            "coordonnateur": "coordonnatrice", "chef": "cheffe", "représentant": "représentante",
            "délégué": "déléguée", "conseiller": "conseillère", "commissaire": "commissaire",
            "inspecteur": "inspectrice", "recteur": "rectrice", "doyen": "doyenne", "député": "députée",
            "administrateur": "administratrice", "haut-commissaire": "haute-commissaire",
            "contrôleur": "contrôleuse", "procureur": "procureure", "juge": "juge", "médiateur": "médiatrice"}
_FEMININE_OFFICES = {feminine: masculine for masculine, feminine in _OFFICES.items()}
#: Adjectives that may follow the title and agree with it ("Secrétaire générale").
_ADJECTIVES = {"général": "générale", "régional": "régionale", "national": "nationale", "exécutif": "exécutive",
               "adjoint": "adjointe", "permanent": "permanente", "délégué": "déléguée", "principal": "principale",
               "technique": "technique", "départemental": "départementale", "communal": "communale",
               "local": "locale", "provincial": "provinciale", "intérimaire": "intérimaire"}
#: Words that end a title and begin its complement ("Secrétaire général | du Ministère…").
_TITLE_ENDS = re.compile(r"\s+(?:de|du|des|d['’]|à|au|aux|en|pour|chargée?|auprès)\b|[,(;]", re.IGNORECASE)


def _office(function: str, sex: str | None) -> tuple[str, str] | None:
    """(title as a salutation says it, 'F' or 'M') of a function that is a title of office, else None."""
    head = _TITLE_ENDS.split(function.strip(), maxsplit=1)[0].strip()
    words = head.split()
    if not words:
        return None
    first = words[0].casefold()
    if first in _OFFICES:
        gender = sex or "M"
    elif first in _FEMININE_OFFICES:
        gender = sex or "F"
    else:
        return None
    # The title agrees with the person: "Secrétaire générale", "Directrice" (the first words only).
    offices = _OFFICES if gender == "F" else _FEMININE_OFFICES
    adjectives = _ADJECTIVES if gender == "F" else {f: m for m, f in _ADJECTIVES.items()}
    words = [offices.get(w.casefold(), adjectives.get(w.casefold(), w)) if i < 3 else w for i, w in enumerate(words)]
    title = " ".join(words)
    return title[:1].upper() + title[1:], gender


def salutation(honorific: str, sex: str | None, function: str, language: str, last_name: str = "") -> str:
    """How a letter opens, with its comma.

    French, as an administrative letter does: the rank ('Mon Général,'), else the title of office
    ('Monsieur le Secrétaire général,', 'Madame la Directrice,'), else 'Docteur,' or 'Professeur,',
    else 'Monsieur,' or 'Madame,' ('Madame, Monsieur,' when nothing says). English: 'Dear Mr
    Traoré,', 'Dear Dr Maïga,', 'Dear Sir or Madam,'.
    """
    if not _french(language):
        said = honorific_in(honorific, sex, language)
        return f"Dear {said} {last_name}," if said and last_name else "Dear Sir or Madam,"
    return salutation_title(honorific, sex, function) + ","


def salutation_title(honorific: str, sex: str | None, function: str) -> str:
    """The French salutation without its comma, as the closing formula repeats it."""
    key = _honorific_key(honorific)
    first = key.split()[0] if key else ""
    if first in _RANKS:
        return "Mon " + _RANKS[first]
    said = sex_of(honorific, sex)
    office = _office(function or "", said)
    if office:
        title, gender = office
        civility = "Madame" if gender == "F" else "Monsieur"
        article = "l'" if _elides(title) else ("la " if gender == "F" else "le ")
        return f"{civility} {article}{title}"
    if key in _DOCTORS:
        return "Docteur"
    if key in _PROFESSORS:
        return "Professeur"
    return {"M": "Monsieur", "F": "Madame"}.get(said or "", "Madame, Monsieur")


#: Honorifics that French writes with an article after "de": "sous la présidence du Général …".
_WITH_ARTICLE = tuple(_RANKS) + _DOCTORS + _PROFESSORS + ("ministre", "imam", "préfet", "gouverneur", "maire")


def by_person(name: str, language: str) -> str:
    """A person named after "by" ("under the presidency of"): 'de M. Oumar SOGOBA', 'du Général Hamadoun
    DICKO', 'd'Awa Traoré'; English: 'by General …'."""
    name = name.strip()
    if not _french(language):
        return f"by {name}"
    first = _first_word(name).casefold()
    if first in _WITH_ARTICLE or first + "." in _WITH_ARTICLE:
        return f"du {name}"
    return f"d'{name}" if _elides(name) else f"de {name}"


def undersigned(sex: str | None, language: str) -> str | None:
    """'Je soussigné' / 'Je soussignée' / 'I, the undersigned'; None in French when the sex is unknown
    (the sentence is then written in the third person, which needs no agreement)."""
    if not _french(language):
        return "I, the undersigned"
    return {"M": "Je soussigné", "F": "Je soussignée"}.get(sex or "")


def letter_closing(honorific: str, sex: str | None, function: str, language: str, last_name: str = "", *,
                   personal: bool = True) -> str:
    """The closing formula, which in French repeats the salutation: 'Je vous prie d'agréer, Monsieur
    le Secrétaire général, l'expression de ma haute considération.' (``personal``: signed by a
    person; else by the organisation, 'Veuillez agréer, …, l'expression de notre haute
    considération.'). English: 'Yours sincerely,' to a named addressee, else 'Yours faithfully,'."""
    if not _french(language):
        named = salutation(honorific, sex, function, language, last_name) != "Dear Sir or Madam,"
        return "Yours sincerely," if named else "Yours faithfully,"
    title = salutation_title(honorific, sex, function)
    if personal:
        return f"Je vous prie d'agréer, {title}, l'expression de ma haute considération."
    return f"Veuillez agréer, {title}, l'expression de notre haute considération."
