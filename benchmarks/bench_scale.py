"""Scale: a million incidents on SQLite — open, first page of the list, full-text search, file size.

    .venv/bin/python benchmarks/bench_scale.py [--incidents 1000000] [--db sqlite:////path/file.sqlite3]
                                               [--build demo|import]

Builds the database first unless --db names an existing one with at least N incidents:
``demo`` runs the demo generator (realistic timelines, people, audit trail), ``import`` bulk-imports
a CSV built from the shared OSHA samples (see bench_import.py). Then prints, each the median of
several runs on a warm cache (the first, cold run is printed too):

  open       open the database (connect + schema check), as at start-up
  list       the list's first page (newest first) and its count, as the Incidents screen shows them
  search     full-text search: first ranked page for common, rare, phrase and prefix queries
  filter     the list's search box (IncidentFilter.text) first page + count
  size       the database file (must stay under 2 GB, no photos)

Targets (issue 9): open + list < 1.5 s; search first page < 200 ms; file < 2 GB.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
RUNS = 5
QUERIES = ["ladder", "forklift reversing", '"wet floor"', "lad*", "fell roof", "O'Brien", "zzzzqx"]


def timed(fn: Callable[[], object], runs: int = RUNS) -> tuple[float, float]:
    """(first run, median of the following runs) in milliseconds."""
    times = []
    for _ in range(runs + 1):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return times[0], statistics.median(times[1:])


def build(url: str, count: int, how: str) -> None:
    t0 = time.perf_counter()
    if how == "demo":
        subprocess.run(
            [
                sys.executable,
                "-m",
                "incident_desk",
                "--db",
                url,
                "demo",
                "--incidents",
                str(count),
                "--quiet",
            ],
            check=True,
            cwd=REPO,
        )
    else:
        from benchmarks.bench_import import build_csv

        csv_path = Path(tempfile.mkdtemp(prefix="incident-desk-scale-")) / "scale.csv"
        build_csv(csv_path, count)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "incident_desk",
                "--db",
                url,
                "import",
                str(csv_path),
                "--mapping",
                "OSHA fatalities",
                "-q",
            ],
            check=True,
            cwd=REPO,
        )
    print(f"built {count:,} incidents with {how} in {time.perf_counter() - t0:.0f} s")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--db", help="SQLite URL (default: sqlite:////tmp/incident-desk-scale-N.sqlite3)")
    parser.add_argument("--build", choices=("demo", "import"), default="demo")
    args = parser.parse_args()
    os.environ.setdefault("INCIDENT_DESK_DATA_DIR", tempfile.mkdtemp(prefix="incident-desk-bench-"))
    url = args.db or f"sqlite:////tmp/incident-desk-scale-{args.incidents}.sqlite3"

    from sqlalchemy import func, select

    from incident_desk import search
    from incident_desk.db import Database, open_database
    from incident_desk.incidents import listing
    from incident_desk.incidents.models import Incident
    from incident_desk.incidents.query import IncidentFilter

    existing = 0
    path = Path(url.removeprefix("sqlite:///"))
    if path.exists():
        probe = Database(url)
        try:
            with probe.reading() as s:
                existing = s.execute(select(func.count()).select_from(Incident)).scalar_one()
        except Exception:  # an unusable file is rebuilt
            existing = 0
        probe.dispose()
    if existing < args.incidents:
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        build(url, args.incidents, args.build)

    t0 = time.perf_counter()
    db = open_database(url)
    opened = (time.perf_counter() - t0) * 1000
    with db.reading() as s:
        total = s.execute(select(func.count()).select_from(Incident)).scalar_one()
    print(f"\ndatabase {url}: {total:,} incidents, {path.stat().st_size / 2**30:.2f} GB (target < 2 GB)")
    everything = IncidentFilter()

    def first_page() -> None:
        with db.reading() as s:
            listing.page(s, everything, sort="reported_at", descending=True)

    def count() -> None:
        with db.reading() as s:
            listing.count(s, everything)

    cold_page, page_ms = timed(first_page)
    cold_count, count_ms = timed(count)
    print(f"open database (connect, schema check):   {opened:8.1f} ms")
    print(f"list first page, newest first:          {page_ms:8.1f} ms (cold {cold_page:.1f})")
    print(f"list count (worker thread):              {count_ms:8.1f} ms (cold {cold_count:.1f})")
    startup = opened + cold_page
    print(
        f"open + first page:                       {startup:8.1f} ms  {'OK' if startup < 1500 else 'SLOW'} "
        "(target 1,500)"
    )

    print("\nfull-text search, first page of 50 ranked results:")
    worst = 0.0
    for q in QUERIES:
        with db.reading() as s:
            n = search.count(s, q)

        def run(q: str = q) -> None:
            with db.reading() as s:
                search.search(s, q, limit=50)

        cold, ms = timed(run)
        worst = max(worst, ms)
        print(f"  {q!r:22} {n:9,} matches {ms:8.1f} ms (cold {cold:.1f})")
    print(f"  worst: {worst:.1f} ms  {'OK' if worst < 200 else 'SLOW'} (target 200)")

    print("\nlist search box (IncidentFilter.text): first page + count")
    for q in ("ladder", "forklift rev", "O'Brien"):
        filt = IncidentFilter(text=q)

        def listed(f: IncidentFilter = filt) -> None:
            with db.reading() as s:
                listing.page(s, f, sort="reported_at", descending=True)
                listing.count(s, f)

        cold, ms = timed(listed)
        print(f"  {q!r:22} {ms:8.1f} ms (cold {cold:.1f})")
    db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
