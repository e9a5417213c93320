"""Charts: every figure builds on both palettes, exports as PNG/SVG/PDF, and each clickable element's
drill-down filter lists exactly as many incidents as the element shows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from matplotlib.figure import Figure

from incident_desk.db import Database
from incident_desk.incidents.query import IncidentFilter
from incident_desk.metrics import charts, counts
from incident_desk.risk.models import Assessment, RiskMatrix, RiskMatrixVersion
from tests.conftest import reference_ids
from tests.metrics_helpers import T0, H, add_incident

FILT = IncidentFilter(date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 3, 31))


def _fill(db: Database, refs: dict[str, Any]) -> None:
    definition = {
        "name": "2x2",
        "likelihood": [
            {"code": "L1", "label": "Unlikely", "value": 1},
            {"code": "L2", "label": "Likely", "value": 2},
        ],
        "severity": [
            {"code": "S1", "label": "Minor", "value": 1},
            {"code": "S2", "label": "Major", "value": 2},
        ],
        "bands": [
            {"name": "Low", "colour": "#4caf50", "min_score": 1, "max_score": 2},
            {"name": "High", "colour": "#c62828", "min_score": 3, "max_score": 4},
        ],
    }
    with db.transaction() as s:
        m = RiskMatrix(name="Chart test")
        s.add(m)
        s.flush()
        v = RiskMatrixVersion(matrix_id=m.id, number=1, definition=definition)
        s.add(v)
        s.flush()
        specs = [
            ("Critical", "Workshop", "Test Plant", "Acme Corp", 0),
            ("Major", "Workshop", "Test Plant", None, 1),
            ("Major", "Yard", "Test Depot", "Globex", 2),
            ("Minor", "Loading bay", "Test Plant", "Acme Corp", 3),
            ("Minor", "Workshop", "Test Plant", None, -30),
            ("Urgent", "Yard", "Test Depot", None, -29),
        ]
        for i, (sev, loc, site, cust, day) in enumerate(specs):
            when = T0 + dt.timedelta(days=day, hours=i)
            inc = add_incident(
                s,
                refs,
                severity=sev,
                location=loc,
                site=site,
                customer=cust,
                occurred=when,
                reported=when,
                status="follow_up" if i % 2 == 0 else "assessment",
                acknowledged_at=when + H,
                resolved_at=when + (i + 1) * 10 * H if i % 2 == 0 else None,
                direct_cost=Decimal(100 * (i + 1)),
                indirect_cost=Decimal(50),
                satisfaction=4 if cust else None,
            )
            s.add(
                Assessment(
                    incident_id=inc.id,
                    revision=1,
                    matrix_version_id=v.id,
                    overall_likelihood="L2" if i < 3 else "L1",
                    overall_severity="S2" if i < 2 else "S1",
                )
            )


def test_every_chart_builds_and_its_drill_down_counts_match(db: Database, refs: dict[str, Any]) -> None:
    _check_all(db, refs, "light")


def test_dark_palette(sqlite_db: Database) -> None:
    _check_all(sqlite_db, reference_ids(sqlite_db), "dark")


def _check_all(db: Database, refs: dict[str, Any], palette: str) -> None:
    _fill(db, refs)
    pal = charts.PALETTES[palette]
    with db.reading() as s:
        for key, (_title, fn) in charts.CHARTS.items():
            fig = fn(s, FILT, palette=pal)
            assert isinstance(fig, Figure)
            targets = charts.drill_targets(fig)
            assert targets, f"{key} has nothing to click"
            for t in targets:
                assert t.count > 0
                assert counts.count(s, t.filter) == t.count, f"{key}: {t.label}"
                assert charts.target_for(fig, t.artist) is t
            assert fig.get_facecolor()[:3] == pytest.approx(
                tuple(int(pal.background[i : i + 2], 16) / 255 for i in (1, 3, 5))
            )
            png = charts.figure_bytes(fig, "png", dpi=60)
            assert png.startswith(b"\x89PNG")
            if key == "per_period":
                assert b"<svg" in charts.figure_bytes(fig, "svg")
                assert charts.figure_bytes(fig, "pdf").startswith(b"%PDF")


def test_period_chart_bars_add_up_to_the_filtered_count(db: Database, refs: dict[str, Any]) -> None:
    _fill(db, refs)
    with db.reading() as s:
        fig = charts.figure_incidents_per_period(s, FILT, "month")
        targets = charts.drill_targets(fig)
        assert sum(t.count for t in targets) == counts.count(s, FILT) == 6
        heights = sorted(int(t.artist.get_height()) for t in targets)  # type: ignore[attr-defined]
        assert heights == sorted(t.count for t in targets)
        ax = fig.axes[0]
        assert [t.get_text() for t in ax.get_xticklabels()] == ["Jan 2026", "Feb 2026", "Mar 2026"]


def test_empty_filter_gives_a_readable_empty_chart(db: Database) -> None:
    nothing = IncidentFilter(date_from=dt.date(1990, 1, 1), date_to=dt.date(1990, 1, 31))
    with db.reading() as s:
        for _key, (_title, fn) in charts.CHARTS.items():
            fig = fn(s, nothing)
            assert charts.drill_targets(fig) == []
            texts = [t.get_text() for t in fig.axes[0].texts]
            assert any(t.startswith("No ") for t in texts)


def test_charts_module_stays_off_pyplot_and_qt() -> None:
    source = Path(charts.__file__).read_text(encoding="utf-8")
    imports = [ln for ln in source.splitlines() if ln.lstrip().startswith(("import ", "from "))]
    assert imports
    assert not [ln for ln in imports if "pyplot" in ln or "PySide6" in ln or "backend_qt" in ln]
