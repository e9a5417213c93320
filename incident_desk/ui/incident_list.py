"""The incident list: a lazily fetched table over the database with a filter bar above it.

The model asks the core for one page of rows at a time (``incidents.listing``), sorted and
filtered in SQL, so 100,000 incidents open as quickly as a hundred. The screen also offers
drafts left behind by a crash and opens incident forms.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRectF,
    QRunnable,
    QSettings,
    QSize,
    Qt,
    QThreadPool,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QKeyEvent, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from incident_desk.actor import Actor
from incident_desk.db import Database
from incident_desk.db.base import utcnow
from incident_desk.incidents import drafts, listing
from incident_desk.incidents.listing import ListRow
from incident_desk.incidents.query import IncidentFilter
from incident_desk.incidents.workflow import STATUS_LABELS, Status

log = logging.getLogger(__name__)

Index = QModelIndex | QPersistentModelIndex
ROW_ID_ROLE = Qt.ItemDataRole.UserRole + 1
COLOUR_ROLE = Qt.ItemDataRole.UserRole + 2
SORT_ROLE = Qt.ItemDataRole.UserRole + 3

# (sort key, header)
COLUMNS: tuple[tuple[str, str], ...] = (
    ("reference", "Reference"),
    ("title", "Title"),
    ("status", "Status"),
    ("severity", "Severity"),
    ("type", "Type"),
    ("site", "Site"),
    ("location", "Location"),
    ("occurred_at", "Occurred"),
    ("reported_at", "Reported"),
    ("assignee", "Assigned to"),
    ("due", "Response due"),
)
COL = {key: n for n, (key, _h) in enumerate(COLUMNS)}
NO_DATE = QDate(2000, 1, 1)


def local_text(when: dt.datetime | None) -> str:
    return when.astimezone().strftime("%Y-%m-%d %H:%M") if when else ""


class _CountJob(QRunnable):
    """Counts the matches on the thread pool: with 100,000 incidents a count can take longer
    than reading the first page, and the rows should not wait for it."""

    def __init__(
        self, db: Database, filt: IncidentFilter, now: dt.datetime, generation: int, done: Signal
    ) -> None:
        super().__init__()
        self.db, self.filt, self.now, self.generation, self.done = db, filt, now, generation, done

    def run(self) -> None:  # worker thread: own session, no widgets
        try:
            with self.db.reading() as s:
                total = listing.count(s, self.filt, self.now)
        except Exception:
            log.exception("counting incidents failed")
            total = -1
        with contextlib.suppress(RuntimeError):  # the list was closed meanwhile
            self.done.emit(self.generation, total)


class _CountSignals(QObject):
    done = Signal(int, int)


class IncidentTableModel(QAbstractTableModel):
    """Rows of ``IncidentFilter`` sorted in SQL, fetched a page at a time as the view scrolls.

    ``total`` is None while the matches are being counted in the background.
    """

    count_changed = Signal(int)

    def __init__(self, db: Database, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.filter = IncidentFilter()
        self.sort_key = "reported_at"
        self.descending = True
        self.rows: list[ListRow] = []
        self.total: int | None = 0
        self.exhausted = True
        self.now = utcnow()
        self._generation = 0
        self._count_signals = _CountSignals()
        self._count_signals.done.connect(self._counted)
        # While the screen is being built, sorting and filter changes only record what to show.
        self.suspended = False

    # -- loading ---------------------------------------------------------------------------
    def refresh(self, *, keep_loaded: bool = False, recount: bool = True) -> None:
        """Re-read from the first row; ``keep_loaded`` re-reads as many rows as are loaded now.

        Sorting passes ``recount=False``: the order changes, the number of matches does not.
        """
        if self.suspended:
            return
        self.now = utcnow()
        limit = max(listing.PAGE_SIZE, len(self.rows)) if keep_loaded else listing.PAGE_SIZE
        with self.db.reading() as s:
            rows = listing.page(
                s, self.filter, sort=self.sort_key, descending=self.descending, limit=limit, now=self.now
            )
        self.beginResetModel()
        self.rows = rows
        self.exhausted = len(rows) < limit
        if recount:
            self._generation += 1
            if self.exhausted:  # everything is already here: that is the count
                self.total = len(rows)
            else:
                self.total = None
                QThreadPool.globalInstance().start(
                    _CountJob(self.db, self.filter, self.now, self._generation, self._count_signals.done)
                )
        self.endResetModel()
        if self.total is not None:
            self.count_changed.emit(self.total)
        elif recount:
            self.count_changed.emit(-1)

    def _counted(self, generation: int, total: int) -> None:
        if generation != self._generation:
            return  # the filter changed meanwhile
        self.total = total if total >= 0 else None
        self.count_changed.emit(total if total >= 0 else -2)

    def set_filter(self, filt: IncidentFilter) -> None:
        self.filter = filt
        self.refresh()

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:
        if parent.isValid() or self.exhausted:
            return False
        return self.total is None or len(self.rows) < self.total

    def fetchMore(self, parent: Index = QModelIndex()) -> None:
        if parent.isValid() or self.exhausted:
            return
        with self.db.reading() as s:
            more = listing.page(
                s,
                self.filter,
                sort=self.sort_key,
                descending=self.descending,
                offset=len(self.rows),
                limit=listing.PAGE_SIZE,
                now=self.now,
            )
        if len(more) < listing.PAGE_SIZE:
            self.exhausted = True
        if not more:
            return
        self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows) + len(more) - 1)
        self.rows.extend(more)
        self.endInsertRows()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        self.sort_key = COLUMNS[column][0]
        self.descending = order == Qt.SortOrder.DescendingOrder
        self.refresh(recount=False)

    # -- Qt model API ----------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][1]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def row_id(self, row: int) -> int:
        return self.rows[row].id

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        r = self.rows[index.row()]
        key = COLUMNS[index.column()][0]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(r, key)
        if role == ROW_ID_ROLE:
            return r.id
        if role == COLOUR_ROLE and key == "severity":
            return r.severity_colour
        if role == Qt.ItemDataRole.ToolTipRole:
            if key == "title":
                return r.title
            if key == "due" and r.overdue(self.now):
                return "The response is overdue."
        if role == Qt.ItemDataRole.ForegroundRole and key == "due" and r.overdue(self.now):
            return QBrush(QColor("#c62828"))
        if role == Qt.ItemDataRole.FontRole and key == "reference":
            font = QFont()
            font.setFamily("monospace")
            return font
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self._text(r, key)
        return None

    @staticmethod
    def _text(r: ListRow, key: str) -> str:
        match key:
            case "reference":
                return r.reference
            case "title":
                return r.title
            case "status":
                return STATUS_LABELS.get(r.status, r.status)
            case "severity":
                return r.severity
            case "type":
                return r.type_name
            case "site":
                return r.site
            case "location":
                return r.location
            case "occurred_at":
                return local_text(r.occurred_at)
            case "reported_at":
                return local_text(r.reported_at)
            case "assignee":
                return r.assignee
            case "due":
                return local_text(r.response_due_at)
        return ""


class SeverityChipDelegate(QStyledItemDelegate):
    """Severity as a rounded, coloured chip with readable text on it."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        colour = index.data(COLOUR_ROLE)
        text = index.data(Qt.ItemDataRole.DisplayRole) or ""
        if not colour:
            super().paint(painter, option, index)
            return
        painter.save()
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(option.rect, option.palette.highlight())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        fm = option.fontMetrics
        width = min(fm.horizontalAdvance(text) + 18, option.rect.width() - 8)
        height = min(fm.height() + 4, option.rect.height() - 4)
        rect = QRectF(option.rect.x() + 4, option.rect.center().y() - height / 2 + 0.5, width, height)
        fill = QColor(colour)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawRoundedRect(rect, height / 2, height / 2)
        luminance = 0.299 * fill.red() + 0.587 * fill.green() + 0.114 * fill.blue()
        painter.setPen(QColor("#1b1b1b") if luminance > 150 else QColor("#ffffff"))
        painter.drawText(
            rect,
            Qt.AlignmentFlag.AlignCenter,
            fm.elidedText(text, Qt.TextElideMode.ElideRight, int(width) - 10),
        )
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(size.width() + 24, size.height() + 6)


class _Combo(QComboBox):
    """A filter drop-down whose first entry means "any"."""

    def __init__(self, any_text: str, accessible: str) -> None:
        super().__init__()
        self.addItem(any_text, None)
        self.setAccessibleName(accessible)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(12)

    def set_value(self, value: Any) -> None:
        i = self.findData(value)
        self.setCurrentIndex(i if i >= 0 else 0)


class IncidentListScreen(QWidget):
    """The "Incidents" screen: filter bar, drafts banner and the table."""

    def __init__(self, db: Database, actor: Actor, window: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor, self.window_ = db, actor, window
        self.forms: dict[str, Any] = {}
        # Parts of a drill-down filter the bar cannot show (weekday, several severities…).
        self.external = IncidentFilter()
        self._loading = False
        with db.reading() as s:
            self.choices = listing.choices(s)

        self.model = IncidentTableModel(db, self)
        self.model.suspended = True
        self.model.count_changed.connect(self._show_count)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 4)
        layout.addLayout(self._build_filter_bar())
        self.external_bar = QWidget()
        ext = QHBoxLayout(self.external_bar)
        ext.setContentsMargins(0, 0, 0, 0)
        self.external_label = QLabel()
        self.external_label.setStyleSheet("color: palette(highlight); font-weight: 600")
        clear_ext = QPushButton("Show all")
        clear_ext.setAccessibleName("Remove the drill-down filter")
        clear_ext.clicked.connect(self.clear_filters)
        ext.addWidget(self.external_label, 1)
        ext.addWidget(clear_ext)
        self.external_bar.hide()
        layout.addWidget(self.external_bar)
        layout.addWidget(self._build_drafts_banner())

        self.view = QTableView()
        self.view.setObjectName("incident_table")
        self.view.setAccessibleName("Incidents")
        self.view.setModel(self.model)
        self.view.setItemDelegateForColumn(COL["severity"], SeverityChipDelegate(self.view))
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(26)
        header = self.view.horizontalHeader()
        header.setSectionsMovable(True)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for key, width in (
            ("reference", 120),
            ("title", 320),
            ("status", 120),
            ("severity", 96),
            ("type", 130),
            ("site", 150),
            ("location", 120),
            ("occurred_at", 128),
            ("reported_at", 128),
            ("assignee", 130),
            ("due", 128),
        ):
            header.resizeSection(COL[key], width)
        self.view.setSortingEnabled(True)
        header.setSortIndicator(COL["reported_at"], Qt.SortOrder.DescendingOrder)
        self.view.doubleClicked.connect(lambda idx: self.open_incident(self.model.row_id(idx.row())))
        self.view.installEventFilter(self)
        layout.addWidget(self.view, 1)

        self._debounce = QTimer(self, singleShot=True, interval=250)
        self._debounce.timeout.connect(self.apply_filters)
        self.restore_state(QSettings())
        self._apply_preferences()
        self.model.suspended = False
        self.apply_filters()
        self.refresh_drafts()

    # -- construction ----------------------------------------------------------------------
    def _build_filter_bar(self) -> QVBoxLayout:
        outer = QVBoxLayout()
        outer.setSpacing(4)
        row1, row2 = QHBoxLayout(), QHBoxLayout()
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search reference, title or description  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search incidents")
        self.search.setMinimumWidth(280)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        search_label = QLabel("&Search:")
        search_label.setBuddy(self.search)
        row1.addWidget(search_label)
        row1.addWidget(self.search, 2)

        self.status_combo = _Combo("Any status", "Status filter")
        self.status_combo.addItem("Open (not closed)", "__open__")
        for status in Status:
            self.status_combo.addItem(status.label, status.value)
        self.severity_combo = _Combo("Any severity", "Severity filter")
        for sid, name, _colour, _active in self.choices.severities:
            self.severity_combo.addItem(name, sid)
        self.type_combo = _Combo("Any type", "Incident type filter")
        for tid, name, _active in self.choices.types:
            self.type_combo.addItem(name, tid)
        self.site_combo = _Combo("Any site", "Site filter")
        for sid, name, _active in self.choices.sites:
            self.site_combo.addItem(name, sid)
        self.location_combo = _Combo("Any location", "Location filter")
        for combo in (
            self.status_combo,
            self.severity_combo,
            self.type_combo,
            self.site_combo,
            self.location_combo,
        ):
            row1.addWidget(combo)
            combo.currentIndexChanged.connect(self._filters_changed)
        self.site_combo.currentIndexChanged.connect(self._fill_locations)
        self._fill_locations()

        self.date_from = self._date_edit("Occurred from")
        self.date_to = self._date_edit("Occurred until")
        from_label, to_label = QLabel("Occurred &from:"), QLabel("&until:")
        from_label.setBuddy(self.date_from)
        to_label.setBuddy(self.date_to)
        self.mine = QCheckBox("Assigned to &me")
        self.overdue = QCheckBox("O&verdue")
        self.mine.setAccessibleName("Only incidents assigned to me")
        self.overdue.setAccessibleName("Only overdue incidents")
        self.mine.toggled.connect(self._filters_changed)
        self.overdue.toggled.connect(self._filters_changed)
        clear = QPushButton("&Clear filters")
        clear.clicked.connect(self.clear_filters)
        self.count_label = QLabel()
        self.count_label.setAccessibleName("Number of incidents shown")
        new = QPushButton("&New incident…")
        new.setObjectName("new_incident_button")
        new.clicked.connect(self.new_incident)
        for w in (from_label, self.date_from, to_label, self.date_to, self.mine, self.overdue, clear):
            row2.addWidget(w)
        row2.addStretch(1)
        row2.addWidget(self.count_label)
        row2.addSpacing(12)
        row2.addWidget(new)
        outer.addLayout(row1)
        outer.addLayout(row2)
        return outer

    def _date_edit(self, accessible: str) -> QDateEdit:
        edit = QDateEdit()
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setMinimumDate(NO_DATE)
        edit.setSpecialValueText("any date")
        edit.setDate(NO_DATE)
        edit.setAccessibleName(accessible)
        edit.dateChanged.connect(self._filters_changed)
        return edit

    def _build_drafts_banner(self) -> QWidget:
        self.drafts_banner = QWidget()
        self.drafts_banner.setObjectName("drafts_banner")
        self.drafts_banner.setStyleSheet(
            "#drafts_banner { background: #fff4d6; border: 1px solid #e0b84c; "
            "border-radius: 4px; } #drafts_banner QLabel { color: #4a3b00; }"
        )
        row = QHBoxLayout(self.drafts_banner)
        row.setContentsMargins(10, 6, 10, 6)
        self.drafts_label = QLabel()
        self.drafts_label.setWordWrap(True)
        self.restore_button = QPushButton("&Restore")
        self.restore_button.setAccessibleName("Restore the unsaved draft")
        self.discard_draft_button = QPushButton("Discard draft")
        self.restore_button.clicked.connect(self.restore_first_draft)
        self.discard_draft_button.clicked.connect(self.discard_first_draft)
        row.addWidget(self.drafts_label, 1)
        row.addWidget(self.restore_button)
        row.addWidget(self.discard_draft_button)
        self.drafts_banner.hide()
        return self.drafts_banner

    def _fill_locations(self) -> None:
        site = self.site_combo.currentData()
        current = self.location_combo.currentData()
        self.location_combo.blockSignals(True)
        self.location_combo.clear()
        self.location_combo.addItem("Any location", None)
        site_names = {sid: name for sid, name, _a in self.choices.sites}
        for lid, sid, name, _active in self.choices.locations:
            if site is None or sid == site:
                self.location_combo.addItem(name if site else f"{name} ({site_names.get(sid, '')})", lid)
        self.location_combo.set_value(current)
        self.location_combo.blockSignals(False)

    def _apply_preferences(self) -> None:
        """Start with the user's default filters when the preferences screen provides them."""
        try:
            from incident_desk.ui.theme import preference
        except ImportError:
            return
        try:
            if preference("filter_open_only"):
                self.status_combo.set_value("__open__")
            self.mine.setChecked(bool(preference("filter_mine_only")))
            if preference("filter_site_id"):
                self.site_combo.set_value(int(preference("filter_site_id")))
            days = int(preference("filter_period_days") or 0)
            if days:
                self.date_from.setDate(QDate.currentDate().addDays(-days))
        except (KeyError, TypeError, ValueError):
            log.warning("ignoring unusable list preferences", exc_info=True)

    # -- filtering -------------------------------------------------------------------------
    def _filters_changed(self, *_args: Any) -> None:
        if not self._loading:
            self._debounce.start()

    def bar_filter(self) -> IncidentFilter:
        """The external (drill-down) filter with whatever the bar sets laid over it."""
        f = self.external
        changes: dict[str, Any] = {}
        if self.search.text().strip():
            changes["text"] = self.search.text().strip()
        status = self.status_combo.currentData()
        if status == "__open__":
            changes["open_only"] = True
        elif status:
            changes["statuses"] = (status,)
        for combo, name in (
            (self.severity_combo, "severity_ids"),
            (self.type_combo, "type_ids"),
            (self.site_combo, "site_ids"),
            (self.location_combo, "location_ids"),
        ):
            if combo.currentData() is not None:
                changes[name] = (combo.currentData(),)
        if self.date_from.date() != NO_DATE:
            changes["date_from"] = self.date_from.date().toPython()
        if self.date_to.date() != NO_DATE:
            changes["date_to"] = self.date_to.date().toPython()
        if self.mine.isChecked():
            changes["assignee_id"] = self.actor.user_id if self.actor.user_id is not None else -1
        if self.overdue.isChecked():
            changes["overdue"] = True
        return f.with_(**changes) if changes else f

    def apply_filters(self) -> None:
        self._debounce.stop()
        self.model.set_filter(self.bar_filter())

    def set_filter(self, filt: IncidentFilter) -> None:
        """Show exactly ``filt`` (the dashboard's drill-down): the bar shows what it can, a note the rest."""
        self._loading = True
        try:
            self.search.setText(filt.text)
            if filt.open_only and not filt.statuses:
                self.status_combo.set_value("__open__")
            else:
                self.status_combo.set_value(filt.statuses[0] if len(filt.statuses) == 1 else None)
            for combo, values in (
                (self.severity_combo, filt.severity_ids),
                (self.type_combo, filt.type_ids),
                (self.site_combo, filt.site_ids),
            ):
                combo.set_value(values[0] if len(values) == 1 else None)
            self._fill_locations()
            self.location_combo.set_value(filt.location_ids[0] if len(filt.location_ids) == 1 else None)
            self.date_from.setDate(QDate(filt.date_from) if filt.date_from else NO_DATE)
            self.date_to.setDate(QDate(filt.date_to) if filt.date_to else NO_DATE)
            self.mine.setChecked(filt.assignee_id is not None and filt.assignee_id == self.actor.user_id)
            self.overdue.setChecked(filt.overdue)
        finally:
            self._loading = False
        shown: dict[str, Any] = {"text": "", "overdue": False}
        if self.status_combo.currentData() == "__open__":
            shown["open_only"] = False
        elif self.status_combo.currentData() is not None:
            shown["statuses"] = ()
        for combo, name in (
            (self.severity_combo, "severity_ids"),
            (self.type_combo, "type_ids"),
            (self.site_combo, "site_ids"),
            (self.location_combo, "location_ids"),
        ):
            if combo.currentData() is not None:
                shown[name] = ()
        shown["date_from"] = None
        shown["date_to"] = None
        if self.mine.isChecked():
            shown["assignee_id"] = None
        self.external = filt.with_(**shown)
        self._describe_external()
        self.apply_filters()

    def _describe_external(self) -> None:
        e = self.external
        parts = []
        if e.statuses:
            parts.append("status " + ", ".join(STATUS_LABELS.get(s, s) for s in e.statuses))
        if e.open_only:
            parts.append("open only")
        names = {
            "severity_ids": "severities",
            "type_ids": "types",
            "site_ids": "sites",
            "location_ids": "locations",
            "customer_ids": "customers",
        }
        for attr, label in names.items():
            if getattr(e, attr):
                parts.append(f"{len(getattr(e, attr))} {label}")
        days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        if e.weekdays:
            parts.append("weekday " + ", ".join(days[d] for d in e.weekdays if 0 <= d < 7))
        if e.hours:
            parts.append("hour " + ", ".join(f"{h:02d}:00" for h in e.hours))
        if e.assignee_id is not None:
            parts.append("a chosen assignee")
        if e.extra:
            parts.append("the chart's selection")
        self.external_label.setText("Also filtered by " + "; ".join(parts) if parts else "")
        self.external_bar.setVisible(bool(parts))

    def clear_filters(self) -> None:
        self._loading = True
        try:
            self.search.clear()
            for combo in (self.status_combo, self.severity_combo, self.type_combo, self.site_combo):
                combo.setCurrentIndex(0)
            self._fill_locations()
            self.location_combo.setCurrentIndex(0)
            self.date_from.setDate(NO_DATE)
            self.date_to.setDate(NO_DATE)
            self.mine.setChecked(False)
            self.overdue.setChecked(False)
        finally:
            self._loading = False
        self.external = IncidentFilter()
        self._describe_external()
        self.apply_filters()

    def _show_count(self, total: int) -> None:
        if total == -1:
            self.count_label.setText(f"{len(self.model.rows):,}+ incidents, counting…")
        elif total < 0:
            self.count_label.setText("Count unavailable")
        else:
            self.count_label.setText(f"{total:,} incident{'s' if total != 1 else ''}")

    def refresh(self) -> None:
        """Re-read the list (after a save, or when another client changed data), keeping the selection."""
        index = self.view.currentIndex()
        selected = self.model.row_id(index.row()) if index.isValid() else None
        scroll = self.view.verticalScrollBar().value()
        self.model.refresh(keep_loaded=True)
        if selected is not None:
            row = next((n for n, r in enumerate(self.model.rows) if r.id == selected), None)
            if row is not None:
                self.view.setCurrentIndex(self.model.index(row, max(index.column(), 0)))
        self.view.verticalScrollBar().setValue(scroll)
        refresh_counts = getattr(self.window_, "refresh_counts", None)
        if callable(refresh_counts):
            refresh_counts()

    # -- opening forms ---------------------------------------------------------------------
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.view and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                index = self.view.currentIndex()
                if index.isValid():
                    self.open_incident(self.model.row_id(index.row()))
                    return True
        return super().eventFilter(obj, event)

    def _show_form(self, key: str, make: Any) -> Any:
        form = self.forms.get(key)
        if form is None:
            form = make()
            self.forms[key] = form
            form.saved.connect(lambda _iid, f=form: self._saved(f))
            form.closed.connect(lambda f=form: self._forget(f))
        form.show()
        form.raise_()
        form.activateWindow()
        return form

    def _saved(self, form: Any) -> None:
        # A new incident's window is known by its draft key until saved, then by its id.
        for key, value in list(self.forms.items()):
            if value is form:
                del self.forms[key]
        self.forms[f"incident-{form.incident_id}"] = form
        self.refresh()

    def _forget(self, form: Any) -> None:
        for key, value in list(self.forms.items()):
            if value is form:
                del self.forms[key]
        form.deleteLater()  # a closed form window is not reused; free its photos and widgets
        self.refresh_drafts()

    def current_incident_id(self) -> int | None:
        """What File → Print prints: the incident form the user is in, else the selected row."""
        from PySide6.QtWidgets import QApplication

        active = QApplication.activeWindow()
        for form in self.forms.values():
            if form is active and getattr(form, "incident_id", None) is not None:
                return int(form.incident_id)
        index = self.view.currentIndex()
        if index.isValid() and self.view.selectionModel().isRowSelected(index.row()):
            return self.model.row_id(index.row())
        return None

    def open_incident(self, incident_id: int) -> Any:
        from incident_desk.ui.incident_form import IncidentForm

        key = f"incident-{incident_id}"
        draft = drafts.load(key) if key not in self.forms else None
        if draft is not None and draft.db_url == self.db.url and draft.user_id == self.actor.user_id:
            # Unsaved changes to this incident survived a crash: open with them, saying so.
            return self._show_form(
                key, lambda: IncidentForm.from_draft(self.db, self.actor, draft, parent=self.window())
            )
        return self._show_form(
            key, lambda: IncidentForm(self.db, self.actor, incident_id, parent=self.window())
        )

    def new_incident(self) -> Any:
        from incident_desk.ui.incident_form import IncidentForm

        form = IncidentForm(self.db, self.actor, None, parent=self.window())
        return self._show_form(form.draft_key, lambda: form)

    # -- drafts ----------------------------------------------------------------------------
    def pending_drafts(self) -> list[drafts.Draft]:
        return [
            d
            for d in drafts.list_drafts(db_url=self.db.url, user_id=self.actor.user_id)
            if d.key not in self.forms
        ]

    def refresh_drafts(self) -> None:
        found = self.pending_drafts()
        if not found:
            self.drafts_banner.hide()
            return
        first = found[0]
        when = first.saved_at.astimezone().strftime("%Y-%m-%d %H:%M")
        more = f" There {'is' if len(found) == 2 else 'are'} {len(found) - 1} more." if len(found) > 1 else ""
        self.drafts_label.setText(
            f"<b>Unsaved work was kept:</b> “{first.label}”, last typed {when}. "
            f"Restore it to carry on where you left off.{more}"
        )
        self.drafts_banner.show()

    def restore_first_draft(self) -> Any:
        from incident_desk.ui.incident_form import IncidentForm

        found = self.pending_drafts()
        if not found:
            self.refresh_drafts()
            return None
        draft = found[0]
        form = self._show_form(
            draft.key, lambda: IncidentForm.from_draft(self.db, self.actor, draft, parent=self.window())
        )
        self.refresh_drafts()
        return form

    def discard_first_draft(self) -> None:
        found = self.pending_drafts()
        if found:
            drafts.discard(found[0].key)
        self.refresh_drafts()

    # -- main window hooks -----------------------------------------------------------------
    def edit_find(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def can_close(self) -> bool:
        return all(form.close() for form in list(self.forms.values()))

    def save_state(self, settings: QSettings) -> None:
        settings.setValue("incident_list/header", self.view.horizontalHeader().saveState())

    def restore_state(self, settings: QSettings) -> None:
        state = settings.value("incident_list/header")
        if state is not None:
            self.view.horizontalHeader().restoreState(state)
            header = self.view.horizontalHeader()
            self.model.sort_key = (
                COLUMNS[header.sortIndicatorSection()][0]
                if 0 <= header.sortIndicatorSection() < len(COLUMNS)
                else "reported_at"
            )
            self.model.descending = header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder


def make_screen(window: Any) -> IncidentListScreen:
    """SCREENS factory: the list inside the main window."""
    return IncidentListScreen(window.db, window.actor, window)


def new_incident(window: Any) -> Any:
    """COMMANDS["new_incident"]: show the list and open a blank form."""
    screen = window.show_screen("incidents")
    return screen.new_incident()
