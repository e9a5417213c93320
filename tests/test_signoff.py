"""Sign-off: approval with password, rejection, the band's rules, locking, the queue, signature hashes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from incident_desk.actor import Actor
from incident_desk.audit.models import AuditEvent
from incident_desk.errors import AuthenticationError, PermissionDenied, ValidationError
from incident_desk.incidents.models import Incident
from incident_desk.risk.models import Assessment
from incident_desk.signoff import canonical
from incident_desk.signoff import service as signoff
from incident_desk.signoff.models import Signature
from incident_desk.users import service as users
from tests.conftest import PASSWORD
from tests.signoff_helpers import submitted_assessment


def _approve(db, actor, aid, password=PASSWORD, comment=""):
    with db.transaction() as s:
        return signoff.approve(s, actor, aid, password, comment).id


def test_manager_approves_with_password_and_the_assessment_locks(db, actors, make_incident):
    iid = make_incident()
    aid = submitted_assessment(db, actors, iid)  # 3 x 4 = 12: High, one manager
    sig_id = _approve(db, actors["manager"], aid, comment="Mats to be fitted this week.")
    with db.reading() as s:
        sig = s.get(Signature, sig_id)
        a = s.get(Assessment, aid)
        inc = s.get(Incident, iid)
        assert (sig.signer_id, sig.signer_name, sig.role, sig.meaning, sig.level) == (
            actors["manager"].user_id,
            "Mia Manager",
            "manager",
            "Approved",
            1,
        )
        assert sig.comment == "Mats to be fitted this week."
        assert sig.content_hash == canonical.content_hash(canonical.content(s, aid, as_of=sig.signed_at))
        assert sig.signature_hash == canonical.signature_hash(sig)
        assert a.locked and a.status == "signed_off" and a.decided_at == sig.signed_at
        assert inc.status == "signed_off" and inc.signed_off_at == sig.signed_at
        kinds = [
            e.kind
            for e in s.scalars(
                select(AuditEvent).where(AuditEvent.incident_id == iid).order_by(AuditEvent.seq)
            )
        ]
        assert kinds[-2:] == ["sign_off", "transition"]


def test_wrong_password_signs_nothing(db, actors, make_incident):
    aid = submitted_assessment(db, actors, make_incident())
    with pytest.raises(AuthenticationError, match="password is wrong"):
        _approve(db, actors["manager"], aid, password="not my password")
    with db.reading() as s:
        assert s.scalars(select(Signature)).first() is None
        assert s.get(Assessment, aid).status == "submitted"


def test_reject_needs_a_reason_and_returns_the_incident_to_assessment(db, actors, make_incident):
    from incident_desk import events

    told = []
    events.subscribe("assessment.rejected")(lambda session, **kw: told.append(kw["assessor_id"]))
    try:
        iid = make_incident()
        aid = submitted_assessment(db, actors, iid)
        with pytest.raises(ValidationError, match="Say why"), db.transaction() as s:
            signoff.reject(s, actors["manager"], aid, "   ")
        with db.transaction() as s:
            sig = signoff.reject(s, actors["manager"], aid, "Residual risk is still high: add guarding.")
            assert sig.meaning == "Rejected"
        with db.reading() as s:
            assert s.get(Incident, iid).status == "assessment"
            a = s.get(Assessment, aid)
            assert a.status == "rejected" and not a.locked
            ev = s.scalars(select(AuditEvent).where(AuditEvent.kind == "reject")).one()
            assert "add guarding" in ev.summary and ev.incident_id == iid
        assert told == [actors["officer"].user_id]
    finally:
        events._handlers["assessment.rejected"].clear()


def test_nobody_signs_an_assessment_they_wrote(db, actors, make_incident):
    with db.transaction() as s:
        both = users.create_user(
            s,
            actors["admin"],
            username="om",
            full_name="Olga Both",
            password=PASSWORD,
            roles=["officer", "manager"],
        )
        both_actor = Actor.for_user(both)
    aid = submitted_assessment(db, {**actors, "both": both_actor}, make_incident(), author="both")
    with pytest.raises(PermissionDenied, match="You wrote this assessment"):
        _approve(db, both_actor, aid)
    with pytest.raises(PermissionDenied, match="You wrote this assessment"), db.transaction() as s:
        signoff.reject(s, both_actor, aid, "I changed my mind")
    # The assessor cannot sign at all; an officer has no sign-off role.
    with pytest.raises(PermissionDenied, match="Manager"):
        _approve(db, actors["officer2"], aid)
    _approve(db, actors["manager"], aid)


def test_highest_band_needs_two_different_managers(db, actors, make_incident):
    iid = make_incident()
    aid = submitted_assessment(db, actors, iid, likelihood=4, severity=5)  # 20: Extreme, two sign-offs
    _approve(db, actors["manager"], aid)
    with db.reading() as s:
        assert s.get(Assessment, aid).status == "submitted"
        assert s.get(Incident, iid).status == "awaiting_signoff"
    with pytest.raises(PermissionDenied, match="already signed"):
        _approve(db, actors["manager"], aid)
    _approve(db, actors["manager2"], aid)
    with db.reading() as s:
        sigs = s.scalars(
            select(Signature).where(Signature.assessment_id == aid).order_by(Signature.level)
        ).all()
        assert [(x.level, x.signer_name) for x in sigs] == [(1, "Mia Manager"), (2, "Mo Manager")]
        assert s.get(Assessment, aid).locked
        assert s.get(Incident, iid).status == "signed_off"


def test_rejection_at_the_second_level_voids_the_first_approval(db, actors, make_incident):
    iid = make_incident()
    aid = submitted_assessment(db, actors, iid, likelihood=4, severity=5)
    _approve(db, actors["manager"], aid)
    with db.transaction() as s:
        signoff.reject(s, actors["manager2"], aid, "Needs a permit-to-work control.")
        # The assessor fixes it and submits again (the risk service does this).
        from incident_desk.incidents import workflow

        a = s.get(Assessment, aid)
        a.status = "submitted"
        workflow.transition(s, actors["officer"], s.get(Incident, iid), "submit_for_signoff")
    with db.reading() as s:
        assert signoff.current_approvals(s, aid) == []
    _approve(db, actors["manager"], aid)
    with db.reading() as s:
        assert s.get(Incident, iid).status == "awaiting_signoff"


def test_band_without_rules_needs_one_manager_and_unknown_definitions_are_tolerated():
    from incident_desk.signoff import policy

    rule = policy.rule_for({}, "Whatever")
    assert (rule.signoffs_required, rule.roles) == (1, (policy.Role.MANAGER,))
    rules = policy.band_rules(
        {"bands": {"Red": {"signoffs_required": 3, "signoff_role": ["manager", "admin"]}}}
    )
    red = rules["red"]
    assert red.signoffs_required == 3
    assert [red.role_for_level(i).value for i in (1, 2, 3)] == ["manager", "admin", "admin"]


def test_queue_orders_by_band_then_deadline_and_explains_blocked_rows(db, actors, make_incident):
    low = submitted_assessment(
        db, actors, make_incident(severity_id=_sev(db, "Minor")), likelihood=2, severity=3
    )
    extreme = submitted_assessment(db, actors, make_incident(), likelihood=5, severity=4)
    high_minor = submitted_assessment(
        db, actors, make_incident(severity_id=_sev(db, "Minor")), likelihood=3, severity=4
    )
    high_crit = submitted_assessment(
        db, actors, make_incident(severity_id=_sev(db, "Critical")), likelihood=3, severity=4
    )
    with db.reading() as s:
        items = signoff.queue(s, actors["manager"])
        assert [i.assessment_id for i in items] == [extreme, high_crit, high_minor, low]
        # Same band: the Critical incident's SLA (8 h) is due before the Minor one's (10 days).
        assert items[1].deadline < items[2].deadline
        assert items[0].required == 2 and items[0].blocked == ""
        with pytest.raises(PermissionDenied):
            signoff.queue(s, actors["officer"])


def _sev(db, name):
    from incident_desk.org.models import SeverityLevel

    with db.reading() as s:
        return s.scalars(select(SeverityLevel.id).where(SeverityLevel.name == name)).one()


def test_signature_survives_progress_on_actions_but_not_content_edits(db, actors, make_incident):
    from incident_desk.risk.models import CorrectiveAction, Hazard
    from incident_desk.signoff.verify import verify_signatures

    iid = make_incident()
    aid = submitted_assessment(db, actors, iid)
    _approve(db, actors["manager"], aid)
    with db.transaction() as s:
        act = s.scalars(select(CorrectiveAction).where(CorrectiveAction.assessment_id == aid)).one()
        act.status = "done"
        act.evidence = "Photo of the mats"
    with db.reading() as s:
        assert list(verify_signatures(s)) == []
    with db.transaction() as s:
        s.scalars(select(Hazard).where(Hazard.assessment_id == aid)).one().residual_score = 1
    with db.reading() as s:
        problems = list(verify_signatures(s))
    assert len(problems) == 1 and problems[0].tampered
    assert "residual_score: 8 → 1" in problems[0].message


def test_wrong_passwords_when_signing_count_as_failed_sign_ins(db, actors, make_incident):
    import datetime as dt

    aid = submitted_assessment(db, actors, make_incident())
    now = dt.datetime.now(dt.UTC)
    for i in range(5):
        with pytest.raises(signoff.WrongPassword), db.transaction() as s:
            signoff.approve(s, actors["manager"], aid, "guess", now=now)
        with db.transaction() as s:
            locked = signoff.record_wrong_password(
                s, actors["manager"], aid, now=now + dt.timedelta(seconds=i)
            )
    assert locked
    with pytest.raises(AuthenticationError, match="locked after 5 wrong passwords"), db.transaction() as s:
        signoff.approve(s, actors["manager"], aid, PASSWORD, now=now + dt.timedelta(minutes=5))
    with db.transaction() as s:
        signoff.approve(s, actors["manager"], aid, PASSWORD, now=now + dt.timedelta(minutes=16))
    with db.reading() as s:
        failed = s.scalars(select(AuditEvent).where(AuditEvent.kind == "sign_in_failed")).all()
        assert len(failed) == 5 and "account locked" in failed[-1].summary
