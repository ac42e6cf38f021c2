"""The demo: the 21 June 2023 restitution workshop of the seed, with invented participants.

Deterministic (a seeded random generator), and safe to run again: the demo event is found by
its slug and its contents replaced, never duplicated. Staff accounts are made when missing.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import delete, select

from eventapp.accounts.models import User
from eventapp.accounts.services import create_user, get_by_email
from eventapp.audit.services import Actor, record
from eventapp.config import DEFAULT_CATEGORIES
from eventapp.core.errors import ValidationError
from eventapp.core.text import fold, name_key
from eventapp.core.tokens import hash_token, new_station_token
from eventapp.door.models import CheckIn, ScanLog, Station
from eventapp.events.models import AgendaItem, AgendaItemOfficial, Event, Official
from eventapp.events.services import get_or_create_project
from eventapp.extensions import db
from eventapp.people.categories import ensure_categories
from eventapp.people.models import Person
from eventapp.registration.models import Registration
from eventapp.registration.services import new_registration

DEMO_SLUG = "restitution-2023"
DEMO_DATE = date(2023, 6, 21)
DEMO_TIMEZONE = "Africa/Bamako"
DEMO_PASSWORD = "demo-eventapp-2023"
DEMO_ACCOUNTS = (
    ("admin@demo.eventapp.org", "admin", "Administrateur démo"),
    ("organizer@demo.eventapp.org", "organizer", "Aïssata Coulibaly"),
    ("coordinator@demo.eventapp.org", "coordinator", "Mamadou Sidibé"),
    ("door@demo.eventapp.org", "door", "Équipe d'accueil"),
)
STATION_NAME = "Entrée principale"
PROJECT = ("Renforcement des liens de confiance entre les forces de défense et de sécurité "
           "et la population civile")

_FIRST_F = ["Awa", "Aminata", "Fatoumata", "Mariam", "Kadiatou", "Aïssata", "Oumou", "Djénéba", "Hawa",
            "Salimata", "Assitan", "Rokia", "Bintou", "Néné", "Maïmouna", "Coumba", "Safiatou", "Fanta",
            "Ramata", "Hadizatou"]
_FIRST_M = ["Moussa", "Mamadou", "Oumar", "Ibrahim", "Boubacar", "Seydou", "Adama", "Souleymane", "Issa",
            "Bakary", "Modibo", "Youssouf", "Abdoulaye", "Sékou", "Lassana", "Cheick Oumar", "Hamadoun",
            "Amadou", "Tiémoko", "Daouda", "Allaye", "Ousmane"]
_LAST = ["Traoré", "Maïga", "Diarra", "N'Diaye", "Coulibaly", "Keïta", "Touré", "Sidibé", "Dembélé",
         "Diallo", "Koné", "Cissé", "Sangaré", "Sanogo", "Dicko", "Kanté", "Doumbia", "Guindo", "Tangara",
         "Haïdara", "Bâ", "Sow", "Djiteye", "Tembely", "Kassogué", "Ongoïba", "Cissoko", "Samaké"]
_LOCALITIES = ["Bamako, Commune V", "Bamako, Commune VI", "Bamako, Commune III", "Sabalibougou", "Kati",
               "Mopti", "Sévaré", "Socoura", "Fatoma", "Konna", "Sio", "Ouro Modi", "Dialloubé", "Soye"]
#: (category code, weight, organisations, functions)
_PROFILES = [
    ("fds", 22, ["Gendarmerie nationale", "Police nationale", "Garde nationale", "Forces armées maliennes",
                 "Protection civile"],
     ["Commandant de brigade", "Commissaire de police", "Chef de poste", "Officier de liaison",
      "Adjudant-chef", "Lieutenant"]),
    ("authority", 14, ["Gouvernorat de Mopti", "Préfecture de Mopti", "Mairie de Sévaré",
                       "Ministère de la Sécurité et de la Protection civile", "Mairie de la Commune V"],
     ["Préfet", "Sous-préfet", "Maire", "Conseiller technique", "Chef de service"]),
    ("traditional", 8, ["Chefferie de village", "Haut Conseil islamique", "Association des chefs de quartier"],
     ["Chef de village", "Imam", "Notable", "Conseiller du chef"]),
    ("civil_society", 24, ["Association des femmes de Mopti", "Conseil communal de la jeunesse",
                           "Plateforme des ONG du cercle de Mopti", "Comité de pilotage du projet",
                           "Association des transporteurs"],
     ["Présidente", "Président", "Secrétaire général", "Trésorière", "Chargé de programme", "Membre"]),
    ("civilian", 18, ["", "Association des commerçants de Mopti", "Coopérative des éleveurs de Fatoma",
                      "Groupement des femmes de Sévaré", "Association des élèves et étudiants du Mali"],
     ["Commerçante", "Agriculteur", "Éleveur", "Enseignant", "Étudiante", "Ménagère"]),
    ("press", 6, ["ORTM", "Radio Kledu", "L'Essor", "Studio Tamani", "Radio Jamana"],
     ["Journaliste", "Reporter", "Caméraman"]),
    ("partner", 4, ["Coopération suisse – DPDH", "Ambassade de Suisse au Mali"],
     ["Chargée de programme", "Conseiller paix et droits de l'homme"]),
    ("staff", 4, ["IMRAP"], ["Chercheur", "Chargée de communication", "Assistant de recherche", "Logisticien"]),
]
_AGE_BANDS = [("18-24", 12), ("25-35", 30), ("36-50", 34), ("51-64", 18), ("65+", 6)]


@dataclass
class DemoAccount:
    """A demo staff account and what to print about it."""

    email: str
    role: str
    password: str | None  # None: the account existed and its password was left alone


@dataclass
class DemoResult:
    """What ``load_demo`` made."""

    event: Event
    participants: int
    checkins: int
    accounts: list[DemoAccount] = field(default_factory=list)


def _reset(event: Event) -> None:
    """Empty the demo event of what an earlier run put in it (its people too, unless they
    also belong to another event)."""
    person_ids = list(db.session.scalars(select(Registration.person_id).where(Registration.event_id == event.id)))
    db.session.execute(delete(ScanLog).where(ScanLog.event_id == event.id))
    db.session.execute(delete(CheckIn).where(CheckIn.event_id == event.id))
    db.session.execute(delete(Registration).where(Registration.event_id == event.id))
    if person_ids:
        still_registered = select(Registration.person_id).where(Registration.person_id.in_(person_ids))
        db.session.execute(delete(Person).where(Person.id.in_(person_ids), Person.id.not_in(still_registered)))
    event.agenda_items.clear()
    event.officials.clear()
    db.session.flush()
    db.session.expire(event)


def _event(on_date: date) -> Event:
    event = db.session.scalar(select(Event).where(Event.slug == DEMO_SLUG))
    if event is None:
        event = Event(slug=DEMO_SLUG, start_date=on_date, end_date=on_date)
        db.session.add(event)
    else:
        _reset(event)
    event.title = "Atelier de restitution des résultats du projet « " + PROJECT + " »"
    event.project = get_or_create_project(PROJECT)
    if event.project.funder == "":
        event.project.funder = "Coopération suisse – DPDH"
    event.organizer = "Institut Malien de Recherche Action pour la Paix (IMRAP)"
    event.partner = ("Coopération suisse – Division Paix et Droits de l'Homme (DPDH) du Département "
                     "fédéral des affaires étrangères")
    event.venue_name = "Salle de conférence de la Maison de la Femme"
    event.venue_address = "Sabalibougou, en face de l'Hôtel Olympe"
    event.city = "Bamako"
    event.start_date = event.end_date = on_date
    event.timezone = DEMO_TIMEZONE
    event.language = "fr"
    event.status = "open"
    event.description = (
        "Présentation aux cadres militaires, sécuritaires et civils, aux membres du comité de pilotage et "
        "aux représentants de la société civile du cercle de Mopti des résultats de 17 mois de recherche "
        "sur les perceptions et attentes des FDS envers la population civile, et inversement, avec les "
        "recommandations des acteurs du processus.")
    db.session.flush()
    return event


def _programme(event: Event, day: date) -> None:
    officials = {
        "sg": Official(honorific="M.", first_name="Oumar", last_name="SOGOBA", role="presides",
                       function="Secrétaire général",
                       institution="Ministère de la Sécurité et de la Protection civile"),
        "pca": Official(honorific="Dr", first_name="Boubacar", last_name="DIALLO", role="speaker",
                        function="Président du Conseil d'administration",
                        institution="Institut Malien de Recherche Action pour la Paix (IMRAP)"),
        "swiss": Official(honorific="Mme", first_name="Claudia", last_name="MÜLLER", role="guest_of_honour",
                          function="Chargée de programme paix et droits de l'homme",
                          institution="Coopération suisse – DPDH"),
        "research": Official(honorific="Dr", first_name="Fatoumata", last_name="MAÏGA", role="speaker", sex="F",
                             function="Directrice de la recherche", institution="IMRAP"),
        "moderator": Official(honorific="Colonel", first_name="Ibrahim", last_name="N'DIAYE", role="moderator",
                              function="Président de séance", institution="Comité de pilotage du projet"),
        "rapporteur": Official(honorific="Mme", first_name="Kadiatou", last_name="KEÏTA", role="rapporteur",
                               function="Chargée de suivi-évaluation", institution="IMRAP"),
    }
    for rank, official in enumerate(officials.values(), start=1):
        official.protocol_rank = rank
        event.officials.append(official)

    def item(start, end, title, kind, holders=(), room="Salle de conférence", description=""):
        # A holder is a key of ``officials`` (in their role at the event) or (key, role at this item).
        entry = AgendaItem(day=day, start_time=time(*start), end_time=time(*end), title=title, kind=kind,
                           room=room, description=description)
        pairs = [h if isinstance(h, tuple) else (h, officials[h].role) for h in holders]
        entry.holders = [AgendaItemOfficial(official=officials[key], role=role) for key, role in pairs]
        event.agenda_items.append(entry)

    item((8, 15), (9, 0), "Accueil et enregistrement des participants", "break", room="Hall d'entrée")
    item((9, 0), (9, 15), "Mot de bienvenue du Président du Conseil d'administration de l'IMRAP", "speech", ["pca"])
    item((9, 15), (9, 35), "Allocution d'ouverture du Secrétaire général du Ministère de la Sécurité et de la "
         "Protection civile", "opening", [("sg", "opening_speech"), "swiss"])
    item((9, 35), (10, 0), "Pause-café et photo de famille", "break", room="Jardin")
    item((10, 0), (11, 0), "Présentation des résultats de 17 mois de recherche dans le cercle de Mopti",
         "presentation", ["research", "moderator"],
         description="Perceptions et attentes des FDS envers la population civile, et inversement.")
    item((11, 0), (12, 30), "Débat : difficultés, attentes et solutions pour la collaboration entre FDS et "
         "population civile", "debate", ["moderator"])
    item((12, 30), (13, 15), "Lecture et adoption des recommandations", "debate", ["rapporteur", "moderator"])
    item((13, 15), (13, 30), "Clôture des travaux", "closing", [("sg", "closing_speech"), "pca"])
    item((13, 30), (14, 30), "Déjeuner", "break", room="Restaurant de la Maison de la Femme")


def _weighted(rng: random.Random, pairs):
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _participants(event: Event, n: int, rng: random.Random, category_defaults) -> list[Registration]:
    categories = {c.code: c for c in ensure_categories(category_defaults)}
    profiles = [p for p in _PROFILES if p[0] in categories]
    registrations = []
    seen_emails: set[str] = set()
    for i in range(n):
        code, _w, organisations, functions = rng.choices(profiles, weights=[p[1] for p in profiles])[0]
        sex = "F" if rng.random() < (0.2 if code == "fds" else 0.45) else "M"
        first = rng.choice(_FIRST_F if sex == "F" else _FIRST_M)
        last = rng.choice(_LAST)
        # Mobile ranges phonenumbers accepts for Mali (Orange 7x, Moov 6x/9x): the demo must import back.
        phone = (f"+223{rng.choice(('7', '6', '9', '7'))}{rng.randrange(10_000_000):07d}"
                 if rng.random() < 0.85 else None)
        email = None
        if rng.random() < 0.3:
            local = ".".join(fold(x).replace(" ", "") for x in (first, last))
            email = f"{local}{'' if local not in seen_emails else i}@example.org"
            seen_emails.add(local)
        person = Person(
            honorific="Mme" if sex == "F" else "M.", first_name=first, last_name=last, sex=sex,
            age_band=_weighted(rng, _AGE_BANDS), category=categories[code],
            organisation=rng.choice(organisations), function=rng.choice(functions),
            locality=rng.choice(_LOCALITIES), phone=phone, email=email, name_key=name_key(first, last),
        )
        db.session.add(person)
        registrations.append(new_registration(event, person, status="registered", source="import"))
    db.session.flush()
    return registrations


def _attendance(event: Event, registrations: list[Registration], day: date, operator: User | None,
                rng: random.Random) -> int:
    """About 70% scanned at the main entrance between 08:15 and 10:00, event time."""
    station = db.session.scalar(select(Station).where(Station.event_id == event.id, Station.name == STATION_NAME))
    if station is None:
        # The token is thrown away: this station only labels the demo's past scans.
        station = Station(event_id=event.id, name=STATION_NAME, token_hash=hash_token(new_station_token()),
                          created_by_id=operator.id if operator else None)
        db.session.add(station)
        db.session.flush()
    zone = ZoneInfo(event.timezone)
    opening = datetime.combine(day, time(8, 15), tzinfo=zone)
    window = 105 * 60  # 08:15 to 10:00
    present = rng.sample(registrations, round(len(registrations) * 0.7))
    for n, registration in enumerate(present):
        # Most arrive before the opening speech; a few late.
        offset = min(window - 1, int(rng.triangular(0, window, 50 * 60)))
        scanned = opening + timedelta(seconds=offset)
        db.session.add(CheckIn(
            event_id=event.id, registration_id=registration.id, day=day, scanned_at=scanned,
            recorded_at=scanned + timedelta(seconds=rng.randint(0, 3)), station_id=station.id,
            operator_id=operator.id if operator else None, source="qr",
            client_id=f"demo-{event.id}-{registration.id}-{n}",
        ))
    db.session.flush()
    return len(present)


def _accounts(min_length: int) -> list[DemoAccount]:
    accounts = []
    for email, role, name in DEMO_ACCOUNTS:
        user = get_by_email(email)
        if user is None:
            user = create_user(email, role, DEMO_PASSWORD, name, actor=Actor(label="demo"), min_length=min_length)
            accounts.append(DemoAccount(email, role, DEMO_PASSWORD))
        else:
            accounts.append(DemoAccount(email, user.role, None))
    return accounts


def load_demo(participants: int = 120, on_date: date | None = None, *, today: date | None = None,
              categories=DEFAULT_CATEGORIES, min_password_length: int = 10,
              actor: Actor | None = None) -> DemoResult:
    """Load (or reload) the demo event.

    ``on_date`` None: held on 21 June 2023 with attendance recorded. Otherwise held on that
    day, with attendance only when that day is before ``today`` (the event's local date).
    """
    if participants < 0 or participants > 10_000:
        raise ValidationError({"participants": [_("The number of participants must be between 0 and 10000.")]})
    day = on_date or DEMO_DATE
    today = today or datetime.now(ZoneInfo(DEMO_TIMEZONE)).date()
    rng = random.Random(20230621)
    # Accounts first: creating one commits, and the event below is then one transaction.
    accounts = _accounts(min_password_length)
    event = _event(day)
    _programme(event, day)
    registrations = _participants(event, participants, rng, categories)
    door = get_by_email(DEMO_ACCOUNTS[3][0])
    if door is not None and door.role == "door" and all(e.id != event.id for e in door.events):
        door.events.append(event)
    checkins = _attendance(event, registrations, day, door, rng) if day < today else 0
    record(actor, "demo.load", event, event_id=event.id, participants=participants, day=day.isoformat(),
           checkins=checkins)
    db.session.commit()
    return DemoResult(event=event, participants=len(registrations), checkins=checkins, accounts=accounts)
