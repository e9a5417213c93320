"""Demo bulk inserts from tuples, converted a column at a time.

``db.bulk.bulk_insert`` takes dicts and runs every value through SQLAlchemy's bind processing
(memoised per distinct value, which pays off for imports but not for the demo, whose timestamps
are all different). The demo generates millions of values, so here rows are plain tuples in a
given column order: on SQLite each column that needs converting goes through one function in a
single ``map`` (timestamps formatted directly, to the same text SQLAlchemy writes), and the
driver's executemany takes the result. PostgreSQL goes through ``bulk_insert`` unchanged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from itertools import repeat
from typing import Any

from sqlalchemy import Boolean, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from incident_desk.db.base import UTCDateTime
from incident_desk.db.bulk import bulk_insert, column_default, memoised

_UTC = dt.UTC
Converter = Callable[[Any], Any]
Plan = tuple[str, list[tuple[int, Callable[[Any], Converter]]], list[str]]
# (dialect, table, columns) -> SQL, (column index, converter factory), columns filled with their defaults.
_PLANS: dict[tuple[str, str, tuple[str, ...]], Plan] = {}


def sqlite_timestamp(value: dt.datetime | None) -> str | None:
    """The text SQLAlchemy stores on SQLite for a ``UTCDateTime`` (naive UTC, microseconds always)."""
    if value is None:
        return None
    if value.tzinfo is not _UTC:
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given where a timezone-aware one is required")
        value = value.astimezone(_UTC)
    return value.isoformat(" ", "microseconds")[:26]


class Stamps(dict[Any, str | None]):
    """Timestamps already formatted for SQLite, shared by the inserts of one batch.

    The generators reuse one datetime object for an incident's stage in its row, its history,
    its assessment and its signatures; each distinct value is formatted once (a lookup is a
    plain dict access: ``map(stamps.__getitem__, …)``).
    """

    def __missing__(self, value: dt.datetime | None) -> str | None:
        text = self[value] = sqlite_timestamp(value)
        return text


def _plan(dialect: Dialect, table: Table, columns: tuple[str, ...]) -> Plan:
    """The SQL, a converter factory per column that needs one, and the left-out columns with a default."""
    key = (dialect.name, table.name, columns)
    if key not in _PLANS:
        names = list(columns)
        for col in table.c:
            if col.key not in columns and column_default(table, col.key)[0]:
                names.append(col.key)
        # Each factory takes the call's shared ``stamps`` (or None) and returns the converter.
        factories: list[tuple[int, Callable[[Any], Converter]]] = []
        for i, name in enumerate(names):
            type_ = table.c[name].type
            factory: Callable[[Any], Converter] | None = None
            if isinstance(type_, Boolean):
                pass  # the driver stores True/False as 1/0, as SQLAlchemy's int() would
            elif isinstance(type_, UTCDateTime):
                factory = lambda stamps: sqlite_timestamp if stamps is None else stamps.__getitem__  # noqa: E731
            else:
                proc = type_._cached_bind_processor(dialect)
                if proc is not None:
                    factory = lambda _stamps, proc=proc: memoised(proc)  # noqa: E731
            if factory is not None:
                factories.append((i, factory))
        quote = dialect.identifier_preparer.quote
        sql = (
            f"INSERT INTO {quote(table.name)} ({', '.join(quote(table.c[n].name) for n in names)}) "
            f"VALUES ({', '.join('?' for _ in names)})"
        )
        _PLANS[key] = (sql, factories, names[len(columns) :])
    return _PLANS[key]


def insert_rows(
    session: Session,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    *,
    stamps: Stamps | None = None,
) -> None:
    """Insert ``rows`` (tuples of Python values in ``columns`` order) in the session's transaction.

    ``stamps``, shared by several calls for one batch (and dropped with it), formats each
    timestamp once for all of them.
    """
    if not rows:
        return
    columns = tuple(columns)
    dialect = session.get_bind().dialect
    if dialect.name != "sqlite" or dialect.paramstyle != "qmark":
        bulk_insert(session, table, [dict(zip(columns, r, strict=True)) for r in rows])
        return
    sql, factories, defaulted = _plan(dialect, table, columns)
    values: list[Any] = list(zip(*rows, strict=True))
    if len(values) != len(columns):
        raise ValueError(f"{table.name}: rows have {len(values)} values, expected {len(columns)}")
    if not factories and not defaulted:
        session.connection().exec_driver_sql(sql, list(rows))
        return
    n, width = len(rows), len(columns)
    # Defaults once per call, as bulk_insert does (a callable default such as utcnow included),
    # and converted once.
    defaults = [column_default(table, k)[1] for k in defaulted]
    for i, factory in factories:
        if i < width:
            values[i] = list(map(factory(stamps), values[i]))
        else:
            defaults[i - width] = factory(None)(defaults[i - width])
    values.extend(repeat(v, n) for v in defaults)
    params = list(zip(*values, strict=True))
    session.connection().exec_driver_sql(sql, params)
