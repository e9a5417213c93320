"""The inbox bell: a new notification shows with its unread count; clicking it opens the incident."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from sqlalchemy import select

from incident_desk.db import Database
from incident_desk.notify.models import InboxItem
from incident_desk.ui.main_window import MainWindow
from tests.conftest import incident_data, reference_ids


def _report_critical(db: Database, actor: Any) -> int:
    from incident_desk.incidents import service

    other = Database(db.url)  # another client reports it
    try:
        with other.transaction() as s:
            refs = reference_ids(other)
            return service.create(
                s,
                actor,
                incident_data(
                    refs, title="Chlorine leak at the dosing skid", severity_id=refs["severity"]["Critical"]
                ),
            ).id
    finally:
        other.dispose()


def test_new_notification_shows_and_opens_the_incident(
    qtbot: Any, sqlite_db: Database, gui_actors: dict[str, Any], monkeypatch: Any
) -> None:
    window = MainWindow(sqlite_db, gui_actors["officer2"])
    qtbot.addWidget(window)
    bell = window.inbox_bell
    assert bell.count == 0 and bell.text() == "Inbox"
    opened: list[int] = []
    monkeypatch.setattr(window, "open_incident", opened.append)
    desktop: list[list[Any]] = []
    monkeypatch.setattr(bell, "notify_desktop", lambda items: desktop.append(items) or True)

    iid = _report_critical(sqlite_db, gui_actors["reporter"])
    bell.poll()
    qtbot.waitUntil(lambda: bell.count == 1, timeout=5000)
    assert bell.text() == "Inbox (1)"
    assert [i.incident_id for i in desktop[0]] == [iid]  # the desktop pop-up for the new item

    qtbot.mouseClick(bell, Qt.MouseButton.LeftButton)
    popup = bell.popup
    assert popup is not None and popup.isVisible()
    assert popup.model.rowCount() == 1
    assert "Chlorine leak" in popup.model.rows[0].title and "1 unread" in popup.heading.text()
    view = popup.view
    rect = view.visualRect(popup.model.index(0, 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened == [iid]
    assert bell.count == 0 and not popup.isVisible()
    with sqlite_db.reading() as s:
        item = s.scalars(select(InboxItem).where(InboxItem.user_id == gui_actors["officer2"].user_id)).one()
        assert item.read_at is not None


def test_mark_all_read(
    qtbot: Any, qtmodeltester: Any, sqlite_db: Database, gui_actors: dict[str, Any]
) -> None:
    _report_critical(sqlite_db, gui_actors["reporter"])
    _report_critical(sqlite_db, gui_actors["reporter"])
    window = MainWindow(sqlite_db, gui_actors["manager"])
    qtbot.addWidget(window)
    bell = window.inbox_bell
    assert bell.count == 2
    popup = bell.show_popup()
    qtmodeltester.check(popup.model)
    window.grab().save("/tmp/inbox_window.png")
    popup.grab().save("/tmp/inbox_popup.png")
    qtbot.mouseClick(popup.mark_all, Qt.MouseButton.LeftButton)
    assert bell.count == 0 and not popup.mark_all.isEnabled()


def test_in_app_checker_escalates_and_refreshes(
    qtbot: Any, sqlite_db: Database, gui_actors: dict[str, Any]
) -> None:
    import datetime as dt

    from incident_desk.incidents import service

    reported = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=3)
    with sqlite_db.transaction() as s:
        refs = reference_ids(sqlite_db)
        service.create(
            s,
            gui_actors["reporter"],
            incident_data(
                refs,
                severity_id=refs["severity"]["Critical"],
                reported_at=reported,
                occurred_at=reported - dt.timedelta(minutes=5),
            ),
        )
    window = MainWindow(sqlite_db, gui_actors["officer"])
    qtbot.addWidget(window)
    bell = window.inbox_bell
    before = bell.count
    with qtbot.waitSignal(bell.signals.checked, timeout=10000):
        bell.check()
    # The acknowledge deadline passed two hours ago: level 1 tells the safety officers.
    qtbot.waitUntil(lambda: bell.count == before + 1, timeout=5000)
