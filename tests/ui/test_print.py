"""File → Print, Save as PDF… and Export… through the real commands, offscreen."""

from __future__ import annotations

import csv
from typing import Any

from PySide6.QtPrintSupport import QPrintPreviewDialog, QPrintPreviewWidget
from PySide6.QtWidgets import QDialog, QMessageBox, QWidget
from sqlalchemy import select

from incident_desk.audit.models import AuditEvent
from incident_desk.incidents import service
from incident_desk.ui import reports_ui
from incident_desk.ui.main_window import MainWindow
from tests.conftest import incident_data, reference_ids


def _incident(db: Any, actor: Any, **fields: Any) -> int:
    refs = reference_ids(db)
    with db.transaction() as s:
        inc = service.create(s, actor, incident_data(refs, **fields))
        service.add_person(s, actor, inc.id, service.PersonData(name="李雷 and Zoë Ærø", role="injured"))
        return inc.id


class _Screen(QWidget):
    def __init__(self, incident_id: int | None) -> None:
        super().__init__()
        self.current_incident_id = incident_id


def _window(qtbot: Any, db: Any, actor: Any, monkeypatch: Any, incident_id: int | None) -> MainWindow:
    window = MainWindow(db, actor)
    qtbot.addWidget(window)
    screen = _Screen(incident_id)
    qtbot.addWidget(screen)
    monkeypatch.setattr(window, "current_screen", lambda: screen)
    return window


def test_print_preview_of_the_open_incident(qtbot, sqlite_db, gui_actors, monkeypatch, tmp_path):
    iid = _incident(sqlite_db, gui_actors["officer"], title="Pallet fell in aisle 4")
    from tests.test_reports_fixtures import png

    with sqlite_db.transaction() as s:  # four photos: the report runs to a second page
        for n in range(4):
            service.add_attachment(
                s,
                gui_actors["officer"],
                iid,
                kind="photo",
                data=png(text=str(n)),
                mime_type="image/png",
                filename=f"p{n}.png",
            )
    window = _window(qtbot, sqlite_db, gui_actors["officer"], monkeypatch, iid)
    shown: list[QPrintPreviewDialog] = []

    def fake_exec(dialog: QDialog) -> int:
        if isinstance(dialog, QPrintPreviewDialog):
            dialog.resize(700, 800)
            dialog.show()
            preview = dialog.findChild(QPrintPreviewWidget)
            preview.updatePreview()
            shown.append(dialog)
            dialog.grab().save(str(tmp_path / "preview.png"))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(reports_ui, "exec_dialog", fake_exec)
    window.actions["print"].trigger()
    qtbot.waitUntil(lambda: bool(shown), timeout=30000)
    preview = shown[0].findChild(QPrintPreviewWidget)
    assert preview.pageCount() == len(shown[0].pdf_pages) >= 2
    assert (tmp_path / "preview.png").stat().st_size > 5000
    shown[0].close()


def test_save_pdf_of_the_open_incident_and_open_it(qtbot, sqlite_db, gui_actors, monkeypatch, tmp_path):
    iid = _incident(sqlite_db, gui_actors["officer"], title="Forklift reversed into racking")
    window = _window(qtbot, sqlite_db, gui_actors["officer"], monkeypatch, iid)
    target = tmp_path / "report.pdf"
    opened: list[Any] = []

    def fake_exec(dialog: QDialog) -> int:
        assert isinstance(dialog, reports_ui.SavePdfDialog)
        dialog.path.clear()
        qtbot.keyClicks(dialog.path, str(target))
        assert dialog.open_after.isChecked()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(reports_ui, "exec_dialog", fake_exec)
    monkeypatch.setattr(reports_ui, "open_file", opened.append)
    window.actions["save_pdf"].trigger()
    qtbot.waitUntil(lambda: bool(opened), timeout=30000)
    assert opened == [target]
    data = target.read_bytes()
    assert data.startswith(b"%PDF")
    from tests.test_reports_fixtures import pdf_text

    text = "\n".join(pdf_text(data)[1])
    assert "Forklift reversed into racking" in text and "李雷 and Zoë Ærø" in text
    with sqlite_db.reading() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.kind == "export")).one()
        assert event.incident_id == iid and "report.pdf" in event.summary


def test_without_an_incident_the_report_dialog_offers_osha(
    qtbot, sqlite_db, gui_actors, monkeypatch, tmp_path
):
    window = _window(qtbot, sqlite_db, gui_actors["manager"], monkeypatch, None)
    target = tmp_path / "300a.pdf"
    seen: list[str] = []

    def fake_exec(dialog: QDialog) -> int:
        seen.append(type(dialog).__name__)
        if isinstance(dialog, reports_ui.ReportDialog):
            dialog.kind.setCurrentIndex(dialog.kind.findData("300A"))
            dialog.establishment.setCurrentIndex(dialog.establishment.findText("Test Plant"))
            dialog.year.setValue(2025)
            dialog.grab().save(str(tmp_path / "choose.png"))
        elif isinstance(dialog, reports_ui.SavePdfDialog):
            dialog.path.setText(str(target))
            dialog.open_after.setChecked(False)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(reports_ui, "exec_dialog", fake_exec)
    monkeypatch.setattr(reports_ui, "open_file", lambda p: seen.append("opened"))
    window.actions["save_pdf"].trigger()
    qtbot.waitUntil(target.exists, timeout=30000)
    assert seen == ["ReportDialog", "SavePdfDialog"]
    from tests.test_reports_fixtures import pdf_text

    text = " ".join(pdf_text(target.read_bytes())[1])
    assert "Summary of Work-Related Injuries" in text and "Test Plant" in text


def test_export_on_screen_filter_to_csv(qtbot, sqlite_db, gui_actors, monkeypatch, tmp_path):
    _incident(sqlite_db, gui_actors["officer"], title="=cmd|' /C calc'!A0")
    window = _window(qtbot, sqlite_db, gui_actors["officer"], monkeypatch, None)
    target = tmp_path / "list.csv"

    def fake_exec(dialog: QDialog) -> int:
        assert isinstance(dialog, reports_ui.ExportDialog)
        assert "1 incidents" in dialog.scope.text()
        dialog.format.setCurrentIndex(dialog.format.findData("csv"))
        dialog.path.setText(str(target))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(reports_ui, "exec_dialog", fake_exec)
    window.actions["export"].trigger()
    qtbot.waitUntil(target.exists, timeout=30000)
    with target.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[1][1] == "'=cmd|' /C calc'!A0"


def test_ita_export_problems_are_listed(qtbot, sqlite_db, gui_actors, monkeypatch, tmp_path):
    window = _window(qtbot, sqlite_db, gui_actors["officer"], monkeypatch, None)
    target = tmp_path / "ita.csv"
    boxes: list[QMessageBox] = []

    def fake_exec(dialog: Any) -> int:
        if isinstance(dialog, QMessageBox):
            boxes.append(dialog)
            return QMessageBox.StandardButton.Ok
        dialog.format.setCurrentIndex(dialog.format.findData("ita-summary"))
        dialog.path.setText(str(target))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(reports_ui, "exec_dialog", fake_exec)
    window.actions["export"].trigger()
    qtbot.waitUntil(lambda: bool(boxes), timeout=30000)
    # No hours recorded for the test sites: OSHA would reject the file, so nothing is written.
    assert "total_hours_worked" in boxes[0].detailedText()
    assert not target.exists()


def test_print_takes_the_selected_row_of_the_real_incident_list(qtbot, sqlite_db, gui_actors, monkeypatch):
    iid = _incident(sqlite_db, gui_actors["officer"], title="Ladder slipped in the store")
    window = MainWindow(sqlite_db, gui_actors["officer"])
    qtbot.addWidget(window)
    screen = window.show_screen("incidents")
    assert screen.current_incident_id() is None  # nothing selected: the report dialog is offered
    qtbot.waitUntil(lambda: screen.model.rowCount() > 0, timeout=10000)
    screen.view.selectRow(0)
    assert screen.current_incident_id() == iid

    def no_dialog(dialog: QDialog) -> int:
        raise AssertionError("the report dialog should not be needed")

    monkeypatch.setattr(reports_ui, "exec_dialog", no_dialog)
    request = reports_ui.choose_request(window, "Print")
    assert request is not None and request.incident_id == iid
