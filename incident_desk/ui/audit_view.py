"""The audit trail for administrators: filter by user, date and kind; a page at a time as you scroll."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from incident_desk.actor import Actor
from incident_desk.audit import queries
from incident_desk.audit.models import AuditEvent
from incident_desk.db import Database
from incident_desk.users.roles import allowed

Index = QModelIndex | QPersistentModelIndex
PAGE = 200
COLUMNS = (
    ("at", "When"),
    ("who", "Who"),
    ("kind", "Kind"),
    ("incident", "Incident"),
    ("what", "What happened"),
)
COL = {key: n for n, (key, _h) in enumerate(COLUMNS)}
EVENT_ROLE = Qt.ItemDataRole.UserRole + 1
KIND_COLOURS = {
    "sign_in_failed": "#c62828",
    "reject": "#c62828",
    "void": "#c62828",
    "delete": "#c62828",
    "sign_off": "#2e7d32",
}


@dataclass(frozen=True)
class Row:
    seq: int
    at: dt.datetime
    who: str
    kind: str
    entity: str
    entity_id: int | None
    incident_id: int | None
    reference: str
    text: str
    details: dict[str, Any]
    hash: str


def when_text(at: dt.datetime) -> str:
    return at.astimezone().strftime("%Y-%m-%d %H:%M:%S")


class AuditTableModel(QAbstractTableModel):
    """Events matching an ``AuditFilter``; in history mode, one incident's events oldest first."""

    count_changed = Signal(int)

    def __init__(
        self, db: Database, actor: Actor, *, incident_id: int | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.incident_id = incident_id
        self.filter = queries.AuditFilter(incident_id=incident_id, newest_first=incident_id is None)
        self.rows: list[Row] = []
        self.total = 0
        self._names: dict[str, dict[Any, str]] | None = None

    @property
    def columns(self) -> tuple[tuple[str, str], ...]:
        return COLUMNS if self.incident_id is None else tuple(c for c in COLUMNS if c[0] != "incident")

    def _fetch(self, offset: int) -> list[Row]:
        with self.db.reading() as s:
            if self._names is None:
                self._names = queries.reference_names(s)
            if self.incident_id is not None:
                events = queries.incident_history(s, self.actor, self.incident_id, offset=offset, limit=PAGE)
            else:
                events = queries.fetch(s, self.actor, self.filter, offset=offset, limit=PAGE)
            refs = queries.references_for(s, [e.incident_id for e in events if e.incident_id])
            return [self._row(e, refs) for e in events]

    def _row(self, e: AuditEvent, refs: dict[int, str]) -> Row:
        return Row(
            e.seq,
            e.at,
            e.user_name,
            e.kind,
            e.entity,
            e.entity_id,
            e.incident_id,
            refs.get(e.incident_id or 0, ""),
            queries.describe(e, self._names),
            dict(e.details or {}),
            e.hash,
        )

    def refresh(self) -> None:
        self._names = None
        with self.db.reading() as s:
            if self.incident_id is not None:
                from sqlalchemy import func, select

                total = s.execute(
                    select(func.count())
                    .select_from(AuditEvent)
                    .where(AuditEvent.incident_id == self.incident_id)
                ).scalar_one()
            else:
                total = queries.count(s, self.actor, self.filter)
        rows = self._fetch(0)
        self.beginResetModel()
        self.total, self.rows = total, rows
        self.endResetModel()
        self.count_changed.emit(total)

    def set_filter(self, f: queries.AuditFilter) -> None:
        self.filter = f
        self.refresh()

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:
        return not parent.isValid() and len(self.rows) < self.total

    def fetchMore(self, parent: Index = QModelIndex()) -> None:
        if parent.isValid():
            return
        more = self._fetch(len(self.rows))
        if not more:
            self.total = len(self.rows)
            return
        self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows) + len(more) - 1)
        self.rows.extend(more)
        self.endInsertRows()

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section][1]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        r = self.rows[index.row()]
        key = self.columns[index.column()][0]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._text(r, key)
        if role == Qt.ItemDataRole.ToolTipRole and key == "what":
            return r.text
        if role == EVENT_ROLE:
            return r
        if role == Qt.ItemDataRole.ForegroundRole and key == "kind" and r.kind in KIND_COLOURS:
            return QBrush(QColor(KIND_COLOURS[r.kind]))
        if role == Qt.ItemDataRole.FontRole and key == "incident":
            font = QFont()
            font.setFamily("monospace")
            return font
        return None

    @staticmethod
    def _text(r: Row, key: str) -> str:
        match key:
            case "at":
                return when_text(r.at)
            case "who":
                return r.who
            case "kind":
                return queries.kind_label(r.kind)
            case "incident":
                return r.reference
            case "what":
                return r.text.replace("\n", " ")
        return ""


def details_text(r: Row) -> str:
    """The full record of one event, for the details pane."""
    lines = [
        f"Event #{r.seq} · {when_text(r.at)} (local time) · {r.at.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC",
        f"By: {r.who or '—'}",
        f"Kind: {queries.kind_label(r.kind)}",
        f"Record: {r.entity or '—'}{' #' + str(r.entity_id) if r.entity_id is not None else ''}",
    ]
    if r.reference:
        lines.append(f"Incident: {r.reference}")
    lines += ["", r.text, ""]
    details = {k: v for k, v in r.details.items() if k != "content"}
    if details:
        lines.append("Details:")
        lines.append(json.dumps(details, indent=2, ensure_ascii=False, sort_keys=True))
    if "content" in r.details:
        lines.append(
            "(The signed content is kept with this event, so `incident-desk verify` can name any change.)"
        )
    lines.append(f"\nChain hash: {r.hash}")
    return "\n".join(lines)


def configure_table(view: QTableView, model: AuditTableModel) -> None:
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setAlternatingRowColors(True)
    view.verticalHeader().hide()
    view.setWordWrap(False)
    header = view.horizontalHeader()
    header.setResizeContentsPrecision(60)  # size columns from the first rows, not every fetched one
    header.setStretchLastSection(True)
    for n, (key, _h) in enumerate(model.columns):
        if key != "what":
            header.setSectionResizeMode(n, QHeaderView.ResizeMode.ResizeToContents)


class AuditScreen(QWidget):
    """The whole trail, newest first, with filters by user, date range, kind and text."""

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        layout = QVBoxLayout(self)
        title = QLabel("<h2>Audit trail</h2>")
        layout.addWidget(title)
        if not allowed(actor, "audit.view"):
            layout.addWidget(QLabel("The audit trail is open to managers and administrators."))
            layout.addStretch(1)
            self.model = None
            return
        intro = QLabel(
            "Every change, status step, sign-in, sign-off, export and deletion, in the order it happened. "
            "Each event is chained to the one before it by a hash: run <tt>incident-desk verify</tt> "
            "to check that nothing was altered or removed."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        bar = QHBoxLayout()
        self.user_combo = QComboBox()
        self.user_combo.setAccessibleName("User")
        self.kind_combo = QComboBox()
        self.kind_combo.setAccessibleName("Kind of event")
        self.since = self._date_edit("From date")
        self.until = self._date_edit("To date")
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search the descriptions…")
        self.search.setAccessibleName("Search")
        self.search.setClearButtonEnabled(True)
        clear = QPushButton("C&lear filters")
        clear.clicked.connect(self.clear_filters)
        for label, w in (
            ("&User:", self.user_combo),
            ("&Kind:", self.kind_combo),
            ("&From:", self.since),
            ("&To:", self.until),
        ):
            lab = QLabel(label)
            lab.setBuddy(w)
            bar.addWidget(lab)
            bar.addWidget(w)
        bar.addWidget(self.search, 1)
        bar.addWidget(clear)
        layout.addLayout(bar)
        self.count_label = QLabel()
        layout.addWidget(self.count_label)
        splitter = QSplitter(Qt.Orientation.Vertical)
        self.table = QTableView()
        self.table.setAccessibleName("Audit events")
        self.model = AuditTableModel(db, actor, parent=self)
        configure_table(self.table, self.model)
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setAccessibleName("Event details")
        self.details.setPlaceholderText("Select an event to see everything recorded about it.")
        splitter.addWidget(self.table)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([600, 160])
        layout.addWidget(splitter, 1)
        self.model.count_changed.connect(
            lambda n: self.count_label.setText(f"{n:,} event{'s' if n != 1 else ''}")
        )
        self.table.selectionModel().currentRowChanged.connect(self._show_details)
        self._fill_combos()
        for combo in (self.user_combo, self.kind_combo):
            combo.currentIndexChanged.connect(self.apply_filters)
        self.since.dateChanged.connect(self.apply_filters)
        self.until.dateChanged.connect(self.apply_filters)
        self.search.returnPressed.connect(self.apply_filters)
        self.search.textChanged.connect(lambda t: self.apply_filters() if not t else None)
        self.model.refresh()

    def _date_edit(self, accessible: str) -> QDateEdit:
        d = QDateEdit()
        d.setCalendarPopup(True)
        d.setDisplayFormat("yyyy-MM-dd")
        d.setMinimumDate(QDate(2000, 1, 1))
        d.setSpecialValueText("Any")
        d.setDate(d.minimumDate())
        d.setAccessibleName(accessible)
        return d

    def _fill_combos(self) -> None:
        with self.db.reading() as s:
            people = queries.people_in_trail(s)
            kinds = queries.kinds_in_trail(s)
        self.user_combo.blockSignals(True)
        self.user_combo.clear()
        self.user_combo.addItem("Everyone", None)
        for uid, name in people:
            self.user_combo.addItem(name if uid is not None else f"{name} (no account)", (uid, name))
        self.user_combo.blockSignals(False)
        self.kind_combo.blockSignals(True)
        self.kind_combo.clear()
        self.kind_combo.addItem("All kinds", None)
        for k in kinds:
            self.kind_combo.addItem(queries.kind_label(k), k)
        self.kind_combo.blockSignals(False)

    @staticmethod
    def _day_start(d: QDate) -> dt.datetime:
        return dt.datetime(d.year(), d.month(), d.day()).astimezone().astimezone(dt.UTC)

    def current_filter(self) -> queries.AuditFilter:
        who = self.user_combo.currentData()
        kind = self.kind_combo.currentData()
        since = None if self.since.date() == self.since.minimumDate() else self._day_start(self.since.date())
        until = (
            None
            if self.until.date() == self.until.minimumDate()
            else self._day_start(self.until.date().addDays(1))
        )
        return queries.AuditFilter(
            user_id=who[0] if who else None,
            user_name=who[1] if who and who[0] is None else "",
            since=since,
            until=until,
            kinds=(kind,) if kind else (),
            text=self.search.text(),
        )

    def apply_filters(self, *_args: Any) -> None:
        if self.model is not None:
            self.model.set_filter(self.current_filter())
            self.details.clear()

    def set_filter(self, f: queries.AuditFilter) -> None:
        if self.model is not None:
            self.model.set_filter(replace(f, newest_first=True))

    def clear_filters(self) -> None:
        for w in (self.user_combo, self.kind_combo):
            w.blockSignals(True)
            w.setCurrentIndex(0)
            w.blockSignals(False)
        for d in (self.since, self.until):
            d.blockSignals(True)
            d.setDate(d.minimumDate())
            d.blockSignals(False)
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self.apply_filters()

    def _show_details(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row = current.data(EVENT_ROLE) if current.isValid() else None
        self.details.setPlainText(details_text(row) if row else "")

    def edit_find(self) -> None:
        if self.model is not None:
            self.search.setFocus()
            self.search.selectAll()

    def refresh(self) -> None:
        if self.model is not None:
            self._fill_combos()
            self.model.refresh()


def make_screen(window: Any) -> AuditScreen:
    return AuditScreen(window.db, window.actor)
