"""The application object: open the database, first start, sign-in, then the main window."""

from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from incident_desk import APP_NAME, __version__
from incident_desk.actor import Actor
from incident_desk.db import Database, open_database
from incident_desk.errors import IncidentDeskError
from incident_desk.paths import resources_dir


def make_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    QCoreApplication.setOrganizationName("IncidentDesk")
    QCoreApplication.setApplicationName("Incident Desk")
    QCoreApplication.setApplicationVersion(__version__)
    icon = resources_dir() / "icons" / "incident-desk.svg"
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    assert isinstance(app, QApplication)
    return app


def open_or_explain(url: str) -> Database | None:
    try:
        return open_database(url)
    except IncidentDeskError as exc:
        QMessageBox.critical(None, APP_NAME, f"The database could not be opened.\n\n{exc}\n\n"
                             "Start Incident Desk with --db to choose another database.")
        return None


def sign_in(db: Database) -> Actor | None:
    """First start: create the administrator (and offer demo data). Then the sign-in dialog."""
    from incident_desk.ui.signin import FirstStartDialog, SignInDialog
    from incident_desk.users import service as users

    with db.reading() as s:
        empty = users.count_users(s) == 0
    if empty:
        first = FirstStartDialog(db)
        if not first.exec():
            return None
    dialog = SignInDialog(db, username=first.username if empty else "")
    if not dialog.exec():
        return None
    return dialog.actor


def run(url: str) -> int:
    app = make_application()
    db = open_or_explain(url)
    if db is None:
        return 1
    actor = sign_in(db)
    if actor is None:
        return 0
    from incident_desk.ui.main_window import MainWindow

    window = MainWindow(db, actor)
    window.show()
    return app.exec()
