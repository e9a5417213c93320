"""The role/permission matrix, enforced in the core: each service called directly as each role."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from incident_desk.audit import queries as audit_queries
from incident_desk.errors import PermissionDenied
from incident_desk.incidents import service as incidents
from incident_desk.incidents import workflow
from incident_desk.signoff import service as signoff
from incident_desk.users import service as users
from incident_desk.users.roles import PERMISSIONS, Role
from tests.conftest import PASSWORD, incident_data
from tests.signoff_helpers import submitted_assessment

ROLES = {"reporter": Role.REPORTER, "officer": Role.OFFICER, "manager": Role.MANAGER, "admin": Role.ADMIN}


class _Rollback(Exception):
    pass


# name -> (permission it stands for, call(session, actor, ctx))
CASES: dict[str, tuple[str, Callable[..., Any]]] = {
    "report an incident": (
        "incident.create",
        lambda s, a, c: incidents.create(s, a, incident_data(c["refs"])),
    ),
    "edit someone else's incident": (
        "incident.edit",
        lambda s, a, c: incidents.update(s, a, c["iid"], incident_data(c["refs"], title="New")),
    ),
    "void an incident": ("incident.void", lambda s, a, c: incidents.void(s, a, c["iid"], "Duplicate report")),
    "start an assessment": (
        "workflow.start_assessment",
        lambda s, a, c: workflow.transition(s, a, incidents.get(s, c["iid"]), "start_assessment"),
    ),
    "create a user": (
        "users.manage",
        lambda s, a, c: users.create_user(
            s, a, username="newbie", full_name="New Bie", password=PASSWORD, roles=["reporter"]
        ),
    ),
    "reset a password": (
        "users.manage",
        lambda s, a, c: users.reset_password(s, a, c["actors"]["officer2"].user_id, "another long password"),
    ),
    "change roles": (
        "users.manage",
        lambda s, a, c: users.set_roles(s, a, c["actors"]["officer2"].user_id, ["officer", "manager"]),
    ),
    "deactivate a user": (
        "users.manage",
        lambda s, a, c: users.set_active(s, a, c["actors"]["officer2"].user_id, False),
    ),
    "see the sign-off queue": ("signoff.sign", lambda s, a, c: signoff.queue(s, a)),
    "approve an assessment": ("signoff.sign", lambda s, a, c: signoff.approve(s, a, c["aid"], PASSWORD)),
    "reject an assessment": (
        "signoff.sign",
        lambda s, a, c: signoff.reject(s, a, c["aid"], "Needs more work"),
    ),
    "view the audit trail": (
        "audit.view",
        lambda s, a, c: audit_queries.fetch(s, a, audit_queries.AuditFilter()),
    ),
    "view an incident's history": (
        "incident.view",
        lambda s, a, c: audit_queries.incident_history(s, a, c["iid"]),
    ),
}


@pytest.fixture
def ctx(db, actors, refs, make_incident) -> dict[str, Any]:
    iid = make_incident(actor="officer2")
    aid = submitted_assessment(db, actors, make_incident(actor="officer2"), author="officer2")
    return {"db": db, "actors": actors, "refs": refs, "iid": iid, "aid": aid}


def test_the_matrix_is_defined_once_and_each_service_enforces_it(ctx):
    db, actors = ctx["db"], ctx["actors"]
    outcome: dict[str, dict[str, bool]] = {}
    for name, (_permission, call) in CASES.items():
        outcome[name] = {}
        for key in ROLES:
            try:
                with db.transaction() as s:
                    call(s, actors[key], ctx)
                    raise _Rollback  # leave the database as it was for the next role
            except _Rollback:
                outcome[name][key] = True
            except PermissionDenied:
                outcome[name][key] = False
    expected = {
        name: {key: role in PERMISSIONS[perm] for key, role in ROLES.items()}
        for name, (perm, _c) in CASES.items()
    }
    assert outcome == expected


def test_expected_matrix_matches_the_issue():
    """The roles the product promises: reporters report, officers assess, managers sign, admins administer."""
    assert PERMISSIONS["signoff.sign"] == {Role.MANAGER}
    assert PERMISSIONS["risk.assess"] == {Role.OFFICER}
    assert PERMISSIONS["users.manage"] == {Role.ADMIN}
    assert Role.REPORTER in PERMISSIONS["incident.create"]
    assert Role.REPORTER not in PERMISSIONS["incident.void"]


def test_incidents_cannot_be_hard_deleted_only_voided(db, actors, make_incident):
    """There is no delete in the incident service; a void keeps the row and is audited with its reason."""
    from sqlalchemy import select

    from incident_desk.audit.models import AuditEvent
    from incident_desk.incidents.models import Incident

    assert not [n for n in dir(incidents) if n.startswith(("delete", "remove_incident", "purge"))]
    iid = make_incident(actor="reporter")
    with pytest.raises(PermissionDenied, match="void incidents"), db.transaction() as s:
        incidents.void(s, actors["reporter"], iid, "Mine, wrong")
    with db.transaction() as s:
        incidents.void(s, actors["officer"], iid, "Reported twice")
    with db.reading() as s:
        inc = s.get(Incident, iid)
        assert inc.voided and inc.void_reason == "Reported twice"
        ev = s.scalars(
            select(AuditEvent).where(AuditEvent.kind == "void", AuditEvent.incident_id == iid)
        ).one()
        assert ev.user_id == actors["officer"].user_id
