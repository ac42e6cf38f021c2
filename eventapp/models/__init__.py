"""The models, one file per aggregate. Importing this package registers every table."""
from eventapp.models.audit import AuditEntry
from eventapp.models.base import Base, utcnow
from eventapp.models.checkin import CheckIn, ScanLog, Station
from eventapp.models.event import AgendaItem, Event, Official, Project, agenda_item_officials
from eventapp.models.person import Category, Consent, Person, PersonMerge
from eventapp.models.registration import Invitation, Registration
from eventapp.models.reports import Certificate, PaymentLine, PaymentOverride, PaymentSheet
from eventapp.models.trust import LoginFailure
from eventapp.models.user import User, user_events

__all__ = [
    "AgendaItem", "AuditEntry", "Base", "Category", "Certificate", "CheckIn", "Consent", "Event", "Invitation",
    "LoginFailure", "Official", "PaymentLine", "PaymentOverride", "PaymentSheet", "Person", "PersonMerge",
    "Project", "Registration", "ScanLog", "Station", "User",
    "agenda_item_officials", "user_events", "utcnow",
]
