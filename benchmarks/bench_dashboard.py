"""Dashboard figures: build N demo incidents in a temporary SQLite file, then time a full dashboard
refresh (every KPI tile and the data and figure of every chart) as the app does it.

    .venv/bin/python benchmarks/bench_dashboard.py                 # 100,000 incidents
    .venv/bin/python benchmarks/bench_dashboard.py --million       # 1,000,000 as well
    .venv/bin/python benchmarks/bench_dashboard.py --db sqlite:////tmp/big.sqlite3 --reuse

Targets (issue: metrics and dashboard): under 1 s at 100,000 incidents, under 3 s at 1,000,000.
Printed per database size and filter: the time of all queries (every KPI and the data of every
chart: the figure the targets apply to), the whole refresh including building the figures (not
painting them), and the process's CPU time (on a busy machine wall time includes waiting).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

TARGETS = {100_000: 1.0, 1_000_000: 3.0}


def _timed_refresh(
    url: str, filt: object, runs: int
) -> tuple[list[float], list[float], list[float], list[float], dict[str, float]]:
    from incident_desk.db import Database
    from incident_desk.metrics.dashboard import build_dashboard

    db = Database(url)
    totals, cpus, datas, data_cpus = [], [], [], []
    parts: dict[str, float] = {}
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        with db.reading() as s:
            data = build_dashboard(s, filt)  # type: ignore[arg-type]
        totals.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
        datas.append(data.seconds["data"])
        data_cpus.append(data.seconds["data_cpu"])
        parts = data.seconds
    db.dispose()
    return totals, cpus, datas, data_cpus, parts


def bench(url: str, incidents: int, generate: bool, runs: int) -> bool:
    from incident_desk.db import open_database
    from incident_desk.demo import generate as generate_demo
    from incident_desk.incidents.query import IncidentFilter

    if generate:
        db = open_database(url)
        t0 = time.perf_counter()
        generate_demo(db, incidents=incidents, seed=1)
        db.dispose()
        print(f"demo data, {incidents:,} incidents: {time.perf_counter() - t0:.1f} s")
    else:
        open_database(url).dispose()  # migrate (adds the metrics index) if needed
    today = dt.date.today()
    filters = {
        "last 12 months (the dashboard's default)": IncidentFilter(
            date_from=today - dt.timedelta(days=364), date_to=today
        ),
        "all time": IncidentFilter(),
    }
    target = TARGETS.get(incidents)
    ok = True
    for name, filt in filters.items():
        totals, cpus, datas, data_cpus, parts = _timed_refresh(url, filt, runs)
        data_median = statistics.median(datas)
        figures = {k: v for k, v in parts.items() if not k.startswith("data")}
        slowest = ", ".join(f"{k} {v:.2f}" for k, v in sorted(figures.items(), key=lambda kv: -kv[1])[:3])
        verdict = ""
        if target is not None and name.startswith("last"):
            verdict = f"  [target < {target:.0f} s: {'met' if data_median < target else 'NOT met'}]"
            ok = ok and data_median < target
        print(f"{incidents:>9,} incidents, {name}:")
        print(
            f"    KPIs + chart data (all queries): median {data_median:.2f} s (best {min(datas):.2f}, "
            f"first {datas[0]:.2f}; process CPU {statistics.median(data_cpus):.2f} s){verdict}"
        )
        print(
            f"    whole refresh incl. building the {len(figures)} figures: median {statistics.median(totals):.2f} s"
            f" (process CPU {statistics.median(cpus):.2f} s); "
            f"slowest figures: {slowest}"
        )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--million", action="store_true", help="also build and time 1,000,000 incidents")
    parser.add_argument("--db", help="database URL (default: new SQLite files in a temporary folder)")
    parser.add_argument("--reuse", action="store_true", help="time an existing --db without adding demo data")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="incident-desk-bench-"))
    os.environ.setdefault("INCIDENT_DESK_DATA_DIR", str(folder / "data"))
    sizes = [args.incidents] + ([1_000_000] if args.million and args.incidents != 1_000_000 else [])
    ok = True
    for n in sizes:
        url = args.db if args.db and n == args.incidents else f"sqlite:///{folder / f'bench-{n}.sqlite3'}"
        ok = (
            bench(url, n, generate=not (args.reuse and args.db and n == args.incidents), runs=args.runs)
            and ok
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
