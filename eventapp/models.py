"""The models, one file per aggregate. Importing this package registers every table."""
from eventapp.accounts.login_failures import LoginFailure
from eventapp.accounts.models import User, user_events
from eventapp.audit.models import AuditEntry
from eventapp.core.models import Base, utcnow
from eventapp.door.models import CheckIn, ScanLog, Station
from eventapp.events.models import AgendaItem, AgendaItemOfficial, Event, Official, Project
from eventapp.people.models import Category, Consent, Person, PersonMerge
from eventapp.registration.models import Invitation, Registration, RegistrationDay
from eventapp.reports.models import Certificate, PaymentLine, PaymentOverride, PaymentSheet

__all__ = [
    "AgendaItem", "AgendaItemOfficial", "AuditEntry", "Base", "Category", "Certificate", "CheckIn", "Consent",
    "Event", "Invitation", "LoginFailure", "Official", "PaymentLine", "PaymentOverride", "PaymentSheet", "Person",
    "PersonMerge", "Project", "Registration", "RegistrationDay", "ScanLog", "Station", "User",
    "user_events", "utcnow",
]
