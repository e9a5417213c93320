"""The sign-off queue, clicked through: approve with the password re-entered, reject with a reason."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from incident_desk.incidents import service as incidents
from incident_desk.incidents.models import Incident
from incident_desk.risk.models import Assessment
from incident_desk.signoff.models import Signature
from incident_desk.ui.signoff_queue import COL, SignoffQueueScreen
from tests.conftest import PASSWORD, incident_data, reference_ids
from tests.signoff_helpers import submitted_assessment


@pytest.fixture
def queue_setup(sqlite_db, gui_actors):
    refs = reference_ids(sqlite_db)

    def make(**kw):
        with sqlite_db.transaction() as s:
            iid = incidents.create(s, gui_actors["officer"], incident_data(refs)).id
        return iid, submitted_assessment(sqlite_db, gui_actors, iid, **kw)

    return make


def _screen(qtbot, db, actor):
    screen = SignoffQueueScreen(db, actor)
    qtbot.addWidget(screen)
    screen.resize(1300, 760)
    screen.show()
    return screen


def test_manager_approves_from_the_queue_with_password(qtbot, sqlite_db, gui_actors, queue_setup):
    iid_high, high = queue_setup(likelihood=3, severity=4)
    _iid, extreme = queue_setup(likelihood=5, severity=4)
    screen = _screen(qtbot, sqlite_db, gui_actors["manager"])
    # Most serious band first; the first row is selected and shown read-only.
    assert [it.assessment_id for it in screen.model.items] == [extreme, high]
    assert screen.model.index(0, COL["progress"]).data() == "0 of 2"
    screen.table.selectRow(1)
    assert "Slippery floor" in screen.text.toPlainText() and "Anti-slip mats" in screen.text.toPlainText()
    # The matrix marks hazard 1 before (3 x 4) and after (2 x 4) its controls.
    assert screen.matrix.matrix() is not None
    assert screen.marks == {("3", "4"): ["I1"], ("2", "4"): ["R1"]}

    qtbot.mouseClick(screen.approve_button, Qt.MouseButton.LeftButton)
    dialog = screen.dialog
    assert dialog is not None and dialog.isVisible()
    # A wrong password keeps the dialog open and signs nothing.
    qtbot.keyClicks(dialog.password, "wrong password")
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "password is wrong" in dialog.error.text()
    from incident_desk.audit.models import AuditEvent

    with sqlite_db.reading() as s:
        assert s.scalars(select(AuditEvent.summary).where(AuditEvent.kind == "sign_in_failed")).one() == (
            "Wrong password when signing a risk assessment"
        )
    dialog.password.clear()
    qtbot.keyClicks(dialog.password, PASSWORD)
    qtbot.keyClicks(dialog.comment, "Mats before Friday.")
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: screen.dialog is None)

    with sqlite_db.reading() as s:
        sig = s.scalars(select(Signature).where(Signature.assessment_id == high)).one()
        assert (sig.signer_name, sig.meaning, sig.comment) == (
            "Mia Manager",
            "Approved",
            "Mats before Friday.",
        )
        assert s.get(Assessment, high).locked
        assert s.get(Incident, iid_high).status == "signed_off"
    assert [it.assessment_id for it in screen.model.items] == [extreme]


def test_manager_rejects_with_a_reason(qtbot, sqlite_db, gui_actors, queue_setup):
    iid, aid = queue_setup()
    screen = _screen(qtbot, sqlite_db, gui_actors["manager"])
    qtbot.mouseClick(screen.reject_button, Qt.MouseButton.LeftButton)
    dialog = screen.dialog
    assert not dialog.ok.isEnabled()  # a reason is required
    qtbot.keyClicks(dialog.reason, "Guarding is missing from the controls.")
    assert dialog.ok.isEnabled()
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: screen.dialog is None)
    with sqlite_db.reading() as s:
        assert s.get(Incident, iid).status == "assessment"
        assert s.get(Assessment, aid).status == "rejected"
        assert s.scalars(select(Signature.comment)).one() == "Guarding is missing from the controls."
    assert screen.model.items == []
    assert "Nothing is waiting" in screen.count_label.text()


def test_the_assessor_cannot_sign_their_own(qtbot, sqlite_db, gui_actors, queue_setup):
    from incident_desk.actor import Actor
    from incident_desk.users import service as users

    with sqlite_db.transaction() as s:
        both = Actor.for_user(
            users.create_user(
                s,
                gui_actors["admin"],
                username="om",
                full_name="Olga Both",
                password=PASSWORD,
                roles=["officer", "manager"],
            )
        )
    refs = reference_ids(sqlite_db)
    with sqlite_db.transaction() as s:
        iid = incidents.create(s, both, incident_data(refs)).id
    submitted_assessment(sqlite_db, {"both": both}, iid, author="both")
    screen = _screen(qtbot, sqlite_db, both)
    assert screen.model.rowCount() == 1
    assert screen.model.index(0, COL["state"]).data() == "Waiting for someone else"
    assert not screen.approve_button.isEnabled() and not screen.reject_button.isEnabled()
    assert "You wrote this assessment" in screen.why.text()
    assert screen.approve_selected() is None


def test_officers_see_an_explanation_not_the_queue(qtbot, sqlite_db, gui_actors):
    screen = SignoffQueueScreen(sqlite_db, gui_actors["officer"])
    qtbot.addWidget(screen)
    assert screen.model is None


def test_queue_model_passes_the_model_tester(qtbot, sqlite_db, gui_actors, queue_setup, qtmodeltester):
    queue_setup()
    screen = _screen(qtbot, sqlite_db, gui_actors["manager"])
    qtmodeltester.check(screen.model)
