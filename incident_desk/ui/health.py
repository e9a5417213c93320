"""After start-up, off the GUI thread: the SQLite integrity check and the daily automatic backup.

A damaged file is reported with the way out (restore from a backup); the app stays usable
for reading what can be read.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QMessageBox

from incident_desk import APP_NAME
from incident_desk.backup import automatic_backup, quick_check

log = logging.getLogger(__name__)


class _Signals(QObject):
    done = Signal(object, object)  # problem or None, backup path or None


class _Check(QRunnable):
    def __init__(self, db: Any, signals: _Signals) -> None:
        super().__init__()
        self.db, self.signals = db, signals

    def run(self) -> None:
        problem = quick_check(self.db)
        made = None
        if problem is None:
            try:
                made = automatic_backup(self.db)
            except Exception as exc:  # a full disk must not stop the app; it is logged and shown
                log.warning("automatic backup failed: %s", exc)
                made = exc
        self.signals.done.emit(problem, made)


class HealthCheck(QObject):
    finished = Signal()

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.problem: str | None = None
        self.backup: Any = None
        self.signals = _Signals()
        self.signals.done.connect(self._done)

    def start(self) -> None:
        QThreadPool.globalInstance().start(_Check(self.window.db, self.signals))

    def _done(self, problem: str | None, made: Any) -> None:
        self.problem, self.backup = problem, made
        if problem:
            QMessageBox.critical(
                self.window, APP_NAME,
                f"The database file is damaged ({problem}).\n\nDo not keep working in it. Restore the latest "
                "backup: File → Back up… lists them, or run `incident-desk restore FILE`. Automatic daily "
                "backups are in the backups folder of your data folder.")
        elif isinstance(made, Exception):
            self.window.statusBar().showMessage(f"Automatic backup failed: {made}", 15000)
        elif made is not None:
            self.window.statusBar().showMessage(f"Automatic backup written to {made}", 8000)
        self.finished.emit()


def install(window: Any) -> HealthCheck | None:
    if window.db.dialect != "sqlite":
        return None
    health = window.health = HealthCheck(window)
    # After the first paint: start-up time is for showing the window. A child timer dies with it.
    timer = QTimer(health)
    timer.setSingleShot(True)
    timer.timeout.connect(health.start)
    timer.start(1500)
    return health
