"""Progress reporting and cancellation for long core work (imports, large reports, demo data).

Core functions take a ``Progress`` and call ``progress.update(done, total, message)``; it raises
``Cancelled`` once the user has asked to stop, so the caller's transaction rolls back whole.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class Cancelled(Exception):
    """The user cancelled; nothing of the unit of work is kept."""


class Progress:
    def __init__(self, callback: Callable[[int, int, str], None] | None = None) -> None:
        self._callback = callback
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        if self._cancel.is_set():
            raise Cancelled()

    def update(self, done: int, total: int, message: str = "") -> None:
        if self._callback is not None:
            self._callback(done, total, message)
        self.check()


NO_PROGRESS = Progress()
