"""Recordable rates with known hours, hours entry and import, backlog, overdue actions, repeats, heat map."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from incident_desk.actor import Actor
from incident_desk.db import Database
from incident_desk.errors import PermissionDenied, ValidationError
from incident_desk.incidents.query import IncidentFilter
from incident_desk.incidents.workflow import Stage as WorkflowStage
from incident_desk.metrics import counts, hours, rates, risk
from incident_desk.org.models import HoursWorked
from incident_desk.risk.models import Assessment, CorrectiveAction, Hazard, RiskMatrix, RiskMatrixVersion
from tests.metrics_helpers import T0, H, add_incident, add_person

ALL = IncidentFilter()


def test_trir_dart_ltifr_severity_with_known_hours(
    db: Database, refs: dict[str, Any], actors: dict[str, Actor]
) -> None:
    plant, depot = refs["site"]["Test Plant"], refs["site"]["Test Depot"]
    with db.transaction() as s:
        hours.set_month(s, actors["officer"], plant, 2026, 3, Decimal("150000"), 900)
        hours.set_month(s, actors["officer"], depot, 2026, 3, Decimal("50000"), 300)
        hours.set_month(s, actors["officer"], plant, 2026, 4, Decimal("1000000"), 900)  # outside the range
        a = add_incident(s, refs, occurred=T0)
        add_person(s, a, outcome="days_away", days_away=200, treatment="lost_time")  # capped at 180
        add_person(s, a, outcome="restricted", days_restricted=5)
        b = add_incident(s, refs, occurred=T0 + H, site="Test Depot", location="Yard")
        add_person(s, b, outcome="death", treatment="fatality")
        add_person(s, b, outcome="other")
        add_person(s, b, recordable=False, treatment="first_aid")  # first aid only: not recordable
        c = add_incident(s, refs, occurred=T0, voided=True)
        add_person(s, c, outcome="days_away", days_away=3)  # void incident: not counted
    march = IncidentFilter(date_from=dt.date(2026, 3, 1), date_to=dt.date(2026, 3, 31))
    with db.reading() as s:
        r = rates.recordable_rates(s, march)
        plant_only = rates.recordable_rates(s, march.with_(site_ids=(plant,)))
        assert counts.count(s, r.recordable_filter) == 2
        assert counts.count(s, r.dart_filter) == 1
        assert counts.count(s, r.lti_filter) == 2
    assert r.hours == Decimal("200000") and r.employees == 1200
    assert (r.recordable, r.dart_cases, r.lost_time, r.days_lost) == (4, 2, 2, 180)
    assert r.trir == pytest.approx(4.0)  # 4 × 200,000 / 200,000
    assert r.dart == pytest.approx(2.0)
    assert r.ltifr == pytest.approx(10.0)  # 2 × 1,000,000 / 200,000
    assert r.severity == pytest.approx(180.0)
    assert plant_only.hours == Decimal("150000") and plant_only.recordable == 2
    assert plant_only.trir == pytest.approx(2 * 200_000 / 150_000)


def test_rates_without_hours_are_unknown_not_zero(db: Database, refs: dict[str, Any]) -> None:
    with db.transaction() as s:
        add_person(s, add_incident(s, refs), outcome="other")
    with db.reading() as s:
        r = rates.recordable_rates(s, ALL)
    assert r.recordable == 1 and r.trir is None and r.ltifr is None


def test_hours_save_year_import_csv_and_permissions(
    db: Database, refs: dict[str, Any], actors: dict[str, Actor]
) -> None:
    with db.transaction() as s:
        changed = hours.save_year(
            s,
            actors["manager"],
            refs["site"]["Test Plant"],
            2025,
            {1: (Decimal("1600"), 10), 2: (Decimal("1500.5"), 10)},
        )
        assert changed == 2
        assert (
            hours.save_year(
                s, actors["manager"], refs["site"]["Test Plant"], 2025, {1: (Decimal("1600"), 10)}
            )
            == 0
        )
        n = hours.import_csv(
            s,
            actors["officer"],
            'site,year,month,hours,employees\nTest Depot,2025,1,"2,000",12\nTP,2025,2,1700,11\n',
        )
        assert n == 2
    with db.reading() as s:
        plant = hours.year_hours(s, refs["site"]["Test Plant"], 2025)
        depot = hours.year_hours(s, refs["site"]["Test Depot"], 2025)
    assert (
        plant[1].hours == Decimal("1600") and plant[2].hours == Decimal("1700") and plant[2].employees == 11
    )
    assert depot[1].hours == Decimal("2000")
    with (
        pytest.raises(ValidationError, match="Line 2: there is no site called “Nowhere”"),
        db.transaction() as s,
    ):
        hours.import_csv(s, actors["officer"], "site,year,month,hours,employees\nNowhere,2025,1,10,1\n")
    with pytest.raises(ValidationError, match="Month 13 is not between 1 and 12"), db.transaction() as s:
        hours.import_csv(s, actors["officer"], "site,year,month,hours,employees\nTest Plant,2025,13,10,1\n")
    with pytest.raises(ValidationError, match="lacks the column employees"), db.transaction() as s:
        hours.import_csv(s, actors["officer"], "site,year,month,hours\nTest Plant,2025,1,10\n")
    with pytest.raises(PermissionDenied), db.transaction() as s:
        hours.set_month(s, actors["reporter"], refs["site"]["Test Plant"], 2025, 3, Decimal(1), 1)
    with db.reading() as s:
        assert s.query(HoursWorked).count() == 3


def test_backlog_by_stage_and_age(db: Database, refs: dict[str, Any]) -> None:
    now = T0 + 100 * 24 * H
    with db.transaction() as s:
        add_incident(s, refs, reported=now - 2 * H, status="reported")
        add_incident(s, refs, reported=now - 3 * 24 * H, status="assessment")
        add_incident(s, refs, reported=now - 10 * 24 * H, status="awaiting_signoff")
        add_incident(s, refs, reported=now - 10 * 24 * H, status="signed_off")
        add_incident(s, refs, reported=now - 95 * 24 * H, status="resolution")
        add_incident(s, refs, reported=now - 95 * 24 * H, status="closed")
    with db.reading() as s:
        b = counts.backlog(s, ALL, now)
        assert b.total == 5
        assert b.counts[(WorkflowStage.PRIORITISATION, "7–30 days")] == 2
        assert b.counts[(WorkflowStage.IDENTIFICATION, "< 1 day")] == 1
        assert b.counts[(WorkflowStage.RESOLUTION, "> 90 days")] == 1
        assert b.by_bucket("1–7 days") == 1
        assert counts.count(s, b.filters[(WorkflowStage.PRIORITISATION, "7–30 days")], now) == 2


def test_overdue_actions_and_repeat_incidents(db: Database, refs: dict[str, Any]) -> None:
    today = dt.date(2026, 3, 10)
    with db.transaction() as s:
        a = add_incident(s, refs, type_="injury")
        b = add_incident(s, refs, type_="injury")
        c = add_incident(s, refs, type_="injury")
        add_incident(s, refs, type_="near_miss")
        add_incident(s, refs, type_="near_miss", location="Yard", site="Test Depot")
        for inc, due, status in (
            (a, dt.date(2026, 3, 9), "open"),
            (a, dt.date(2026, 3, 1), "in_progress"),
            (b, dt.date(2026, 3, 10), "open"),  # due today: not overdue yet
            (c, dt.date(2026, 3, 1), "done"),
        ):
            s.add(
                CorrectiveAction(
                    incident_id=inc.id,
                    description="Fix it",
                    action_type="corrective",
                    due_date=due,
                    status=status,
                )
            )
    with db.reading() as s:
        od = counts.overdue_actions(s, ALL, today)
        assert (od.actions, od.incidents) == (2, 1)
        assert counts.count(s, od.filter) == 1
        total, worst = counts.repeat_incidents(s, ALL)
        assert total == 2
        assert [(r.location.label, r.type_name, r.count) for r in worst] == [("Workshop (TP)", "Injury", 3)]
        assert counts.count(s, worst[0].filter) == 3


def test_risk_heat_map_counts_current_assessments_per_cell(db: Database, refs: dict[str, Any]) -> None:
    definition = {
        "name": "3x3",
        "likelihood": [{"code": c, "label": c, "value": i + 1} for i, c in enumerate("ABC")],
        "severity": [{"code": str(i), "label": str(i), "value": i} for i in (1, 2, 3)],
        "bands": [{"name": "All", "colour": "#ff0000", "min_score": 1, "max_score": 9}],
    }
    with db.transaction() as s:
        m = RiskMatrix(name="Test 3x3")
        s.add(m)
        s.flush()
        v = RiskMatrixVersion(matrix_id=m.id, number=1, definition=definition)
        s.add(v)
        s.flush()
        i1, i2, i3 = (add_incident(s, refs) for _ in range(3))
        s.add(
            Assessment(
                incident_id=i1.id,
                revision=1,
                matrix_version_id=v.id,
                overall_likelihood="A",
                overall_severity="1",
                status="superseded",
            )
        )
        s.add(
            Assessment(
                incident_id=i1.id,
                revision=2,
                matrix_version_id=v.id,
                overall_likelihood="C",
                overall_severity="3",
                status="submitted",
            )
        )
        a2 = Assessment(
            incident_id=i2.id,
            revision=1,
            matrix_version_id=v.id,
            overall_likelihood="C",
            overall_severity="3",
        )
        s.add(a2)
        s.add(
            Assessment(
                incident_id=i3.id,
                revision=1,
                matrix_version_id=v.id,
                overall_likelihood="B",
                overall_severity="2",
            )
        )
        s.flush()
        s.add_all(
            [
                Hazard(assessment_id=a2.id, description="h1", inherent_likelihood="C", inherent_severity="3"),
                Hazard(assessment_id=a2.id, description="h2", inherent_likelihood="A", inherent_severity="1"),
            ]
        )
    with db.reading() as s:
        (hm,) = risk.heat_maps(s, ALL)
        assert hm.counts == {("C", "3"): 2, ("B", "2"): 1}
        assert counts.count(s, hm.filters[("C", "3")]) == 2
        (inherent,) = risk.heat_maps(s, ALL, "inherent")
        assert inherent.counts == {("C", "3"): 1, ("A", "1"): 1}
    assert risk.matrix_axes(definition)[0] == [("A", "A"), ("B", "B"), ("C", "C")]
