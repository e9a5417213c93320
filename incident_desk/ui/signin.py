"""The sign-in dialog, changing one's own password, and the Account menu.

The first administrator of a new database is created by the setup wizard (``ui/setup_wizard.py``).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QVBoxLayout,
    QWidget,
)

from incident_desk import APP_NAME
from incident_desk.actor import Actor
from incident_desk.db import Database
from incident_desk.errors import AuthenticationError, ValidationError
from incident_desk.users import service as users


class SignInDialog(QDialog):
    def __init__(self, db: Database, *, username: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.actor: Actor | None = None
        self.setWindowTitle(f"Sign in — {APP_NAME}")
        layout = QVBoxLayout(self)
        intro = QLabel(f"<b>{APP_NAME}</b><br>Database: {db.display_url}")
        intro.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(intro)
        form = QFormLayout()
        self.username = QLineEdit(username)
        self.username.setAccessibleName("User name")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Password")
        form.addRow("&User name:", self.username)
        form.addRow("&Password:", self.password)
        layout.addLayout(form)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b71c1c")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Sign in")
        buttons.accepted.connect(self.try_sign_in)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        (self.password if username else self.username).setFocus()

    def try_sign_in(self) -> None:
        try:
            with self.db.transaction() as s:
                try:
                    user = users.authenticate(s, self.username.text(), self.password.text())
                except AuthenticationError as exc:
                    failure: AuthenticationError | None = exc
                else:
                    failure = None
                    self.actor = Actor.for_user(user)
        except Exception as exc:  # database trouble: say so, keep the dialog
            self.show_error(f"Could not reach the database: {exc}")
            return
        if failure is not None:
            self.show_error(str(failure))
            self.password.selectAll()
            self.password.setFocus()
            return
        self.accept()

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()


class ChangePasswordDialog(QDialog):
    """Any signed-in user changes their own password (the current one is asked for first)."""

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.setWindowTitle("Change my password")
        self.setMinimumWidth(420)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.current = QLineEdit()
        self.pw1 = QLineEdit()
        self.pw2 = QLineEdit()
        for w, name in (
            (self.current, "Current password"),
            (self.pw1, "New password"),
            (self.pw2, "Repeat new password"),
        ):
            w.setEchoMode(QLineEdit.EchoMode.Password)
            w.setAccessibleName(name)
        self.pw1.setPlaceholderText(f"At least {users.MIN_PASSWORD_LENGTH} characters")
        form.addRow("&Current password:", self.current)
        form.addRow("&New password:", self.pw1)
        form.addRow("&Repeat new password:", self.pw2)
        layout.addLayout(form)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b71c1c")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("&Change password")
        buttons.accepted.connect(self.change)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def change(self) -> None:
        if self.actor.user_id is None:
            self._error("The command line has no password to change.")
            return
        if self.pw1.text() != self.pw2.text():
            self._error("The two new passwords differ.")
            return
        try:
            with self.db.transaction() as s:
                users.change_password(s, self.actor, self.actor.user_id, self.current.text(), self.pw1.text())
        except ValidationError as exc:
            self._error("\n".join(exc.messages()))
            return
        except AuthenticationError as exc:
            self._error(str(exc))
            return
        self.accept()

    def _error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()


def install_account_menu(window: Any) -> None:
    """An Account menu (before Help) with “Change my password…”, for every user."""
    from PySide6.QtGui import QAction

    menu = QMenu("&Account", window)
    action = QAction("&Change my password…", window)
    action.setStatusTip("Change the password you sign in with")
    action.triggered.connect(lambda: ChangePasswordDialog(window.db, window.actor, window).open())
    menu.addAction(action)
    bar = window.menuBar()
    help_action = next((a for a in bar.actions() if a.text().replace("&", "") == "Help"), None)
    if help_action is not None:
        bar.insertMenu(help_action, menu)
    else:
        bar.addMenu(menu)
    window.actions["change_password"] = action
