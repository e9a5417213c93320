"""The incident list: model checks, lazy fetching, sorting, the filter bar, drill-down and opening."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QMessageBox

from incident_desk.incidents import listing, service
from incident_desk.incidents.query import IncidentFilter
from incident_desk.ui.incident_form import IncidentForm
from incident_desk.ui.incident_list import COL, IncidentListScreen, IncidentTableModel
from incident_desk.ui.main_window import MainWindow
from tests.conftest import incident_data, reference_ids


@pytest.fixture
def seeded(sqlite_db, gui_actors):
    """Five incidents: different titles, severities, sites, days; one assigned to the officer."""
    refs = reference_ids(sqlite_db)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    specs = [
        ("Slip on wet floor", "Major", "Test Plant", "Workshop", 1),
        ("Forklift near miss", "Minor", "Test Depot", "Yard", 2),
        ("Chemical splash", "Critical", "Test Plant", "Loading bay", 3),
        ("Ladder fall", "Urgent", "Test Plant", "Workshop", 10),
        ("Cut finger", "Minor", "Test Depot", "Yard", 20),
    ]
    ids = {}
    with sqlite_db.transaction() as s:
        for title, severity, site, location, days in specs:
            data = incident_data(
                refs,
                title=title,
                severity_id=refs["severity"][severity],
                site_id=refs["site"][site],
                location_id=refs["location"][location],
                occurred_at=now - dt.timedelta(days=days, hours=1),
                reported_at=now - dt.timedelta(days=days),
            )
            ids[title] = service.create(s, gui_actors["officer"], data).id
        service.assign(s, gui_actors["officer"], ids["Ladder fall"], gui_actors["officer"].user_id)
    return ids


def _screen(qtbot, db, actor):
    screen = IncidentListScreen(db, actor)
    qtbot.addWidget(screen)
    screen.resize(1300, 600)
    screen.show()
    return screen


def titles(screen):
    return [r.title for r in screen.model.rows]


def test_model_passes_the_model_tester(qtbot, qtmodeltester, sqlite_db, gui_actors, seeded):
    screen = _screen(qtbot, sqlite_db, gui_actors["officer"])
    qtmodeltester.check(screen.model)
    assert screen.model.index(0, COL["severity"]).data(Qt.ItemDataRole.UserRole + 2).startswith("#")


def test_rows_are_fetched_lazily_and_counted_in_the_background(qtbot, sqlite_db, gui_actors, seeded, monkeypatch):
    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    model = IncidentTableModel(sqlite_db)  # no view: a view fetches on its own as it lays out
    counts = []
    model.count_changed.connect(counts.append)
    model.refresh()
    assert model.rowCount() == 2 and model.total is None and model.canFetchMore()
    qtbot.waitUntil(lambda: model.total == 5, timeout=3000)
    assert counts == [-1, 5]
    model.fetchMore()
    assert model.rowCount() == 4
    model.fetchMore()
    assert model.rowCount() == 5 and not model.canFetchMore()
    assert len({r.id for r in model.rows}) == 5


def test_sorting_on_every_column(qtbot, sqlite_db, gui_actors, seeded):
    screen = _screen(qtbot, sqlite_db, gui_actors["officer"])
    assert titles(screen)[0] == "Slip on wet floor"  # newest report first
    header = screen.view.horizontalHeader()
    header.setSortIndicator(COL["title"], Qt.SortOrder.AscendingOrder)
    assert titles(screen) == sorted(titles(screen))
    header.setSortIndicator(COL["severity"], Qt.SortOrder.DescendingOrder)
    assert [r.severity for r in screen.model.rows][:2] == ["Critical", "Urgent"]
    for column in range(len(COL)):
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            header.setSortIndicator(column, order)
            assert len(screen.model.rows) == 5


def test_filter_bar(qtbot, sqlite_db, gui_actors, seeded):
    screen = _screen(qtbot, sqlite_db, gui_actors["officer"])
    qtbot.keyClicks(screen.search, "ladder")
    qtbot.waitUntil(lambda: titles(screen) == ["Ladder fall"], timeout=2000)
    assert screen.count_label.text() == "1 incident"
    screen.search.clear()
    screen.severity_combo.setCurrentIndex(screen.severity_combo.findText("Minor"))
    screen.apply_filters()
    assert sorted(titles(screen)) == ["Cut finger", "Forklift near miss"]
    screen.site_combo.setCurrentIndex(screen.site_combo.findText("Test Depot"))
    assert [screen.location_combo.itemText(i) for i in range(screen.location_combo.count())] == [
        "Any location",
        "Yard",
    ]
    screen.clear_filters()
    assert len(titles(screen)) == 5
    qtbot.mouseClick(screen.mine, Qt.MouseButton.LeftButton)
    screen.apply_filters()
    assert titles(screen) == ["Ladder fall"]
    screen.clear_filters()
    screen.date_from.setDate(QDate.currentDate().addDays(-5))
    screen.apply_filters()
    assert sorted(titles(screen)) == ["Chemical splash", "Forklift near miss", "Slip on wet floor"]
    screen.clear_filters()
    screen.status_combo.setCurrentIndex(screen.status_combo.findText("Closed"))
    screen.apply_filters()
    assert titles(screen) == []
    assert screen.count_label.text() == "0 incidents"


def test_drill_down_filter_and_enter_opens(qtbot, sqlite_db, gui_actors, seeded, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    refs = reference_ids(sqlite_db)
    window = MainWindow(sqlite_db, gui_actors["officer"])
    qtbot.addWidget(window)
    window.show()
    filt = IncidentFilter(
        severity_ids=(refs["severity"]["Minor"], refs["severity"]["Critical"]),
        site_ids=(refs["site"]["Test Plant"],),
    )
    screen = window.show_incidents(filt)
    assert titles(screen) == ["Chemical splash"]
    assert screen.site_combo.currentText() == "Test Plant" and screen.external_bar.isVisible()
    assert "2 severities" in screen.external_label.text()

    screen.view.setFocus()
    screen.view.setCurrentIndex(screen.model.index(0, 0))
    qtbot.keyClick(screen.view, Qt.Key.Key_Return)
    form = screen.forms[f"incident-{seeded['Chemical splash']}"]
    assert isinstance(form, IncidentForm) and form.title_edit.text() == "Chemical splash"
    # open_incident (inbox, sign-off queue) brings the same window forward rather than a second one.
    window.open_incident(seeded["Chemical splash"])
    assert len(screen.forms) == 1
    form.close()
    assert not screen.forms

    new = window.run_command("new_incident")
    assert isinstance(new, IncidentForm) and new.incident_id is None
    new.close()
