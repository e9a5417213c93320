"""Start-up time: launch → interactive main window on a 100,000-incident database, via --smoke-test.

    .venv/bin/python benchmarks/bench_startup.py [--incidents 100000] [--db URL] [--runs 5]

Target (issue: desktop application): under 1.5 s on the 2-core machine. The database is built
once with the demo generator and kept in the system temporary folder for later runs. Each run
is a fresh process (``python -m incident_desk --smoke-test --db …``) running from compiled bytecode, as
an installed app does, after one warm-up run; the figure includes
starting Python, importing the app, opening and checking the database and showing the window.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BUDGET_S = 1.5
ROOT = Path(__file__).resolve().parent.parent


def build_database(path: Path, incidents: int) -> None:
    sys.path.insert(0, str(ROOT))
    from incident_desk.db import open_database
    from incident_desk.demo import generate

    tmp = path.with_suffix(".partial.sqlite3")
    for p in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        p.unlink(missing_ok=True)
    t0 = time.perf_counter()
    db = open_database(f"sqlite:///{tmp}")
    generate(db, incidents=incidents, seed=1)
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.dispose()
    tmp.rename(path)
    print(f"built {path} with {incidents:,} incidents in {time.perf_counter() - t0:.1f} s", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument(
        "--db", help="database URL (default: a cached SQLite file with --incidents incidents)"
    )
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if args.db:
        url = args.db
    else:
        path = Path(tempfile.gettempdir()) / f"incident-desk-bench-startup-{args.incidents}.sqlite3"
        if not path.exists():
            build_database(path, args.incidents)
        url = f"sqlite:///{path}"

    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "INCIDENT_DESK_DATA_DIR": tempfile.mkdtemp(prefix="incident-desk-bench-data-"),
    }
    results = []
    for _ in range(args.runs):
        proc = subprocess.run(
            [sys.executable, "-m", "incident_desk", "--smoke-test", "--db", url],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        line = next((x for x in proc.stdout.splitlines() if x.startswith("{")), "{}")
        result = json.loads(line)
        if proc.returncode != 0 or not result.get("ok"):
            print(f"smoke test failed: {result.get('failed') or proc.stderr.strip()[-500:]}")
            return 1
        results.append(result)
    startup = [r["startup_s"] for r in results]
    median = statistics.median(startup)
    print(
        f"start-up to interactive main window ({args.incidents:,} incidents): median {median:.2f} s "
        f"(runs: {', '.join(f'{s:.2f}' for s in startup)}) — budget {BUDGET_S} s: "
        f"{'OK' if median < BUDGET_S else 'OVER'}"
    )
    print(
        f"  open database: median {statistics.median(r['open_db_s'] for r in results):.2f} s; "
        f"build and show main window: median {statistics.median(r['main_window_s'] for r in results):.2f} s"
    )
    screens = results[-1]["screens"]
    print(
        "  first visit per screen: "
        + ", ".join(f"{k} {statistics.median(r['screens'][k] for r in results):.2f} s" for k in screens)
    )
    if "incident_form_s" in results[-1]:
        print(
            f"  incident form ({results[-1]['incident_form']}): "
            f"{statistics.median(r['incident_form_s'] for r in results):.2f} s"
        )
    return 0 if median < BUDGET_S else 2


if __name__ == "__main__":
    sys.exit(main())
