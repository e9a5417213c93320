"""Hours worked and head count per site per month: reading, saving and importing from CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import incident_desk.db.models  # noqa: F401 - every table mapped (audit events refer to incidents)
from incident_desk import audit
from incident_desk.actor import Actor
from incident_desk.db.base import utcnow
from incident_desk.errors import NotFound, ValidationError
from incident_desk.org.models import HoursWorked, Site
from incident_desk.users.roles import require

MAX_MONTH_HOURS = Decimal("100000000")


@dataclass(frozen=True)
class MonthHours:
    site_id: int
    year: int
    month: int
    hours: Decimal
    employees: int


def year_hours(session: Session, site_id: int, year: int) -> dict[int, MonthHours]:
    """month -> recorded hours for one site and year (months without a row are absent)."""
    rows = session.scalars(
        select(HoursWorked).where(HoursWorked.site_id == site_id, HoursWorked.year == year)
    )
    return {r.month: MonthHours(r.site_id, r.year, r.month, Decimal(r.hours), r.employees) for r in rows}


def check_month(year: int, month: int, hours: Decimal, employees: int) -> list[str]:
    problems = []
    if not 1900 <= year <= 2200:
        problems.append(f"Year {year} is out of range.")
    if not 1 <= month <= 12:
        problems.append(f"Month {month} is not between 1 and 12.")
    if hours < 0:
        problems.append("Hours worked cannot be negative.")
    if hours > MAX_MONTH_HOURS:
        problems.append(f"{hours} hours in one month is implausibly many.")
    if employees < 0:
        problems.append("The number of employees cannot be negative.")
    return problems


def set_month(
    session: Session,
    actor: Actor,
    site_id: int,
    year: int,
    month: int,
    hours: Decimal,
    employees: int,
    *,
    audited: bool = True,
) -> HoursWorked:
    """Record (or correct) the hours of one site and month."""
    require(actor, "hours.edit")
    site = session.get(Site, site_id)
    if site is None:
        raise NotFound(f"There is no site with id {site_id}.")
    problems = check_month(year, month, hours, employees)
    if problems:
        raise ValidationError(problems)
    row = session.scalars(
        select(HoursWorked).where(
            HoursWorked.site_id == site_id, HoursWorked.year == year, HoursWorked.month == month
        )
    ).first()
    old = (Decimal(row.hours), row.employees) if row else None
    if row is None:
        row = HoursWorked(site_id=site_id, year=year, month=month, hours=hours, employees=employees)
        session.add(row)
    else:
        row.hours, row.employees, row.updated_at = hours, employees, utcnow()
    session.flush()
    if audited and old != (hours, employees):
        audit.record(
            session,
            actor,
            "hours.set",
            entity="hours_worked",
            entity_id=row.id,
            summary=f"Hours worked for {site.name}, {year}-{month:02d}: {hours} h, {employees} employees",
            details={
                "site_id": site_id,
                "year": year,
                "month": month,
                "hours": str(hours),
                "employees": employees,
                "previous": [str(old[0]), old[1]] if old else None,
            },
        )
    return row


def save_year(
    session: Session, actor: Actor, site_id: int, year: int, months: dict[int, tuple[Decimal, int]]
) -> int:
    """Save several months of one site and year in one unit of work; returns how many changed."""
    current = year_hours(session, site_id, year)
    changed = 0
    for month, (hours, employees) in sorted(months.items()):
        cur = current.get(month)
        if cur is not None and (cur.hours, cur.employees) == (hours, employees):
            continue
        set_month(session, actor, site_id, year, month, hours, employees)
        changed += 1
    return changed


CSV_COLUMNS = ("site", "year", "month", "hours", "employees")


def import_csv(session: Session, actor: Actor, source: Path | str) -> int:
    """Import hours from CSV with columns site (name or code), year, month, hours, employees.

    All rows or none: any problem raises ValidationError listing the line numbers. Returns the
    number of months written. ``source`` is a path or the CSV text itself.
    """
    require(actor, "hours.edit")
    text = Path(source).read_text(encoding="utf-8-sig") if isinstance(source, Path) else source
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        raise ValidationError(
            f"The CSV file lacks the column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)} (expected: {', '.join(CSV_COLUMNS)})."
        )
    sites: dict[str, int] = {}
    for s in session.scalars(select(Site)):
        sites[s.name.strip().lower()] = s.id
        if s.code:
            sites.setdefault(s.code.strip().lower(), s.id)
    problems: list[str] = []
    parsed: list[tuple[int, int, int, Decimal, int]] = []
    for line, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        if not any(row.values()):
            continue
        site_id = sites.get(row["site"].lower())
        if site_id is None:
            problems.append(f"Line {line}: there is no site called “{row['site']}”.")
            continue
        try:
            year, month = int(row["year"]), int(row["month"])
            hours = Decimal(row["hours"].replace(",", ""))
            employees = int(row["employees"] or 0)
        except (ValueError, InvalidOperation):
            problems.append(
                f"Line {line}: year, month and employees must be whole numbers and hours a number."
            )
            continue
        problems.extend(f"Line {line}: {p}" for p in check_month(year, month, hours, employees))
        parsed.append((site_id, year, month, hours, employees))
    if problems:
        raise ValidationError(problems)
    for site_id, year, month, hours, employees in parsed:
        set_month(session, actor, site_id, year, month, hours, employees, audited=False)
    if parsed:
        audit.record(
            session,
            actor,
            "hours.import",
            entity="hours_worked",
            summary=f"Imported hours worked for {len(parsed)} site-months",
            details={"rows": len(parsed)},
        )
    return len(parsed)


def total_hours(session: Session) -> Decimal:
    return Decimal(str(session.execute(select(func.coalesce(func.sum(HoursWorked.hours), 0))).scalar_one()))
