"""When two people edit the same incident: what each changed, and re-applying one's own edits.

``base`` is what the user loaded, ``mine`` what they now want to save, ``theirs`` what is in
the database. Fields only I changed can be re-applied safely; fields both changed differently
are conflicts the user decides one by one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from incident_desk.audit.models import AuditEvent
from incident_desk.incidents.validation import IncidentData


@dataclass(frozen=True)
class FieldChange:
    field: str
    base: Any
    mine: Any
    theirs: Any

    @property
    def conflict(self) -> bool:
        return self.mine != self.base and self.theirs != self.base and self.mine != self.theirs


@dataclass(frozen=True)
class ConflictReport:
    mine_only: list[FieldChange]
    theirs_only: list[FieldChange]
    conflicts: list[FieldChange]
    changed_by: list[str]  # who saved since the user loaded the incident

    def merged(self, theirs: IncidentData, *, keep_mine: set[str] | frozenset[str] = frozenset()) -> IncidentData:
        """Their version plus my non-conflicting edits, plus my side of the conflicts in ``keep_mine``."""
        values = {c.field: c.mine for c in self.mine_only}
        values.update({c.field: c.mine for c in self.conflicts if c.field in keep_mine})
        return replace(theirs, **values)


def compare(base: IncidentData, mine: IncidentData, theirs: IncidentData) -> list[FieldChange]:
    out = []
    for f in fields(IncidentData):
        b, m, t = (getattr(x, f.name) for x in (base, mine, theirs))
        if m != b or t != b:
            out.append(FieldChange(f.name, b, m, t))
    return out


def report(session: Session, incident_id: int, base: IncidentData, mine: IncidentData, theirs: IncidentData,
           loaded_at: dt.datetime) -> ConflictReport:
    changes = compare(base, mine, theirs)
    who = session.scalars(
        select(AuditEvent.user_name).where(AuditEvent.incident_id == incident_id, AuditEvent.at > loaded_at,
                                           AuditEvent.kind.in_(("update", "transition")))
        .order_by(AuditEvent.seq)
    ).all()
    return ConflictReport(
        mine_only=[c for c in changes if c.mine != c.base and c.theirs == c.base],
        theirs_only=[c for c in changes if c.theirs != c.base and c.mine == c.base],
        conflicts=[c for c in changes if c.conflict],
        changed_by=list(dict.fromkeys(who)),
    )
