"""Incident list figures on a large database: open the list, sort on every column, filter.

    .venv/bin/python benchmarks/bench_incident_list.py [--incidents 100000] [--db URL]

Without --db it runs ``incident-desk demo --incidents N`` into a SQLite file in a temporary
folder first. Each figure is the median of several runs of what the screen does: read the first page of rows,
sorted and filtered in SQL (the user sees these), and count the matches (on a worker thread;
the count label fills in when it is done).
Targets (issue: main window and capture): the first rows appear at once; sorting or filtering
100,000 incidents takes well under a second.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 5


def median_ms(fn, runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument(
        "--db", help="an existing database URL (default: a new demo database in a temporary folder)"
    )
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="incident-desk-bench-"))
    os.environ.setdefault("INCIDENT_DESK_DATA_DIR", str(folder / "data"))
    os.environ.setdefault("XDG_CONFIG_HOME", str(folder / "config"))
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    url = args.db
    if url is None:
        path = folder / "bench.sqlite3"
        url = f"sqlite:///{path}"
        t0 = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "incident_desk",
                "--db",
                url,
                "demo",
                "--incidents",
                str(args.incidents),
                "--quiet",
            ],
            check=True,
        )
        print(f"incident-desk demo --incidents {args.incidents:,}: {time.perf_counter() - t0:.1f} s")

    from incident_desk.db import Database
    from incident_desk.incidents import listing
    from incident_desk.incidents.query import IncidentFilter
    from incident_desk.users.models import User

    db = Database(url)
    with db.reading() as s:
        total = listing.count(s, IncidentFilter(include_void=True))
        choices = listing.choices(s)
        officer = s.query(User).filter(User.username == "officer").one_or_none()
    print(f"database: {db.display_url} — {total:,} incidents")

    # Opening the screen: the real widget, offscreen, until its first page is loaded.
    from incident_desk.actor import Actor
    from incident_desk.ui.app import make_application
    from incident_desk.ui.incident_list import IncidentListScreen

    app = make_application(["bench"])
    actor = Actor.for_user(officer) if officer else Actor.system("bench")

    def open_screen() -> None:
        screen = IncidentListScreen(db, actor)
        screen.resize(1400, 800)
        screen.show()
        app.processEvents()
        assert screen.model.rowCount() > 0
        screen.close()
        screen.deleteLater()

    open_screen()  # warm-up: imports and the SQLite page cache
    print(
        f"\nopen the list screen (first {listing.PAGE_SIZE} rows, painted): {median_ms(open_screen):7.1f} ms"
    )

    def first_page(
        filt: IncidentFilter, sort: str = "reported_at", descending: bool = True, *, recount: bool = True
    ) -> None:
        with db.reading() as s:
            if recount:
                listing.count(s, filt)
            listing.page(s, filt, sort=sort, descending=descending)

    everything = IncidentFilter()
    print("\nsort (first page; the count does not change):")
    worst = 0.0
    for key in listing.SORT_KEYS:
        for descending in (False, True):
            ms = median_ms(lambda k=key, d=descending: first_page(everything, k, d, recount=False))
            worst = max(worst, ms)
            print(f"  {key:<12} {'desc' if descending else 'asc ':<4} {ms:7.1f} ms")

    def scroll() -> None:
        with db.reading() as s:
            listing.page(s, everything, offset=50_000 if total > 50_000 else 0)

    print(f"  fetch a page 50,000 rows down: {median_ms(scroll):7.1f} ms")

    sev = choices.severities[0][0] if choices.severities else 0
    site = choices.sites[0][0] if choices.sites else 0
    filters = {
        "free text 'ladder'": IncidentFilter(text="ladder"),
        "free text, no match": IncidentFilter(text="zzzz-no-such-text"),
        "status: open": IncidentFilter(open_only=True),
        "status: closed": IncidentFilter(statuses=("closed",)),
        "severity (most severe)": IncidentFilter(severity_ids=(sev,)),
        "site": IncidentFilter(site_ids=(site,)),
        "last 30 days": IncidentFilter(date_from=dt.date.today() - dt.timedelta(days=30)),
        "assigned to me": IncidentFilter(assignee_id=actor.user_id or -1),
        "overdue": IncidentFilter(overdue=True),
        "severity + site + text": IncidentFilter(severity_ids=(sev,), site_ids=(site,), text="floor"),
    }
    print("\nfilter: first page (what the user waits for) · count (runs in the background):")
    worst_count = 0.0
    for name, filt in filters.items():
        with db.reading() as s:
            matched = listing.count(s, filt)
        ms = median_ms(lambda f=filt: first_page(f, recount=False))

        def count_only(f: IncidentFilter = filt) -> None:
            with db.reading() as s:
                listing.count(s, f)

        count_ms = median_ms(count_only)
        worst = max(worst, ms)
        worst_count = max(worst_count, count_ms)
        print(f"  {name:<26} {matched:>8,} rows  page {ms:7.1f} ms · count {count_ms:7.1f} ms")
    print(
        f"\nslowest sort or filter until the rows show: {worst:.1f} ms (target: well under 1000 ms); "
        f"slowest background count: {worst_count:.1f} ms"
    )
    db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
