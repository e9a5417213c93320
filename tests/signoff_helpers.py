"""Building assessments awaiting sign-off for the sign-off, audit and permission tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from incident_desk.incidents import workflow
from incident_desk.incidents.models import Incident
from incident_desk.risk.models import (
    Assessment,
    Control,
    CorrectiveAction,
    Hazard,
    RiskMatrix,
    RiskMatrixVersion,
)

LEVELS = ["1", "2", "3", "4", "5"]
DEFINITION: dict[str, Any] = {
    "schema": "incident-desk/risk-matrix",
    "schema_version": 1,
    "name": "Test 5x5",
    "description": "",
    "likelihood_title": "Likelihood",
    "severity_title": "Consequence",
    "likelihood": [{"code": k, "label": f"L{k}", "descriptor": "", "value": int(k)} for k in LEVELS],
    "severity": [{"code": k, "label": f"S{k}", "descriptor": "", "value": int(k)} for k in LEVELS],
    "score_overrides": [],
    "bands": [
        {
            "name": "Low",
            "colour": "#2e7d32",
            "min_score": 1,
            "max_score": 4,
            "cells": [],
            "response": "",
            "response_hours": None,
            "accept_role": "officer",
            "signoffs_required": 1,
            "signoff_role": "manager",
        },
        {
            "name": "Medium",
            "colour": "#f9a825",
            "min_score": 5,
            "max_score": 9,
            "cells": [],
            "response": "",
            "response_hours": None,
            "accept_role": "officer",
            "signoffs_required": 1,
            "signoff_role": "manager",
        },
        {
            "name": "High",
            "colour": "#e65100",
            "min_score": 10,
            "max_score": 15,
            "cells": [],
            "response": "",
            "response_hours": None,
            "accept_role": "manager",
            "signoffs_required": 1,
            "signoff_role": "manager",
        },
        {
            "name": "Extreme",
            "colour": "#b71c1c",
            "min_score": 16,
            "max_score": 25,
            "cells": [],
            "response": "",
            "response_hours": None,
            "accept_role": "manager",
            "signoffs_required": 2,
            "signoff_role": "manager",
        },
    ],
}


def band_of(score: int) -> str:
    return "Extreme" if score >= 16 else "High" if score >= 10 else "Medium" if score >= 5 else "Low"


def matrix_version(s: Any) -> int:
    from sqlalchemy import select

    existing = s.scalars(
        select(RiskMatrixVersion).join(RiskMatrix).where(RiskMatrix.name == "Test 5x5")
    ).first()
    if existing is not None:
        return existing.id
    m = RiskMatrix(name="Test 5x5")
    s.add(m)
    s.flush()
    v = RiskMatrixVersion(matrix_id=m.id, number=1, definition=DEFINITION)
    s.add(v)
    s.flush()
    return v.id


def submitted_assessment(
    db: Any,
    actors: dict[str, Any],
    incident_id: int,
    *,
    likelihood: int = 3,
    severity: int = 4,
    author: str = "officer",
) -> int:
    """Rate the incident's assessment and submit it; returns the assessment id."""
    actor = actors[author]
    score = likelihood * severity
    with db.transaction() as s:
        inc = s.get(Incident, incident_id)
        if inc.status == "reported":
            workflow.transition(s, actor, inc, "start_assessment")
        a = Assessment(
            incident_id=incident_id,
            revision=1,
            matrix_version_id=matrix_version(s),
            status="draft",
            summary="Wet floor near the wash station.",
            overall_likelihood=str(likelihood),
            overall_severity=str(severity),
            overall_score=score,
            overall_band=band_of(score),
            author_id=actor.user_id,
        )
        s.add(a)
        s.flush()
        h = Hazard(
            assessment_id=a.id,
            position=0,
            description="Slippery floor",
            existing_controls="Mopping",
            inherent_likelihood=str(likelihood),
            inherent_severity=str(severity),
            inherent_score=score,
            inherent_band=band_of(score),
            residual_likelihood="2",
            residual_severity=str(severity),
            residual_score=2 * severity,
            residual_band=band_of(2 * severity),
        )
        s.add(h)
        s.flush()
        s.add(Control(hazard_id=h.id, description="Anti-slip mats", hierarchy="engineering"))
        s.add(
            CorrectiveAction(
                incident_id=incident_id,
                assessment_id=a.id,
                hazard_id=h.id,
                description="Fit anti-slip mats at the wash station",
                action_type="corrective",
                owner_name="Facilities",
                due_date=dt.date.today() + dt.timedelta(days=14),
            )
        )
        s.flush()
        workflow.transition(s, actor, inc, "submit_for_signoff")
        a.status = "submitted"
        a.submitted_at = inc.submitted_at
        return a.id
