"""OSHA recordkeeping data: the establishment, its Form 300 cases for a year and the 300A totals (in SQL).

A case is a person recorded as recordable on a non-void incident at the establishment (site)
whose local date of occurrence falls in the year. Day counts are capped at 180. The 300A
totals and the hours come from GROUP BY queries; the annual average number of employees is
the sum of the monthly head counts in ``hours_worked`` divided by 12 (monthly pay periods),
rounded to a whole number, as OSHA's worksheet does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from incident_desk.errors import NotFound, ValidationError
from incident_desk.incidents.models import Incident, Person
from incident_desk.org.models import HoursWorked, Location, Organisation, Site
from incident_desk.reports import osha_codes as codes

PRIVACY_CASE = "privacy case"


@dataclass(frozen=True)
class Establishment:
    site_id: int
    name: str
    street: str
    city: str
    state: str
    zip: str
    naics_code: str
    industry_description: str
    establishment_type: int
    company_name: str
    ein: str


@dataclass
class Case:
    person_id: int
    incident_id: int
    reference: str
    case_number: str
    name: str
    privacy_case: bool
    job_title: str
    date: dt.date
    where: str
    description: str
    outcome: codes.Code | None
    case_type: codes.Code | None
    days_away: int
    days_restricted: int
    # Form 301 and the ITA case file
    address: str = ""
    date_of_birth: dt.date | None = None
    date_hired: dt.date | None = None
    sex: str = ""
    physician: str = ""
    treatment_facility: str = ""
    treatment_facility_type: str = ""
    treated_in_er: bool | None = None
    hospitalized_inpatient: bool | None = None
    time_started_work: dt.time | None = None
    time_of_event: dt.time | None = None
    activity_before: str = ""
    what_happened: str = ""
    injury_illness: str = ""
    object_substance: str = ""
    date_of_death: dt.date | None = None

    def log_name(self) -> str:
        """Column B as written on the 300 log: never the name of a privacy case."""
        return PRIVACY_CASE if self.privacy_case else self.name


@dataclass
class Summary:
    establishment: Establishment
    year: int
    outcome_cases: dict[str, int] = field(default_factory=dict)  # G, H, I, J
    days_away: int = 0  # K
    days_restricted: int = 0  # L
    types: dict[str, int] = field(default_factory=dict)  # "1" … "6"
    annual_average_employees: int = 0
    total_hours_worked: Decimal = Decimal("0")
    peak_employees: int = 0
    months_with_hours: int = 0
    unclassified: int = 0  # cases without a valid outcome or type

    @property
    def total_cases(self) -> int:
        return sum(self.outcome_cases.values())


def establishments(session: Session) -> list[Site]:
    return list(session.scalars(select(Site).order_by(Site.name)))


def find_establishment(session: Session, name: str | int | None) -> Site:
    """A site by id, name or code; with no name given, the only site (else a clear error)."""
    sites = establishments(session)
    if name is None or str(name).strip() == "":
        active = [s for s in sites if s.active] or sites
        if len(active) == 1:
            return active[0]
        raise ValidationError(
            "Choose an establishment: " + ", ".join(s.name for s in active)
            if active
            else "No sites are set up yet: add a site with its establishment details first."
        )
    text = str(name).strip()
    for s in sites:
        if text.isdigit() and s.id == int(text):
            return s
    for s in sites:
        if s.name.lower() == text.lower() or (s.code and s.code.lower() == text.lower()):
            return s
    raise NotFound(f"No establishment (site) named {text!r}. Sites: " + ", ".join(s.name for s in sites))


def establishment(session: Session, site: Site) -> Establishment:
    org = session.get(Organisation, 1)
    return Establishment(
        site.id,
        site.name,
        site.street,
        site.city,
        site.state,
        site.zip,
        site.naics_code,
        site.industry_description,
        site.establishment_type or 1,
        (org.company_name or org.name) if org else "",
        org.ein if org else "",
    )


def _year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def _case_conditions(site_id: int, year: int) -> list:  # type: ignore[type-arg]
    start, end = _year_bounds(year)
    return [
        Incident.site_id == site_id,
        Incident.voided.is_(False),
        Incident.occurred_date >= start,
        Incident.occurred_date <= end,
        Person.recordable.is_(True),
    ]


def cases(session: Session, site_id: int, year: int, *, case_number: str | None = None) -> list[Case]:
    """The year's cases for the establishment, in case-number order."""
    stmt = (
        select(Person, Incident.reference, Incident.occurred_date, Incident.description, Location.name)
        .join(Incident, Incident.id == Person.incident_id)
        .outerjoin(Location, Location.id == Incident.location_id)
        .where(*_case_conditions(site_id, year))
        .order_by(Incident.occurred_date, Person.osha_case_number, Person.id)
    )
    if case_number:
        stmt = stmt.where(or_(Person.osha_case_number == case_number, Incident.reference == case_number))
    out = []
    for p, reference, date, description, location in session.execute(stmt):
        injury = ", ".join(x for x in (p.nature_of_injury, _body(p)) if x)
        what = ", ".join(x for x in (injury, p.object_substance and f"by {p.object_substance}") if x)
        out.append(
            Case(
                person_id=p.id,
                incident_id=p.incident_id,
                reference=reference,
                case_number=p.osha_case_number or reference,
                name=p.name,
                privacy_case=p.privacy_case,
                job_title=p.job_title,
                date=date,
                where=location or "",
                description=what or (description or "")[:100],
                outcome=codes.outcome(p.osha_outcome),
                case_type=codes.case_type(p.osha_case_type),
                days_away=codes.capped(p.days_away),
                days_restricted=codes.capped(p.days_restricted),
                address=p.address,
                date_of_birth=p.date_of_birth,
                date_hired=p.date_hired,
                sex=p.sex,
                physician=p.physician,
                treatment_facility=p.treatment_facility,
                treatment_facility_type=p.treatment_facility_type,
                treated_in_er=p.treated_in_er,
                hospitalized_inpatient=p.hospitalized_inpatient,
                time_started_work=p.time_started_work,
                time_of_event=p.time_of_event,
                activity_before=p.activity_before,
                what_happened=description or "",
                injury_illness=injury,
                object_substance=p.object_substance,
                date_of_death=p.date_of_death,
            )
        )
    out.sort(key=lambda c: (_case_sort(c.case_number), c.date))
    return out


def _case_sort(number: str) -> tuple[str, int, str]:
    head, _, tail = number.rpartition("-")
    return (head, int(tail), "") if tail.isdigit() else (number, 0, number)


def _body(p: Person) -> str:
    side = p.body_side if p.body_side in ("left", "right", "both") else ""
    return f"{side} {p.body_part.lower()}".strip() if p.body_part else ""


def summary(session: Session, site: Site, year: int) -> Summary:
    """The 300A figures: case and day totals and types by GROUP BY, hours and head counts by SUM."""
    result = Summary(establishment(session, site), year)
    result.outcome_cases = {c.column: 0 for c in codes.OUTCOMES}
    result.types = {c.column: 0 for c in codes.CASE_TYPES}
    cap = codes.DAY_CAP
    rows = session.execute(
        select(
            func.lower(Person.osha_outcome),
            func.lower(Person.osha_case_type),
            func.count(),
            func.coalesce(
                func.sum(
                    case((Person.days_away > cap, cap), (Person.days_away < 0, 0), else_=Person.days_away)
                ),
                0,
            ),
            func.coalesce(
                func.sum(
                    case(
                        (Person.days_restricted > cap, cap),
                        (Person.days_restricted < 0, 0),
                        else_=Person.days_restricted,
                    )
                ),
                0,
            ),
        )
        .join(Incident, Incident.id == Person.incident_id)
        .where(*_case_conditions(site.id, year))
        .group_by(func.lower(Person.osha_outcome), func.lower(Person.osha_case_type))
    )
    for outcome_key, type_key, count, away, restricted in rows:
        o, t = codes.outcome(outcome_key), codes.case_type(type_key)
        if o is None or t is None:
            result.unclassified += int(count)
        if o is not None:
            result.outcome_cases[o.column] += int(count)
        if t is not None:
            result.types[t.column] += int(count)
        result.days_away += int(away)
        result.days_restricted += int(restricted)
    hours, heads, peak, months = session.execute(
        select(
            func.coalesce(func.sum(HoursWorked.hours), 0),
            func.coalesce(func.sum(HoursWorked.employees), 0),
            func.coalesce(func.max(HoursWorked.employees), 0),
            func.count(),
        ).where(HoursWorked.site_id == site.id, HoursWorked.year == year)
    ).one()
    result.total_hours_worked = Decimal(hours).quantize(Decimal("1"), ROUND_HALF_UP)
    result.annual_average_employees = int((Decimal(int(heads)) / 12).quantize(Decimal("1"), ROUND_HALF_UP))
    result.peak_employees = int(peak)
    result.months_with_hours = int(months)
    return result


def case_years(session: Session, site_id: int | None = None) -> list[int]:
    """Years in which the establishment (or any) has recordable cases, newest first."""
    year = func.extract("year", Incident.occurred_date)
    stmt = (
        select(year)
        .join(Person, Person.incident_id == Incident.id)
        .where(Person.recordable.is_(True), Incident.voided.is_(False))
        .group_by(year)
        .order_by(year.desc())
    )
    if site_id is not None:
        stmt = stmt.where(Incident.site_id == site_id)
    return [int(y) for (y,) in session.execute(stmt)]
