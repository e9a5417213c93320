"""The sections of the Settings dialog an administrator uses: organisation, sites and locations,
customers, incident types, severity levels, response targets and the e-mail server.

Each section changes data only through the core services, in one transaction per action, and
reports the outcome (or the core's plain message) through its ``status`` signal.
"""

from __future__ import annotations

import importlib
import zoneinfo
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QColorDialog,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from incident_desk import APP_NAME
from incident_desk.actor import Actor
from incident_desk.db import Database
from incident_desk.errors import IncidentDeskError, ValidationError
from incident_desk.org import service as org

MIME = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".svg": "image/svg+xml"}


def message_of(exc: IncidentDeskError) -> str:
    return "\n".join(exc.messages()) if isinstance(exc, ValidationError) else str(exc)


def _optional(module: str) -> Any | None:
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


class Section(QWidget):
    """One page of the dialog. ``run`` applies a change in one transaction and reports the outcome."""

    status = Signal(str, bool)  # message, is_error

    def __init__(self, db: Database, actor: Actor, title: str, intro: str = "") -> None:
        super().__init__()
        self.db, self.actor = db, actor
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(16, 12, 16, 12)
        heading = QLabel(title)
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.35)
        font.setBold(True)
        heading.setFont(font)
        self.layout_.addWidget(heading)
        if intro:
            label = QLabel(intro)
            label.setWordWrap(True)
            label.setStyleSheet("color: palette(placeholder-text);")
            self.layout_.addWidget(label)
        self.layout_.addSpacing(6)

    def run(self, fn: Callable[[Any], Any], done: str = "") -> Any:
        try:
            with self.db.transaction() as s:
                result = fn(s)
        except IncidentDeskError as exc:
            self.status.emit(message_of(exc), True)
            return None
        if done:
            self.status.emit(done, False)
        self.reload()
        return result if result is not None else True

    def reload(self) -> None:
        """Re-read what the page shows."""

    def button_row(self, *buttons: QPushButton, stretch_at: int | None = None) -> QHBoxLayout:
        row = QHBoxLayout()
        for i, b in enumerate(buttons):
            if stretch_at == i:
                row.addStretch()
            row.addWidget(b)
        if stretch_at is None:
            row.addStretch()
        self.layout_.addLayout(row)
        return row


def ask_text(parent: QWidget, title: str, label: str, text: str = "") -> str | None:
    value, ok = QInputDialog.getText(parent, title, label, QLineEdit.EchoMode.Normal, text)
    return value if ok else None


# -- organisation ---------------------------------------------------------------------------
class OrganisationSection(Section):
    def __init__(self, db: Database, actor: Actor) -> None:
        super().__init__(db, actor, "Organisation", "Shown on reports, OSHA forms and exports.")
        form = QFormLayout()
        self.name = QLineEdit()
        self.name.setObjectName("org_name")
        self.company = QLineEdit()
        self.ein = QLineEdit()
        self.ein.setPlaceholderText("12-3456789")
        self.ein.setMaximumWidth(140)
        self.timezone = QComboBox()
        self.timezone.setEditable(True)
        self.timezone.addItems(sorted(zoneinfo.available_timezones()))
        self.currency = QLineEdit()
        self.currency.setMaxLength(3)
        self.currency.setMaximumWidth(70)
        self.prefix = QLineEdit()
        self.prefix.setMaxLength(10)
        self.prefix.setMaximumWidth(120)
        form.addRow("Organisation &name:", self.name)
        form.addRow("&Legal company name:", self.company)
        form.addRow("&EIN:", self.ein)
        form.addRow("&Time zone:", self.timezone)
        form.addRow("&Currency:", self.currency)
        form.addRow("Reference &prefix:", self.prefix)
        logo_row = QHBoxLayout()
        self.logo = QLabel("No logo")
        self.logo.setObjectName("logo_preview")
        self.logo.setFixedSize(QSize(96, 96))
        self.logo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.logo.setFrameShape(QFrame.Shape.StyledPanel)
        choose = QPushButton("Choose &logo…")
        remove = QPushButton("Remove logo")
        choose.clicked.connect(self.pick_logo)
        remove.clicked.connect(lambda: self.run(lambda s: org.set_logo(s, self.actor, None), "Logo removed."))
        col = QVBoxLayout()
        col.addWidget(choose)
        col.addWidget(remove)
        col.addStretch()
        logo_row.addWidget(self.logo)
        logo_row.addLayout(col)
        logo_row.addStretch()
        form.addRow("Logo:", logo_row)
        self.layout_.addLayout(form)
        self.save_button = QPushButton("&Save")
        self.save_button.setObjectName("save_organisation")
        self.save_button.clicked.connect(self.save)
        self.layout_.addStretch()
        self.button_row(self.save_button, stretch_at=0)
        self.reload()

    def reload(self) -> None:
        with self.db.reading() as s:
            o = org.organisation(s)
            logo = org.logo(s)
            values = (o.name, o.company_name, o.ein, o.timezone, o.currency, o.reference_prefix)
        self.name.setText(values[0])
        self.company.setText(values[1])
        self.ein.setText(values[2])
        self.timezone.setCurrentText(values[3])
        self.currency.setText(values[4])
        self.prefix.setText(values[5])
        pix = QPixmap()
        if logo is not None and pix.loadFromData(logo[0]):
            self.logo.setPixmap(
                pix.scaled(
                    88, 88, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
                )
            )
        else:
            self.logo.setPixmap(QPixmap())
            self.logo.setText("No logo")

    def save(self) -> None:
        values = {
            "name": self.name.text(),
            "company_name": self.company.text(),
            "ein": self.ein.text(),
            "timezone": self.timezone.currentText(),
            "currency": self.currency.text(),
            "reference_prefix": self.prefix.text(),
        }
        self.run(lambda s: org.update_organisation(s, self.actor, **values), "Organisation settings saved.")

    def pick_logo(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose the organisation logo", str(Path.home()), "Images (*.png *.jpg *.jpeg *.svg)"
        )
        if path:
            self.set_logo_file(Path(path))

    def set_logo_file(self, path: Path) -> None:
        mime = MIME.get(path.suffix.lower(), "application/octet-stream")
        try:
            data = path.read_bytes()
        except OSError as exc:
            self.status.emit(f"Cannot read {path.name}: {exc.strerror}.", True)
            return
        self.run(lambda s: org.set_logo(s, self.actor, data, mime), "Logo changed.")


# -- sites and locations --------------------------------------------------------------------
class SiteDialog(QDialog):
    FIELDS = (
        ("name", "&Name"),
        ("code", "&Code"),
        ("street", "&Street"),
        ("city", "C&ity"),
        ("state", "S&tate"),
        ("zip", "&ZIP code"),
        ("country", "Co&untry"),
        ("naics_code", "NAICS code"),
        ("industry_description", "Industry description"),
        ("timezone", "Time zone (if not the organisation's)"),
    )

    def __init__(self, values: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Site" if values.get("name") else "New site")
        form = QFormLayout(self)
        self.edits: dict[str, QLineEdit] = {}
        for key, label in self.FIELDS:
            edit = QLineEdit(str(values.get(key, "") or ""))
            edit.setObjectName(f"site_{key}")
            self.edits[key] = edit
            form.addRow(f"{label}:", edit)
        self.establishment = QComboBox()
        for code, text in ((1, "Private industry"), (2, "State government"), (3, "Local government")):
            self.establishment.addItem(text, code)
        self.establishment.setCurrentIndex(max(0, int(values.get("establishment_type", 1) or 1) - 1))
        form.addRow("Establishment type:", self.establishment)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.resize(460, self.sizeHint().height())

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: e.text() for k, e in self.edits.items()}
        out["establishment_type"] = self.establishment.currentData()
        return out


class SitesSection(Section):
    def __init__(self, db: Database, actor: Actor) -> None:
        super().__init__(
            db,
            actor,
            "Sites and locations",
            "Retired sites and locations keep their incidents but are not offered for new ones.",
        )
        self.tree = QTreeWidget()
        self.tree.setObjectName("sites_tree")
        self.tree.setHeaderLabels(("Name", "Code", "City", "State", "Status"))
        self.tree.setAlternatingRowColors(True)
        self.tree.setStyleSheet("QTreeWidget::item { padding: 3px 2px; }")
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, 5):
            self.tree.header().setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.itemDoubleClicked.connect(lambda *_a: self.edit())
        self.tree.currentItemChanged.connect(lambda *_a: self._update_buttons())
        self.layout_.addWidget(self.tree)
        self.add_site_button = QPushButton("Add &site…")
        self.add_location_button = QPushButton("Add &location…")
        self.edit_button = QPushButton("&Edit…")
        self.retire_button = QPushButton("&Retire")
        self.add_site_button.clicked.connect(self.add_site)
        self.add_location_button.clicked.connect(self.add_location)
        self.edit_button.clicked.connect(self.edit)
        self.retire_button.clicked.connect(self.toggle_active)
        self.button_row(self.add_site_button, self.add_location_button, self.edit_button, self.retire_button)
        self.reload()

    def reload(self) -> None:
        current = self.selected()
        self.tree.clear()
        with self.db.reading() as s:
            for site in org.list_sites(s):
                item = QTreeWidgetItem(
                    [site.name, site.code, site.city, site.state, "Active" if site.active else "Retired"]
                )
                item.setData(0, Qt.ItemDataRole.UserRole, ("site", site.id, site.active))
                for loc in site.locations:
                    child = QTreeWidgetItem([loc.name, "", "", "", "Active" if loc.active else "Retired"])
                    child.setData(0, Qt.ItemDataRole.UserRole, ("location", loc.id, loc.active))
                    if not loc.active:
                        child.setForeground(0, QColor("#8a8a8a"))
                    item.addChild(child)
                if not site.active:
                    item.setForeground(0, QColor("#8a8a8a"))
                self.tree.addTopLevelItem(item)
                item.setExpanded(True)
                if current and current[:2] == ("site", site.id):
                    self.tree.setCurrentItem(item)
        self._update_buttons()

    def selected(self) -> tuple[str, int, bool] | None:
        item = self.tree.currentItem()
        return item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None

    def _site_id(self) -> int | None:
        item = self.tree.currentItem()
        if item is None:
            return None
        if item.parent() is not None:
            item = item.parent()
        return item.data(0, Qt.ItemDataRole.UserRole)[1]

    def _update_buttons(self) -> None:
        sel = self.selected()
        self.edit_button.setEnabled(sel is not None)
        self.retire_button.setEnabled(sel is not None)
        self.add_location_button.setEnabled(sel is not None)
        self.retire_button.setText("Re&activate" if sel and not sel[2] else "&Retire")

    def add_site(self) -> None:
        dialog = SiteDialog({"country": "US"}, self)
        if dialog.exec():
            values = dialog.values()
            name = values.pop("name")
            self.run(lambda s: org.create_site(s, self.actor, name, **values), f"Site {name.strip()} added.")

    def add_location(self) -> None:
        site_id = self._site_id()
        if site_id is None:
            return
        name = ask_text(self, "Add location", "Location name:")
        if name is not None:
            self.run(
                lambda s: org.create_location(s, self.actor, site_id, name), f"Location {name.strip()} added."
            )

    def edit(self) -> None:
        sel = self.selected()
        if sel is None:
            return
        kind, item_id, _active = sel
        if kind == "location":
            name = ask_text(self, "Rename location", "Location name:", self.tree.currentItem().text(0))
            if name is not None:
                self.run(lambda s: org.rename_location(s, self.actor, item_id, name), "Location renamed.")
            return
        with self.db.reading() as s:
            site = s.get(org.Site, item_id)
            values = {k: getattr(site, k) for k in org.SITE_FIELDS}
        dialog = SiteDialog(values, self)
        if dialog.exec():
            new = dialog.values()
            self.run(lambda s: org.update_site(s, self.actor, item_id, **new), "Site saved.")

    def toggle_active(self) -> None:
        sel = self.selected()
        if sel is None:
            return
        kind, item_id, active = sel
        if kind == "site":
            self.run(
                lambda s: org.set_site_active(s, self.actor, item_id, not active),
                "Site reactivated." if not active else "Site retired.",
            )
        else:
            self.run(
                lambda s: org.set_location_active(s, self.actor, item_id, not active),
                "Location reactivated." if not active else "Location retired.",
            )


# -- simple named lists: customers, incident types ------------------------------------------
class NamedListSection(Section):
    """A list of named items that can be added, renamed and retired (customers, incident types)."""

    noun = "item"

    def __init__(self, db: Database, actor: Actor, title: str, intro: str) -> None:
        super().__init__(db, actor, title, intro)
        self.list = QListWidget()
        self.list.setObjectName(f"{self.noun.replace(' ', '_')}_list")
        self.list.setAlternatingRowColors(True)
        self.list.currentRowChanged.connect(lambda _r: self._update_buttons())
        self.list.itemDoubleClicked.connect(lambda _i: self.rename())
        self.layout_.addWidget(self.list)
        self.add_button = QPushButton(f"&Add {self.noun}…")
        self.rename_button = QPushButton("Re&name…")
        self.retire_button = QPushButton("&Retire")
        self.add_button.clicked.connect(self.add)
        self.rename_button.clicked.connect(self.rename)
        self.retire_button.clicked.connect(self.toggle_active)
        self.button_row(self.add_button, self.rename_button, self.retire_button)
        self.reload()

    def items(self, session: Any) -> list[Any]:
        raise NotImplementedError

    def reload(self) -> None:
        row = self.list.currentRow()
        self.list.clear()
        with self.db.reading() as s:
            for x in self.items(s):
                item = QListWidgetItem(x.name if x.active else f"{x.name}   (retired)")
                item.setData(Qt.ItemDataRole.UserRole, (x.id, x.name, x.active))
                if not x.active:
                    item.setForeground(QColor("#8a8a8a"))
                self.list.addItem(item)
        self.list.setCurrentRow(min(max(row, 0), self.list.count() - 1))
        self._update_buttons()

    def selected(self) -> tuple[int, str, bool] | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def _update_buttons(self) -> None:
        sel = self.selected()
        self.rename_button.setEnabled(sel is not None)
        self.retire_button.setEnabled(sel is not None)
        self.retire_button.setText("Re&activate" if sel and not sel[2] else "&Retire")

    def add(self) -> None:
        name = ask_text(self, f"Add {self.noun}", "Name:")
        if name is not None:
            self.run(lambda s: self.create(s, name), f"Added {name.strip()}.")

    def rename(self) -> None:
        sel = self.selected()
        if sel is None:
            return
        name = ask_text(self, f"Rename {self.noun}", "Name:", sel[1])
        if name is not None and name != sel[1]:
            self.run(lambda s: self.rename_in(s, sel[0], name), f"Renamed to {name.strip()}.")

    def toggle_active(self) -> None:
        sel = self.selected()
        if sel is not None:
            self.run(lambda s: self.set_active(s, sel[0], not sel[2]))

    def create(self, session: Any, name: str) -> Any:
        raise NotImplementedError

    def rename_in(self, session: Any, item_id: int, name: str) -> Any:
        raise NotImplementedError

    def set_active(self, session: Any, item_id: int, active: bool) -> Any:
        raise NotImplementedError


class CustomersSection(NamedListSection):
    noun = "customer"

    def __init__(self, db: Database, actor: Actor) -> None:
        super().__init__(
            db, actor, "Customers", "Clients or sites of work an incident can be recorded against."
        )

    def items(self, session: Any) -> list[Any]:
        return org.list_customers(session)

    def create(self, session: Any, name: str) -> Any:
        return org.create_customer(session, self.actor, name)

    def rename_in(self, session: Any, item_id: int, name: str) -> Any:
        return org.rename_customer(session, self.actor, item_id, name)

    def set_active(self, session: Any, item_id: int, active: bool) -> Any:
        org.set_customer_active(session, self.actor, item_id, active)
        self.status.emit("Customer reactivated." if active else "Customer retired.", False)


class TypesSection(NamedListSection):
    noun = "incident type"

    def __init__(self, db: Database, actor: Actor) -> None:
        super().__init__(
            db,
            actor,
            "Incident types",
            "A type no incident uses is deleted when retired; one in use is deactivated, so past "
            "incidents keep it.",
        )

    def items(self, session: Any) -> list[Any]:
        return org.list_types(session)

    def create(self, session: Any, name: str) -> Any:
        return org.create_type(session, self.actor, name)

    def rename_in(self, session: Any, item_id: int, name: str) -> Any:
        return org.rename_type(session, self.actor, item_id, name)

    def set_active(self, session: Any, item_id: int, active: bool) -> Any:
        if active:
            org.reactivate_type(session, self.actor, item_id)
            self.status.emit("Incident type reactivated.", False)
            return
        outcome = org.retire_type(session, self.actor, item_id)
        self.status.emit(
            "Incident type deleted (no incident used it)."
            if outcome == "deleted"
            else "Incident type deactivated; incidents that use it keep it.",
            False,
        )


# -- severities -----------------------------------------------------------------------------
class SeverityDialog(QDialog):
    def __init__(
        self, name: str = "", colour: str = "#607d8b", description: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Severity level")
        form = QFormLayout(self)
        self.name = QLineEdit(name)
        self.colour = colour
        self.colour_button = QPushButton()
        self.colour_button.clicked.connect(self.pick)
        self._paint()
        self.description = QLineEdit(description)
        form.addRow("&Name:", self.name)
        form.addRow("&Colour:", self.colour_button)
        form.addRow("&Description:", self.description)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.resize(480, self.sizeHint().height())

    def _paint(self) -> None:
        c = QColor(self.colour)
        fg = "#ffffff" if c.lightness() < 150 else "#000000"
        self.colour_button.setText(self.colour)
        self.colour_button.setStyleSheet(f"background: {self.colour}; color: {fg}; padding: 4px 12px;")

    def pick(self) -> None:
        c = QColorDialog.getColor(QColor(self.colour), self, "Severity colour")
        if c.isValid():
            self.colour = c.name()
            self._paint()


class SeveritiesSection(Section):
    def __init__(self, db: Database, actor: Actor) -> None:
        super().__init__(
            db,
            actor,
            "Severity levels",
            "Most severe first. A level no incident uses is deleted when retired; one in use is "
            "deactivated, so past incidents keep it.",
        )
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("severity_table")
        self.table.setHorizontalHeaderLabels(("Colour", "Name", "Description", "Status"))
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setColumnWidth(0, 80)
        self.table.setColumnWidth(1, 120)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setDefaultSectionSize(40)
        self.table.cellDoubleClicked.connect(lambda *_a: self.edit())
        self.table.currentCellChanged.connect(lambda *_a: self._update_buttons())
        self.layout_.addWidget(self.table)
        self.add_button = QPushButton("&Add level…")
        self.edit_button = QPushButton("&Edit…")
        self.up_button = QPushButton("Move &up")
        self.down_button = QPushButton("Move &down")
        self.retire_button = QPushButton("&Retire")
        self.add_button.clicked.connect(self.add)
        self.edit_button.clicked.connect(self.edit)
        self.up_button.clicked.connect(lambda: self.move(-1))
        self.down_button.clicked.connect(lambda: self.move(1))
        self.retire_button.clicked.connect(self.toggle_active)
        self.button_row(
            self.add_button, self.edit_button, self.up_button, self.down_button, self.retire_button
        )
        self.rows: list[tuple[int, str, str, str, bool]] = []
        self.reload()

    def reload(self) -> None:
        row = self.table.currentRow()
        with self.db.reading() as s:
            self.rows = [(x.id, x.name, x.colour, x.description, x.active) for x in org.list_severities(s)]
        self.table.setRowCount(len(self.rows))
        for r, (_id, name, colour, desc, active) in enumerate(self.rows):
            swatch = QTableWidgetItem(colour)
            c = QColor(colour)
            swatch.setBackground(c)
            swatch.setForeground(QColor("#ffffff") if c.lightness() < 150 else QColor("#000000"))
            self.table.setItem(r, 0, swatch)
            self.table.setItem(r, 1, QTableWidgetItem(name))
            self.table.setItem(r, 2, QTableWidgetItem(desc))
            self.table.setItem(r, 3, QTableWidgetItem("Active" if active else "Deactivated"))
        if self.rows:
            self.table.setCurrentCell(min(max(row, 0), len(self.rows) - 1), 1)
        self._update_buttons()

    def current(self) -> tuple[int, str, str, str, bool] | None:
        r = self.table.currentRow()
        return self.rows[r] if 0 <= r < len(self.rows) else None

    def _update_buttons(self) -> None:
        cur = self.current()
        for b in (self.edit_button, self.retire_button, self.up_button, self.down_button):
            b.setEnabled(cur is not None)
        self.retire_button.setText("Re&activate" if cur and not cur[4] else "&Retire")

    def add(self) -> None:
        dialog = SeverityDialog(parent=self)
        if dialog.exec():
            name, colour, desc = dialog.name.text(), dialog.colour, dialog.description.text()
            self.run(
                lambda s: org.create_severity(s, self.actor, name, colour=colour, description=desc),
                f"Severity level {name.strip()} added as the least severe; move it up if needed.",
            )

    def edit(self) -> None:
        cur = self.current()
        if cur is None:
            return
        dialog = SeverityDialog(cur[1], cur[2], cur[3], self)
        if dialog.exec():
            values = {
                "name": dialog.name.text(),
                "colour": dialog.colour,
                "description": dialog.description.text(),
            }
            self.run(lambda s: org.update_severity(s, self.actor, cur[0], **values), "Severity level saved.")

    def move(self, step: int) -> None:
        r = self.table.currentRow()
        if not 0 <= r + step < len(self.rows):
            return
        ids = [x[0] for x in self.rows]
        ids[r], ids[r + step] = ids[r + step], ids[r]
        if self.run(lambda s: org.reorder_severities(s, self.actor, ids), "Order saved."):
            self.table.setCurrentCell(r + step, 1)

    def toggle_active(self) -> None:
        cur = self.current()
        if cur is None:
            return
        if not cur[4]:
            self.run(lambda s: org.reactivate_severity(s, self.actor, cur[0]), f"{cur[1]} reactivated.")
            return
        outcome = self.run(lambda s: org.retire_severity(s, self.actor, cur[0]))
        if outcome == "deleted":
            self.status.emit(f"{cur[1]} deleted (no incident used it).", False)
        elif outcome == "deactivated":
            self.status.emit(f"{cur[1]} deactivated; incidents that use it keep it.", False)


# -- response targets -----------------------------------------------------------------------
class SlaSection(Section):
    """The alerts' own target editor (per severity, optionally per risk band), embedded."""

    def __init__(self, db: Database, actor: Actor) -> None:
        super().__init__(
            db,
            actor,
            "Response targets (SLAs)",
        )  # the editor brings its own explanation
        from incident_desk.ui.sla_editor import SlaEditor

        self.editor = SlaEditor(db, actor)
        inner = self.editor.layout()
        if inner is not None:
            inner.setContentsMargins(0, 0, 0, 0)
        self.layout_.addWidget(self.editor, 1)
        self.table = self.editor.table
        self.save_button = self.editor.save_button
        # Saving goes through the editor; the dialog's status line reports the outcome.
        self.save_button.clicked.disconnect()
        self.save_button.clicked.connect(self.save)

    def reload(self) -> None:
        self.editor.reload()

    def save(self) -> None:
        if self.editor.save():
            self.status.emit("Response targets saved.", False)


# -- e-mail server --------------------------------------------------------------------------
class SmtpSection(Section):
    SECURITY = {
        "none": "None (plain, port 25)",
        "starttls": "STARTTLS (port 587)",
        "ssl": "SSL/TLS (port 465)",
    }

    def __init__(self, db: Database, actor: Actor) -> None:
        super().__init__(
            db, actor, "E-mail server", "Notifications and escalations are sent through this SMTP server."
        )
        self.smtp = _optional("incident_desk.notify.smtp")
        form = QFormLayout()
        self.host = QLineEdit()
        self.host.setObjectName("smtp_host")
        self.host.setPlaceholderText("smtp.example.com")
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(587)
        self.security = QComboBox()
        for key, label in (getattr(self.smtp, "SECURITY", None) or self.SECURITY).items():
            self.security.addItem(label, key)
        self.username = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("unchanged")
        self.from_address = QLineEdit()
        self.from_address.setObjectName("smtp_from")
        self.from_address.setPlaceholderText("safety@example.com")
        self.from_name = QLineEdit()
        form.addRow("&Server:", self.host)
        form.addRow("&Port:", self.port)
        form.addRow("&Security:", self.security)
        form.addRow("&User name:", self.username)
        form.addRow("Pass&word:", self.password)
        form.addRow("&From address:", self.from_address)
        form.addRow("From &name:", self.from_name)
        self.layout_.addLayout(form)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.layout_.addWidget(self.note)
        self.layout_.addStretch()
        self.save_button = QPushButton("&Save")
        self.save_button.setObjectName("save_smtp")
        self.save_button.clicked.connect(self.save)
        self.button_row(self.save_button, stretch_at=0)
        self.reload()

    def reload(self) -> None:
        with self.db.reading() as s:
            if self.smtp is not None:
                settings, _pw = self.smtp.load(s)
                value = {
                    k: getattr(settings, k)
                    for k in ("host", "port", "security", "username", "from_address", "from_name")
                }
            else:
                value = dict(org.get_setting(s, "smtp", {}) or {})
        self.host.setText(str(value.get("host", "")))
        self.port.setValue(int(value.get("port", 587) or 587))
        idx = self.security.findData(value.get("security", "starttls"))
        self.security.setCurrentIndex(max(idx, 0))
        self.username.setText(str(value.get("username", "")))
        self.from_address.setText(str(value.get("from_address", "")))
        self.from_name.setText(str(value.get("from_name", "") or APP_NAME))
        self.password.clear()

    def save(self) -> None:
        value = {
            "host": self.host.text().strip(),
            "port": self.port.value(),
            "security": self.security.currentData(),
            "username": self.username.text().strip(),
            "from_address": self.from_address.text().strip(),
            "from_name": self.from_name.text().strip(),
        }
        password = self.password.text() or None
        if self.smtp is not None:
            settings = self.smtp.SmtpSettings(**value)
            note = self.run(
                lambda s: self.smtp.save(s, self.actor, settings, password), "E-mail server saved."
            )
            if isinstance(note, str):
                self.note.setText(note)
            return

        def apply(s: Any) -> None:
            current = dict(org.get_setting(s, "smtp", {}) or {})
            if value["from_address"] and "@" not in value["from_address"]:
                raise ValidationError(f"“{value['from_address']}” is not an e-mail address.")
            value["password"] = password if password is not None else current.get("password", "")
            org.set_setting(s, self.actor, "smtp", value, secret_fields=["password"])

        self.run(apply, "E-mail server saved.")


# -- users ----------------------------------------------------------------------------------
