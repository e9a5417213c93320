"""``incident-desk report …`` and ``incident-desk export …`` end to end, audited."""

from __future__ import annotations

import csv
from typing import Any

from sqlalchemy import select

from incident_desk.audit.models import AuditEvent
from incident_desk.cli import main
from incident_desk.incidents.models import Incident
from tests.test_osha import YEAR, make_cases
from tests.test_reports_fixtures import add_hours, pdf_text


def test_report_and_export_commands(
    db: Any, db_url: str, make_incident: Any, refs: dict[str, Any], tmp_path: Any, capsys: Any
) -> None:
    make_cases(db, make_incident, refs)
    add_hours(db, refs["site"]["Test Plant"], YEAR, [("7000", 40)] * 12)
    with db.reading() as s:
        reference = s.scalars(select(Incident.reference).where(Incident.title == "Case 2")).one()
    out = tmp_path / "out"
    assert main(["--db", db_url, "report", "incident", reference, "-o", str(out / "inc.pdf")]) == 0
    assert "Case 2" in pdf_text((out / "inc.pdf").read_bytes())[1][0]
    assert (
        main(
            [
                "--db",
                db_url,
                "report",
                "summary",
                "--from",
                f"{YEAR}-01-01",
                "--to",
                f"{YEAR}-12-31",
                "--site",
                "TP",
                "--no-charts",
                "-o",
                str(out / "year.pdf"),
            ]
        )
        == 0
    )
    text = " ".join(pdf_text((out / "year.pdf").read_bytes())[1])
    assert "Case 8" in text and "Depot" not in text.replace("Test Depot", "")
    assert (
        main(
            [
                "--db",
                db_url,
                "report",
                "osha300",
                "--year",
                str(YEAR),
                "--establishment",
                "Test Plant",
                "-o",
                str(out / "300.pdf"),
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "--db",
                db_url,
                "report",
                "osha300a",
                "--year",
                str(YEAR),
                "--establishment",
                "tp",
                "-o",
                str(out / "300a.pdf"),
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "--db",
                db_url,
                "report",
                "osha301",
                "--year",
                str(YEAR),
                "--establishment",
                "tp",
                "--case",
                f"{YEAR}-003",
                "-o",
                str(out / "301.pdf"),
            ]
        )
        == 0
    )
    assert "Cara Cole" in pdf_text((out / "301.pdf").read_bytes())[1][0]
    assert (
        main(
            [
                "--db",
                db_url,
                "export",
                "csv",
                "--site",
                "Test Plant",
                "--from",
                f"{YEAR}-01-01",
                "-o",
                str(out / "list.csv"),
            ]
        )
        == 0
    )
    with (out / "list.csv").open(encoding="utf-8-sig") as fh:
        # Header, the eight cases and the first-aid incident; the voided one and the depot's are left out.
        assert len(list(csv.reader(fh))) == 1 + 9
    # An establishment without street etc. problems: the depot has no hours, so the ITA file is refused.
    capsys.readouterr()
    assert main(["--db", db_url, "export", "ita-summary", "--year", str(YEAR), "-o", str(out / "s.csv")]) == 1
    err = capsys.readouterr().err
    assert "Establishment Test Depot: annual_average_employees" in err and "nothing was exported" in err
    assert not (out / "s.csv").exists()
    assert (
        main(
            [
                "--db",
                db_url,
                "export",
                "ita-summary",
                "--year",
                str(YEAR),
                "--establishment",
                "Test Plant",
                "-o",
                str(out / "s.csv"),
            ]
        )
        == 0
    )
    assert (out / "s.csv").read_text().startswith("establishment_name,ein,company_name,")
    assert main(["--db", db_url, "report", "osha300", "--year", str(YEAR), "-o", str(out / "x.pdf")]) == 1
    assert "Choose an establishment" in capsys.readouterr().err
    assert main(["--db", db_url, "export", "csv", "--site", "Nowhere", "-o", str(out / "x.csv")]) == 1
    assert "No site named 'Nowhere'" in capsys.readouterr().err
    with db.reading() as s:
        kinds = [e.summary for e in s.scalars(select(AuditEvent).where(AuditEvent.kind == "export"))]
    assert len(kinds) == 7
    assert any("incident report" in k for k in kinds) and any("ITA summary" in k for k in kinds)
