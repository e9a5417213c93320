"""Running long core work off the GUI thread, with a progress dialog and Cancel."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from incident_desk.progress import Cancelled, Progress


class _Signals(QObject):
    progress = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(object, str)
    cancelled = Signal()


class _Job(QRunnable):
    def __init__(self, fn: Callable[[Progress], Any], progress: Progress, signals: _Signals) -> None:
        super().__init__()
        self.fn, self.progress, self.signals = fn, progress, signals

    def run(self) -> None:  # worker thread: never touch widgets here
        try:
            result = self.fn(self.progress)
        except Cancelled:
            self.signals.cancelled.emit()
        except Exception as exc:
            self.signals.failed.emit(exc, traceback.format_exc())
        else:
            self.signals.finished.emit(result)


class BackgroundTask(QObject):
    """Run ``fn(progress)`` on the thread pool; results come back on the GUI thread as signals.

    ``fn`` must open its own session (never share one across threads).
    """

    finished = Signal(object)
    failed = Signal(object, str)
    cancelled = Signal()

    def __init__(self, fn: Callable[[Progress], Any], *, title: str = "", parent: QWidget | None = None,
                 show_dialog: bool = True) -> None:
        super().__init__(parent)
        self._signals = _Signals()
        self.progress = Progress(lambda d, t, m: self._signals.progress.emit(d, t, m))
        self._job = _Job(fn, self.progress, self._signals)
        self._job.setAutoDelete(False)
        self.dialog: QProgressDialog | None = None
        if show_dialog:
            self.dialog = QProgressDialog(title or "Working…", "Cancel", 0, 0, parent)
            self.dialog.setWindowTitle(title or "Working")
            self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
            self.dialog.setMinimumDuration(400)
            self.dialog.setAutoClose(False)
            self.dialog.setAutoReset(False)
            self.dialog.canceled.connect(self.progress.cancel)
        self._signals.progress.connect(self._on_progress)
        self._signals.finished.connect(self._done(self.finished))
        self._signals.failed.connect(self._done(self.failed))
        self._signals.cancelled.connect(self._done(self.cancelled))
        self.running = False

    def _done(self, signal: Any) -> Callable[..., None]:
        def handler(*args: Any) -> None:
            self.running = False
            if self.dialog is not None:
                self.dialog.close()
            signal.emit(*args)

        return handler

    def _on_progress(self, done: int, total: int, message: str) -> None:
        if self.dialog is not None:
            self.dialog.setMaximum(max(total, 0))
            self.dialog.setValue(min(done, total) if total else 0)
            if message:
                self.dialog.setLabelText(message)

    def start(self) -> None:
        self.running = True
        QThreadPool.globalInstance().start(self._job)

    def cancel(self) -> None:
        self.progress.cancel()
