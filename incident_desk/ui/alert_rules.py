"""Administrators' editors for notification rules and the escalation ladder (tabs of the Alerts screen)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import select

from incident_desk.actor import Actor
from incident_desk.db import Database
from incident_desk.errors import IncidentDeskError, ValidationError
from incident_desk.notify import escalation, rules
from incident_desk.notify import recipients as rcpt
from incident_desk.org.models import IncidentType, SeverityLevel, Site
from incident_desk.users.models import Team, User
from incident_desk.users.roles import Role, allowed

ITEM_ROLE = Qt.ItemDataRole.UserRole + 1


def _complain(parent: QWidget, exc: IncidentDeskError) -> None:
    text = "\n".join(exc.messages()) if isinstance(exc, ValidationError) else str(exc)
    QMessageBox.warning(parent, "Alerts", text)


class RecipientsEditor(QWidget):
    """A list of recipients with a row to add users, roles, teams, addresses or incident-defined people."""

    def __init__(self, db: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.list = QListWidget()
        self.list.setObjectName("recipient_list")
        self.list.setMaximumHeight(120)
        layout.addWidget(self.list)
        row = QHBoxLayout()
        self.kind = QComboBox()
        for key, label in rcpt.KINDS.items():
            self.kind.addItem(label, key)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.choice = QComboBox()
        self.address = QLineEdit()
        self.address.setPlaceholderText("name@example.com")
        self.add_button = QPushButton("Add")
        self.add_button.clicked.connect(self.add_current)
        remove = QPushButton("Remove")
        remove.clicked.connect(
            lambda: [self.list.takeItem(self.list.row(i)) for i in self.list.selectedItems()]
        )
        for w in (self.kind, self.choice, self.address):
            row.addWidget(w, 1)
        row.addWidget(self.add_button)
        row.addWidget(remove)
        layout.addLayout(row)
        self._kind_changed()

    def _kind_changed(self) -> None:
        kind = self.kind.currentData()
        self.choice.clear()
        with self.db.reading() as s:
            if kind == "user":
                for u in s.scalars(select(User).where(User.active.is_(True)).order_by(User.full_name)):
                    self.choice.addItem(u.full_name, u.id)
            elif kind == "team":
                for t in s.scalars(select(Team).order_by(Team.name)):
                    self.choice.addItem(t.name, t.id)
        if kind == "role":
            for r in Role:
                self.choice.addItem(r.label, r.value)
        self.choice.setVisible(kind in ("user", "team", "role"))
        self.address.setVisible(kind == "email")

    def add_current(self) -> None:
        kind = self.kind.currentData()
        spec: dict[str, Any] = {"kind": kind}
        if kind == "email":
            spec["value"] = self.address.text().strip()
        elif kind in ("user", "team", "role"):
            if self.choice.currentData() is None:
                return
            spec["value"] = self.choice.currentData()
        problems = rcpt.validate([spec])
        if problems:
            QMessageBox.warning(self, "Alerts", problems[0])
            return
        if spec not in self.value():
            self._add(spec)
        self.address.clear()

    def _add(self, spec: dict[str, Any]) -> None:
        with self.db.reading() as s:
            text = rcpt.describe(s, spec)
        item = QListWidgetItem(text if spec.get("kind") == "email" else text[:1].upper() + text[1:])
        item.setData(ITEM_ROLE, spec)
        self.list.addItem(item)

    def set_value(self, specs: list[dict[str, Any]]) -> None:
        self.list.clear()
        for spec in specs:
            self._add(dict(spec))

    def value(self) -> list[dict[str, Any]]:
        return [self.list.item(i).data(ITEM_ROLE) for i in range(self.list.count())]


class _Checks(QListWidget):
    """A checkable list of (name, id) pairs; nothing checked means "any"."""

    def set_items(self, items: list[tuple[str, int]], checked: list[int]) -> None:
        self.clear()
        for name, item_id in items:
            item = QListWidgetItem(name)
            item.setData(ITEM_ROLE, item_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if item_id in checked else Qt.CheckState.Unchecked)
            self.addItem(item)

    def checked(self) -> list[int]:
        return [
            self.item(i).data(ITEM_ROLE)
            for i in range(self.count())
            if self.item(i).checkState() == Qt.CheckState.Checked
        ]


class RulesEditor(QWidget):
    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.rule_id: int | None = None
        split = QSplitter()
        outer = QVBoxLayout(self)
        outer.addWidget(split)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        self.rule_list = QListWidget()
        self.rule_list.setObjectName("rule_list")
        self.rule_list.currentItemChanged.connect(self._select)
        lv.addWidget(self.rule_list)
        buttons = QHBoxLayout()
        self.new_button = QPushButton("&New rule")
        self.new_button.clicked.connect(self.new_rule)
        self.delete_button = QPushButton("&Delete")
        self.delete_button.clicked.connect(self.delete_rule)
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.delete_button)
        lv.addLayout(buttons)
        split.addWidget(left)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        form = QFormLayout()
        right_layout.addLayout(form)
        right_layout.addStretch(1)
        self.name = QLineEdit()
        self.name.setObjectName("rule_name")
        self.event = QComboBox()
        for key, label in rules.EVENTS.items():
            self.event.addItem(label, key)
        self.active = QCheckBox("Active")
        self.channels = {key: QCheckBox(label) for key, label in rules.CHANNELS.items()}
        channel_row = QHBoxLayout()
        for box in self.channels.values():
            channel_row.addWidget(box)
        channel_row.addStretch()
        filters = QGroupBox("Only for (nothing ticked: any)")
        fl = QHBoxLayout(filters)
        self.severities, self.types, self.sites = _Checks(), _Checks(), _Checks()
        for title, box in (("Severity", self.severities), ("Type", self.types), ("Site", self.sites)):
            col = QVBoxLayout()
            col.addWidget(QLabel(title))
            box.setMaximumHeight(110)
            col.addWidget(box)
            fl.addLayout(col)
        self.recipients = RecipientsEditor(db)
        self.save_button = QPushButton("&Save rule")
        self.save_button.setObjectName("save_rule")
        self.save_button.clicked.connect(self.save)
        form.addRow("&Name:", self.name)
        form.addRow("&When:", self.event)
        form.addRow("", self.active)
        form.addRow(filters)
        form.addRow("Tell:", self.recipients)
        form.addRow("By:", channel_row)
        form.addRow("", self.save_button)
        split.addWidget(right)
        split.setSizes([260, 640])
        if not allowed(actor, rules.PERMISSION):
            right.setEnabled(False)
            self.new_button.setEnabled(False)
            self.delete_button.setEnabled(False)
        self.reload()

    def reload(self, select_id: int | None = None) -> None:
        with self.db.reading() as s:
            found = rules.list_rules(s)
            self._choices = {
                "severities": [
                    (x.name, x.id) for x in s.scalars(select(SeverityLevel).order_by(SeverityLevel.rank))
                ],
                "types": [
                    (x.name, x.id) for x in s.scalars(select(IncidentType).order_by(IncidentType.name))
                ],
                "sites": [(x.name, x.id) for x in s.scalars(select(Site).order_by(Site.name))],
            }
            self._rules = {r.id: {k: getattr(r, k) for k in rules.FIELDS} for r in found}
        self.rule_list.blockSignals(True)
        self.rule_list.clear()
        for rule_id, r in self._rules.items():
            item = QListWidgetItem(r["name"] + ("" if r["active"] else " (off)"))
            item.setToolTip(f"When: {rules.EVENTS.get(r['event'], r['event'])}")
            item.setData(ITEM_ROLE, rule_id)
            self.rule_list.addItem(item)
        self.rule_list.blockSignals(False)
        ids = list(self._rules)
        target = select_id if select_id in self._rules else (ids[0] if ids else None)
        if target is None:
            self.new_rule()
        else:
            self.rule_list.setCurrentRow(ids.index(target))
            self._show(target)

    def _select(self, current: QListWidgetItem | None, _previous: Any = None) -> None:
        if current is not None:
            self._show(current.data(ITEM_ROLE))

    def _show(self, rule_id: int | None) -> None:
        r = self._rules.get(rule_id) if rule_id is not None else None
        self.rule_id = rule_id if r else None
        r = r or {
            "name": "",
            "event": "incident_created",
            "active": True,
            "channels": ["inbox"],
            "recipients": [],
            "severity_ids": [],
            "type_ids": [],
            "site_ids": [],
        }
        self.name.setText(r["name"])
        self.event.setCurrentIndex(max(self.event.findData(r["event"]), 0))
        self.active.setChecked(bool(r["active"]))
        for key, box in self.channels.items():
            box.setChecked(key in r["channels"])
        self.severities.set_items(self._choices["severities"], r["severity_ids"])
        self.types.set_items(self._choices["types"], r["type_ids"])
        self.sites.set_items(self._choices["sites"], r["site_ids"])
        self.recipients.set_value(r["recipients"])

    def new_rule(self) -> None:
        self.rule_list.clearSelection()
        self._show(None)
        self.name.setFocus()

    def values(self) -> dict[str, Any]:
        return {
            "name": self.name.text(),
            "event": self.event.currentData(),
            "active": self.active.isChecked(),
            "channels": [k for k, box in self.channels.items() if box.isChecked()],
            "recipients": self.recipients.value(),
            "severity_ids": self.severities.checked(),
            "type_ids": self.types.checked(),
            "site_ids": self.sites.checked(),
        }

    def save(self) -> bool:
        values = self.values()
        try:
            with self.db.transaction() as s:
                if self.rule_id is None:
                    rule_id = rules.create_rule(s, self.actor, **values).id
                else:
                    rule_id = rules.update_rule(s, self.actor, self.rule_id, **values).id
        except IncidentDeskError as exc:
            _complain(self, exc)
            return False
        self.reload(rule_id)
        return True

    def delete_rule(self) -> None:
        if self.rule_id is None:
            return
        name = self._rules[self.rule_id]["name"]
        if (
            QMessageBox.question(self, "Alerts", f"Delete the rule “{name}”?")
            != QMessageBox.StandardButton.Yes
        ):
            return
        try:
            with self.db.transaction() as s:
                rules.delete_rule(s, self.actor, self.rule_id)
        except IncidentDeskError as exc:
            _complain(self, exc)
            return
        self.reload()


class LadderEditor(QWidget):
    """The escalation ladder: level 0 reminds before the deadline, levels 1… escalate after it."""

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.levels: list[dict[str, Any]] = []
        layout = QVBoxLayout(self)
        note = QLabel(
            "Level 0 is the reminder, sent the given minutes <i>before</i> a deadline (at most half the "
            "target time before it). Levels 1, 2, … are told the given minutes <i>after</i> the deadline "
            "was missed. Each level is told once per deadline, and every escalation is in the audit trail."
        )
        note.setWordWrap(True)
        layout.addWidget(note)
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("ladder_table")
        self.table.setHorizontalHeaderLabels(["Level", "Name", "Minutes"])
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.currentCellChanged.connect(self._row_changed)
        layout.addWidget(self.table, 1)
        layout.addWidget(QLabel("Who is told at the selected level:"))
        self.recipients = RecipientsEditor(db)
        layout.addWidget(self.recipients)
        buttons = QHBoxLayout()
        self.add_button = QPushButton("Add level")
        self.add_button.clicked.connect(self.add_level)
        self.remove_button = QPushButton("Remove level")
        self.remove_button.clicked.connect(self.remove_level)
        self.save_button = QPushButton("&Save ladder")
        self.save_button.setObjectName("save_ladder")
        self.save_button.clicked.connect(self.save)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch()
        buttons.addWidget(self.save_button)
        layout.addLayout(buttons)
        self._current = -1
        if not allowed(actor, rules.PERMISSION):
            self.setEnabled(False)
        self.reload()

    def reload(self) -> None:
        with self.db.reading() as s:
            self.levels = [
                {
                    "level": lv.level,
                    "name": lv.name,
                    "after_minutes": lv.after_minutes,
                    "recipients": lv.recipients,
                }
                for lv in escalation.ladder(s)
            ]
        self._fill()

    def _fill(self) -> None:
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.levels))
        for r, lv in enumerate(self.levels):
            level = QSpinBox()
            level.setRange(0, 20)
            level.setValue(lv["level"])
            self.table.setCellWidget(r, 0, level)
            self.table.setItem(r, 1, QTableWidgetItem(lv["name"]))
            minutes = QSpinBox()
            minutes.setRange(0, 60 * 24 * 30)
            minutes.setSuffix(" before" if lv["level"] == 0 else " after")
            minutes.setValue(lv["after_minutes"])
            self.table.setCellWidget(r, 2, minutes)
        self.table.blockSignals(False)
        self._current = -1
        if self.levels:
            self.table.setCurrentCell(0, 1)
            self._row_changed(0)

    def _collect(self) -> None:
        for r, lv in enumerate(self.levels):
            level, minutes, name = (
                self.table.cellWidget(r, 0),
                self.table.cellWidget(r, 2),
                self.table.item(r, 1),
            )
            assert isinstance(level, QSpinBox) and isinstance(minutes, QSpinBox)
            lv.update(level=level.value(), after_minutes=minutes.value(), name=name.text() if name else "")
        if 0 <= self._current < len(self.levels):
            self.levels[self._current]["recipients"] = self.recipients.value()

    def _row_changed(self, row: int, *_: Any) -> None:
        self._collect()
        self._current = row
        if 0 <= row < len(self.levels):
            self.recipients.set_value(self.levels[row]["recipients"])

    def add_level(self) -> None:
        self._collect()
        nxt = max((lv["level"] for lv in self.levels), default=0) + 1
        after = max((lv["after_minutes"] for lv in self.levels if lv["level"] > 0), default=0) + 60
        self.levels.append({"level": nxt, "name": "", "after_minutes": after, "recipients": []})
        self._fill()
        self.table.setCurrentCell(len(self.levels) - 1, 1)

    def remove_level(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self.levels):
            self._collect()
            del self.levels[row]
            self._fill()

    def save(self) -> bool:
        self._collect()
        try:
            with self.db.transaction() as s:
                escalation.set_ladder(s, self.actor, self.levels)
        except IncidentDeskError as exc:
            _complain(self, exc)
            return False
        self.reload()
        return True
