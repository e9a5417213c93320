"""Keeps the assessment's status in step with the workflow, however the incident was submitted."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from incident_desk.db.base import utcnow
from incident_desk.events import subscribe


@subscribe("incident.submit_for_signoff")
def _submitted(session: Session, *, incident: Any, **_: Any) -> None:
    # The incident form's own "Submit for sign-off" button goes straight to the workflow; the
    # sign-off queue lists assessments whose status is 'submitted', so mark it here too.
    from incident_desk.risk.service import latest_assessment

    a = latest_assessment(session, incident.id)
    if a is not None and not a.locked and a.status in ("draft", "rejected"):
        a.status = "submitted"
        a.submitted_at = utcnow()
        a.decided_at = None
