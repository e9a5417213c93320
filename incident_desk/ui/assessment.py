"""The incident form's “Risk assessment” tab: hazards rated on the matrix, controls, actions, questions.

Thin: every change is one call into ``incident_desk.risk.service`` in its own transaction,
then the tab reloads from the database. Rules (who may edit, locking, overall risk) live there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import select

from incident_desk.actor import Actor
from incident_desk.db import Database
from incident_desk.errors import IncidentDeskError
from incident_desk.incidents import workflow
from incident_desk.incidents.models import Incident
from incident_desk.incidents.workflow import Status
from incident_desk.risk import service as risk
from incident_desk.risk.matrix import Matrix
from incident_desk.ui.matrix_grid import MatrixGrid, text_colour
from incident_desk.users.models import User
from incident_desk.users.roles import Role, allowed

Index = QModelIndex | QPersistentModelIndex


@dataclass
class Column:
    title: str
    value: Callable[[Any], Any]


class RowsModel(QAbstractTableModel):
    """A small read-only table over a list of objects (an incident has a handful of rows)."""

    def __init__(self, columns: list[Column], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.columns = columns
        self.rows: list[Any] = []
        self.colour: Callable[[Any, int], QColor | None] = lambda _r, _c: None
        self.background: Callable[[Any, int], QColor | None] = lambda _r, _c: None

    def set_rows(self, rows: list[Any]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            value = self.columns[index.column()].value(row)
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self.colour(row, index.column())
        if role == Qt.ItemDataRole.BackgroundRole:
            return self.background(row, index.column())
        if role == Qt.ItemDataRole.UserRole:
            return row
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].title
        return None


def make_table(model: RowsModel, stretch: int) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().hide()
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return view


def selected(view: QTableView) -> Any:
    rows = view.selectionModel().selectedRows() if view.selectionModel() else []
    return rows[0].data(Qt.ItemDataRole.UserRole) if rows else None


def chip(label: QLabel, text: str, colour: str | None) -> None:
    if colour:
        fg = text_colour(QColor(colour)).name()
        label.setStyleSheet(
            f"background: {colour}; color: {fg}; border-radius: 10px; padding: 3px 12px; font-weight: 600;"
        )
    else:
        label.setStyleSheet("background: #eceff1; color: #455a64; border-radius: 10px; padding: 3px 12px;")
    label.setText(text)


class ActionDialog(QDialog):
    """A new corrective or preventive action."""

    def __init__(
        self, users: list[tuple[int, str]], hazards: list[tuple[int, str]], parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.setWindowTitle("New action")
        form = QFormLayout(self)
        self.description = QPlainTextEdit()
        self.description.setFixedHeight(70)
        self.description.setPlaceholderText(
            "What will be done, e.g. “Fit anti-slip matting at every wash station”"
        )
        self.action_type = QComboBox()
        for value, label in risk.ACTION_TYPES.items():
            self.action_type.addItem(label, value)
        self.action_type.setCurrentIndex(1)
        self.owner = QComboBox()
        self.owner.setEditable(True)
        self.owner.lineEdit().setPlaceholderText("A user, or type a name")
        for uid, name in users:
            self.owner.addItem(name, uid)
        self.owner.setCurrentIndex(-1)
        self.due = QDateEdit(QDate.currentDate().addDays(14))
        self.due.setCalendarPopup(True)
        self.due.setDisplayFormat("yyyy-MM-dd")
        self.hazard = QComboBox()
        self.hazard.addItem("(the incident as a whole)", None)
        for hid, text in hazards:
            self.hazard.addItem(text[:60], hid)
        form.addRow("&Action", self.description)
        form.addRow("&Type", self.action_type)
        form.addRow("&Owner", self.owner)
        form.addRow("&Due", self.due)
        form.addRow("&Hazard", self.hazard)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> dict[str, Any]:
        text = self.owner.currentText().strip()
        index = self.owner.findText(text)
        owner_id = self.owner.itemData(index) if index >= 0 else None
        return dict(
            description=self.description.toPlainText().strip(),
            action_type=self.action_type.currentData(),
            owner_id=owner_id,
            owner_name="" if owner_id else text,
            due_date=self.due.date().toPython(),
            hazard_id=self.hazard.currentData(),
        )


class QuestionDialog(QDialog):
    """Ask somebody on the ground a question about the incident."""

    def __init__(self, users: list[tuple[int, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Request information")
        form = QFormLayout(self)
        self.person = QComboBox()
        self.person.setEditable(True)
        self.person.lineEdit().setPlaceholderText("A user, or type a name (e.g. “Night shift lead”)")
        for uid, name in users:
            self.person.addItem(name, uid)
        self.person.setCurrentIndex(-1)
        self.question = QPlainTextEdit()
        self.question.setFixedHeight(80)
        form.addRow("&Ask", self.person)
        form.addRow("&Question", self.question)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> dict[str, Any]:
        text = self.person.currentText().strip()
        index = self.person.findText(text)
        uid = self.person.itemData(index) if index >= 0 else None
        return dict(
            question=self.question.toPlainText().strip(),
            asked_of_user_id=uid,
            asked_of_name="" if uid else text,
        )


class AssessmentPanel(QWidget):
    """Risk assessment of one incident (the latest revision)."""

    title = "Risk assessment"
    changed = Signal()

    def __init__(self, db: Database, actor: Actor, incident_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.incident_id = incident_id
        self.view: risk.AssessmentView | None = None
        self.matrix: Matrix | None = None
        self.hazard_id: int | None = None
        self._shown_hazard_id: int | None = None
        self._saving = False
        self.incident_status = ""
        self.users: list[tuple[int, str]] = []
        self.may_assess = allowed(actor, "risk.assess")
        self.may_act = allowed(actor, "actions.manage")
        self._build()
        self.reload()

    # -- construction ----------------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        top = QHBoxLayout()
        self.summary_label = QLabel()
        self.summary_label.setObjectName("assessment_summary")
        self.summary_label.setTextFormat(Qt.TextFormat.RichText)
        top.addWidget(self.summary_label, 1)
        overall_label = QLabel("Overall risk:")
        overall_label.setContentsMargins(0, 4, 0, 0)
        top.addWidget(overall_label, 0, Qt.AlignmentFlag.AlignTop)
        self.overall_chip = QLabel()
        self.overall_chip.setObjectName("overall_chip")
        top.addWidget(self.overall_chip, 0, Qt.AlignmentFlag.AlignTop)
        self.start_button = QPushButton("Start assessment")
        self.submit_button = QPushButton("Submit for sign-off")
        self.submit_button.setObjectName("submit_assessment")
        self.revision_button = QPushButton("New revision")
        for b in (self.start_button, self.submit_button, self.revision_button):
            top.addWidget(b, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(top)
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setObjectName("assessment_notice")
        self.notice.setStyleSheet(
            "background: #fff4d6; border: 1px solid #e0b84c; border-radius: 4px; "
            "padding: 4px 8px; color: #4a3b00;"
        )
        layout.addWidget(self.notice)

        self.tabs = QTabWidget()
        layout.addWidget(self.tabs, 1)
        self.tabs.addTab(self._build_hazards(), "Hazards and controls")
        self.tabs.addTab(self._build_actions(), "Actions")
        self.tabs.addTab(self._build_questions(), "Questions")

        self.start_button.clicked.connect(self.start)
        self.submit_button.clicked.connect(self.submit)
        self.revision_button.clicked.connect(self.new_revision)

    def _build_hazards(self) -> QWidget:
        page = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 4, 0, 0)
        self.hazard_model = RowsModel(
            [
                Column("#", lambda h: h.position + 1),
                Column("Hazard", lambda h: h.description),
                Column(
                    "Inherent",
                    lambda h: f"{h.inherent_score} {h.inherent_band}" if h.inherent else "not rated",
                ),
                Column(
                    "Residual",
                    lambda h: f"{h.residual_score} {h.residual_band}" if h.residual else "not rated",
                ),
            ],
            self,
        )
        self.hazard_model.background = self._hazard_background
        self.hazard_model.colour = self._hazard_foreground
        self.hazard_table = make_table(self.hazard_model, 1)
        self.hazard_table.setObjectName("hazard_table")
        lv.addWidget(self.hazard_table, 1)
        add_row = QHBoxLayout()
        self.new_hazard = QLineEdit()
        self.new_hazard.setObjectName("new_hazard")
        self.new_hazard.setPlaceholderText("New hazard, e.g. “Slips on wet floor near the wash station”")
        self.add_hazard_button = QPushButton("Add hazard")
        self.remove_hazard_button = QPushButton("Remove")
        add_row.addWidget(self.new_hazard, 1)
        add_row.addWidget(self.add_hazard_button)
        add_row.addWidget(self.remove_hazard_button)
        lv.addLayout(add_row)
        self.assessment_summary = QPlainTextEdit()
        self.assessment_summary.setPlaceholderText(
            "Summary of the assessment (what was found, what is proposed)"
        )
        self.assessment_summary.setFixedHeight(64)
        lv.addWidget(QLabel("Summary"))
        lv.addWidget(self.assessment_summary)
        self.save_summary_button = QPushButton("Save summary")
        lv.addWidget(self.save_summary_button, 0, Qt.AlignmentFlag.AlignRight)
        page.addWidget(left)

        right = QWidget()
        self.detail = right
        grid = QGridLayout(right)
        grid.setContentsMargins(6, 4, 0, 0)
        self.description_edit = QPlainTextEdit()
        self.description_edit.setFixedHeight(48)
        self.existing_edit = QPlainTextEdit()
        self.existing_edit.setFixedHeight(48)
        self.existing_edit.setPlaceholderText("Controls already in place before the incident")
        self.save_hazard_button = QPushButton("Save hazard text")
        grid.addWidget(QLabel("<b>Hazard</b>"), 0, 0)
        grid.addWidget(QLabel("<b>Existing controls</b>"), 0, 1)
        grid.addWidget(self.description_edit, 1, 0)
        grid.addWidget(self.existing_edit, 1, 1)
        grid.addWidget(self.save_hazard_button, 2, 1, Qt.AlignmentFlag.AlignRight)
        self.inherent_label = QLabel()
        self.residual_label = QLabel()
        self.inherent_grid = MatrixGrid(compact=True)
        self.inherent_grid.setObjectName("inherent_grid")
        self.residual_grid = MatrixGrid(compact=True)
        self.residual_grid.setObjectName("residual_grid")
        for g in (self.inherent_grid, self.residual_grid):
            g.setMinimumSize(300, 220)
        grid.addWidget(self.inherent_label, 3, 0)
        grid.addWidget(self.residual_label, 3, 1)
        grid.addWidget(self.inherent_grid, 4, 0)
        grid.addWidget(self.residual_grid, 4, 1)
        grid.setRowStretch(4, 1)
        controls_box = QVBoxLayout()
        controls_box.addWidget(
            QLabel("<b>Added controls</b> — classified on the hierarchy of controls (most effective first)")
        )
        self.control_model = RowsModel(
            [
                Column("Control", lambda c: c.description),
                Column("Hierarchy", lambda c: risk.HIERARCHY.get(c.hierarchy, c.hierarchy)),
                Column("", lambda c: "existing" if c.existing else "new"),
            ],
            self,
        )
        self.control_table = make_table(self.control_model, 0)
        self.control_table.setObjectName("control_table")
        self.control_table.setMaximumHeight(130)
        controls_box.addWidget(self.control_table)
        add_control = QHBoxLayout()
        self.new_control = QLineEdit()
        self.new_control.setObjectName("new_control")
        self.new_control.setPlaceholderText("New control, e.g. “Anti-slip matting”")
        self.hierarchy_combo = QComboBox()
        self.hierarchy_combo.setObjectName("hierarchy_combo")
        for value, label in risk.HIERARCHY.items():
            self.hierarchy_combo.addItem(label, value)
        self.add_control_button = QPushButton("Add control")
        self.remove_control_button = QPushButton("Remove")
        add_control.addWidget(self.new_control, 1)
        add_control.addWidget(self.hierarchy_combo)
        add_control.addWidget(self.add_control_button)
        add_control.addWidget(self.remove_control_button)
        controls_box.addLayout(add_control)
        grid.addLayout(controls_box, 5, 0, 1, 2)
        page.addWidget(right)
        page.setStretchFactor(0, 2)
        page.setStretchFactor(1, 3)
        page.setSizes([420, 640])

        self.hazard_table.selectionModel().selectionChanged.connect(lambda *_: self._hazard_selected())
        self.add_hazard_button.clicked.connect(self.add_hazard)
        self.new_hazard.returnPressed.connect(self.add_hazard)
        self.remove_hazard_button.clicked.connect(self.remove_hazard)
        self.save_hazard_button.clicked.connect(self.save_hazard)
        self.save_summary_button.clicked.connect(self.save_summary)
        self.inherent_grid.cellClicked.connect(lambda lc, sc: self.rate("inherent", lc, sc))
        self.residual_grid.cellClicked.connect(lambda lc, sc: self.rate("residual", lc, sc))
        self.add_control_button.clicked.connect(self.add_control)
        self.new_control.returnPressed.connect(self.add_control)
        self.remove_control_button.clicked.connect(self.remove_control)
        return page

    def _build_actions(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        today = dt.date.today()
        self.action_model = RowsModel(
            [
                Column("Action", lambda a: a.description),
                Column("Type", lambda a: risk.ACTION_TYPES.get(a.action_type, a.action_type)),
                Column("Owner", lambda a: a.owner_name),
                Column("Due", lambda a: f"{a.due_date:%Y-%m-%d}" if a.due_date else ""),
                Column(
                    "Status",
                    lambda a: (
                        ("OVERDUE — " if risk.is_overdue(a, dt.date.today()) else "")
                        + risk.ACTION_STATUSES.get(a.status, a.status)
                    ),
                ),
                Column("Evidence / verification", lambda a: a.verification_note or a.evidence),
            ],
            self,
        )
        self.action_model.colour = lambda a, _c: (
            QColor("#b71c1c")
            if risk.is_overdue(a, dt.date.today())
            else (QColor("#2e7d32") if a.status == "verified" else None)
        )
        del today
        self.action_table = make_table(self.action_model, 0)
        self.action_table.setObjectName("action_table")
        v.addWidget(self.action_table, 1)
        row = QHBoxLayout()
        self.add_action_button = QPushButton("New action…")
        self.edit_action_button = QPushButton("Edit…")
        self.progress_button = QPushButton("In progress")
        self.done_button = QPushButton("Mark done…")
        self.verify_button = QPushButton("Verify…")
        self.cancel_action_button = QPushButton("Cancel action…")
        for b in (
            self.add_action_button,
            self.edit_action_button,
            self.progress_button,
            self.done_button,
            self.verify_button,
            self.cancel_action_button,
        ):
            row.addWidget(b)
        row.addStretch()
        self.overdue_label = QLabel()
        row.addWidget(self.overdue_label)
        v.addLayout(row)
        self.add_action_button.clicked.connect(self.add_action)
        self.edit_action_button.clicked.connect(self.edit_action)
        self.action_table.doubleClicked.connect(
            lambda _i: self.edit_action_button.isEnabled() and self.edit_action()
        )
        self.progress_button.clicked.connect(lambda: self._action_status("in_progress"))
        self.done_button.clicked.connect(lambda: self._action_status("done"))
        self.cancel_action_button.clicked.connect(lambda: self._action_status("cancelled"))
        self.verify_button.clicked.connect(self.verify_action)
        self.action_table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        return page

    def _build_questions(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        v.addWidget(QLabel("Questions to people on the ground; their answers are kept with the assessment."))
        self.question_model = RowsModel(
            [
                Column("Asked of", lambda q: q.asked_of_name),
                Column("Question", lambda q: q.question),
                Column("Asked", lambda q: f"{q.asked_at.astimezone():%Y-%m-%d %H:%M}"),
                Column("Answer", lambda q: q.answer or "(waiting for an answer)"),
            ],
            self,
        )
        self.question_model.colour = lambda q, c: QColor("#8d6e63") if c == 3 and not q.answer else None
        self.question_table = make_table(self.question_model, 3)
        self.question_table.setObjectName("question_table")
        v.addWidget(self.question_table, 1)
        row = QHBoxLayout()
        self.ask_button = QPushButton("Request information…")
        self.answer_button = QPushButton("Record answer…")
        row.addWidget(self.ask_button)
        row.addWidget(self.answer_button)
        row.addStretch()
        v.addLayout(row)
        self.ask_button.clicked.connect(self.ask)
        self.answer_button.clicked.connect(self.answer)
        self.question_table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        return page

    # -- loading ---------------------------------------------------------------------------------
    def reload(self) -> None:
        with self.db.reading() as s:
            incident = s.get(Incident, self.incident_id)
            if incident is None:
                return
            self.incident_status = incident.status
            self.reference = incident.reference
            self.priority = incident.priority
            self.response_due_at = incident.response_due_at
            self.view = risk.view(s, self.incident_id)
            self.actions = risk.actions_for(s, self.incident_id)
            self.questions = risk.info_requests_for(s, self.incident_id)
            self.users = [
                (u.id, u.full_name)
                for u in s.scalars(select(User).where(User.active.is_(True)).order_by(User.full_name))
            ]
        self.matrix = Matrix(self.view.definition) if self.view else None
        v = self.view
        if v is None:
            self.summary_label.setText(
                "<b>No risk assessment yet.</b>"
                + (
                    " Start one to add hazards and rate them on the organisation's matrix."
                    if self.incident_status in (Status.REPORTED, Status.ASSESSMENT)
                    else ""
                )
            )
            chip(self.overall_chip, "not rated", None)
        else:
            status = risk.ASSESSMENT_STATUSES.get(v.status, v.status)
            due = (
                f" · respond by {self.response_due_at.astimezone():%Y-%m-%d %H:%M}"
                if self.response_due_at
                else ""
            )
            self.summary_label.setText(
                f"<b>Revision {v.revision}</b> · {escape(status)}{' · locked' if v.locked else ''}<br>"
                f"<span style='color:#607d8b'>Rated on {escape(v.matrix_name)}, version {v.matrix_version}"
                f"{escape(due)}</span>"
            )
            band = self.matrix.band_by_name(v.overall_band) if self.matrix else None
            if band:
                try:
                    accept = Role(str(band.get("accept_role"))).label
                except ValueError:
                    accept = str(band.get("accept_role"))
                self.summary_label.setText(
                    self.summary_label.text()
                    + f"<br><b>{escape(str(band.get('name')))}</b>: {escape(str(band.get('response', '')))} "
                    f"<span style='color:#607d8b'>· may be accepted by: {escape(accept)}</span>"
                )
            chip(
                self.overall_chip,
                f"{v.overall_score} · {v.overall_band}" if v.overall_band else "not rated",
                str(band["colour"]) if band else None,
            )
            with_text = self.assessment_summary.toPlainText()
            if with_text != v.summary:
                self.assessment_summary.setPlainText(v.summary)
        problem = v.editable_problem if v else None
        self.notice.setText(problem or "")
        self.notice.setVisible(bool(problem))
        self.hazard_model.set_rows(v.hazards if v else [])
        for g in (self.inherent_grid, self.residual_grid):
            g.set_definition(v.definition if v else None)
        ids = [h.id for h in v.hazards] if v else []
        if self.hazard_id not in ids:
            self.hazard_id = ids[0] if ids else None
        if self.hazard_id is not None:
            self.hazard_table.selectRow(ids.index(self.hazard_id))
        self._hazard_selected()
        self.action_model.set_rows(self.actions)
        self.question_model.set_rows(self.questions)
        today = dt.date.today()
        overdue = sum(1 for a in self.actions if risk.is_overdue(a, today))
        open_ = sum(1 for a in self.actions if a.status not in ("verified", "cancelled"))
        self.tabs.setTabText(
            1, f"Actions ({len(self.actions)}" + (f", {overdue} overdue" if overdue else "") + ")"
        )
        self.tabs.setTabText(2, f"Questions ({len(self.questions)})")
        self.overdue_label.setText(
            f"<span style='color:#b71c1c'><b>{overdue} overdue</b></span> · {open_} not yet verified"
            if overdue
            else f"{open_} not yet verified"
            if open_
            else "All actions verified"
            if self.actions
            else ""
        )
        self._update_buttons()

    def _hazard(self) -> risk.HazardView | None:
        if self.view is None:
            return None
        return next((h for h in self.view.hazards if h.id == self.hazard_id), None)

    def _hazard_selected(self) -> None:
        row = selected(self.hazard_table)
        if row is not None and row.id != self._shown_hazard_id and not self._saving and self._unsaved_text():
            # Keep what was typed about the previous hazard before showing the next one.
            self.hazard_id = row.id
            self._saving = True
            try:
                self._run("Save hazard", lambda s: None)
            finally:
                self._saving = False
            return
        if row is not None:
            self.hazard_id = row.id
        h = self._hazard()
        self._shown_hazard_id = h.id if h else None
        self.description_edit.setPlainText(h.description if h else "")
        self.existing_edit.setPlainText(h.existing_controls if h else "")
        self.control_model.set_rows(h.controls if h else [])
        m = self.matrix
        for which, grid, label in (
            ("inherent", self.inherent_grid, self.inherent_label),
            ("residual", self.residual_grid, self.residual_label),
        ):
            cell = getattr(h, which) if h else None
            grid.set_selected(cell)
            grid.set_marks({cell: "I" if which == "inherent" else "R"} if cell else {})
            title = (
                "Inherent risk (before the added controls)"
                if which == "inherent"
                else "Residual risk (with the added controls)"
            )
            if h and cell and m:
                text = (
                    f"<b>{title}</b><br>{escape(m.cell_name(*cell))} = {getattr(h, which + '_score')} "
                    f"<b>{escape(str(getattr(h, which + '_band')))}</b>"
                )
            else:
                text = f"<b>{title}</b><br><span style='color:#607d8b'>Click a cell to rate</span>"
            label.setText(text)
        self._update_buttons()

    def _hazard_background(self, h: Any, column: int) -> QColor | None:
        if self.matrix is None or column not in (2, 3):
            return None
        band = self.matrix.band_by_name(h.inherent_band if column == 2 else h.residual_band)
        return QColor(str(band["colour"])).lighter(140) if band else None

    def _hazard_foreground(self, h: Any, column: int) -> QColor | None:
        if column in (2, 3) and not (h.inherent if column == 2 else h.residual):
            return QColor("#9e9e9e")
        return None

    def _update_buttons(self) -> None:
        v = self.view
        editable = bool(v and self.may_assess and v.editable_problem is None)
        has_hazard = self._hazard() is not None
        self.start_button.setVisible(v is None)
        self.start_button.setEnabled(
            self.may_assess
            and (
                self.incident_status == Status.ASSESSMENT
                or (
                    self.incident_status == Status.REPORTED
                    and allowed(self.actor, "workflow.start_assessment")
                )
            )
        )
        self.submit_button.setEnabled(
            editable
            and self.incident_status == Status.ASSESSMENT
            and bool(v and v.hazards)
            and allowed(self.actor, "workflow.submit")
        )
        self.revision_button.setVisible(bool(v and (v.locked or v.status in ("signed_off", "superseded"))))
        self.revision_button.setEnabled(self.may_assess)
        for w in (self.new_hazard, self.add_hazard_button, self.assessment_summary, self.save_summary_button):
            w.setEnabled(editable)
        for w in (
            self.remove_hazard_button,
            self.description_edit,
            self.existing_edit,
            self.save_hazard_button,
            self.new_control,
            self.hierarchy_combo,
            self.add_control_button,
        ):
            w.setEnabled(editable and has_hazard)
        self.remove_control_button.setEnabled(editable and selected(self.control_table) is not None)
        for g in (self.inherent_grid, self.residual_grid):
            g.set_interactive(editable and has_hazard)
        action = selected(self.action_table)
        closed = self.incident_status == Status.CLOSED
        self.add_action_button.setEnabled(self.may_act and not closed)
        live = action is not None and action.status not in ("verified", "cancelled")
        self.edit_action_button.setEnabled(self.may_act and live)
        self.progress_button.setEnabled(self.may_act and live and action.status == "open")
        self.done_button.setEnabled(self.may_act and live and action.status in ("open", "in_progress"))
        self.cancel_action_button.setEnabled(self.may_act and live)
        self.verify_button.setEnabled(
            allowed(self.actor, "actions.verify")
            and action is not None
            and action.status == "done"
            and action.owner_id != self.actor.user_id
        )
        self.ask_button.setEnabled(self.may_assess and not closed)
        question = selected(self.question_table)
        self.answer_button.setEnabled(
            question is not None
            and (
                self.may_assess
                or (question.asked_of_user_id is not None and question.asked_of_user_id == self.actor.user_id)
            )
        )

    # -- commands --------------------------------------------------------------------------------
    def _unsaved_text(self) -> list[Callable[[Any], Any]]:
        """Typed but unsaved hazard text and summary, as service calls to make first (a reload
        after any change would otherwise throw the typing away)."""
        calls: list[Callable[[Any], Any]] = []
        v = self.view
        if v is None or v.editable_problem is not None or not self.may_assess:
            return calls
        shown = next((h for h in v.hazards if h.id == self._shown_hazard_id), None)
        description = self.description_edit.toPlainText().strip()
        existing = self.existing_edit.toPlainText().strip()
        if (
            shown is not None
            and description
            and (description, existing) != (shown.description, shown.existing_controls)
        ):
            hid = shown.id
            calls.append(
                lambda s: risk.update_hazard(
                    s, self.actor, hid, description=description, existing_controls=existing
                )
            )
        summary = self.assessment_summary.toPlainText()
        if summary.strip() != v.summary.strip():
            calls.append(lambda s: risk.set_summary(s, self.actor, v.id, summary.strip()))
        return calls

    def _run(self, title: str, fn: Callable[[Any], Any]) -> bool:
        try:
            with self.db.transaction() as s:
                for save_first in self._unsaved_text():
                    save_first(s)
                fn(s)
        except IncidentDeskError as exc:
            QMessageBox.warning(self, title, str(exc))
            self.reload()
            return False
        self.reload()
        self.changed.emit()
        return True

    def start(self) -> None:
        if self.incident_status == Status.REPORTED:
            # One click for both: move the incident into Assessment, then open the assessment.
            form = self._form()
            if form is not None:
                if not form.run_transition("start_assessment"):
                    return
            elif not self._run(
                "Start assessment",
                lambda s: workflow.transition(
                    s, self.actor, s.get(Incident, self.incident_id), "start_assessment"
                ),
            ):
                return
        self._run("Start assessment", lambda s: risk.start(s, self.actor, self.incident_id))

    def submit(self) -> None:
        form = self._form()
        if form is not None:
            # The form saves its own unsaved edits first and then shows the new status; the
            # assessment is marked submitted by the workflow event (risk.subscribers).
            if form.run_transition("submit_for_signoff"):
                self.reload()
                self.changed.emit()
            return
        self._run("Submit for sign-off", lambda s: risk.submit(s, self.actor, self.incident_id))

    def new_revision(self) -> None:
        self._run("New revision", lambda s: risk.new_revision(s, self.actor, self.incident_id))

    def _form(self) -> Any:
        """The incident form this tab sits in, if any."""
        widget = self.parent()
        while widget is not None and not callable(getattr(widget, "run_transition", None)):
            widget = widget.parent()
        return widget

    def add_hazard(self) -> None:
        text = self.new_hazard.text().strip()
        if not text or self.view is None:
            return
        created: list[int] = []
        if self._run(
            "Add hazard", lambda s: created.append(risk.add_hazard(s, self.actor, self.view.id, text).id)
        ):
            self.new_hazard.clear()
            self.hazard_id = created[0]
            self.reload()

    def remove_hazard(self) -> None:
        h = self._hazard()
        if h is None:
            return
        if (
            QMessageBox.question(
                self, "Remove hazard", f"Remove the hazard “{h.description[:60]}” and its controls?"
            )
            != QMessageBox.StandardButton.Yes
        ):
            return
        self._run("Remove hazard", lambda s: risk.remove_hazard(s, self.actor, h.id))

    def save_hazard(self) -> None:
        h = self._hazard()
        if h is not None:
            self._run(
                "Save hazard",
                lambda s: risk.update_hazard(
                    s,
                    self.actor,
                    h.id,
                    description=self.description_edit.toPlainText(),
                    existing_controls=self.existing_edit.toPlainText(),
                ),
            )

    def save_summary(self) -> None:
        if self.view is not None:
            text = self.assessment_summary.toPlainText()
            self._run("Save summary", lambda s: risk.set_summary(s, self.actor, self.view.id, text))

    def rate(self, which: str, likelihood: str, severity: str) -> None:
        h = self._hazard()
        if h is not None:
            self._run(
                "Rate hazard", lambda s: risk.rate_hazard(s, self.actor, h.id, which, likelihood, severity)
            )

    def add_control(self) -> None:
        h = self._hazard()
        text = self.new_control.text().strip()
        if h is None or not text:
            return
        level = self.hierarchy_combo.currentData()
        if self._run("Add control", lambda s: risk.add_control(s, self.actor, h.id, text, level)):
            self.new_control.clear()

    def remove_control(self) -> None:
        c = selected(self.control_table)
        if c is not None:
            self._run("Remove control", lambda s: risk.remove_control(s, self.actor, c.id))

    def edit_action(self) -> None:
        a = selected(self.action_table)
        if a is None:
            return
        hazards = [(h.id, h.description) for h in self.view.hazards] if self.view else []
        dialog = ActionDialog(self.users, hazards, self)
        dialog.setWindowTitle("Edit action")
        dialog.description.setPlainText(a.description)
        dialog.action_type.setCurrentIndex(max(0, dialog.action_type.findData(a.action_type)))
        dialog.owner.setCurrentText(a.owner_name)
        if a.due_date:
            dialog.due.setDate(QDate(a.due_date.year, a.due_date.month, a.due_date.day))
        dialog.hazard.setEnabled(False)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        values = dialog.values()
        values.pop("hazard_id")
        self._run("Edit action", lambda s: risk.update_action(s, self.actor, a.id, **values))

    def add_action(self) -> None:
        hazards = [(h.id, h.description) for h in self.view.hazards] if self.view else []
        dialog = ActionDialog(self.users, hazards, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        values = dialog.values()
        self._run("New action", lambda s: risk.add_action(s, self.actor, self.incident_id, **values))

    def _action_status(self, status: str) -> None:
        a = selected(self.action_table)
        if a is None:
            return
        evidence = note = ""
        if status == "done":
            evidence, ok = QInputDialog.getMultiLineText(
                self, "Mark done", "What was done (evidence)?", a.evidence
            )
            if not ok:
                return
        elif status == "cancelled":
            note, ok = QInputDialog.getMultiLineText(
                self, "Cancel action", "Why is the action no longer needed?"
            )
            if not ok:
                return
        self._run(
            "Action",
            lambda s: risk.set_action_status(s, self.actor, a.id, status, evidence=evidence, note=note),
        )

    def verify_action(self) -> None:
        a = selected(self.action_table)
        if a is None:
            return
        note, ok = QInputDialog.getMultiLineText(
            self, "Verify action", f"How did you check that “{a.description[:50]}” works?"
        )
        if ok:
            self._run("Verify action", lambda s: risk.verify_action(s, self.actor, a.id, note))

    def ask(self) -> None:
        dialog = QuestionDialog(self.users, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        values = dialog.values()
        self._run(
            "Request information", lambda s: risk.request_info(s, self.actor, self.incident_id, **values)
        )

    def answer(self) -> None:
        q = selected(self.question_table)
        if q is None:
            return
        text, ok = QInputDialog.getMultiLineText(
            self, "Record answer", f"{q.asked_of_name} was asked:\n“{q.question}”\n\nTheir answer:", q.answer
        )
        if ok:
            self._run("Record answer", lambda s: risk.answer_info(s, self.actor, q.id, text))
