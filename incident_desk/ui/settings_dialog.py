"""The Settings dialog: what an administrator configures, and each person's own preferences.

Administrators see the organisation, sites and locations, customers, severity levels, incident
types, response targets, the e-mail server and users; everyone sees Preferences. Every change
goes through the core services (validated, permission-checked, audited); list edits apply at
once, forms apply with their Save button. Preferences live in QSettings, not the database.
"""

from __future__ import annotations

import importlib
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from incident_desk import APP_NAME
from incident_desk.actor import Actor
from incident_desk.db import Database
from incident_desk.org import service as org
from incident_desk.ui import theme
from incident_desk.ui.settings_sections import (
    CustomersSection,
    OrganisationSection,
    Section,
    SeveritiesSection,
    SeverityDialog,
    SiteDialog,
    SitesSection,
    SlaSection,
    SmtpSection,
    TypesSection,
)
from incident_desk.users.roles import allowed


def _optional(module: str) -> Any | None:
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


class UsersSection(Section):
    def __init__(self, db: Database, actor: Actor) -> None:
        super().__init__(db, actor, "Users")
        module = _optional("incident_desk.ui.users_admin")
        screen_cls = getattr(module, "UsersScreen", None) if module else None
        if screen_cls is not None:
            self.screen = screen_cls(db, actor)
            # The embedded screen brings its own heading.
            self.layout_.itemAt(0).widget().hide()
            inner = self.screen.layout()
            if inner is not None:
                inner.setContentsMargins(0, 0, 0, 0)
            self.layout_.setContentsMargins(16, 0, 16, 12)
            self.layout_.addWidget(self.screen)
        else:
            self.screen = None
            self.layout_.addWidget(QLabel("Manage accounts with `incident-desk users` on the command line."))
            self.layout_.addStretch()


# -- preferences ----------------------------------------------------------------------------
class PreferencesSection(Section):
    def __init__(self, db: Database, actor: Actor) -> None:
        super().__init__(
            db,
            actor,
            "Preferences",
            "Your own settings on this computer; they do not change anything for other people.",
        )
        form = QFormLayout()
        self.theme = QComboBox()
        self.theme.setObjectName("theme")
        for key, label in theme.THEMES.items():
            self.theme.addItem(label, key)
        self.theme.setCurrentIndex(max(0, self.theme.findData(theme.preference("theme"))))
        self.theme.currentIndexChanged.connect(self._theme_changed)
        for combo in (self.theme,):
            combo.setMaximumWidth(320)
        form.addRow("&Theme:", self.theme)
        heading = QLabel("<b>The incident list starts with</b>")
        form.addRow(heading)
        self.open_only = QCheckBox("&Open incidents only")
        self.open_only.setObjectName("filter_open_only")
        self.open_only.setChecked(theme.preference("filter_open_only"))
        self.mine_only = QCheckBox("Incidents assigned to &me only")
        self.mine_only.setObjectName("filter_mine_only")
        self.mine_only.setChecked(theme.preference("filter_mine_only"))
        self.site = QComboBox()
        self.site.setObjectName("filter_site")
        self.site.addItem("All sites", 0)
        with db.reading() as s:
            for site in org.list_sites(s, include_inactive=False):
                self.site.addItem(site.name, site.id)
        self.site.setCurrentIndex(max(0, self.site.findData(theme.preference("filter_site_id"))))
        self.period = QComboBox()
        self.period.setObjectName("filter_period")
        for days, label in theme.PERIODS.items():
            self.period.addItem(label, days)
        self.period.setCurrentIndex(max(0, self.period.findData(theme.preference("filter_period_days"))))
        self.site.setMaximumWidth(320)
        self.period.setMaximumWidth(320)
        form.addRow("", self.open_only)
        form.addRow("", self.mine_only)
        form.addRow("&Site:", self.site)
        form.addRow("&Period:", self.period)
        self.layout_.addLayout(form)
        self.layout_.addStretch()
        self.open_only.toggled.connect(lambda v: self._set("filter_open_only", v))
        self.mine_only.toggled.connect(lambda v: self._set("filter_mine_only", v))
        self.site.currentIndexChanged.connect(lambda _i: self._set("filter_site_id", self.site.currentData()))
        self.period.currentIndexChanged.connect(
            lambda _i: self._set("filter_period_days", self.period.currentData())
        )

    def _set(self, key: str, value: Any) -> None:
        theme.set_preference(key, value)
        self.status.emit("Preference saved.", False)

    def _theme_changed(self, _index: int) -> None:
        key = self.theme.currentData()
        theme.set_preference("theme", key)
        effective = theme.apply_theme(key)
        self.status.emit(f"Theme changed ({effective}).", False)


# -- the dialog -----------------------------------------------------------------------------
SECTIONS: list[tuple[str, str, type[Section], str | None]] = [
    ("organisation", "Organisation", OrganisationSection, "settings.manage"),
    ("sites", "Sites and locations", SitesSection, "settings.manage"),
    ("customers", "Customers", CustomersSection, "settings.manage"),
    ("severities", "Severity levels", SeveritiesSection, "settings.manage"),
    ("types", "Incident types", TypesSection, "settings.manage"),
    ("sla", "Response targets", SlaSection, "settings.manage"),
    ("smtp", "E-mail server", SmtpSection, "settings.manage"),
    ("users", "Users", UsersSection, "users.manage"),
    ("preferences", "Preferences", PreferencesSection, None),
]


class SettingsDialog(QDialog):
    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.setObjectName("settings_dialog")
        self.setWindowTitle(f"Settings — {APP_NAME}")
        self.resize(900, 600)
        outer = QVBoxLayout(self)
        body = QHBoxLayout()
        self.nav = QListWidget()
        self.nav.setObjectName("settings_nav")
        self.nav.setFixedWidth(190)
        self.nav.setStyleSheet("QListWidget { padding: 4px; } QListWidget::item { padding: 7px 8px; }")
        self.stack = QStackedWidget()
        body.addWidget(self.nav)
        body.addWidget(self.stack, 1)
        outer.addLayout(body, 1)
        bottom = QHBoxLayout()
        self.status = QLabel()
        self.status.setObjectName("settings_status")
        self.status.setWordWrap(True)
        bottom.addWidget(self.status, 1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        bottom.addWidget(close)
        outer.addLayout(bottom)
        self.sections: dict[str, Section] = {}
        self.keys: list[str] = []
        self._factories: list[tuple[str, type[Section]]] = []
        for key, title, cls, permission in SECTIONS:
            if permission is not None and not allowed(actor, permission):
                continue
            self.nav.addItem(QListWidgetItem(title))
            placeholder = QWidget()
            self.stack.addWidget(placeholder)
            self.keys.append(key)
            self._factories.append((key, cls))
        self.nav.currentRowChanged.connect(self._show)
        self.nav.setCurrentRow(0)

    def _show(self, row: int) -> None:
        if not 0 <= row < len(self.keys):
            return
        self.section(self.keys[row])
        self.stack.setCurrentIndex(row)
        self.show_status("", False)

    def section(self, key: str) -> Section:
        """The section ``key``, built the first time it is shown."""
        if key not in self.sections:
            row = self.keys.index(key)
            cls = self._factories[row][1]
            widget = cls(self.db, self.actor)
            widget.setObjectName(f"settings_{key}")
            widget.status.connect(self.show_status)
            old = self.stack.widget(row)
            self.stack.insertWidget(row, widget)
            self.stack.removeWidget(old)
            old.deleteLater()
            self.sections[key] = widget
        return self.sections[key]

    def open_section(self, key: str) -> Section:
        self.nav.setCurrentRow(self.keys.index(key))
        return self.sections[key]

    def show_status(self, message: str, error: bool) -> None:
        self.status.setText(message)
        app = QApplication.instance()
        dark = app is not None and app.property("incident_desk_theme") == "dark"
        colour = ("#ff8a80" if dark else "#b71c1c") if error else ("#81c784" if dark else "#2e7d32")
        self.status.setStyleSheet(f"color: {colour};")


def open_settings(window: Any) -> SettingsDialog:
    """COMMANDS["settings"]: the Settings dialog for the signed-in user."""
    dialog = SettingsDialog(window.db, window.actor, window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog


__all__ = [
    "CustomersSection",
    "OrganisationSection",
    "PreferencesSection",
    "SettingsDialog",
    "SeveritiesSection",
    "SeverityDialog",
    "SiteDialog",
    "SitesSection",
    "SlaSection",
    "SmtpSection",
    "TypesSection",
    "UsersSection",
    "open_settings",
]
