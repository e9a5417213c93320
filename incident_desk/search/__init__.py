"""Full-text search over incidents: one interface over SQLite FTS5 and PostgreSQL tsvector."""

from __future__ import annotations

from incident_desk.search.index import pause, rebuild, resume
from incident_desk.search.query import Term, parse
from incident_desk.search.service import SearchHit, count, match_condition, search

__all__ = ["SearchHit", "Term", "count", "match_condition", "parse", "pause", "rebuild", "resume", "search"]
