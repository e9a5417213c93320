"""Demo alerts: extra notification rules, escalations for incidents past their deadlines, inbox items
and an outbox with delivered, waiting and failing e-mails. Bulk inserts throughout."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from incident_desk.audit.chain import PendingEvent, append_many
from incident_desk.db.bulk import bulk_insert
from incident_desk.demo.context import DemoContext
from incident_desk.incidents.models import Incident
from incident_desk.notify import escalation, rules, sla
from incident_desk.notify.messages import compose
from incident_desk.notify.models import Escalation, InboxItem, OutboxMessage
from incident_desk.notify.seed import seed_notify_defaults
from incident_desk.org.models import SlaTarget

RECENT_SERIOUS = 30  # incidents whose alerts fill the inbox and outbox
FAILING_ERROR = "Cannot connect to the mail server smtp.northwind.example:587: [Errno 111] Connection refused"


def _rules(ctx: DemoContext) -> None:
    s = ctx.session
    seed_notify_defaults(s)
    existing = {r.name for r in rules.list_rules(s)}
    serious = [ctx.severity_ids[n] for n in ("Critical", "Urgent") if n in ctx.severity_ids]
    wanted: list[dict[str, Any]] = [
        {
            "name": "HSE mailbox: serious incidents",
            "event": "incident_created",
            "severity_ids": serious,
            "recipients": [{"kind": "email", "value": "hse@northwind.example"}],
            "channels": ["email"],
        },
        {
            "name": "SLA breaches to the managers",
            "event": "sla_breached",
            "recipients": [{"kind": "role", "value": "manager"}],
            "channels": ["inbox", "desktop"],
        },
    ]
    if "vehicle" in ctx.type_ids:
        wanted.append(
            {
                "name": "Fleet manager: vehicle incidents",
                "event": "incident_created",
                "type_ids": [ctx.type_ids["vehicle"]],
                "recipients": [{"kind": "email", "value": "fleet@northwind.example"}],
                "channels": ["email"],
            }
        )
    for rule in wanted:
        if rule["name"] not in existing:
            rules.create_rule(s, ctx.actor, **rule)


def _escalations(ctx: DemoContext) -> list[tuple[int, str, int, dt.datetime]]:
    """Record, in bulk, the escalations a checker would have made for the stalled incidents."""
    s = ctx.session
    found = escalation.candidates(s, ctx.now, limit=10**9)
    if not found:
        return []
    levels = {lv.level: lv for lv in escalation.effective_ladder(s)}
    targets: dict[tuple[int, str | None], SlaTarget] = {
        (t.severity_id, t.band): t for t in s.scalars(select(SlaTarget))
    }
    ids = sorted({iid for iid, _t, _l in found})
    info: dict[int, tuple[str, int, str | None, dt.datetime]] = {}
    for chunk in range(0, len(ids), 5000):
        for row in s.execute(
            select(
                Incident.id, Incident.reference, Incident.severity_id, Incident.priority, Incident.reported_at
            ).where(Incident.id.in_(ids[chunk : chunk + 5000]))
        ):
            info[row.id] = (row.reference, row.severity_id, row.priority, row.reported_at)
    rows: list[dict[str, Any]] = []
    events: list[PendingEvent] = []
    made: list[tuple[int, str, int, dt.datetime]] = []
    for iid, target_name, level in found:
        _reference, sev_id, band, reported = info[iid]
        target = targets.get((sev_id, band)) or targets.get((sev_id, None))
        if target is None:
            continue
        label, minutes_col, _done = sla.TARGETS[target_name]
        due = reported + dt.timedelta(minutes=getattr(target, minutes_col))
        lv = levels[level]
        at = (
            due - dt.timedelta(minutes=min(lv.after_minutes, getattr(target, minutes_col) // 2))
            if level == 0
            else due + dt.timedelta(minutes=lv.after_minutes)
        )
        at = min(at, ctx.now)
        rows.append({"incident_id": iid, "target": target_name, "level": level, "at": at})
        what = (
            f"Reminder: {label.lower()} deadline approaching"
            if level == 0
            else f"{label} deadline missed: escalated to level {level}, {lv.name}"
        )
        events.append(
            PendingEvent(
                "escalate",
                "incident",
                iid,
                iid,
                what,
                {"target": target_name, "level": level, "level_name": lv.name, "due_at": due},
                at,
                None,
                escalation.CHECKER.name,
            )
        )
        made.append((iid, target_name, level, at))
    for chunk in range(0, len(rows), 5000):
        bulk_insert(s, Escalation.__table__, rows[chunk : chunk + 5000])
    append_many(s, events)
    return made


def _alerts(ctx: DemoContext, made: list[tuple[int, str, int, dt.datetime]]) -> None:
    """Inbox items and e-mails for the latest serious incidents and escalations, a few still waiting."""
    s = ctx.session
    serious = [ctx.severity_ids[n] for n in ("Critical", "Urgent") if n in ctx.severity_ids]
    recent = s.scalars(
        select(Incident)
        .where(Incident.severity_id.in_(serious), Incident.voided.is_(False))
        .order_by(Incident.reported_at.desc())
        .limit(RECENT_SERIOUS)
    ).all()
    people = [
        (ctx.users[k], f"{k}@northwind.example")
        for k in ("officer", "officer2", "manager", "manager2")
        if k in ctx.users
    ]
    inbox_rows: list[dict[str, Any]] = []
    mail_rows: list[dict[str, Any]] = []
    expected = (
        "Make sure the incident is acknowledged (assessment started) and that the immediate actions keep "
        "people safe."
    )
    for n, incident in enumerate(sorted(recent, key=lambda i: i.reported_at)):
        msg = compose(s, incident, "New incident reported", expected)
        fresh = n >= len(recent) - 3
        for user_id, address in people:
            read = None if fresh or ctx.rng.random() < 0.3 else incident.reported_at + dt.timedelta(hours=2)
            inbox_rows.append(
                {
                    "user_id": user_id,
                    "incident_id": incident.id,
                    "event": "incident_created",
                    "title": msg.title,
                    "body": msg.inbox_body,
                    "created_at": incident.reported_at,
                    "read_at": read,
                    "dedupe_key": f"incident_created:{incident.id}:u{user_id}",
                }
            )
            mail_rows.append(
                {
                    "dedupe_key": f"incident_created:{incident.id}:{address}",
                    "channel": "email",
                    "to_address": address,
                    "subject": msg.subject,
                    "body_text": msg.text,
                    "body_html": msg.html,
                    "incident_id": incident.id,
                    "status": "pending" if fresh else "sent",
                    "attempts": 2 if fresh else 1,
                    "next_attempt_at": ctx.now + dt.timedelta(minutes=2) if fresh else incident.reported_at,
                    "last_error": FAILING_ERROR if fresh else "",
                    "claimed_by": "",
                    "claimed_until": None,
                    "created_at": incident.reported_at,
                    "sent_at": None if fresh else incident.reported_at + dt.timedelta(minutes=1),
                }
            )
    # The latest escalations, in the officers' inboxes.
    latest = sorted((m for m in made if m[2] == 1), key=lambda m: m[3])[-15:]
    officers = [ctx.users[k] for k in ("officer", "officer2") if k in ctx.users]
    for iid, target_name, level, at in latest:
        incident = s.get(Incident, iid)
        if incident is None:
            continue
        label = sla.TARGETS[target_name][0]
        msg = compose(
            s,
            incident,
            f"Level {level} escalation: {label.lower()} deadline missed",
            f"Make sure someone will {sla.EXPECTED[target_name]} now, and find out why it is late.",
        )
        for user_id in officers:
            inbox_rows.append(
                {
                    "user_id": user_id,
                    "incident_id": iid,
                    "event": "sla_breached",
                    "title": msg.title,
                    "body": msg.inbox_body,
                    "created_at": at,
                    "read_at": None,
                    "dedupe_key": f"esc:{iid}:{target_name}:{level}:u{user_id}",
                }
            )
    if inbox_rows:
        bulk_insert(s, InboxItem.__table__, inbox_rows)
    if mail_rows:
        bulk_insert(s, OutboxMessage.__table__, mail_rows)


def _actions(ctx: DemoContext) -> None:
    """Overdue actions already flagged and new ones already announced, as a running checker would have."""
    from incident_desk.risk.models import CorrectiveAction

    s = ctx.session
    rows: list[dict[str, Any]] = []
    events: list[PendingEvent] = []
    overdue = s.execute(
        select(CorrectiveAction.id, CorrectiveAction.incident_id, CorrectiveAction.due_date).where(
            CorrectiveAction.due_date < ctx.now.date(),
            CorrectiveAction.status.in_(escalation.ACTIVE_ACTION_STATUSES),
        )
    ).all()
    for action_id, incident_id, due in overdue:
        at = min(dt.datetime.combine(due + dt.timedelta(days=1), dt.time(7), tzinfo=dt.UTC), ctx.now)
        rows.append({"incident_id": incident_id, "target": f"action:{action_id}", "level": 1, "at": at})
        events.append(
            PendingEvent(
                "escalate",
                "action",
                action_id,
                incident_id,
                f"Corrective action overdue since {due:%Y-%m-%d}",
                {"target": f"action:{action_id}", "level": 1},
                at,
                None,
                escalation.CHECKER.name,
            )
        )
    recent = s.execute(
        select(
            CorrectiveAction.id,
            CorrectiveAction.incident_id,
            CorrectiveAction.owner_id,
            CorrectiveAction.created_at,
        ).where(
            CorrectiveAction.owner_id.is_not(None),
            CorrectiveAction.created_at >= ctx.now - escalation.NEW_ACTION_WINDOW,
        )
    ).all()
    rows += [
        {"incident_id": iid, "target": f"assigned:{aid}:{owner}"[:40], "level": 0, "at": created}
        for aid, iid, owner, created in recent
    ]
    for chunk in range(0, len(rows), 5000):
        bulk_insert(s, Escalation.__table__, rows[chunk : chunk + 5000])
    append_many(s, events)


def notify_step(ctx: DemoContext) -> None:
    _rules(ctx)
    made = _escalations(ctx)
    _actions(ctx)
    _alerts(ctx, made)
    ctx.extra["escalations"] = len(made)


STEPS = [("notifications and escalations", notify_step)]
