"""How many sign-offs a risk band needs, from which role, and by when.

The rules live in the risk-matrix version's definition (schema in ``risk/matrix.py``), on
each band: ``signoffs_required`` (default 1) and ``signoff_role`` (default "manager"; a list,
if given, names the role per level, e.g. ``["manager", "admin"]``). Bands are listed from the
lowest risk to the highest. The deadline is the band's ``response_hours`` from the report,
else the severity's sign-off SLA (the band's own SLA row first), else the incident's
response deadline.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from incident_desk.users.roles import Role

DEFAULT_ROLE = Role.MANAGER


@dataclass(frozen=True)
class BandRule:
    band: str
    rank: int  # higher = more serious; the queue shows the most serious first
    signoffs_required: int
    roles: tuple[Role, ...]  # one per level
    colour: str = ""
    response_minutes: int | None = None  # from the report

    def role_for_level(self, level: int) -> Role:
        return self.roles[min(level, len(self.roles)) - 1]


def _bands(definition: dict[str, Any] | None) -> list[dict[str, Any]]:
    bands = (definition or {}).get("bands") or []
    if isinstance(bands, dict):  # {"High": {...}, ...}
        return [{"name": k, **(v if isinstance(v, dict) else {})} for k, v in bands.items()]
    return [b for b in bands if isinstance(b, dict)]


def _band_name(b: dict[str, Any]) -> str:
    for key in ("name", "label", "key", "id"):
        if b.get(key):
            return str(b[key])
    return ""


def _rank(b: dict[str, Any], index: int) -> int:
    if isinstance(b.get("rank"), int | float):
        return int(b["rank"])
    return index  # bands are listed from the lowest risk to the highest


def _roles(value: Any, count: int) -> tuple[Role, ...]:
    if isinstance(value, str) and value:
        value = [value]
    roles: list[Role] = []
    for v in value or []:
        try:
            roles.append(Role(str(v).strip().lower()))
        except ValueError:
            continue
    if not roles:
        roles = [DEFAULT_ROLE]
    while len(roles) < count:
        roles.append(roles[-1])
    return tuple(roles[:count])


def band_rules(definition: dict[str, Any] | None) -> dict[str, BandRule]:
    bands = _bands(definition)
    ranks = [_rank(b, i) for i, b in enumerate(bands)]
    rules = {}
    for b, rank in zip(bands, ranks, strict=True):
        name = _band_name(b)
        if not name:
            continue
        try:
            count = max(1, int(b.get("signoffs_required") or 1))
        except (TypeError, ValueError):
            count = 1
        minutes = None
        if isinstance(b.get("response_hours"), int | float) and not isinstance(b.get("response_hours"), bool):
            minutes = int(b["response_hours"] * 60)
        rules[name.lower()] = BandRule(
            name,
            rank,
            count,
            _roles(b.get("signoff_role"), count),
            str(b.get("colour") or b.get("color") or ""),
            minutes,
        )
    return rules


def rule_for(definition: dict[str, Any] | None, band: str | None) -> BandRule:
    """The band's rule; a band the definition does not describe needs one manager."""
    if band:
        found = band_rules(definition).get(band.strip().lower())
        if found is not None:
            return found
    return BandRule(band or "", -1, 1, (DEFAULT_ROLE,))


def deadline(
    reported_at: dt.datetime | None, rule: BandRule, sla_minutes: int | None, fallback: dt.datetime | None
) -> dt.datetime | None:
    """The band's response time, else the severity's sign-off SLA, both counted from the report."""
    if reported_at is not None:
        minutes = rule.response_minutes if rule.response_minutes is not None else sla_minutes
        if minutes is not None:
            return reported_at + dt.timedelta(minutes=minutes)
    return fallback
