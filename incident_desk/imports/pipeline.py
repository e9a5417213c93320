"""Writing an import's batches while the next batch is being prepared.

On SQLite the database work of a batch (a few large INSERT statements) runs on a second thread
while the importing thread builds the next batch in Python: SQLite releases the interpreter
lock while it executes a statement, so on a machine with two cores both go on at once. The
statements still run one after another, in order, in the caller's one transaction, and only
one thread ever uses the connection at a time: the importing thread touches the session again
only after ``finish`` or ``close`` has waited for the writer.

Elsewhere (PostgreSQL, whose driver does its own pipelining) the steps simply run at once.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence

Step = Callable[[], object]


class BatchWriter:
    """Runs each submitted batch's steps in order; on a second thread when ``threaded``."""

    def __init__(self, threaded: bool) -> None:
        self.threaded = threaded
        self._done = 0
        self._error: BaseException | None = None
        self._stop = threading.Event()
        # One batch waiting while another is written: the importer is never more than two
        # batches ahead of the database, which bounds the memory held.
        self._queue: queue.Queue[tuple[Sequence[Step], int] | None] = queue.Queue(maxsize=1)
        self._thread: threading.Thread | None = None
        if threaded:
            self._thread = threading.Thread(target=self._run, name="import-writer", daemon=True)
            self._thread.start()

    @property
    def done(self) -> int:
        """Rows whose batches have been written completely."""
        return self._done

    def submit(self, steps: Sequence[Step], rows: int) -> None:
        """Queue a batch (blocks while the writer is two batches behind); raises the writer's error."""
        self._raise_error()
        if self._thread is None:
            for step in steps:
                step()
            self._done += rows
            return
        self._queue.put((steps, rows))
        self._raise_error()

    def finish(self) -> None:
        """Wait until everything submitted is written; raises the writer's error if it had one."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
        self._raise_error()

    def close(self) -> None:
        """Stop after the statement under way and wait for the writer (after an error or Cancel)."""
        if self._thread is None:
            return
        self._stop.set()
        while True:  # make room for the sentinel: drop what is still queued
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        self._queue.put(None)
        self._thread.join()
        self._thread = None

    def _raise_error(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            self._stop.set()
            raise error

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            if self._stop.is_set() or self._error is not None:
                continue  # keep draining so that the importing thread never blocks on put
            steps, rows = item
            try:
                for step in steps:
                    if self._stop.is_set():
                        break
                    step()
                else:
                    self._done += rows
            except BaseException as exc:  # handed to the importing thread, which re-raises it
                self._error = exc
