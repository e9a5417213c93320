"""Dashboard screen: the filter drives the tiles; a click on a chart lists exactly the clicked incidents;
charts save and copy; hours worked are entered and imported through the editor."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox

from incident_desk.actor import Actor
from incident_desk.db import Database
from incident_desk.incidents.query import IncidentFilter
from incident_desk.metrics import charts, counts, hours
from incident_desk.ui.dashboard import DashboardScreen
from tests.conftest import reference_ids
from tests.metrics_helpers import add_incident

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


class FakeWindow:
    """What the screen needs from the main window: the database, the actor, and the drill-down hook."""

    def __init__(self, db: Database, actor: Actor) -> None:
        self.db, self.actor = db, actor
        self.shown: list[IncidentFilter] = []

    def show_incidents(self, filt: IncidentFilter) -> None:
        self.shown.append(filt)


def _fill(db: Database) -> None:
    refs = reference_ids(db)
    with db.transaction() as s:
        for days, site, loc, sev in (
            (3, "Test Plant", "Workshop", "Major"),
            (5, "Test Plant", "Workshop", "Minor"),
            (40, "Test Depot", "Yard", "Major"),
            (41, "Test Plant", "Loading bay", "Major"),
        ):
            when = NOW - dt.timedelta(days=days)
            add_incident(
                s,
                refs,
                severity=sev,
                site=site,
                location=loc,
                occurred=when,
                reported=when,
                status="follow_up",
                acknowledged_at=when + dt.timedelta(hours=2),
                resolved_at=when + dt.timedelta(hours=30),
                direct_cost=Decimal(100),
            )


def _screen(qtbot: Any, db: Database, actor: Actor) -> tuple[DashboardScreen, FakeWindow]:
    window = FakeWindow(db, actor)
    screen = DashboardScreen(window)
    qtbot.addWidget(screen)
    screen.resize(1400, 1600)
    screen.show()
    qtbot.waitUntil(lambda: screen.data is not None and not screen.task.running, timeout=30000)
    return screen, window


def _refresh_done(qtbot: Any, screen: DashboardScreen, change: Any) -> None:
    with qtbot.waitSignal(screen.refreshed, timeout=30000):
        change()
    qtbot.waitUntil(lambda: not screen.task.running and not screen._pending, timeout=30000)


def test_changing_the_filter_updates_the_tiles(
    qtbot: Any, sqlite_db: Database, gui_actors: dict[str, Actor]
) -> None:
    _fill(sqlite_db)
    screen, _window = _screen(qtbot, sqlite_db, gui_actors["manager"])
    assert screen.tiles["incidents"].value.text() == "4"
    assert screen.tiles["cost"].value.text() == "USD 400"
    depot = screen.site_combo.findText("Test Depot")
    _refresh_done(qtbot, screen, lambda: screen.site_combo.setCurrentIndex(depot))
    assert screen.tiles["incidents"].value.text() == "1"
    _refresh_done(qtbot, screen, lambda: screen.range_combo.setCurrentIndex(0))  # last 30 days
    assert screen.tiles["incidents"].value.text() == "0"
    _refresh_done(qtbot, screen, lambda: screen.site_combo.setCurrentIndex(0))
    assert screen.tiles["incidents"].value.text() == "2"
    assert screen.tiles["mttr"].value.text() == "30.0 h"
    assert screen.current_filter().date_from == dt.date.today() - dt.timedelta(days=29)
    _refresh_done(qtbot, screen, lambda: screen.stage_combo.setCurrentIndex(1))
    figure = screen.panels["mttr"].figure
    assert figure is not None and figure.axes[0].get_title(loc="left").startswith("MTTA by severity")


def test_clicking_a_bar_lists_exactly_its_incidents(
    qtbot: Any, sqlite_db: Database, gui_actors: dict[str, Actor]
) -> None:
    _fill(sqlite_db)
    screen, window = _screen(qtbot, sqlite_db, gui_actors["manager"])
    panel = screen.panels["location"]
    assert panel.canvas is not None and panel.figure is not None
    panel.canvas.draw()
    target = max(charts.drill_targets(panel.figure), key=lambda t: t.count)
    assert target.count == 2  # the Workshop
    box = target.artist.get_window_extent()
    ratio = panel.canvas.device_pixel_ratio or 1
    x, y = (box.x0 + box.x1) / 2 / ratio, panel.canvas.height() - (box.y0 + box.y1) / 2 / ratio
    qtbot.mouseClick(panel.canvas, Qt.MouseButton.LeftButton, pos=QPoint(round(x), round(y)))
    assert len(window.shown) == 1
    with sqlite_db.reading() as s:
        assert counts.count(s, window.shown[0]) == target.count == 2
    # A bar segment of the stacked period chart, through matplotlib's own event path.
    per_period = screen.panels["per_period"]
    assert per_period.figure is not None and per_period.canvas is not None
    per_period.canvas.draw()
    seg = charts.drill_targets(per_period.figure)[0]
    from matplotlib.backend_bases import MouseButton, MouseEvent

    cx, cy = seg.artist.get_window_extent().x0 + 2, seg.artist.get_window_extent().y0 + 2
    MouseEvent("button_press_event", per_period.canvas, cx, cy, MouseButton.LEFT)._process()
    assert len(window.shown) == 2
    with sqlite_db.reading() as s:
        assert counts.count(s, window.shown[1]) == seg.count


def test_tile_click_drills_down(qtbot: Any, sqlite_db: Database, gui_actors: dict[str, Actor]) -> None:
    _fill(sqlite_db)
    screen, window = _screen(qtbot, sqlite_db, gui_actors["manager"])
    qtbot.mouseClick(screen.tiles["incidents"], Qt.MouseButton.LeftButton)
    assert window.shown and window.shown[-1] == screen.current_filter()
    assert screen.tiles["sla"].toolTip().startswith("Share of incidents resolved within")


def test_chart_save_and_copy(
    qtbot: Any, sqlite_db: Database, gui_actors: dict[str, Actor], tmp_path: Any
) -> None:
    _fill(sqlite_db)
    screen, _window = _screen(qtbot, sqlite_db, gui_actors["manager"])
    panel = screen.panels["mttr"]
    svg = panel.save_to(str(tmp_path / "mttr.svg"))
    png = panel.save_to(str(tmp_path / "mttr"), "PNG image (*.png)")
    assert Path(svg).read_bytes().lstrip().startswith(b"<?xml") and png.endswith(".png")
    assert (tmp_path / "mttr.png").read_bytes().startswith(b"\x89PNG")
    panel.copy()
    assert not QGuiApplication.clipboard().image().isNull()


def test_hours_editor_saves_and_imports(
    qtbot: Any, sqlite_db: Database, gui_actors: dict[str, Actor], tmp_path: Any, monkeypatch: Any
) -> None:
    from incident_desk.ui.hours_editor import COL_EMPLOYEES, COL_HOURS, HoursEditor

    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: None)
    dialog = HoursEditor(sqlite_db, gui_actors["officer"])
    qtbot.addWidget(dialog)
    dialog.site_combo.setCurrentIndex(dialog.site_combo.findText("Test Plant"))
    dialog.year_spin.setValue(2025)
    model = dialog.model
    assert model.setData(model.index(2, COL_HOURS), "12,500")
    assert model.setData(model.index(2, COL_EMPLOYEES), "80")
    assert not model.setData(model.index(3, COL_HOURS), "lots")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    refs = reference_ids(sqlite_db)
    with sqlite_db.reading() as s:
        march = hours.year_hours(s, refs["site"]["Test Plant"], 2025)[3]
    assert (march.hours, march.employees) == (Decimal("12500"), 80)
    assert "1 of 12 months recorded" in dialog.total_label.text()
    csv = tmp_path / "hours.csv"
    csv.write_text("site,year,month,hours,employees\nTest Plant,2025,4,13000,81\nTD,2025,4,900,6\n")
    assert dialog.import_csv(str(csv)) == 2
    assert dialog.model.data(dialog.model.index(3, COL_HOURS)) == "13,000"
    assert dialog.changed


def test_drill_down_opens_the_incident_list_in_the_main_window(
    qtbot: Any, sqlite_db: Database, gui_actors: dict[str, Actor]
) -> None:
    from incident_desk.ui.main_window import MainWindow

    _fill(sqlite_db)
    window = MainWindow(sqlite_db, gui_actors["manager"])
    qtbot.addWidget(window)
    screen = window.show_screen("dashboard")
    assert isinstance(screen, DashboardScreen)
    qtbot.waitUntil(lambda: screen.data is not None and not screen.task.running, timeout=30000)
    panel = screen.panels["location"]
    assert panel.figure is not None
    target = max(charts.drill_targets(panel.figure), key=lambda t: t.count)
    panel.drill.emit(target)
    incidents = window.current_screen()
    assert incidents is window.screens["incidents"]
    model = incidents.model  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: model.total is not None, timeout=30000)
    assert model.total == target.count == 2
