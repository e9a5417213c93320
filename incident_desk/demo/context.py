"""The demo run: shared state, the ordered steps, progress reporting."""

from __future__ import annotations

import datetime as dt
import gc
import importlib
import math
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from incident_desk.actor import Actor
from incident_desk.db.base import utcnow
from incident_desk.db.database import Database

# Modules providing ``STEPS: list[tuple[str, Callable[[DemoContext], None]]]``, run in this order.
STEP_MODULES = [
    "incident_desk.demo.organisation",
    "incident_desk.demo.search_pause",  # full-text triggers off during the bulk inserts
    "incident_desk.demo.incidents",
    # Later steps, in dependency order (each concern adds its module here when it exists):
    "incident_desk.demo.risk",  # assessments, hazards, controls, actions
    "incident_desk.demo.signoff",  # signatures on assessments
    "incident_desk.demo.notify",  # SLA escalations, rules, inbox and outbox
    "incident_desk.demo.hours",  # hours worked per site and month
    "incident_desk.demo.regulatory",  # organisation logo, consistent OSHA case facts, photos
    "incident_desk.demo.search",  # full-text index for everything above; must stay last
]

Progress = Callable[[str, float], None]


class DemoRandom(random.Random):
    """``random.Random`` with cheaper draws for the demo's millions of picks.

    ``choice``, ``randrange`` and ``randint`` take one ``random()`` each (``int(random() * n)``,
    which is always below ``n``) instead of rejection sampling on ``getrandbits``, and
    ``lognormvariate`` is ``exp(gauss())``: the same distributions, other numbers for a seed
    than the standard library's, still the same numbers for the same seed every time.
    """

    def choice(self, seq: Any) -> Any:
        return seq[int(self.random() * len(seq))]

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:  # type: ignore[override]
        if stop is None:
            start, stop = 0, start
        if step != 1 or stop <= start:
            return super().randrange(start, stop, step)  # its errors for empty ranges
        return start + int(self.random() * (stop - start))

    def randint(self, a: int, b: int) -> int:
        return self.randrange(a, b + 1)

    def lognormvariate(self, mu: float, sigma: float) -> float:
        return math.exp(self.gauss(mu, sigma))


@dataclass
class DemoContext:
    db: Database
    session: Session
    rng: random.Random
    count: int
    now: dt.datetime
    years: int
    actor: Actor
    progress: Progress
    # Filled by the steps, for the steps after them.
    site_ids: list[int] = field(default_factory=list)
    locations_by_site: dict[int, list[int]] = field(default_factory=dict)
    customer_ids: list[int] = field(default_factory=list)
    severity_ids: dict[str, int] = field(default_factory=dict)
    type_ids: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)  # demo role key -> user id
    passwords: dict[str, str] = field(default_factory=dict)  # username -> password, printed at the end
    incident_ids: list[int] = field(default_factory=list)
    # Each demo incident's rejections (awaiting sign-off -> assessment) as (at, user_id, note), in
    # time order, from the incidents step for the signatures (no read-back of the history).
    rejections: dict[int, list[tuple[dt.datetime, int | None, str]]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    # Seconds spent inside one step on behalf of a later one (see ``timed``), and the time of
    # the ``timed`` blocks directly inside the running step or block.
    nested: dict[str, float] = field(default_factory=dict)
    inner: float = 0.0

    @property
    def start(self) -> dt.datetime:
        return self.now - dt.timedelta(days=365 * self.years)

    @contextmanager
    def timed(self, step: str) -> Iterator[None]:
        """Count the time of this block as the later step ``step``'s, not the running step's.

        A step may hand each chunk it writes to the next concern (the incidents step has the
        risk step assess each chunk, which has it signed, so nothing need be kept in memory or
        read back); the timings still show each concern separately.
        """
        t0 = time.perf_counter()
        outer, self.inner = self.inner, 0.0
        try:
            yield
        finally:
            elapsed = time.perf_counter() - t0
            # Blocks timed inside this one (signing inside the risk step's) count only once.
            self.nested[step] = self.nested.get(step, 0.0) + elapsed - self.inner
            self.inner = outer + elapsed


@dataclass
class DemoResult:
    incidents: int
    seconds: float
    accounts: dict[str, tuple[str, str]]  # username -> (role label, password)
    timings: dict[str, float]


def _steps() -> list[tuple[str, Callable[[DemoContext], None]]]:
    steps: list[tuple[str, Callable[[DemoContext], None]]] = []
    for name in STEP_MODULES:
        steps.extend(importlib.import_module(name).STEPS)
    return steps


def generate(db: Database, *, incidents: int, seed: int = 1, years: int = 3, now: dt.datetime | None = None,
             progress: Progress | None = None) -> DemoResult:
    """Fill ``db`` in one transaction: all of it, or (on error or Ctrl+C) nothing."""
    started = time.perf_counter()
    timings: dict[str, float] = {}
    # Millions of long-lived tuples and datetimes, no reference cycles worth collecting: the
    # cyclic collector would only walk them over and over (about a tenth of the run).
    collecting = gc.isenabled()
    gc.disable()
    try:
        with db.transaction() as session:
            ctx = DemoContext(db=db, session=session, rng=DemoRandom(seed), count=incidents,
                              now=(now or utcnow()).replace(microsecond=0), years=years,
                              actor=Actor.system("demo data"), progress=progress or (lambda _m, _f: None))
            for name, step in _steps():
                ctx.inner = 0.0
                t0 = time.perf_counter()
                ctx.progress(name, 0.0)
                step(ctx)
                # Less what was done (and timed) for later steps, plus what earlier steps did for this one.
                timings[name] = time.perf_counter() - t0 - ctx.inner + ctx.nested.pop(name, 0.0)
            timings.update(ctx.nested)
            t0 = time.perf_counter()
        timings["commit"] = time.perf_counter() - t0
    finally:
        if collecting:
            gc.enable()
    t0 = time.perf_counter()
    db.analyze()  # the planner needs statistics for the new volume (e.g. status filters on the list)
    timings["analyze"] = time.perf_counter() - t0
    accounts = ctx.extra.get("accounts", {})
    return DemoResult(incidents, time.perf_counter() - started, accounts, timings)
