"""One pass over the filtered incidents for the per-severity figures most screens need at once.

Counts, stage-time sums, SLA outcomes for every stage, cost and satisfaction come back from a
single GROUP BY severity query; the overall figures are sums over those few rows. Results are
cached on the session (per filter and ``now``), so the KPI tiles, the MTTR chart and the SLA
chart share one query instead of a dozen.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar, cast

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from incident_desk.db.base import utcnow
from incident_desk.incidents.models import Incident
from incident_desk.incidents.query import IncidentFilter
from incident_desk.incidents.workflow import OPEN_STATUSES, Status
from incident_desk.org.models import SlaTarget

# The stages the tiles and charts need; other stages are queried on demand.
STAGE_NAMES = ("acknowledge", "resolve")
T = TypeVar("T")


@dataclass
class SeverityRow:
    severity_id: int
    count: int = 0
    open: int = 0
    reached: dict[str, int] = field(default_factory=dict)  # stage -> incidents that reached it
    seconds: dict[str, float] = field(default_factory=dict)  # stage -> summed seconds to reach it
    met: dict[str, int] = field(default_factory=dict)
    missed: dict[str, int] = field(default_factory=dict)
    pending: dict[str, int] = field(default_factory=dict)
    open_missed_resolve: int = 0
    target_minutes: dict[str, int | None] = field(default_factory=dict)
    direct: Decimal = Decimal("0")
    indirect: Decimal = Decimal("0")
    with_customer: int = 0
    responses: int = 0
    score_sum: float = 0.0


_CACHE = "incident_desk.metrics.cache"
_NOW = "incident_desk.metrics.now"


class QueryCache:
    """Results of metric queries by key, shared by the sessions working on one refresh.

    Several threads may ask for the same key at once (see :func:`prefetch`): the first computes
    it, the others wait for its result instead of running the query again.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._results: dict[tuple[Any, ...], Future[Any]] = {}

    def get(self, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
        with self._lock:
            future = self._results.get(key)
            owner = future is None
            if future is None:
                future = self._results[key] = Future()
        if owner:
            try:
                future.set_result(compute())
            except BaseException as exc:
                with self._lock:
                    del self._results[key]  # a later call may try again
                future.set_exception(exc)
                raise
        return cast(T, future.result())


def cached(session: Session, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """``compute()``, remembered on the session while a :func:`shared_queries` block is open."""
    cache: QueryCache | None = session.info.get(_CACHE)
    if cache is None:
        return compute()
    return cache.get(key, compute)


def cache_key(name: str, filt: IncidentFilter, *args: Any) -> tuple[Any, ...]:
    # ``extra`` conditions are not part of the filter's equality: key them by identity.
    return (name, filt, tuple(id(e) for e in filt.extra), *args)


def memoized(name: str) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Cache a metric function ``fn(session, filt, *args, **kwargs)`` inside ``shared_queries``."""

    def wrap(fn: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(fn)
        def inner(session: Session, filt: IncidentFilter, *args: Any, **kwargs: Any) -> T:
            key = cache_key(
                name, filt, *(str(a) for a in args), *sorted((k, str(v)) for k, v in kwargs.items())
            )
            return cached(session, key, lambda: fn(session, filt, *args, **kwargs))

        return inner

    return wrap


@contextmanager
def shared_queries(session: Session, now: dt.datetime | None = None) -> Iterator[None]:
    """Within the block, metric functions called again with the same filter reuse their results
    (the tiles and several charts need the same aggregates). Only for reading: nothing may
    change the incidents inside the block. ``now`` (when given) is the moment every metric in
    the block measures ages and deadlines against."""
    owner = _CACHE not in session.info
    if owner:
        session.info[_CACHE] = QueryCache()
        if now is not None:
            session.info[_NOW] = now
    try:
        yield
    finally:
        if owner:
            session.info.pop(_CACHE, None)
            session.info.pop(_NOW, None)


def clear_cache(session: Session) -> None:
    if _CACHE in session.info:
        session.info[_CACHE] = QueryCache()


def prefetch(session: Session, tasks: Sequence[Callable[[Session], object]], workers: int | None = None) -> None:
    """Run metric calls ``task(session)`` on several database connections at once, so that their
    results are in the cache of ``session``'s :func:`shared_queries` block when the same calls are
    made again (each then returns at once).

    The slow part of a dashboard refresh is the database scanning incidents; SQLite does that
    on the calling thread only, so independent aggregates run on as many connections as there
    are processors (at most ``workers``). Each extra connection reads in its own transaction;
    only reading happens inside a ``shared_queries`` block. Tasks are taken in order, longest
    first works best. Errors surface as they would without prefetching.
    """
    cache = session.info.get(_CACHE)
    bind = session.get_bind().engine  # helpers get their own connections, never this one
    workers = min(workers or os.cpu_count() or 1, len(tasks))
    in_memory = bind.dialect.name == "sqlite" and bind.url.database in (None, "", ":memory:")
    if cache is None or workers < 2 or in_memory:  # another connection would see another database
        for task in tasks:
            task(session)
        return
    queue = list(reversed(tasks))
    lock = threading.Lock()
    now = session.info.get(_NOW)

    def next_task() -> Callable[[Session], object] | None:
        with lock:
            return queue.pop() if queue else None

    def drain(s: Session) -> None:
        while (task := next_task()) is not None:
            task(s)

    def helper() -> None:
        with Session(bind=bind) as s, s.begin():
            s.info[_CACHE] = cache
            if now is not None:
                s.info[_NOW] = now
            drain(s)

    with ThreadPoolExecutor(workers - 1, thread_name_prefix="metrics") as pool:
        helpers = [pool.submit(helper) for _ in range(workers - 1)]
        drain(session)
        for h in helpers:
            h.result()


def pin_now(session: Session, now: dt.datetime) -> None:
    """Make every metric computed in this session use the same ``now`` (and so share cached queries)."""
    session.info[_NOW] = now


def current_time(session: Session, now: dt.datetime | None = None) -> dt.datetime:
    if now is not None:
        return now
    pinned = session.info.get(_NOW)
    return pinned if pinned is not None else utcnow()


def severity_summary(session: Session, filt: IncidentFilter, now: dt.datetime) -> dict[int, SeverityRow]:
    """severity id -> aggregates for the incidents matching ``filt`` (one query, cached)."""
    return cached(session, cache_key("severity_summary", filt, now), lambda: _compute(session, filt, now))


def _compute(session: Session, filt: IncidentFilter, now: dt.datetime) -> dict[int, SeverityRow]:
    from incident_desk.metrics.sql import as_timestamp, duration_seconds
    from incident_desk.metrics.timing import Stage, stage_seconds

    # Each duration is evaluated as few times as possible (on SQLite every one parses two
    # timestamps per row): missed and pending follow from met, reached and "waiting past".
    one = lambda cond: func.sum(case((cond, 1), else_=0))  # noqa: E731
    open_values = [s.value for s in OPEN_STATUSES]
    elapsed = duration_seconds(as_timestamp(now), Incident.reported_at)
    waiting_base = Incident.status != Status.CLOSED.value
    cols: list[Any] = [Incident.severity_id, func.count(), one(Incident.status.in_(open_values))]
    for name in STAGE_NAMES:
        stage = Stage(name)
        limit = stage.target_column * 60
        seconds = stage_seconds(stage)
        waiting = and_(seconds.is_(None), waiting_base)
        cols += [
            func.count(seconds),
            func.sum(seconds),
            one(seconds <= limit),
            one(and_(waiting, limit.is_not(None))),
            one(and_(waiting, elapsed > limit)),
            func.max(stage.target_column),
        ]
    cols += [
        func.sum(Incident.direct_cost),
        func.sum(Incident.indirect_cost),
        func.count(Incident.customer_id),
        one(and_(Incident.customer_id.is_not(None), Incident.satisfaction.is_not(None))),
        func.sum(case((Incident.customer_id.is_not(None), Incident.satisfaction), else_=None)),
    ]
    stmt = (
        select(*cols)
        .outerjoin(SlaTarget, and_(SlaTarget.severity_id == Incident.severity_id, SlaTarget.band.is_(None)))
        .where(*filt.conditions(now))
        .group_by(Incident.severity_id)
    )
    out: dict[int, SeverityRow] = {}
    for row in session.execute(stmt):
        r = SeverityRow(int(row[0]), int(row[1]), int(row[2] or 0))
        i = 3
        for name in STAGE_NAMES:
            reached, secs, met, waiting, waiting_past, target = row[i : i + 6]
            i += 6
            reached, met, waiting, waiting_past = (int(x or 0) for x in (reached, met, waiting, waiting_past))
            r.reached[name] = reached
            r.seconds[name] = float(secs or 0)
            r.target_minutes[name] = int(target) if target is not None else None
            if target is None:
                r.met[name] = r.missed[name] = r.pending[name] = 0
                continue
            r.met[name] = met
            r.missed[name] = reached - met + waiting_past
            r.pending[name] = waiting - waiting_past
            if name == "resolve":
                r.open_missed_resolve = waiting_past
        direct, indirect, with_customer, responses, score_sum = row[i : i + 5]
        r.direct = Decimal(str(direct or 0)).quantize(Decimal("0.01"))
        r.indirect = Decimal(str(indirect or 0)).quantize(Decimal("0.01"))
        r.with_customer, r.responses, r.score_sum = (
            int(with_customer or 0),
            int(responses or 0),
            float(score_sum or 0),
        )
        out[r.severity_id] = r
    return out
