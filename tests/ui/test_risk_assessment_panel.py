"""The Risk assessment tab: rate hazards by clicking the matrix, add controls and actions, submit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QDialog, QInputDialog

from incident_desk.actor import Actor
from incident_desk.db import Database
from incident_desk.incidents import service, workflow
from incident_desk.incidents.models import Incident
from incident_desk.risk import service as risk
from incident_desk.ui.assessment import ActionDialog, AssessmentPanel
from tests.conftest import incident_data, reference_ids


@pytest.fixture
def incident_id(sqlite_db: Database, gui_actors: dict[str, Actor]) -> int:
    refs = reference_ids(sqlite_db)
    with sqlite_db.transaction() as s:
        incident = service.create(s, gui_actors["officer"], incident_data(refs))
        workflow.transition(s, gui_actors["officer"], incident, "start_assessment")
        return incident.id


def panel_for(qtbot: Any, db: Database, actor: Actor, incident_id: int) -> AssessmentPanel:
    w = AssessmentPanel(db, actor, incident_id)
    qtbot.addWidget(w)
    w.resize(1250, 760)
    w.show()
    qtbot.waitExposed(w)
    return w


def click(qtbot: Any, grid: Any, likelihood: str, severity: str) -> None:
    qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=grid.cell_rect(likelihood, severity).center())


def test_rate_a_hazard_by_clicking_cells_and_submit(
    qtbot: Any,
    sqlite_db: Database,
    gui_actors: dict[str, Actor],
    incident_id: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    officer = gui_actors["officer"]
    w = panel_for(qtbot, sqlite_db, officer, incident_id)
    assert w.start_button.isVisible() and w.start_button.isEnabled()
    qtbot.mouseClick(w.start_button, Qt.MouseButton.LeftButton)
    assert w.view is not None and w.view.matrix_name == "5×5 Likelihood × Consequence"

    qtbot.keyClicks(w.new_hazard, "Wet floor near the wash station")
    qtbot.mouseClick(w.add_hazard_button, Qt.MouseButton.LeftButton)
    assert [h.description for h in w.view.hazards] == ["Wet floor near the wash station"]
    assert not w.submit_button.isEnabled() or w.view.hazards[0].inherent is None

    click(qtbot, w.inherent_grid, "4", "3")  # Likely × Moderate
    qtbot.keyClicks(w.new_control, "Anti-slip matting")
    w.hierarchy_combo.setCurrentIndex(w.hierarchy_combo.findData("engineering"))
    qtbot.mouseClick(w.add_control_button, Qt.MouseButton.LeftButton)
    click(qtbot, w.residual_grid, "2", "3")  # Unlikely × Moderate
    assert w.residual_grid.selected() == ("2", "3")
    assert "6 · Medium" in w.overall_chip.text()

    with sqlite_db.reading() as s:
        v = risk.view(s, incident_id)
        h = v.hazards[0]
        assert (h.inherent, h.inherent_score, h.inherent_band) == (("4", "3"), 12, "High")
        assert (h.residual, h.residual_score, h.residual_band) == (("2", "3"), 6, "Medium")
        assert [(c.description, c.hierarchy) for c in h.controls] == [("Anti-slip matting", "engineering")]
        incident = s.get(Incident, incident_id)
        assert incident.priority == "Medium"
        assert incident.response_due_at == incident.reported_at + dt.timedelta(days=7)

    # An action, through the dialog.
    def fill(dialog: ActionDialog) -> int:
        dialog.description.setPlainText("Fit anti-slip matting at every wash station")
        dialog.owner.setCurrentText("Oona Officer")
        dialog.due.setDate(QDate.currentDate().addDays(-3))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ActionDialog, "exec", fill)
    qtbot.mouseClick(w.add_action_button, Qt.MouseButton.LeftButton)
    assert w.tabs.tabText(1) == "Actions (1, 1 overdue)"
    with sqlite_db.reading() as s:
        (action,) = risk.actions_for(s, incident_id)
        assert action.owner_id == gui_actors["officer2"].user_id and action.action_type == "corrective"

    monkeypatch.setattr(QInputDialog, "getMultiLineText", lambda *a, **k: ("Matting fitted", True))
    w.action_table.selectRow(0)
    qtbot.mouseClick(w.done_button, Qt.MouseButton.LeftButton)
    assert w.actions[0].status == "done" and w.tabs.tabText(1) == "Actions (1)"

    qtbot.mouseClick(w.submit_button, Qt.MouseButton.LeftButton)
    with sqlite_db.reading() as s:
        assert s.get(Incident, incident_id).status == "awaiting_signoff"
        assert risk.latest_assessment(s, incident_id).status == "submitted"
    assert w.notice.isVisible() and "waiting for sign-off" in w.notice.text()
    assert not w.inherent_grid._interactive and not w.add_hazard_button.isEnabled()


def test_manager_sees_the_assessment_read_only(
    qtbot: Any, sqlite_db: Database, gui_actors: dict[str, Actor], incident_id: int
) -> None:
    officer = gui_actors["officer"]
    with sqlite_db.transaction() as s:
        a = risk.start(s, officer, incident_id)
        h = risk.add_hazard(s, officer, a.id, "Unguarded conveyor")
        risk.rate_hazard(s, officer, h.id, "inherent", "3", "5")
    w = panel_for(qtbot, sqlite_db, gui_actors["manager"], incident_id)
    assert w.inherent_grid.selected() == ("3", "5") and "15 · High" in w.overall_chip.text()
    click(qtbot, w.inherent_grid, "1", "1")
    with sqlite_db.reading() as s:
        assert risk.view(s, incident_id).hazards[0].inherent == ("3", "5")
    assert not w.add_hazard_button.isEnabled() and not w.submit_button.isEnabled()


def test_the_tab_in_the_incident_form_submits_through_the_form(
    qtbot: Any, sqlite_db: Database, gui_actors: dict[str, Actor], incident_id: int
) -> None:
    from incident_desk.ui.incident_form import IncidentForm

    officer = gui_actors["officer"]
    with sqlite_db.transaction() as s:
        a = risk.start(s, officer, incident_id)
        h = risk.add_hazard(s, officer, a.id, "Wet floor")
        risk.rate_hazard(s, officer, h.id, "inherent", "2", "2")
    form = IncidentForm(sqlite_db, officer, incident_id)
    qtbot.addWidget(form)
    form.show()
    panel = next(
        form.tabs.widget(i)
        for i in range(form.tabs.count())
        if isinstance(form.tabs.widget(i), AssessmentPanel)
    )
    assert form.tabs.tabText(form.tabs.indexOf(panel)) == "Risk assessment"
    qtbot.mouseClick(panel.submit_button, Qt.MouseButton.LeftButton)
    assert form.status == "awaiting_signoff"
    with sqlite_db.reading() as s:
        assert risk.latest_assessment(s, incident_id).status == "submitted"


def test_typed_hazard_text_is_kept_when_rating(
    qtbot: Any, sqlite_db: Database, gui_actors: dict[str, Actor], incident_id: int
) -> None:
    officer = gui_actors["officer"]
    with sqlite_db.transaction() as s:
        a = risk.start(s, officer, incident_id)
        risk.add_hazard(s, officer, a.id, "Wet floor")
        risk.add_hazard(s, officer, a.id, "Trailing hose")
    w = panel_for(qtbot, sqlite_db, officer, incident_id)
    w.hazard_table.selectRow(0)
    w.description_edit.setPlainText("Wet floor near the wash station")
    click(qtbot, w.inherent_grid, "3", "2")
    w.existing_edit.setPlainText("Mopping rota")
    w.hazard_table.selectRow(1)  # moving on keeps what was typed
    with sqlite_db.reading() as s:
        first = risk.view(s, incident_id).hazards[0]
    assert (first.description, first.existing_controls, first.inherent) == (
        "Wet floor near the wash station",
        "Mopping rota",
        ("3", "2"),
    )
    assert w.description_edit.toPlainText() == "Trailing hose"


def test_start_from_reported_moves_the_incident_into_assessment(
    qtbot: Any, sqlite_db: Database, gui_actors: dict[str, Actor]
) -> None:
    refs = reference_ids(sqlite_db)
    with sqlite_db.transaction() as s:
        iid = service.create(s, gui_actors["officer"], incident_data(refs)).id
    w = panel_for(qtbot, sqlite_db, gui_actors["officer"], iid)
    assert w.start_button.isEnabled()
    qtbot.mouseClick(w.start_button, Qt.MouseButton.LeftButton)
    with sqlite_db.reading() as s:
        assert s.get(Incident, iid).status == "assessment"
        assert risk.latest_assessment(s, iid) is not None


def test_edit_an_overdue_action(
    qtbot: Any,
    sqlite_db: Database,
    gui_actors: dict[str, Actor],
    incident_id: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    officer = gui_actors["officer"]
    with sqlite_db.transaction() as s:
        risk.add_action(
            s,
            officer,
            incident_id,
            "Replace the matting",
            "corrective",
            owner_name="Facilities",
            due_date=dt.date.today() - dt.timedelta(days=1),
        )
    w = panel_for(qtbot, sqlite_db, officer, incident_id)
    assert w.tabs.tabText(1) == "Actions (1, 1 overdue)"
    w.action_table.selectRow(0)

    def fill(dialog: ActionDialog) -> int:
        assert dialog.description.toPlainText() == "Replace the matting"
        dialog.due.setDate(QDate.currentDate().addDays(10))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ActionDialog, "exec", fill)
    qtbot.mouseClick(w.edit_action_button, Qt.MouseButton.LeftButton)
    assert w.tabs.tabText(1) == "Actions (1)"
    with sqlite_db.reading() as s:
        (action,) = risk.actions_for(s, incident_id)
        assert (
            action.due_date == dt.date.today() + dt.timedelta(days=10) and action.owner_name == "Facilities"
        )
