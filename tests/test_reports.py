"""Incident report and management report PDFs, read back with pypdf."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from incident_desk.errors import PermissionDenied, ValidationError
from incident_desk.incidents import service
from incident_desk.incidents.models import Person
from incident_desk.incidents.query import IncidentFilter
from incident_desk.reports.incident_report import incident_report
from incident_desk.reports.management_report import management_report
from tests.test_reports_fixtures import full_incident, image_count, pdf_text, signature_png

NAMES = ["Zoë Ærø", "Łukasz Żółć", "Παναγιώτης", "李雷"]


def _fonts(reader: PdfReader) -> set[str]:
    found = set()
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            found.add(str(font.get_object()["/BaseFont"]))
    return found


def assert_footers(pages: list[str], confidential: str = "Confidential") -> None:
    for i, text in enumerate(pages, 1):
        assert f"Page {i} of {len(pages)}" in text, f"page {i} lacks its page number"
        assert confidential in text, f"page {i} lacks the confidentiality line"
        assert "Generated" in text and "Incident Desk" in text, f"page {i} lacks the generation line"


def test_incident_report_content(db: Any, actors: dict[str, Any], make_incident: Any) -> None:
    iid = full_incident(db, actors, make_incident, photos=4)
    with db.reading() as s:
        data = incident_report(s, actors["officer"], iid)
    reader, pages = pdf_text(data)
    text = "\n".join(pages)
    assert len(pages) >= 2
    assert_footers(pages)
    assert image_count(reader) == 5  # four photos and one signature
    for expected in (
        "INC-",
        "Forklift struck racking in aisle 4",
        "Major",
        "Injury",
        "Test Plant",
        "Workshop",
        "What happened",
        "Immediate actions",
        "Area dried and signed.",
        "People involved",
        "Forklift operator",
        "Photo 4: Damaged upright, view 4",
        "Risk matrix",
        "Hazards",
        "Forklift strikes racking upright",
        "Engineering controls",
        "Elimination",
        "Personal protective equipment",
        "Install end-frame guards",
        "Sign-off",
        "Mia Manager",
        "Approved",
        "Status history",
        "Signatures",
        "Witness",
        "Root cause",
    ):
        assert expected in text, expected
    for name in NAMES:
        assert name in text, name
    assert "ab" * 32 in "".join(text.split())  # the full content hash
    # Controls appear in hierarchy order.
    assert (
        text.index("Elimination")
        < text.index("Engineering controls")
        < text.index("Administrative controls")
        < text.index("Personal protective equipment")
    )
    fonts = _fonts(reader)
    assert any("DejaVuSans" in f for f in fonts)
    assert any("DroidSansFallback" in f for f in fonts)


def test_incident_report_privacy_case(db: Any, actors: dict[str, Any], make_incident: Any) -> None:
    iid = full_incident(db, actors, make_incident, photos=0, injured_name="Hidden Harriet", privacy=True)
    with db.transaction() as s:  # the injured person signs their statement
        person = s.scalars(select(Person).where(Person.incident_id == iid, Person.role == "injured")).one()
        service.add_attachment(
            s,
            actors["officer"],
            iid,
            kind="signature",
            data=signature_png(),
            mime_type="image/png",
            person_id=person.id,
            signer_name="Hidden Harriet",
            signer_role="Injured person",
        )
    with db.reading() as s:
        as_reporter = "\n".join(pdf_text(incident_report(s, actors["reporter"], iid))[1])
        as_officer = "\n".join(pdf_text(incident_report(s, actors["officer"], iid))[1])
    assert (
        "Hidden Harriet" not in as_reporter and as_reporter.count("Privacy case") >= 3
    )  # people, statement, signature
    assert "Hidden Harriet" in as_officer


def test_incident_report_minimal(db: Any, actors: dict[str, Any], make_incident: Any) -> None:
    iid = make_incident(title="Near miss at the gate", description="", immediate_actions="")
    with db.reading() as s:
        reader, pages = pdf_text(incident_report(s, actors["reporter"], iid))
    assert len(pages) == 1
    assert_footers(pages)
    assert "No risk assessment has been written yet." in pages[0]
    assert image_count(reader) == 0


def test_management_report(db: Any, actors: dict[str, Any], make_incident: Any, refs: dict[str, Any]) -> None:
    full_incident(db, actors, make_incident, photos=0)
    now = dt.datetime.now(dt.UTC)
    for i in range(4):
        make_incident(
            title=f"Trip hazard {i}",
            site_id=refs["site"]["Test Depot"],
            location_id=refs["location"]["Yard"],
            severity_id=refs["severity"]["Minor"],
            occurred_at=now - dt.timedelta(days=2 + i),
            reported_at=now - dt.timedelta(days=2 + i, hours=-1),
        )
    make_incident(
        title="Last month",
        occurred_at=now - dt.timedelta(days=45),
        reported_at=now - dt.timedelta(days=45, hours=-1),
    )
    today = now.date()
    filt = IncidentFilter(date_from=today - dt.timedelta(days=29), date_to=today)
    with db.reading() as s:
        data = management_report(s, actors["manager"], filt, contents=True)
        limited = management_report(s, actors["manager"], filt, charts=False, max_listed=2)
        with pytest.raises(PermissionDenied):
            management_report(s, actors["reporter"], filt)
        with pytest.raises(ValidationError):
            management_report(s, actors["manager"], IncidentFilter())
    _reader, pages = pdf_text(data)
    text = "\n".join(pages)
    assert_footers(pages)
    for expected in (
        "Safety management report",
        "Contents",
        "Key figures",
        "Previous period",
        "Charts",
        "Incidents by site",
        "Incidents by type",
        "Incidents by severity",
        "Mean time to resolution against SLA",
        "SLA breaches",
        "Overdue corrective actions",
        "Sign-off status",
        "Incidents in the period",
        "Test Depot",
        "Trip hazard 3",
        "Audit racking quarterly",
    ):
        assert expected in text, expected
    assert "Last month" not in text
    # The contents on the cover list the sections with their pages.
    contents = " ".join(pages[0].split())
    assert "Placeholder" not in contents
    for section in ("Key figures", "Charts", "Incidents by site", "Incidents in the period"):
        assert section in contents
    # The charts are the dashboard's figures stamped in as vectors: their text is extractable.
    assert "Incidents per week, by severity" in text and "MTTR by severity" in text
    _r, limited_pages = pdf_text(limited)
    limited_text = "\n".join(limited_pages)
    assert "The first 2 of 5 incidents are listed" in " ".join(limited_text.split())
    assert "Contents" not in limited_text


def test_row_list_splits_with_header_and_fits_cells() -> None:
    from reportlab.lib.units import mm

    from incident_desk.reports.pdf import DocInfo, RowList, build

    rows = [[f"INC-{n:05d}", "李雷 and Zoë Ærø" if n == 150 else "Plain", "x" * 200] for n in range(200)]
    data = build(
        [RowList(["Reference", "Name", "Title"], rows, [30 * mm, 50 * mm, 60 * mm])], DocInfo("List")
    )
    _reader, pages = pdf_text(data)
    assert len(pages) >= 3
    assert_footers(pages)
    assert all("Reference" in p for p in pages)  # the header repeats on every page
    text = "\n".join(pages)
    assert "INC-00000" in text and "INC-00199" in text and "李雷 and Zoë Ærø" in text
    assert "x" * 200 not in text and "…" in text  # cut to the column, with an ellipsis
