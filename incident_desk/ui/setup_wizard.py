"""The first-run setup wizard: organisation, sites, administrator, severities, risk matrix, SLAs, demo data.

It only collects answers; ``incident_desk.org.setup.apply_setup`` writes them in one
transaction when Finish is pressed. Demo data then loads on a worker thread with progress.
"""

from __future__ import annotations

import csv
import io
import os
import zoneinfo
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QColorDialog,
    QComboBox,
    QCompleter,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from incident_desk import APP_NAME
from incident_desk.db import Database
from incident_desk.errors import IncidentDeskError, ValidationError
from incident_desk.org import service as org_service
from incident_desk.org.setup import (
    SetupPlan,
    SeverityEntry,
    SiteEntry,
    apply_setup,
    check_severities,
    check_sites,
    default_severities,
    default_sla,
    risk_templates,
)
from incident_desk.paths import resources_dir
from incident_desk.users import service as users

LOGO_FILTER = "Images (*.png *.jpg *.jpeg *.svg)"
MIME = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".svg": "image/svg+xml"}


def local_timezone() -> str:
    tz = os.environ.get("TZ", "")
    if tz in zoneinfo.available_timezones():
        return tz
    try:
        link = Path("/etc/localtime").resolve()
        parts = link.parts
        if "zoneinfo" in parts:
            name = "/".join(parts[parts.index("zoneinfo") + 1 :])
            if name in zoneinfo.available_timezones():
                return name
    except OSError:
        pass
    try:
        name = Path("/etc/timezone").read_text(encoding="utf-8").strip()
        if name in zoneinfo.available_timezones():
            return name
    except OSError:
        pass
    return "UTC"


class ErrorLabel(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page_error")
        self.setWordWrap(True)
        self.setStyleSheet(
            "QLabel { color: #b71c1c; background: #fdecea; border: 1px solid #f5c2c0; "
            "border-radius: 4px; padding: 6px 8px; }"
        )
        self.hide()

    def show_messages(self, messages: list[str]) -> None:
        self.setText("\n".join(messages))
        self.setVisible(bool(messages))


def hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet("color: palette(placeholder-text);")
    return label


class Page(QWizardPage):
    def __init__(self, title: str, subtitle: str) -> None:
        super().__init__()
        self.setTitle(title)
        self.setSubTitle(subtitle)
        self.layout_ = QVBoxLayout(self)
        self.error = ErrorLabel()

    def finish_layout(self) -> None:
        self.layout_.addWidget(self.error)

    def fail(self, messages: list[str]) -> bool:
        self.error.show_messages(messages)
        return not messages


# -- pages ----------------------------------------------------------------------------------
class OrganisationPage(Page):
    def __init__(self) -> None:
        super().__init__(
            "Your organisation", "The name and logo appear on reports, OSHA forms and the window title."
        )
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.name = QLineEdit()
        self.name.setObjectName("org_name")
        self.name.setPlaceholderText("e.g. Northwind Industrial Group")
        self.company = QLineEdit()
        self.company.setPlaceholderText("Legal name for OSHA Form 300A, if different")
        self.timezone = QComboBox()
        self.timezone.setEditable(True)
        zones = sorted(zoneinfo.available_timezones())
        self.timezone.addItems(zones)
        self.timezone.setCurrentText(local_timezone())
        self.timezone.completer().setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.timezone.completer().setFilterMode(Qt.MatchFlag.MatchContains)
        self.currency = QLineEdit("USD")
        self.currency.setMaxLength(3)
        self.currency.setMaximumWidth(80)
        self.prefix = QLineEdit("INC")
        self.prefix.setMaxLength(10)
        self.prefix.setMaximumWidth(120)
        form.addRow("Organisation &name:", self.name)
        form.addRow("&Legal company name:", self.company)
        form.addRow("&Time zone:", self.timezone)
        form.addRow("&Currency:", self.currency)
        form.addRow("Reference &prefix:", self.prefix)
        self.layout_.addLayout(form)
        self.layout_.addWidget(
            hint("Incident references look like INC-2026-00042; the prefix replaces “INC”.")
        )

        logo_row = QHBoxLayout()
        self.logo_preview = QLabel()
        self.logo_preview.setFixedSize(QSize(96, 96))
        self.logo_preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.logo_preview.setFrameShape(QFrame.Shape.StyledPanel)
        self.logo_preview.setText("No logo")
        buttons = QVBoxLayout()
        self.choose_logo = QPushButton("Choose &logo…")
        self.remove_logo = QPushButton("Remove")
        self.remove_logo.setEnabled(False)
        self.choose_logo.clicked.connect(self.pick_logo)
        self.remove_logo.clicked.connect(lambda: self.set_logo(None))
        buttons.addWidget(self.choose_logo)
        buttons.addWidget(self.remove_logo)
        buttons.addWidget(hint("PNG, JPEG or SVG, up to 2 MB."))
        buttons.addStretch()
        logo_row.addWidget(self.logo_preview)
        logo_row.addLayout(buttons)
        logo_row.addStretch()
        form.addRow("Logo:", logo_row)
        self.logo: tuple[bytes, str] | None = None
        self.registerField("org_name*", self.name)
        self.layout_.addStretch()
        self.finish_layout()

    def pick_logo(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose the organisation logo", str(Path.home()), LOGO_FILTER
        )
        if path:
            self.load_logo(Path(path))

    def load_logo(self, path: Path) -> None:
        mime = MIME.get(path.suffix.lower())
        if mime is None:
            self.fail(["The logo must be a PNG, JPEG or SVG image."])
            return
        try:
            data = path.read_bytes()
        except OSError as exc:
            self.fail([f"Cannot read {path.name}: {exc.strerror}."])
            return
        if len(data) > org_service.MAX_LOGO_BYTES:
            self.fail(["The logo file is larger than 2 MB; use a smaller image."])
            return
        self.set_logo((data, mime))

    def set_logo(self, logo: tuple[bytes, str] | None) -> None:
        self.logo = logo
        self.remove_logo.setEnabled(logo is not None)
        if logo is None:
            self.logo_preview.setPixmap(QPixmap())
            self.logo_preview.setText("No logo")
            return
        pix = QPixmap()
        pix.loadFromData(logo[0])
        if pix.isNull():
            self.logo = None
            self.fail(["That file is not an image Incident Desk can read."])
            return
        self.error.show_messages([])
        self.logo_preview.setPixmap(
            pix.scaled(88, 88, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
        )

    def values(self) -> dict[str, Any]:
        return {
            "name": self.name.text(),
            "company_name": self.company.text(),
            "timezone": self.timezone.currentText(),
            "currency": self.currency.text(),
            "reference_prefix": self.prefix.text(),
        }

    def validatePage(self) -> bool:
        problems = org_service.validate_organisation(self.values())
        return self.fail([m for msgs in problems.values() for m in msgs])


class SitesPage(Page):
    COLUMNS = ("Site", "Code", "City", "State", "Locations (separate with commas)")

    def __init__(self) -> None:
        super().__init__(
            "Sites and locations",
            "Where incidents happen: each site (plant, depot, office) and the areas within it. "
            "You can add more later under Settings.",
        )
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setObjectName("sites_table")
        self.table.setHorizontalHeaderLabels(self.COLUMNS)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for col, width in enumerate((190, 60, 120, 50)):
            self.table.setColumnWidth(col, width)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.layout_.addWidget(self.table)
        row = QHBoxLayout()
        self.add_button = QPushButton("&Add site")
        self.remove_button = QPushButton("&Remove site")
        self.import_button = QPushButton("&Import from CSV…")
        self.add_button.clicked.connect(lambda: self.add_site(SiteEntry("")))
        self.remove_button.clicked.connect(self.remove_site)
        self.import_button.clicked.connect(self.pick_csv)
        for b in (self.add_button, self.remove_button):
            row.addWidget(b)
        row.addStretch()
        row.addWidget(self.import_button)
        self.layout_.addLayout(row)
        self.layout_.addWidget(
            hint("CSV columns: site, location, and optionally code, city, state — one row per location.")
        )
        self.add_site(SiteEntry("", locations=[]))
        self.finish_layout()

    def add_site(self, entry: SiteEntry) -> None:
        r = self.table.rowCount()
        self.table.insertRow(r)
        for col, text in enumerate(
            (entry.name, entry.code, entry.city, entry.state, ", ".join(entry.locations))
        ):
            self.table.setItem(r, col, QTableWidgetItem(text))
        self.table.setCurrentCell(r, 0)

    def remove_site(self) -> None:
        r = self.table.currentRow()
        if r >= 0:
            self.table.removeRow(r)

    def pick_csv(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import sites and locations", str(Path.home()), "CSV files (*.csv)"
        )
        if path:
            self.import_csv(Path(path))

    def import_csv(self, path: Path) -> int:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            self.fail([f"Cannot read {path.name}: {exc}"])
            return 0
        reader = csv.DictReader(io.StringIO(text))
        fields = {(f or "").strip().lower(): f for f in reader.fieldnames or []}
        if "site" not in fields:
            self.fail([f"{path.name} has no “site” column (found: {', '.join(fields) or 'nothing'})."])
            return 0
        sites: dict[str, SiteEntry] = {e.name.lower(): e for e in self.entries() if e.name}
        added = 0
        for row in reader:

            def get(key: str, row: dict[str, Any] = row) -> str:
                return (row.get(fields.get(key, ""), "") or "").strip()

            name = get("site")
            if not name:
                continue
            entry = sites.get(name.lower())
            if entry is None:
                entry = sites[name.lower()] = SiteEntry(name, get("code"), get("city"), get("state"))
                added += 1
            loc = get("location")
            if loc and loc.lower() not in (x.lower() for x in entry.locations):
                entry.locations.append(loc)
        self.table.setRowCount(0)
        for entry in sites.values():
            self.add_site(entry)
        self.error.show_messages([])
        return added

    def entries(self) -> list[SiteEntry]:
        out = []
        for r in range(self.table.rowCount()):

            def cell(c: int, r: int = r) -> str:
                item = self.table.item(r, c)
                return item.text().strip() if item else ""

            locs = [x.strip() for x in cell(4).replace(";", ",").split(",") if x.strip()]
            if cell(0) or locs:
                out.append(SiteEntry(cell(0), cell(1), cell(2), cell(3).upper(), locs))
        return out

    def validatePage(self) -> bool:
        problems = check_sites(self.entries())
        for e in self.entries():
            if not e.name:
                problems.append("A row has locations but no site name.")
            if e.state and (len(e.state) != 2 or not e.state.isalpha()):
                problems.append(f"The state of {e.name} is a two-letter code such as OH.")
        return self.fail(problems)


class AdminPage(Page):
    def __init__(self) -> None:
        super().__init__(
            "Administrator account",
            "The administrator manages users and settings. There is no built-in account or default "
            "password: keep this one safe.",
        )
        form = QFormLayout()
        self.username = QLineEdit("admin")
        self.username.setObjectName("admin_username")
        self.full_name = QLineEdit()
        self.full_name.setObjectName("admin_full_name")
        self.email = QLineEdit()
        self.email.setPlaceholderText("for notifications (optional)")
        self.password = QLineEdit()
        self.password.setObjectName("admin_password")
        self.repeat = QLineEdit()
        self.repeat.setObjectName("admin_repeat")
        for w in (self.password, self.repeat):
            w.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("&User name:", self.username)
        form.addRow("&Full name:", self.full_name)
        form.addRow("&E-mail:", self.email)
        form.addRow("&Password:", self.password)
        form.addRow("&Repeat password:", self.repeat)
        self.layout_.addLayout(form)
        self.layout_.addWidget(
            hint(
                f"At least {users.MIN_PASSWORD_LENGTH} characters; a short sentence is easy "
                "to remember and hard to guess."
            )
        )
        self.layout_.addStretch()
        self.finish_layout()

    def validatePage(self) -> bool:
        problems = []
        name = self.username.text().strip()
        if not name:
            problems.append("Enter a user name.")
        elif len(name) > 64 or any(c.isspace() for c in name):
            problems.append("A user name has no spaces and at most 64 characters.")
        if not self.full_name.text().strip():
            problems.append("Enter the administrator's full name.")
        if self.email.text().strip() and "@" not in self.email.text():
            problems.append("That is not an e-mail address.")
        problems += users.check_password_rules(self.password.text())
        if self.password.text() != self.repeat.text():
            problems.append("The two passwords differ.")
        return self.fail(problems)


class SeverityPage(Page):
    def __init__(self, db: Database) -> None:
        super().__init__(
            "Severity levels",
            "How serious an incident is, most severe first. Rename, recolour, add or remove levels to "
            "match your organisation's scheme.",
        )
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("severity_table")
        self.table.setHorizontalHeaderLabels(("Colour", "Name", "Description"))
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setColumnWidth(0, 70)
        self.table.setColumnWidth(1, 130)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setWordWrap(True)
        self.table.cellDoubleClicked.connect(self._cell_double_clicked)
        self.layout_.addWidget(self.table)
        row = QHBoxLayout()
        self.add_button = QPushButton("&Add level")
        self.remove_button = QPushButton("&Remove")
        self.up_button = QPushButton("Move &up")
        self.down_button = QPushButton("Move &down")
        self.reset_button = QPushButton("Restore &defaults")
        self.add_button.clicked.connect(lambda: self.add_level(SeverityEntry("", "#607d8b")))
        self.remove_button.clicked.connect(self.remove_level)
        self.up_button.clicked.connect(lambda: self.move(-1))
        self.down_button.clicked.connect(lambda: self.move(1))
        self.reset_button.clicked.connect(self.restore_defaults)
        for b in (self.add_button, self.remove_button, self.up_button, self.down_button):
            row.addWidget(b)
        row.addStretch()
        row.addWidget(self.reset_button)
        self.layout_.addLayout(row)
        self.layout_.addWidget(hint("Double-click a colour to change it."))
        with db.reading() as s:
            self.seeded = [
                SeverityEntry(x.name, x.colour, x.description, existing_id=x.id)
                for x in org_service.list_severities(s, include_inactive=False)
            ]
        self.set_levels(self.seeded or default_severities())
        self.finish_layout()

    def set_levels(self, levels: list[SeverityEntry]) -> None:
        self.table.setRowCount(0)
        for lv in levels:
            self.add_level(lv)

    def restore_defaults(self) -> None:
        by_name = {x.name: x.existing_id for x in self.seeded}
        self.set_levels(
            [
                SeverityEntry(d.name, d.colour, d.description, existing_id=by_name.get(d.name))
                for d in default_severities()
            ]
        )

    def add_level(self, lv: SeverityEntry) -> None:
        r = self.table.rowCount()
        self.table.insertRow(r)
        swatch = QTableWidgetItem(lv.colour)
        swatch.setData(Qt.ItemDataRole.UserRole, lv.existing_id)
        swatch.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
        self._paint(swatch, lv.colour)
        self.table.setItem(r, 0, swatch)
        self.table.setItem(r, 1, QTableWidgetItem(lv.name))
        self.table.setItem(r, 2, QTableWidgetItem(lv.description))
        self.table.setCurrentCell(r, 1)

    @staticmethod
    def _paint(item: QTableWidgetItem, colour: str) -> None:
        c = QColor(colour)
        item.setBackground(c)
        item.setForeground(QColor("#ffffff") if c.lightness() < 150 else QColor("#000000"))
        item.setText(colour)

    def _cell_double_clicked(self, row: int, col: int) -> None:
        if col != 0:
            return
        item = self.table.item(row, 0)
        colour = QColorDialog.getColor(QColor(item.text()), self, "Severity colour")
        if colour.isValid():
            self._paint(item, colour.name())

    def remove_level(self) -> None:
        r = self.table.currentRow()
        if r >= 0:
            self.table.removeRow(r)

    def move(self, step: int) -> None:
        r = self.table.currentRow()
        target = r + step
        if r < 0 or not 0 <= target < self.table.rowCount():
            return
        levels = self.levels()
        levels[r], levels[target] = levels[target], levels[r]
        self.set_levels(levels)
        self.table.setCurrentCell(target, 1)

    def levels(self) -> list[SeverityEntry]:
        out = []
        for r in range(self.table.rowCount()):
            swatch = self.table.item(r, 0)
            name = self.table.item(r, 1)
            desc = self.table.item(r, 2)
            out.append(
                SeverityEntry(
                    name.text().strip() if name else "",
                    swatch.text(),
                    desc.text().strip() if desc else "",
                    existing_id=swatch.data(Qt.ItemDataRole.UserRole),
                )
            )
        return out

    def validatePage(self) -> bool:
        return self.fail(check_severities(self.levels()))


class RiskPage(Page):
    def __init__(self) -> None:
        super().__init__(
            "Risk matrix",
            "The matrix officers rate hazards on (likelihood × severity). Pick the one closest to your "
            "procedures; you can edit it or switch later under Risk matrices.",
        )
        self.list = QListWidget()
        self.list.setObjectName("risk_templates")
        self.list.setStyleSheet("QListWidget::item { padding: 6px 4px; }")
        self.layout_.addWidget(self.list)
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.detail.setMinimumHeight(60)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.layout_.addWidget(self.detail)
        self.templates = risk_templates()
        for d in self.templates:
            size = f"{len(d.get('likelihood', []))}×{len(d.get('severity', []))}"
            item = QListWidgetItem(f"{d['name']}   ({size}, {len(d.get('bands', []))} bands)")
            item.setData(Qt.ItemDataRole.UserRole, d["name"])
            self.list.addItem(item)
        if not self.templates:
            self.list.addItem(QListWidgetItem("No risk-matrix templates are installed."))
            self.list.setEnabled(False)
        self.list.currentRowChanged.connect(self._show)
        default = next((i for i, d in enumerate(self.templates) if d["name"].startswith("5×5")), 0)
        self.list.setCurrentRow(default)
        self.finish_layout()

    def _show(self, row: int) -> None:
        if not 0 <= row < len(self.templates):
            self.detail.clear()
            return
        d = self.templates[row]
        bands = ", ".join(b["name"] for b in d.get("bands", []))
        self.detail.setText(f"<b>{d['name']}</b><br>{d.get('description', '')}<br><i>Bands:</i> {bands}")

    def chosen(self) -> str | None:
        row = self.list.currentRow()
        return self.templates[row]["name"] if 0 <= row < len(self.templates) else None


UNITS = (("hours", 60), ("days", 24 * 60))


class SlaPage(Page):
    COLUMNS = ("Acknowledge", "Assess", "Sign off", "Resolve")

    def __init__(self) -> None:
        super().__init__(
            "Response targets (SLAs)",
            "How quickly each stage should happen, counted from when the incident is reported. "
            "Overdue incidents are flagged and escalated.",
        )
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setObjectName("sla_table")
        self.table.setHorizontalHeaderLabels([f"{c} (hours)" for c in self.COLUMNS])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(32)
        self.layout_.addWidget(self.table)
        self.layout_.addWidget(
            hint(
                "Example: 48 hours to resolve a Critical incident. Targets must not decrease "
                "from left to right."
            )
        )
        self.layout_.addStretch()
        self.names: list[str] = []
        self.finish_layout()

    def set_levels(self, levels: list[SeverityEntry]) -> None:
        previous = {n: self.minutes(i) for i, n in enumerate(self.names)}
        self.names = [lv.name for lv in levels]
        self.table.setRowCount(len(levels))
        self.table.setVerticalHeaderLabels(self.names)
        for r, lv in enumerate(levels):
            minutes = previous.get(lv.name) or lv.sla or default_sla(lv.name, r, len(levels))
            for c, m in enumerate(minutes):
                spin = QDoubleSpinBox()
                spin.setDecimals(1)
                spin.setRange(0.1, 24 * 365)
                spin.setSuffix(" h")
                spin.setAlignment(Qt.AlignmentFlag.AlignRight)
                spin.setValue(m / 60)
                self.table.setCellWidget(r, c, spin)
        header = self.table.horizontalHeader().sizeHint().height()
        self.table.setFixedHeight(header + 32 * len(levels) + 2 * self.table.frameWidth() + 2)

    def minutes(self, row: int) -> tuple[int, int, int, int]:
        values = []
        for c in range(4):
            w = self.table.cellWidget(row, c)
            assert isinstance(w, QDoubleSpinBox)
            values.append(round(w.value() * 60))
        return (values[0], values[1], values[2], values[3])

    def initializePage(self) -> None:
        wizard = self.wizard()
        assert isinstance(wizard, SetupWizard)
        self.set_levels(wizard.severity_page.levels())

    def validatePage(self) -> bool:
        levels = [SeverityEntry(n, sla=self.minutes(i)) for i, n in enumerate(self.names)]
        return self.fail([p for p in check_severities(levels) if "SLA" in p])


class FinishPage(Page):
    def __init__(self) -> None:
        super().__init__(
            "Ready to start", "Start with an empty database, or load demo data to explore the app first."
        )
        self.empty = QRadioButton("&Start empty — I will enter our own incidents")
        self.empty.setObjectName("start_empty")
        self.demo = QRadioButton("Load &demo data to try things out")
        self.demo.setObjectName("load_demo")
        self.group = QButtonGroup(self)
        self.group.addButton(self.empty)
        self.group.addButton(self.demo)
        self.empty.setChecked(True)
        self.layout_.addWidget(self.empty)
        self.layout_.addWidget(self.demo)
        demo_row = QHBoxLayout()
        demo_row.setContentsMargins(24, 0, 0, 0)
        self.demo_count = QSpinBox()
        self.demo_count.setRange(100, 100_000)
        self.demo_count.setSingleStep(1000)
        self.demo_count.setValue(1000)
        self.demo_count.setGroupSeparatorShown(True)
        self.demo_count.setSuffix(" incidents")
        self.demo_count.setEnabled(False)
        self.demo.toggled.connect(self.demo_count.setEnabled)
        demo_row.addWidget(self.demo_count)
        demo_row.addWidget(hint("over three years, with four extra sites and a demo account for every role."))
        demo_row.addStretch()
        self.layout_.addLayout(demo_row)
        self.summary = QLabel()
        self.summary.setObjectName("summary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setFrameShape(QFrame.Shape.StyledPanel)
        self.summary.setStyleSheet("QLabel#summary { padding: 10px; }")
        self.layout_.addSpacing(8)
        self.layout_.addWidget(self.summary)
        self.layout_.addStretch()
        self.finish_layout()
        self.applied = False
        self.done = False

    def initializePage(self) -> None:
        w = self.wizard()
        assert isinstance(w, SetupWizard)
        sites = [s for s in w.sites_page.entries() if s.name]
        locs = sum(len(s.locations) for s in sites)
        levels = ", ".join(lv.name for lv in w.severity_page.levels())
        matrix = w.risk_page.chosen() or "none"
        self.summary.setText(
            f"<b>{w.org_page.name.text().strip()}</b> · time zone {w.org_page.timezone.currentText()}<br>"
            f"{len(sites)} site{'s' if len(sites) != 1 else ''} with {locs} location{'s' if locs != 1 else ''}<br>"
            f"Administrator: <b>{w.admin_page.username.text().strip()}</b> "
            f"({w.admin_page.full_name.text().strip()})<br>"
            f"Severity levels: {levels}<br>Risk matrix: {matrix}"
        )

    def validatePage(self) -> bool:
        w = self.wizard()
        assert isinstance(w, SetupWizard)
        if self.done:
            return True
        if not self.applied:
            try:
                w.apply()
            except IncidentDeskError as exc:
                messages = exc.messages() if isinstance(exc, ValidationError) else [str(exc)]
                return self.fail(messages)
            self.applied = True
            self.empty.setEnabled(False)
            self.demo.setEnabled(False)
            self.demo_count.setEnabled(False)
        if self.demo.isChecked():
            w.load_demo(self.demo_count.value())
            return False
        self.done = True
        return True


# -- the wizard -----------------------------------------------------------------------------
class SetupWizard(QWizard):
    """First start on an empty database. After ``exec()`` succeeds, ``username`` is the administrator."""

    def __init__(self, db: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.username = ""
        self.demo_accounts: dict[str, tuple[str, str]] = {}
        self.demo_task: Any = None
        self.setObjectName("setup_wizard")
        self.setWindowTitle(f"Set up {APP_NAME}")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setOption(QWizard.WizardOption.IndependentPages, False)
        icon = resources_dir() / "icons" / "incident-desk.svg"
        if icon.exists():
            self.setPixmap(QWizard.WizardPixmap.LogoPixmap, QIcon(str(icon)).pixmap(48, 48))
            self.setWindowIcon(QIcon(str(icon)))
        self.setButtonText(QWizard.WizardButton.FinishButton, "&Finish setup")
        self.org_page = OrganisationPage()
        self.sites_page = SitesPage()
        self.admin_page = AdminPage()
        self.severity_page = SeverityPage(db)
        self.risk_page = RiskPage()
        self.sla_page = SlaPage()
        self.finish_page = FinishPage()
        for page in (
            self.org_page,
            self.sites_page,
            self.admin_page,
            self.severity_page,
            self.risk_page,
            self.sla_page,
            self.finish_page,
        ):
            self.addPage(page)
        self.resize(760, 600)

    def plan(self) -> SetupPlan:
        levels = self.severity_page.levels()
        if self.sla_page.names == [lv.name for lv in levels]:
            for i, lv in enumerate(levels):
                lv.sla = self.sla_page.minutes(i)
        a = self.admin_page
        return SetupPlan(
            organisation=self.org_page.values(),
            admin_username=a.username.text().strip(),
            admin_full_name=a.full_name.text(),
            admin_password=a.password.text(),
            admin_email=a.email.text().strip(),
            logo=self.org_page.logo,
            sites=self.sites_page.entries(),
            severities=levels,
            risk_template=self.risk_page.chosen(),
        )

    def apply(self) -> None:
        plan = self.plan()
        with self.db.transaction() as s:
            admin = apply_setup(s, plan)
        self.username = plan.admin_username
        self.admin_name = admin.name

    def load_demo(self, count: int) -> None:
        from incident_desk.demo import generate
        from incident_desk.progress import Progress
        from incident_desk.ui.tasks import BackgroundTask

        def work(progress: Progress) -> Any:
            def report(step: str, fraction: float) -> None:
                progress.update(int(fraction * 100), 100, f"Adding demo data: {step.replace('_', ' ')}…")

            return generate(self.db, incidents=count, seed=1, progress=report)

        self.button(QWizard.WizardButton.FinishButton).setEnabled(False)
        self.button(QWizard.WizardButton.BackButton).setEnabled(False)
        task = BackgroundTask(work, title="Loading demo data", parent=self)
        task.finished.connect(self._demo_finished)
        task.failed.connect(self._demo_failed)
        task.cancelled.connect(lambda: self._demo_done("Demo data was not added. The setup itself is saved."))
        self.demo_task = task
        task.start()

    def _demo_finished(self, result: Any) -> None:
        self.demo_accounts = dict(result.accounts)
        lines = "\n".join(
            f"  {u}: {pw}  ({role})" for u, (role, pw) in result.accounts.items() if u != self.username
        )
        self._demo_done(f"{result.incidents:,} demo incidents were added. Demo accounts:\n\n{lines}")

    def _demo_failed(self, exc: BaseException, details: str) -> None:
        from incident_desk.logs import log_unexpected

        where = log_unexpected(type(exc), exc, exc.__traceback__, context="demo data")
        self._demo_done(
            f"The demo data could not be added: {exc}\n\nThe setup itself is saved. "
            f"Details were written to {where}."
        )

    def _demo_done(self, message: str) -> None:
        self.finish_page.done = True
        self.demo_message = message
        if message:
            QMessageBox.information(self, APP_NAME, message)
        self.accept()

    def reject(self) -> None:
        if self.finish_page.applied:
            # The database is set up already; leaving now is the same as finishing.
            if self.demo_task is not None and self.demo_task.running:
                self.demo_task.cancel()
                return
            self.accept()
            return
        super().reject()
