"""The models, one file per aggregate. Importing this package registers every table."""
from eventapp.accounts.login_failures import LoginFailure
from eventapp.accounts.models import User, user_events
from eventapp.audit.models import AuditEntry
from eventapp.core.models import Base, utcnow
from eventapp.door.models import CheckIn, ScanLog, Station
from eventapp.events.models import AgendaItem, Event, Official, Project, agenda_item_officials
from eventapp.people.models import Category, Consent, Person, PersonMerge
from eventapp.registration.models import Invitation, Registration, RegistrationDay
from eventapp.reports.models import Certificate, PaymentLine, PaymentOverride, PaymentSheet

__all__ = [
    "AgendaItem", "AuditEntry", "Base", "Category", "Certificate", "CheckIn", "Consent", "Event", "Invitation",
    "LoginFailure", "Official", "PaymentLine", "PaymentOverride", "PaymentSheet", "Person", "PersonMerge",
    "Project", "Registration", "RegistrationDay", "ScanLog", "Station", "User",
    "agenda_item_officials", "user_events", "utcnow",
]
