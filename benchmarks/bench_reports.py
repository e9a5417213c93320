"""Report figures: an incident report with 4 photos, and the management report over 10,000 incidents.

    .venv/bin/python benchmarks/bench_reports.py [--incidents 10000] [--db URL]

Targets (issue: reports): the incident report with 4 photos in under 0.5 s; the management
report over 10,000 incidents (every one of them listed, charts included) in under 10 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import sys
import tempfile
import time
from pathlib import Path


def photo(seed: int) -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (1600, 1200), (40 + seed * 40, 90, 140))
    draw = ImageDraw.Draw(img)
    for i in range(0, 1600, 80):
        draw.line([(i, 0), (1600 - i, 1200)], fill=(230, 230, 230), width=3)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85)
    return buf.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--db", help="database URL (default: a new SQLite file in a temporary folder)")
    parser.add_argument("--existing", action="store_true", help="use --db as it is (no demo data added)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="incident-desk-bench-"))
    os.environ.setdefault("INCIDENT_DESK_DATA_DIR", str(folder / "data"))
    url = args.db or f"sqlite:///{folder / 'bench.sqlite3'}"

    from sqlalchemy import func, select

    from incident_desk.actor import Actor
    from incident_desk.db import open_database
    from incident_desk.demo import generate
    from incident_desk.incidents import service
    from incident_desk.incidents.models import Attachment, Incident
    from incident_desk.incidents.query import IncidentFilter
    from incident_desk.reports.incident_report import incident_report
    from incident_desk.reports.management_report import management_report

    db = open_database(url)
    t0 = time.perf_counter()
    if not args.existing:
        generate(db, incidents=args.incidents, seed=7, years=1)
    print(f"demo data: {args.incidents:,} incidents over one year in {time.perf_counter() - t0:.1f} s")
    actor = Actor.system("benchmark")
    with db.transaction() as s:
        iid = s.execute(select(func.max(Incident.id))).scalar_one()
        has_photos = s.execute(
            select(func.count())
            .select_from(Attachment)
            .where(Attachment.incident_id == iid, Attachment.kind == "photo")
        ).scalar_one()
        for n in range(0 if has_photos else 4):
            service.add_attachment(
                s,
                actor,
                iid,
                kind="photo",
                data=photo(n),
                mime_type="image/jpeg",
                filename=f"scene{n + 1}.jpg",
                caption=f"Scene photo {n + 1}",
            )
    with db.reading() as s:
        t0 = time.perf_counter()
        first = incident_report(s, actor, iid)
        cold = time.perf_counter() - t0
        runs = []
        for _ in range(5):
            t0 = time.perf_counter()
            incident_report(s, actor, iid)
            runs.append(time.perf_counter() - t0)
    warm = min(runs)
    print(
        f"incident report with 4 photos: {warm:.3f} s (first run, loading fonts and modules: {cold:.3f} s; "
        f"{len(first) / 1024:,.0f} KB)  target < 0.5 s  {'OK' if warm < 0.5 else 'SLOW'}"
    )

    with db.reading() as s:
        lo, hi, n = s.execute(
            select(func.min(Incident.occurred_date), func.max(Incident.occurred_date), func.count())
        ).one()
        filt = IncidentFilter(date_from=lo, date_to=hi)
        t0, c0 = time.perf_counter(), time.process_time()
        pdf = management_report(s, actor, filt, now=dt.datetime.now(dt.UTC))
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    from pypdf import PdfReader

    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    print(
        f"management report over {n:,} incidents: {seconds:.2f} s ({cpu:.2f} s CPU), {pages:,} pages, {len(pdf) / 1024:,.0f} KB  "
        f"target < 10 s  {'OK' if seconds < 10 else 'SLOW'}"
    )
    return 0 if warm < 0.5 and seconds < 10 else 1


if __name__ == "__main__":
    sys.exit(main())
