"""The import wizard: a small CSV through every page into the database, with the GUI responsive."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QWizard
from sqlalchemy import func, select

from incident_desk.incidents.models import Incident
from incident_desk.ui.import_wizard import ImportWizard
from incident_desk.ui.main_window import MainWindow

CSV = (
    "Ref;Date;What happened;Level;Injured\r\n"
    "W1;2024-04-02;Hand caught in press;Major;Dana O'Neill\r\n"
    "W2;2024-04-03;Slip on oil;Minor;Lee Park\r\n"
    "W3;not a date;Strain lifting box;Minor;Kim Cho\r\n"
)


def write(tmp_path: Path) -> Path:
    path = tmp_path / "site log.csv"
    path.write_bytes(CSV.encode("cp1252"))
    return path


def next_page(qtbot, wizard: QWizard) -> None:
    button = wizard.button(QWizard.WizardButton.NextButton)
    qtbot.waitUntil(button.isEnabled, timeout=10000)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_wizard_imports_a_small_csv(qtbot, sqlite_db, gui_actors, tmp_path):
    path = write(tmp_path)
    wizard = ImportWizard(sqlite_db, gui_actors["officer"])
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.keyClicks(wizard.file_page.path_edit, str(path))
    next_page(qtbot, wizard)
    fmt = wizard.format_page
    assert wizard.preview is not None and wizard.preview.delimiter == ";"
    assert fmt.model.rowCount() == 3 and fmt.model.headers[0] == "Ref"
    next_page(qtbot, wizard)

    page = wizard.mapping_page
    rows = page.rows
    # Suggested from the headers.
    assert rows["external_id"].source.currentData() == "Ref"
    assert rows["occurred"].source.currentData() == "Date"
    assert rows["description"].source.currentData() == "What happened"
    assert rows["severity"].source.currentData() == "Level"
    assert rows["person_name"].source.currentData() == "Injured"
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()  # type and title missing
    rows["type"].source.setCurrentIndex(rows["type"].source.findText("A fixed value…"))
    qtbot.keyClicks(rows["type"].constant, "injury")
    assert page.model.rowCount() == 3 and "Hand caught in press" in page.model.rows[0]
    page.save_name.setText("Site log")
    page.save()
    wizard.grab().save(str(tmp_path / "mapping.png"))
    next_page(qtbot, wizard)

    check = wizard.check_page
    qtbot.waitUntil(lambda: check.done, timeout=10000)
    assert [r[0] for r in check.problem_model.rows] == ["Row 4, Date: “not a date” is not a date"]
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()  # until the user chooses
    with sqlite_db.reading() as s:
        assert s.execute(select(func.count()).select_from(Incident)).scalar_one() == 0
    qtbot.mouseClick(check.skip, Qt.MouseButton.LeftButton, pos=QPoint(8, check.skip.height() // 2))
    next_page(qtbot, wizard)

    run = wizard.run_page
    qtbot.waitUntil(lambda: run.finished_ok, timeout=15000)
    assert wizard.result is not None and (wizard.result.created, wizard.result.skipped) == (2, 1)
    assert "2 new" in run.label.text()
    with sqlite_db.reading() as s:
        titles = set(s.scalars(select(Incident.title)))
        assert titles == {"Hand caught in press", "Slip on oil"}
        from incident_desk.imports.mapping import saved_names

        assert saved_names(s) == ["Site log"]


def test_menu_opens_the_wizard(qtbot, sqlite_db, gui_actors):
    window = MainWindow(sqlite_db, gui_actors["officer"])
    qtbot.addWidget(window)
    window.actions["import"].trigger()
    wizard = window.findChild(ImportWizard)
    assert wizard is not None and wizard.isVisible()
    wizard.reject()
