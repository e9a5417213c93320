"""The escalation ladder and the checker that reminds before a deadline and escalates after it.

Level 0 is the reminder, sent ``after_minutes`` before the deadline (at most half the target
time before it). Levels 1, 2, … are told ``after_minutes`` after the deadline passed. Each
(incident, deadline, level) is recorded once in ``escalations`` with INSERT … ON CONFLICT DO
NOTHING: whichever checker inserts the row sends the notifications and writes the audit event,
so two clients running the checker at once never escalate twice.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.orm import Session

from incident_desk import audit
from incident_desk.actor import Actor
from incident_desk.db.base import utcnow
from incident_desk.db.database import Database
from incident_desk.errors import ValidationError
from incident_desk.incidents.models import Incident
from incident_desk.incidents.workflow import OPEN_STATUSES
from incident_desk.notify import recipients as rcpt
from incident_desk.notify import sla
from incident_desk.notify.dispatch import fire, send
from incident_desk.notify.messages import compose, local_time
from incident_desk.notify.models import Escalation, EscalationLevel
from incident_desk.notify.sql import insert_ignore
from incident_desk.org.models import SlaTarget
from incident_desk.users.roles import ALL_ROLES, require

CHECKER = Actor(None, "Escalation checker", ALL_ROLES)
DEFAULT_REMINDER_MINUTES = 240
ALL_CHANNELS = ("inbox", "desktop", "email")
ACTIVE_ACTION_STATUSES = ("open", "in_progress")


@dataclass(frozen=True)
class Level:
    level: int
    name: str
    after_minutes: int
    recipients: list[dict[str, Any]]


# -- the ladder -----------------------------------------------------------------------------
def ladder(session: Session) -> list[Level]:
    return [
        Level(r.level, r.name, r.after_minutes, list(r.recipients or []))
        for r in session.scalars(select(EscalationLevel).order_by(EscalationLevel.level))
    ]


def effective_ladder(session: Session) -> list[Level]:
    """The ladder with a reminder (level 0) and a first level even when none are configured."""
    levels = {lv.level: lv for lv in ladder(session)}
    levels.setdefault(0, Level(0, "Reminder", DEFAULT_REMINDER_MINUTES, []))
    levels.setdefault(1, Level(1, "Deadline missed", 0, []))
    return [levels[k] for k in sorted(levels)]


def set_ladder(session: Session, actor: Actor, levels: list[dict[str, Any]]) -> list[Level]:
    """Replace the ladder. Each item: level (0 = reminder), name, after_minutes, recipients."""
    require(actor, "notify.manage")
    problems: dict[str, list[str]] = {}
    seen: set[int] = set()
    clean: list[dict[str, Any]] = []
    for i, item in enumerate(levels):
        level = int(item.get("level", i))
        name = str(item.get("name", "")).strip()
        after = int(item.get("after_minutes", 0))
        recipients = [dict(r) for r in item.get("recipients", [])]
        where = f"level {level}"
        msgs = []
        if level < 0 or level in seen:
            msgs.append(f"Levels are numbered 0 (reminder), 1, 2, … each once; {level} is not allowed here.")
        if not name:
            msgs.append(f"Give {where} a name (for example “Site manager”).")
        if after < 0:
            msgs.append(f"The time for {where} cannot be negative.")
        msgs += rcpt.validate(recipients)
        if not recipients:
            msgs.append(f"Choose who is told at {where}.")
        if msgs:
            problems[where] = msgs
        seen.add(level)
        clean.append({"level": level, "name": name[:100], "after_minutes": after, "recipients": recipients})
    if problems:
        raise ValidationError(problems)
    clean.sort(key=lambda x: x["level"])
    for a, b in itertools.pairwise(clean):
        if a["level"] >= 1 and b["after_minutes"] < a["after_minutes"]:
            raise ValidationError(
                {
                    f"level {b['level']}": [
                        f"Level {b['level']} must come no sooner after the deadline than level {a['level']}."
                    ]
                }
            )
    old = [lv.__dict__ for lv in ladder(session)]
    session.execute(delete(EscalationLevel))
    session.add_all(EscalationLevel(**item) for item in clean)
    session.flush()
    audit.record(
        session,
        actor,
        "update",
        entity="escalation_ladder",
        summary="Changed the escalation ladder",
        details={"before": old, "after": clean},
    )
    return ladder(session)


# -- the checker ----------------------------------------------------------------------------
@dataclass
class CheckReport:
    reminders: int = 0
    escalations: int = 0
    overdue_actions: int = 0
    notifications: int = 0
    details: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.reminders} reminder(s), {self.escalations} escalation(s), "
            f"{self.overdue_actions} overdue action(s), {self.notifications} notification(s) queued"
        )


def candidates(session: Session, now: dt.datetime, *, limit: int = 500) -> list[tuple[int, str, int]]:
    """(incident id, deadline, level) due now and not yet recorded, in a stable order.

    Only open incidents with a deadline still to meet are read (SQL does that filtering, on the
    status index); the few thousand that may be left are compared with their targets here.
    """
    levels = effective_ladder(session)
    open_statuses = [s.value for s in OPEN_STATUSES]
    targets: dict[tuple[int, str | None], SlaTarget] = {
        (t.severity_id, t.band): t for t in session.scalars(select(SlaTarget))
    }
    if not targets:
        return []
    done_cols = [getattr(Incident, done) for _l, _m, done in sla.TARGETS.values()]
    is_open = and_(
        Incident.status.in_(open_statuses), Incident.voided.is_(False), or_(*[c.is_(None) for c in done_cols])
    )
    rows = session.execute(
        select(Incident.id, Incident.severity_id, Incident.priority, Incident.reported_at, *done_cols)
        .where(is_open)
        .order_by(Incident.id)
    ).all()
    recorded = {
        (r[0], r[1], r[2])
        for r in session.execute(
            select(Escalation.incident_id, Escalation.target, Escalation.level)
            .join(Incident, Incident.id == Escalation.incident_id)
            .where(is_open)
        )
    }
    found: list[tuple[int, str, int]] = []
    for row in rows:
        iid, severity_id, band, reported = row[0], row[1], row[2], row[3]
        target = targets.get((severity_id, band)) if band else None
        target = target or targets.get((severity_id, None))
        if target is None:
            continue
        for (name, (_label, minutes_col, _done)), done_at in zip(sla.TARGETS.items(), row[4:], strict=True):
            if done_at is not None:
                continue
            minutes = getattr(target, minutes_col)
            due = reported + dt.timedelta(minutes=minutes)
            for lv in levels:
                if lv.level == 0:
                    lead = min(lv.after_minutes, minutes // 2)
                    due_now = due - dt.timedelta(minutes=lead) <= now < due
                else:
                    due_now = now >= due + dt.timedelta(minutes=lv.after_minutes)
                if due_now and (iid, name, lv.level) not in recorded:
                    found.append((iid, name, lv.level))
                    if len(found) >= limit:
                        return found
    return found


def check(db: Database, *, now: dt.datetime | None = None, limit: int = 500) -> CheckReport:
    """Send the reminders and escalations due at ``now``; one transaction, safe to run concurrently."""
    now = now or utcnow()
    report = CheckReport()
    with db.transaction() as session:
        run_check(session, now, report, limit=limit)
    return report


def run_check(session: Session, now: dt.datetime, report: CheckReport, *, limit: int = 500) -> None:
    levels = {lv.level: lv for lv in effective_ladder(session)}
    for incident_id, target_name, level in candidates(session, now, limit=limit):
        if not insert_ignore(
            session,
            Escalation.__table__,
            {"incident_id": incident_id, "target": target_name, "level": level, "at": now},
        ):
            continue  # another checker got there first
        incident = session.get(Incident, incident_id)
        assert incident is not None
        deadline = next(d for d in sla.deadlines(session, incident, now=now) if d.target == target_name)
        _notify(session, incident, deadline, levels[level], now, report)
    _overdue_actions(session, now, report, limit=limit)
    _new_actions(session, now, report)


def _notify(
    session: Session,
    incident: Incident,
    deadline: sla.Deadline,
    lv: Level,
    now: dt.datetime,
    report: CheckReport,
) -> None:
    due = local_time(session, deadline.due_at)
    remaining = sla.format_minutes(deadline.remaining.total_seconds() / 60)
    task = sla.EXPECTED[deadline.target]
    if lv.level == 0:
        report.reminders += 1
        headline = f"{deadline.label} deadline in {remaining}"
        expected = f"Please {task} before {due}."
        details = [f"The {deadline.label.lower()} deadline is {due} ({remaining} from now)."]
        rule_event, summary = "sla_warning", f"Reminder: {deadline.label.lower()} deadline at {due}"
    else:
        report.escalations += 1
        headline = f"Level {lv.level} escalation: {deadline.label.lower()} deadline missed"
        expected = f"As {lv.name}, make sure someone will {task} now, and find out why it is late."
        details = [
            f"The {deadline.label.lower()} deadline was {due}; it is now {remaining} late.",
            f"You are told at escalation level {lv.level} ({lv.name}).",
        ]
        rule_event = "sla_breached"
        summary = (
            f"{deadline.label} deadline missed ({remaining} late): escalated to level {lv.level}, {lv.name}"
        )
    key = f"esc:{incident.id}:{deadline.target}:{lv.level}"
    people = rcpt.resolve(session, lv.recipients, incident)
    if people:
        message = compose(session, incident, headline, expected, details)
        report.notifications += send(
            session,
            event=rule_event,
            key=key,
            incident=incident,
            message=message,
            people=people,
            channels=ALL_CHANNELS,
            now=now,
        )
    if lv.level <= 1:
        report.notifications += fire(
            session,
            rule_event,
            incident,
            key=f"{rule_event}:{incident.id}:{deadline.target}",
            headline=headline,
            expected=expected,
            details=details,
            now=now,
        )
    names = ", ".join(p.name for p in people) or "nobody (no recipients configured)"
    audit.record(
        session,
        CHECKER,
        "escalate",
        entity="incident",
        entity_id=incident.id,
        incident_id=incident.id,
        summary=f"{summary}; told {names}",
        at=now,
        details={
            "target": deadline.target,
            "level": lv.level,
            "level_name": lv.name,
            "due_at": deadline.due_at,
            "recipients": [p.name for p in people],
        },
    )
    report.details.append(f"{incident.reference}: {summary}")


def _overdue_actions(session: Session, now: dt.datetime, report: CheckReport, *, limit: int) -> None:
    from incident_desk.risk.models import CorrectiveAction

    today = now.date()
    rows = (
        session.execute(
            select(CorrectiveAction)
            .where(CorrectiveAction.due_date < today, CorrectiveAction.status.in_(ACTIVE_ACTION_STATUSES))
            .order_by(CorrectiveAction.id)
            .limit(limit * 4)
        )
        .scalars()
        .all()
    )
    if not rows:
        return
    done = set(
        session.scalars(
            select(Escalation.target).where(
                Escalation.incident_id.in_({a.incident_id for a in rows}),
                Escalation.level == 1,
                Escalation.target.like("action:%"),
            )
        )
    )
    for action in rows:
        key = f"action:{action.id}"
        if key in done:
            continue
        if not insert_ignore(
            session,
            Escalation.__table__,
            {"incident_id": action.incident_id, "target": key, "level": 1, "at": now},
        ):
            continue
        incident = session.get(Incident, action.incident_id)
        assert incident is not None
        report.overdue_actions += 1
        days = (today - action.due_date).days if action.due_date else 0
        headline = "Corrective action overdue"
        expected = (
            "Complete the action and record the evidence, or agree a new due date with the safety officer."
        )
        details = [
            f"Action: {action.description}",
            f"It was due on {action.due_date:%Y-%m-%d} ({days} d ago).",
        ]
        people = rcpt.resolve(session, [{"kind": "owner"}], incident, owner_id=action.owner_id)
        message = compose(session, incident, headline, expected, details)
        report.notifications += send(
            session,
            event="action_overdue",
            key=f"esc:{key}",
            incident=incident,
            message=message,
            people=people,
            channels=ALL_CHANNELS,
            now=now,
        )
        report.notifications += fire(
            session,
            "action_overdue",
            incident,
            key=f"action_overdue:{action.id}",
            headline=headline,
            expected=expected,
            details=details,
            owner_id=action.owner_id,
            now=now,
        )
        audit.record(
            session,
            CHECKER,
            "escalate",
            entity="action",
            entity_id=action.id,
            incident_id=incident.id,
            summary=f"Corrective action overdue since {action.due_date:%Y-%m-%d}",
            at=now,
            details={"target": key, "level": 1},
        )
        report.details.append(f"{incident.reference}: action #{action.id} overdue")


NEW_ACTION_WINDOW = dt.timedelta(days=2)


def _new_actions(session: Session, now: dt.datetime, report: CheckReport) -> None:
    """Owners of actions created lately hear of them even where no "action.assigned" event was sent."""
    from incident_desk.notify.subscribers import action_assigned
    from incident_desk.risk.models import CorrectiveAction

    recent = session.scalars(
        select(CorrectiveAction)
        .where(
            CorrectiveAction.owner_id.is_not(None),
            CorrectiveAction.status.in_(ACTIVE_ACTION_STATUSES),
            CorrectiveAction.created_at >= now - NEW_ACTION_WINDOW,
        )
        .order_by(CorrectiveAction.id)
    ).all()
    if not recent:
        return
    done = set(
        session.scalars(
            select(Escalation.target).where(
                Escalation.incident_id.in_({a.incident_id for a in recent}),
                Escalation.target.like("assigned:%"),
            )
        )
    )
    for action in recent:
        if f"assigned:{action.id}:{action.owner_id}"[:40] not in done:
            report.notifications += action_assigned(session, action, now=now)
