"""The risk-matrix editor screen: the matrix as printed, edited in place, with bands, live checks and undo.

Editing works on a copy of the latest version's definition; “Save as new version” stores it
through the core (versions are never changed in place). Every change goes through ``_apply``,
which keeps the undo stack, so typing in one field is one undo step.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, QSignalBlocker, Qt
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from incident_desk.actor import Actor
from incident_desk.db import Database
from incident_desk.errors import IncidentDeskError, ValidationError
from incident_desk.risk import matrices
from incident_desk.risk import matrix as mx
from incident_desk.ui.matrix_grid import MatrixGrid
from incident_desk.users.roles import ROLE_LABELS, Role, allowed

ROLE_CHOICES = [(r.value, ROLE_LABELS[r]) for r in (Role.OFFICER, Role.MANAGER, Role.ADMIN)]
NO_LIMIT = -1  # spin box value shown as "none" for an open-ended score range


def swatch(colour: str, size: int = 14) -> QIcon:
    pm = QPixmap(size, size)
    pm.fill(QColor(colour))
    return QIcon(pm)


class LevelEditor(QFrame):
    """Edits one level where its header is drawn on the grid."""

    def __init__(self, editor: RiskMatrixEditor) -> None:
        super().__init__(editor.grid)
        self.editor = editor
        self.axis = "likelihood"
        self.index = 0
        self.setObjectName("level_editor")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setStyleSheet(
            "#level_editor { background: palette(window); border: 1px solid #1565c0; border-radius: 4px; }"
        )
        form = QFormLayout(self)
        form.setContentsMargins(8, 8, 8, 8)
        self.title = QLabel()
        self.label = QLineEdit()
        self.label.setObjectName("level_label")
        self.code = QLineEdit()
        self.code.setObjectName("level_code")
        self.code.setMaxLength(20)
        self.value = QSpinBox()
        self.value.setRange(0, 1000)
        self.descriptor = QPlainTextEdit()
        self.descriptor.setFixedHeight(54)
        self.descriptor.setObjectName("level_descriptor")
        buttons = QHBoxLayout()
        self.remove = QPushButton("Remove level")
        self.done = QPushButton("Done")
        self.done.setDefault(True)
        buttons.addWidget(self.remove)
        buttons.addStretch()
        buttons.addWidget(self.done)
        form.addRow(self.title)
        form.addRow("&Label", self.label)
        form.addRow("&Code", self.code)
        form.addRow("&Value", self.value)
        form.addRow("&Descriptor", self.descriptor)
        form.addRow(buttons)
        self.label.textEdited.connect(lambda t: self._set("label", t))
        self.code.textEdited.connect(self._set_code)
        self.value.valueChanged.connect(lambda v: self._set("value", v))
        self.descriptor.textChanged.connect(lambda: self._set("descriptor", self.descriptor.toPlainText()))
        self.label.returnPressed.connect(self.hide)
        self.done.clicked.connect(self.hide)
        self.remove.clicked.connect(self._remove)
        self.hide()

    def open(self, axis: str, index: int) -> None:
        self.axis, self.index = axis, index
        self.load()
        rect = self.editor.grid.header_rect(axis, index)
        self.adjustSize()
        self.resize(max(280, self.sizeHint().width()), self.sizeHint().height())
        x = min(max(0, rect.left()), max(0, self.editor.grid.width() - self.width()))
        y = min(max(0, rect.top()), max(0, self.editor.grid.height() - self.height()))
        self.move(x, y)
        self.show()
        self.raise_()
        self.label.setFocus()
        self.label.selectAll()

    def load(self) -> None:
        levels = self.editor.definition.get(self.axis) or []
        if self.index >= len(levels):
            self.hide()
            return
        level = levels[self.index]
        title = self.editor.definition.get(f"{self.axis}_title") or self.axis.title()
        self.title.setText(f"<b>{title} level {self.index + 1}</b>")
        for widget, value in ((self.label, level.get("label", "")), (self.code, level.get("code", ""))):
            with QSignalBlocker(widget):
                widget.setText(str(value))
        with QSignalBlocker(self.value):
            self.value.setValue(int(level.get("value", 0) or 0))
        with QSignalBlocker(self.descriptor):
            self.descriptor.setPlainText(str(level.get("descriptor", "")))
        self.remove.setEnabled(len(levels) > mx.MIN_LEVELS)

    def _set(self, key: str, value: Any) -> None:
        d = copy.deepcopy(self.editor.definition)
        d[self.axis][self.index][key] = value
        self.editor._apply(d, key=f"{self.axis}:{self.index}:{key}")

    def _set_code(self, code: str) -> None:
        d = mx.rename_code(self.editor.definition, self.axis, self.index, code)
        self.editor._apply(d, key=f"{self.axis}:{self.index}:code")

    def _remove(self) -> None:
        self.hide()
        self.editor.remove_level(self.axis, self.index)


class CellEditor(QFrame):
    """Overrides one cell's score or band, over the cell itself."""

    def __init__(self, editor: RiskMatrixEditor) -> None:
        super().__init__(editor.grid)
        self.editor = editor
        self.cell: tuple[str, str] = ("", "")
        self.setObjectName("cell_editor")
        self.setAutoFillBackground(True)
        self.setStyleSheet(
            "#cell_editor { background: palette(window); border: 1px solid #1565c0; border-radius: 4px; }"
        )
        form = QFormLayout(self)
        form.setContentsMargins(8, 8, 8, 8)
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.default_score = QCheckBox()
        self.default_score.setObjectName("cell_default_score")
        self.score = QSpinBox()
        self.score.setObjectName("cell_score")
        self.score.setRange(0, 10000)
        self.band = QComboBox()
        self.band.setObjectName("cell_band")
        self.done = QPushButton("Done")
        form.addRow(self.title)
        form.addRow(self.default_score)
        form.addRow("&Score", self.score)
        form.addRow("&Band", self.band)
        form.addRow(self.done)
        self.default_score.toggled.connect(self._changed)
        self.score.valueChanged.connect(self._changed)
        self.band.currentIndexChanged.connect(self._changed)
        self.done.clicked.connect(self.hide)
        self.hide()

    def open(self, likelihood: str, severity: str) -> None:
        self.cell = (likelihood, severity)
        self.load()
        rect = self.editor.grid.cell_rect(likelihood, severity)
        self.adjustSize()
        self.resize(max(250, self.sizeHint().width()), self.sizeHint().height())
        # Beside the cell (left of it when there is room), so the cell stays visible while editing.
        grid_w, grid_h = self.editor.grid.width(), self.editor.grid.height()
        x = rect.left() - self.width() - 6 if rect.left() - self.width() - 6 >= 0 else rect.right() + 6
        x = min(max(0, x), max(0, grid_w - self.width()))
        y = min(max(0, rect.top()), max(0, grid_h - self.height()))
        self.move(x, y)
        self.show()
        self.raise_()

    def load(self) -> None:
        d = self.editor.definition
        m = mx.Matrix(d)
        lc, sc = self.cell
        try:
            default = m.default_score(lc, sc)
            name = m.cell_name(lc, sc)
        except IncidentDeskError:
            self.hide()
            return
        score, band = mx.cell_overrides(d, lc, sc)
        self.title.setText(f"<b>{name}</b>")
        with QSignalBlocker(self.default_score):
            self.default_score.setText(f"Default score ({default})")
            self.default_score.setChecked(score is None)
        with QSignalBlocker(self.score):
            self.score.setValue(score if score is not None else default)
            self.score.setEnabled(score is not None)
        with QSignalBlocker(self.band):
            self.band.clear()
            self.band.addItem("By score range", None)
            for b in d.get("bands") or []:
                self.band.addItem(
                    swatch(str(b.get("colour", "#999999"))), str(b.get("name", "")), b.get("name")
                )
            index = self.band.findData(band) if band is not None else 0
            self.band.setCurrentIndex(max(0, index))

    def _changed(self) -> None:
        self.score.setEnabled(not self.default_score.isChecked())
        score = None if self.default_score.isChecked() else self.score.value()
        band = self.band.currentData()
        d = mx.set_cell(self.editor.definition, *self.cell, score=score, band=band)
        self.editor._apply(d, key=f"cell:{self.cell}")


class BandPanel(QGroupBox):
    """The bands, highest risk first, and a form for the selected one."""

    def __init__(self, editor: RiskMatrixEditor) -> None:
        super().__init__("Bands")
        self.editor = editor
        layout = QVBoxLayout(self)
        self.list = QListWidget()
        self.list.setObjectName("band_list")
        self.list.setMaximumHeight(150)
        layout.addWidget(self.list)
        row = QHBoxLayout()
        self.add = QPushButton("Add band")
        self.remove_button = QPushButton("Remove")
        self.up = QPushButton("Higher")
        self.down = QPushButton("Lower")
        self.up.setToolTip("Move the band up the list (a higher risk)")
        self.down.setToolTip("Move the band down the list (a lower risk)")
        for b in (self.add, self.remove_button, self.up, self.down):
            row.addWidget(b)
        layout.addLayout(row)
        form = QFormLayout()
        self.name = QLineEdit()
        self.name.setObjectName("band_name")
        self.colour = QPushButton()
        self.colour.setObjectName("band_colour")
        self.min_score = QSpinBox()
        self.max_score = QSpinBox()
        for spin in (self.min_score, self.max_score):
            spin.setRange(NO_LIMIT, 10000)
            spin.setSpecialValueText("none")
        self.response = QPlainTextEdit()
        self.response.setFixedHeight(52)
        self.response.setObjectName("band_response")
        self.hours = QSpinBox()
        self.hours.setRange(0, 24 * 365)
        self.hours.setSuffix(" h")
        self.accept = QComboBox()
        self.signoff_role = QComboBox()
        for combo in (self.accept, self.signoff_role):
            for value, label in ROLE_CHOICES:
                combo.addItem(label, value)
        self.signoffs = QSpinBox()
        self.signoffs.setRange(1, mx.MAX_SIGNOFFS)
        scores = QHBoxLayout()
        scores.addWidget(self.min_score)
        scores.addWidget(QLabel("to"))
        scores.addWidget(self.max_score)
        form.addRow("&Name", self.name)
        form.addRow("Colo&ur", self.colour)
        form.addRow("Score range", scores)
        form.addRow("Required &response", self.response)
        form.addRow("Respond &within", self.hours)
        form.addRow("Who may &accept", self.accept)
        form.addRow("Sign-offs &needed", self.signoffs)
        form.addRow("Signed off &by", self.signoff_role)
        layout.addLayout(form)
        self.cells_note = QLabel()
        self.cells_note.setWordWrap(True)
        self.cells_note.setStyleSheet("color: palette(mid);")
        layout.addWidget(self.cells_note)
        layout.addStretch()

        self.list.currentRowChanged.connect(lambda _r: self.load_form())
        self.add.clicked.connect(self._add)
        self.remove_button.clicked.connect(self._remove)
        self.up.clicked.connect(lambda: self._move(+1))
        self.down.clicked.connect(lambda: self._move(-1))
        self.name.textEdited.connect(self._rename)
        self.colour.clicked.connect(self.pick_colour)
        self.min_score.valueChanged.connect(lambda v: self._set("min_score", None if v == NO_LIMIT else v))
        self.max_score.valueChanged.connect(lambda v: self._set("max_score", None if v == NO_LIMIT else v))
        self.response.textChanged.connect(lambda: self._set("response", self.response.toPlainText()))
        self.hours.valueChanged.connect(lambda v: self._set("response_hours", v))
        self.accept.currentIndexChanged.connect(
            lambda _i: self._set("accept_role", self.accept.currentData())
        )
        self.signoff_role.currentIndexChanged.connect(
            lambda _i: self._set("signoff_role", self.signoff_role.currentData())
        )
        self.signoffs.valueChanged.connect(lambda v: self._set("signoffs_required", v))

    # The list shows the highest band first; the definition stores the lowest first.
    def band_index(self) -> int | None:
        row = self.list.currentRow()
        bands = self.editor.definition.get("bands") or []
        return len(bands) - 1 - row if 0 <= row < len(bands) else None

    def select_band(self, index: int) -> None:
        bands = self.editor.definition.get("bands") or []
        self.list.setCurrentRow(len(bands) - 1 - index)

    def load(self) -> None:
        bands = self.editor.definition.get("bands") or []
        current = self.band_index()
        with QSignalBlocker(self.list):
            self.list.clear()
            for b in reversed(bands):
                lo, hi = b.get("min_score"), b.get("max_score")
                rng = (
                    ""
                    if lo is None and hi is None
                    else f"  ({lo if lo is not None else '…'}–{hi if hi is not None else '…'})"
                )
                cells = len(b.get("cells") or [])
                extra = f"  + {cells} cell{'s' if cells != 1 else ''}" if cells else ""
                QListWidgetItem(
                    swatch(str(b.get("colour", "#999999")), 16), f"{b.get('name', '')}{rng}{extra}", self.list
                )
            if bands:
                index = current if current is not None and current < len(bands) else len(bands) - 1
                self.list.setCurrentRow(len(bands) - 1 - index)
        self.load_form()

    def load_form(self) -> None:
        i = self.band_index()
        editable = self.editor.editable
        has = i is not None
        for w in (
            self.name,
            self.colour,
            self.min_score,
            self.max_score,
            self.response,
            self.hours,
            self.accept,
            self.signoff_role,
            self.signoffs,
            self.remove_button,
            self.up,
            self.down,
        ):
            w.setEnabled(has and editable)
        self.add.setEnabled(editable)
        if i is None:
            return
        b = self.editor.definition["bands"][i]
        widgets: list[Any] = [
            self.name,
            self.min_score,
            self.max_score,
            self.response,
            self.hours,
            self.accept,
            self.signoff_role,
            self.signoffs,
        ]
        blockers = [QSignalBlocker(w) for w in widgets]
        self.name.setText(str(b.get("name", "")))
        self.min_score.setValue(NO_LIMIT if b.get("min_score") is None else int(b["min_score"]))
        self.max_score.setValue(NO_LIMIT if b.get("max_score") is None else int(b["max_score"]))
        if self.response.toPlainText() != str(b.get("response", "")):
            self.response.setPlainText(str(b.get("response", "")))
        self.hours.setValue(int(b.get("response_hours") or 0))
        self.accept.setCurrentIndex(max(0, self.accept.findData(b.get("accept_role"))))
        self.signoff_role.setCurrentIndex(max(0, self.signoff_role.findData(b.get("signoff_role"))))
        self.signoffs.setValue(int(b.get("signoffs_required") or 1))
        del blockers
        colour = str(b.get("colour", "#999999"))
        self.colour.setText(colour)
        self.colour.setIcon(swatch(colour, 16))
        n = len(b.get("cells") or [])
        self.cells_note.setText(
            f"{n} cell{'s are' if n != 1 else ' is'} assigned to this band by hand "
            "(click a cell in the matrix to change it)."
            if n
            else ""
        )
        self.up.setEnabled(editable and i < len(self.editor.definition["bands"]) - 1)
        self.down.setEnabled(editable and i > 0)

    def _set(self, key: str, value: Any) -> None:
        i = self.band_index()
        if i is None:
            return
        d = copy.deepcopy(self.editor.definition)
        d["bands"][i][key] = value
        self.editor._apply(d, key=f"band:{i}:{key}")

    def _rename(self, name: str) -> None:
        i = self.band_index()
        if i is not None:
            self._set("name", name)

    def pick_colour(self) -> None:
        i = self.band_index()
        if i is None:
            return
        current = QColor(str(self.editor.definition["bands"][i].get("colour", "#999999")))
        colour = QColorDialog.getColor(current, self, "Band colour")
        if colour.isValid():
            self._set("colour", colour.name())

    def _add(self) -> None:
        d = copy.deepcopy(self.editor.definition)
        lo, hi = mx.score_range(d)
        d.setdefault("bands", []).append(
            {
                "name": f"Band {len(d['bands']) + 1}",
                "colour": "#7e57c2",
                "min_score": None,
                "max_score": None,
                "cells": [],
                "response": "",
                "response_hours": 24,
                "accept_role": "manager",
                "signoffs_required": 1,
                "signoff_role": "manager",
            }
        )
        self.editor._apply(d)
        self.select_band(len(d["bands"]) - 1)
        self.name.setFocus()
        del lo, hi

    def _remove(self) -> None:
        i = self.band_index()
        if i is None:
            return
        d = copy.deepcopy(self.editor.definition)
        d["bands"].pop(i)
        self.editor._apply(d)

    def _move(self, delta: int) -> None:
        i = self.band_index()
        if i is None:
            return
        d = copy.deepcopy(self.editor.definition)
        j = i + delta
        if not 0 <= j < len(d["bands"]):
            return
        d["bands"][i], d["bands"][j] = d["bands"][j], d["bands"][i]
        self.editor._apply(d)
        self.select_band(j)


class RiskMatrixEditor(QWidget):
    """The “Risk matrices” screen."""

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.may_edit = allowed(actor, "risk.matrix.edit")
        self.matrix_id: int | None = None
        self.version_number = 0
        self.latest_number = 0
        self.definition: dict[str, Any] = {}
        self.saved: dict[str, Any] = {}
        self.undo_stack: list[dict[str, Any]] = []
        self.redo_stack: list[dict[str, Any]] = []
        self._last_key: str | None = None
        self.problems: list[mx.Problem] = []
        self._build()
        self.reload()

    # -- construction ----------------------------------------------------------------------------
    def _build(self) -> None:
        outer = QHBoxLayout(self)
        outer.setContentsMargins(8, 8, 8, 8)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        outer.addWidget(splitter)

        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(QLabel("<b>Matrices</b>"))
        self.matrix_list = QListWidget()
        self.matrix_list.setObjectName("matrix_list")
        self.matrix_list.setSpacing(3)
        self.matrix_list.setWordWrap(True)
        lv.addWidget(self.matrix_list, 1)
        self.set_active_button = QPushButton("Set &active")
        self.duplicate_button = QPushButton("D&uplicate")
        self.import_button = QPushButton("&Import…")
        self.export_button = QPushButton("E&xport…")
        grid_buttons = QHBoxLayout()
        grid_buttons.addWidget(self.set_active_button)
        grid_buttons.addWidget(self.duplicate_button)
        lv.addLayout(grid_buttons)
        io_buttons = QHBoxLayout()
        io_buttons.addWidget(self.import_button)
        io_buttons.addWidget(self.export_button)
        lv.addLayout(io_buttons)
        splitter.addWidget(left)

        centre = QWidget()
        cv = QVBoxLayout(centre)
        cv.setContentsMargins(4, 0, 4, 0)
        self.heading = QLabel()
        self.heading.setObjectName("matrix_heading")
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.heading.setWordWrap(True)
        cv.addWidget(self.heading)
        head = QHBoxLayout()
        self.version_combo = QComboBox()
        self.version_combo.setObjectName("version_combo")
        self.version_combo.setToolTip(
            "Earlier versions are shown read-only, as assessments rated on them see them"
        )
        head.addWidget(self.version_combo)
        head.addStretch()
        self.undo_button = QPushButton("Undo")
        self.redo_button = QPushButton("Redo")
        self.save_button = QPushButton("&Save as new version")
        self.save_button.setObjectName("save_button")
        for b in (self.undo_button, self.redo_button, self.save_button):
            head.addWidget(b)
        cv.addLayout(head)
        meta = QFormLayout()
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("matrix_name")
        self.description_edit = QLineEdit()
        titles = QHBoxLayout()
        self.likelihood_title = QLineEdit()
        self.severity_title = QLineEdit()
        titles.addWidget(QLabel("Rows:"))
        titles.addWidget(self.likelihood_title)
        titles.addWidget(QLabel("Columns:"))
        titles.addWidget(self.severity_title)
        meta.addRow("&Name", self.name_edit)
        meta.addRow("Description", self.description_edit)
        meta.addRow("Axis titles", titles)
        cv.addLayout(meta)
        self.grid = MatrixGrid()
        self.grid.setObjectName("matrix_grid")
        self.grid.set_show_overrides(True)
        self.grid.setMinimumHeight(320)
        cv.addWidget(self.grid, 1)
        self.hint = hint = QLabel(
            "Click a level's name to edit it; click a cell to override its score or band. "
            "A folded corner marks a cell whose score or band is set by hand."
        )
        hint.setStyleSheet("color: palette(mid);")
        hint.setWordWrap(True)
        cv.addWidget(hint)
        levels = QHBoxLayout()
        self.add_row_button = QPushButton("Add &row (likelihood level)")
        self.add_column_button = QPushButton("Add co&lumn (severity level)")
        levels.addWidget(self.add_row_button)
        levels.addWidget(self.add_column_button)
        levels.addStretch()
        cv.addLayout(levels)
        self.status = QLabel()
        self.status.setObjectName("validation_status")
        cv.addWidget(self.status)
        self.problem_list = QListWidget()
        self.problem_list.setObjectName("problem_list")
        self.problem_list.setMaximumHeight(96)
        cv.addWidget(self.problem_list)
        splitter.addWidget(centre)

        self.bands = BandPanel(self)
        self.bands.setMinimumWidth(300)
        splitter.addWidget(self.bands)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setStretchFactor(2, 0)
        splitter.setSizes([230, 760, 330])

        self.level_editor = LevelEditor(self)
        self.cell_editor = CellEditor(self)

        self.matrix_list.currentRowChanged.connect(self._matrix_chosen)
        self.version_combo.currentIndexChanged.connect(self._version_chosen)
        self.grid.headerClicked.connect(self._header_clicked)
        self.grid.cellClicked.connect(self._cell_clicked)
        self.add_row_button.clicked.connect(lambda: self.add_level("likelihood"))
        self.add_column_button.clicked.connect(lambda: self.add_level("severity"))
        self.undo_button.clicked.connect(self.edit_undo)
        self.redo_button.clicked.connect(self.edit_redo)
        self.save_button.clicked.connect(self.save)
        self.set_active_button.clicked.connect(self.set_active)
        self.duplicate_button.clicked.connect(self.duplicate)
        self.import_button.clicked.connect(self.import_file)
        self.export_button.clicked.connect(self.export_file)
        self.problem_list.itemActivated.connect(self._problem_activated)
        self.problem_list.itemClicked.connect(self._problem_activated)
        for edit, key in (
            (self.name_edit, "name"),
            (self.description_edit, "description"),
            (self.likelihood_title, "likelihood_title"),
            (self.severity_title, "severity_title"),
        ):
            edit.textEdited.connect(lambda text, k=key: self._set_top(k, text))

    # -- loading ---------------------------------------------------------------------------------
    @property
    def editable(self) -> bool:
        return self.may_edit and self.matrix_id is not None and self.version_number == self.latest_number

    def reload(self, select_id: int | None = None) -> None:
        with self.db.reading() as s:
            self.summaries = matrices.list_matrices(s)
        select_id = select_id or self.matrix_id
        with QSignalBlocker(self.matrix_list):
            self.matrix_list.clear()
            for m in self.summaries:
                text = (
                    f"{m.name}\n    {m.size} · version {m.version}"
                    + (" · active" if m.active else "")
                    + (" · in use" if m.in_use else "")
                )
                item = QListWidgetItem(text, self.matrix_list)
                item.setData(Qt.ItemDataRole.UserRole, m.id)
                if m.active:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
        ids = [m.id for m in self.summaries]
        row = (
            ids.index(select_id)
            if select_id in ids
            else next((i for i, m in enumerate(self.summaries) if m.active), 0)
        )
        if self.summaries:
            self.matrix_list.setCurrentRow(row)
            self._load_matrix(ids[row])

    def _matrix_chosen(self, row: int) -> None:
        if row < 0 or row >= len(self.summaries):
            return
        matrix_id = self.summaries[row].id
        if matrix_id == self.matrix_id:
            return
        if not self.can_close():
            with QSignalBlocker(self.matrix_list):
                self.matrix_list.setCurrentRow([m.id for m in self.summaries].index(self.matrix_id))
            return
        self._load_matrix(matrix_id)

    def _load_matrix(self, matrix_id: int, version_number: int | None = None) -> None:
        with self.db.reading() as s:
            versions = matrices.versions(s, matrix_id)
            chosen = next((v for v in versions if v.number == version_number), versions[-1])
            self.matrix_id = matrix_id
            self.latest_number = versions[-1].number
            self.version_number = chosen.number
            self.definition = mx.normalise(chosen.definition)
            self.saved = copy.deepcopy(self.definition)
            in_use = {v.number: matrices.version_in_use(s, v.id) for v in versions}
            with QSignalBlocker(self.version_combo):
                self.version_combo.clear()
                for v in reversed(versions):
                    label = (
                        f"Version {v.number}"
                        + (" (latest)" if v.number == self.latest_number else "")
                        + (" · used" if in_use[v.number] else "")
                    )
                    self.version_combo.addItem(label, v.number)
                self.version_combo.setCurrentIndex(self.version_combo.findData(self.version_number))
        self.undo_stack.clear()
        self.redo_stack.clear()
        self._last_key = None
        self.level_editor.hide()
        self.cell_editor.hide()
        self._refresh()

    def _version_chosen(self, index: int) -> None:
        number = self.version_combo.itemData(index)
        if number is None or self.matrix_id is None or number == self.version_number:
            return
        if not self.can_close():
            with QSignalBlocker(self.version_combo):
                self.version_combo.setCurrentIndex(self.version_combo.findData(self.version_number))
            return
        self._load_matrix(self.matrix_id, number)

    # -- changes ---------------------------------------------------------------------------------
    def _apply(self, definition: dict[str, Any], key: str | None = None) -> None:
        """Make ``definition`` current. Consecutive changes with the same ``key`` are one undo step."""
        if not self.editable:
            return
        if key is None or key != self._last_key:
            self.undo_stack.append(self.definition)
            self.redo_stack.clear()
        self._last_key = key
        self.definition = definition
        self._refresh(full=key is None)

    def _set_top(self, key: str, text: str) -> None:
        d = copy.deepcopy(self.definition)
        d[key] = text
        self._apply(d, key=f"top:{key}")

    def add_level(self, axis: str) -> None:
        try:
            self._apply(mx.add_level(self.definition, axis))
        except IncidentDeskError as exc:
            QMessageBox.warning(self, "Risk matrix", str(exc))
            return
        levels = self.definition[axis]
        self.level_editor.open(axis, len(levels) - 1)

    def remove_level(self, axis: str, index: int) -> None:
        try:
            self._apply(mx.remove_level(self.definition, axis, index))
        except IncidentDeskError as exc:
            QMessageBox.warning(self, "Risk matrix", str(exc))

    def edit_undo(self) -> None:
        if self.undo_stack:
            self.redo_stack.append(self.definition)
            self.definition = self.undo_stack.pop()
            self._last_key = None
            self._refresh()

    def edit_redo(self) -> None:
        if self.redo_stack:
            self.undo_stack.append(self.definition)
            self.definition = self.redo_stack.pop()
            self._last_key = None
            self._refresh()

    def is_dirty(self) -> bool:
        return self.editable and self.definition != self.saved

    # -- display ---------------------------------------------------------------------------------
    def _refresh(self, *, full: bool = True) -> None:
        d = self.definition
        self.problems = mx.validate(mx.normalise(d))
        self.grid.set_definition(d)
        self.grid.set_problem_cells(
            {tuple(p.where[5:].split("|", 1)) for p in self.problems if p.where.startswith("cell:")}
        )  # type: ignore[misc]
        self.grid.set_interactive(self.editable)
        summary = next((m for m in self.summaries if m.id == self.matrix_id), None)
        state = []
        if summary and summary.active:
            state.append("<span style='color:#2e7d32'>● active</span>")
        if self.version_number != self.latest_number:
            state.append("<span style='color:#b26a00'>earlier version, read-only</span>")
        elif not self.may_edit:
            state.append("read-only: editing needs the Manager or Administrator role")
        if self.is_dirty():
            state.append("<span style='color:#b26a00'>unsaved changes</span>")
        self.heading.setText(
            f"<span style='font-size:14pt; font-weight:600'>{d.get('name', '')}</span>"
            f"&nbsp;&nbsp;<span style='color:#607d8b'>version {self.version_number}</span>"
            + ("&nbsp;&nbsp;" + " · ".join(state) if state else "")
        )
        for edit, key in (
            (self.name_edit, "name"),
            (self.description_edit, "description"),
            (self.likelihood_title, "likelihood_title"),
            (self.severity_title, "severity_title"),
        ):
            if edit.text() != str(d.get(key, "")):
                with QSignalBlocker(edit):
                    edit.setText(str(d.get(key, "")))
            edit.setReadOnly(not self.editable)
        self.problem_list.clear()
        if self.problems:
            self.status.setText(
                f"<span style='color:#b00020'><b>{len(self.problems)} problem"
                f"{'s' if len(self.problems) != 1 else ''}</b> — fix before saving:</span>"
            )
            for p in self.problems:
                item = QListWidgetItem(p.message, self.problem_list)
                item.setData(Qt.ItemDataRole.UserRole, p.where)
                item.setForeground(QColor("#b00020"))
            self.problem_list.show()
        else:
            self.status.setText(
                "<span style='color:#2e7d32'>✓ Every cell is in exactly one band; the matrix is valid.</span>"
            )
            self.problem_list.hide()
        self.save_button.setEnabled(self.is_dirty() and not self.problems)
        self.undo_button.setEnabled(bool(self.undo_stack))
        self.redo_button.setEnabled(bool(self.redo_stack))
        self.add_row_button.setEnabled(self.editable and len(d.get("likelihood") or []) < mx.MAX_LEVELS)
        self.add_column_button.setEnabled(self.editable and len(d.get("severity") or []) < mx.MAX_LEVELS)
        self.set_active_button.setEnabled(self.may_edit and not (summary and summary.active))
        self.duplicate_button.setEnabled(self.may_edit)
        self.import_button.setEnabled(self.may_edit)
        # People who may only look see no editing controls at all, rather than a wall of greyed buttons.
        for w in (
            self.undo_button,
            self.redo_button,
            self.save_button,
            self.add_row_button,
            self.add_column_button,
            self.set_active_button,
            self.duplicate_button,
            self.import_button,
            self.bands.add,
            self.bands.remove_button,
            self.bands.up,
            self.bands.down,
        ):
            w.setVisible(self.may_edit)
        self.hint.setText(
            "Click a level's name to edit it; click a cell to override its score or band. A folded corner marks "
            "a cell whose score or band is set by hand."
            if self.editable
            else "A folded corner marks a cell whose score or band is set by hand."
        )
        if full:
            self.bands.load()
            if self.level_editor.isVisible():
                self.level_editor.load()
            if self.cell_editor.isVisible():
                self.cell_editor.load()
        else:
            self._refresh_band_list_labels()

    def _refresh_band_list_labels(self) -> None:
        # Cheap refresh while typing: keep the band form's focus, update the list and colour.
        bands = self.definition.get("bands") or []
        if self.bands.list.count() != len(bands):
            self.bands.load()
            return
        for row, b in enumerate(reversed(bands)):
            item = self.bands.list.item(row)
            lo, hi = b.get("min_score"), b.get("max_score")
            rng = (
                ""
                if lo is None and hi is None
                else f"  ({lo if lo is not None else '…'}–{hi if hi is not None else '…'})"
            )
            cells = len(b.get("cells") or [])
            extra = f"  + {cells} cell{'s' if cells != 1 else ''}" if cells else ""
            item.setText(f"{b.get('name', '')}{rng}{extra}")
            item.setIcon(swatch(str(b.get("colour", "#999999")), 16))
        i = self.bands.band_index()
        if i is not None:
            colour = str(bands[i].get("colour", "#999999"))
            self.bands.colour.setText(colour)
            self.bands.colour.setIcon(swatch(colour, 16))

    def _header_clicked(self, axis: str, index: int) -> None:
        self.cell_editor.hide()
        self.level_editor.open(axis, index)

    def _cell_clicked(self, likelihood: str, severity: str) -> None:
        self.level_editor.hide()
        self.grid.set_selected((likelihood, severity))
        self.cell_editor.open(likelihood, severity)

    def _problem_activated(self, item: QListWidgetItem) -> None:
        where = str(item.data(Qt.ItemDataRole.UserRole) or "")
        kind, _, rest = where.partition(":")
        if kind == "band" and rest.isdigit():
            self.bands.select_band(int(rest))
            self.bands.name.setFocus()
        elif kind in ("likelihood", "severity") and rest.isdigit() and self.editable:
            self.level_editor.open(kind, int(rest))
        elif kind == "cell" and self.editable:
            lc, _, sc = rest.partition("|")
            self._cell_clicked(lc, sc)
        elif kind == "name":
            self.name_edit.setFocus()

    # -- commands --------------------------------------------------------------------------------
    def _error(self, exc: Exception) -> None:
        QMessageBox.warning(self, "Risk matrices", str(exc))

    def save(self) -> bool:
        if not self.is_dirty() or self.problems or self.matrix_id is None:
            return False
        note, ok = QInputDialog.getText(
            self, "Save as new version", "What changed? (kept with the version, for auditors)"
        )
        if not ok:
            return False
        try:
            with self.db.transaction() as s:
                version = matrices.save(
                    s,
                    self.actor,
                    self.matrix_id,
                    self.definition,
                    note=note.strip(),
                    based_on_version=self.latest_number,
                )
                number = version.number
        except IncidentDeskError as exc:
            self._error(exc)
            return False
        self.saved = copy.deepcopy(self.definition)
        self.reload(self.matrix_id)
        self._load_matrix(self.matrix_id, number)
        return True

    def set_active(self) -> None:
        if self.matrix_id is None:
            return
        try:
            with self.db.transaction() as s:
                matrices.set_active(s, self.actor, self.matrix_id)
        except IncidentDeskError as exc:
            self._error(exc)
            return
        self.reload(self.matrix_id)

    def duplicate(self) -> None:
        if self.matrix_id is None or not self.can_close():
            return
        name, ok = QInputDialog.getText(
            self, "Duplicate matrix", "Name of the copy:", text=f"{self.definition.get('name', '')} (copy)"
        )
        if not ok:
            return
        try:
            with self.db.transaction() as s:
                new_id = matrices.duplicate(s, self.actor, self.matrix_id, name.strip() or None).id
        except IncidentDeskError as exc:
            self._error(exc)
            return
        self.matrix_id = None
        self.reload(new_id)

    def import_file(self) -> None:
        settings = QSettings()
        folder = str(settings.value("risk_editor/folder", str(Path.home())))
        path, _ = QFileDialog.getOpenFileName(self, "Import risk matrix", folder, "Risk matrix (*.json)")
        if not path:
            return
        settings.setValue("risk_editor/folder", str(Path(path).parent))
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self._error(IncidentDeskError(f"Cannot read {path}: {exc}"))
            return
        try:
            definition = matrices.parse_json(text, source=Path(path).name)
            new_version = False
            if any(m.name.lower() == definition["name"].lower() for m in self.summaries):
                answer = QMessageBox.question(
                    self,
                    "Import risk matrix",
                    f"A matrix called “{definition['name']}” exists. Save the file as its next version?",
                    QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                )
                if answer != QMessageBox.StandardButton.Yes:
                    return
                new_version = True
            with self.db.transaction() as s:
                version = matrices.import_json(
                    s, self.actor, text, new_version=new_version, source=Path(path).name
                )
                matrix_id = version.matrix_id
        except IncidentDeskError as exc:
            messages = exc.messages() if isinstance(exc, ValidationError) else [str(exc)]
            QMessageBox.warning(
                self,
                "Import risk matrix",
                f"{Path(path).name} was not imported:\n\n" + "\n".join(f"• {m}" for m in messages),
            )
            return
        self.matrix_id = None
        self.reload(matrix_id)

    def export_file(self) -> None:
        if self.matrix_id is None:
            return
        settings = QSettings()
        folder = Path(str(settings.value("risk_editor/folder", str(Path.home()))))
        safe = "".join(c if c.isalnum() or c in "-_ " else "-" for c in str(self.saved.get("name", "matrix")))
        path, _ = QFileDialog.getSaveFileName(
            self, "Export risk matrix", str(folder / f"{safe}.json"), "Risk matrix (*.json)"
        )
        if not path:
            return
        try:
            with self.db.reading() as s:
                text = matrices.export_json(s, self.matrix_id, self.version_number)
            Path(path).write_text(text, encoding="utf-8")
        except (OSError, IncidentDeskError) as exc:
            self._error(
                exc
                if isinstance(exc, IncidentDeskError)
                else IncidentDeskError(f"Cannot write {path}: {exc}")
            )
            return
        settings.setValue("risk_editor/folder", str(Path(path).parent))

    def can_close(self) -> bool:
        if not self.is_dirty():
            return True
        answer = QMessageBox.question(
            self,
            "Unsaved risk matrix",
            f"“{self.definition.get('name', '')}” has changes that are not saved. Save them as a new version?",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        if answer == QMessageBox.StandardButton.Discard:
            self.definition = copy.deepcopy(self.saved)
            self._refresh()
            return True
        return False


def make_screen(window: Any) -> RiskMatrixEditor:
    return RiskMatrixEditor(window.db, window.actor)
