"""Foundation figures: demo generation of N incidents, then open + open-incidents-per-severity.

    .venv/bin/python benchmarks/bench_foundation.py [--incidents 100000] [--db URL]

Targets (issue: foundation): demo of 100,000 incidents under 30 s on SQLite; opening the
database and counting open incidents per severity under 100 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--db", help="database URL (default: a new SQLite file in a temporary folder)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="incident-desk-bench-"))
    os.environ.setdefault("INCIDENT_DESK_DATA_DIR", str(folder / "data"))
    url = args.db or f"sqlite:///{folder / 'bench.sqlite3'}"

    from sqlalchemy import func, select

    from incident_desk.db import Database, open_database
    from incident_desk.demo import generate
    from incident_desk.incidents.models import Incident
    from incident_desk.incidents.workflow import OPEN_STATUSES
    from incident_desk.org.models import SeverityLevel

    db = open_database(url)
    t0, c0 = time.perf_counter(), time.process_time()
    result = generate(db, incidents=args.incidents, seed=1)
    demo_seconds, demo_cpu = time.perf_counter() - t0, time.process_time() - c0
    db.dispose()
    # CPU time too: on a shared machine the wall-clock figure moves with the other jobs.
    print(f"demo --incidents {args.incidents}: {demo_seconds:.1f} s, CPU {demo_cpu:.1f} s "
          f"({', '.join(f'{k} {v:.1f} s' for k, v in result.timings.items())})")

    timings = []
    counts = None
    for _ in range(5):
        t0 = time.perf_counter()
        fresh = Database(url)
        with fresh.reading() as s:
            counts = s.execute(
                select(SeverityLevel.name, func.count(Incident.id))
                .join(Incident, Incident.severity_id == SeverityLevel.id)
                .where(Incident.status.in_([st.value for st in OPEN_STATUSES]), Incident.voided.is_(False))
                .group_by(SeverityLevel.name, SeverityLevel.rank).order_by(SeverityLevel.rank)).all()
        timings.append((time.perf_counter() - t0) * 1000)
        fresh.dispose()
    print(f"open + count open incidents per severity: median {statistics.median(timings):.1f} ms "
          f"(runs: {', '.join(f'{t:.1f}' for t in timings)})")
    print("  " + ", ".join(f"{name}: {n}" for name, n in counts or []))
    if url.startswith("sqlite:///"):
        size = Path(url.removeprefix("sqlite:///")).stat().st_size
        print(f"database file: {size / 1e6:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
