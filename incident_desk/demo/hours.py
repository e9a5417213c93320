"""Demo hours worked and head count per site per month, for the recordable rates (TRIR, DART, LTIFR)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import delete

from incident_desk.db.bulk import bulk_insert
from incident_desk.demo.context import DemoContext
from incident_desk.org.models import HoursWorked

HOURS_PER_EMPLOYEE_MONTH = 160


def hours_step(ctx: DemoContext) -> None:
    """One row per site and month of the demo period: ~150–600 employees × ~160 h, drifting slowly."""
    s, rng = ctx.session, ctx.rng
    first = ctx.start.year * 12 + ctx.start.month - 1
    last = ctx.now.year * 12 + ctx.now.month - 1
    s.execute(delete(HoursWorked).where(HoursWorked.site_id.in_(ctx.site_ids)))
    rows: list[dict[str, Any]] = []
    # A bigger demo log stands for a bigger workforce, so TRIR and LTIFR stay in a plausible range
    # (about 3-6) whatever --incidents is.
    scale = max(1.0, ctx.count / (350 * ctx.years))
    for site_id in ctx.site_ids:
        headcount = float(rng.randrange(150, 600)) * scale
        for n in range(first, last + 1):
            headcount = min(650.0 * scale, max(120.0 * scale, headcount * rng.uniform(0.97, 1.035)))
            employees = round(headcount)
            # Holidays and overtime move the monthly hours around the nominal 160 per person.
            hours = Decimal(round(employees * HOURS_PER_EMPLOYEE_MONTH * rng.uniform(0.9, 1.06)))
            rows.append(
                dict(
                    site_id=site_id,
                    year=n // 12,
                    month=n % 12 + 1,
                    hours=hours,
                    employees=employees,
                    updated_at=ctx.now,
                )
            )
    if rows:
        bulk_insert(s, HoursWorked.__table__, rows)
    ctx.extra["hours_rows"] = len(rows)


STEPS = [("hours", hours_step)]
