"""Logging to the user's log folder, with rotation, and writing unexpected errors there."""

from __future__ import annotations

import logging
import logging.handlers
import traceback
from pathlib import Path
from types import TracebackType

from incident_desk.paths import log_dir

LOG_FILE = "incident-desk.log"
MAX_BYTES = 1_000_000
BACKUPS = 5
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s]: %(message)s"

_handler: logging.Handler | None = None


def log_path() -> Path:
    return log_dir() / LOG_FILE


def setup_logging(level: int = logging.INFO) -> Path | None:
    """Send the root logger to a rotating file in the log folder (five files of 1 MB).

    Idempotent. Returns the log file, or None when the folder cannot be written (then
    logging stays on standard error).
    """
    global _handler
    path = log_path()
    root = logging.getLogger()
    if _handler is None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handler = logging.handlers.RotatingFileHandler(
                path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True
            )
        except OSError:
            return None
        handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(handler)
        _handler = handler
    previous = root.level
    if previous == logging.NOTSET or previous > level:
        # The file gets INFO; what already went to the console keeps its old threshold.
        for other in root.handlers:
            if other is not _handler and other.level == logging.NOTSET:
                other.setLevel(previous or logging.WARNING)
        root.setLevel(level)
    _handler.setLevel(level)
    return path


def teardown_logging() -> None:
    global _handler
    if _handler is not None:
        logging.getLogger().removeHandler(_handler)
        _handler.close()
        _handler = None


def log_unexpected(
    exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None, context: str = ""
) -> str:
    """Write an unexpected exception with its traceback to the log; return where it went."""
    text = "".join(traceback.format_exception(exc_type, exc, tb))
    logging.getLogger("incident_desk.unexpected").error(
        "Unexpected error%s:\n%s", f" ({context})" if context else "", text
    )
    if _handler is not None:
        _handler.flush()
        return str(log_path())
    try:
        path = log_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(text + "\n")
        return str(path)
    except OSError:
        return "standard error (the log folder is not writable)"
