"""CSV and XLSX export of a filtered incident list: content, filters, formula neutralisation, audit."""

from __future__ import annotations

import csv
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from incident_desk.audit.models import AuditEvent
from incident_desk.errors import PermissionDenied
from incident_desk.incidents.query import IncidentFilter
from incident_desk.reports import exports


def test_neutralise() -> None:
    assert exports.neutralise("=SUM(A1)") == "'=SUM(A1)"
    assert exports.neutralise("+1") == "'+1" and exports.neutralise("-2") == "'-2"
    assert exports.neutralise("@cmd") == "'@cmd" and exports.neutralise("\tx") == "'\tx"
    assert exports.neutralise("plain") == "plain" and exports.neutralise(5) == 5


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_filtered_list(
    db: Any, actors: dict[str, Any], make_incident: Any, refs: dict[str, Any], tmp_path: Any, fmt: str
) -> None:
    make_incident(title='=HYPERLINK("http://evil")', description="@SUM(1+1)")
    make_incident(title="Łukasz Żółć slipped near 李雷", severity_id=refs["severity"]["Minor"])
    make_incident(
        title="Depot fall", site_id=refs["site"]["Test Depot"], location_id=refs["location"]["Yard"]
    )
    out = tmp_path / f"list.{fmt}"
    filt = IncidentFilter(site_ids=(refs["site"]["Test Plant"],))
    with db.transaction() as s:
        n = exports.export_incidents(s, actors["officer"], filt, out, fmt)
    assert n == 2
    if fmt == "csv":
        with out.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
    else:
        ws = load_workbook(out).active
        rows = [[("" if c is None else c) for c in r] for r in ws.iter_rows(values_only=True)]
    assert list(rows[0]) == list(exports.COLUMNS)
    titles = {r[1] for r in rows[1:]}
    assert '\'=HYPERLINK("http://evil")' in titles
    assert "Łukasz Żółć slipped near 李雷" in titles
    assert "Depot fall" not in titles
    assert any(r[18] == "'@SUM(1+1)" for r in rows[1:])
    with db.reading() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.kind == "export")).one()
        assert event.details["count"] == 2 and event.details["format"] == fmt
        assert event.details["filter"]["site_ids"] == [refs["site"]["Test Plant"]]


def test_reporter_may_not_export(db: Any, actors: dict[str, Any], tmp_path: Any) -> None:
    with db.transaction() as s, pytest.raises(PermissionDenied):
        exports.export_incidents(s, actors["reporter"], IncidentFilter(), tmp_path / "x.csv", "csv")
    assert not (tmp_path / "x.csv").exists()
