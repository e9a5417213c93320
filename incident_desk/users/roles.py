"""Roles and what each may do: defined once here, enforced by every core service."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from incident_desk.errors import PermissionDenied

if TYPE_CHECKING:
    from incident_desk.actor import Actor


class Role(StrEnum):
    REPORTER = "reporter"
    OFFICER = "officer"
    MANAGER = "manager"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.REPORTER: "Reporter",
    Role.OFFICER: "Safety officer",
    Role.MANAGER: "Manager",
    Role.ADMIN: "Administrator",
}
ALL_ROLES = frozenset(Role)
R, O, M, A = Role.REPORTER, Role.OFFICER, Role.MANAGER, Role.ADMIN

# permission -> roles holding it. Every check in the core goes through ``require``.
PERMISSIONS: dict[str, frozenset[Role]] = {
    "incident.view": frozenset({R, O, M, A}),
    "incident.create": frozenset({R, O, M, A}),
    "incident.comment": frozenset({R, O, M, A}),
    # Reporters may edit only their own incident while it is still "reported" (checked in the service).
    "incident.edit": frozenset({O, M, A}),
    "incident.assign": frozenset({O, M, A}),
    "incident.void": frozenset({O, M, A}),
    "incident.view_private": frozenset({O, M, A}),
    "workflow.start_assessment": frozenset({O, M}),
    "workflow.submit": frozenset({O}),
    "workflow.sign_off": frozenset({M}),
    "workflow.reject": frozenset({M}),
    "workflow.start_resolution": frozenset({O, M}),
    "workflow.resolve": frozenset({O, M}),
    "workflow.close": frozenset({O, M}),
    "workflow.reopen": frozenset({O, M}),
    "risk.assess": frozenset({O}),
    "risk.matrix.edit": frozenset({M, A}),
    "actions.manage": frozenset({O, M}),
    "actions.verify": frozenset({O, M}),
    "signoff.sign": frozenset({M}),
    "users.manage": frozenset({A}),
    "settings.manage": frozenset({A}),
    "notify.manage": frozenset({A}),
    "metrics.view": frozenset({O, M, A}),
    "reports.view": frozenset({O, M, A}),
    "audit.view": frozenset({M, A}),
    "import.run": frozenset({O, A}),
    "export.run": frozenset({O, M, A}),
    "hours.edit": frozenset({O, M, A}),
}

PERMISSION_TEXT = {
    "incident.edit": "edit incidents",
    "incident.void": "void incidents",
    "users.manage": "manage users",
    "settings.manage": "change the organisation's settings",
    "signoff.sign": "sign off risk assessments",
    "risk.assess": "write risk assessments",
    "risk.matrix.edit": "edit risk matrices",
    "audit.view": "view the audit trail",
}


def allowed(actor: Actor, permission: str) -> bool:
    try:
        holders = PERMISSIONS[permission]
    except KeyError:
        raise KeyError(f"unknown permission {permission!r}") from None
    return bool(holders & actor.roles)


def require(actor: Actor, permission: str) -> None:
    if not allowed(actor, permission):
        what = PERMISSION_TEXT.get(permission, permission.replace(".", " ").replace("_", " "))
        roles = ", ".join(sorted(r.label for r in PERMISSIONS[permission]))
        raise PermissionDenied(f"{actor.name} may not {what}: this needs the role {roles}.")
