"""File → Back up… writes a verified copy in the background and lists it."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from incident_desk.ui.main_window import MainWindow


def test_back_up_now_from_the_menu(qtbot, sqlite_db, gui_actors, tmp_path, monkeypatch):
    infos = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: infos.append(a[2]))
    window = MainWindow(sqlite_db, gui_actors["admin"])
    qtbot.addWidget(window)
    window.actions["backup"].trigger()
    dialog = window.findChild(__import__("incident_desk.ui.backup_ui", fromlist=["BackupDialog"]).BackupDialog)
    assert dialog is not None
    target = tmp_path / "copy.sqlite3"
    dialog.back_up_now(str(target))
    qtbot.waitUntil(lambda: dialog.last_path is not None, timeout=15000)
    assert target.exists() and infos and "verified" in infos[0]
