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


def search(
    session: Session,
    query: str,
    limit: int = 50,
    offset: int = 0,
    *,
    include_void: bool = False,
    prefix_last: bool = False,
) -> list[SearchHit]:
    """Incidents matching every word and phrase of ``query``, best match first."""
    terms = parse(query, prefix_last=prefix_last)
    if not terms:
        return []
    pg = _dialect(session) == "postgresql"
    # Rank inside the index first and join only the best candidates to incidents: joining every
    # match (tens of thousands for a common word at a million incidents) costs far more than the
    # ranking. Void incidents are dropped after the join, so ask for more until the page is full.
    wanted = offset + limit
    candidates = wanted + 50
    while True:
        if pg:
            sql = (
                "SELECT i.id, i.reference, i.title, i.status, i.voided, m.score FROM ("
                "SELECT s.incident_id AS rid, ts_rank_cd(s.document, q.q) AS score "
                "FROM incident_search s, to_tsquery('simple', :q) AS q(q) WHERE s.document @@ q.q "
                "ORDER BY score DESC, s.incident_id DESC LIMIT :n) AS m JOIN incidents i ON i.id = m.rid "
                "ORDER BY m.score DESC, i.id DESC"
            )
            params: dict[str, Any] = {"q": tsquery(terms), "n": candidates}
        else:
            sql = (
                "SELECT i.id, i.reference, i.title, i.status, i.voided, -m.score FROM ("
                f"SELECT rowid AS rid, {BM25} AS score FROM incident_search WHERE incident_search MATCH :q "
                "ORDER BY score, rowid DESC LIMIT :n) AS m JOIN incidents i ON i.id = m.rid "
                "ORDER BY m.score, i.id DESC"
            )
            params = {"q": fts5_query(terms), "n": candidates}
        rows = session.execute(text(sql), params).all()
        kept = [r for r in rows if include_void or not r[4]]
        if len(kept) >= wanted or len(rows) < candidates:
            break
        candidates *= 4
    return [SearchHit(r[0], r[1], r[2], r[3], float(r[5])) for r in kept[offset : offset + limit]]


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
    # A comparison already: without this SQLite gets "id IN (...) = 1", which hides the IN from
    # the query planner and turns a look-up of the matches into a scan of every incident.
    _is_implicitly_boolean = True

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
    return (
        f"{column} IN (SELECT incident_id FROM incident_search "
        f"WHERE document @@ to_tsquery('simple', {param}))"
    )
