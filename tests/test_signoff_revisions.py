"""After the final sign-off an assessment is locked: changing it starts a new revision; the old stays viewable."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from incident_desk.errors import WorkflowError
from incident_desk.incidents.models import Incident
from incident_desk.risk import service as risk
from incident_desk.risk.models import Assessment, Hazard
from incident_desk.signoff import service as signoff
from incident_desk.signoff.verify import verify_signatures
from tests.conftest import PASSWORD
from tests.signoff_helpers import submitted_assessment


def test_editing_a_locked_assessment_creates_a_revision_needing_a_new_sign_off(db, actors, make_incident):
    iid = make_incident()
    rev1 = submitted_assessment(db, actors, iid)
    with db.transaction() as s:
        first_sig = signoff.approve(s, actors["manager"], rev1, PASSWORD, "OK").id
    with db.reading() as s:
        hazard_id = s.scalars(select(Hazard.id).where(Hazard.assessment_id == rev1)).one()

    # The locked revision refuses changes...
    with (
        pytest.raises(WorkflowError, match="locked after sign-off: start a new revision"),
        db.transaction() as s,
    ):
        risk.rate_hazard(s, actors["officer"], hazard_id, "residual", "1", "4")
    # ...so the change goes into a new revision, a copy that is not signed.
    with db.transaction() as s:
        rev2 = risk.new_revision(s, actors["officer2"], iid)
        assert (rev2.revision, rev2.status, rev2.locked) == (2, "draft", False)
        rev2_id = rev2.id
        new_hazard = s.scalars(select(Hazard).where(Hazard.assessment_id == rev2_id)).one()
        risk.rate_hazard(s, actors["officer2"], new_hazard.id, "residual", "1", "4")
    with db.reading() as s:
        assert signoff.current_approvals(s, rev2_id) == []
        assert s.get(Assessment, rev1).locked
        assert s.scalars(select(Hazard.residual_score).where(Hazard.id == hazard_id)).one() == 8

    # Starting the revision sent the incident back to Assessment; revision 2 goes through sign-off.
    with db.transaction() as s:
        assert s.get(Incident, iid).status == "assessment"
        risk.submit(s, actors["officer2"], iid)
    with db.transaction() as s:
        assert s.get(Incident, iid).status == "awaiting_signoff"
        with pytest.raises(Exception, match="You wrote this assessment"):
            signoff.approve(s, actors["officer2"], rev2_id, PASSWORD)
        signoff.approve(s, actors["manager2"], rev2_id, PASSWORD, "Revised controls accepted")
    with db.reading() as s:
        assert s.get(Assessment, rev1).status == "superseded"
        assert s.get(Assessment, rev2_id).status == "signed_off" and s.get(Assessment, rev2_id).locked
        # Earlier revisions and their signatures stay viewable.
        v1 = signoff.view(s, actors["reporter"], rev1)
        assert [x.id for x in v1.signatures] == [first_sig]
        assert [r.revision for r in v1.revisions] == [1, 2]
        assert [x.assessment_id for x in signoff.signatures_for_incident(s, iid)] == [rev1, rev2_id]
        assert s.get(Incident, iid).status == "signed_off"
        assert list(verify_signatures(s)) == []


def test_revision_of_a_signed_off_incident_goes_back_through_sign_off(db, actors, make_incident):
    """Revising after sign-off returns the incident to Assessment; the new revision reaches the queue."""
    from incident_desk.incidents.models import Incident
    from incident_desk.incidents.workflow import Status
    from incident_desk.risk import service as risk

    iid = make_incident()
    with db.transaction() as s:
        inc = s.get(Incident, iid)
        inc.status = Status.RESOLUTION.value
        from incident_desk.risk.models import Assessment, Hazard, RiskMatrixVersion

        version = s.scalars(__import__("sqlalchemy").select(RiskMatrixVersion)).first()
        a = Assessment(incident_id=iid, matrix_version_id=version.id, status="signed_off", locked=True)
        s.add(a)
        s.flush()
        s.add(Hazard(assessment_id=a.id, description="Wet floor", residual_likelihood="2",
                     residual_severity="2", residual_score=4, residual_band="Low"))
    with db.transaction() as s:
        new = risk.new_revision(s, actors["officer"], iid)
        assert new.revision == 2
        assert s.get(Incident, iid).status == Status.ASSESSMENT
