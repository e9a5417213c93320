"""User administration: list accounts, add one, change roles, reset a password, deactivate or reactivate.

Every change goes through ``users.service``, which checks the administrator's permission and
audits it; deactivated accounts keep their history and signatures.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from incident_desk import APP_NAME
from incident_desk.actor import Actor
from incident_desk.db import Database
from incident_desk.db.base import utcnow
from incident_desk.errors import IncidentDeskError, ValidationError
from incident_desk.users import service as users
from incident_desk.users.roles import Role, allowed

Index = QModelIndex | QPersistentModelIndex
COLUMNS = (
    ("username", "User name"),
    ("full_name", "Full name"),
    ("roles", "Roles"),
    ("state", "State"),
    ("last", "Last sign-in"),
    ("email", "E-mail"),
)
COL = {k: n for n, (k, _h) in enumerate(COLUMNS)}


class UserRow:
    def __init__(self, user: Any, now: dt.datetime) -> None:
        self.id: int = user.id
        self.username: str = user.username
        self.full_name: str = user.full_name
        self.email: str = user.email
        self.roles = sorted((Role(r) for r in user.roles), key=lambda r: list(Role).index(r))
        self.active: bool = user.active
        self.locked = bool(user.locked_until and user.locked_until > now)
        self.last = user.last_login_at

    @property
    def state(self) -> str:
        return "Deactivated" if not self.active else "Locked (15 min)" if self.locked else "Active"


class UsersModel(QAbstractTableModel):
    def __init__(self, db: Database, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.rows: list[UserRow] = []

    def refresh(self) -> None:
        now = utcnow()
        with self.db.reading() as s:
            rows = [UserRow(u, now) for u in users.list_users(s)]
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][1]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        r = self.rows[index.row()]
        key = COLUMNS[index.column()][0]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            match key:
                case "username":
                    return r.username
                case "full_name":
                    return r.full_name
                case "roles":
                    return ", ".join(x.label for x in r.roles)
                case "state":
                    return r.state
                case "last":
                    return r.last.astimezone().strftime("%Y-%m-%d %H:%M") if r.last else "never"
                case "email":
                    return r.email
        if role == Qt.ItemDataRole.ForegroundRole:
            if not r.active:
                return QBrush(QColor("#8a8a8a"))
            if key == "state" and r.locked:
                return QBrush(QColor("#c62828"))
        return None


def _password_pair(form: QFormLayout, label: str = "&Password:") -> tuple[QLineEdit, QLineEdit]:
    pw1, pw2 = QLineEdit(), QLineEdit()
    for w, name in ((pw1, "Password"), (pw2, "Repeat password")):
        w.setEchoMode(QLineEdit.EchoMode.Password)
        w.setAccessibleName(name)
    pw1.setPlaceholderText(f"At least {users.MIN_PASSWORD_LENGTH} characters")
    form.addRow(label, pw1)
    form.addRow("&Repeat password:", pw2)
    return pw1, pw2


class _FormDialog(QDialog):
    """A dialog whose OK runs ``save()``; a refused save shows the problems and keeps the dialog open."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(440)
        self.layout_ = QVBoxLayout(self)
        self.form = QFormLayout()
        self.layout_.addLayout(self.form)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b71c1c")
        self.error.setWordWrap(True)
        self.error.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.buttons.accepted.connect(self._try_save)
        self.buttons.rejected.connect(self.reject)

    def finish_layout(self) -> None:
        self.layout_.addWidget(self.error)
        self.layout_.addWidget(self.buttons)

    def _try_save(self) -> None:
        try:
            self.save()
        except ValidationError as exc:
            self.show_error("\n".join(exc.messages()))
            return
        except IncidentDeskError as exc:
            self.show_error(str(exc))
            return
        self.accept()

    def save(self) -> None:
        raise NotImplementedError

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()


def _role_boxes(form: QFormLayout, checked: set[str]) -> dict[Role, QCheckBox]:
    boxes = {}
    column = QVBoxLayout()
    for r in Role:
        box = QCheckBox(r.label)
        box.setChecked(r.value in checked)
        boxes[r] = box
        column.addWidget(box)
    holder = QWidget()
    holder.setLayout(column)
    column.setContentsMargins(0, 0, 0, 0)
    form.addRow("Roles:", holder)
    return boxes


class AddUserDialog(_FormDialog):
    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__("Add a user", parent)
        self.db, self.actor = db, actor
        self.created_id: int | None = None
        self.username = QLineEdit()
        self.full_name = QLineEdit()
        self.email = QLineEdit()
        self.job_title = QLineEdit()
        for w, name in (
            (self.username, "User name"),
            (self.full_name, "Full name"),
            (self.email, "E-mail"),
            (self.job_title, "Job title"),
        ):
            w.setAccessibleName(name)
        self.form.addRow("&User name:", self.username)
        self.form.addRow("&Full name:", self.full_name)
        self.form.addRow("&E-mail:", self.email)
        self.form.addRow("&Job title:", self.job_title)
        self.roles = _role_boxes(self.form, {Role.REPORTER.value})
        self.pw1, self.pw2 = _password_pair(self.form)
        self.ok.setText("&Add user")
        self.finish_layout()

    def save(self) -> None:
        if self.pw1.text() != self.pw2.text():
            raise ValidationError({"password": ["The two passwords differ."]})
        with self.db.transaction() as s:
            user = users.create_user(
                s,
                self.actor,
                username=self.username.text(),
                full_name=self.full_name.text(),
                password=self.pw1.text(),
                roles=[r.value for r, b in self.roles.items() if b.isChecked()],
                email=self.email.text(),
                job_title=self.job_title.text(),
            )
            self.created_id = user.id


class RolesDialog(_FormDialog):
    def __init__(self, db: Database, actor: Actor, row: UserRow, parent: QWidget | None = None) -> None:
        super().__init__(f"Roles of {row.full_name}", parent)
        self.db, self.actor, self.row = db, actor, row
        self.roles = _role_boxes(self.form, {r.value for r in row.roles})
        self.ok.setText("&Save roles")
        self.finish_layout()

    def save(self) -> None:
        with self.db.transaction() as s:
            users.set_roles(
                s, self.actor, self.row.id, [r.value for r, b in self.roles.items() if b.isChecked()]
            )


class ResetPasswordDialog(_FormDialog):
    def __init__(self, db: Database, actor: Actor, row: UserRow, parent: QWidget | None = None) -> None:
        super().__init__(f"New password for {row.full_name}", parent)
        self.db, self.actor, self.row = db, actor, row
        note = QLabel(
            f"Set a new password for <b>{row.username}</b> and tell them in person. A locked account "
            "is unlocked."
        )
        note.setWordWrap(True)
        self.form.addRow(note)
        self.pw1, self.pw2 = _password_pair(self.form, "&New password:")
        self.ok.setText("&Set password")
        self.finish_layout()

    def save(self) -> None:
        if self.pw1.text() != self.pw2.text():
            raise ValidationError({"password": ["The two passwords differ."]})
        with self.db.transaction() as s:
            users.reset_password(s, self.actor, self.row.id, self.pw1.text())


class UsersScreen(QWidget):
    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.dialog: QDialog | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<h2>Users</h2>"))
        if not allowed(actor, "users.manage"):
            note = QLabel(
                "User accounts are managed by administrators. To change your own password use "
                "Account ▸ Change my password."
            )
            note.setWordWrap(True)
            layout.addWidget(note)
            layout.addStretch(1)
            self.model = None
            return
        intro = QLabel(
            "Roles: <b>Reporter</b> reports incidents; <b>Safety officer</b> assesses them; "
            "<b>Manager</b> signs off assessments; <b>Administrator</b> manages users and settings. "
            "A person may hold several. Deactivated users cannot sign in; their history and signatures "
            "stay."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.table = QTableView()
        self.table.setAccessibleName("Users")
        self.model = UsersModel(db, self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        for n in range(len(COLUMNS)):
            header.setSectionResizeMode(n, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.add_button = QPushButton("&Add user…")
        self.roles_button = QPushButton("Change &roles…")
        self.reset_button = QPushButton("Reset &password…")
        self.active_button = QPushButton("&Deactivate")
        for b in (self.add_button, self.roles_button, self.reset_button, self.active_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.add_button.clicked.connect(self.add_user)
        self.roles_button.clicked.connect(self.change_roles)
        self.reset_button.clicked.connect(self.reset_password)
        self.active_button.clicked.connect(self.toggle_active)
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._update_buttons())
        self.table.doubleClicked.connect(lambda _i: self.change_roles())
        self.refresh()

    def refresh(self) -> None:
        if self.model is None:
            return
        keep = self.selected()
        self.model.refresh()
        if self.model.rows:
            row = next((i for i, r in enumerate(self.model.rows) if keep and r.id == keep.id), 0)
            self.table.selectRow(row)
        self._update_buttons()

    def selected(self) -> UserRow | None:
        if self.model is None:
            return None
        idx = self.table.currentIndex()
        return self.model.rows[idx.row()] if idx.isValid() and idx.row() < len(self.model.rows) else None

    def select_username(self, username: str) -> None:
        assert self.model is not None
        for i, r in enumerate(self.model.rows):
            if r.username == username:
                self.table.selectRow(i)
                return

    def _update_buttons(self) -> None:
        row = self.selected()
        for b in (self.roles_button, self.reset_button, self.active_button):
            b.setEnabled(row is not None)
        if row is not None:
            self.active_button.setText("Re&activate" if not row.active else "&Deactivate")
            self.active_button.setEnabled(row.id != self.actor.user_id or not row.active)

    def _open(self, dialog: QDialog) -> QDialog:
        self.dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(self.refresh)
        dialog.finished.connect(lambda _r: setattr(self, "dialog", None))
        dialog.open()
        return dialog

    def add_user(self) -> QDialog:
        return self._open(AddUserDialog(self.db, self.actor, self))

    def change_roles(self) -> QDialog | None:
        row = self.selected()
        return self._open(RolesDialog(self.db, self.actor, row, self)) if row else None

    def reset_password(self) -> QDialog | None:
        row = self.selected()
        return self._open(ResetPasswordDialog(self.db, self.actor, row, self)) if row else None

    def confirm(self, text: str) -> bool:
        return QMessageBox.question(self, APP_NAME, text) == QMessageBox.StandardButton.Yes

    def toggle_active(self) -> None:
        row = self.selected()
        if row is None:
            return
        if row.active and not self.confirm(
            f"Deactivate {row.full_name} ({row.username})? They will no longer be "
            "able to sign in; their history and signatures are kept."
        ):
            return
        try:
            with self.db.transaction() as s:
                users.set_active(s, self.actor, row.id, not row.active)
        except IncidentDeskError as exc:
            QMessageBox.warning(self, APP_NAME, str(exc))
            return
        self.refresh()


def make_screen(window: Any) -> UsersScreen:
    return UsersScreen(window.db, window.actor)
