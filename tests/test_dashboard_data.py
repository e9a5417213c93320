"""The dashboard's data in one go: the aggregates prefetched on several connections give exactly
the figures computed one after another, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading
import time
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event

from incident_desk.db import Database
from incident_desk.incidents.query import IncidentFilter
from incident_desk.metrics.dashboard import build_dashboard
from incident_desk.metrics.summary import QueryCache
from tests.metrics_helpers import H, add_incident, add_person

NOW = dt.datetime(2026, 6, 30, 12, 0, tzinfo=dt.UTC)
YEAR = IncidentFilter(date_from=dt.date(2025, 7, 1), date_to=dt.date(2026, 6, 30))


def _fill(db: Database, refs: dict[str, Any]) -> None:
    with db.transaction() as s:
        for i, (severity, days_ago, resolve_h) in enumerate(
            [("Critical", 10, 3), ("Major", 40, 30), ("Major", 100, None), ("Minor", 200, 100),
             ("Minor", 300, 5), ("Major", 400, 20), ("Critical", 500, 1), ("Minor", 600, None)]
        ):
            occurred = NOW - dt.timedelta(days=days_ago)
            inc = add_incident(
                s, refs, severity=severity, occurred=occurred,
                status="follow_up" if resolve_h else "assessment",
                acknowledged_at=occurred + (i + 1) * H,
                resolved_at=occurred + resolve_h * H if resolve_h else None,
                direct_cost=Decimal(100 * (i + 1)), indirect_cost=Decimal("12.50"),
                customer="Acme Corp" if i % 2 else None, satisfaction=(i % 5) + 1 if i % 2 else None,
            )
            if i % 3 == 0:
                add_person(s, inc, outcome="days_away", days_away=i + 2)


def _figures(data: Any) -> list[tuple[Any, ...]]:
    return [(k.key, k.value, k.text, k.previous, k.change, k.alert, k.detail) for k in data.kpis]


@pytest.mark.parametrize("filt", [YEAR, IncidentFilter()], ids=["last-12-months", "all-time"])
def test_prefetched_figures_equal_the_sequential_ones(db: Database, refs: dict[str, Any], filt: Any) -> None:
    _fill(db, refs)
    threads: set[str] = set()

    @event.listens_for(db.engine, "before_cursor_execute")
    def seen(*_args: Any) -> None:
        threads.add(threading.current_thread().name)

    with db.reading() as s:
        one_by_one = build_dashboard(s, filt, now=NOW, figures=False, workers=1)
    assert threads == {threading.current_thread().name}
    with db.reading() as s:
        at_once = build_dashboard(s, filt, now=NOW, workers=3)
    event.remove(db.engine, "before_cursor_execute", seen)

    assert len(threads) > 1  # the helpers really queried on their own threads (and connections)
    assert _figures(at_once) == _figures(one_by_one)
    values = {k.key: k.value for k in at_once.kpis}
    assert values["incidents"] == (5 if filt is YEAR else 8)
    assert set(at_once.figures) >= {"mttr", "sla", "heatmap", "per_period"}


def test_query_cache_runs_each_query_once_even_when_asked_at_once() -> None:
    cache, calls = QueryCache(), []

    def slow() -> int:
        calls.append(1)
        time.sleep(0.05)
        return 42

    results: list[int] = []
    workers = [threading.Thread(target=lambda: results.append(cache.get(("k",), slow))) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert results == [42] * 4 and len(calls) == 1


def test_query_cache_failure_reaches_the_caller_and_is_not_remembered() -> None:
    cache, attempts = QueryCache(), []

    def flaky() -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("database went away")
        return "ok"

    with pytest.raises(RuntimeError, match="went away"):
        cache.get(("k",), flaky)
    assert cache.get(("k",), flaky) == "ok" and len(attempts) == 2
