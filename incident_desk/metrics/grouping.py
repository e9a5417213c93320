"""How metrics are sliced: by period, by reference data, by weekday or hour — and the drill-down filter of each slice."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from incident_desk.incidents.models import Incident
from incident_desk.incidents.query import IncidentFilter
from incident_desk.metrics.sql import period_bounds, period_start, to_date
from incident_desk.org.models import Customer, IncidentType, Location, SeverityLevel, Site


class Grouping(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    SITE = "site"
    LOCATION = "location"
    CUSTOMER = "customer"
    SEVERITY = "severity"
    TYPE = "type"
    WEEKDAY = "weekday"
    HOUR = "hour"

    @property
    def is_period(self) -> bool:
        return self.value in PERIODS

    @property
    def label(self) -> str:
        return GROUPING_LABELS[self]


PERIODS = ("day", "week", "month", "quarter", "year")
GROUPING_LABELS = {
    Grouping.DAY: "Day",
    Grouping.WEEK: "Week",
    Grouping.MONTH: "Month",
    Grouping.QUARTER: "Quarter",
    Grouping.YEAR: "Year",
    Grouping.SITE: "Site",
    Grouping.LOCATION: "Location",
    Grouping.CUSTOMER: "Customer",
    Grouping.SEVERITY: "Severity",
    Grouping.TYPE: "Incident type",
    Grouping.WEEKDAY: "Day of week",
    Grouping.HOUR: "Hour of day",
}
WEEKDAY_NAMES = tuple(calendar.day_abbr)  # Mon … Sun, 0 = Monday like occurred_weekday

_ID_COLUMNS = {
    Grouping.SITE: (Incident.site_id, "site_ids"),
    Grouping.LOCATION: (Incident.location_id, "location_ids"),
    Grouping.CUSTOMER: (Incident.customer_id, "customer_ids"),
    Grouping.SEVERITY: (Incident.severity_id, "severity_ids"),
    Grouping.TYPE: (Incident.type_id, "type_ids"),
    Grouping.WEEKDAY: (Incident.occurred_weekday, "weekdays"),
    Grouping.HOUR: (Incident.occurred_hour, "hours"),
}


@dataclass(frozen=True)
class Slice:
    """One group of a grouped metric: its key, what to call it, and the incidents it stands for."""

    key: Any
    label: str
    filter: IncidentFilter
    sort: Any = 0
    colour: str = ""


def group_column(grouping: Grouping | str) -> ColumnElement[Any]:
    """The SQL expression to GROUP BY for ``grouping``."""
    grouping = Grouping(grouping)
    if grouping.is_period:
        return period_start(Incident.occurred_date, Incident.occurred_weekday, grouping.value)
    return _ID_COLUMNS[grouping][0]


def drill_filter(base: IncidentFilter, grouping: Grouping | str, key: Any) -> IncidentFilter:
    """``base`` narrowed to the incidents of one group (what a click on its bar should list)."""
    grouping = Grouping(grouping)
    if grouping.is_period:
        first, last = period_bounds(to_date(key), grouping.value)
        if base.date_from and base.date_from > first:
            first = base.date_from
        if base.date_to and base.date_to < last:
            last = base.date_to
        return base.with_(date_from=first, date_to=last)
    column, field = _ID_COLUMNS[grouping]
    if key is None:
        return base.with_(extra=(*base.extra, column.is_(None)))
    return base.with_(**{field: (key,)})


def reference_names(session: Session, grouping: Grouping | str) -> dict[Any, tuple[str, Any, str]]:
    """key -> (label, sort key, colour) for every possible key of ``grouping`` (small tables only)."""
    grouping = Grouping(grouping)
    if grouping is Grouping.SEVERITY:
        return {r.id: (r.name, r.rank, r.colour) for r in session.scalars(select(SeverityLevel))}
    if grouping is Grouping.TYPE:
        return {r.id: (r.name, r.name.lower(), "") for r in session.scalars(select(IncidentType))}
    if grouping is Grouping.SITE:
        return {r.id: (r.name, r.name.lower(), "") for r in session.scalars(select(Site))}
    if grouping is Grouping.CUSTOMER:
        return {r.id: (r.name, r.name.lower(), "") for r in session.scalars(select(Customer))}
    if grouping is Grouping.LOCATION:
        # The site's short code keeps labels short enough for chart axes ("Yard (NDC)").
        rows = session.execute(
            select(Location.id, Location.name, Site.name, Site.code).join(Site, Site.id == Location.site_id)
        )
        return {
            lid: (f"{lname} ({code or sname})", (sname.lower(), lname.lower()), "")
            for lid, lname, sname, code in rows
        }
    if grouping is Grouping.WEEKDAY:
        return {i: (WEEKDAY_NAMES[i], i, "") for i in range(7)}
    if grouping is Grouping.HOUR:
        return {h: (f"{h:02d}:00", h, "") for h in range(24)}
    return {}


NONE_LABELS = {Grouping.SITE: "No site", Grouping.LOCATION: "No location", Grouping.CUSTOMER: "No customer"}


def period_label(start: dt.date, unit: str) -> str:
    if unit == "day":
        return start.strftime("%d %b %Y")
    if unit == "week":
        return f"Wk {start.isocalendar()[1]} {start.isocalendar()[0]}"
    if unit == "month":
        return start.strftime("%b %Y")
    if unit == "quarter":
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    return str(start.year)


def make_slices(
    session: Session, base: IncidentFilter, grouping: Grouping | str, keys: list[Any]
) -> dict[Any, Slice]:
    """A ``Slice`` for each key, with labels from the reference tables and drill-down filters."""
    grouping = Grouping(grouping)
    out: dict[Any, Slice] = {}
    if grouping.is_period:
        for key in keys:
            start = to_date(key)
            out[key] = Slice(
                key, period_label(start, grouping.value), drill_filter(base, grouping, start), start
            )
        return out
    names = reference_names(session, grouping)
    for key in keys:
        if key is None:
            out[key] = Slice(
                None, NONE_LABELS.get(grouping, "None"), drill_filter(base, grouping, None), (1, "")
            )
            continue
        label, sort, colour = names.get(key, (str(key), str(key), ""))
        out[key] = Slice(key, label, drill_filter(base, grouping, key), (0, sort), colour)
    return out
