"""OSHA 300 log, 300A summary and 301 report: cases, totals against hand-computed figures, privacy."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from incident_desk.errors import NotFound, PermissionDenied, ValidationError
from incident_desk.incidents.models import Incident, Person
from incident_desk.org.models import Site
from incident_desk.reports import osha
from incident_desk.reports.osha_forms import form_300, form_300a, form_301
from tests.test_reports_fixtures import add_hours, pdf_text

YEAR = 2025

# name, outcome, type, days away, days restricted, privacy, month
CASES = [
    ("Ann Archer", "days_away", "injury", 12, 0, False, 1),
    ("Ben Baker", "restricted", "injury", 0, 30, False, 2),
    ("Cara Cole", "other", "skin_disorder", 0, 0, False, 3),
    ("Dan Dale", "days_away", "respiratory", 200, 10, False, 4),  # capped at 180
    ("Eve Eden", "death", "injury", 0, 0, False, 5),
    ("Secret Sam", "days_away", "other_illness", 3, 2, True, 6),
    ("Hal Hearing", "other", "hearing_loss", 0, 0, False, 7),
    ("Pam Poison", "restricted", "poisoning", 0, 7, False, 8),
]


def make_cases(db: Any, make_incident: Any, refs: dict[str, Any], site: str = "Test Plant") -> None:
    for n, (name, outcome, ctype, away, restr, privacy, month) in enumerate(CASES, 1):
        when = dt.datetime(YEAR, month, 10, 15, 0, tzinfo=dt.UTC)
        iid = make_incident(
            occurred_at=when,
            reported_at=when + dt.timedelta(hours=1),
            site_id=refs["site"][site],
            location_id=refs["location"]["Workshop"],
            title=f"Case {n}",
        )
        with db.transaction() as s:
            s.add(
                Person(
                    incident_id=iid,
                    name=name,
                    role="injured",
                    job_title="Welder",
                    body_part="Hand",
                    body_side="left",
                    nature_of_injury="Laceration",
                    object_substance="sheet metal edge",
                    days_away=away,
                    days_restricted=restr,
                    privacy_case=privacy,
                    recordable=True,
                    osha_case_number=f"{YEAR}-{n:03d}",
                    osha_outcome=outcome,
                    osha_case_type=ctype,
                    sex="F",
                    date_of_birth=dt.date(1990, 1, 2),
                    date_hired=dt.date(2015, 3, 4),
                    time_started_work=dt.time(7, 0),
                    time_of_event=dt.time(10, 30),
                )
            )
    # Not counted: a first-aid case, a case in another year, a voided incident, a case at another site.
    iid = make_incident(title="First aid only")
    with db.transaction() as s:
        s.add(Person(incident_id=iid, name="Not Recordable", role="injured", recordable=False))
    when = dt.datetime(YEAR - 1, 12, 30, 12, tzinfo=dt.UTC)
    iid = make_incident(occurred_at=when, reported_at=when + dt.timedelta(hours=1), title="Last year")
    with db.transaction() as s:
        s.add(
            Person(
                incident_id=iid,
                name="Last Year",
                role="injured",
                recordable=True,
                osha_outcome="days_away",
                osha_case_type="injury",
                days_away=5,
            )
        )
    when = dt.datetime(YEAR, 9, 1, 12, tzinfo=dt.UTC)
    iid = make_incident(occurred_at=when, reported_at=when + dt.timedelta(hours=1), title="Voided")
    with db.transaction() as s:
        s.add(
            Person(
                incident_id=iid,
                name="Voided Case",
                role="injured",
                recordable=True,
                osha_outcome="death",
                osha_case_type="injury",
            )
        )
        s.get(Incident, iid).voided = True
    iid = make_incident(
        occurred_at=when,
        reported_at=when + dt.timedelta(hours=1),
        title="Depot",
        site_id=refs["site"]["Test Depot"],
        location_id=refs["location"]["Yard"],
    )
    with db.transaction() as s:
        s.add(
            Person(
                incident_id=iid,
                name="Depot Case",
                role="injured",
                recordable=True,
                osha_outcome="other",
                osha_case_type="injury",
            )
        )


@pytest.fixture
def plant(db: Any, make_incident: Any, refs: dict[str, Any]) -> int:
    make_cases(db, make_incident, refs)
    # 12 months: 40 employees for 6 months, 50 for 6 months -> (240 + 300) / 12 = 45; hours 7000 × 6 + 8500 × 6
    add_hours(db, refs["site"]["Test Plant"], YEAR, [("7000", 40)] * 6 + [("8500.4", 50)] * 6)
    add_hours(db, refs["site"]["Test Plant"], YEAR - 1, [("1", 1)])
    return int(refs["site"]["Test Plant"])


def test_300a_totals_match_hand_computed(db: Any, plant: int) -> None:
    with db.reading() as s:
        summary = osha.summary(s, s.get(Site, plant), YEAR)
    assert summary.outcome_cases == {"G": 1, "H": 3, "I": 2, "J": 2}
    assert summary.days_away == 12 + 180 + 3  # K, 200 capped at 180
    assert summary.days_restricted == 30 + 10 + 2 + 7  # L
    assert summary.types == {"1": 3, "2": 1, "3": 1, "4": 1, "5": 1, "6": 1}
    assert summary.annual_average_employees == 45
    # 7000 × 6 + 8500.4 × 6 = 93002.4, rounded to whole hours
    assert summary.total_hours_worked == Decimal("93002")
    assert summary.peak_employees == 50
    assert summary.total_cases == 8


def test_300a_pdf_shows_totals_and_not_official(db: Any, actors: dict[str, Any], plant: int) -> None:
    with db.reading() as s:
        data = form_300a(s, actors["manager"], s.get(Site, plant), YEAR)
    reader, pages = pdf_text(data)
    text = " ".join(pages).replace("\n", " ")
    assert len(reader.pages) == 1
    assert "not an official OSHA form" in text
    assert "Test Plant" in text and "Springfield" in text and "332312" in text
    assert "195" in text and "49" in text  # K and L
    assert "93,002" in text and "45" in text
    assert "Page 1 of 1" in text


def test_300_log_privacy_case_never_named(db: Any, actors: dict[str, Any], plant: int) -> None:
    with db.reading() as s:
        data = form_300(s, actors["admin"], s.get(Site, plant), YEAR)  # even a reader allowed private details
    _reader, pages = pdf_text(data)
    text = " ".join(pages)
    assert "Secret Sam" not in text
    assert "privacy case" in text
    for name in ("Ann Archer", "Ben Baker", "Pam Poison"):
        assert name in text
    for absent in ("Not Recordable", "Last Year", "Voided Case", "Depot Case"):
        assert absent not in text
    assert "not an official OSHA form" in text
    for i, page in enumerate(pages, 1):
        assert f"Page {i} of {len(pages)}" in page


def test_300_privacy_list_on_request(db: Any, actors: dict[str, Any], plant: int) -> None:
    with db.reading() as s:
        site = s.get(Site, plant)
        _r, pages = pdf_text(form_300(s, actors["manager"], site, YEAR, privacy_list=True))
        with pytest.raises(PermissionDenied):
            form_300(s, actors["reporter"], site, YEAR, privacy_list=True)
    assert "Secret Sam" not in " ".join(pages[:-1])
    assert "Confidential list of privacy cases" in pages[-1] and "Secret Sam" in pages[-1]
    assert f"{YEAR}-006" in pages[-1]


def test_300_log_pages_carry_totals(
    db: Any, actors: dict[str, Any], make_incident: Any, refs: dict[str, Any]
) -> None:
    for n in range(15):
        when = dt.datetime(YEAR, 3, 1 + n, 9, tzinfo=dt.UTC)
        iid = make_incident(occurred_at=when, reported_at=when + dt.timedelta(hours=1), title=f"Cut {n}")
        with db.transaction() as s:
            s.add(
                Person(
                    incident_id=iid,
                    name=f"Worker {n}",
                    role="injured",
                    recordable=True,
                    osha_case_number=f"{YEAR}-{n + 1:03d}",
                    osha_outcome="other",
                    osha_case_type="injury",
                )
            )
    with db.reading() as s:
        data = form_300(s, actors["officer"], s.get(Site, refs["site"]["Test Plant"]), YEAR)
    _reader, pages = pdf_text(data)
    assert len(pages) == 2
    assert all("Page totals" in p for p in pages)
    assert "Totals for the year (15 cases)" in " ".join(pages[1].split())
    assert "Worker 14" in pages[1] and "Worker 0" in pages[0]


def test_301_for_a_case(db: Any, actors: dict[str, Any], plant: int) -> None:
    with db.reading() as s:
        site = s.get(Site, plant)
        data = form_301(s, actors["officer"], site, YEAR, f"{YEAR}-002")
        _r, pages = pdf_text(data)
        assert (
            "Ben Baker" in pages[0] and f"{YEAR}-002" in pages[0] and "not an official OSHA form" in pages[0]
        )
        assert "07:00" in pages[0] and "10:30" in pages[0]
        with pytest.raises(NotFound):
            form_301(s, actors["officer"], site, YEAR, "1999-999")
        # A reporter may not print OSHA records at all.
        with pytest.raises(PermissionDenied):
            form_301(s, actors["reporter"], site, YEAR, f"{YEAR}-002")
        everything = form_301(s, actors["officer"], site, YEAR)
    _reader, pages = pdf_text(everything)
    assert len(pages) == 8


def test_establishment_lookup(db: Any) -> None:
    with db.reading() as s:
        assert osha.find_establishment(s, "tp").name == "Test Plant"
        assert osha.find_establishment(s, "test depot").name == "Test Depot"
        with pytest.raises(ValidationError, match="Choose an establishment"):
            osha.find_establishment(s, None)
        with pytest.raises(NotFound):
            osha.find_establishment(s, "Nowhere")
