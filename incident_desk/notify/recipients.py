"""Who a rule or an escalation level addresses: users, roles, teams, e-mail addresses, and people
defined by the incident itself (its assignee, its reporter, the teams of its site)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from incident_desk.incidents.models import Incident
from incident_desk.users.models import Team, TeamMember, User, UserRole
from incident_desk.users.roles import Role

KINDS = {
    "user": "User",
    "role": "Everyone with the role",
    "team": "Team",
    "email": "E-mail address",
    "assignee": "The incident's assignee",
    "reporter": "The incident's reporter",
    "site_team": "The teams of the incident's site",
    "owner": "The action's owner",
    "assessor": "The risk assessment's author",
}
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Recipient:
    """A person to tell: a user (inbox, desktop and e-mail) or a bare address (e-mail only)."""

    user_id: int | None
    name: str
    email: str

    @property
    def key(self) -> str:
        return f"u{self.user_id}" if self.user_id is not None else self.email.lower()


def validate(specs: list[dict[str, Any]]) -> list[str]:
    problems = []
    for spec in specs:
        kind, value = spec.get("kind"), spec.get("value")
        if kind not in KINDS:
            problems.append(f"Unknown kind of recipient {kind!r}.")
        elif kind == "email" and not EMAIL_RE.match(str(value or "")):
            problems.append(f"“{value}” is not an e-mail address.")
        elif kind == "role" and value not in {r.value for r in Role}:
            problems.append(f"There is no role called {value!r}.")
        elif kind in ("user", "team") and not isinstance(value, int):
            problems.append(f"Choose the {kind} to notify.")
    return problems


def describe(session: Session, spec: dict[str, Any]) -> str:
    kind, value = spec.get("kind"), spec.get("value")
    if kind == "user":
        user = session.get(User, value)
        return user.full_name if user else f"user #{value}"
    if kind == "team":
        team = session.get(Team, value)
        return f"team {team.name}" if team else f"team #{value}"
    if kind == "role":
        try:
            return f"all {Role(value).label.lower()}s"
        except ValueError:
            return f"role {value}"
    if kind == "email":
        return str(value)
    return KINDS.get(str(kind), str(kind)).lower()


def resolve(
    session: Session,
    specs: list[dict[str, Any]],
    incident: Incident | None = None,
    *,
    owner_id: int | None = None,
) -> list[Recipient]:
    """Active users and addresses named by ``specs``, each once, in a stable order."""
    user_ids: list[int] = []
    emails: list[str] = []
    team_ids: list[int] = []
    for spec in specs:
        kind, value = spec.get("kind"), spec.get("value")
        if kind == "user" and isinstance(value, int):
            user_ids.append(value)
        elif kind == "role" and value:
            user_ids += session.scalars(select(UserRole.user_id).where(UserRole.role == value)).all()
        elif kind == "team" and isinstance(value, int):
            team_ids.append(value)
        elif kind == "email" and value:
            emails.append(str(value).strip())
        elif kind == "assignee" and incident is not None and incident.assignee_id:
            user_ids.append(incident.assignee_id)
        elif kind == "reporter" and incident is not None and incident.reporter_id:
            user_ids.append(incident.reporter_id)
        elif kind in ("owner", "assessor") and owner_id:
            # The person the event is about: an action's owner, or a rejected assessment's author.
            user_ids.append(owner_id)
        elif kind == "site_team" and incident is not None and incident.site_id:
            team_ids += session.scalars(select(Team.id).where(Team.site_id == incident.site_id)).all()
    for team_id in team_ids:
        team = session.get(Team, team_id)
        if team is None:
            continue
        user_ids += session.scalars(select(TeamMember.user_id).where(TeamMember.team_id == team_id)).all()
        if team.email:
            emails.append(team.email)
    result: dict[str, Recipient] = {}
    if user_ids:
        users = session.scalars(
            select(User).where(User.id.in_(set(user_ids)), User.active.is_(True)).order_by(User.id)
        ).all()
        for u in users:
            r = Recipient(u.id, u.full_name, u.email or "")
            result[r.key] = r
    known = {r.email.lower() for r in result.values() if r.email}
    for address in emails:
        if address.lower() not in known and EMAIL_RE.match(address):
            r = Recipient(None, address, address)
            result.setdefault(r.key, r)
    return list(result.values())
