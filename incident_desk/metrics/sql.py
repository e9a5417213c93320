"""Dialect-aware SQL building blocks for metrics: durations, period keys and percentiles.

SQLite has no interval type and no ``percentile_cont``; PostgreSQL has both. The constructs
here compile to the right SQL for each, so the metric queries are written once.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from sqlalchemy import Float, Integer, String, func, literal, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.visitors import InternalTraversal

from incident_desk.db.base import UTCDateTime
from incident_desk.db.sqlfunctions import duration_seconds as duration_seconds  # re-exported for the metrics

PERIOD_UNITS = ("day", "week", "month", "quarter", "year")


class period_start(FunctionElement[str]):
    """The first day of the day/week/month/quarter/year containing a date, as 'YYYY-MM-DD' text.

    Weeks start on Monday. ``weekday`` is the incident's stored occurred_weekday (0 = Monday),
    which saves SQLite a date calculation per row.
    """

    type = String()
    inherit_cache = True
    name = "period_start"
    # The unit is part of the statement cache key: a month query must never reuse a week's SQL.
    _traverse_internals = [*FunctionElement._traverse_internals, ("unit", InternalTraversal.dp_string)]

    def __init__(self, date: Any, weekday: Any, unit: str) -> None:
        if unit not in PERIOD_UNITS:
            raise ValueError(f"unknown period {unit!r}")
        self.unit = unit
        super().__init__(date, weekday)


@compiles(period_start)
def _period_sqlite(element: period_start, compiler: Any, **kw: Any) -> str:
    date, weekday = (compiler.process(c, **kw) for c in element.clauses)
    unit = element.unit
    if unit == "day":
        return f"date({date})"
    if unit == "week":
        return f"date({date}, '-' || {weekday} || ' days')"
    if unit == "month":
        return f"strftime('%Y-%m-01', {date})"
    if unit == "quarter":
        return (
            f"printf('%s-%02d-01', strftime('%Y', {date}), "
            f"((CAST(strftime('%m', {date}) AS INTEGER) - 1) / 3) * 3 + 1)"
        )
    return f"strftime('%Y-01-01', {date})"


@compiles(period_start, "postgresql")
def _period_pg(element: period_start, compiler: Any, **kw: Any) -> str:
    date, weekday = (compiler.process(c, **kw) for c in element.clauses)
    unit = element.unit
    if unit == "day":
        return f"to_char({date}, 'YYYY-MM-DD')"
    if unit == "week":
        return f"to_char({date} - CAST({weekday} AS INTEGER), 'YYYY-MM-DD')"
    return f"to_char(date_trunc('{unit}', {date}), 'YYYY-MM-DD')"


def period_bounds(start: dt.date, unit: str) -> tuple[dt.date, dt.date]:
    """First and last day (inclusive) of the period starting on ``start``."""
    if unit == "day":
        return start, start
    if unit == "week":
        return start, start + dt.timedelta(days=6)
    months = {"month": 1, "quarter": 3, "year": 12}[unit]
    month = start.month - 1 + months
    nxt = dt.date(start.year + month // 12, month % 12 + 1, 1)
    return start, nxt - dt.timedelta(days=1)


def next_period(start: dt.date, unit: str) -> dt.date:
    return period_bounds(start, unit)[1] + dt.timedelta(days=1)


def period_key_start(date: dt.date, unit: str) -> dt.date:
    """The Python twin of ``period_start``, for filling empty periods and previous windows."""
    if unit == "day":
        return date
    if unit == "week":
        return date - dt.timedelta(days=date.weekday())
    if unit == "month":
        return date.replace(day=1)
    if unit == "quarter":
        return dt.date(date.year, (date.month - 1) // 3 * 3 + 1, 1)
    return dt.date(date.year, 1, 1)


def as_timestamp(value: dt.datetime) -> ColumnElement[dt.datetime]:
    """A bound timestamp that is stored the way the columns are (naive UTC text on SQLite)."""
    return literal(value, UTCDateTime())


def to_date(value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


# -- percentiles -------------------------------------------------------------------------------


def percentiles(
    session: Session,
    value: ColumnElement[Any],
    conditions: list[ColumnElement[bool]],
    group: ColumnElement[Any] | None,
    fractions: tuple[float, ...] = (0.5, 0.9),
) -> dict[Any, dict[float, float]]:
    """Continuous percentiles (as ``percentile_cont``) of ``value`` per ``group``, computed in SQL.

    PostgreSQL uses ``percentile_cont`` directly. SQLite has no such aggregate: one query ranks
    the values within each group with ``ROW_NUMBER() OVER (PARTITION BY … ORDER BY value)`` and
    returns only the (at most two) rows on either side of each percentile position; the linear
    interpolation between them is then done here. Either way only a handful of rows per group
    leave the database. Groups are keyed by the group value (``None`` key when ungrouped).
    """
    conds = [*conditions, value.is_not(None)]
    key = group if group is not None else literal(0, Integer())
    result: dict[Any, dict[float, float]] = {}
    if session.get_bind().dialect.name == "postgresql":
        cols = [
            func.percentile_cont(f).within_group(value.asc()).label(f"p{i}") for i, f in enumerate(fractions)
        ]
        stmt = select(key.label("g"), *cols).where(*conds)
        if group is not None:
            stmt = stmt.group_by(group)
        for row in session.execute(stmt):
            result[row[0] if group is not None else None] = {
                f: float(row[i + 1]) for i, f in enumerate(fractions) if row[i + 1] is not None
            }
        return result

    partition = [group] if group is not None else []
    ranked = (
        select(
            key.label("g"),
            value.label("v"),
            func.row_number().over(partition_by=partition, order_by=value.asc()).label("rn"),
            func.count().over(partition_by=partition).label("n"),
        )
        .where(*conds)
        .subquery()
    )
    wanted = []
    for f in fractions:
        # 1-based ranks of the values either side of position f·(n-1).
        pos = (ranked.c.n - 1) * literal(f, Float())
        lower = func.cast(pos, Integer) + 1
        wanted.append(ranked.c.rn == lower)
        wanted.append(ranked.c.rn == lower + 1)
    rows = session.execute(select(ranked.c.g, ranked.c.v, ranked.c.rn, ranked.c.n).where(or_(*wanted)))
    by_group: dict[Any, tuple[int, dict[int, float]]] = {}
    for g, v, rn, n in rows:
        by_group.setdefault(g, (int(n), {}))[1][int(rn)] = float(v)
    for g, (n, values) in by_group.items():
        out: dict[float, float] = {}
        for f in fractions:
            pos = (n - 1) * f
            lo = math.floor(pos)  # the same float arithmetic as the CAST in SQL
            frac = pos - lo
            v_lo = values.get(lo + 1)
            if v_lo is None:
                continue
            v_hi = values.get(lo + 2, v_lo)
            out[f] = v_lo + (v_hi - v_lo) * frac
        result[g if group is not None else None] = out
    return result
