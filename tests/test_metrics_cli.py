"""``incident-desk metrics`` and ``incident-desk hours import|list`` from the command line."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from incident_desk.cli import main
from incident_desk.db import Database
from tests.metrics_helpers import add_incident


def test_metrics_and_hours_commands(
    db_url: str, db: Database, refs: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    when = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=2)
    with db.transaction() as s:
        add_incident(
            s,
            refs,
            occurred=when,
            reported=when,
            status="follow_up",
            resolved_at=when + dt.timedelta(hours=6),
        )
        add_incident(s, refs, occurred=when, reported=when, site="Test Depot", location="Yard")
    csv = tmp_path / "hours.csv"
    csv.write_text("site,year,month,hours,employees\nTest Plant,2025,1,1600,10\nTD,2025,1,800,5\n")
    assert main(["hours", "import", str(csv), "--db", db_url]) == 0
    assert "Imported hours worked for 2 site-months." in capsys.readouterr().out
    assert main(["hours", "list", "2025", "--db", db_url]) == 0
    listed = capsys.readouterr().out
    assert "Test Depot" in listed and "1,600 h" in listed
    assert main(["metrics", "--site", "TP", "--db", db_url]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^  Incidents +1 ", out, re.M)  # only the plant's incident
    assert re.search(r"MTTR \(mean time to resolution\) +6\.0 h", out)
    bad = tmp_path / "bad.csv"
    bad.write_text("site,year,month,hours,employees\nNowhere,2025,1,10,1\n")
    assert main(["hours", "import", str(bad), "--db", db_url]) == 1
    assert "there is no site called “Nowhere”" in capsys.readouterr().err
    assert main(["metrics", "--site", "Nowhere", "--db", db_url]) == 1
