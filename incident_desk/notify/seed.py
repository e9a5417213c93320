"""Default notification rules and escalation ladder for a new database (added once; editable)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from incident_desk.bootstrap import EXTRA_SEEDERS
from incident_desk.notify.models import EscalationLevel, NotificationRule
from incident_desk.org.models import Setting, SeverityLevel

MARKER = "notify.defaults"
ALL = ["inbox", "desktop", "email"]


def role(name: str) -> dict[str, Any]:
    return {"kind": "role", "value": name}


ASSIGNEE = {"kind": "assignee"}

DEFAULT_LADDER = [
    (0, "Reminder to the assignee", 240, [ASSIGNEE]),
    (1, "Assignee and safety officers", 0, [ASSIGNEE, role("officer")]),
    (2, "Site team and managers", 120, [{"kind": "site_team"}, role("manager")]),
    (3, "HSE lead (administrators)", 480, [role("admin")]),
]


def default_rules(session: Session) -> list[dict[str, Any]]:
    ranks = {s.name: s.id for s in session.scalars(select(SeverityLevel))}
    serious = [ranks[n] for n in ("Critical", "Urgent") if n in ranks]
    others = [i for n, i in ranks.items() if i not in serious]
    rules = [
        ("Serious incident reported", "incident_created", serious, [role("officer"), role("manager")], ALL),
        ("Incident reported", "incident_created", others, [role("officer")], ["inbox"]),
        ("Incident assigned to me", "incident_assigned", [], [ASSIGNEE], ALL),
        ("Sign-off requested", "submitted_for_signoff", [], [role("manager")], ALL),
        ("Assessment rejected", "rejected", [], [ASSIGNEE, {"kind": "assessor"}], ALL),
        ("Assessment signed off", "signed_off", [], [ASSIGNEE], ["inbox", "desktop"]),
        ("Corrective action assigned", "action_assigned", [], [{"kind": "owner"}], ALL),
        ("Corrective action overdue", "action_overdue", [], [ASSIGNEE], ["inbox"]),
    ]
    if not serious:
        rules = rules[1:]
    return [
        {
            "name": n,
            "event": e,
            "severity_ids": sev,
            "type_ids": [],
            "site_ids": [],
            "recipients": r,
            "channels": c,
            "active": True,
        }
        for n, e, sev, r, c in rules
    ]


def seed_notify_defaults(session: Session) -> None:
    """Idempotent: adds the defaults once per database, so deleting a rule later sticks."""
    if session.get(Setting, MARKER) is not None:
        return
    if session.scalars(select(NotificationRule.id).limit(1)).first() is None:
        session.add_all(NotificationRule(**r) for r in default_rules(session))
    if session.scalars(select(EscalationLevel.id).limit(1)).first() is None:
        session.add_all(
            EscalationLevel(level=lv, name=n, after_minutes=m, recipients=r) for lv, n, m, r in DEFAULT_LADDER
        )
    session.add(Setting(key=MARKER, value={"version": 1}))
    session.flush()


if seed_notify_defaults not in EXTRA_SEEDERS:
    EXTRA_SEEDERS.append(seed_notify_defaults)
