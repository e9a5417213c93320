"""OSHA ITA CSV export: exact headers, values, and validation that lists every problem by case."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from sqlalchemy import select

from incident_desk.audit.models import AuditEvent
from incident_desk.incidents.models import Person
from incident_desk.org.models import Organisation, Site
from incident_desk.reports import exports, ita
from tests.test_osha import YEAR, make_cases
from tests.test_reports_fixtures import add_hours

SUMMARY_HEADER = (
    "establishment_name,ein,company_name,street_address,city,state,zip,naics_code,industry_description,size,"
    "establishment_type,year_filing_for,annual_average_employees,total_hours_worked,no_injuries_illnesses,"
    "total_deaths,total_dafw_cases,total_djtr_cases,total_other_cases,total_dafw_days,total_djtr_days,"
    "total_injuries,total_skin_disorders,total_respiratory_conditions,total_poisonings,total_hearing_loss,"
    "total_other_illnesses,change_reason"
)
CASE_HEADER = (
    "establishment_name,year_of_filing,case_number,job_title,date_of_incident,incident_location,"
    "incident_description,incident_outcome,dafw_num_away,djtr_num_tr,type_of_incident,date_of_birth,date_of_hire,"
    "sex,treatment_facility_type,treatment_in_patient,time_started_work,time_of_incident,time_unknown,"
    "nar_before_incident,nar_what_happened,nar_injury_illness,nar_object_substance,date_of_death"
)


@pytest.fixture
def plant(db: Any, make_incident: Any, refs: dict[str, Any]) -> Site:
    make_cases(db, make_incident, refs)
    add_hours(db, refs["site"]["Test Plant"], YEAR, [("7000", 40)] * 6 + [("8500.4", 50)] * 6)
    with db.transaction() as s:
        org = s.get(Organisation, 1)
        org.ein, org.company_name = "12-3456789", "Test Company"
        # The death case needs its date of death.
        for p in s.scalars(select(Person).where(Person.osha_outcome == "death")):
            p.date_of_death = p.incident.occurred_date
        return s.get(Site, refs["site"]["Test Plant"])


def test_summary_file_headers_and_values(db: Any, actors: dict[str, Any], plant: Site) -> None:
    with db.reading() as s:
        data, n = ita.summary_csv(s, actors["officer"], YEAR, [s.get(Site, plant.id)])
    text = data.decode()
    assert text.splitlines()[0] == SUMMARY_HEADER
    rows = list(csv.DictReader(io.StringIO(text)))
    assert n == 1 and len(rows) == 1
    r = rows[0]
    assert r["establishment_name"] == "Test Plant" and r["ein"] == "123456789" and r["state"] == "IL"
    assert r["zip"] == "62701" and r["naics_code"] == "332312" and r["year_filing_for"] == str(YEAR)
    assert r["size"] == "21"  # peak 50 employees
    assert (r["annual_average_employees"], r["total_hours_worked"]) == ("45", "93002")
    assert (r["total_deaths"], r["total_dafw_cases"], r["total_djtr_cases"], r["total_other_cases"]) == (
        "1",
        "3",
        "2",
        "2",
    )
    assert (r["total_dafw_days"], r["total_djtr_days"]) == ("195", "49")
    assert [
        r[k]
        for k in (
            "total_injuries",
            "total_skin_disorders",
            "total_respiratory_conditions",
            "total_poisonings",
            "total_hearing_loss",
            "total_other_illnesses",
        )
    ] == ["3", "1", "1", "1", "1", "1"]
    assert r["no_injuries_illnesses"] == "1"


def test_case_file_headers_and_values(db: Any, actors: dict[str, Any], plant: Site) -> None:
    with db.reading() as s:
        data, n = ita.cases_csv(s, actors["officer"], YEAR, [s.get(Site, plant.id)])
    text = data.decode()
    assert text.splitlines()[0] == CASE_HEADER
    rows = list(csv.DictReader(io.StringIO(text)))
    assert n == len(rows) == 8
    first = next(r for r in rows if r["case_number"] == f"{YEAR}-001")
    assert first["date_of_incident"] == f"01/10/{YEAR}" and first["incident_outcome"] == "2"
    assert first["dafw_num_away"] == "12" and first["type_of_incident"] == "1"
    assert first["time_started_work"] == "07:00" and first["time_unknown"] == "0"
    capped = next(r for r in rows if r["case_number"] == f"{YEAR}-004")
    assert capped["dafw_num_away"] == "180"
    # No names in the ITA file at all, privacy case or not.
    assert "Secret Sam" not in text and "Ann Archer" not in text


def test_validation_lists_every_problem_by_case(db: Any, actors: dict[str, Any], plant: Site) -> None:
    with db.transaction() as s:
        site = s.get(Site, plant.id)
        site.state, site.zip, site.naics_code, site.street = "XX", "6270", "33231", ""
        site.name = "Plant #1 (north)"
        p = s.scalars(select(Person).where(Person.osha_case_number == f"{YEAR}-002")).one()
        p.job_title, p.osha_outcome = "", ""
        q = s.scalars(select(Person).where(Person.osha_case_number == f"{YEAR}-003")).one()
        q.object_substance = "sheet metal " * 100
    with db.reading() as s, pytest.raises(ita.ItaValidationError) as summary_err:
        ita.summary_csv(s, actors["officer"], YEAR, [s.get(Site, plant.id)])
    fields = {(p.field) for p in summary_err.value.problem_list}
    assert {"state", "zip", "naics_code", "street_address", "establishment_name"} <= fields
    assert "contains characters OSHA rejects: # ( )" in str(summary_err.value)
    with db.reading() as s, pytest.raises(ita.ItaValidationError) as case_err:
        ita.cases_csv(s, actors["officer"], YEAR, [s.get(Site, plant.id)])
    problems = {(p.where.split(" (")[0], p.field) for p in case_err.value.problem_list}
    assert (f"Case {YEAR}-002", "job_title") in problems
    assert (f"Case {YEAR}-002", "incident_outcome") in problems
    assert (f"Case {YEAR}-003", "incident_description") in problems
    assert "OSHA accepts at most 1000" in str(case_err.value)


def test_ita_export_writes_file_and_audits(
    db: Any, actors: dict[str, Any], plant: Site, tmp_path: Any
) -> None:
    out = tmp_path / "summary.csv"
    with db.transaction() as s:
        n = exports.export_ita(s, actors["officer"], "summary", YEAR, out, [s.get(Site, plant.id)])
    assert n == 1 and out.read_text().startswith("establishment_name,ein,")
    with db.reading() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.kind == "export")).one()
        assert "ITA summary" in event.summary
