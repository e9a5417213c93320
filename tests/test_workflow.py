"""The incident lifecycle: legal and illegal transitions, who may make them, what they require."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from incident_desk.errors import PermissionDenied, WorkflowError
from incident_desk.incidents import service, workflow
from incident_desk.incidents.models import Incident, StatusChange
from incident_desk.incidents.workflow import TRANSITIONS, Status
from incident_desk.risk.models import Assessment, CorrectiveAction, Hazard, RiskMatrix, RiskMatrixVersion


def _move(db, actor, incident_id, name, **kw):
    with db.transaction() as s:
        inc = s.get(Incident, incident_id)
        workflow.transition(s, actor, inc, name, **kw)
        return inc.status


def _add_rated_assessment(db, incident_id):
    with db.transaction() as s:
        m = RiskMatrix(name=f"M{incident_id}")
        s.add(m)
        s.flush()
        v = RiskMatrixVersion(matrix_id=m.id, number=1, definition={})
        s.add(v)
        s.flush()
        a = Assessment(incident_id=incident_id, matrix_version_id=v.id)
        s.add(a)
        s.flush()
        s.add(Hazard(assessment_id=a.id, description="Wet floor", residual_likelihood="2", residual_severity="3",
                     residual_score=6, residual_band="Medium"))


def test_full_lifecycle_records_history_and_stage_times(db, actors, make_incident):
    iid = make_incident()
    officer, manager = actors["officer"], actors["manager"]
    assert _move(db, officer, iid, "start_assessment") == Status.ASSESSMENT
    _add_rated_assessment(db, iid)
    assert _move(db, officer, iid, "submit_for_signoff") == Status.AWAITING_SIGNOFF
    with db.transaction() as s:
        workflow.transition(s, manager, s.get(Incident, iid), "sign_off", _internal=True)
    assert _move(db, officer, iid, "start_resolution") == Status.RESOLUTION
    with db.transaction() as s:
        s.get(Incident, iid).resolution_summary = "Mats fitted."
    assert _move(db, officer, iid, "resolve") == Status.FOLLOW_UP
    with db.transaction() as s:
        inc = s.get(Incident, iid)
        inc.root_cause, inc.lessons_learned = "No mats", "Fit mats"
    assert _move(db, manager, iid, "close") == Status.CLOSED
    with db.reading() as s:
        inc = s.get(Incident, iid)
        assert inc.acknowledged_at and inc.submitted_at and inc.signed_off_at and inc.resolved_at and inc.closed_at
        assert inc.acknowledged_at <= inc.submitted_at <= inc.signed_off_at <= inc.resolved_at <= inc.closed_at
        history = [c.to_status for c in s.scalars(select(StatusChange).where(StatusChange.incident_id == iid)
                                                    .order_by(StatusChange.id))]
    assert history == ["reported", "assessment", "awaiting_signoff", "signed_off", "resolution", "follow_up",
                       "closed"]
    # Reopen needs a reason and clears the closing times.
    with pytest.raises(WorkflowError, match="needs a reason"):
        _move(db, officer, iid, "reopen")
    assert _move(db, officer, iid, "reopen", note="Second slip at the same spot") == Status.ASSESSMENT
    with db.reading() as s:
        inc = s.get(Incident, iid)
        assert inc.closed_at is None and inc.resolved_at is None


@pytest.mark.parametrize("t", TRANSITIONS, ids=lambda t: t.name)
def test_every_transition_is_refused_from_every_other_status(db, actors, make_incident, t):
    iid = make_incident()
    with db.transaction() as s:
        inc = s.get(Incident, iid)
        for status in Status:
            if status in t.sources:
                continue
            inc.status = status.value
            with pytest.raises(WorkflowError, match="only possible from"):
                workflow.transition(s, actors["manager"], inc, t.name, note="x", _internal=True)


def test_unknown_transition_is_a_clear_error(db, actors, make_incident):
    iid = make_incident()
    with pytest.raises(WorkflowError, match="no workflow step called 'fly'"):
        _move(db, actors["officer"], iid, "fly")


def test_reporter_cannot_start_assessment(db, actors, make_incident):
    iid = make_incident(actor="reporter")
    with pytest.raises(PermissionDenied, match="Safety officer"):
        _move(db, actors["reporter"], iid, "start_assessment")


def test_submit_requires_a_rated_assessment(db, actors, make_incident):
    iid = make_incident()
    _move(db, actors["officer"], iid, "start_assessment")
    with pytest.raises(WorkflowError, match="no risk assessment"):
        _move(db, actors["officer"], iid, "submit_for_signoff")


def test_sign_off_only_through_the_sign_off_service(db, actors, make_incident):
    iid = make_incident()
    _move(db, actors["officer"], iid, "start_assessment")
    _add_rated_assessment(db, iid)
    _move(db, actors["officer"], iid, "submit_for_signoff")
    with pytest.raises(WorkflowError, match="sign-off queue"):
        _move(db, actors["manager"], iid, "sign_off")


def test_rejection_needs_a_reason_and_returns_to_assessment(db, actors, make_incident):
    iid = make_incident()
    _move(db, actors["officer"], iid, "start_assessment")
    _add_rated_assessment(db, iid)
    _move(db, actors["officer"], iid, "submit_for_signoff")
    with db.transaction() as s, pytest.raises(WorkflowError, match="needs a reason"):
        workflow.transition(s, actors["manager"], s.get(Incident, iid), "reject", _internal=True)
    with db.transaction() as s:
        workflow.transition(s, actors["manager"], s.get(Incident, iid), "reject", note="Vague controls",
                            _internal=True)
    with db.reading() as s:
        assert s.get(Incident, iid).status == Status.ASSESSMENT


def test_close_refused_while_actions_are_open(db, actors, make_incident):
    iid = make_incident()
    with db.transaction() as s:
        inc = s.get(Incident, iid)
        inc.status = Status.FOLLOW_UP.value
        inc.root_cause, inc.lessons_learned = "cause", "lesson"
        s.add(CorrectiveAction(incident_id=iid, description="Fit mats", action_type="corrective", status="done"))
    with pytest.raises(WorkflowError, match="1 corrective action is still open or not verified"):
        _move(db, actors["officer"], iid, "close")
    with db.transaction() as s:
        s.scalars(select(CorrectiveAction)).one().status = "verified"
    assert _move(db, actors["officer"], iid, "close") == Status.CLOSED


def test_close_requires_root_cause_and_lessons(db, actors, make_incident):
    iid = make_incident()
    with db.transaction() as s:
        s.get(Incident, iid).status = Status.FOLLOW_UP.value
    with pytest.raises(WorkflowError) as err:
        _move(db, actors["officer"], iid, "close")
    assert "root cause" in str(err.value) and "lessons learned" in str(err.value)


def test_void_incident_cannot_move(db, actors, make_incident):
    iid = make_incident()
    with db.transaction() as s:
        service.void(s, actors["officer"], iid, "Duplicate of another report")
    with pytest.raises(WorkflowError, match="void"):
        _move(db, actors["officer"], iid, "start_assessment")


def test_available_transitions_depend_on_role(db, actors, make_incident):
    iid = make_incident()
    with db.reading() as s:
        inc = s.get(Incident, iid)
        assert [t.name for t in workflow.available_transitions(actors["officer"], inc)] == ["start_assessment"]
        assert workflow.available_transitions(actors["reporter"], inc) == []


def test_revising_a_signed_off_assessment_returns_to_assessment(db, actors, make_incident):
    iid = make_incident()
    with db.transaction() as s:
        inc = s.get(Incident, iid)
        inc.status = Status.RESOLUTION.value
    with pytest.raises(WorkflowError, match="new revision of the risk assessment"):
        _move(db, actors["officer"], iid, "revise_assessment", note="new hazard found")
    with db.transaction() as s:
        workflow.transition(s, actors["officer"], s.get(Incident, iid), "revise_assessment",
                            note="Revision 2 started", _internal=True)
    with db.reading() as s:
        assert s.get(Incident, iid).status == Status.ASSESSMENT
