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
R, OF, M, A = Role.REPORTER, Role.OFFICER, Role.MANAGER, Role.ADMIN

# permission -> roles holding it. Every check in the core goes through ``require``.
PERMISSIONS: dict[str, frozenset[Role]] = {
    "incident.view": frozenset({R, OF, M, A}),
    "incident.create": frozenset({R, OF, M, A}),
    "incident.comment": frozenset({R, OF, M, A}),
    # Reporters may edit only their own incident while it is still "reported" (checked in the service).
    "incident.edit": frozenset({OF, M, A}),
    "incident.assign": frozenset({OF, M, A}),
    "incident.void": frozenset({OF, M, A}),
    "incident.view_private": frozenset({OF, M, A}),
    "workflow.start_assessment": frozenset({OF, M}),
    "workflow.submit": frozenset({OF}),
    "workflow.sign_off": frozenset({M}),
    "workflow.reject": frozenset({M}),
    "workflow.start_resolution": frozenset({OF, M}),
    "workflow.resolve": frozenset({OF, M}),
    "workflow.close": frozenset({OF, M}),
    "workflow.reopen": frozenset({OF, M}),
    "risk.assess": frozenset({OF}),
    "risk.matrix.edit": frozenset({M, A}),
    "actions.manage": frozenset({OF, M}),
    "actions.verify": frozenset({OF, M}),
    "signoff.sign": frozenset({M}),
    "users.manage": frozenset({A}),
    "settings.manage": frozenset({A}),
    "notify.manage": frozenset({A}),
    "metrics.view": frozenset({OF, M, A}),
    "reports.view": frozenset({OF, M, A}),
    "audit.view": frozenset({M, A}),
    "import.run": frozenset({OF, A}),
    "export.run": frozenset({OF, M, A}),
    "hours.edit": frozenset({OF, M, A}),
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
