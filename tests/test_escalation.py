"""The escalation checker: reminders before a deadline, one escalation per level after it, across two clients."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from incident_desk.actor import Actor
from incident_desk.audit.chain import verify_chain
from incident_desk.audit.models import AuditEvent
from incident_desk.cli.parser import main
from incident_desk.db import Database
from incident_desk.errors import PermissionDenied, ValidationError
from incident_desk.incidents import workflow
from incident_desk.incidents.models import Incident
from incident_desk.notify import escalation, outbox
from incident_desk.notify.models import Escalation, InboxItem, OutboxMessage
from tests.test_notify import SmtpServer, configure_smtp
from tests.test_notify import smtp_server as smtp_server  # the fixture

M = dt.timedelta(minutes=1)


def levels_of(db: Database, incident_id: int, target: str = "acknowledge") -> list[int]:
    with db.reading() as s:
        return sorted(
            s.scalars(
                select(Escalation.level).where(
                    Escalation.incident_id == incident_id, Escalation.target == target
                )
            )
        )


def critical(make_incident: Any, refs: dict[str, Any], reported: dt.datetime, **kw: Any) -> int:
    return int(
        make_incident(
            "reporter",
            severity_id=refs["severity"]["Critical"],
            reported_at=reported,
            occurred_at=reported - 10 * M,
            **kw,
        )
    )


def test_breach_escalates_once_per_level(
    db: Database, actors: dict[str, Actor], refs: dict[str, Any], make_incident: Any
) -> None:
    t0 = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=1)
    iid = critical(make_incident, refs, t0)
    # Critical: acknowledge within 60 min; the reminder comes 30 min before (half the target at most).
    assert escalation.check(db, now=t0 + 20 * M).reminders == 0
    for _ in range(3):
        escalation.check(db, now=t0 + 35 * M)
    assert levels_of(db, iid) == [0]
    for _ in range(3):
        escalation.check(db, now=t0 + 61 * M)
    assert levels_of(db, iid) == [0, 1]
    with db.reading() as s:
        told = set(s.scalars(select(InboxItem.user_id).where(InboxItem.event == "sla_breached")))
        # Level 1: the assignee (none yet) and the safety officers.
        assert told == {actors["officer"].user_id, actors["officer2"].user_id}
    for minutes in (100, 179, 181, 200):
        escalation.check(db, now=t0 + minutes * M)
    assert levels_of(db, iid) == [0, 1, 2]  # level 2 is 120 min after the deadline
    escalation.check(db, now=t0 + (60 + 480) * M)
    escalation.check(db, now=t0 + (60 + 480) * M)
    assert levels_of(db, iid) == [0, 1, 2, 3]
    with db.reading() as s:
        events = s.scalars(
            select(AuditEvent.summary).where(
                AuditEvent.kind == "escalate",
                AuditEvent.incident_id == iid,
                AuditEvent.summary.contains("cknowledge"),
            )
        ).all()
        assert len(events) == 4
        assert events[1].startswith("Acknowledge deadline missed (1 min late): escalated to level 1")
        assert "told Olu Officer, Oona Officer" in events[1]
        assert list(verify_chain(s)) == []
        # Each escalation level mails its people once.
        keys = s.scalars(
            select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.like(f"esc:{iid}:%"))
        ).all()
        assert len(keys) == len(set(keys)) > 0


def test_acknowledging_stops_the_escalation(
    db: Database, actors: dict[str, Actor], refs: dict[str, Any], make_incident: Any
) -> None:
    t0 = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=30)
    iid = critical(make_incident, refs, t0)
    escalation.check(db, now=t0 + 40 * M)
    assert levels_of(db, iid) == [0]
    with db.transaction() as s:
        inc = s.get(Incident, iid)
        workflow.transition(s, actors["officer"], inc, "start_assessment")  # type: ignore[arg-type]
    escalation.check(db, now=t0 + 500 * M)
    assert levels_of(db, iid) == [0]
    # …but the assess deadline (4 h) has passed by 260 min: levels 1 and 2 (120 min after), no late reminder.
    assert levels_of(db, iid, "assess") == [1, 2]


def test_reminder_is_not_sent_after_the_deadline(
    db: Database, refs: dict[str, Any], make_incident: Any
) -> None:
    t0 = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=2)
    iid = critical(make_incident, refs, t0)
    escalation.check(db, now=t0 + 70 * M)
    assert levels_of(db, iid) == [1]


def test_closed_and_void_incidents_do_not_escalate(
    db: Database, actors: dict[str, Actor], refs: dict[str, Any], make_incident: Any
) -> None:
    from incident_desk.incidents import service

    t0 = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=2)
    iid = critical(make_incident, refs, t0)
    with db.transaction() as s:
        service.void(s, actors["officer"], iid, "Duplicate of another report")
    assert escalation.check(db, now=t0 + dt.timedelta(days=30)).escalations == 0


def test_two_checkers_at_once_escalate_once(
    db: Database,
    db_url: str,
    refs: dict[str, Any],
    make_incident: Any,
    actors: dict[str, Actor],
    smtp_server: SmtpServer,
) -> None:
    configure_smtp(db, actors["admin"], smtp_server.port)
    t0 = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=2)
    ids = [critical(make_incident, refs, t0, title=f"Fire {i}") for i in range(4)]
    outbox.deliver_due(db)  # the "incident reported" mails
    before = len(smtp_server.sink.received)
    other = Database(db_url)
    barrier = threading.Barrier(2)
    reports: list[escalation.CheckReport] = []
    errors: list[BaseException] = []

    def run(database: Database, name: str) -> None:
        try:
            barrier.wait()
            reports.append(escalation.check(database, now=t0 + 61 * M))
            outbox.deliver_due(database, now=t0 + 61 * M, worker=name)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(d, n)) for d, n in ((db, "a"), (other, "b"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    other.dispose()
    assert not errors
    assert sum(r.escalations for r in reports) == 4
    for iid in ids:
        assert levels_of(db, iid) == [1]
    with db.reading() as s:
        assert (
            s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.kind == "escalate")) == 4
        )
        queued = s.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "sent")
        )
    sent = smtp_server.sink.received[before:]
    # Level 1 tells the two officers about each of the four incidents: eight mails, each once.
    assert len(sent) == 8 and len({m["Message-ID"] for _r, m in sent}) == 8
    assert queued == before + 8


def test_overdue_action_is_flagged_once(db: Database, actors: dict[str, Actor], make_incident: Any) -> None:
    from incident_desk.risk.models import CorrectiveAction

    iid = make_incident("officer")
    with db.transaction() as s:
        action = CorrectiveAction(
            incident_id=iid,
            description="Fit a guard to the press",
            action_type="corrective",
            owner_id=actors["officer2"].user_id,
            due_date=dt.date(2026, 1, 10),
            status="open",
        )
        s.add(action)
    now = dt.datetime(2026, 1, 12, 9, tzinfo=dt.UTC)
    assert escalation.check(db, now=now).overdue_actions == 1
    assert escalation.check(db, now=now).overdue_actions == 0
    with db.reading() as s:
        item = s.scalars(
            select(InboxItem).where(
                InboxItem.event == "action_overdue", InboxItem.user_id == actors["officer2"].user_id
            )
        ).one()
        assert "overdue" in item.title and "Fit a guard" in item.body


def test_ladder_is_admin_only_and_validated(db: Database, actors: dict[str, Actor]) -> None:
    with db.transaction() as s, pytest.raises(PermissionDenied):
        escalation.set_ladder(s, actors["manager"], [])
    with db.transaction() as s, pytest.raises(ValidationError) as err:
        escalation.set_ladder(
            s,
            actors["admin"],
            [
                {
                    "level": 1,
                    "name": "",
                    "after_minutes": 0,
                    "recipients": [{"kind": "role", "value": "officer"}],
                }
            ],
        )
    assert "Give level 1 a name" in str(err.value)
    with db.transaction() as s:
        result = escalation.set_ladder(
            s,
            actors["admin"],
            [
                {
                    "level": 1,
                    "name": "Director",
                    "after_minutes": 0,
                    "recipients": [{"kind": "email", "value": "dir@example.test"}],
                }
            ],
        )
    assert [(lv.level, lv.name) for lv in result] == [(1, "Director")]


def test_escalate_command(
    db: Database, db_url: str, refs: dict[str, Any], make_incident: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    t0 = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=2)
    iid = critical(make_incident, refs, t0)
    assert main(["escalate", "--db", db_url, "--now", (t0 + 61 * M).isoformat()]) == 0
    out = capsys.readouterr().out
    assert "escalated to level 1" in out and "No e-mail server is configured" in out
    assert levels_of(db, iid) == [1]
    assert main(["outbox", "list", "--db", db_url]) == 0
    out = capsys.readouterr().out
    assert "Waiting:" in out and "officer@example.test" in out
    assert main(["outbox", "retry", "--db", db_url]) == 1
    assert "no failed e-mails" in capsys.readouterr().err


def test_new_action_owner_is_told_once(db: Database, actors: dict[str, Actor], make_incident: Any) -> None:
    from incident_desk import events
    from incident_desk.risk.models import CorrectiveAction

    iid = make_incident("officer")
    with db.transaction() as s:
        action = CorrectiveAction(
            incident_id=iid,
            description="Replace the worn ladder",
            action_type="corrective",
            owner_id=actors["officer2"].user_id,
            due_date=dt.date(2099, 1, 1),
            status="open",
        )
        s.add(action)
    escalation.check(db)
    escalation.check(db)
    with db.transaction() as s:  # the event, if the actions service sends it, adds nothing more
        events.emit(s, "action.assigned", action=s.get(CorrectiveAction, action.id), actor=actors["officer"])
    with db.reading() as s:
        items = s.scalars(select(InboxItem).where(InboxItem.event == "action_assigned")).all()
        assert [(i.user_id, i.incident_id) for i in items] == [(actors["officer2"].user_id, iid)]
        assert "Replace the worn ladder" in items[0].body
        mails = s.scalars(
            select(OutboxMessage.to_address).where(OutboxMessage.subject.contains("action"))
        ).all()
        assert mails == ["officer2@example.test"]
