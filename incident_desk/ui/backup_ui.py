"""File → Back up…: write a verified copy now, see the automatic backups, restore one."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QListWidget,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from incident_desk import APP_NAME, audit
from incident_desk.backup import backup
from incident_desk.paths import backup_dir
from incident_desk.progress import Progress
from incident_desk.ui.tasks import BackgroundTask


class BackupDialog(QDialog):
    def __init__(self, window: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent or window)
        self.window = window
        self.db = window.db
        self.setWindowTitle("Back up the database")
        self.resize(560, 380)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Database: {self.db.display_url}"))
        self.now_button = QPushButton("&Back up now…")
        self.now_button.clicked.connect(lambda: self.back_up_now())
        layout.addWidget(self.now_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(
            QLabel(
                "Backups in the backups folder (newest first). Restoring is done with "
                "<code>incident-desk restore FILE</code> while no one uses the database."
            )
        )
        self.list = QListWidget()
        self.list.setAccessibleName("Existing backups")
        layout.addWidget(self.list)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.task: BackgroundTask | None = None
        self.last_path: Path | None = None
        self.reload()

    def reload(self) -> None:
        self.list.clear()
        folder = backup_dir()
        files = (
            sorted(folder.glob("*.sqlite3"), key=lambda p: p.stat().st_mtime, reverse=True)
            if folder.exists()
            else []
        )
        if not files:
            self.list.addItem(
                "No backups yet: the app writes one a day; “Back up now…” writes one to a file you choose."
            )
        for path in files:
            stamp = dt.datetime.fromtimestamp(path.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
            self.list.addItem(f"{stamp}   {path.name}   ({path.stat().st_size / 1e6:.1f} MB)")

    def back_up_now(self, target: str | None = None) -> None:
        suffix = "sqlite3" if self.db.dialect == "sqlite" else "dump"
        if not target:
            default = str(Path.home() / f"incident-desk-{dt.date.today():%Y-%m-%d}.{suffix}")
            target, _ = QFileDialog.getSaveFileName(self, "Back up to", default)
        if not target:
            return
        db, actor, path = self.db, self.window.actor, Path(target)

        def work(progress: Progress) -> Any:
            progress.update(0, 0, "Writing and verifying the backup…")
            info = backup(db, path)
            with db.transaction() as s:
                audit.record(
                    s,
                    actor,
                    "export",
                    entity="database",
                    summary=f"Backed up to {info.path}",
                    details={"file": str(info.path), "incidents": info.incidents},
                )
            return info

        self.task = BackgroundTask(work, title="Backing up", parent=self)
        self.task.finished.connect(self._done)
        self.task.failed.connect(
            lambda exc, _tb: QMessageBox.warning(self, APP_NAME, f"Backup failed: {exc}")
        )
        self.task.start()

    def _done(self, info: Any) -> None:
        self.last_path = info.path
        self.reload()
        QMessageBox.information(
            self, APP_NAME, f"Backed up {info.incidents:,} incidents to {info.path} and verified the copy."
        )


def open_backup_dialog(window: Any) -> BackupDialog:
    dialog = BackupDialog(window)
    dialog.open()
    return dialog
