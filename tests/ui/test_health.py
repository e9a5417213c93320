"""The start-up health check: a damaged SQLite file is reported with the way out; a daily backup is made."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from incident_desk.ui.main_window import MainWindow


def test_daily_backup_after_start(qtbot, sqlite_db, gui_actors, tmp_path, monkeypatch):
    monkeypatch.setenv("INCIDENT_DESK_DATA_DIR", str(tmp_path / "data"))
    window = MainWindow(sqlite_db, gui_actors["officer"])
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.health.finished, timeout=10000):
        window.health.start()
    assert window.health.problem is None
    assert window.health.backup is not None and window.health.backup.exists()


def test_damaged_file_is_reported(qtbot, sqlite_db, gui_actors, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda *a, **k: shown.append(a[2]))
    monkeypatch.setattr("incident_desk.ui.health.quick_check", lambda db: "row 12 missing from index")
    window = MainWindow(sqlite_db, gui_actors["officer"])
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.health.finished, timeout=10000):
        window.health.start()
    assert shown and "damaged" in shown[0] and "incident-desk restore" in shown[0]
