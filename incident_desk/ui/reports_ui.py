"""File → Print, Save as PDF… and Export…: report choice, background rendering, print preview.

The report for the incident open or selected on the current screen (its
``current_incident_id``) is printed directly; otherwise a dialog offers the management report
or an OSHA record. PDFs are made by the core on a worker thread; the print preview shows the
same PDF, its pages rasterised with PDFium (pypdfium2) as they are painted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QMarginsF, QRectF, QUrl
from PySide6.QtGui import QDesktopServices, QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from incident_desk import APP_NAME
from incident_desk.actor import Actor
from incident_desk.incidents.query import IncidentFilter
from incident_desk.progress import Progress
from incident_desk.ui.tasks import BackgroundTask

PREVIEW_DPI = 150


@dataclass
class ReportRequest:
    """What to render: ``render(session, actor, progress)`` gives PDF bytes."""

    name: str  # a file name without extension
    what: str  # for the audit trail and messages
    render: Callable[[Session, Actor, Progress], bytes]
    incident_id: int | None = None
    details: dict[str, Any] = field(default_factory=dict)


def incident_request(db: Any, incident_id: int) -> ReportRequest:
    from incident_desk.incidents.models import Incident

    with db.reading() as s:
        reference = s.execute(select(Incident.reference).where(Incident.id == incident_id)).scalar_one()

    def render(s: Session, actor: Actor, progress: Progress) -> bytes:
        from incident_desk.reports.incident_report import incident_report

        return incident_report(s, actor, incident_id, progress=progress)

    return ReportRequest(reference, f"incident report {reference}", render, incident_id)


def management_request(filt: IncidentFilter, max_listed: int | None = None) -> ReportRequest:
    def render(s: Session, actor: Actor, progress: Progress) -> bytes:
        from incident_desk.reports.management_report import management_report

        return management_report(s, actor, filt, progress=progress, max_listed=max_listed)

    name = f"management-report-{filt.date_from}-to-{filt.date_to}"
    return ReportRequest(name, f"management report {filt.date_from} to {filt.date_to}", render)


def osha_request(form: str, site_id: int, site_name: str, year: int, case: str = "") -> ReportRequest:
    def render(s: Session, actor: Actor, progress: Progress) -> bytes:
        from incident_desk.org.models import Site
        from incident_desk.reports import osha_forms

        site = s.get(Site, site_id)
        progress.update(0, 0, f"Preparing OSHA {form}…")
        if form == "300":
            return osha_forms.form_300(s, actor, site, year)
        if form == "300A":
            return osha_forms.form_300a(s, actor, site, year)
        return osha_forms.form_301(s, actor, site, year, case or None)

    slug = "".join(ch if ch.isalnum() else "-" for ch in site_name).strip("-")
    return ReportRequest(
        f"osha-{form.lower()}-{slug}-{year}",
        f"OSHA {form} {site_name} {year}",
        render,
        details={"establishment": site_name, "year": year},
    )


class ReportDialog(QDialog):
    """Choose the management report (period and filters) or an OSHA record (establishment, year)."""

    def __init__(self, window: Any, title: str) -> None:
        super().__init__(window)
        self.setWindowTitle(title)
        self.db = window.db
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("No incident is open or selected. Choose a report:"))
        self.kind = QComboBox()
        self.kind.setAccessibleName("Report")
        for text, key in (
            ("Management report for a period", "summary"),
            ("OSHA Form 300 log", "300"),
            ("OSHA Form 300A summary", "300A"),
            ("OSHA Form 301 incident reports", "301"),
        ):
            self.kind.addItem(text, key)
        layout.addWidget(self.kind)
        self.pages = QStackedWidget()
        layout.addWidget(self.pages)
        today = dt.date.today()
        first = today.replace(day=1)
        prev_end = first - dt.timedelta(days=1)

        summary = QWidget()
        form = QFormLayout(summary)
        self.date_from = QDateEdit(QDate(prev_end.replace(day=1)))
        self.date_to = QDateEdit(QDate(prev_end))
        for w in (self.date_from, self.date_to):
            w.setCalendarPopup(True)
            w.setDisplayFormat("yyyy-MM-dd")
        form.addRow("&From:", self.date_from)
        form.addRow("&To:", self.date_to)
        self.site = QComboBox()
        self.severity = QComboBox()
        self.limit = QSpinBox()
        self.limit.setRange(0, 1_000_000)
        self.limit.setSpecialValueText("all")
        self.limit.setValue(0)
        form.addRow("&Site:", self.site)
        form.addRow("Se&verity:", self.severity)
        form.addRow("&List at most:", self.limit)
        self.pages.addWidget(summary)

        osha_page = QWidget()
        oform = QFormLayout(osha_page)
        self.establishment = QComboBox()
        self.year = QSpinBox()
        self.year.setRange(1990, 2100)
        self.year.setValue(today.year - 1)
        self.case = QLineEdit()
        self.case.setPlaceholderText("every case of the year")
        oform.addRow("&Establishment:", self.establishment)
        oform.addRow("&Year:", self.year)
        oform.addRow("&Case (301 only):", self.case)
        self.pages.addWidget(osha_page)

        self._fill()
        self.kind.currentIndexChanged.connect(lambda i: self.pages.setCurrentIndex(0 if i == 0 else 1))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _fill(self) -> None:
        from incident_desk.org.models import SeverityLevel, Site

        self.site.addItem("All sites", None)
        self.severity.addItem("All severities", None)
        with self.db.reading() as s:
            for site in s.scalars(select(Site).order_by(Site.name)):
                self.site.addItem(site.name, site.id)
                self.establishment.addItem(site.name, site.id)
            for sev in s.scalars(select(SeverityLevel).order_by(SeverityLevel.rank)):
                self.severity.addItem(sev.name, sev.id)

    def _accept(self) -> None:
        if self.kind.currentData() == "summary" and self.date_from.date() > self.date_to.date():
            QMessageBox.warning(self, APP_NAME, "The period starts after it ends.")
            return
        if self.kind.currentData() != "summary" and self.establishment.currentData() is None:
            QMessageBox.warning(self, APP_NAME, "Set up a site (establishment) first.")
            return
        self.accept()

    def request(self) -> ReportRequest:
        key = self.kind.currentData()
        if key == "summary":
            filt = IncidentFilter(
                date_from=self.date_from.date().toPython(),
                date_to=self.date_to.date().toPython(),
                site_ids=(self.site.currentData(),) if self.site.currentData() else (),
                severity_ids=(self.severity.currentData(),) if self.severity.currentData() else (),
            )
            return management_request(filt, self.limit.value() or None)
        return osha_request(
            key,
            self.establishment.currentData(),
            self.establishment.currentText(),
            self.year.value(),
            self.case.text().strip(),
        )


def choose_request(window: Any, title: str) -> ReportRequest | None:
    """The open/selected incident's report, else whatever the user picks in the report dialog."""
    screen = window.current_screen()
    incident_id = getattr(screen, "current_incident_id", None)
    if callable(incident_id):
        incident_id = incident_id()
    if incident_id is not None:
        return incident_request(window.db, int(incident_id))
    dialog = ReportDialog(window, title)
    if exec_dialog(dialog) != QDialog.DialogCode.Accepted:
        return None
    return dialog.request()


def exec_dialog(dialog: QDialog) -> int:
    """Run a modal dialog (a seam tests replace)."""
    return dialog.exec()


def render_in_background(
    window: Any,
    request: ReportRequest,
    on_done: Callable[[bytes], None],
    after: Callable[[Session, bytes], None] | None = None,
) -> BackgroundTask:
    """Render ``request`` on a worker with a progress dialog and Cancel; ``on_done`` gets the PDF."""
    db, actor = window.db, window.actor

    def work(progress: Progress) -> bytes:
        with db.transaction() as s:
            data = request.render(s, actor, progress)
            if after is not None:
                after(s, data)
            return data

    task = BackgroundTask(work, title=f"Preparing the {request.what}", parent=window)
    task.finished.connect(on_done)
    task.failed.connect(
        lambda exc, _tb: QMessageBox.warning(window, APP_NAME, f"The report could not be made: {exc}")
    )
    window._report_task = task  # keep it alive until it finishes
    task.start()
    return task


# -- print preview ---------------------------------------------------------------------------------
class PdfPages:
    """A PDF's pages as images, rasterised with PDFium on demand."""

    def __init__(self, data: bytes) -> None:
        import pypdfium2 as pdfium

        self.data = data
        self.doc = pdfium.PdfDocument(data)

    def __len__(self) -> int:
        return len(self.doc)

    def close(self) -> None:
        self.doc.close()

    def size_points(self, index: int) -> tuple[float, float]:
        return self.doc[index].get_size()

    def image(self, index: int, dpi: int = PREVIEW_DPI) -> QImage:
        bitmap = self.doc[index].render(scale=dpi / 72.0)
        pil = bitmap.to_pil().convert("RGB")
        raw = pil.tobytes("raw", "RGB")
        return QImage(raw, pil.width, pil.height, 3 * pil.width, QImage.Format.Format_RGB888).copy()


def paint_pages(printer: QPrinter, pages: PdfPages) -> int:
    """Paint every page onto ``printer`` (preview or device); returns the number painted."""
    painter = QPainter()
    if not painter.begin(printer):
        return 0
    try:
        # A report's pages share one orientation, set on the printer before painting starts.
        for i in range(len(pages)):
            if i:
                printer.newPage()
            target = QRectF(printer.pageLayout().paintRectPixels(printer.resolution()))
            target.moveTo(0, 0)
            image = pages.image(i)
            scale = min(target.width() / image.width(), target.height() / image.height())
            rect = QRectF(0, 0, image.width() * scale, image.height() * scale)
            painter.drawImage(rect, image)
    finally:
        painter.end()
    return len(pages)


def preview_dialog(window: Any, data: bytes, title: str) -> QPrintPreviewDialog:
    pages = PdfPages(data)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setDocName(title)
    w, h = pages.size_points(0) if len(pages) else (595, 842)
    printer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Landscape if w > h else QPageLayout.Orientation.Portrait,
            QMarginsF(0, 0, 0, 0),
        )
    )
    dialog = QPrintPreviewDialog(printer, window)
    dialog.setWindowTitle(f"Print preview — {title}")
    dialog.resize(900, 1000)
    dialog.paintRequested.connect(lambda p: paint_pages(p, pages))
    dialog.finished.connect(lambda _r: pages.close())
    dialog.pdf_pages = pages  # type: ignore[attr-defined]
    dialog.printer = printer  # type: ignore[attr-defined]  # the dialog does not own it: keep it alive
    return dialog


def print_report(window: Any) -> BackgroundTask | None:
    """File → Print…: preview the report and print it through the system's printers."""
    request = choose_request(window, "Print")
    if request is None:
        return None

    def show(data: bytes) -> None:
        dialog = preview_dialog(window, data, request.what)
        window._print_preview = dialog
        exec_dialog(dialog)

    return render_in_background(window, request, show)


# -- save as PDF -----------------------------------------------------------------------------------
class SavePdfDialog(QDialog):
    def __init__(self, window: Any, request: ReportRequest) -> None:
        super().__init__(window)
        self.setWindowTitle("Save as PDF")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Save the {request.what} as a PDF file."))
        row = QHBoxLayout()
        self.path = QLineEdit(str(Path.home() / f"{request.name}.pdf"))
        self.path.setAccessibleName("File")
        browse = QPushButton("&Browse…")
        browse.clicked.connect(self._browse)
        row.addWidget(self.path)
        row.addWidget(browse)
        layout.addLayout(row)
        self.open_after = QCheckBox("&Open after saving")
        self.open_after.setChecked(True)
        layout.addWidget(self.open_after)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save as PDF", self.path.text(), "PDF files (*.pdf)")
        if path:
            self.path.setText(path if path.lower().endswith(".pdf") else path + ".pdf")

    def _accept(self) -> None:
        if not self.path.text().strip():
            QMessageBox.warning(self, APP_NAME, "Choose where to save the PDF.")
            return
        folder = Path(self.path.text()).expanduser().parent
        if not folder.is_dir():
            QMessageBox.warning(self, APP_NAME, f"The folder {folder} does not exist.")
            return
        self.accept()


def open_file(path: Path) -> None:
    """Open a saved file with the system's viewer (a seam tests replace)."""
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def save_pdf(window: Any) -> BackgroundTask | None:
    """File → Save as PDF…: render in the background, save (audited), optionally open."""
    request = choose_request(window, "Save as PDF")
    if request is None:
        return None
    dialog = SavePdfDialog(window, request)
    if exec_dialog(dialog) != QDialog.DialogCode.Accepted:
        return None
    path = Path(dialog.path.text()).expanduser()
    open_after = dialog.open_after.isChecked()

    def save(s: Session, data: bytes) -> None:
        from incident_desk.reports.exports import save_report

        save_report(
            s,
            window.actor,
            data,
            path,
            request.what,
            incident_id=request.incident_id,
            details=request.details,
        )

    def done(_data: bytes) -> None:
        window.statusBar().showMessage(f"Saved {path}", 8000)
        if open_after:
            open_file(path)

    return render_in_background(window, request, done, after=save)


# -- export ----------------------------------------------------------------------------------------
def screen_filter(window: Any) -> IncidentFilter:
    """The filter of the list or dashboard on screen (what the user sees is what is exported)."""
    screen = window.current_screen()
    for getter in (getattr(screen, "current_filter", None),):
        if callable(getter):
            value = getter()
            if isinstance(value, IncidentFilter):
                return value
    model = getattr(screen, "model", None)
    value = getattr(model, "filter", None)
    return value if isinstance(value, IncidentFilter) else IncidentFilter()


class ExportDialog(QDialog):
    FORMATS = (
        ("Incident list as CSV", "csv", "CSV files (*.csv)"),
        ("Incident list as Excel workbook", "xlsx", "Excel workbooks (*.xlsx)"),
        ("OSHA ITA summary file (300A)", "ita-summary", "CSV files (*.csv)"),
        ("OSHA ITA case file (300/301)", "ita-cases", "CSV files (*.csv)"),
    )

    def __init__(self, window: Any, filt: IncidentFilter) -> None:
        super().__init__(window)
        self.setWindowTitle("Export")
        self.filt = filt
        form = QFormLayout(self)
        self.format = QComboBox()
        for text, key, _pattern in self.FORMATS:
            self.format.addItem(text, key)
        form.addRow("&Format:", self.format)
        self.scope = QLabel(self._describe(window))
        self.scope.setWordWrap(True)
        form.addRow("Incidents:", self.scope)
        self.year = QSpinBox()
        self.year.setRange(1990, 2100)
        self.year.setValue(dt.date.today().year - 1)
        form.addRow("OSHA &year:", self.year)
        row = QHBoxLayout()
        self.path = QLineEdit()
        self.path.setAccessibleName("File")
        browse = QPushButton("&Browse…")
        browse.clicked.connect(self._browse)
        row.addWidget(self.path)
        row.addWidget(browse)
        form.addRow("&Save to:", row)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.format.currentIndexChanged.connect(self._format_changed)
        self._format_changed()

    def _describe(self, window: Any) -> str:
        from incident_desk.reports import exports
        from incident_desk.reports.management_report import describe_filter

        with window.db.reading() as s:
            n = exports.count(s, self.filt)
            text = describe_filter(s, self.filt)
        dates = ""
        if self.filt.date_from or self.filt.date_to:
            dates = f", occurred {self.filt.date_from or '…'} to {self.filt.date_to or '…'}"
        return f"{n:,} incidents as filtered on screen ({text}{dates})"

    def _format_changed(self) -> None:
        key = self.format.currentData()
        ita = key.startswith("ita")
        self.year.setEnabled(ita)
        self.scope.setEnabled(not ita)
        ext = "xlsx" if key == "xlsx" else "csv"
        name = {
            "csv": "incidents",
            "xlsx": "incidents",
            "ita-summary": f"ita-summary-{self.year.value()}",
            "ita-cases": f"ita-cases-{self.year.value()}",
        }[key]
        current = Path(self.path.text()) if self.path.text() else Path.home() / "x"
        self.path.setText(str(current.with_name(f"{name}.{ext}")))

    def _browse(self) -> None:
        pattern = next(p for _t, k, p in self.FORMATS if k == self.format.currentData())
        path, _ = QFileDialog.getSaveFileName(self, "Export to", self.path.text(), pattern)
        if path:
            self.path.setText(path)

    def _accept(self) -> None:
        if not self.path.text().strip():
            QMessageBox.warning(self, APP_NAME, "Choose where to save the file.")
            return
        self.accept()


def export_command(window: Any) -> BackgroundTask | None:
    """File → Export…: the on-screen incident list as CSV/XLSX, or the OSHA ITA files; audited."""
    dialog = ExportDialog(window, screen_filter(window))
    if exec_dialog(dialog) != QDialog.DialogCode.Accepted:
        return None
    key, path, year, filt = (
        dialog.format.currentData(),
        Path(dialog.path.text()).expanduser(),
        dialog.year.value(),
        dialog.filt,
    )
    db, actor = window.db, window.actor

    def work(progress: Progress) -> int:
        from incident_desk.reports import exports

        with db.transaction() as s:
            if key in ("csv", "xlsx"):
                return exports.export_incidents(s, actor, filt, path, key, progress=progress)
            progress.update(0, 0, "Checking the OSHA data…")
            return exports.export_ita(s, actor, key.split("-")[1], year, path)

    def failed(exc: Exception, _tb: str) -> None:
        from incident_desk.reports.ita import ItaValidationError

        if isinstance(exc, ItaValidationError):
            box = QMessageBox(
                QMessageBox.Icon.Warning,
                APP_NAME,
                f"{len(exc.problem_list)} problem(s) must be fixed before OSHA will accept the file. "
                "Nothing was exported.",
                QMessageBox.StandardButton.Ok,
                window,
            )
            box.setDetailedText("\n".join(str(p) for p in exc.problem_list))
            exec_dialog(box)
        else:
            QMessageBox.warning(window, APP_NAME, f"The export failed: {exc}")

    task = BackgroundTask(work, title="Exporting", parent=window)
    task.finished.connect(lambda n: window.statusBar().showMessage(f"Exported {n:,} rows to {path}", 8000))
    task.failed.connect(failed)
    window._export_task = task
    task.start()
    return task


__all__ = ["export_command", "print_report", "save_pdf"]
