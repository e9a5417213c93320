"""Metric functions against small hand-computed fixtures, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from incident_desk.db import Database
from incident_desk.incidents.query import IncidentFilter
from incident_desk.metrics import counts, timing
from incident_desk.metrics.grouping import Grouping
from incident_desk.metrics.timing import Stage
from tests.metrics_helpers import T0, H, add_incident

ALL = IncidentFilter()


def approx(value: float | None) -> Any:
    return pytest.approx(value, abs=1e-6)


def test_mttr_mean_median_p90_overall_and_per_severity(db: Database, refs: dict[str, Any]) -> None:
    with db.transaction() as s:
        for hours in (10, 20, 30, 40):
            add_incident(
                s, refs, severity="Major", status="follow_up", reported=T0, resolved_at=T0 + hours * H
            )
        add_incident(
            s,
            refs,
            severity="Minor",
            status="closed",
            reported=T0,
            resolved_at=T0 + 5 * H,
            closed_at=T0 + 50 * H,
        )
        add_incident(s, refs, severity="Major", status="resolution", reported=T0)  # not resolved: not counted
        add_incident(
            s, refs, severity="Major", status="follow_up", reported=T0, resolved_at=T0 + H, voided=True
        )  # void: never counted
    with db.reading() as s:
        (overall,) = timing.time_to(s, ALL, Stage.RESOLVE)
        per = {d.slice.label: d for d in timing.time_to(s, ALL, Stage.RESOLVE, Grouping.SEVERITY)}
    assert overall.count == 5
    assert overall.mean_h == approx(21.0)
    assert overall.median_h == approx(20.0)
    assert overall.p90_h == approx(36.0)  # percentile_cont: 30 + 0.6 × (40 − 30)
    assert list(per) == ["Major", "Minor"]  # severity rank order
    major = per["Major"]
    assert (major.count, major.mean_h, major.median_h, major.p90_h) == (4, approx(25), approx(25), approx(37))
    assert major.target_h == 14 * 24 and not major.over_target
    assert per["Minor"].mean_h == approx(5) and per["Minor"].target_h == 30 * 24


def test_mtta_and_signoff_time_with_minutes(db: Database, refs: dict[str, Any]) -> None:
    with db.transaction() as s:
        add_incident(
            s,
            refs,
            severity="Critical",
            reported=T0,
            acknowledged_at=T0 + dt.timedelta(minutes=30),
            signed_off_at=T0 + 6 * H,
            status="signed_off",
        )
        add_incident(
            s,
            refs,
            severity="Critical",
            reported=T0,
            acknowledged_at=T0 + dt.timedelta(minutes=90),
            status="assessment",
        )
    with db.reading() as s:
        (ack,) = timing.time_to(s, ALL, Stage.ACKNOWLEDGE, Grouping.SEVERITY)
        (sign,) = timing.time_to(s, ALL, Stage.SIGNOFF)
    assert ack.count == 2 and ack.mean_h == approx(1.0) and ack.target_h == 1.0
    assert ack.median_h == approx(1.0) and ack.p90_h == approx(1.4)
    assert sign.count == 1 and sign.mean_h == approx(6.0) and sign.median_h == approx(6.0)


def test_sla_compliance_deadline_edges_and_drill_down(db: Database, refs: dict[str, Any]) -> None:
    # Critical: resolve within 2 days, acknowledge within 1 hour.
    now = T0 + 100 * H
    deadline = dt.timedelta(days=2)
    with db.transaction() as s:
        add_incident(s, refs, severity="Critical", reported=T0, resolved_at=T0 + deadline, status="follow_up")
        add_incident(
            s,
            refs,
            severity="Critical",
            reported=T0,
            status="follow_up",
            resolved_at=T0 + deadline + dt.timedelta(seconds=1),
        )
        add_incident(s, refs, severity="Critical", reported=now - 49 * H, status="resolution")  # open, late
        add_incident(
            s, refs, severity="Critical", reported=now - 48 * H, status="resolution"
        )  # open, on deadline
        add_incident(s, refs, severity="Critical", reported=now - H, status="assessment")  # open, within
        add_incident(s, refs, severity="Critical", reported=T0, status="closed")  # closed, no timestamp
        add_incident(s, refs, severity="Minor", reported=T0, resolved_at=T0 + H, status="follow_up")
    with db.reading() as s:
        rows = {c.slice.label: c for c in timing.sla_compliance(s, ALL, Stage.RESOLVE, now=now)}
        crit = rows["Critical"]
        assert (crit.met, crit.missed, crit.pending) == (1, 2, 2)
        assert crit.rate == pytest.approx(1 / 3)
        assert crit.target_h == 48
        assert (rows["Minor"].met, rows["Minor"].missed, rows["Minor"].pending) == (1, 0, 0)
        # The drill-down filters list exactly the counted incidents.
        assert counts.count(s, crit.met_filter, now) == 1
        assert counts.count(s, crit.missed_filter, now) == 2
        assert counts.count(s, crit.pending_filter, now) == 2
        (overall,) = timing.sla_compliance(s, ALL, Stage.RESOLVE, grouping=None, now=now)
        assert (overall.met, overall.missed, overall.pending) == (2, 2, 2)


def test_grouping_by_weekday_and_hour(db: Database, refs: dict[str, Any]) -> None:
    monday_9 = T0 + H  # 09:00 Monday
    with db.transaction() as s:
        add_incident(s, refs, occurred=monday_9)
        add_incident(s, refs, occurred=monday_9 + dt.timedelta(minutes=40))
        add_incident(s, refs, occurred=monday_9 + dt.timedelta(days=2, hours=5))  # Wednesday 14:00
        add_incident(s, refs, occurred=monday_9 + dt.timedelta(days=6, hours=-9))  # Sunday 00:00
    with db.reading() as s:
        by_day = {g.slice.label: g.count for g in counts.counts_by(s, ALL, Grouping.WEEKDAY)}
        by_hour = {g.slice.key: g.count for g in counts.counts_by(s, ALL, Grouping.HOUR)}
        g = counts.grid(s, ALL, Grouping.WEEKDAY, Grouping.HOUR, all_rows=True, all_columns=True)
        assert len(g.rows) == 7 and len(g.columns) == 24
        assert counts.count(s, g.filters[(0, 9)]) == g.counts[(0, 9)] == 2
    assert by_day == {"Mon": 2, "Wed": 1, "Sun": 1}
    assert by_hour == {0: 1, 9: 2, 14: 1}
    assert g.counts[(2, 14)] == 1 and g.counts[(6, 0)] == 1 and g.total() == 4


def test_periods_week_month_quarter_and_frequency_change(db: Database, refs: dict[str, Any]) -> None:
    dates = [
        dt.datetime(2026, 1, 7, 10, tzinfo=dt.UTC),
        dt.datetime(2026, 1, 20, 10, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 4, 10, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 5, 10, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 8, 10, tzinfo=dt.UTC),
        dt.datetime(2026, 4, 1, 10, tzinfo=dt.UTC),
    ]
    with db.transaction() as s:
        for d in dates:
            add_incident(s, refs, occurred=d)
    filt = IncidentFilter(date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 4, 30))
    with db.reading() as s:
        monthly = counts.frequency(s, filt, Grouping.MONTH)
        weekly = {g.slice.key: g.count for g in counts.counts_by(s, filt, Grouping.WEEK)}
        quarterly = {g.slice.label: g.count for g in counts.counts_by(s, filt, Grouping.QUARTER)}
        assert counts.count(s, monthly[2].filter) == 3
    assert [(p.label, p.count) for p in monthly] == [
        ("Jan 2026", 2),
        ("Feb 2026", 0),
        ("Mar 2026", 3),
        ("Apr 2026", 1),
    ]
    assert monthly[0].change is None and monthly[1].change == -1.0 and monthly[2].change is None
    assert monthly[3].change == pytest.approx(-2 / 3)
    # Weeks start on Monday: 4 and 5 March (Wed, Thu) and 8 March (Sun) are all in the week of 2 March.
    assert {str(k)[:10]: v for k, v in weekly.items()} == {
        "2026-01-05": 1,
        "2026-01-19": 1,
        "2026-03-02": 3,
        "2026-03-30": 1,
    }
    assert quarterly == {"Q1 2026": 5, "Q2 2026": 1}
    assert monthly[2].filter.date_from == dt.date(2026, 3, 1) and monthly[2].filter.date_to == dt.date(
        2026, 3, 31
    )
    prev = counts.previous_window(IncidentFilter(date_from=dt.date(2026, 3, 1), date_to=dt.date(2026, 3, 31)))
    assert prev is not None and (prev.date_from, prev.date_to) == (dt.date(2026, 1, 29), dt.date(2026, 2, 28))


def test_period_severity_grid_fills_empty_periods(db: Database, refs: dict[str, Any]) -> None:
    with db.transaction() as s:
        add_incident(s, refs, severity="Minor", occurred=dt.datetime(2026, 1, 7, tzinfo=dt.UTC))
        add_incident(s, refs, severity="Major", occurred=dt.datetime(2026, 3, 7, tzinfo=dt.UTC))
        add_incident(s, refs, severity="Major", occurred=dt.datetime(2026, 3, 9, tzinfo=dt.UTC))
    filt = IncidentFilter(date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 3, 31))
    with db.reading() as s:
        g = counts.period_severity_grid(s, filt, Grouping.MONTH)
        major = refs["severity"]["Major"]
        assert [r.label for r in g.rows] == ["Jan 2026", "Feb 2026", "Mar 2026"]
        assert g.counts[(dt.date(2026, 3, 1), major)] == 2
        assert counts.count(s, g.filters[(dt.date(2026, 3, 1), major)]) == 2


def test_cost_by_type_and_location_and_satisfaction(db: Database, refs: dict[str, Any]) -> None:
    with db.transaction() as s:
        add_incident(
            s,
            refs,
            type_="injury",
            direct_cost=Decimal("100.10"),
            indirect_cost=Decimal("50.05"),
            customer="Acme Corp",
            satisfaction=4,
        )
        add_incident(
            s,
            refs,
            type_="injury",
            direct_cost=Decimal("200.00"),
            indirect_cost=Decimal("0"),
            customer="Acme Corp",
            satisfaction=2,
            location="Loading bay",
        )
        add_incident(
            s,
            refs,
            type_="vehicle",
            direct_cost=Decimal("1000.00"),
            indirect_cost=Decimal("500.00"),
            customer="Globex",
        )  # customer affected, no score yet
        add_incident(s, refs, type_="near_miss", satisfaction=5)  # no customer: not counted
    with db.reading() as s:
        (total,) = counts.cost(s, ALL)
        by_type = counts.cost(s, ALL, Grouping.TYPE)
        by_loc = {c.slice.label: c.total for c in counts.cost(s, ALL, Grouping.LOCATION)}
        (sat,) = counts.satisfaction(s, ALL)
        per_customer = {
            x.slice.label: (x.responses, x.mean) for x in counts.satisfaction(s, ALL, Grouping.CUSTOMER)
        }
        assert counts.count(s, by_type[0].slice.filter) == 1
    assert (total.direct, total.indirect, total.total) == (
        Decimal("1300.10"),
        Decimal("550.05"),
        Decimal("1850.15"),
    )
    assert [(c.slice.label, c.total, c.count) for c in by_type] == [
        ("Vehicle", Decimal("1500.00"), 1),
        ("Injury", Decimal("350.15"), 2),
        ("Near miss", Decimal("0.00"), 1),
    ]
    assert by_loc == {
        "Workshop (TP)": Decimal("1650.15"),
        "Loading bay (TP)": Decimal("200.00"),
    }
    assert (sat.responses, sat.mean, sat.incidents) == (2, 3.0, 3)
    assert per_customer == {"Acme Corp": (2, 3.0), "Globex": (0, None)}


def test_filters_combine_with_grouping(db: Database, refs: dict[str, Any]) -> None:
    with db.transaction() as s:
        add_incident(s, refs, severity="Major", site="Test Plant", status="follow_up", resolved_at=T0 + 2 * H)
        add_incident(
            s,
            refs,
            severity="Major",
            site="Test Depot",
            location="Yard",
            status="follow_up",
            resolved_at=T0 + 4 * H,
        )
        add_incident(
            s,
            refs,
            severity="Minor",
            site="Test Depot",
            location="Yard",
            status="closed",
            resolved_at=T0 + 8 * H,
        )
    depot = IncidentFilter(site_ids=(refs["site"]["Test Depot"],))
    with db.reading() as s:
        (d,) = timing.time_to(s, depot.with_(statuses=("follow_up",)), Stage.RESOLVE)
        by_site = {x.slice.label: x.mean_h for x in timing.time_to(s, ALL, Stage.RESOLVE, Grouping.SITE)}
    assert d.count == 1 and d.mean_h == approx(4)
    assert by_site == {"Test Depot": approx(6), "Test Plant": approx(2)}


def test_sign_off_and_assess_times_per_site_and_sla_per_type(db: Database, refs: dict[str, Any]) -> None:
    """Stages and groupings outside the shared severity summary take their own query."""
    now = T0 + 100 * H
    with db.transaction() as s:
        add_incident(
            s,
            refs,
            severity="Major",
            reported=T0,
            submitted_at=T0 + 2 * H,
            signed_off_at=T0 + 4 * H,
            status="signed_off",
        )
        add_incident(
            s,
            refs,
            severity="Major",
            reported=T0,
            submitted_at=T0 + 6 * H,
            status="awaiting_signoff",
            site="Test Depot",
            location="Yard",
        )
    with db.reading() as s:
        (sign,) = timing.time_to(s, ALL, Stage.SIGNOFF)
        assess = {d.slice.label: d.mean_h for d in timing.time_to(s, ALL, Stage.ASSESS, Grouping.SITE)}
        (overall,) = timing.sla_compliance(s, ALL, Stage.SIGNOFF, grouping=None, now=now)
        by_type = timing.sla_compliance(s, ALL, Stage.RESOLVE, Grouping.TYPE, now=now)
    assert sign.count == 1 and sign.mean_h == approx(4)
    assert assess == {"Test Depot": approx(6), "Test Plant": approx(2)}
    assert (overall.met, overall.missed, overall.pending) == (1, 0, 1)  # Major sign-off target: 5 days
    assert [(c.slice.label, c.met, c.missed, c.pending) for c in by_type] == [("Injury", 0, 0, 2)]
