"""Keeping screens current when another client changes data.

Polls the change counter (incident_desk/changes.py) every few seconds on a worker thread; on
PostgreSQL a LISTEN thread wakes the poll at once. When the counter moves, every open screen
with a ``refresh()`` method is asked to refresh, and the status-bar counts are updated.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal

from incident_desk import changes

log = logging.getLogger(__name__)
POLL_MS = 3000


class _Signals(QObject):
    counter = Signal(int)
    notified = Signal()


class _Poll(QRunnable):
    def __init__(self, db: Any, signals: _Signals) -> None:
        super().__init__()
        self.db, self.signals = db, signals

    def run(self) -> None:
        try:
            with self.db.reading() as s:
                self.signals.counter.emit(changes.current(s))
        except Exception:  # a database hiccup: the next poll tries again
            log.debug("change poll failed", exc_info=True)


class LiveRefresh(QObject):
    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.last: int | None = None
        self.busy = False
        self.signals = _Signals()
        self.signals.counter.connect(self._on_counter)
        self.signals.notified.connect(self.poll)
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)
        self.timer.start()
        self._stop = threading.Event()
        if window.db.dialect == "postgresql":
            threading.Thread(target=self._listen, name="change-listener", daemon=True).start()
        window.destroyed.connect(self._stop.set)

    def _listen(self) -> None:
        try:
            for value in changes.listen(self.window.db.url, timeout=2.0):
                if self._stop.is_set():
                    return
                if value is not None:
                    self.signals.notified.emit()
        except Exception:
            log.info("LISTEN unavailable; polling only", exc_info=True)

    def poll(self) -> None:
        if self.busy:
            return
        self.busy = True
        job = _Poll(self.window.db, self.signals)
        QThreadPool.globalInstance().start(job)

    def _on_counter(self, value: int) -> None:
        self.busy = False
        if self.last is not None and value != self.last:
            for screen in list(self.window.screens.values()):
                refresh = getattr(screen, "refresh", None)
                if callable(refresh):
                    refresh()
            self.window.refresh_counts()
        self.last = value


def install(window: Any) -> LiveRefresh:
    window.live_refresh = LiveRefresh(window)
    return window.live_refresh
