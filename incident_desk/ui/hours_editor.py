"""Hours worked and head count per site and month: a small editor with CSV import.

The figures are the exposure for the recordable rates (TRIR, DART, LTIFR); saving goes through
``incident_desk.metrics.hours`` (permission check and audit trail in the core).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import select

from incident_desk.actor import Actor
from incident_desk.db import Database
from incident_desk.errors import IncidentDeskError
from incident_desk.metrics import hours as hours_service
from incident_desk.org.models import Site

MONTH_NAMES = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
COL_MONTH, COL_HOURS, COL_EMPLOYEES = range(3)
HEADERS = ("Month", "Hours worked", "Employees")
Index = QModelIndex | QPersistentModelIndex


class MonthsModel(QAbstractTableModel):
    """Twelve rows (one per month) of hours and head count; blank = not recorded."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.values: dict[int, tuple[Decimal | None, int | None]] = {m: (None, None) for m in range(1, 13)}
        self.dirty: set[int] = set()
        self.problems: dict[int, str] = {}

    def load(self, months: dict[int, hours_service.MonthHours]) -> None:
        self.beginResetModel()
        self.values = {
            m: ((months[m].hours, months[m].employees) if m in months else (None, None)) for m in range(1, 13)
        }
        self.dirty.clear()
        self.problems.clear()
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else 12

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return base | Qt.ItemFlag.ItemIsEditable if index.column() != COL_MONTH else base

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        month = index.row() + 1
        hours, employees = self.values[month]
        col = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if col == COL_MONTH:
                return MONTH_NAMES[month - 1]
            if col == COL_HOURS:
                if hours is None:
                    return ""
                return f"{hours:,.0f}" if role == Qt.ItemDataRole.DisplayRole else str(hours)
            return "" if employees is None else str(employees)
        if role == Qt.ItemDataRole.TextAlignmentRole and col != COL_MONTH:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and month in self.problems:
            return self.problems[month]
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or index.column() == COL_MONTH:
            return False
        month = index.row() + 1
        hours, employees = self.values[month]
        text = str(value).strip().replace(",", "")
        try:
            if index.column() == COL_HOURS:
                hours = Decimal(text) if text else None
                if hours is not None and hours < 0:
                    raise InvalidOperation
            else:
                employees = int(text) if text else None
                if employees is not None and employees < 0:
                    raise ValueError
        except (InvalidOperation, ValueError):
            return False
        self.values[month] = (hours, employees)
        self.dirty.add(month)
        self.dataChanged.emit(index, index)
        return True

    def changes(self) -> dict[int, tuple[Decimal, int]]:
        """Edited months that have hours (employees default to 0)."""
        return {m: (h, e or 0) for m in sorted(self.dirty) for h, e in [self.values[m]] if h is not None}


class HoursEditor(QDialog):
    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.changed = False
        self.setWindowTitle("Hours worked")
        self.resize(520, 560)
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Hours worked by all employees and the head count, per site and month. They are the "
            "exposure for TRIR, DART, LTIFR and the severity rate."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        row = QHBoxLayout()
        self.site_combo = QComboBox()
        self.year_spin = QSpinBox()
        self.year_spin.setRange(1990, 2200)
        self.year_spin.setValue(dt.date.today().year)
        row.addWidget(QLabel("Site"))
        row.addWidget(self.site_combo, 1)
        row.addWidget(QLabel("Year"))
        row.addWidget(self.year_spin)
        layout.addLayout(row)
        self.model = MonthsModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setAlternatingRowColors(True)
        layout.addWidget(self.table, 1)
        self.total_label = QLabel()
        layout.addWidget(self.total_label)
        buttons = QDialogButtonBox()
        self.import_button = QPushButton("Import CSV…")
        self.import_button.setToolTip("Columns: site (name or code), year, month, hours, employees")
        buttons.addButton(self.import_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.save_button = buttons.addButton(QDialogButtonBox.StandardButton.Save)
        buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.import_button.clicked.connect(self.import_csv)
        self.save_button.clicked.connect(self.save)
        buttons.rejected.connect(self._close)
        layout.addWidget(buttons)
        with db.reading() as s:
            for site in s.scalars(select(Site).where(Site.active.is_(True)).order_by(Site.name)):
                self.site_combo.addItem(site.name, site.id)
        self.site_combo.currentIndexChanged.connect(self.load)
        self.year_spin.valueChanged.connect(self.load)
        self.model.dataChanged.connect(self._update_total)
        self.load()

    def site_id(self) -> int | None:
        value = self.site_combo.currentData()
        return int(value) if value else None

    def load(self) -> None:
        site_id = self.site_id()
        months: dict[int, hours_service.MonthHours] = {}
        if site_id is not None:
            with self.db.reading() as s:
                months = hours_service.year_hours(s, site_id, self.year_spin.value())
        self.model.load(months)
        self._update_total()

    def _update_total(self) -> None:
        total = sum((h for h, _e in self.model.values.values() if h is not None), Decimal("0"))
        recorded = sum(1 for h, _e in self.model.values.values() if h is not None)
        self.total_label.setText(f"{recorded} of 12 months recorded · {total:,.0f} hours in the year")

    def save(self) -> bool:
        site_id = self.site_id()
        changes = self.model.changes()
        if site_id is None or not changes:
            return True
        try:
            with self.db.transaction() as s:
                hours_service.save_year(s, self.actor, site_id, self.year_spin.value(), changes)
        except IncidentDeskError as exc:
            QMessageBox.warning(self, "Hours worked", str(exc))
            return False
        self.changed = True
        self.load()
        return True

    def import_csv(self, path: str | None = None) -> int:
        if not path:
            path, _f = QFileDialog.getOpenFileName(self, "Import hours worked", "", "CSV files (*.csv)")
            if not path:
                return 0
        try:
            with self.db.transaction() as s:
                n = hours_service.import_csv(s, self.actor, Path(path))
        except (IncidentDeskError, OSError, UnicodeDecodeError) as exc:
            QMessageBox.warning(self, "Import hours worked", f"Nothing was imported.\n\n{exc}")
            return 0
        self.changed = True
        self.load()
        QMessageBox.information(
            self, "Import hours worked", f"Imported {n} site-month{'s' if n != 1 else ''}."
        )
        return n

    def _close(self) -> None:
        if self.model.changes():
            answer = QMessageBox.question(
                self,
                "Hours worked",
                "Save the changed months before closing?",
                QMessageBox.StandardButton.Save
                | QMessageBox.StandardButton.Discard
                | QMessageBox.StandardButton.Cancel,
            )
            if answer == QMessageBox.StandardButton.Cancel:
                return
            if answer == QMessageBox.StandardButton.Save and not self.save():
                return
        self.accept() if self.changed else self.reject()
