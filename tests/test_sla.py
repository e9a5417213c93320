"""SLA policy: targets per severity and risk band, each incident's deadlines, editing by an administrator."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from sqlalchemy import select

from incident_desk.actor import Actor
from incident_desk.audit.models import AuditEvent
from incident_desk.db import Database
from incident_desk.errors import PermissionDenied, ValidationError
from incident_desk.incidents import workflow
from incident_desk.incidents.models import Incident
from incident_desk.notify import sla

H = dt.timedelta(hours=1)


def test_default_targets_critical_tightest(db: Database) -> None:
    with db.reading() as s:
        rows = sla.list_targets(s)
    assert [r.severity for r in rows] == ["Critical", "Urgent", "Major", "Minor"]
    assert all(a.acknowledge_minutes < b.acknowledge_minutes for a, b in itertools.pairwise(rows))
    assert (rows[0].acknowledge_minutes, rows[0].resolve_minutes) == (60, 2 * 24 * 60)


def test_deadlines_remaining_and_late(
    db: Database, actors: dict[str, Actor], refs: dict[str, Any], make_incident: Any
) -> None:
    reported = dt.datetime.now(dt.UTC).replace(microsecond=0) - 2 * H
    iid = make_incident(
        "reporter", severity_id=refs["severity"]["Critical"], reported_at=reported, occurred_at=reported - H
    )
    with db.transaction() as s:
        inc = s.get(Incident, iid)
        assert inc is not None
        workflow.transition(
            s, actors["officer"], inc, "start_assessment", at=reported + dt.timedelta(minutes=90)
        )
    with db.reading() as s:
        inc = s.get(Incident, iid)
        assert inc is not None
        now = reported + 3 * H
        ack, assess, signoff, resolve = sla.deadlines(s, inc, now=now)
        assert (ack.due_at, ack.state, ack.describe()) == (reported + H, "missed", "Done 30 min late")
        assert (assess.due_at, assess.state, assess.describe()) == (reported + 4 * H, "open", "1 h left")
        assert sla.next_deadline(s, inc, now=now) == assess
        late = sla.deadlines(s, inc, now=reported + 6 * H + dt.timedelta(minutes=5))[1]
        assert (late.state, late.describe()) == ("overdue", "2 h 5 min late")
        assert resolve.due_at == reported + 48 * H and signoff.due_at == reported + 8 * H


def test_band_target_overrides_severity_default(
    db: Database, actors: dict[str, Actor], refs: dict[str, Any], make_incident: Any
) -> None:
    major = refs["severity"]["Major"]
    with db.transaction() as s:
        sla.set_targets(
            s,
            actors["admin"],
            major,
            band="High",
            acknowledge_minutes=30,
            assess_minutes=120,
            signoff_minutes=240,
            resolve_minutes=1440,
        )
    iid = make_incident("reporter", severity_id=major)
    with db.transaction() as s:
        inc = s.get(Incident, iid)
        assert inc is not None
        assert sla.deadlines(s, inc, now=inc.reported_at)[0].due_at == inc.reported_at + dt.timedelta(days=1)
        inc.priority = "High"
        assert sla.deadlines(s, inc, now=inc.reported_at)[0].due_at == inc.reported_at + dt.timedelta(
            minutes=30
        )
        inc.priority = "Low"  # no target of its own: the severity default
        assert sla.deadlines(s, inc, now=inc.reported_at)[0].due_at == inc.reported_at + dt.timedelta(days=1)
    with db.transaction() as s:
        assert sla.remove_band_target(s, actors["admin"], major, "High")
        with pytest.raises(ValidationError):
            sla.remove_band_target(s, actors["admin"], major, "")


def test_set_targets_is_validated_audited_and_admin_only(
    db: Database, actors: dict[str, Actor], refs: dict[str, Any]
) -> None:
    critical = refs["severity"]["Critical"]
    with db.transaction() as s, pytest.raises(PermissionDenied):
        sla.set_targets(
            s,
            actors["manager"],
            critical,
            acknowledge_minutes=30,
            assess_minutes=60,
            signoff_minutes=90,
            resolve_minutes=120,
        )
    with db.transaction() as s, pytest.raises(ValidationError) as err:
        sla.set_targets(
            s,
            actors["admin"],
            critical,
            acknowledge_minutes=0,
            assess_minutes=60,
            signoff_minutes=90,
            resolve_minutes=120,
        )
    assert err.value.problems["acknowledge_minutes"] == [
        "The acknowledge target for Critical must be a positive number of minutes."
    ]
    with db.transaction() as s, pytest.raises(ValidationError) as err:
        sla.set_targets(
            s,
            actors["admin"],
            critical,
            acknowledge_minutes=300,
            assess_minutes=60,
            signoff_minutes=90,
            resolve_minutes=120,
        )
    assert "must not decrease" in str(err.value)
    with db.transaction() as s:
        sla.set_targets(
            s,
            actors["admin"],
            critical,
            acknowledge_minutes=30,
            assess_minutes=60,
            signoff_minutes=90,
            resolve_minutes=120,
        )
        sla.set_targets(
            s,
            actors["admin"],
            critical,
            acknowledge_minutes=30,
            assess_minutes=60,
            signoff_minutes=90,
            resolve_minutes=120,
        )  # no change: no audit event
    with db.reading() as s:
        row = next(r for r in sla.list_targets(s) if r.severity == "Critical" and r.band is None)
        assert (row.acknowledge_minutes, row.resolve_minutes) == (30, 120)
        events = s.scalars(select(AuditEvent).where(AuditEvent.entity == "sla_target")).all()
        assert [e.summary for e in events] == ["Changed the SLA targets for Critical"]
        assert events[0].details["changes"]["acknowledge_minutes"] == [60, 30]


@pytest.mark.parametrize(
    ("minutes", "text"),
    [(45, "45 min"), (60, "1 h"), (200, "3 h 20 min"), (3000, "2 d 2 h"), (-90, "1 h 30 min")],
)
def test_format_minutes(minutes: int, text: str) -> None:
    assert sla.format_minutes(minutes) == text
