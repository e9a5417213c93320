"""MatrixGrid: geometry, clicks and keyboard picking, rendering for reports; the assessment tab's table model."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor

from incident_desk.paths import resources_dir
from incident_desk.ui.assessment import Column, RowsModel
from incident_desk.ui.matrix_grid import MatrixGrid


def definition(name: str) -> dict[str, Any]:
    return json.loads((resources_dir() / "risk_matrices" / name).read_text("utf-8"))


def test_cells_are_laid_out_like_the_printed_matrix(qtbot: Any) -> None:
    grid = MatrixGrid(definition("4x5-mil-std-882e.json"))
    qtbot.addWidget(grid)
    grid.resize(grid.sizeHint())
    grid.show()
    # Most likely row on top, least severe column on the left.
    frequent, improbable = grid.cell_rect("A", "4"), grid.cell_rect("E", "4")
    assert frequent.top() < improbable.top()
    assert grid.cell_rect("A", "4").left() < grid.cell_rect("A", "1").left()
    with qtbot.waitSignal(grid.cellClicked) as blocker:
        qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=grid.cell_rect("C", "2").center())
    assert blocker.args == ["C", "2"]
    with qtbot.waitSignal(grid.headerClicked) as blocker:
        qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=grid.header_rect("severity", 3).center())
    assert blocker.args == ["severity", 3]


def test_keyboard_picks_a_cell(qtbot: Any) -> None:
    grid = MatrixGrid(definition("3x3-simple.json"))
    qtbot.addWidget(grid)
    grid.show()
    grid.setFocus()
    grid.set_selected(("1", "1"))
    qtbot.keyClick(grid, Qt.Key.Key_Up)
    qtbot.keyClick(grid, Qt.Key.Key_Right)
    qtbot.keyClick(grid, Qt.Key.Key_Right)
    qtbot.keyClick(grid, Qt.Key.Key_Right)  # stops at the edge
    with qtbot.waitSignal(grid.cellClicked) as blocker:
        qtbot.keyClick(grid, Qt.Key.Key_Return)
    assert blocker.args == ["2", "3"]


def test_not_interactive_grid_ignores_clicks(qtbot: Any) -> None:
    grid = MatrixGrid(definition("3x3-simple.json"))
    qtbot.addWidget(grid)
    grid.show()
    grid.set_interactive(False)
    with qtbot.assertNotEmitted(grid.cellClicked):
        qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=grid.cell_rect("1", "1").center())


def test_render_image_draws_band_colours(qtbot: Any) -> None:
    d = definition("5x5-likelihood-consequence.json")
    grid = MatrixGrid(d)
    qtbot.addWidget(grid)
    grid.set_marks({("5", "5"): "I"})
    image = grid.render_image(QSize(700, 450), scale=1.0)
    assert (image.width(), image.height()) == (700, 450)
    grid.resize(700, 450)
    rect = grid.cell_rect("1", "1")
    pixel = QColor(image.pixel(rect.left() + 4, rect.bottom() - 4))
    assert pixel.name() == d["bands"][0]["colour"]  # Rare × Insignificant is Low


def test_rows_model_passes_the_model_tester(qtmodeltester: Any) -> None:
    model = RowsModel([Column("Name", lambda r: r["name"]), Column("Score", lambda r: r["score"])])
    model.set_rows([{"name": "a", "score": 1}, {"name": "b", "score": None}])
    qtmodeltester.check(model)
    assert model.index(1, 1).data() == ""


def test_legend_lists_every_band_for_print(qtbot: Any) -> None:
    grid = MatrixGrid(definition("4x4-likelihood-severity.json"))
    qtbot.addWidget(grid)
    plain = grid.sizeHint().height()
    grid.set_legend(True)
    assert grid.sizeHint().height() == plain + 10 + 4 * MatrixGrid.LEGEND_ROW
    grid.resize(grid.sizeHint())
    assert grid.cell_rect("1", "1").bottom() < grid.height() - 4 * MatrixGrid.LEGEND_ROW
