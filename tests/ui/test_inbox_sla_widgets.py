"""SLA widgets: an incident's deadlines tab, and the target editor with risk-band rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDoubleSpinBox

from incident_desk.db import Database
from incident_desk.notify import escalation, sla
from incident_desk.ui.sla_editor import DeadlinesPanel, SlaEditor
from tests.conftest import incident_data, reference_ids


def test_deadlines_panel_shows_late_and_escalations(
    qtbot: Any, sqlite_db: Database, gui_actors: dict[str, Any]
) -> None:
    from incident_desk.incidents import service

    reported = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=2)
    with sqlite_db.transaction() as s:
        refs = reference_ids(sqlite_db)
        iid = service.create(
            s,
            gui_actors["reporter"],
            incident_data(
                refs,
                severity_id=refs["severity"]["Critical"],
                reported_at=reported,
                occurred_at=reported - dt.timedelta(minutes=5),
            ),
        ).id
    escalation.check(sqlite_db)
    panel = DeadlinesPanel(sqlite_db, gui_actors["officer"], iid)
    qtbot.addWidget(panel)
    panel.resize(760, 420)
    panel.grab().save("/tmp/deadlines_panel.png")
    assert panel.table.rowCount() == 4
    row = [panel.table.item(0, c).text() for c in range(5)]
    assert row[0] == "Acknowledge" and row[3] == "Overdue" and row[4].endswith("late")
    assert panel.table.item(1, 3).text() == "Open" and panel.table.item(1, 4).text().endswith("left")
    assert "Next: acknowledge by" in panel.summary.text() and "late" in panel.summary.text()
    levels = [panel.history.item(r, 2).text() for r in range(panel.history.rowCount())]
    assert "1 — Assignee and safety officers" in levels


def test_sla_editor_saves_and_adds_a_band(
    qtbot: Any, sqlite_db: Database, gui_actors: dict[str, Any], monkeypatch: Any
) -> None:
    editor = SlaEditor(sqlite_db, gui_actors["admin"])
    qtbot.addWidget(editor)
    assert editor.table.rowCount() == 4
    spin = editor.table.cellWidget(0, 0)
    assert isinstance(spin, QDoubleSpinBox) and spin.value() == 1.0  # Critical: acknowledge within 1 h
    spin.setValue(0.5)
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    with sqlite_db.reading() as s:
        assert sla.list_targets(s)[0].acknowledge_minutes == 30
    editor.severity.setCurrentIndex(editor.severity.findText("Major"))
    qtbot.keyClicks(editor.band, "High")
    qtbot.mouseClick(editor.add_button, Qt.MouseButton.LeftButton)
    with sqlite_db.reading() as s:
        bands = [(t.severity, t.band) for t in sla.list_targets(s) if t.band]
    assert bands == [("Major", "High")]
    assert editor.table.rowCount() == 5
    # A decreasing target is refused with the reason, nothing saved.
    shown: list[str] = []
    monkeypatch.setattr(
        "incident_desk.ui.sla_editor.QMessageBox.warning", lambda _p, _t, text: shown.append(text)
    )
    editor.table.cellWidget(0, 0).setValue(100)  # type: ignore[union-attr]
    assert editor.save() is False and "must not decrease" in shown[0]
    editor.grab().save("/tmp/sla_editor.png")


def test_sla_editor_read_only_without_permission(
    qtbot: Any, sqlite_db: Database, gui_actors: dict[str, Any]
) -> None:
    editor = SlaEditor(sqlite_db, gui_actors["manager"])
    qtbot.addWidget(editor)
    assert not editor.save_button.isEnabled() and not editor.table.isEnabled()


def test_incident_form_gets_a_deadlines_tab(
    qtbot: Any, sqlite_db: Database, gui_actors: dict[str, Any], monkeypatch: Any
) -> None:
    from incident_desk.incidents import service
    from incident_desk.ui import incident_form
    from incident_desk.ui.inbox import FORM_TAB, register_form_tab

    monkeypatch.setattr(incident_form, "INCIDENT_FORM_TABS", list(incident_form.INCIDENT_FORM_TABS))
    register_form_tab()
    register_form_tab()
    assert incident_form.INCIDENT_FORM_TABS.count(FORM_TAB) == 1
    with sqlite_db.transaction() as s:
        iid = service.create(s, gui_actors["reporter"], incident_data(reference_ids(sqlite_db))).id
    form = incident_form.IncidentForm(sqlite_db, gui_actors["officer"], iid)
    qtbot.addWidget(form)
    titles = [form.tabs.tabText(i) for i in range(form.tabs.count())]
    assert "Deadlines" in titles
    panel = form.extension_tabs[FORM_TAB]
    assert isinstance(panel, DeadlinesPanel) and panel.table.rowCount() == 4
