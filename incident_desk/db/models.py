"""Imports every model module so that the metadata is complete (for Alembic and create_all)."""

from __future__ import annotations

from incident_desk.audit.models import AuditEvent, Counter
from incident_desk.db.base import Base
from incident_desk.imports.models import ImportMapping, ImportRun
from incident_desk.incidents.models import Attachment, Blob, Comment, Incident, Person, StatusChange
from incident_desk.notify.models import (
    Escalation,
    EscalationLevel,
    InboxItem,
    NotificationRule,
    OutboxMessage,
)
from incident_desk.org.models import (
    Customer,
    HoursWorked,
    IncidentType,
    Location,
    Organisation,
    Setting,
    SeverityLevel,
    Site,
    SlaTarget,
)
from incident_desk.risk.models import (
    Assessment,
    Control,
    CorrectiveAction,
    Hazard,
    InfoRequest,
    RiskMatrix,
    RiskMatrixVersion,
)
from incident_desk.signoff.models import Signature
from incident_desk.users.models import Team, TeamMember, User, UserRole

metadata = Base.metadata

__all__ = [
    "Assessment",
    "Attachment",
    "AuditEvent",
    "Base",
    "Blob",
    "Comment",
    "Control",
    "CorrectiveAction",
    "Counter",
    "Customer",
    "Escalation",
    "EscalationLevel",
    "Hazard",
    "HoursWorked",
    "ImportMapping",
    "ImportRun",
    "InboxItem",
    "Incident",
    "IncidentType",
    "InfoRequest",
    "Location",
    "NotificationRule",
    "Organisation",
    "OutboxMessage",
    "Person",
    "RiskMatrix",
    "RiskMatrixVersion",
    "Setting",
    "SeverityLevel",
    "Signature",
    "Site",
    "SlaTarget",
    "StatusChange",
    "Team",
    "TeamMember",
    "User",
    "UserRole",
    "metadata",
]
