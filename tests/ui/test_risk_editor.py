"""The risk-matrix editor: rename a level in place, add a column, recolour a band, override a cell, save."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QColorDialog, QInputDialog

from incident_desk.actor import Actor
from incident_desk.db import Database
from incident_desk.risk import matrices
from incident_desk.ui.risk_editor import RiskMatrixEditor


@pytest.fixture
def editor(qtbot: Any, sqlite_db: Database, gui_actors: dict[str, Actor]) -> RiskMatrixEditor:
    w = RiskMatrixEditor(sqlite_db, gui_actors["manager"])
    qtbot.addWidget(w)
    w.resize(1400, 860)
    w.show()
    qtbot.waitExposed(w)
    return w


def click_header(qtbot: Any, editor: RiskMatrixEditor, axis: str, index: int) -> None:
    qtbot.mouseClick(
        editor.grid, Qt.MouseButton.LeftButton, pos=editor.grid.header_rect(axis, index).center()
    )


def click_cell(qtbot: Any, editor: RiskMatrixEditor, likelihood: str, severity: str) -> None:
    qtbot.mouseClick(
        editor.grid, Qt.MouseButton.LeftButton, pos=editor.grid.cell_rect(likelihood, severity).center()
    )


def test_edit_and_save_a_new_version(
    qtbot: Any, editor: RiskMatrixEditor, sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert editor.definition["name"] == "5×5 Likelihood × Consequence"  # the active matrix opens first
    # Rename a level in place.
    click_header(qtbot, editor, "likelihood", 0)
    assert editor.level_editor.isVisible()
    editor.level_editor.label.selectAll()
    qtbot.keyClicks(editor.level_editor.label, "Very rare")
    qtbot.keyClick(editor.level_editor.label, Qt.Key.Key_Return)
    assert not editor.level_editor.isVisible()
    assert editor.definition["likelihood"][0]["label"] == "Very rare"
    assert len(editor.undo_stack) == 1  # typing a label is one undo step

    # Add a column: its cells score up to 5 × 6 = 30, beyond every band, and the editor says so.
    qtbot.mouseClick(editor.add_column_button, Qt.MouseButton.LeftButton)
    assert len(editor.definition["severity"]) == 6
    assert editor.level_editor.isVisible() and editor.level_editor.axis == "severity"
    editor.level_editor.label.selectAll()
    qtbot.keyClicks(editor.level_editor.label, "Multiple fatalities")
    editor.level_editor.hide()
    assert any(
        "Almost certain × Multiple fatalities (score 30) is in no band" in p.message for p in editor.problems
    )
    assert not editor.save_button.isEnabled()
    # Widen the top band to cover it.
    editor.bands.select_band(3)
    assert editor.bands.name.text() == "Very high"
    editor.bands.max_score.setValue(30)
    assert editor.problems == []
    assert editor.status.text().count("valid")

    # Recolour a band through the colour picker.
    monkeypatch.setattr(QColorDialog, "getColor", lambda *a, **k: QColor("#8e24aa"))
    qtbot.mouseClick(editor.bands.colour, Qt.MouseButton.LeftButton)
    assert editor.definition["bands"][3]["colour"] == "#8e24aa"

    # Override a cell's band by clicking it.
    click_cell(qtbot, editor, "1", "1")
    assert editor.cell_editor.isVisible()
    editor.cell_editor.band.setCurrentIndex(editor.cell_editor.band.findData("Medium"))
    assert editor.grid.matrix().band("1", "1")["name"] == "Medium"
    editor.edit_undo()
    assert editor.grid.matrix().band("1", "1")["name"] == "Low"
    editor.edit_redo()
    assert editor.grid.matrix().band("1", "1")["name"] == "Medium"

    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Added multiple-fatality column", True))
    assert editor.save_button.isEnabled()
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert editor.version_number == 2 and not editor.is_dirty()
    with sqlite_db.reading() as s:
        m = matrices.by_name(s, "5×5 Likelihood × Consequence")
        versions = matrices.versions(s, m.id)
        assert [v.number for v in versions] == [1, 2]
        v2 = versions[-1].definition
        assert v2["likelihood"][0]["label"] == "Very rare"
        assert v2["severity"][-1]["label"] == "Multiple fatalities"
        assert v2["bands"][3]["colour"] == "#8e24aa" and v2["bands"][3]["max_score"] == 30
        assert versions[0].definition["likelihood"][0]["label"] == "Rare"
        assert versions[-1].note == "Added multiple-fatality column"


def test_duplicate_and_set_active(
    qtbot: Any, editor: RiskMatrixEditor, sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Depot 5×5", True))
    qtbot.mouseClick(editor.duplicate_button, Qt.MouseButton.LeftButton)
    assert editor.definition["name"] == "Depot 5×5"
    assert editor.set_active_button.isEnabled()
    qtbot.mouseClick(editor.set_active_button, Qt.MouseButton.LeftButton)
    with sqlite_db.reading() as s:
        assert matrices.get(s, matrices.active_matrix_id(s)).name == "Depot 5×5"
    assert not editor.set_active_button.isEnabled()


def test_officer_sees_matrices_read_only(
    qtbot: Any, sqlite_db: Database, gui_actors: dict[str, Actor]
) -> None:
    w = RiskMatrixEditor(sqlite_db, gui_actors["officer"])
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.show()
    assert not w.editable and not w.add_row_button.isEnabled() and not w.duplicate_button.isEnabled()
    qtbot.mouseClick(w.grid, Qt.MouseButton.LeftButton, pos=w.grid.cell_rect("1", "1").center())
    assert not w.cell_editor.isVisible()
    assert "read-only" in w.heading.text()


def test_export_then_import_a_bad_and_a_good_file(
    qtbot: Any, editor: RiskMatrixEditor, sqlite_db: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    import json

    from PySide6.QtWidgets import QFileDialog, QMessageBox

    target = tmp_path / "matrix.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    qtbot.mouseClick(editor.export_button, Qt.MouseButton.LeftButton)
    data = json.loads(target.read_text("utf-8"))
    assert data["name"] == "5×5 Likelihood × Consequence"

    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a, **k: warnings.append(text))
    data["bands"][0]["colour"] = "green"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data), "utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(bad), ""))
    qtbot.mouseClick(editor.import_button, Qt.MouseButton.LeftButton)
    assert warnings and "Band “Low” needs a colour written as #rrggbb." in warnings[0]

    # The same name again: the editor offers to save it as the matrix's next version.
    data["bands"][0]["colour"] = "#2e7d32"
    good = tmp_path / "good.json"
    good.write_text(json.dumps(data), "utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(good), ""))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(editor.import_button, Qt.MouseButton.LeftButton)
    assert editor.version_number == 2 and editor.definition["bands"][0]["colour"] == "#2e7d32"
    with sqlite_db.reading() as s:
        assert len(matrices.versions(s, matrices.by_name(s, data["name"]).id)) == 2
