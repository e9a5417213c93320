"""People involved in an incident: a list on the left, the selected person's details on the right.

For an injured person the injury section appears: body part and side (from the list or by
clicking the body diagram), nature of injury, treatment, days away or restricted, privacy case.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from incident_desk.incidents.service import (
    BODY_PARTS,
    BODY_SIDES,
    EMPLOYMENT,
    PERSON_ROLES,
    TREATMENT,
    PersonData,
    validate_person,
)
from incident_desk.ui.body_diagram import BodyDiagram
from incident_desk.ui.photo_strip import new_key

PERSON_FIELDS = tuple(f.name for f in fields(PersonData))
NATURES = (
    "Abrasion",
    "Amputation",
    "Burn",
    "Concussion",
    "Contusion",
    "Crush injury",
    "Dermatitis",
    "Dislocation",
    "Foreign body",
    "Fracture",
    "Hearing loss",
    "Heat exhaustion",
    "Laceration",
    "Puncture",
    "Respiratory irritation",
    "Sprain",
    "Strain",
    "Whiplash",
)


def blank_person(role: str = "injured") -> dict[str, Any]:
    return {"key": new_key("person"), "id": None, **asdict(PersonData(role=role))}


def person_data(person: dict[str, Any]) -> PersonData:
    return PersonData(**{name: person[name] for name in PERSON_FIELDS})


class PeopleEditor(QWidget):
    changed = Signal()
    people_changed = Signal()  # names or roles changed: the signature panel's list follows

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.people: list[dict[str, Any]] = []
        self.problems: dict[str, dict[str, list[str]]] = {}
        self._loading = False
        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        splitter = QSplitter()
        self.splitter = splitter
        outer.addWidget(splitter)

        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        self.list = QListWidget()
        self.list.setAccessibleName("People involved")
        self.list.setWordWrap(True)  # name and role, then the injury on a second line
        self.list.currentRowChanged.connect(self._show_current)
        lv.addWidget(self.list, 1)
        buttons = QHBoxLayout()
        self.add_button = QPushButton("&Add person")
        self.add_button.setAccessibleName("Add a person involved")
        self.add_button.clicked.connect(lambda: self.add_person())
        self.remove_button = QPushButton("Remove")
        self.remove_button.setAccessibleName("Remove the selected person")
        self.remove_button.clicked.connect(self.remove_current)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        lv.addLayout(buttons)
        splitter.addWidget(left)

        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(8, 0, 0, 0)
        self.empty_hint = QLabel(
            "Nobody added yet. Use <b>Add person</b> for everyone hurt, every witness and the first aider."
        )
        self.empty_hint.setWordWrap(True)
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        rv.addWidget(self.empty_hint)
        self.details = QWidget()
        dv = QVBoxLayout(self.details)
        dv.setContentsMargins(0, 0, 0, 0)
        form = QFormLayout()
        self.name = QLineEdit()
        self.name.setAccessibleName("Person's name")
        self.role = QComboBox()
        for code, label in PERSON_ROLES.items():
            self.role.addItem(label, code)
        self.role.setAccessibleName("Role in the incident")
        self.employment = QComboBox()
        for code, label in EMPLOYMENT.items():
            self.employment.addItem(label, code)
        self.employment.setAccessibleName("Employment type")
        self.job_title = QLineEdit()
        self.job_title.setAccessibleName("Job title")
        self.contact = QLineEdit()
        self.contact.setAccessibleName("Contact details")
        self.statement = QPlainTextEdit()
        self.statement.setTabChangesFocus(True)
        self.statement.setAccessibleName("Statement")
        self.statement.setMaximumHeight(80)
        self.name_error = QLabel()
        self.name_error.setStyleSheet("color: #b71c1c")
        self.name_error.setWordWrap(True)
        self.name_error.hide()
        form.addRow("&Name:", self.name)
        form.addRow("", self.name_error)
        form.addRow("&Role:", self.role)
        form.addRow("&Employment:", self.employment)
        form.addRow("&Job title:", self.job_title)
        form.addRow("Con&tact:", self.contact)
        form.addRow("Stat&ement:", self.statement)
        dv.addLayout(form)

        self.injury = QGroupBox("Injury")
        ih = QHBoxLayout(self.injury)
        self.diagram = BodyDiagram()
        self.diagram.picked.connect(self._diagram_picked)
        ih.addWidget(self.diagram, 1)
        iform = QFormLayout()
        self.body_part = QComboBox()
        self.body_part.addItem("", "")
        for part in BODY_PARTS:
            self.body_part.addItem(part, part)
        self.body_part.setAccessibleName("Body part")
        self.body_side = QComboBox()
        for code, label in BODY_SIDES.items():
            self.body_side.addItem(label, code)
        self.body_side.setAccessibleName("Side of the body")
        self.nature = QComboBox()
        self.nature.setEditable(True)
        self.nature.addItem("")
        self.nature.addItems(NATURES)
        self.nature.setAccessibleName("Nature of injury")
        self.treatment = QComboBox()
        for code, label in TREATMENT.items():
            self.treatment.addItem(label, code)
        self.treatment.setAccessibleName("Treatment")
        self.days_away = QSpinBox()
        self.days_away.setRange(0, 3650)
        self.days_away.setAccessibleName("Days away from work")
        self.days_restricted = QSpinBox()
        self.days_restricted.setRange(0, 3650)
        self.days_restricted.setAccessibleName("Days of restricted work")
        self.privacy = QCheckBox("Privacy case (name withheld on the OSHA log)")
        self.privacy.setAccessibleName("Privacy case")
        iform.addRow("&Body part:", self.body_part)
        iform.addRow("S&ide:", self.body_side)
        iform.addRow("Nat&ure:", self.nature)
        iform.addRow("&Treatment:", self.treatment)
        iform.addRow("Days a&way:", self.days_away)
        iform.addRow("Days re&stricted:", self.days_restricted)
        iform.addRow("", self.privacy)
        ih.addLayout(iform, 1)
        dv.addWidget(self.injury, 1)
        rv.addWidget(self.details, 1)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([280, 640])

        for w in (self.name, self.job_title, self.contact):
            w.textEdited.connect(self._edited)
        self.statement.textChanged.connect(self._edited)
        self.nature.currentTextChanged.connect(self._edited)
        for combo in (self.role, self.employment, self.body_part, self.body_side, self.treatment):
            combo.currentIndexChanged.connect(self._edited)
        for spin in (self.days_away, self.days_restricted):
            spin.valueChanged.connect(self._edited)
        self.privacy.toggled.connect(self._edited)
        self._rebuild()

    # -- list ------------------------------------------------------------------------------
    def add_person(self, role: str = "injured") -> dict[str, Any]:
        # The first person is usually the one hurt; after that, usually a witness.
        if not self.people:
            role = role or "injured"
        elif role == "injured" and any(p["role"] == "injured" for p in self.people):
            role = "witness"
        person = blank_person(role)
        self.people.append(person)
        self._rebuild(select=len(self.people) - 1)
        self.name.setFocus()
        self.changed.emit()
        self.people_changed.emit()
        return person

    def remove_current(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self.people):
            del self.people[row]
            self._rebuild(select=min(row, len(self.people) - 1))
            self.changed.emit()
            self.people_changed.emit()

    def _item_text(self, person: dict[str, Any]) -> str:
        name = person["name"].strip() or "(no name yet)"
        text = f"{name} — {PERSON_ROLES.get(person['role'], person['role']).lower()}"
        if person["role"] == "injured" and person["body_part"]:
            side = person["body_side"] if person["body_side"] in ("left", "right", "both") else ""
            text += f" · {person['body_part']}{' (' + side + ')' if side else ''}"
            if person["nature_of_injury"]:
                text += f", {person['nature_of_injury'].lower()}"
        return text

    def _rebuild(self, select: int | None = None) -> None:
        self._loading = True
        try:
            self.list.clear()
            for person in self.people:
                item = QListWidgetItem(self._item_text(person))
                item.setToolTip(self._item_text(person))
                if person["key"] in self.problems:
                    item.setForeground(QBrush(QColor("#b71c1c")))
                    item.setToolTip(" ".join(m for ms in self.problems[person["key"]].values() for m in ms))
                self.list.addItem(item)
        finally:
            self._loading = False
        if self.people:
            self.list.setCurrentRow(select if select is not None and 0 <= select < len(self.people) else 0)
        self._show_current()

    def _show_current(self, *_args: Any) -> None:
        row = self.list.currentRow()
        has = 0 <= row < len(self.people)
        self.details.setVisible(has)
        self.empty_hint.setVisible(not self.people)
        self.remove_button.setEnabled(has and self.add_button.isEnabled())
        if not has:
            return
        p = self.people[row]
        if p.get("masked"):
            self.remove_button.setEnabled(False)
        self._loading = True
        try:
            self.name.setText(p["name"])
            self.role.setCurrentIndex(max(self.role.findData(p["role"]), 0))
            self.employment.setCurrentIndex(max(self.employment.findData(p["employment"]), 0))
            self.job_title.setText(p["job_title"])
            self.contact.setText(p["contact"])
            self.statement.setPlainText(p["statement"])
            if self.body_part.findData(p["body_part"]) < 0:  # imported or renamed parts stay visible
                self.body_part.addItem(p["body_part"], p["body_part"])
            self.body_part.setCurrentIndex(self.body_part.findData(p["body_part"]))
            self.body_side.setCurrentIndex(max(self.body_side.findData(p["body_side"]), 0))
            self.nature.setCurrentText(p["nature_of_injury"])
            self.treatment.setCurrentIndex(max(self.treatment.findData(p["treatment"]), 0))
            self.days_away.setValue(p["days_away"])
            self.days_restricted.setValue(p["days_restricted"])
            self.privacy.setChecked(p["privacy_case"])
            self.diagram.set_selection(p["body_part"], p["body_side"])
            self.injury.setVisible(p["role"] == "injured")
            self._set_fields_enabled(self.add_button.isEnabled() and not p.get("masked"))
            messages = self.problems.get(p["key"], {})
            text = " ".join(m for ms in messages.values() for m in ms)
            self.name_error.setText(text)
            self.name_error.setVisible(bool(text))
        finally:
            self._loading = False

    # -- editing ---------------------------------------------------------------------------
    def _edited(self, *_args: Any) -> None:
        if self._loading:
            return
        row = self.list.currentRow()
        if not 0 <= row < len(self.people):
            return
        p = self.people[row]
        before = (p["name"], p["role"])
        p.update(
            name=self.name.text(),
            role=self.role.currentData(),
            employment=self.employment.currentData(),
            job_title=self.job_title.text(),
            contact=self.contact.text(),
            statement=self.statement.toPlainText(),
            body_part=self.body_part.currentData() or "",
            body_side=self.body_side.currentData() or "",
            nature_of_injury=self.nature.currentText().strip(),
            treatment=self.treatment.currentData(),
            days_away=self.days_away.value(),
            days_restricted=self.days_restricted.value(),
            privacy_case=self.privacy.isChecked(),
        )
        self.diagram.set_selection(p["body_part"], p["body_side"])
        self.injury.setVisible(p["role"] == "injured")
        if p["key"] in self.problems and not validate_person(person_data(p)):
            del self.problems[p["key"]]
            self.name_error.hide()
            self.list.item(row).setForeground(QBrush())
        self.list.item(row).setText(self._item_text(p))
        self.changed.emit()
        if before != (p["name"], p["role"]):
            self.people_changed.emit()

    def _diagram_picked(self, part: str, side: str) -> None:
        self._loading = True
        try:
            self.body_part.setCurrentIndex(max(self.body_part.findData(part), 0))
            self.body_side.setCurrentIndex(max(self.body_side.findData(side), 0))
        finally:
            self._loading = False
        self._edited()

    # -- state and validation --------------------------------------------------------------
    def state(self) -> list[dict[str, Any]]:
        return [dict(p) for p in self.people]

    def apply_state(self, state: list[dict[str, Any]]) -> None:
        row = self.list.currentRow()
        self.people = [dict(p) for p in state]
        self._rebuild(select=row)
        self.people_changed.emit()

    def validate(self) -> dict[str, dict[str, list[str]]]:
        """Problems per person key; shown next to the fields and in the list."""
        self.problems = {}
        for p in self.people:
            problems = validate_person(person_data(p))
            if problems:
                self.problems[p["key"]] = problems
        first = next((i for i, p in enumerate(self.people) if p["key"] in self.problems), None)
        self._rebuild(select=first if first is not None else self.list.currentRow())
        return self.problems

    def set_editable(self, editable: bool) -> None:
        self.add_button.setEnabled(editable)
        self.remove_button.setEnabled(editable)
        self._set_fields_enabled(editable)
        self._show_current()  # a withheld (privacy case) person stays read-only

    def _set_fields_enabled(self, editable: bool) -> None:
        for w in (
            self.name,
            self.role,
            self.employment,
            self.job_title,
            self.contact,
            self.statement,
            self.diagram,
            self.body_part,
            self.body_side,
            self.nature,
            self.treatment,
            self.days_away,
            self.days_restricted,
            self.privacy,
        ):
            w.setEnabled(editable)


def summary(person: dict[str, Any]) -> str:
    return f"{person['name']} ({PERSON_ROLES.get(person['role'], person['role'])})"
