"""The incident form's sections: building the fields of each tab, and reading and filling them.

``IncidentSections`` is mixed into ``IncidentForm`` (incident_form.py), which owns the state,
saving, drafts and the workflow; this module only knows widgets and field values.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QDateTime, Qt
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from incident_desk.incidents.validation import TITLE_MAX
from incident_desk.ui.photo_strip import PhotoStrip
from incident_desk.ui.signature_pad import SignaturePanel
from incident_desk.users.roles import allowed

ERROR_STYLE = "color: #b71c1c"

# Which tab each field lives on, to show the user where a problem is.
TAB_DETAILS, TAB_PEOPLE, TAB_PHOTOS, TAB_COSTS, TAB_FOLLOW_UP, TAB_TIMELINE = range(6)
FIELD_TAB = {
    "title": TAB_DETAILS,
    "type_id": TAB_DETAILS,
    "severity_id": TAB_DETAILS,
    "description": TAB_DETAILS,
    "immediate_actions": TAB_DETAILS,
    "occurred_at": TAB_DETAILS,
    "reported_at": TAB_DETAILS,
    "site_id": TAB_DETAILS,
    "location_id": TAB_DETAILS,
    "customer_id": TAB_DETAILS,
    "reporter_name": TAB_DETAILS,
    "assignee_id": TAB_DETAILS,
    "people": TAB_PEOPLE,
    "direct_cost": TAB_COSTS,
    "indirect_cost": TAB_COSTS,
    "currency": TAB_COSTS,
    "satisfaction": TAB_COSTS,
    "resolution_summary": TAB_FOLLOW_UP,
    "root_cause": TAB_FOLLOW_UP,
    "five_whys": TAB_FOLLOW_UP,
    "lessons_learned": TAB_FOLLOW_UP,
}


class IncidentSections:
    """Widgets of the form's tabs. Expects ``choices``, ``actor``, ``signatures`` and ``_changed``
    from the form it is mixed into."""

    choices: Any
    actor: Any
    _applying: bool

    def _error_label(self, name: str) -> QLabel:
        label = QLabel()
        label.setObjectName(f"error_{name}")
        label.setStyleSheet(ERROR_STYLE)
        label.setWordWrap(True)
        label.hide()
        self.errors[name] = label
        return label

    def _row(self, form: QFormLayout, text: str, widget: QWidget, name: str, accessible: str) -> None:
        widget.setAccessibleName(accessible)
        box = QWidget()
        v = QVBoxLayout(box)
        v.setContentsMargins(0, 0, 0, 0)
        v.setSpacing(2)
        v.addWidget(widget)
        v.addWidget(self._error_label(name))
        label = QLabel(text)
        label.setBuddy(widget)
        form.addRow(label, box)
        self.inputs[name] = widget

    def _combo(self, items: list[tuple[Any, str]], placeholder: str) -> QComboBox:
        combo = QComboBox()
        combo.addItem(placeholder, None)
        for value, text in items:
            combo.addItem(text, value)
        combo.currentIndexChanged.connect(self._changed)
        return combo

    def _text(self, height: int = 90) -> QPlainTextEdit:
        edit = QPlainTextEdit()
        edit.setTabChangesFocus(True)
        edit.setMinimumHeight(height)
        edit.textChanged.connect(self._changed)
        return edit

    def _datetime(self) -> QDateTimeEdit:
        edit = QDateTimeEdit()
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        edit.dateTimeChanged.connect(self._changed)
        return edit

    def _build_details(self) -> QWidget:
        self.errors: dict[str, QLabel] = {}
        self.inputs: dict[str, QWidget] = {}
        page = QWidget()
        grid = QGridLayout(page)
        what = QGroupBox("What happened")
        f1 = QFormLayout(what)
        self.title_edit = QLineEdit()
        self.title_edit.setMaxLength(TITLE_MAX)
        self.title_edit.setPlaceholderText("e.g. Slip on wet floor in loading bay")
        self.title_edit.textChanged.connect(self._changed)
        self._row(f1, "&Title:", self.title_edit, "title", "Title")
        self.type_combo = self._combo(
            [(t, n) for t, n, active in self.choices.types if active], "Choose a type…"
        )
        self._row(f1, "T&ype:", self.type_combo, "type_id", "Incident type")
        self.severity_combo = QComboBox()
        self.severity_combo.addItem("Choose a severity…", None)
        for sid, name, colour, active in self.choices.severities:
            if active:
                pixmap = QPixmap(12, 12)
                pixmap.fill(QColor(colour))
                self.severity_combo.addItem(QIcon(pixmap), name, sid)
        self.severity_combo.currentIndexChanged.connect(self._changed)
        self._row(f1, "Se&verity:", self.severity_combo, "severity_id", "Severity")
        self.description = self._text(120)
        self.description.setPlaceholderText("What happened, in order, in plain words.")
        self._row(f1, "&Description:", self.description, "description", "Description")
        self.immediate_actions = self._text(70)
        self.immediate_actions.setPlaceholderText("First aid, area made safe, equipment isolated…")
        self._row(f1, "&Immediate actions:", self.immediate_actions, "immediate_actions", "Immediate actions")
        grid.addWidget(what, 0, 0)

        where = QGroupBox("When and where")
        f2 = QFormLayout(where)
        self.occurred = self._datetime()
        self._row(f2, "&Occurred at:", self.occurred, "occurred_at", "Occurred at")
        self.reported = self._datetime()
        self._row(f2, "&Reported at:", self.reported, "reported_at", "Reported at")
        self.site_combo = self._combo([(s, n) for s, n, active in self.choices.sites if active], "No site")
        self.site_combo.currentIndexChanged.connect(self._fill_locations)
        self._row(f2, "&Site:", self.site_combo, "site_id", "Site")
        self.location_combo = self._combo([], "No location")
        self._row(f2, "&Location:", self.location_combo, "location_id", "Location")
        self.customer_combo = self._combo(
            [(c, n) for c, n, active in self.choices.customers if active], "No customer"
        )
        self._row(f2, "C&ustomer:", self.customer_combo, "customer_id", "Customer")
        self.reporter_edit = QLineEdit()
        self.reporter_edit.textChanged.connect(self._changed)
        self.reporter_edit.textChanged.connect(lambda t: self.signatures.set_reporter_name(t))
        self._row(f2, "Reported &by:", self.reporter_edit, "reporter_name", "Reported by")
        self.assignee_combo = self._combo(
            [(u, n) for u, n, active in self.choices.users if active], "Nobody yet"
        )
        self.assignee_combo.setEnabled(allowed(self.actor, "incident.assign"))
        self._row(f2, "Assi&gned to:", self.assignee_combo, "assignee_id", "Assigned to")
        grid.addWidget(where, 0, 1, Qt.AlignmentFlag.AlignTop)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        grid.setRowStretch(1, 1)
        self._fill_locations()
        return page

    def _build_photos(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        photos = QGroupBox("Photos")
        pv = QVBoxLayout(photos)
        self.photos = PhotoStrip()
        pv.addWidget(self.photos)
        v.addWidget(photos, 3)
        signatures = QGroupBox("Signatures")
        sv = QVBoxLayout(signatures)
        self.signatures = SignaturePanel()
        sv.addWidget(self.signatures)
        v.addWidget(signatures, 2)
        return page

    def _build_costs(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        box = QGroupBox("Cost and customer satisfaction")
        f = QFormLayout(box)
        self.direct_cost = QLineEdit()
        self.direct_cost.setPlaceholderText("0.00")
        self.direct_cost.textChanged.connect(self._changed)
        self._row(f, "Direct &cost:", self.direct_cost, "direct_cost", "Direct cost")
        self.indirect_cost = QLineEdit()
        self.indirect_cost.setPlaceholderText("0.00")
        self.indirect_cost.textChanged.connect(self._changed)
        self._row(f, "I&ndirect cost:", self.indirect_cost, "indirect_cost", "Indirect cost")
        self.currency = QLineEdit()
        self.currency.setMaxLength(3)
        self.currency.setMaximumWidth(70)
        self.currency.textChanged.connect(self._changed)
        self._row(f, "Curr&ency:", self.currency, "currency", "Currency")
        self.satisfaction = QSpinBox()
        self.satisfaction.setRange(0, self.choices.satisfaction_max)
        self.satisfaction.setSpecialValueText("Not rated")
        self.satisfaction.setSuffix(f" of {self.choices.satisfaction_max}")
        self.satisfaction.valueChanged.connect(self._changed)
        self._row(f, "Customer s&atisfaction:", self.satisfaction, "satisfaction", "Customer satisfaction")
        hint = QLabel(
            "Direct cost: treatment, repairs, replacement. Indirect cost: lost time, investigation, "
            "overtime, delays."
        )
        hint.setWordWrap(True)
        hint.setStyleSheet("color: palette(mid)")
        f.addRow("", hint)
        v.addWidget(box)
        v.addStretch(1)
        return page

    def _build_follow_up(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        resolution = QGroupBox("Resolution")
        f1 = QFormLayout(resolution)
        self.resolution_summary = self._text(70)
        self._row(
            f1, "Resolution su&mmary:", self.resolution_summary, "resolution_summary", "Resolution summary"
        )
        v.addWidget(resolution)
        root = QGroupBox("Root cause — the 5 whys")
        f2 = QFormLayout(root)
        self.whys: list[QLineEdit] = []
        for n in range(5):
            edit = QLineEdit()
            edit.setPlaceholderText("Why did that happen?" if n else "Why did the incident happen?")
            edit.textChanged.connect(self._changed)
            edit.setAccessibleName(f"Why {n + 1}")
            label = QLabel(f"Why &{n + 1}:")
            label.setBuddy(edit)
            f2.addRow(label, edit)
            self.whys.append(edit)
        f2.addRow("", self._error_label("five_whys"))
        self.root_cause = self._text(60)
        self._row(f2, "Root c&ause:", self.root_cause, "root_cause", "Root cause")
        v.addWidget(root)
        lessons = QGroupBox("Lessons learned")
        f3 = QFormLayout(lessons)
        self.lessons = self._text(60)
        self._row(f3, "&Lessons learned:", self.lessons, "lessons_learned", "Lessons learned")
        v.addWidget(lessons)
        v.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(page)
        scroll.setWidgetResizable(True)
        return scroll

    def _build_timeline(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        self.timeline = QTextBrowser()
        self.timeline.setAccessibleName("Comments and status history")
        self.timeline.setOpenLinks(False)
        v.addWidget(self.timeline, 1)
        self.comment_edit = QPlainTextEdit()
        self.comment_edit.setTabChangesFocus(True)
        self.comment_edit.setMaximumHeight(80)
        self.comment_edit.setPlaceholderText("Add a note for the people working on this incident…")
        self.comment_edit.setAccessibleName("New comment")
        label = QLabel("New co&mment:")
        label.setBuddy(self.comment_edit)
        v.addWidget(label)
        v.addWidget(self.comment_edit)
        row = QHBoxLayout()
        row.addStretch(1)
        self.comment_button = QPushButton("Add comment")
        self.comment_button.setAutoDefault(False)
        self.comment_button.clicked.connect(self.add_comment)
        row.addWidget(self.comment_button)
        v.addLayout(row)
        return page

    def _goto_tab(self, index: int) -> None:
        if index < self.tabs.count():
            self.tabs.setCurrentIndex(index)
            self.tabs.currentWidget().setFocus()
            self.tabs.currentWidget().focusNextChild()

    def _fill_locations(self) -> None:
        site = self.site_combo.currentData()
        current = self.location_combo.currentData()
        self.location_combo.blockSignals(True)
        self.location_combo.clear()
        self.location_combo.addItem("No location", None)
        for lid, sid, name, active in self.choices.locations:
            if (site is None or sid == site) and (active or lid == current):
                self.location_combo.addItem(name, lid)
        index = self.location_combo.findData(current)
        self.location_combo.setCurrentIndex(max(index, 0))
        self.location_combo.blockSignals(False)
        if not self._applying:
            self._changed()

    def _people_for_signatures(self) -> None:
        self.signatures.set_people([(p["key"], p["name"], p["role"]) for p in self.people.people])

    @staticmethod
    def _set_combo(combo: QComboBox, value: Any, missing_label: str = "") -> None:
        index = combo.findData(value)
        if index < 0 and value is not None:
            combo.addItem(missing_label or f"#{value} (no longer offered)", value)
            index = combo.count() - 1
        combo.setCurrentIndex(max(index, 0))

    @staticmethod
    def _name_of(rows: list[tuple[Any, ...]], value: Any) -> str:
        """Label for a value no longer offered (a retired type, an inactive user); rows are (id, name, …)."""
        return next((f"{r[1]} (no longer offered)" for r in rows if r[0] == value), "")

    def field_values(self) -> dict[str, Any]:
        return {
            "title": self.title_edit.text(),
            "type_id": self.type_combo.currentData(),
            "severity_id": self.severity_combo.currentData(),
            "description": self.description.toPlainText(),
            "immediate_actions": self.immediate_actions.toPlainText(),
            "occurred_at": self.occurred.dateTime().toSecsSinceEpoch(),
            "reported_at": self.reported.dateTime().toSecsSinceEpoch(),
            "site_id": self.site_combo.currentData(),
            "location_id": self.location_combo.currentData(),
            "customer_id": self.customer_combo.currentData(),
            "reporter_name": self.reporter_edit.text(),
            "assignee_id": self.assignee_combo.currentData(),
            "direct_cost": self.direct_cost.text(),
            "indirect_cost": self.indirect_cost.text(),
            "currency": self.currency.text(),
            "satisfaction": self.satisfaction.value() or None,
            "resolution_summary": self.resolution_summary.toPlainText(),
            "five_whys": [w.text() for w in self.whys],
            "root_cause": self.root_cause.toPlainText(),
            "lessons_learned": self.lessons.toPlainText(),
        }

    def apply_fields(self, v: dict[str, Any]) -> None:
        def text(edit: QLineEdit | QPlainTextEdit, value: str) -> None:
            current = edit.text() if isinstance(edit, QLineEdit) else edit.toPlainText()
            if current != value:  # keeps the cursor and the field's own undo where nothing changed
                edit.setText(value) if isinstance(edit, QLineEdit) else edit.setPlainText(value)

        text(self.title_edit, v["title"])
        self._set_combo(self.type_combo, v["type_id"], self._name_of(self.choices.types, v["type_id"]))
        self._set_combo(
            self.severity_combo, v["severity_id"], self._name_of(self.choices.severities, v["severity_id"])
        )
        text(self.description, v["description"])
        text(self.immediate_actions, v["immediate_actions"])
        self.occurred.setDateTime(QDateTime.fromSecsSinceEpoch(int(v["occurred_at"])))
        self.reported.setDateTime(QDateTime.fromSecsSinceEpoch(int(v["reported_at"])))
        self._set_combo(self.site_combo, v["site_id"], self._name_of(self.choices.sites, v["site_id"]))
        self._fill_locations()
        self._set_combo(self.location_combo, v["location_id"])
        self._set_combo(
            self.customer_combo, v["customer_id"], self._name_of(self.choices.customers, v["customer_id"])
        )
        text(self.reporter_edit, v["reporter_name"])
        self._set_combo(
            self.assignee_combo, v["assignee_id"], self._name_of(self.choices.users, v["assignee_id"])
        )
        text(self.direct_cost, v["direct_cost"])
        text(self.indirect_cost, v["indirect_cost"])
        text(self.currency, v["currency"])
        self.satisfaction.setValue(v["satisfaction"] or 0)
        text(self.resolution_summary, v["resolution_summary"])
        whys = list(v["five_whys"]) + [""] * 5
        for edit, value in zip(self.whys, whys[:5], strict=True):
            text(edit, value)
        text(self.root_cause, v["root_cause"])
        text(self.lessons, v["lessons_learned"])
