"""OSHA Injury Tracking Application (ITA) CSV files: the 300A summary file and the case-detail file.

Both are validated before anything is written; every problem is listed by establishment or
case, so the whole file can be put right in one go. Column names, codes and limits come from
``osha_codes``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from incident_desk.actor import Actor
from incident_desk.errors import ValidationError
from incident_desk.org.models import Site
from incident_desk.reports import osha
from incident_desk.reports import osha_codes as codes
from incident_desk.users.roles import require


@dataclass(frozen=True)
class Problem:
    where: str  # "Establishment Riverside Plant" or "Case 2025-004 (INC-2025-00012)"
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.field}: {self.message}"


class ItaValidationError(ValidationError):
    """The data would be rejected by OSHA; ``problem_list`` says what to fix, case by case."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problem_list = problems
        super().__init__([str(p) for p in problems])
        self.args = (
            f"{len(problems)} problem(s) must be fixed before the ITA file can be exported:\n"
            + "\n".join(f"  - {p}" for p in problems),
        )

    def __str__(self) -> str:
        return str(self.args[0])


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value or "")


def _text(value: Any) -> str:
    return " ".join(str(value or "").split())


def _check_text(
    problems: list[Problem],
    where: str,
    name: str,
    value: str,
    *,
    required: bool = False,
    strict_chars: bool = True,
) -> None:
    if required and not value.strip():
        problems.append(Problem(where, name, "is required"))
    limit = codes.MAX_LENGTH.get(name)
    if limit and len(value) > limit:
        problems.append(
            Problem(where, name, f"is {len(value)} characters long; OSHA accepts at most {limit}")
        )
    bad = sorted({ch for ch in value if ch in codes.REJECTED_CHARACTERS})
    if strict_chars and bad:
        problems.append(Problem(where, name, "contains characters OSHA rejects: " + " ".join(bad)))


def _clean_narrative(value: str) -> str:
    """Free text loses the characters OSHA rejects (a slash becomes a space) rather than failing the file."""
    return _text("".join(" " if ch in codes.REJECTED_CHARACTERS else ch for ch in value))


def summary_row(session: Session, site: Site, year: int, problems: list[Problem]) -> dict[str, str]:
    s = osha.summary(session, site, year)
    est = s.establishment
    where = f"Establishment {est.name}"
    zip_digits = _digits(est.zip)
    row = {
        "establishment_name": _text(est.name),
        "ein": _digits(est.ein),
        "company_name": _text(est.company_name),
        "street_address": _text(est.street),
        "city": _text(est.city),
        "state": est.state.strip().upper(),
        "zip": zip_digits,
        "naics_code": est.naics_code.strip(),
        "industry_description": _text(est.industry_description),
        "size": codes.size_code(s.peak_employees),
        "establishment_type": str(est.establishment_type),
        "year_filing_for": str(year),
        "annual_average_employees": str(s.annual_average_employees),
        "total_hours_worked": str(int(s.total_hours_worked)),
        "no_injuries_illnesses": codes.HAD_CASES if s.total_cases else codes.NO_CASES,
        "total_deaths": str(s.outcome_cases["G"]),
        "total_dafw_cases": str(s.outcome_cases["H"]),
        "total_djtr_cases": str(s.outcome_cases["I"]),
        "total_other_cases": str(s.outcome_cases["J"]),
        "total_dafw_days": str(s.days_away),
        "total_djtr_days": str(s.days_restricted),
        "total_injuries": str(s.types["1"]),
        "total_skin_disorders": str(s.types["2"]),
        "total_respiratory_conditions": str(s.types["3"]),
        "total_poisonings": str(s.types["4"]),
        "total_hearing_loss": str(s.types["5"]),
        "total_other_illnesses": str(s.types["6"]),
        "change_reason": "",
    }
    _check_text(problems, where, "establishment_name", row["establishment_name"], required=True)
    _check_text(problems, where, "company_name", row["company_name"])
    _check_text(problems, where, "street_address", row["street_address"], required=True)
    _check_text(problems, where, "city", row["city"], required=True)
    _check_text(problems, where, "industry_description", row["industry_description"], strict_chars=False)
    if row["ein"] and len(row["ein"]) != 9:
        problems.append(Problem(where, "ein", f"must be 9 digits (it has {len(row['ein'])})"))
    if row["state"] not in codes.US_STATES:
        problems.append(Problem(where, "state", f"{est.state!r} is not a 2-letter US postal code"))
    if len(zip_digits) not in (5, 9) or len(_digits(est.zip)) != len(est.zip.replace("-", "").strip()):
        problems.append(Problem(where, "zip", f"{est.zip!r} must be 5 or 9 digits"))
    if not re.fullmatch(r"\d{6}", row["naics_code"]):
        problems.append(Problem(where, "naics_code", f"{est.naics_code!r} must be a 6-digit NAICS code"))
    if est.establishment_type not in codes.ESTABLISHMENT_TYPES:
        problems.append(Problem(where, "establishment_type", f"{est.establishment_type} is not 1, 2 or 3"))
    if s.annual_average_employees <= 0:
        problems.append(
            Problem(
                where,
                "annual_average_employees",
                f"no head counts recorded for {year}: enter hours worked and employees per month",
            )
        )
    if s.total_hours_worked <= 0:
        problems.append(Problem(where, "total_hours_worked", f"no hours worked recorded for {year}"))
    elif s.annual_average_employees and s.total_hours_worked / s.annual_average_employees > 8760:
        problems.append(
            Problem(
                where,
                "total_hours_worked",
                "is more than 8,760 hours per employee: check the hours and head counts",
            )
        )
    if s.unclassified:
        problems.append(Problem(where, "cases", f"{s.unclassified} case(s) lack a valid outcome or type"))
    return row


def _date(value: Any) -> str:
    return value.strftime(codes.DATE_FORMAT) if value else ""


def case_rows(session: Session, site: Site, year: int, problems: list[Problem]) -> list[dict[str, str]]:
    rows = []
    for c in osha.cases(session, site.id, year):
        where = f"Case {c.case_number} ({c.reference})"
        o, t = c.outcome, c.case_type
        row = {
            "establishment_name": _text(site.name),
            "year_of_filing": str(year),
            "case_number": c.case_number,
            "job_title": _text(c.job_title),
            "date_of_incident": _date(c.date),
            "incident_location": _text(c.where),
            "incident_description": _clean_narrative(c.description),
            "incident_outcome": o.ita if o else "",
            "dafw_num_away": str(c.days_away),
            "djtr_num_tr": str(c.days_restricted),
            "type_of_incident": t.ita if t else "",
            "date_of_birth": _date(c.date_of_birth),
            "date_of_hire": _date(c.date_hired),
            "sex": codes.SEX_CODES.get(c.sex.upper(), ""),
            "treatment_facility_type": codes.TREATMENT_FACILITY_TYPES.get(
                c.treatment_facility_type.lower(), ""
            ),
            "treatment_in_patient": ""
            if c.hospitalized_inpatient is None
            else (codes.YES if c.hospitalized_inpatient else codes.NO),
            "time_started_work": c.time_started_work.strftime(codes.TIME_FORMAT)
            if c.time_started_work
            else "",
            "time_of_incident": c.time_of_event.strftime(codes.TIME_FORMAT) if c.time_of_event else "",
            "time_unknown": codes.NO if c.time_of_event else codes.YES,
            "nar_before_incident": _clean_narrative(c.activity_before),
            "nar_what_happened": _clean_narrative(c.what_happened),
            "nar_injury_illness": _clean_narrative(c.injury_illness),
            "nar_object_substance": _clean_narrative(c.object_substance),
            "date_of_death": _date(c.date_of_death),
        }
        _check_text(problems, where, "case_number", row["case_number"], required=True)
        _check_text(problems, where, "job_title", row["job_title"], required=True)
        _check_text(problems, where, "incident_location", row["incident_location"], required=True)
        _check_text(problems, where, "incident_description", row["incident_description"], required=True)
        for name in (
            "nar_before_incident",
            "nar_what_happened",
            "nar_injury_illness",
            "nar_object_substance",
        ):
            _check_text(problems, where, name, row[name])
        if o is None:
            problems.append(
                Problem(
                    where,
                    "incident_outcome",
                    "is missing: death, days away, job transfer or restriction, or other recordable",
                )
            )
        if t is None:
            problems.append(
                Problem(
                    where,
                    "type_of_incident",
                    "is missing: injury, skin disorder, respiratory, "
                    "poisoning, hearing loss or other illness",
                )
            )
        if o is not None and o.key == "days_away" and c.days_away <= 0:
            problems.append(Problem(where, "dafw_num_away", "a days-away case needs the number of days away"))
        if o is not None and o.key == "restricted" and c.days_restricted <= 0:
            problems.append(Problem(where, "djtr_num_tr", "a job-transfer case needs the number of days"))
        if o is not None and o.key == "death" and not c.date_of_death:
            problems.append(Problem(where, "date_of_death", "is required when the outcome is death"))
        if c.date_of_birth and c.date_of_birth >= c.date:
            problems.append(Problem(where, "date_of_birth", "is not before the date of the incident"))
        if c.date_hired and c.date_hired > c.date:
            problems.append(Problem(where, "date_of_hire", "is after the date of the incident"))
        rows.append(row)
    return rows


def _sites(session: Session, sites: Iterable[Site] | None) -> list[Site]:
    chosen = list(sites) if sites is not None else [s for s in osha.establishments(session) if s.active]
    if not chosen:
        raise ValidationError("No establishments (sites) to export.")
    return chosen


def to_csv(columns: tuple[str, ...], rows: list[dict[str, str]]) -> bytes:
    buf = io.StringIO(newline="")
    writer = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def summary_csv(
    session: Session, actor: Actor, year: int, sites: Iterable[Site] | None = None
) -> tuple[bytes, int]:
    """The 300A file for ``year``: one row per establishment. Raises ItaValidationError listing every problem."""
    require(actor, "export.run")
    problems: list[Problem] = []
    rows = [summary_row(session, site, year, problems) for site in _sites(session, sites)]
    if problems:
        raise ItaValidationError(problems)
    return to_csv(codes.SUMMARY_COLUMNS, rows), len(rows)


def cases_csv(
    session: Session, actor: Actor, year: int, sites: Iterable[Site] | None = None
) -> tuple[bytes, int]:
    """The case-detail file for ``year``: one row per recordable case. Raises ItaValidationError on problems."""
    require(actor, "export.run")
    problems: list[Problem] = []
    rows: list[dict[str, str]] = []
    for site in _sites(session, sites):
        rows += case_rows(session, site, year, problems)
    if problems:
        raise ItaValidationError(problems)
    return to_csv(codes.CASE_COLUMNS, rows), len(rows)
