"""The Alerts screen's rule and ladder editors: what is clicked is what the core stores."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSpinBox

from incident_desk.db import Database
from incident_desk.notify import escalation, rules
from incident_desk.ui.main_window import MainWindow


def test_rule_editor_creates_a_filtered_rule(
    qtbot: Any, sqlite_db: Database, gui_actors: dict[str, Any], monkeypatch: Any
) -> None:
    window = MainWindow(sqlite_db, gui_actors["admin"])
    qtbot.addWidget(window)
    window.resize(1200, 760)
    screen = window.show_screen("outbox")
    screen.setCurrentWidget(screen.rules)
    editor = screen.rules
    before = editor.rule_list.count()
    assert before >= 5  # the default rules
    qtbot.mouseClick(editor.new_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(editor.name, "Depot vehicle incidents")
    editor.event.setCurrentIndex(editor.event.findData("incident_created"))
    for box, name in ((editor.sites, "Test Depot"), (editor.types, "Vehicle")):
        item = box.findItems(name, Qt.MatchFlag.MatchExactly)[0]
        item.setCheckState(Qt.CheckState.Checked)
    rec = editor.recipients
    rec.kind.setCurrentIndex(rec.kind.findData("email"))
    qtbot.keyClicks(rec.address, "fleet@example.test")
    qtbot.mouseClick(rec.add_button, Qt.MouseButton.LeftButton)
    rec.kind.setCurrentIndex(rec.kind.findData("role"))
    rec.choice.setCurrentIndex(rec.choice.findData("manager"))
    qtbot.mouseClick(rec.add_button, Qt.MouseButton.LeftButton)
    editor.channels["inbox"].setChecked(False)
    editor.channels["email"].setChecked(True)
    window.grab().save("/tmp/alert_rules.png")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert editor.rule_list.count() == before + 1
    with sqlite_db.reading() as s:
        rule = next(r for r in rules.list_rules(s) if r.name == "Depot vehicle incidents")
        assert rule.channels == ["email"] and rule.event == "incident_created"
        assert rule.recipients == [
            {"kind": "email", "value": "fleet@example.test"},
            {"kind": "role", "value": "manager"},
        ]
        assert len(rule.site_ids) == 1 and len(rule.type_ids) == 1 and not rule.severity_ids
    # A rule without a recipient is refused with the reason.
    shown: list[str] = []
    monkeypatch.setattr(
        "incident_desk.ui.alert_rules.QMessageBox.warning", lambda _p, _t, text: shown.append(text)
    )
    editor.new_rule()
    qtbot.keyClicks(editor.name, "Nobody")
    assert editor.save() is False and "Choose at least one recipient." in shown[0]


def test_ladder_editor_adds_a_level(qtbot: Any, sqlite_db: Database, gui_actors: dict[str, Any]) -> None:
    window = MainWindow(sqlite_db, gui_actors["admin"])
    qtbot.addWidget(window)
    screen = window.show_screen("outbox")
    assert [screen.tabText(i).replace("&", "") for i in range(screen.count())] == [
        "E-mail outbox",
        "Notification rules",
        "Escalation ladder",
        "Response targets",
    ]
    editor = screen.ladder
    assert editor.table.rowCount() == 4
    qtbot.mouseClick(editor.add_button, Qt.MouseButton.LeftButton)
    row = editor.table.rowCount() - 1
    editor.table.item(row, 1).setText("Regional director")
    minutes = editor.table.cellWidget(row, 2)
    assert isinstance(minutes, QSpinBox) and minutes.value() == 540
    rec = editor.recipients
    rec.kind.setCurrentIndex(rec.kind.findData("email"))
    qtbot.keyClicks(rec.address, "director@example.test")
    qtbot.mouseClick(rec.add_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    with sqlite_db.reading() as s:
        ladder = escalation.ladder(s)
    assert [lv.level for lv in ladder] == [0, 1, 2, 3, 4]
    assert ladder[-1].name == "Regional director" and ladder[-1].after_minutes == 540
    assert ladder[-1].recipients == [{"kind": "email", "value": "director@example.test"}]
    assert ladder[1].recipients == [{"kind": "assignee"}, {"kind": "role", "value": "officer"}]  # untouched


def test_editors_are_read_only_for_others(
    qtbot: Any, sqlite_db: Database, gui_actors: dict[str, Any]
) -> None:
    from incident_desk.ui.alert_rules import LadderEditor, RulesEditor

    r = RulesEditor(sqlite_db, gui_actors["manager"])
    la = LadderEditor(sqlite_db, gui_actors["manager"])
    qtbot.addWidget(r)
    qtbot.addWidget(la)
    assert not r.save_button.isEnabled() and not r.new_button.isEnabled() and not la.isEnabled()
    window = MainWindow(sqlite_db, gui_actors["officer"])
    qtbot.addWidget(window)
    screen = window.show_screen("outbox")
    assert not hasattr(screen, "outbox") and "kept by an administrator" in screen.text()
