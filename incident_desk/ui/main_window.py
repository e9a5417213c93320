"""The main window: menus, toolbar, status bar, and the screens in a stack.

Screens and menu commands are listed in ``SCREENS`` and ``COMMANDS`` as "module:function"
strings, imported on first use so start-up stays fast and heavy modules (matplotlib,
ReportLab) load only when a screen that needs them is opened.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QByteArray, QObject, QRunnable, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QStackedWidget, QToolBar, QVBoxLayout, QWidget

from incident_desk import APP_NAME, __version__
from incident_desk.actor import Actor
from incident_desk.db import Database


@dataclass(frozen=True)
class ScreenSpec:
    key: str
    title: str
    shortcut: str
    factory: str  # "module:function", called as function(window) -> QWidget
    permission: str | None = None


SCREENS: list[ScreenSpec] = [
    ScreenSpec("incidents", "&Incidents", "Ctrl+1", "incident_desk.ui.incident_list:make_screen"),
    ScreenSpec("dashboard", "&Dashboard", "Ctrl+2", "incident_desk.ui.dashboard:make_dashboard", "metrics.view"),
    ScreenSpec("signoff", "&Sign-off queue", "Ctrl+3", "incident_desk.ui.signoff_queue:make_screen", "signoff.sign"),
    ScreenSpec("risk", "&Risk matrices", "Ctrl+4", "incident_desk.ui.risk_editor:make_screen"),
    ScreenSpec("audit", "&Audit trail", "Ctrl+Shift+A", "incident_desk.ui.audit_view:make_screen", "audit.view"),
    ScreenSpec("users", "&Users", "Ctrl+Shift+U", "incident_desk.ui.users_admin:make_screen", "users.manage"),
    ScreenSpec("outbox", "A&lerts", "Ctrl+Shift+O", "incident_desk.ui.outbox_view:make_screen", "notify.manage"),
]

# Menu commands: key -> "module:function" called as function(window). Absent = not yet available.
COMMANDS: dict[str, str] = {
    "new_incident": "incident_desk.ui.incident_list:new_incident",
    "open_database": "incident_desk.ui.app:open_database_command",
    "settings": "incident_desk.ui.settings_dialog:open_settings",
    "backup": "incident_desk.ui.backup_ui:open_backup_dialog",
    "import": "incident_desk.ui.import_wizard:open_import_wizard",
    "print": "incident_desk.ui.reports_ui:print_report",
    "save_pdf": "incident_desk.ui.reports_ui:save_pdf",
    "export": "incident_desk.ui.reports_ui:export_command",
}

# Called as function(window) at the end of MainWindow.__init__ (inbox bell, escalation timer…).
WINDOW_EXTENSIONS: list[str] = ["incident_desk.ui.live_refresh:install", "incident_desk.ui.health:install",
                                  "incident_desk.ui.signin:install_account_menu", "incident_desk.ui.inbox:install"]


def _placeholder(title: str, text: str) -> Callable[[MainWindow], QWidget]:
    def make(window: MainWindow) -> QWidget:
        w = QWidget()
        layout = QVBoxLayout(w)
        label = QLabel(f"<h2>{title}</h2><p>{text}</p>")
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setWordWrap(True)
        layout.addWidget(label)
        return w

    return make


placeholder_incidents = _placeholder("Incidents", "The incident list is not available in this build.")
placeholder_dashboard = _placeholder("Dashboard", "The dashboard is not available in this build.")
placeholder_signoff = _placeholder("Sign-off queue", "The sign-off queue is not available in this build.")
placeholder_risk = _placeholder("Risk matrices", "The risk-matrix editor is not available in this build.")


class _CountSignals(QObject):
    counted = Signal(object)


class _CountJob(QRunnable):
    def __init__(self, db: Database, signals: _CountSignals) -> None:
        super().__init__()
        self.db, self.signals = db, signals

    def run(self) -> None:  # worker thread
        from sqlalchemy import func, select

        from incident_desk.incidents.models import Incident
        from incident_desk.incidents.workflow import OPEN_STATUSES

        try:
            with self.db.reading() as s:
                total, open_ = s.execute(select(
                    func.count(),
                    func.count().filter(Incident.status.in_([x.value for x in OPEN_STATUSES])),
                ).where(Incident.voided.is_(False))).one()
        except Exception:
            self.signals.counted.emit(None)
            return
        with contextlib.suppress(RuntimeError):  # the window closed meanwhile
            self.signals.counted.emit((total, open_))


def load(path: str) -> Any:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


class MainWindow(QMainWindow):
    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.setWindowTitle(f"{APP_NAME} — {db.display_url}")
        self.stack = QStackedWidget()
        self.setCentralWidget(self.stack)
        self.screens: dict[str, QWidget] = {}
        self.actions: dict[str, QAction] = {}
        self._build_actions()
        self._build_menus()
        self._build_status_bar()
        self.restore_state()
        self.show_screen(SCREENS[0].key)
        for path in WINDOW_EXTENSIONS:
            load(path)(self)

    # -- construction ----------------------------------------------------------------------
    def _action(self, key: str, text: str, shortcut: QKeySequence.StandardKey | str | None = None,
                slot: Callable[[], Any] | None = None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(slot or (lambda _checked=False, k=key: self.run_command(k)))
        self.actions[key] = action
        return action

    def _build_actions(self) -> None:
        S = QKeySequence.StandardKey
        self._action("new_incident", "&New incident…", S.New, tip="Report a new incident")
        self._action("open_database", "&Open database…", S.Open)
        self._action("import", "&Import…", "Ctrl+I", tip="Import incidents from CSV or Excel")
        self._action("export", "&Export…", "Ctrl+E")
        self._action("print", "&Print…", S.Print)
        self._action("save_pdf", "Save as P&DF…", "Ctrl+Shift+P")
        self._action("backup", "&Back up…")
        self._action("settings", "&Settings…", "Ctrl+,")
        self._action("quit", "&Quit", S.Quit, slot=self.close)
        self._action("undo", "&Undo", S.Undo, slot=lambda: self._edit("undo"))
        self._action("redo", "&Redo", S.Redo, slot=lambda: self._edit("redo"))
        self._action("find", "&Find…", S.Find, slot=lambda: self._edit("find"))
        self._action("about", f"&About {APP_NAME}", slot=self.about)
        self.screen_group = QActionGroup(self)
        for spec in SCREENS:
            a = self._action(f"screen:{spec.key}", spec.title, spec.shortcut,
                             slot=lambda _c=False, k=spec.key: self.show_screen(k))
            a.setCheckable(True)
            self.screen_group.addAction(a)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        for key in ("new_incident", None, "open_database", "import", "export", None, "print", "save_pdf",
                    None, "backup", "settings", None, "quit"):
            file_menu.addSeparator() if key is None else file_menu.addAction(self.actions[key])
        edit = bar.addMenu("&Edit")
        for key in ("undo", "redo", None, "find"):
            edit.addSeparator() if key is None else edit.addAction(self.actions[key])
        view = bar.addMenu("&View")
        for spec in SCREENS:
            view.addAction(self.actions[f"screen:{spec.key}"])
        self.view_menu = view
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.actions["about"])
        tb = QToolBar("Main toolbar")
        tb.setObjectName("main_toolbar")
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        tb.addAction(self.actions["new_incident"])
        tb.addSeparator()
        for spec in SCREENS:
            tb.addAction(self.actions[f"screen:{spec.key}"])
        tb.addSeparator()
        tb.addAction(self.actions["print"])
        self.addToolBar(tb)
        self.toolbar = tb

    def _build_status_bar(self) -> None:
        self._count_signals = _CountSignals(self)
        self._count_signals.counted.connect(self._show_counts)
        sb = self.statusBar()
        self.db_label = QLabel(f"Database: {self.db.display_url}")
        roles = ", ".join(sorted(r.label for r in self.actor.roles))
        self.user_label = QLabel(f"Signed in: {self.actor.name} ({roles})")
        self.count_label = QLabel()
        sb.addWidget(self.db_label)
        sb.addPermanentWidget(self.count_label)
        sb.addPermanentWidget(self.user_label)
        QTimer.singleShot(0, self.refresh_counts)

    def refresh_counts(self) -> None:
        """The status bar's counts, counted on a worker thread (a full count at a million rows)."""
        from PySide6.QtCore import QThreadPool

        if getattr(self, "_counting", False):
            return
        self._counting = True
        QThreadPool.globalInstance().start(_CountJob(self.db, self._count_signals))

    def _show_counts(self, counts: object) -> None:
        self._counting = False
        if counts is None:
            self.count_label.setText("Counts unavailable")
            return
        total, open_ = counts  # type: ignore[misc]
        self.count_label.setText(f"{total:,} incidents, {open_:,} open")

    # -- screens and commands --------------------------------------------------------------
    def screen(self, key: str) -> QWidget:
        if key not in self.screens:
            spec = next(s for s in SCREENS if s.key == key)
            widget = load(spec.factory)(self)
            widget.setObjectName(f"screen_{key}")
            self.screens[key] = widget
            self.stack.addWidget(widget)
        return self.screens[key]

    def show_screen(self, key: str) -> QWidget:
        widget = self.screen(key)
        self.stack.setCurrentWidget(widget)
        self.actions[f"screen:{key}"].setChecked(True)
        return widget

    def show_incidents(self, filt: Any) -> QWidget:
        """Show the incident list filtered to ``filt`` (an IncidentFilter): the dashboard's drill-down."""
        widget = self.show_screen("incidents")
        set_filter = getattr(widget, "set_filter", None)
        if callable(set_filter):
            set_filter(filt)
        return widget

    def open_incident(self, incident_id: int) -> None:
        """Open an incident's form (from the inbox, the sign-off queue, search…)."""
        opener = getattr(self.screen("incidents"), "open_incident", None)
        if callable(opener):
            opener(incident_id)

    def current_screen(self) -> QWidget | None:
        return self.stack.currentWidget()

    def run_command(self, key: str) -> Any:
        path = COMMANDS.get(key)
        if path is None:
            QMessageBox.information(self, APP_NAME, f"“{self.actions[key].text().replace('&', '').rstrip('…')}” "
                                    "is not available in this build.")
            return None
        return load(path)(self)

    def _edit(self, what: str) -> None:
        """Undo, redo and find go to whatever screen or form has them."""
        target = self.focusWidget() or self.current_screen()
        while target is not None:
            handler = getattr(target, f"edit_{what}", None)
            if callable(handler):
                handler()
                return
            target = target.parentWidget()
        screen = self.current_screen()
        handler = getattr(screen, f"edit_{what}", None)
        if callable(handler):
            handler()

    def about(self) -> None:
        import platform

        import PySide6
        import sqlalchemy

        QMessageBox.about(self, f"About {APP_NAME}",
                          f"<h3>{APP_NAME} {__version__}</h3><p>Workplace incident management: capture, risk "
                          "assessment, sign-off, alerts, metrics and reports.</p>"
                          f"<p>Python {platform.python_version()} · Qt {PySide6.QtCore.qVersion()} · "
                          f"PySide6 {PySide6.__version__} · SQLAlchemy {sqlalchemy.__version__}</p>"
                          f"<p>Database: {self.db.display_url}</p>")

    # -- persistence -----------------------------------------------------------------------
    def restore_state(self) -> None:
        settings = QSettings()
        geometry = settings.value("main_window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
        state = settings.value("main_window/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)

    def closeEvent(self, event: QCloseEvent) -> None:
        for widget in self.screens.values():
            can_close = getattr(widget, "can_close", None)
            if callable(can_close) and not can_close():
                event.ignore()
                return
        settings = QSettings()
        settings.setValue("main_window/geometry", self.saveGeometry())
        settings.setValue("main_window/state", self.saveState())
        for widget in self.screens.values():
            save = getattr(widget, "save_state", None)
            if callable(save):
                save(settings)
        event.accept()
