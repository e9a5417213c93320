"""File → Open database…: a SQLite file or a server URL, with the recently used ones."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from incident_desk.db.database import describe_url
from incident_desk.paths import data_dir


class OpenDatabaseDialog(QDialog):
    def __init__(self, recent: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Open database")
        self.setObjectName("open_database")
        self.resize(620, 420)
        layout = QVBoxLayout(self)
        grid = QGridLayout()
        self.file_radio = QRadioButton("A &file on this computer or a shared drive (SQLite)")
        self.server_radio = QRadioButton("A database &server (PostgreSQL)")
        group = QButtonGroup(self)
        group.addButton(self.file_radio)
        group.addButton(self.server_radio)
        self.file_radio.setChecked(True)
        self.path = QLineEdit()
        self.path.setObjectName("sqlite_path")
        self.path.setPlaceholderText(str(data_dir() / "incident-desk.sqlite3"))
        browse = QPushButton("&Browse…")
        browse.clicked.connect(self.browse)
        self.server = QLineEdit()
        self.server.setObjectName("server_url")
        self.server.setPlaceholderText("postgresql+psycopg://user@server/incident_desk")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("password (not remembered)")
        grid.addWidget(self.file_radio, 0, 0, 1, 3)
        grid.addWidget(self.path, 1, 1)
        grid.addWidget(browse, 1, 2)
        grid.addWidget(self.server_radio, 2, 0, 1, 3)
        grid.addWidget(self.server, 3, 1, 1, 2)
        grid.addWidget(self.password, 4, 1, 1, 2)
        grid.setColumnMinimumWidth(0, 18)
        layout.addLayout(grid)
        self.path.textEdited.connect(lambda _t: self.file_radio.setChecked(True))
        self.server.textEdited.connect(lambda _t: self.server_radio.setChecked(True))
        recent_label = QLabel("&Recent databases:")
        layout.addWidget(recent_label)
        self.recent = QListWidget()
        self.recent.setObjectName("recent_databases")
        self.recent.setStyleSheet("QListWidget::item { padding: 4px 2px; }")
        recent_label.setBuddy(self.recent)
        for url in recent:
            item = QListWidgetItem(self._label(url))
            item.setData(Qt.ItemDataRole.UserRole, url)
            item.setToolTip(describe_url(url))
            self.recent.addItem(item)
        self.recent.currentItemChanged.connect(self._pick_recent)
        self.recent.itemDoubleClicked.connect(lambda _i: self.accept())
        layout.addWidget(self.recent)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b71c1c")
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(buttons)
        layout.addLayout(row)

    @staticmethod
    def _label(url: str) -> str:
        try:
            parsed = make_url(url)
        except ArgumentError:
            return url
        if parsed.get_backend_name() == "sqlite":
            path = Path(parsed.database or "")
            return f"{path.name}  —  {path.parent}"
        return f"{parsed.database}  —  {parsed.host or 'localhost'} (server)"

    def _pick_recent(self, item: QListWidgetItem | None) -> None:
        if item is None:
            return
        url = item.data(Qt.ItemDataRole.UserRole)
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            self.file_radio.setChecked(True)
            self.path.setText(parsed.database or "")
        else:
            self.server_radio.setChecked(True)
            self.server.setText(url)
            self.password.setFocus()

    def browse(self) -> None:
        start = self.path.text() or str(data_dir())
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Open or create a database file",
            start,
            "Incident Desk databases (*.sqlite3 *.sqlite *.db);;All files (*)",
            options=QFileDialog.Option.DontConfirmOverwrite,
        )
        if path:
            self.path.setText(path)
            self.file_radio.setChecked(True)

    def url(self) -> str:
        if self.file_radio.isChecked():
            return f"sqlite:///{Path(self.path.text().strip()).expanduser().resolve()}"
        url = self.server.text().strip()
        if "://" not in url:
            url = f"postgresql+psycopg://{url}"
        if self.password.text():
            parsed = make_url(url).set(password=self.password.text())
            url = parsed.render_as_string(hide_password=False)
        return url

    def accept(self) -> None:
        if self.file_radio.isChecked() and not self.path.text().strip():
            return self._fail("Enter or browse to a database file.")
        if self.server_radio.isChecked():
            try:
                make_url(self.url())
            except ArgumentError:
                return self._fail(
                    "That is not a server address: use postgresql+psycopg://user@host/database."
                )
        super().accept()
        return None

    def _fail(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
