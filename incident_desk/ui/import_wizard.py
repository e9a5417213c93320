"""File → Import…: a wizard from a CSV or Excel file to imported incidents.

Pages: choose the file → encoding, delimiter or sheet with a preview → map columns to fields
(suggested from the headers, built-in and saved mappings, a live preview of the result) →
check every row and choose what to do about problems → import on a worker thread with a
progress dialog (rows per second, Cancel). All reading, checking and writing is done by
``incident_desk.imports``; this module only collects choices and shows results.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from incident_desk.actor import Actor
from incident_desk.db import Database
from incident_desk.errors import IncidentDeskError
from incident_desk.imports import engine, mapping
from incident_desk.imports.readers import DELIMITERS, ENCODINGS, Table, is_excel, read_table
from incident_desk.progress import Progress
from incident_desk.ui.tasks import BackgroundTask

PREVIEW_ROWS = 50
NOT_MAPPED = "— not mapped —"
CONSTANT = "A fixed value…"
KEEP = "keep"  # the mapping's template or derived rule


class TableModel(QAbstractTableModel):
    """Rows of text with headers: the file preview and the mapped preview."""

    def __init__(
        self, headers: list[str] | None = None, rows: list[list[str]] | None = None, parent: Any = None
    ) -> None:
        super().__init__(parent)
        self.headers, self.rows = headers or [], rows or []

    def set(self, headers: list[str], rows: list[list[str]]) -> None:
        self.beginResetModel()
        self.headers, self.rows = headers, rows
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.headers)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid():
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            row = self.rows[index.row()]
            value = row[index.column()] if index.column() < len(row) else ""
            return value if role == Qt.ItemDataRole.ToolTipRole else value.replace("\n", " ⏎ ")[:120]
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.headers[section] if section < len(self.headers) else None
        return str(section + 2)  # spreadsheet row numbers, as in the problem list


def _table_view(model: QAbstractTableModel) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    view.horizontalHeader().setDefaultSectionSize(140)
    view.verticalHeader().setDefaultSectionSize(22)
    return view


class ImportWizard(QWizard):
    def __init__(
        self, db: Database, actor: Actor, path: Path | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.setWindowTitle("Import incidents")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.resize(980, 680)
        self.path: Path | None = path
        self.preview: Table | None = None  # first rows, for preview and suggestions
        self.table: Table | None = None  # the whole file, once checked
        self.mapping = mapping.Mapping()
        self.prepared: engine.Prepared | None = None
        self.result: engine.ImportResult | None = None
        self.file_page = FilePage(self)
        self.format_page = FormatPage(self)
        self.mapping_page = MappingPage(self)
        self.check_page = CheckPage(self)
        self.run_page = RunPage(self)
        for page in (self.file_page, self.format_page, self.mapping_page, self.check_page, self.run_page):
            self.addPage(page)
        if path is not None:
            self.file_page.path_edit.setText(str(path))

    def reject(self) -> None:
        """Closing the wizard while an import runs cancels it (and so writes nothing)."""
        for page in (self.check_page, self.run_page):
            if page.task is not None and page.task.running:
                page.task.cancel()
        super().reject()

    # -- reading, for the pages ------------------------------------------------------------
    def read_options(self) -> dict[str, Any]:
        return self.format_page.options()

    def load_preview(self) -> None:
        assert self.path is not None
        self.preview = read_table(self.path, limit=PREVIEW_ROWS, **self.read_options())


class FilePage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle("Choose a file")
        self.setSubTitle(
            "A CSV file (any delimiter; UTF-8, Windows-1252 or Latin-1) or an Excel workbook (.xlsx). "
            "OSHA Severe Injury Reports and the OSHA fatality list are recognised by their columns."
        )
        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText("Path to a .csv or .xlsx file")
        self.path_edit.textChanged.connect(self.completeChanged)
        browse = QPushButton("&Browse…")
        browse.clicked.connect(self.browse)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b71c1c")
        self.error.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("&File:", buddy=self.path_edit))
        layout.addLayout(row)
        layout.addWidget(self.error)
        layout.addStretch(1)

    def browse(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self,
            "Import incidents",
            str(Path.home()),
            "Spreadsheets (*.csv *.txt *.tsv *.xlsx *.xlsm);;All files (*)",
        )
        if name:
            self.path_edit.setText(name)

    def isComplete(self) -> bool:
        return bool(self.path_edit.text().strip())

    def validatePage(self) -> bool:
        path = Path(self.path_edit.text().strip()).expanduser()
        if not path.is_file():
            self.error.setText(f"There is no file at {path}.")
            return False
        self.wiz.path = path
        self.wiz.table = None
        try:
            self.wiz.format_page.reset_for(path)
            self.wiz.load_preview()
        except IncidentDeskError as exc:
            self.error.setText(str(exc))
            return False
        self.error.clear()
        return True


class FormatPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle("Check how the file is read")
        self.setSubTitle(
            "The encoding and delimiter are detected; change them if the preview looks wrong "
            "(accented letters garbled, everything in one column)."
        )
        self.encoding = QComboBox()
        self.encoding.addItem("Detect automatically", None)
        for code, label in ENCODINGS.items():
            self.encoding.addItem(label, code)
        self.delimiter = QComboBox()
        self.delimiter.addItem("Detect automatically", None)
        for char, label in DELIMITERS.items():
            self.delimiter.addItem(label, char)
        self.sheet = QComboBox()
        self.detected = QLabel()
        self.detected.setWordWrap(True)
        for combo in (self.encoding, self.delimiter, self.sheet):
            combo.currentIndexChanged.connect(self.reload)
        form = QFormLayout()
        form.addRow("&Encoding:", self.encoding)
        form.addRow("&Delimiter:", self.delimiter)
        form.addRow("&Sheet:", self.sheet)
        self.form = form
        self.model = TableModel()
        self.view = _table_view(self.model)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b71c1c")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.detected)
        layout.addWidget(self.error)
        layout.addWidget(self.view, 1)
        self._loading = False

    def reset_for(self, path: Path) -> None:
        self._loading = True
        try:
            excel = is_excel(path)
            self.encoding.setCurrentIndex(0)
            self.delimiter.setCurrentIndex(0)
            self.form.setRowVisible(0, not excel)
            self.form.setRowVisible(1, not excel)
            self.form.setRowVisible(2, excel)
            self.sheet.clear()
            if excel:
                from incident_desk.imports.readers import excel_sheets

                self.sheet.addItems(excel_sheets(path))
        finally:
            self._loading = False

    def options(self) -> dict[str, Any]:
        if self.wiz.path is not None and is_excel(self.wiz.path):
            return {"sheet": self.sheet.currentText() or None}
        return {"encoding": self.encoding.currentData(), "delimiter": self.delimiter.currentData()}

    def reload(self) -> None:
        if self._loading or self.wiz.path is None:
            return
        try:
            self.wiz.load_preview()
            self.error.clear()
        except IncidentDeskError as exc:
            self.error.setText(str(exc))
        self.wiz.table = None
        self.show_preview()

    def initializePage(self) -> None:
        self.show_preview()

    def show_preview(self) -> None:
        t = self.wiz.preview
        if t is None:
            self.model.set([], [])
            return
        self.model.set(t.headers, t.rows)
        if t.kind == "csv":
            self.detected.setText(
                f"Read as {ENCODINGS.get(t.encoding or '', t.encoding)}, "
                f"{DELIMITERS.get(t.delimiter or '', repr(t.delimiter)).lower()}-separated: "
                f"{len(t.headers)} columns. First {len(t.rows)} rows shown."
            )
        else:
            self.detected.setText(
                f"Sheet {t.sheet!r}: {len(t.headers)} columns. First {len(t.rows)} rows shown."
            )

    def isComplete(self) -> bool:
        return self.wiz.preview is not None and bool(self.wiz.preview.headers)


class TargetRow:
    """The widgets choosing one target field's rule."""

    def __init__(self, page: MappingPage, target: mapping.Target) -> None:
        self.page, self.target = page, target
        self.label = QLabel(target.label + (" *" if target.required else ""))
        self.source = QComboBox()
        self.source.setObjectName(f"source_{target.name}")
        self.source.setMinimumContentsLength(18)
        self.constant = QLineEdit()
        self.constant.setObjectName(f"constant_{target.name}")
        self.option = QLineEdit()
        self.option.setObjectName(f"option_{target.name}")
        if target.kind == "date":
            self.option.setPlaceholderText("format, e.g. %d/%m/%Y (empty: recognised)")
        elif target.kind == "lookup":
            self.option.setPlaceholderText("value map, e.g. high=Urgent; low=Minor")
        else:
            self.option.setVisible(False)
        self.kept: mapping.Rule | None = None
        self.source.currentIndexChanged.connect(self.changed)
        self.constant.textChanged.connect(page.refresh_preview)
        self.option.textChanged.connect(page.refresh_preview)

    def changed(self) -> None:
        self.constant.setVisible(self.source.currentData() == CONSTANT)
        self.page.refresh_preview()

    def fill(self, headers: list[str], rule: mapping.Rule) -> None:
        self.source.blockSignals(True)
        self.source.clear()
        self.source.addItem(NOT_MAPPED, None)
        self.kept = None
        if rule.template or rule.derive:
            self.kept = rule
            self.source.addItem(f"Built-in rule: {rule.describe()[:60]}", KEEP)
            self.source.setItemData(1, rule.describe(), Qt.ItemDataRole.ToolTipRole)
        self.source.addItem(CONSTANT, CONSTANT)
        for h in headers:
            self.source.addItem(f"Column: {h}", h)
        if self.kept is not None:
            self.source.setCurrentIndex(1)
        elif rule.column and rule.column in headers:
            self.source.setCurrentIndex(self.source.findData(rule.column))
        elif rule.constant:
            self.source.setCurrentIndex(self.source.findData(CONSTANT))
        else:
            self.source.setCurrentIndex(0)
        self.constant.setText(rule.constant)
        self.constant.setVisible(self.source.currentData() == CONSTANT)
        if self.target.kind == "date":
            self.option.setText(rule.date_format)
        elif self.target.kind == "lookup":
            self.option.setText("; ".join(f"{k}={v}" for k, v in rule.value_map.items()))
        self.truncate = rule.truncate
        self.rule_extras = {"case": rule.case, "first_sentence": rule.first_sentence, "trim": rule.trim}
        self.source.blockSignals(False)

    def rule(self) -> mapping.Rule:
        choice = self.source.currentData()
        if choice == KEEP and self.kept is not None:
            rule = mapping.Rule.from_dict(self.kept.to_dict())
        elif choice == CONSTANT:
            rule = mapping.Rule(constant=self.constant.text().strip())
        elif choice:
            rule = mapping.Rule(column=choice, **getattr(self, "rule_extras", {}))
        else:
            return mapping.Rule()
        rule.truncate = getattr(self, "truncate", False) or self.target.name in (
            "title",
            "customer",
            "body_part",
            "nature_of_injury",
        )
        option = self.option.text().strip()
        if self.target.kind == "date":
            rule.date_format = option
        elif self.target.kind == "lookup" and option:
            pairs = [p.split("=", 1) for p in option.split(";") if "=" in p]
            rule.value_map = {k.strip(): v.strip() for k, v in pairs if k.strip()}
        return rule


class MappingPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle("Map columns to fields")
        self.setSubTitle(
            "Each field takes a column of the file or a fixed value. Fields marked * are required. "
            "The table below shows the first rows as they will be imported."
        )
        self.choice = QComboBox()
        self.choice.setObjectName("mapping_choice")
        self.choice.activated.connect(self.use_choice)
        self.save_name = QLineEdit()
        self.save_name.setPlaceholderText("Name to save this mapping under")
        save = QPushButton("&Save mapping")
        save.clicked.connect(self.save)
        self.status_closed = QCheckBox("Import as closed (historical records)")
        self.status_closed.setChecked(True)
        self.create_customers = QCheckBox("Create customers, sites and locations that do not exist yet")
        top = QHBoxLayout()
        top.addWidget(QLabel("&Start from:", buddy=self.choice))
        top.addWidget(self.choice, 1)
        top.addWidget(self.save_name, 1)
        top.addWidget(save)
        grid_host = QWidget()
        self.grid = QGridLayout(grid_host)
        self.grid.setContentsMargins(0, 0, 0, 0)
        for col, title in enumerate(("Field", "Comes from", "Fixed value", "Format / value map")):
            header = QLabel(f"<b>{title}</b>")
            self.grid.addWidget(header, 0, col)
        self.rows: dict[str, TargetRow] = {}
        for r, target in enumerate(mapping.TARGETS, start=1):
            row = TargetRow(self, target)
            self.rows[target.name] = row
            self.grid.addWidget(row.label, r, 0)
            self.grid.addWidget(row.source, r, 1)
            self.grid.addWidget(row.constant, r, 2)
            self.grid.addWidget(row.option, r, 3)
        self.grid.setColumnStretch(1, 2)
        self.grid.setColumnStretch(2, 1)
        self.grid.setColumnStretch(3, 2)
        scroll = QScrollArea()
        scroll.setWidget(grid_host)
        scroll.setWidgetResizable(True)
        self.problems = QLabel()
        self.problems.setStyleSheet("color: #b71c1c")
        self.problems.setWordWrap(True)
        self.model = TableModel()
        self.view = _table_view(self.model)
        self.view.setMaximumHeight(170)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        options = QHBoxLayout()
        options.addWidget(self.status_closed)
        options.addWidget(self.create_customers)
        options.addStretch(1)
        layout.addLayout(options)
        layout.addWidget(scroll, 3)
        layout.addWidget(self.problems)
        layout.addWidget(self.view, 2)
        self._filling = False

    def initializePage(self) -> None:
        headers = self.wiz.preview.headers if self.wiz.preview else []
        self.choice.clear()
        suggested = mapping.suggest(headers)
        self.choice.addItem(
            f"Suggested: {suggested.name}" if suggested.name else "Suggested from the column names",
            ("suggested", ""),
        )
        for name in mapping.BUILTIN:
            self.choice.addItem(f"Built-in: {name}", ("builtin", name))
        try:
            with self.wiz.db.reading() as s:
                for name in mapping.saved_names(s):
                    self.choice.addItem(f"Saved: {name}", ("saved", name))
        except Exception:
            pass
        self.apply(suggested)

    def use_choice(self) -> None:
        kind, name = self.choice.currentData()
        headers = self.wiz.preview.headers if self.wiz.preview else []
        if kind == "suggested":
            self.apply(mapping.suggest(headers))
            return
        with self.wiz.db.reading() as s:
            self.apply(mapping.load(s, name))

    def apply(self, m: mapping.Mapping) -> None:
        headers = self.wiz.preview.headers if self.wiz.preview else []
        self._filling = True
        try:
            self.base = m
            for name, row in self.rows.items():
                row.fill(headers, m.rule(name))
            self.status_closed.setChecked(m.status == "closed")
            self.create_customers.setChecked(bool(m.create_missing))
            self.save_name.setText("" if m.name in mapping.BUILTIN else m.name)
        finally:
            self._filling = False
        self.refresh_preview()

    def current(self) -> mapping.Mapping:
        rules = {name: row.rule() for name, row in self.rows.items()}
        base = getattr(self, "base", mapping.Mapping())
        return mapping.Mapping(
            name=self.save_name.text().strip() or base.name,
            description=base.description,
            rules={k: r for k, r in rules.items() if not r.empty},
            status="closed" if self.status_closed.isChecked() else "reported",
            create_missing=mapping.CREATABLE if self.create_customers.isChecked() else (),
        )

    def refresh_preview(self) -> None:
        if self._filling:
            return
        preview = self.wiz.preview
        if preview is None:
            return
        m = self.current()
        problems = mapping.mapping_problems(m, preview.headers)
        self.problems.setText("\n".join(problems))
        shown = [t for t in mapping.TARGETS if not m.rule(t.name).empty]
        rows: list[list[str]] = []
        fns = {}
        for t in shown:
            try:
                fns[t.name] = mapping.compile_rule(m.rule(t.name), preview.headers)
            except mapping.MappingError:
                fns[t.name] = None
        for raw in preview.rows[:10]:
            rows.append([(fn(raw) if fn else "?") for fn in fns.values()])
        self.model.set([t.label for t in shown], rows)
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        preview = self.wiz.preview
        return preview is not None and not mapping.mapping_problems(self.current(), preview.headers)

    def save(self) -> None:
        m = self.current()
        try:
            with self.wiz.db.transaction() as s:
                mapping.save(s, self.wiz.actor, m)
        except IncidentDeskError as exc:
            QMessageBox.warning(self, "Save mapping", str(exc))
            return
        self.problems.setText("")
        self.setSubTitle(
            f"Saved the mapping “{m.name}”. It is offered in this wizard and by "
            f'`incident-desk import --mapping "{m.name}"`.'
        )

    def validatePage(self) -> bool:
        self.wiz.mapping = self.current()
        return True


class CheckPage(QWizardPage):
    """Reads the whole file and checks every row on a worker thread; shows the problems."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle("Check the rows")
        self.setSubTitle("Nothing has been written yet.")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.list = QListView()
        self.list.setObjectName("problems")
        self.list.setUniformItemSizes(True)
        self.problem_model = TableModel()
        self.list.setModel(self.problem_model)
        self.fix = QRadioButton("Fix the mapping (go Back) or the file, and check again")
        self.skip = QRadioButton("Skip the rows with problems and import the rest")
        self.skip.setObjectName("skip_bad_rows")
        self.skip.toggled.connect(self.completeChanged)
        self.fix.toggled.connect(self.completeChanged)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.list, 100)
        layout.addWidget(self.fix)
        layout.addWidget(self.skip)
        layout.addStretch(1)  # keeps the summary at the top when there is no problem list
        self.task: BackgroundTask | None = None
        self.done = False

    def initializePage(self) -> None:
        self.done = False
        self.wiz.prepared = None
        self.summary.setText("Reading and checking every row…")
        self.list.setVisible(True)
        self.problem_model.set([""], [])
        self.fix.setVisible(False)
        self.skip.setVisible(False)
        path, options, m, db = self.wiz.path, self.wiz.read_options(), self.wiz.mapping, self.wiz.db
        table = self.wiz.table

        def work(progress: Progress) -> tuple[Table, engine.Prepared]:
            assert path is not None
            t = table or read_table(path, **options)
            progress.check()
            with db.reading() as s:
                return t, engine.check(s, t, m)

        self.task = BackgroundTask(work, title="Checking rows", parent=self, show_dialog=False)
        self.task.finished.connect(self.checked)
        self.task.failed.connect(lambda exc, _tb: self.summary.setText(f"The file cannot be checked: {exc}"))
        self.task.start()

    def checked(self, result: tuple[Table, engine.Prepared]) -> None:
        self.wiz.table, prepared = result
        self.wiz.prepared = prepared
        bad, total = len(prepared.bad_rows), prepared.total
        self.problem_model.set(["Problem"], [[str(p)] for p in prepared.problems])
        self.list.setVisible(bool(prepared.problems))
        if not prepared.problems:
            self.summary.setText(
                f"All {total:,} rows passed the checks and are ready to import.\n\n"
                "Rows imported from this file before are recognised by their ID: they are updated "
                "if they changed in the file and otherwise left as they are, so nothing is "
                "duplicated. Click Next to import; you can cancel while it runs, and then nothing "
                "is written."
            )
        else:
            self.summary.setText(
                f"{bad:,} of {total:,} rows have problems ({len(prepared.problems):,} listed by row "
                "and column). Choose what to do:"
            )
            self.fix.setVisible(True)
            self.skip.setVisible(bad < total)
            self.fix.setChecked(True)
        self.done = True
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        prepared = self.wiz.prepared
        if not self.done or prepared is None:
            return False
        return not prepared.problems or self.skip.isChecked()

    def cleanupPage(self) -> None:
        if self.task is not None and self.task.running:
            self.task.cancel()


class RunPage(QWizardPage):
    """Imports on a worker thread with a progress dialog (rows/s, Cancel)."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle("Import")
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setObjectName("result")
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addStretch(1)
        self.task: BackgroundTask | None = None
        self.finished_ok = False
        self.setCommitPage(True)

    def initializePage(self) -> None:
        self.finished_ok = False
        self.label.setText("Importing…")
        wiz = self.wiz
        path, m, table = wiz.path, wiz.mapping, wiz.table
        options = engine.ImportOptions(skip_bad_rows=wiz.check_page.skip.isChecked(), **wiz.read_options())
        db, actor = wiz.db, wiz.actor

        def work(progress: Progress) -> engine.ImportResult:
            assert path is not None
            return engine.run_import(db, actor, path, m, options, progress, table=table)

        self.task = BackgroundTask(work, title="Importing incidents", parent=self)
        self.task.finished.connect(self.imported)
        self.task.failed.connect(self.failed)
        self.task.cancelled.connect(self.cancelled)
        self.task.start()

    def imported(self, result: engine.ImportResult) -> None:
        self.wiz.result = result
        self.finished_ok = True
        self.label.setText(result.summary())
        window = self.wiz.parent()
        for name in ("refresh_counts",):
            fn = getattr(window, name, None)
            if callable(fn):
                fn()
        for screen in getattr(window, "screens", {}).values():
            refresh = getattr(screen, "refresh", None)
            if callable(refresh):
                refresh()
        self.completeChanged.emit()

    def failed(self, exc: BaseException, _tb: str) -> None:
        self.label.setText(f"The import failed and nothing was written: {exc}")
        self.finished_ok = True
        self.completeChanged.emit()

    def cancelled(self) -> None:
        self.label.setText("Import cancelled. Nothing was written: the database is as it was before.")
        self.finished_ok = True
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.finished_ok


def open_import_wizard(window: Any) -> ImportWizard:
    """COMMANDS["import"]: File → Import…"""
    from incident_desk.users.roles import allowed

    if not allowed(window.actor, "import.run"):
        QMessageBox.information(
            window, "Import", "Importing incidents needs the Safety officer or Administrator role."
        )
        return None  # type: ignore[return-value]
    wizard = ImportWizard(window.db, window.actor, parent=window)
    wizard.setModal(True)
    wizard.show()
    return wizard
