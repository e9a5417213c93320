"""SQL functions the schema itself needs, compiled for each database.

``duration_seconds`` is used both by metric queries and by the generated duration columns of
incidents (so it lives with the database layer, not with the metrics).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class duration_seconds(FunctionElement[float]):
    """Seconds from ``start`` to ``end`` (NULL when either is NULL).

    SQLite: ``julianday`` differences, rounded to the millisecond so that a timestamp exactly
    on a deadline compares equal to it (julianday carries float noise of ~50 µs).
    PostgreSQL: ``EXTRACT(EPOCH FROM end - start)``.
    """

    type = Float()
    inherit_cache = True
    name = "duration_seconds"

    def __init__(self, end: Any, start: Any) -> None:
        super().__init__(end, start)


@compiles(duration_seconds)
def _duration_default(element: duration_seconds, compiler: Any, **kw: Any) -> str:
    end, start = list(element.clauses)
    return (
        f"ROUND((julianday({compiler.process(end, **kw)}) - julianday({compiler.process(start, **kw)}))"
        " * 86400.0, 3)"
    )


@compiles(duration_seconds, "postgresql")
def _duration_pg(element: duration_seconds, compiler: Any, **kw: Any) -> str:
    end, start = list(element.clauses)
    return (
        f"CAST(EXTRACT(EPOCH FROM ({compiler.process(end, **kw)} - {compiler.process(start, **kw)}))"
        " AS DOUBLE PRECISION)"
    )
