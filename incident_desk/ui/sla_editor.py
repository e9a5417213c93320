"""SLA widgets: an incident's deadlines (a tab of the incident form) and the SLA target editor with
optional risk-band targets (for the settings dialog or any admin screen to embed)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import select

from incident_desk.actor import Actor
from incident_desk.db import Database
from incident_desk.db.base import utcnow
from incident_desk.errors import IncidentDeskError, ValidationError
from incident_desk.incidents.models import Incident
from incident_desk.notify import escalation, sla
from incident_desk.notify.models import Escalation
from incident_desk.org.models import SeverityLevel
from incident_desk.users.roles import allowed

STATE_TEXT = {
    "met": ("Met", "#2e7d32"),
    "missed": ("Met late", "#e65100"),
    "open": ("Open", "#1565c0"),
    "overdue": ("Overdue", "#c62828"),
}


def _local(when: dt.datetime | None) -> str:
    return when.astimezone().strftime("%Y-%m-%d %H:%M") if when else ""


class DeadlinesPanel(QWidget):
    """The incident's SLA deadlines with time left or how late, and the reminders and escalations sent."""

    title = "Deadlines"

    def __init__(self, db: Database, actor: Actor, incident_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor, self.incident_id = db, actor, incident_id
        layout = QVBoxLayout(self)
        self.summary = QLabel()
        self.summary.setObjectName("deadline_summary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.table = QTableWidget(0, 5)
        self.table.setObjectName("deadline_table")
        self.table.setHorizontalHeaderLabels(["Deadline", "Due", "Done", "State", "Time left / late"])
        self._plain(self.table)
        layout.addWidget(self.table)
        layout.addWidget(QLabel("<b>Reminders and escalations</b>"))
        self.history = QTableWidget(0, 3)
        self.history.setObjectName("escalation_table")
        self.history.setHorizontalHeaderLabels(["When", "Deadline", "Level"])
        self._plain(self.history)
        layout.addWidget(self.history, 1)
        self.reload()

    @staticmethod
    def _plain(table: QTableWidget) -> None:
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)

    def reload(self) -> None:
        now = utcnow()
        with self.db.reading() as s:
            incident = s.get(Incident, self.incident_id)
            if incident is None:
                return
            deadlines = sla.deadlines(s, incident, now=now)
            severity = incident.severity.name if incident.severity else ""
            band = incident.priority
            closed = incident.voided or incident.status == "closed"
            levels = {lv.level: lv.name for lv in escalation.effective_ladder(s)}
            sent = s.execute(
                select(Escalation.at, Escalation.target, Escalation.level)
                .where(Escalation.incident_id == self.incident_id)
                .order_by(Escalation.at, Escalation.level)
            ).all()
        if not deadlines:
            self.summary.setText(f"No response targets are set for the severity {severity}.")
        else:
            nxt = next((d for d in deadlines if d.done_at is None), None)
            basis = (
                f"Targets for {severity}" + (f", {band} risk" if band else "") + ", counted from the report."
            )
            if closed or nxt is None:
                self.summary.setText(basis)
            else:
                state = "late" if nxt.missed else "left"
                colour = "#c62828" if nxt.missed else "#1565c0"
                self.summary.setText(
                    f"<b>Next: {nxt.label.lower()} by {_local(nxt.due_at)}</b> — "
                    f'<span style="color:{colour}">{sla.format_minutes(abs(nxt.remaining.total_seconds()) / 60)} '
                    f"{state}</span>. {basis}"
                )
        self.table.setRowCount(len(deadlines))
        for r, d in enumerate(deadlines):
            text, colour = STATE_TEXT[d.state]
            if closed and d.done_at is None:
                text, colour = "Not needed", "#666666"
            cells = [
                d.label,
                _local(d.due_at),
                _local(d.done_at),
                text,
                "" if (closed and d.done_at is None) else d.describe(),
            ]
            for c, value in enumerate(cells):
                item = QTableWidgetItem(value)
                if c in (3, 4):
                    item.setForeground(QBrush(QColor(colour)))
                self.table.setItem(r, c, item)
        self.history.setRowCount(len(sent))
        sent = [row for row in sent if not row[1].startswith("assigned:")]
        self.history.setRowCount(len(sent))
        for r, (at, target, level) in enumerate(sent):
            label = sla.TARGETS[target][0] if target in sla.TARGETS else target.replace("action:", "Action #")
            what = "Reminder" if level == 0 else f"{level} — {levels.get(level, '')}"
            for c, value in enumerate([_local(at), label, what]):
                self.history.setItem(r, c, QTableWidgetItem(value))


class SlaEditor(QWidget):
    """Targets per severity, and optional targets for one risk band of a severity. ``save()`` applies them."""

    FIELDS = ("acknowledge_minutes", "assess_minutes", "signoff_minutes", "resolve_minutes")

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.rows: list[tuple[int, str | None]] = []
        layout = QVBoxLayout(self)
        note = QLabel(
            "Times are counted from when the incident was reported, in hours. A risk-band row applies "
            "to incidents of that severity whose risk assessment gave that band."
        )
        note.setWordWrap(True)
        layout.addWidget(note)
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("sla_table")
        self.table.setHorizontalHeaderLabels([label for label, _m, _d in sla.TARGETS.values()])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        layout.addWidget(self.table, 1)
        add = QHBoxLayout()
        self.severity = QComboBox()
        self.band = QLineEdit()
        self.band.setPlaceholderText("risk band, e.g. High")
        self.add_button = QPushButton("Add band target")
        self.add_button.clicked.connect(self.add_band)
        self.remove_button = QPushButton("Remove band target")
        self.remove_button.clicked.connect(self.remove_selected)
        add.addWidget(QLabel("For"))
        add.addWidget(self.severity)
        add.addWidget(self.band, 1)
        add.addWidget(self.add_button)
        add.addWidget(self.remove_button)
        layout.addLayout(add)
        self.save_button = QPushButton("&Save targets")
        self.save_button.setObjectName("save_sla_targets")
        self.save_button.clicked.connect(self.save)
        layout.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignRight)
        editable = allowed(actor, sla.PERMISSION)
        for w in (
            self.table,
            self.add_button,
            self.remove_button,
            self.save_button,
            self.band,
            self.severity,
        ):
            w.setEnabled(editable)
        self.reload()

    def reload(self) -> None:
        with self.db.reading() as s:
            targets = sla.list_targets(s)
            severities = list(
                s.scalars(
                    select(SeverityLevel).where(SeverityLevel.active.is_(True)).order_by(SeverityLevel.rank)
                )
            )
            self.severity.clear()
            for sev in severities:
                self.severity.addItem(sev.name, sev.id)
        self.rows = []
        self.table.setRowCount(len(targets))
        labels = []
        for r, t in enumerate(targets):
            self.rows.append((t.severity_id, t.band))
            labels.append(t.severity + (f" · {t.band}" if t.band else ""))
            for c, field in enumerate(self.FIELDS):
                self._spin(r, c, getattr(t, field))
        self.table.setVerticalHeaderLabels(labels)

    def _spin(self, row: int, col: int, minutes: int) -> None:
        spin = QDoubleSpinBox()
        spin.setDecimals(1)
        spin.setRange(0.1, 24 * 365)
        spin.setSuffix(" h")
        spin.setValue(minutes / 60)
        self.table.setCellWidget(row, col, spin)

    def minutes(self, row: int, col: int) -> int:
        w = self.table.cellWidget(row, col)
        assert isinstance(w, QDoubleSpinBox)
        return round(w.value() * 60)

    def save(self) -> bool:
        try:
            with self.db.transaction() as s:
                for r, (severity_id, band) in enumerate(self.rows):
                    values = {f: self.minutes(r, c) for c, f in enumerate(self.FIELDS)}
                    sla.set_targets(s, self.actor, severity_id, band=band, **values)
        except ValidationError as exc:
            QMessageBox.warning(self, "Response targets", "\n".join(exc.messages()))
            return False
        except IncidentDeskError as exc:
            QMessageBox.warning(self, "Response targets", str(exc))
            return False
        self.reload()
        return True

    def add_band(self) -> None:
        band = self.band.text().strip()
        severity_id = self.severity.currentData()
        if not band or severity_id is None:
            QMessageBox.information(
                self, "Response targets", "Choose a severity and type the risk band's name."
            )
            return
        base = next((r for r, (sid, b) in enumerate(self.rows) if sid == severity_id and b is None), None)
        values: dict[str, Any] = (
            {f: self.minutes(base, c) for c, f in enumerate(self.FIELDS)}
            if base is not None
            else dict(zip(self.FIELDS, (60, 240, 480, 2880), strict=True))
        )
        try:
            with self.db.transaction() as s:
                sla.set_targets(s, self.actor, severity_id, band=band, **values)
        except IncidentDeskError as exc:
            QMessageBox.warning(self, "Response targets", str(exc))
            return
        self.band.clear()
        self.reload()

    def remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        bands = [self.rows[r] for r in rows if self.rows[r][1] is not None]
        if not bands:
            QMessageBox.information(
                self,
                "Response targets",
                "Select a risk-band row to remove; the severity's own "
                "targets can be changed but not removed.",
            )
            return
        with self.db.transaction() as s:
            for severity_id, band in bands:
                sla.remove_band_target(s, self.actor, severity_id, band or "")
        self.reload()
