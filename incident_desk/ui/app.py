"""The application object: open the database, first-run setup, sign-in, then the main window.

Also File → Open database…: another SQLite file or server, remembered in a recent list; the
new database gets its own sign-in and a new main window, which replaces the old one.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from PySide6.QtCore import QCoreApplication, QSettings, Qt
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from incident_desk import APP_ID, APP_NAME, __version__
from incident_desk.actor import Actor
from incident_desk.db import Database, open_database
from incident_desk.errors import IncidentDeskError
from incident_desk.paths import resources_dir

log = logging.getLogger(__name__)

RECENT_KEY = "recent_databases"
MAX_RECENT = 8

# Open main windows (one per open database); kept here so they are not garbage-collected.
windows: list[Any] = []


def app_icon() -> QIcon:
    icon = QIcon()
    folder = resources_dir() / "icons"
    svg = folder / "incident-desk.svg"
    if svg.exists():
        icon.addFile(str(svg))
    for png in sorted((folder / "hicolor").glob("*/apps/*.png")):
        icon.addFile(str(png))
    return icon


def make_application(argv: list[str] | None = None, *, theme: bool = True) -> QApplication:
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    assert isinstance(app, QApplication)
    QCoreApplication.setOrganizationName("IncidentDesk")
    QCoreApplication.setOrganizationDomain("incidentdesk.org")
    QCoreApplication.setApplicationName(APP_NAME)
    QCoreApplication.setApplicationVersion(__version__)
    QGuiApplication.setDesktopFileName(APP_ID)
    app.setWindowIcon(app_icon())
    if theme:
        from incident_desk.ui.theme import apply_theme

        apply_theme(app=app)
    return app


# -- recent databases -----------------------------------------------------------------------
def _safe_url(url: str) -> str:
    """The URL as remembered: never with a password in it."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return url
    if parsed.password:
        parsed = parsed._replace(password=None)  # URL.set() treats None as "unchanged"
    return parsed.render_as_string(hide_password=False)


def recent_databases() -> list[str]:
    value = QSettings().value(RECENT_KEY, [])
    if isinstance(value, str):
        value = [value]
    return [str(v) for v in (value or []) if v]


def remember_database(url: str) -> None:
    safe = _safe_url(url)
    items = [safe] + [u for u in recent_databases() if u != safe]
    QSettings().setValue(RECENT_KEY, items[:MAX_RECENT])


def forget_database(url: str) -> None:
    QSettings().setValue(RECENT_KEY, [u for u in recent_databases() if u != url])


# -- opening and signing in -----------------------------------------------------------------
def open_or_explain(url: str, parent: QWidget | None = None) -> Database | None:
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        return open_database(url)
    except IncidentDeskError as exc:
        QApplication.restoreOverrideCursor()
        QMessageBox.critical(
            parent,
            APP_NAME,
            f"The database could not be opened.\n\n{exc}\n\n"
            "Choose another database with File → Open database… or start Incident Desk with --db.",
        )
        return None
    finally:
        if QApplication.overrideCursor() is not None:
            QApplication.restoreOverrideCursor()


def needs_setup(db: Database) -> bool:
    from incident_desk.users import service as users

    with db.reading() as s:
        return users.count_users(s) == 0


def sign_in(db: Database, parent: QWidget | None = None) -> Actor | None:
    """An empty database gets the setup wizard first; then the sign-in dialog."""
    from incident_desk.ui.signin import SignInDialog

    username = ""
    if needs_setup(db):
        from incident_desk.ui.setup_wizard import SetupWizard

        wizard = SetupWizard(db, parent)
        if not wizard.exec():
            return None
        username = wizard.username
    dialog = SignInDialog(db, username=username, parent=parent)
    if not dialog.exec():
        return None
    return dialog.actor


def start_session(db: Database, actor: Actor) -> Any:
    from incident_desk.ui.main_window import MainWindow

    window = MainWindow(db, actor)
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
    window.destroyed.connect(lambda *_a, w=window: windows.remove(w) if w in windows else None)
    windows.append(window)
    remember_database(db.url)
    window.show()
    return window


def run(url: str) -> int:
    from incident_desk.logs import setup_logging
    from incident_desk.ui import errors

    log_file = setup_logging()
    app = make_application()
    errors.install()
    log.info("%s %s starting on %s (log: %s)", APP_NAME, __version__, url, log_file)
    db = open_or_explain(url)
    if db is None:
        return 1
    actor = sign_in(db)
    if actor is None:
        return 0
    start_session(db, actor)
    return app.exec()


# -- File → Open database… ------------------------------------------------------------------
def open_database_command(window: Any) -> Any:
    """COMMANDS["open_database"]: choose a database, sign in to it, replace ``window``."""
    from incident_desk.ui.open_database import OpenDatabaseDialog

    dialog = OpenDatabaseDialog(recent_databases(), parent=window)
    if not dialog.exec():
        return None
    return switch_database(window, dialog.url())


def switch_database(window: Any, url: str) -> Any:
    if url == window.db.url:
        QMessageBox.information(window, APP_NAME, "That database is already open in this window.")
        return None
    db = open_or_explain(url, window)
    if db is None:
        return None
    actor = sign_in(db, window)
    if actor is None:
        db.dispose()
        return None
    if not window.close():  # an unsaved form said no
        db.dispose()
        return None
    old_db = window.db
    if window in windows:
        windows.remove(window)
    new_window = start_session(db, actor)
    if not any(w.db is old_db for w in windows):
        old_db.dispose()
    return new_window
