"""Another client's change reaches the open window: screens with refresh() are refreshed."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from incident_desk.db import Database
from incident_desk.ui.main_window import MainWindow


class _Screen(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.refreshed = 0

    def refresh(self) -> None:
        self.refreshed += 1


def test_change_by_another_client_refreshes_screens(qtbot, sqlite_db, gui_actors):
    window = MainWindow(sqlite_db, gui_actors["officer"])
    qtbot.addWidget(window)
    spy = _Screen()
    window.screens["spy"] = spy
    live = window.live_refresh
    live.poll()
    qtbot.waitUntil(lambda: live.last is not None, timeout=5000)
    other = Database(sqlite_db.url)  # a second client writes
    from incident_desk.incidents import service
    from tests.conftest import incident_data, reference_ids

    with other.transaction() as s:
        service.create(s, gui_actors["reporter"], incident_data(reference_ids(other)))
    other.dispose()
    live.poll()
    qtbot.waitUntil(lambda: spy.refreshed == 1, timeout=5000)
    qtbot.waitUntil(lambda: window.count_label.text().startswith("1 incidents"), timeout=5000)
