"""Builders shared by the report, OSHA, ITA and export tests: a fully documented incident, PDF reading."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

from PIL import Image, ImageDraw
from pypdf import PdfReader

from incident_desk.actor import Actor
from incident_desk.db import Database
from incident_desk.incidents import service
from incident_desk.incidents.models import Incident, Person, StatusChange
from incident_desk.org.models import HoursWorked
from incident_desk.risk.models import (
    Assessment,
    Control,
    CorrectiveAction,
    Hazard,
    RiskMatrix,
    RiskMatrixVersion,
)
from incident_desk.signoff.models import Signature

LEVELS_L = ["Rare", "Unlikely", "Possible", "Likely", "Almost certain"]
LEVELS_S = ["Insignificant", "Minor", "Moderate", "Major", "Catastrophic"]
MATRIX = {
    "likelihood": [{"key": str(i + 1), "label": n} for i, n in enumerate(LEVELS_L)],
    "severity": [{"key": str(i + 1), "label": n} for i, n in enumerate(LEVELS_S)],
    "bands": [
        {"name": "Low", "min": 1, "max": 4, "colour": "#2e7d32"},
        {"name": "Medium", "min": 5, "max": 9, "colour": "#f9a825"},
        {"name": "High", "min": 10, "max": 16, "colour": "#ef6c00"},
        {"name": "Extreme", "min": 17, "max": 25, "colour": "#b71c1c"},
    ],
}


def png(width: int = 640, height: int = 480, colour: str = "#4a90d9", text: str = "photo") -> bytes:
    img = Image.new("RGB", (width, height), colour)
    draw = ImageDraw.Draw(img)
    draw.rectangle([20, 20, width - 20, height - 20], outline="white", width=6)
    draw.text((40, 40), text, fill="white")
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def signature_png() -> bytes:
    img = Image.new("RGBA", (400, 120), (255, 255, 255, 0))
    draw = ImageDraw.Draw(img)
    draw.line([(10, 90), (80, 30), (140, 100), (220, 20), (300, 95), (390, 40)], fill="#102a43", width=5)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def full_incident(
    db: Database,
    actors: dict[str, Actor],
    make_incident: Any,
    *,
    photos: int = 2,
    injured_name: str = "Zoë Ærø",
    privacy: bool = False,
    **fields: Any,
) -> int:
    """An incident with people, photos, a signature, an assessment with hazards, controls, actions,
    a sign-off and status history."""
    iid = make_incident(
        title=fields.pop("title", "Forklift struck racking in aisle 4"),
        description="The forklift reversed into the racking; a pallet fell and struck the "
        "operator's left foot.",
        **fields,
    )
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    officer = actors["officer"]
    with db.transaction() as s:
        inc = s.get(Incident, iid)
        assert inc is not None
        inc.root_cause = "Racking end-frame protection missing after the 2024 re-layout."
        inc.resolution_summary = "End-frame guards fitted to all aisles."
        inc.direct_cost = Decimal("1250.00")
        s.add(
            Person(
                incident_id=iid,
                name=injured_name,
                role="injured",
                employment="employee",
                job_title="Forklift operator",
                body_part="Foot",
                body_side="left",
                nature_of_injury="Fracture",
                treatment="lost_time",
                days_away=12,
                days_restricted=5,
                privacy_case=privacy,
                recordable=True,
                osha_case_number="2026-001",
                osha_outcome="days_away",
                osha_case_type="injury",
                statement="I was reversing and did not see the upright.",
            )
        )
        s.add(
            Person(
                incident_id=iid,
                name="Παναγιώτης Παπαδόπουλος",
                role="witness",
                employment="contractor",
                job_title="Picker",
                statement="I heard the impact and called the first aider.",
            )
        )
        s.add(Person(incident_id=iid, name="李雷", role="first_aider", job_title="Team leader"))
        s.flush()
        for i in range(photos):
            service.add_attachment(
                s,
                officer,
                iid,
                kind="photo",
                data=png(text=f"photo {i + 1}", colour=["#4a90d9", "#d94a4a", "#4ad98a", "#d9b84a"][i % 4]),
                mime_type="image/png",
                filename=f"photo{i + 1}.png",
                caption=f"Damaged upright, view {i + 1}",
            )
        service.add_attachment(
            s,
            officer,
            iid,
            kind="signature",
            data=signature_png(),
            mime_type="image/png",
            signer_name="Łukasz Żółć",
            signer_role="Witness",
            signed_at=now,
        )
        matrix = RiskMatrix(name=f"5x5 {iid}")
        s.add(matrix)
        s.flush()
        version = RiskMatrixVersion(matrix_id=matrix.id, number=1, definition=MATRIX)
        s.add(version)
        s.flush()
        a = Assessment(
            incident_id=iid,
            revision=1,
            matrix_version_id=version.id,
            status="signed_off",
            summary="Impact with racking during reversing; controls reduce likelihood.",
            overall_likelihood="4",
            overall_severity="3",
            overall_score=12,
            overall_band="High",
            author_id=officer.user_id,
            submitted_at=now,
            decided_at=now,
            locked=True,
        )
        s.add(a)
        s.flush()
        h1 = Hazard(
            assessment_id=a.id,
            position=1,
            description="Forklift strikes racking upright",
            existing_controls="Speed limit signs",
            inherent_likelihood="4",
            inherent_severity="4",
            inherent_score=16,
            inherent_band="High",
            residual_likelihood="2",
            residual_severity="4",
            residual_score=8,
            residual_band="Medium",
        )
        h2 = Hazard(
            assessment_id=a.id,
            position=2,
            description="Falling load from upper beam",
            inherent_likelihood="3",
            inherent_severity="5",
            inherent_score=15,
            inherent_band="High",
            residual_likelihood="1",
            residual_severity="5",
            residual_score=5,
            residual_band="Medium",
        )
        s.add_all([h1, h2])
        s.flush()
        s.add_all(
            [
                Control(hazard_id=h1.id, description="Fit end-frame guards", hierarchy="engineering"),
                Control(hazard_id=h1.id, description="Hi-vis vests in aisles", hierarchy="ppe"),
                Control(
                    hazard_id=h2.id,
                    description="Refresher training on load limits",
                    hierarchy="administrative",
                    existing=True,
                ),
                Control(
                    hazard_id=h2.id,
                    description="Remove top-level storage in aisle 4",
                    hierarchy="elimination",
                ),
            ]
        )
        s.add(
            CorrectiveAction(
                incident_id=iid,
                assessment_id=a.id,
                hazard_id=h1.id,
                description="Install end-frame guards in aisles 1–8",
                action_type="corrective",
                owner_name="Sam Okafor",
                due_date=now.date() + dt.timedelta(days=14),
                status="open",
            )
        )
        s.add(
            CorrectiveAction(
                incident_id=iid,
                assessment_id=a.id,
                description="Audit racking quarterly",
                action_type="preventive",
                owner_name="Mia Manager",
                due_date=now.date() - dt.timedelta(days=3),
                status="in_progress",
            )
        )
        s.add(
            Signature(
                assessment_id=a.id,
                incident_id=iid,
                signer_id=actors["manager"].user_id,
                signer_name="Mia Manager",
                role="manager",
                level=1,
                meaning="Approved",
                comment="Guards to be fitted before the aisle reopens.",
                signed_at=now,
                content_hash="ab" * 32,
                signature_hash="cd" * 32,
            )
        )
        s.add(
            StatusChange(
                incident_id=iid,
                from_status="reported",
                to_status="assessment",
                at=now,
                user_name="Olu Officer",
            )
        )
    return iid


def add_hours(db: Database, site_id: int, year: int, monthly: list[tuple[str, int]]) -> None:
    with db.transaction() as s:
        for month, (hours, employees) in enumerate(monthly, 1):
            s.add(
                HoursWorked(
                    site_id=site_id, year=year, month=month, hours=Decimal(hours), employees=employees
                )
            )


def pdf_text(data: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(data))
    return reader, [page.extract_text() or "" for page in reader.pages]


def image_count(reader: PdfReader) -> int:
    return sum(len(page.images) for page in reader.pages)
