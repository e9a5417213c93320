"""Risk assessments: rating hazards, overall risk and priority, locking, revisions, CAPA, questions."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest

from incident_desk.actor import Actor
from incident_desk.db import Database
from incident_desk.errors import PermissionDenied, ValidationError, WorkflowError
from incident_desk.incidents import workflow
from incident_desk.incidents.models import Incident
from incident_desk.risk import matrices
from incident_desk.risk import service as risk
from incident_desk.risk.models import Assessment, CorrectiveAction


@pytest.fixture
def assessing(db: Database, actors: dict[str, Actor], make_incident: Any) -> int:
    """An incident in Assessment."""
    iid = make_incident()
    with db.transaction() as s:
        workflow.transition(s, actors["officer"], s.get(Incident, iid), "start_assessment")
    return iid


def rated_assessment(db: Database, officer: Actor, iid: int) -> tuple[int, int]:
    with db.transaction() as s:
        a = risk.start(s, officer, iid)
        h = risk.add_hazard(s, officer, a.id, "Wet floor near wash station", existing_controls="Mopping rota")
        risk.rate_hazard(s, officer, h.id, "inherent", "4", "3")
        risk.add_control(s, officer, h.id, "Anti-slip matting", "engineering")
        risk.rate_hazard(s, officer, h.id, "residual", "2", "3")
        return a.id, h.id


def test_ratings_use_the_matrix_and_the_worst_residual_sets_priority(
    db: Database, actors: dict[str, Actor], assessing: int
) -> None:
    officer = actors["officer"]
    a_id, h_id = rated_assessment(db, officer, assessing)
    with db.transaction() as s:
        a = s.get(Assessment, a_id)
        h = a.hazards[0]
        assert (h.inherent_score, h.inherent_band) == (12, "High")
        assert (h.residual_score, h.residual_band) == (6, "Medium")
        assert (a.overall_score, a.overall_band) == (6, "Medium")
        incident = s.get(Incident, assessing)
        assert incident.priority == "Medium"
        assert incident.response_due_at == incident.reported_at + dt.timedelta(hours=168)
        # A second hazard, rated only inherently, becomes the worst.
        h2 = risk.add_hazard(s, officer, a_id, "Unguarded conveyor nip point")
        risk.rate_hazard(s, officer, h2.id, "inherent", "3", "5")
        assert (a.overall_band, a.overall_score) == ("High", 15)
        assert incident.priority == "High"
        assert incident.response_due_at == incident.reported_at + dt.timedelta(hours=24)
        risk.rate_hazard(s, officer, h2.id, "residual", "5", "5")
        assert incident.priority == "Very high"
        assert incident.response_due_at == incident.reported_at + dt.timedelta(hours=2)
        h3 = risk.add_hazard(s, officer, a_id, "Trailing hose")
        risk.remove_hazard(s, officer, h2.id)
        assert incident.priority == "Medium"
        assert [(h.position, h.description) for h in risk.view(s, assessing).hazards] == [
            (0, "Wet floor near wash station"),
            (1, "Trailing hose"),
        ]
        risk.remove_hazard(s, officer, h3.id)
        with pytest.raises(ValidationError, match="no likelihood level with code '9'"):
            risk.rate_hazard(s, officer, h_id, "residual", "9", "1")
        with pytest.raises(ValidationError, match="hierarchy of controls"):
            risk.add_control(s, officer, h_id, "Be careful", "luck")


def test_only_assessors_may_assess(db: Database, actors: dict[str, Actor], assessing: int) -> None:
    for key in ("reporter", "manager", "admin"):
        with pytest.raises(PermissionDenied, match="may not write risk assessments"), db.transaction() as s:
            risk.start(s, actors[key], assessing)


def test_editing_a_used_matrix_leaves_old_assessments_on_their_version(
    db: Database, actors: dict[str, Actor], assessing: int, make_incident: Any
) -> None:
    officer = actors["officer"]
    rated_assessment(db, officer, assessing)
    with db.transaction() as s:
        m = matrices.by_name(s, "5×5 Likelihood × Consequence")
        assert matrices.list_matrices(s)[-1].in_use
        v1 = matrices.latest_version(s, m.id)
        d = copy.deepcopy(v1.definition)
        d["bands"][1]["name"] = "Moderate"
        v2 = matrices.save(s, actors["manager"], m.id, d)
    iid2 = make_incident()
    with db.transaction() as s:
        workflow.transition(s, officer, s.get(Incident, iid2), "start_assessment")
        a2 = risk.start(s, officer, iid2)
        h = risk.add_hazard(s, officer, a2.id, "Same hazard")
        risk.rate_hazard(s, officer, h.id, "residual", "2", "3")
        assert a2.matrix_version_id == v2.id and h.residual_band == "Moderate"
    with db.reading() as s:
        old = risk.view(s, assessing)
        assert old.matrix_version_id == v1.id and old.matrix_version == 1
        assert old.overall_band == "Medium" and old.definition["bands"][1]["name"] == "Medium"
        assert old.hazards[0].controls[0].hierarchy == "engineering"


def test_submit_moves_the_incident_and_freezes_the_assessment(
    db: Database, actors: dict[str, Actor], assessing: int
) -> None:
    officer = actors["officer"]
    with db.transaction() as s:
        a = risk.start(s, officer, assessing)
        risk.add_hazard(s, officer, a.id, "Not rated yet")
    with pytest.raises(WorkflowError, match="is not rated on the risk matrix"), db.transaction() as s:
        risk.submit(s, officer, assessing)
    with db.reading() as s:
        assert risk.latest_assessment(s, assessing).status == "draft"  # rolled back with the refusal
    with db.transaction() as s:
        h = risk.view(s, assessing).hazards[0]
        risk.rate_hazard(s, officer, h.id, "inherent", "2", "2")
        a = risk.submit(s, officer, assessing)
        assert a.status == "submitted" and a.submitted_at is not None
        assert s.get(Incident, assessing).status == "awaiting_signoff"
        with pytest.raises(WorkflowError, match="waiting for sign-off"):
            risk.add_hazard(s, officer, a.id, "Another")


def test_locked_assessment_refuses_edits_and_new_revision_copies_it(
    db: Database, actors: dict[str, Actor], assessing: int
) -> None:
    officer = actors["officer"]
    a_id, h_id = rated_assessment(db, officer, assessing)
    with db.transaction() as s:
        with pytest.raises(WorkflowError, match="can still be edited"):
            risk.new_revision(s, officer, assessing)
        a = s.get(Assessment, a_id)
        a.status, a.locked = "signed_off", True  # what the sign-off service does
    with db.transaction() as s:
        for call in (
            lambda: risk.add_hazard(s, officer, a_id, "x"),
            lambda: risk.rate_hazard(s, officer, h_id, "residual", "1", "1"),
            lambda: risk.update_hazard(s, officer, h_id, description="y"),
            lambda: risk.set_summary(s, officer, a_id, "z"),
        ):
            with pytest.raises(WorkflowError, match="locked after sign-off: start a new revision"):
                call()
        new = risk.new_revision(s, officer, assessing)
        assert new.revision == 2 and new.status == "draft" and not new.locked
        assert risk.latest_assessment(s, assessing).id == new.id
        copied = risk.view(s, assessing)
        assert (
            copied.hazards[0].residual == ("2", "3")
            and copied.hazards[0].controls[0].description == "Anti-slip matting"
        )
        risk.rate_hazard(s, officer, copied.hazards[0].id, "residual", "1", "3")
    with db.reading() as s:
        old = s.get(Assessment, a_id)
        assert old.status == "signed_off" and old.hazards[0].residual_likelihood == "2"


def test_actions_verification_and_closing(db: Database, actors: dict[str, Actor], assessing: int) -> None:
    officer, officer2, manager = actors["officer"], actors["officer2"], actors["manager"]
    today = dt.date.today()
    with db.transaction() as s:
        with pytest.raises(ValidationError) as err:
            risk.add_action(s, officer, assessing, "", "later")
        assert set(err.value.problems) == {"description", "action_type", "due_date", "owner"} - {"owner"}
        act = risk.add_action(
            s,
            officer,
            assessing,
            "Fit anti-slip matting",
            "corrective",
            owner_id=officer.user_id,
            due_date=today - dt.timedelta(days=2),
        )
        assert risk.is_overdue(act, today) and risk.count_overdue(s, today) == 1
        with pytest.raises(PermissionDenied):
            risk.add_action(
                s, actors["reporter"], assessing, "x", "corrective", owner_name="A", due_date=today
            )
        with pytest.raises(ValidationError, match="evidence"):
            risk.set_action_status(s, officer, act.id, "done")
        risk.set_action_status(s, officer, act.id, "done", evidence="Matting fitted, photo attached")
        assert not risk.is_overdue(act, today)
        with pytest.raises(PermissionDenied, match="somebody other than its owner"):
            risk.verify_action(s, officer, act.id, "Looks fine")
        risk.verify_action(s, officer2, act.id, "Checked on site: no slips in two weeks")
        assert act.status == "verified" and act.verified_by_id == officer2.user_id
        second = risk.add_action(
            s,
            officer,
            assessing,
            "Toolbox talk",
            "preventive",
            owner_name="Shift lead",
            due_date=today + dt.timedelta(days=5),
        )
    # Drive the incident to follow-up and try to close with the second action open.
    rated = risk
    with db.transaction() as s:
        a = rated.start(s, officer, assessing)
        h = rated.add_hazard(s, officer, a.id, "Wet floor")
        rated.rate_hazard(s, officer, h.id, "inherent", "2", "2")
        rated.submit(s, officer, assessing)
        inc = s.get(Incident, assessing)
        workflow.transition(s, manager, inc, "sign_off", _internal=True)
        workflow.transition(s, officer, inc, "start_resolution")
        inc.resolution_summary = "Matting fitted."
        workflow.transition(s, officer, inc, "resolve")
        inc.root_cause, inc.lessons_learned = "No matting", "Fit matting at wash stations"
    with pytest.raises(WorkflowError, match="1 corrective action is still open"), db.transaction() as s:
        workflow.transition(s, officer, s.get(Incident, assessing), "close")
    with db.transaction() as s:
        risk.set_action_status(s, officer, second.id, "cancelled", note="Covered by the site induction")
        workflow.transition(s, officer, s.get(Incident, assessing), "close")
        assert s.get(CorrectiveAction, second.id).status == "cancelled"


def test_information_requests(db: Database, actors: dict[str, Actor], assessing: int) -> None:
    officer, reporter = actors["officer"], actors["reporter"]
    with db.transaction() as s:
        risk.start(s, officer, assessing)
        req = risk.request_info(
            s, officer, assessing, "Was the wet-floor sign out?", asked_of_user_id=reporter.user_id
        )
        assert req.asked_of_name == "Rui Reporter" and req.assessment_id is not None
        other = risk.request_info(s, officer, assessing, "Who mopped?", asked_of_name="Cleaning contractor")
        with pytest.raises(PermissionDenied, match="Only Cleaning contractor or a safety officer"):
            risk.answer_info(s, reporter, other.id, "No idea")
        risk.answer_info(s, reporter, req.id, "No, it was in the cupboard.")
        risk.answer_info(s, officer, other.id, "Night shift cleaner (phoned)")
        answers = [r.answer for r in risk.info_requests_for(s, assessing)]
        assert answers == ["No, it was in the cupboard.", "Night shift cleaner (phoned)"]
        with pytest.raises(ValidationError, match="Name the person"):
            risk.request_info(s, officer, assessing, "Q?")


def test_submitting_through_the_workflow_marks_the_assessment(
    db: Database, actors: dict[str, Actor], assessing: int
) -> None:
    officer = actors["officer"]
    rated_assessment(db, officer, assessing)
    with db.transaction() as s:
        workflow.transition(s, officer, s.get(Incident, assessing), "submit_for_signoff")
        a = risk.latest_assessment(s, assessing)
        assert a.status == "submitted" and a.submitted_at is not None


def test_rating_does_not_make_the_open_incident_form_stale(
    db: Database, actors: dict[str, Actor], assessing: int
) -> None:
    with db.reading() as s:
        before = s.get(Incident, assessing).version
    rated_assessment(db, actors["officer"], assessing)
    with db.reading() as s:
        incident = s.get(Incident, assessing)
        assert incident.priority == "Medium" and incident.version == before


def test_assigning_an_action_notifies_its_owner(db, actors, make_incident):
    """Creating an action for someone, and handing it to someone else, puts it in their inbox."""
    import datetime as _dt

    from sqlalchemy import select as _select

    from incident_desk.notify.models import InboxItem
    from incident_desk.risk import service as _risk

    iid = make_incident()
    with db.transaction() as s:
        act = _risk.add_action(s, actors["officer"], iid, description="Fit anti-slip mats",
                               action_type="corrective", owner_id=actors["officer2"].user_id,
                               due_date=_dt.date.today() + _dt.timedelta(days=7))
        aid = act.id
    with db.transaction() as s:
        _risk.update_action(s, actors["officer"], aid, owner_id=actors["manager"].user_id)
    with db.reading() as s:
        owners = set(s.scalars(_select(InboxItem.user_id).where(InboxItem.event == "action_assigned")))
    assert {actors["officer2"].user_id, actors["manager"].user_id} <= owners
