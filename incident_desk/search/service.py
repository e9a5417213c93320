"""Ranked full-text search and the filter condition used by the incident list.

The same call works on both engines: SQLite answers from the FTS5 table ``incident_search``
(ranked by BM25, title words weighing most), PostgreSQL from the ``tsvector`` column with its GIN
index (ranked by ``ts_rank_cd``). Queries are always bound parameters, never SQL text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Boolean, bindparam, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from incident_desk.incidents.models import Incident
from incident_desk.search.query import Term, fts5_query, parse, tsquery

# Column weights for BM25, in the FTS5 column order: title, body, people, comments, places.
BM25 = "bm25(incident_search, 10.0, 4.0, 6.0, 2.0, 3.0)"


@dataclass(frozen=True)
class SearchHit:
    incident_id: int
    reference: str
    title: str
    status: str
    score: float


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def search(session: Session, query: str, limit: int = 50, offset: int = 0, *,
           include_void: bool = False, prefix_last: bool = False) -> list[SearchHit]:
    """Incidents matching every word and phrase of ``query``, best match first."""
    terms = parse(query, prefix_last=prefix_last)
    if not terms:
        return []
    void = "" if include_void else " AND i.voided = :false"
    params: dict[str, Any] = {"limit": limit, "offset": offset, "false": False}
    if _dialect(session) == "postgresql":
        params["q"] = tsquery(terms)
        sql = ("SELECT i.id, i.reference, i.title, i.status, ts_rank_cd(s.document, q.q) AS score "
               "FROM incident_search s JOIN incidents i ON i.id = s.incident_id, "
               "to_tsquery('simple', :q) AS q(q) "
               f"WHERE s.document @@ q.q{void} ORDER BY score DESC, i.id DESC LIMIT :limit OFFSET :offset")
    else:
        params["q"] = fts5_query(terms)
        sql = (f"SELECT i.id, i.reference, i.title, i.status, -{BM25} AS score "
               "FROM incident_search JOIN incidents i ON i.id = incident_search.rowid "
               f"WHERE incident_search MATCH :q{void} ORDER BY {BM25}, i.id DESC LIMIT :limit OFFSET :offset")
    return [SearchHit(r[0], r[1], r[2], r[3], float(r[4])) for r in session.execute(text(sql), params)]


def count(session: Session, query: str, *, include_void: bool = False) -> int:
    terms = parse(query)
    if not terms:
        return 0
    from sqlalchemy import func, select

    stmt = select(func.count()).select_from(Incident).where(match_condition(terms))
    if not include_void:
        stmt = stmt.where(Incident.voided.is_(False))
    return int(session.execute(stmt).scalar_one())


class FullTextMatch(ColumnElement[bool]):
    """``incidents.id`` is among the full-text matches; compiled per dialect."""

    type = Boolean()
    inherit_cache = False

    def __init__(self, terms: list[Term]) -> None:
        self.terms = terms


def match_condition(terms: list[Term]) -> ColumnElement[bool]:
    return FullTextMatch(terms)


@compiles(FullTextMatch, "sqlite")
def _match_sqlite(element: FullTextMatch, compiler: Any, **kw: Any) -> str:
    param = compiler.process(bindparam(None, fts5_query(element.terms), unique=True), **kw)
    column = compiler.process(Incident.__table__.c.id, **kw)
    return f"{column} IN (SELECT rowid FROM incident_search WHERE incident_search MATCH {param})"


@compiles(FullTextMatch, "postgresql")
def _match_postgresql(element: FullTextMatch, compiler: Any, **kw: Any) -> str:
    param = compiler.process(bindparam(None, tsquery(element.terms), unique=True), **kw)
    column = compiler.process(Incident.__table__.c.id, **kw)
    return (f"{column} IN (SELECT incident_id FROM incident_search "
            f"WHERE document @@ to_tsquery('simple', {param}))")
