"""The dashboard screen: one filter bar, KPI tiles with trends, and drill-down charts.

All numbers and figures come from ``incident_desk.metrics.dashboard.build_dashboard``, run on a
worker thread with its own session; this module only lays them out, embeds the figures in Qt
canvases and turns clicks into ``window.show_incidents(filter)``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from matplotlib.backend_bases import MouseEvent, PickEvent
from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from PySide6.QtCore import QDate, QMimeData, QSize, Qt, Signal
from PySide6.QtGui import QGuiApplication, QImage, QMouseEvent, QPalette, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import select

from incident_desk.db.base import utcnow
from incident_desk.incidents.query import IncidentFilter
from incident_desk.metrics import charts
from incident_desk.metrics.dashboard import CHART_KEYS, build_dashboard
from incident_desk.metrics.grouping import Grouping
from incident_desk.metrics.kpis import DashboardData, Kpi
from incident_desk.metrics.timing import Stage
from incident_desk.org.models import Customer, IncidentType, SeverityLevel, Site
from incident_desk.ui.tasks import BackgroundTask

RANGES = [
    ("Last 30 days", 30),
    ("Last 90 days", 90),
    ("Last 12 months", 365),
    ("This year", -1),
    ("Last year", -2),
    ("All time", 0),
    ("Custom range", -3),
]
PERIODS = [
    (Grouping.WEEK, "Week"),
    (Grouping.MONTH, "Month"),
    (Grouping.QUARTER, "Quarter"),
    (Grouping.YEAR, "Year"),
    (Grouping.DAY, "Day"),
]
TILE_COLUMNS = 6
CHART_MIN_HEIGHT = 340
STALE_SECONDS = 120  # refresh on showing the screen again when the figures are older


def is_dark(widget: QWidget) -> bool:
    return widget.palette().color(QPalette.ColorRole.Window).lightness() < 128


class KpiTile(QFrame):
    """One key figure: title, value, a detail line and the trend. Red when past its threshold."""

    clicked = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("kpiTile")
        self.kpi: Kpi | None = None
        self.title = QLabel()
        self.title.setObjectName("kpiTitle")
        self.value = QLabel("–")
        self.value.setObjectName("kpiValue")
        self.detail = QLabel()
        self.detail.setObjectName("kpiDetail")
        self.trend = QLabel()
        self.trend.setObjectName("kpiTrend")
        for label in (self.title, self.detail, self.trend):
            label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(2)
        for w in (self.title, self.value, self.detail, self.trend):
            layout.addWidget(w)
        layout.addStretch(1)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(112)

    def set_kpi(self, kpi: Kpi) -> None:
        self.kpi = kpi
        self.title.setText(kpi.title)
        self.value.setText(kpi.text)
        self.detail.setText(kpi.detail)
        self.trend.setText(kpi.trend_text)
        improving = kpi.improving
        self.trend.setProperty("direction", "" if improving is None else "good" if improving else "bad")
        self.setProperty("alert", kpi.alert)
        tip = kpi.tooltip + ("\n\nClick to list these incidents." if kpi.filter is not None else "")
        self.setToolTip(tip)
        self.setCursor(
            Qt.CursorShape.PointingHandCursor if kpi.filter is not None else Qt.CursorShape.ArrowCursor
        )
        for w in (self, self.trend):
            w.style().unpolish(w)
            w.style().polish(w)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if (
            event.button() == Qt.MouseButton.LeftButton
            and self.kpi is not None
            and self.kpi.filter is not None
        ):
            self.clicked.emit(self.kpi.filter)
        super().mouseReleaseEvent(event)


class ChartPanel(QFrame):
    """A figure in a canvas, with Save and Copy buttons; clicks on bars and cells drill down."""

    drill = Signal(object)

    def __init__(self, key: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.setObjectName("chartPanel")
        self.figure: Figure | None = None
        self.canvas: FigureCanvasQTAgg | None = None
        self._last_mouse: object | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 6)
        bar = QHBoxLayout()
        bar.addStretch(1)
        self.save_button = QToolButton(text="Save…")
        self.save_button.setToolTip("Save this chart as a PNG or SVG image (or PDF)")
        self.save_button.clicked.connect(self.save)
        self.copy_button = QToolButton(text="Copy")
        self.copy_button.setToolTip("Copy this chart to the clipboard as an image")
        self.copy_button.clicked.connect(self.copy)
        bar.addWidget(self.save_button)
        bar.addWidget(self.copy_button)
        layout.addLayout(bar)
        self.placeholder = QLabel("Loading…")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setMinimumHeight(CHART_MIN_HEIGHT)
        layout.addWidget(self.placeholder, 1)
        self.setMinimumHeight(CHART_MIN_HEIGHT + 40)

    def set_figure(self, fig: Figure) -> None:
        old = self.canvas
        self.figure = fig
        self.canvas = FigureCanvasQTAgg(fig)
        self.canvas.setMinimumHeight(CHART_MIN_HEIGHT)
        self.canvas.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.canvas.mpl_connect("pick_event", self._on_pick)
        self.canvas.mpl_connect("motion_notify_event", self._on_motion)
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        if old is not None:
            layout.replaceWidget(old, self.canvas)
            old.setParent(None)
            old.deleteLater()
        else:
            layout.replaceWidget(self.placeholder, self.canvas)
            self.placeholder.hide()
        self.canvas.draw_idle()

    # -- drill-down ---------------------------------------------------------------------------
    def _on_pick(self, event: PickEvent) -> None:
        if self.figure is None or event.mouseevent is self._last_mouse:
            return  # one click, one drill-down, even where artists touch
        target = charts.target_for(self.figure, event.artist)
        if target is not None:
            self._last_mouse = event.mouseevent
            self.drill.emit(target)

    def _on_motion(self, event: MouseEvent) -> None:
        if self.figure is None or self.canvas is None or event.inaxes is None:
            if self.canvas is not None:
                self.canvas.setToolTip("")
            return
        for target in charts.drill_targets(self.figure):
            hit, _info = target.artist.contains(event)
            if hit:
                self.canvas.setToolTip(
                    f"{target.label}\nClick to list {target.count:,} incident"
                    f"{'s' if target.count != 1 else ''}."
                )
                self.canvas.setCursor(Qt.CursorShape.PointingHandCursor)
                return
        self.canvas.setToolTip("")
        self.canvas.setCursor(Qt.CursorShape.ArrowCursor)

    # -- export -------------------------------------------------------------------------------
    def save(self) -> None:
        if self.figure is None:
            return
        path, chosen = QFileDialog.getSaveFileName(
            self,
            "Save chart",
            f"{self.key.replace('_', '-')}.png",
            "PNG image (*.png);;SVG image (*.svg);;PDF document (*.pdf)",
        )
        if not path:
            return
        self.save_to(path, chosen)

    def save_to(self, path: str, chosen: str = "") -> str:
        assert self.figure is not None
        fmt = path.rsplit(".", 1)[-1].lower() if "." in path else ""
        if fmt not in ("png", "svg", "pdf"):
            fmt = "svg" if "SVG" in chosen else "pdf" if "PDF" in chosen else "png"
            path = f"{path}.{fmt}"
        try:
            with open(path, "wb") as fh:
                fh.write(charts.figure_bytes(self.figure, fmt, dpi=200))
        except OSError as exc:
            QMessageBox.warning(
                self, "Save chart", f"The chart could not be saved to {path}: {exc.strerror}."
            )
        return path

    def copy(self) -> None:
        if self.figure is None:
            return
        png = charts.figure_bytes(self.figure, "png", dpi=150)
        mime = QMimeData()
        mime.setImageData(QImage.fromData(png, "PNG"))
        mime.setData("image/png", png)
        mime.setData("image/svg+xml", charts.figure_bytes(self.figure, "svg"))
        QGuiApplication.clipboard().setMimeData(mime)


class DashboardScreen(QWidget):
    refreshed = Signal()

    def __init__(self, window: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.window_ = window
        self.db = window.db
        self.data: DashboardData | None = None
        self.task: BackgroundTask | None = None
        self._pending = False
        self._ready = False  # no refresh while the filter bar is being filled in
        self._build()
        self._load_choices()
        self._ready = True
        self.refresh()

    # -- construction ---------------------------------------------------------------------------
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(self._filter_bar())
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        body.setObjectName("dashboardBody")
        self.body = QVBoxLayout(body)
        self.body.setContentsMargins(12, 12, 12, 12)
        self.body.setSpacing(12)
        tiles = QGridLayout()
        tiles.setSpacing(10)
        self.tiles: dict[str, KpiTile] = {}
        self.tile_grid = tiles
        self.body.addLayout(tiles)
        grid = QGridLayout()
        grid.setSpacing(12)
        self.panels: dict[str, ChartPanel] = {}
        for i, key in enumerate(CHART_KEYS):
            panel = ChartPanel(key)
            panel.drill.connect(self._drill)
            if i == 0:  # the time series gets the full width, above the grid
                self.body.addWidget(panel)
            else:
                grid.addWidget(panel, (i - 1) // 2, (i - 1) % 2)
            self.panels[key] = panel
        self.body.addLayout(grid)
        self.body.addStretch(1)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)
        self.setStyleSheet(self._style())

    def _style(self) -> str:
        dark = is_dark(self)
        card = "#262b31" if dark else "#ffffff"
        border = "#3a414a" if dark else "#dfe3e8"
        muted = "#9aa4b1" if dark else "#5f6b7a"
        red = "#ef5350" if dark else "#c62828"
        green = "#4caf50" if dark else "#2e7d32"
        return f"""
            QFrame#kpiTile, QFrame#chartPanel {{ background: {card}; border: 1px solid {border};
                                                 border-radius: 6px; }}
            QFrame#kpiTile[alert="true"] {{ border: 1px solid {red}; border-left: 5px solid {red}; }}
            QFrame#kpiTile QLabel {{ background: transparent; border: none; }}
            QLabel#kpiTitle {{ color: {muted}; font-size: 9pt; font-weight: 600; }}
            QLabel#kpiValue {{ font-size: 19pt; font-weight: 600; }}
            QFrame#kpiTile[alert="true"] QLabel#kpiValue {{ color: {red}; }}
            QLabel#kpiDetail {{ color: {muted}; font-size: 8pt; }}
            QLabel#kpiTrend {{ color: {muted}; font-size: 8pt; }}
            QLabel#kpiTrend[direction="good"] {{ color: {green}; }}
            QLabel#kpiTrend[direction="bad"] {{ color: {red}; }}
            QFrame#filterBar {{ border-bottom: 1px solid {border}; }}
        """

    def _filter_bar(self) -> QWidget:
        bar = QFrame()
        bar.setObjectName("filterBar")
        row = QHBoxLayout(bar)
        row.setContentsMargins(12, 8, 12, 8)
        self.range_combo = QComboBox()
        for text, days in RANGES:
            self.range_combo.addItem(text, days)
        self.range_combo.setCurrentIndex(2)
        self.date_from = QDateEdit(calendarPopup=True)
        self.date_to = QDateEdit(calendarPopup=True)
        for w in (self.date_from, self.date_to):
            w.setDisplayFormat("dd MMM yyyy")
            w.setEnabled(False)
        self.site_combo, self.severity_combo = QComboBox(), QComboBox()
        self.type_combo, self.customer_combo = QComboBox(), QComboBox()
        self.period_combo = QComboBox()
        for g, text in PERIODS:
            self.period_combo.addItem(text, g.value)
        self.period_combo.setCurrentIndex(1)
        self.stage_combo = QComboBox()
        for stage, text in (
            (Stage.RESOLVE, "MTTR"),
            (Stage.ACKNOWLEDGE, "MTTA"),
            (Stage.SIGNOFF, "Time to sign-off"),
            (Stage.ASSESS, "Time to assess"),
        ):
            self.stage_combo.addItem(text, stage.value)
        self.stage_combo.setToolTip("Which response time the chart by severity shows")
        self.cost_combo = QComboBox()
        self.cost_combo.addItem("Cost by location", Grouping.LOCATION.value)
        self.cost_combo.addItem("Cost by type", Grouping.TYPE.value)
        for label, w in (
            ("Period", self.range_combo),
            ("", self.date_from),
            ("–", self.date_to),
            ("Site", self.site_combo),
            ("Severity", self.severity_combo),
            ("Type", self.type_combo),
            ("Customer", self.customer_combo),
            ("Per", self.period_combo),
            ("", self.stage_combo),
            ("", self.cost_combo),
        ):
            if label:
                row.addWidget(QLabel(label))
            row.addWidget(w)
        row.addStretch(1)
        self.status = QLabel()
        self.status.setObjectName("dashboardStatus")
        row.addWidget(self.status)
        self.hours_button = QPushButton("Hours worked…")
        self.hours_button.setToolTip(
            "Enter or import hours worked per site and month (for TRIR, DART and LTIFR)"
        )
        self.hours_button.clicked.connect(self.edit_hours)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        row.addWidget(self.hours_button)
        row.addWidget(self.refresh_button)
        self.range_combo.currentIndexChanged.connect(self._range_changed)
        for w in (
            self.site_combo,
            self.severity_combo,
            self.type_combo,
            self.customer_combo,
            self.period_combo,
            self.stage_combo,
            self.cost_combo,
        ):
            w.currentIndexChanged.connect(self.refresh)
        for w in (self.date_from, self.date_to):
            w.dateChanged.connect(self._custom_dates_changed)
        self._range_changed()
        return bar

    def _load_choices(self) -> None:
        with self.db.reading() as s:
            choices = {
                self.site_combo: (
                    "All sites",
                    [(x.id, x.name) for x in s.scalars(select(Site).order_by(Site.name))],
                ),
                self.severity_combo: (
                    "All severities",
                    [(x.id, x.name) for x in s.scalars(select(SeverityLevel).order_by(SeverityLevel.rank))],
                ),
                self.type_combo: (
                    "All types",
                    [(x.id, x.name) for x in s.scalars(select(IncidentType).order_by(IncidentType.name))],
                ),
                self.customer_combo: (
                    "All customers",
                    [(x.id, x.name) for x in s.scalars(select(Customer).order_by(Customer.name))],
                ),
            }
        for combo, (everything, items) in choices.items():
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(everything, 0)
            for item_id, name in items:
                combo.addItem(name, item_id)
            combo.blockSignals(False)

    # -- filter ---------------------------------------------------------------------------------
    def _range_changed(self) -> None:
        days = self.range_combo.currentData()
        custom = days == -3
        for w in (self.date_from, self.date_to):
            w.setEnabled(custom)
        if not custom:
            first, last = self._range_dates(days)
            for w, d in ((self.date_from, first), (self.date_to, last)):
                w.blockSignals(True)
                w.setDate(QDate(d.year, d.month, d.day) if d else QDate.currentDate())
                w.blockSignals(False)
        self.refresh()

    def _custom_dates_changed(self) -> None:
        if self.range_combo.currentData() == -3:
            self.refresh()

    @staticmethod
    def _range_dates(days: int, today: dt.date | None = None) -> tuple[dt.date | None, dt.date | None]:
        today = today or dt.date.today()
        if days > 0:
            return today - dt.timedelta(days=days - 1), today
        if days == -1:
            return dt.date(today.year, 1, 1), today
        if days == -2:
            return dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31)
        return None, None

    def current_filter(self) -> IncidentFilter:
        days = self.range_combo.currentData()
        if days == -3:
            first: dt.date | None = self.date_from.date().toPython()  # type: ignore[assignment]
            last: dt.date | None = self.date_to.date().toPython()  # type: ignore[assignment]
            if first and last and first > last:
                first, last = last, first
        else:
            first, last = self._range_dates(days)

        def ids(combo: QComboBox) -> tuple[int, ...]:
            value = combo.currentData()
            return (int(value),) if value else ()

        return IncidentFilter(
            date_from=first,
            date_to=last,
            site_ids=ids(self.site_combo),
            severity_ids=ids(self.severity_combo),
            type_ids=ids(self.type_combo),
            customer_ids=ids(self.customer_combo),
        )

    def set_filter(self, filt: IncidentFilter) -> None:
        """Show the dashboard for ``filt``'s dates, site, severity, type and customer (first of each)."""
        self.range_combo.blockSignals(True)
        if filt.date_from or filt.date_to:
            self.range_combo.setCurrentIndex(len(RANGES) - 1)
            for w, d in ((self.date_from, filt.date_from), (self.date_to, filt.date_to or dt.date.today())):
                w.blockSignals(True)
                w.setEnabled(True)
                w.setDate(QDate(d.year, d.month, d.day) if d else QDate(2000, 1, 1))
                w.blockSignals(False)
        else:
            self.range_combo.setCurrentIndex(RANGES.index(("All time", 0)))
        self.range_combo.blockSignals(False)
        for combo, values in (
            (self.site_combo, filt.site_ids),
            (self.severity_combo, filt.severity_ids),
            (self.type_combo, filt.type_ids),
            (self.customer_combo, filt.customer_ids),
        ):
            combo.blockSignals(True)
            index = combo.findData(values[0]) if values else 0
            combo.setCurrentIndex(max(0, index))
            combo.blockSignals(False)
        self.refresh()

    # -- refresh --------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Recompute everything on a worker thread; a change while one runs queues one more run."""
        if not self._ready:
            return
        if self.task is not None and self.task.running:
            self._pending = True
            return
        filt = self.current_filter()
        period = self.period_combo.currentData() or Grouping.MONTH.value
        cost_by = self.cost_combo.currentData() or Grouping.LOCATION.value
        stage = self.stage_combo.currentData() or Stage.RESOLVE.value
        palette = charts.DARK if is_dark(self) else charts.LIGHT
        db = self.db

        def work(progress: Any) -> DashboardData:
            with db.reading() as session:
                return build_dashboard(
                    session,
                    filt,
                    period=period,
                    cost_by=cost_by,
                    stage=stage,
                    palette=palette,
                    progress=progress,
                )

        self.status.setText("Updating…")
        self.refresh_button.setEnabled(False)
        if self.task is not None:
            self.task.deleteLater()
        self.task = BackgroundTask(work, show_dialog=False, parent=self)
        self.task.finished.connect(self._show)
        self.task.failed.connect(self._failed)
        self.task.start()

    def _after_task(self) -> None:
        self.refresh_button.setEnabled(True)
        if self._pending:
            self._pending = False
            self.refresh()

    def _show(self, data: DashboardData) -> None:
        self.data = data
        for i, kpi in enumerate(data.kpis):
            tile = self.tiles.get(kpi.key)
            if tile is None:
                tile = KpiTile()
                tile.clicked.connect(self.window_.show_incidents)
                self.tiles[kpi.key] = tile
                self.tile_grid.addWidget(tile, i // TILE_COLUMNS, i % TILE_COLUMNS)
            tile.set_kpi(kpi)
        for key, fig in data.figures.items():
            self.panels[key].set_figure(fig)
        total = sum(data.seconds.values())
        self.status.setText(f"Updated {data.now.astimezone().strftime('%H:%M')} · {total:.1f} s")
        self.refreshed.emit()
        self._after_task()

    def _failed(self, exc: Exception, details: str) -> None:
        self.status.setText("Update failed")
        self._after_task()
        QMessageBox.warning(self, "Dashboard", f"The dashboard could not be updated: {exc}")

    def _drill(self, target: charts.DrillTarget) -> None:
        self.window_.show_incidents(target.filter)

    def showEvent(self, event: QShowEvent) -> None:
        """Coming back to the dashboard after a while shows fresh figures."""
        super().showEvent(event)
        if self.data is not None and (utcnow() - self.data.now).total_seconds() > STALE_SECONDS:
            self.refresh()

    # -- hours ---------------------------------------------------------------------------------
    def edit_hours(self) -> None:
        from incident_desk.ui.hours_editor import HoursEditor

        dialog = HoursEditor(self.db, self.window_.actor, self)
        if dialog.exec() and dialog.changed:
            self.refresh()

    def sizeHint(self) -> QSize:
        return QSize(1280, 900)


def make_dashboard(window: Any) -> QWidget:
    return DashboardScreen(window)


__all__ = ["ChartPanel", "DashboardScreen", "KpiTile", "make_dashboard"]
