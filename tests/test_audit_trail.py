"""The audit trail records creates, field-by-field updates, sign-ins, sign-offs, rejections, exports, deletions."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

from sqlalchemy import select

from incident_desk.audit import queries
from incident_desk.audit.chain import verify_chain
from incident_desk.audit.models import AuditEvent
from incident_desk.incidents import service as incidents
from incident_desk.signoff import service as signoff
from incident_desk.users import service as users
from tests.conftest import PASSWORD
from tests.signoff_helpers import submitted_assessment

PACKAGE = Path(__file__).resolve().parents[1] / "incident_desk"


def _events(db, **where):
    with db.reading() as s:
        stmt = select(AuditEvent).order_by(AuditEvent.seq)
        for key, value in where.items():
            stmt = stmt.where(getattr(AuditEvent, key) == value)
        return s.scalars(stmt).all()


def test_every_kind_of_change_is_recorded_with_user_and_time(db, actors, make_incident, refs):
    officer, manager = actors["officer"], actors["manager"]
    before = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)
    iid = make_incident()
    with db.transaction() as s:
        data = incidents.data_of(incidents.get(s, iid))
        data.title = "Slip by the wash station"
        data.severity_id = refs["severity"]["Minor"]
        incidents.update(s, officer, iid, data)
        person = incidents.add_person(s, officer, iid, incidents.PersonData(name="Pat Doe", role="witness"))
        incidents.remove_person(s, officer, person.id)
        users.authenticate(s, "manager", PASSWORD)
    aid = submitted_assessment(db, actors, iid)
    with db.transaction() as s:
        signoff.reject(s, manager, aid, "Controls too vague.")
        queries.record_export(
            s,
            manager,
            what="incidents",
            count=1,
            fmt="csv",
            destination="/tmp/x.csv",
            filters={"status": "open"},
            incident_ids=[iid],
        )
    events = _events(db, incident_id=iid)
    kinds = [e.kind for e in events]
    assert kinds[:5] == ["create", "update", "create", "delete", "transition"]
    assert {"reject", "export"} <= set(kinds)
    update = events[1]
    assert update.user_id == officer.user_id and update.user_name == "Olu Officer" and update.at >= before
    changes = update.details["changes"]
    assert changes["title"] == ["Slip on wet floor", "Slip by the wash station"]
    assert changes["severity_id"] == [refs["severity"]["Major"], refs["severity"]["Minor"]]
    with db.reading() as s:
        names = queries.reference_names(s)
    assert queries.describe(update, names) == (
        "Olu Officer changed the incident: Title: Slip on wet floor → Slip by the wash station; "
        "Severity: Major → Minor"
    )
    delete = events[3]
    assert delete.entity == "person" and delete.details["name"] == "Pat Doe"
    export = next(e for e in events if e.kind == "export")
    assert export.details["count"] == 1 and export.details["format"] == "csv"
    assert export.summary == "Exported 1 incidents as CSV to /tmp/x.csv"
    assert [e.kind for e in _events(db, user_id=manager.user_id, entity="user")] == ["sign_in"]
    with db.reading() as s:
        assert list(verify_chain(s)) == []


def test_audit_queries_filter_by_user_date_and_kind(db, actors, make_incident):
    iid = make_incident(actor="reporter")
    make_incident(actor="officer")
    with db.reading() as s:
        admin = actors["admin"]
        mine = queries.fetch(s, admin, queries.AuditFilter(user_id=actors["reporter"].user_id))
        assert {e.incident_id for e in mine} == {iid}
        assert queries.count(s, admin, queries.AuditFilter(kinds=("create",), entity="incident")) == 2
        future = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
        assert queries.count(s, admin, queries.AuditFilter(since=future)) == 0
        assert queries.count(s, admin, queries.AuditFilter(until=future)) == queries.count(
            s, admin, queries.AuditFilter()
        )
        oldest_first = queries.fetch(s, admin, queries.AuditFilter(newest_first=False), limit=3)
        newest_first = queries.fetch(s, admin, queries.AuditFilter(), limit=3)
        assert oldest_first[0].seq < newest_first[0].seq
        assert "Rui Reporter" in [n for _u, n in queries.people_in_trail(s)]
        assert "tests" in [n for u, n in queries.people_in_trail(s) if u is None]


def _functions_deleting_without_audit() -> list[str]:
    """Core functions that act for a user and delete rows but record no audit event."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel.startswith(("ui/", "demo/", "db/migrations/")):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for fn in ast.walk(tree):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if "actor" not in {a.arg for a in fn.args.args + fn.args.kwonlyargs}:
                continue
            calls = [n for n in ast.walk(fn) if isinstance(n, ast.Call)]
            names = {
                c.func.attr if isinstance(c.func, ast.Attribute) else getattr(c.func, "id", "") for c in calls
            }
            if "delete" in names and not names & {"record", "_record", "record_export", "append_many"}:
                offenders.append(f"{rel}:{fn.lineno} {fn.name}")
    return offenders


def test_deletions_made_for_a_user_are_audited():
    assert _functions_deleting_without_audit() == []
