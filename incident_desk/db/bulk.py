"""Fast bulk inserts for demo data, imports and the audit trail: types applied once per distinct value, then the driver's executemany.

On SQLite a plain Core ``insert`` runs every value of every row through SQLAlchemy's bind
processing; imports repeat the same dates and ids thousands of times, so converting each distinct
value once and handing the driver ready rows is several times faster. PostgreSQL goes through
SQLAlchemy's executemany, which psycopg pipelines.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

_STATEMENTS: dict[tuple[str, str, tuple[str, ...]], tuple[str, tuple[str, ...], bool]] = {}


def _statement(session: Session, table: Table, keys: tuple[str, ...]) -> tuple[str, tuple[str, ...], bool]:
    """The driver-level SQL, its parameter names in order, and whether parameters are positional."""
    dialect = session.get_bind().dialect
    cache_key = (dialect.name, table.name, keys)
    if cache_key not in _STATEMENTS:
        compiled = insert(table).compile(dialect=dialect, column_keys=list(keys))
        if compiled.positional and compiled.positiontup:
            _STATEMENTS[cache_key] = (compiled.string, tuple(compiled.positiontup), True)
        else:
            _STATEMENTS[cache_key] = (compiled.string, tuple(compiled.bind_names.values()), False)
    return _STATEMENTS[cache_key]


def memoised(proc: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``proc`` run once per distinct value (dates, ids, costs and booleans repeat a lot)."""
    memo: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        try:
            return memo[value]
        except KeyError:
            result = memo[value] = proc(value)
            return result
        except TypeError:  # unhashable (a list for a JSON column)
            return proc(value)

    return convert


def _converter(proc: Callable[[Any], Any] | None) -> Callable[[Any], Any] | None:
    return None if proc is None else memoised(proc)


def column_default(table: Table, key: str) -> tuple[bool, Any]:
    """(True, value) for a column with a Python-side default, else (False, None)."""
    default = table.c[key].default
    if default is not None and getattr(default, "is_scalar", False):
        return True, default.arg  # type: ignore[attr-defined]
    if default is not None and getattr(default, "is_callable", False):
        return True, default.arg(None)  # type: ignore[attr-defined]
    return False, None


def _defaults(table: Table, missing: Sequence[str]) -> dict[str, Any]:
    """Values for columns with a Python-side default that the caller left out."""
    return {key: column_default(table, key)[1] for key in missing}


def bulk_insert(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (all with the same keys) into ``table`` in the session's transaction."""
    if not rows:
        return
    dialect = session.get_bind().dialect
    if dialect.name != "sqlite":
        # PostgreSQL: psycopg's pipelined executemany. The search triggers are paused by the
        # importer (see incident_desk.search.index), so per-statement trigger runs cost nothing.
        session.execute(insert(table), list(rows))
        return
    keys = tuple(rows[0])
    sql, order, positional = _statement(session, table, keys)
    missing = [k for k in order if k not in keys]
    extra = _defaults(table, missing)
    converters = [
        (i, _converter(table.c[k].type._cached_bind_processor(dialect))) for i, k in enumerate(order)
    ]
    active = [(i, c) for i, c in converters if c is not None]
    params: list[Any]
    if positional:
        pick = itemgetter(*order) if len(order) > 1 else (lambda r: (r[order[0]],))
        params = []
        for row in rows:
            values = list(pick({**extra, **row} if missing else row))
            for i, c in active:
                values[i] = c(values[i])
            params.append(tuple(values))
    else:  # pragma: no cover - only SQLite takes this path today
        params = [{**extra, **row} for row in rows]
    session.connection().exec_driver_sql(sql, params)


_ROW_STATEMENTS: dict[tuple[str, tuple[str, ...], tuple[str, ...], int], str] = {}
# Rows per statement on SQLite: big enough that the per-statement work is nothing (and that an
# import's writer thread needs the interpreter lock seldom), small enough that a statement's
# text and parameters stay modest. Always within the connection's limits on parameters per
# statement (999 before SQLite 3.32, 32,766 since by default) and on the length of its text.
ROWS_PER_STATEMENT = 5000


def insert_rows(
    session: Session,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    constants: dict[str, Any] | None = None,
    *,
    raw: Sequence[str] = (),
) -> None:
    """Insert ``rows`` given as tuples in ``columns`` order, plus ``constants`` for every row.

    The cheapest way to write many rows: no dict per row; on SQLite each column's type
    conversion runs once per distinct value (once in all for a constant), and rows go in as
    ``INSERT … SELECT … FROM (VALUES …)`` statements of many rows each, with the constants bound
    once per statement. Columns left out get their Python-side default (if any) as a constant,
    or the database's default. ``raw`` names columns whose values are already what SQLite
    stores (e.g. JSON text): used as given on SQLite; a caller passes Python values elsewhere.
    """
    if not rows:
        return
    if session.get_bind().dialect.name != "sqlite":
        constants = _with_defaults(table, columns, constants)
        # PostgreSQL: psycopg's pipelined executemany through SQLAlchemy's own type handling.
        session.execute(insert(table), [{**dict(zip(columns, row, strict=True)), **constants} for row in rows])
        return
    conn = session.connection()
    for sql, params in sqlite_statements(session, table, columns, rows, constants, raw=raw):
        conn.exec_driver_sql(sql, params)


def _with_defaults(table: Table, columns: Sequence[str], constants: dict[str, Any] | None) -> dict[str, Any]:
    constants = dict(constants or {})
    given = (*columns, *constants)
    missing = [c.key for c in table.c if c.key not in given and c.default is not None]
    constants.update(_defaults(table, missing))
    return constants


def _parameter_limit(session: Session) -> int:
    dbapi = session.connection().connection.dbapi_connection
    try:
        return int(dbapi.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))  # type: ignore[union-attr]
    except (AttributeError, sqlite3.Error):  # pragma: no cover - Python < 3.11
        return 999


def _sql_length_limit(session: Session) -> int:
    dbapi = session.connection().connection.dbapi_connection
    try:
        return int(dbapi.getlimit(sqlite3.SQLITE_LIMIT_SQL_LENGTH))  # type: ignore[union-attr]
    except (AttributeError, sqlite3.Error):  # pragma: no cover - Python < 3.11
        return 1_000_000


def sqlite_statements(
    session: Session,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    constants: dict[str, Any] | None = None,
    *,
    raw: Sequence[str] = (),
) -> list[tuple[str, tuple[Any, ...]]]:
    """What ``insert_rows`` runs on SQLite: (SQL, parameters) for each statement, values converted."""
    if not rows:
        return []
    return SQLiteRows(session, table, columns, constants, raw=raw).statements(rows)


class SQLiteRows:
    """Turns batches of tuples for one table into ``insert_rows``' SQLite statements.

    Everything that needs the connection (the dialect, the parameter limit) is looked up when
    it is made; ``statements`` is plain Python, so a caller may prepare the next batch while
    the connection is busy with the last one (see incident_desk.imports.engine).
    """

    def __init__(
        self,
        session: Session,
        table: Table,
        columns: Sequence[str],
        constants: dict[str, Any] | None = None,
        *,
        raw: Sequence[str] = (),
    ) -> None:
        dialect = session.get_bind().dialect
        self.table, self.columns, self.dialect = table, tuple(columns), dialect
        constants = _with_defaults(table, columns, constants)
        self.const_keys = tuple(constants)

        def processor(key: str) -> Callable[[Any], Any] | None:
            return table.c[key].type._cached_bind_processor(dialect)

        head = []
        for key in self.const_keys:
            proc, value = processor(key), constants[key]
            head.append(proc(value) if proc is not None and value is not None else value)
        self.head = tuple(head)
        self.active = [
            (i, _converter(p))
            for i, p in ((i, processor(k)) for i, k in enumerate(self.columns) if k not in raw)
            if p is not None
        ]
        width = max(1, len(self.columns))
        self.per_statement = max(
            1,
            min(
                ROWS_PER_STATEMENT,
                (_parameter_limit(session) - len(self.head)) // width,
                # "(?,?,…)," per row, after a head of column names well under 10,000 characters
                (_sql_length_limit(session) - 10_000) // (2 * width + 2),
            ),
        )

    def statements(self, rows: Sequence[tuple[Any, ...]]) -> list[tuple[str, tuple[Any, ...]]]:
        active, per_statement = self.active, self.per_statement
        statements: list[tuple[str, tuple[Any, ...]]] = []
        for start in range(0, len(rows), per_statement):
            part = rows[start : start + per_statement]
            params = list(self.head)
            extend = params.extend
            if active:
                for row in part:
                    values = list(row)
                    for i, convert in active:
                        values[i] = convert(values[i])
                    extend(values)
            else:
                for row in part:
                    extend(row)
            sql = _row_statement(self.dialect, self.table, self.columns, self.const_keys, len(part))
            statements.append((sql, tuple(params)))
        return statements


def _row_statement(
    dialect: Any, table: Table, columns: tuple[str, ...], const_keys: tuple[str, ...], count: int
) -> str:
    key = (table.name, columns, const_keys, count)
    sql = _ROW_STATEMENTS.get(key)
    if sql is None:
        quote = dialect.identifier_preparer.quote
        names = ", ".join(quote(table.c[k].name) for k in (*columns, *const_keys))
        picked = ", ".join([f"column{i + 1}" for i in range(len(columns))] + ["?"] * len(const_keys))
        one = "(" + ",".join("?" * len(columns)) + ")"
        # The constants' "?" come first in the text, so they are the first parameters.
        sql = _ROW_STATEMENTS[key] = (
            f"INSERT INTO {quote(table.name)} ({names}) SELECT {picked} FROM (VALUES {','.join([one] * count)})"
        )
    return sql
