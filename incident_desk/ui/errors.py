"""Unexpected errors in the GUI: log the details, tell the user briefly, keep the app running.

``install()`` replaces ``sys.excepthook`` (Qt calls it for exceptions raised in slots) and
routes Qt's own warnings into the log. Before the dialog appears, every open window that
can save a draft (``autosave_draft()`` or ``save_draft()``) is asked to, so an open incident form is not lost.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from types import TracebackType

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from incident_desk import APP_NAME
from incident_desk.logs import log_unexpected

log = logging.getLogger("incident_desk.qt")

_previous_hook: Callable[..., object] | None = None
_showing = False
# Tests replace this to see what would be shown without a modal dialog.
show_dialog: Callable[[str, str], None] | None = None


def preserve_drafts() -> int:
    """Ask every widget that keeps drafts to save one now; returns how many did."""
    saved = 0
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return 0
    for widget in app.allWidgets():
        # The incident form autosaves with ``autosave_draft``; other forms may offer ``save_draft``.
        save = getattr(widget, "autosave_draft", None) or getattr(widget, "save_draft", None)
        if callable(save):
            try:
                save()
                saved += 1
            except Exception:  # a failing draft must not hide the original error
                log.exception("could not save a draft from %s", type(widget).__name__)
    return saved


def explain(exc: BaseException) -> str:
    name = type(exc).__name__
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{name}: {text}" if text else name


def handle_exception(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    global _showing
    if issubclass(exc_type, KeyboardInterrupt):
        QApplication.quit()
        return
    where = log_unexpected(exc_type, exc, tb, context="GUI")
    drafts = preserve_drafts()
    message = (
        f"Something went wrong that Incident Desk did not expect:\n\n{explain(exc)}\n\n"
        f"Your data is safe; the action that failed was not saved. "
        + ("Open forms were kept as drafts. " if drafts else "")
        + f"The details were written to:\n{where}\n\n"
        "You can keep working. If this happens again, send that file to your administrator."
    )
    if show_dialog is not None:
        show_dialog(APP_NAME, message)
        return
    if _showing:  # an error while the dialog is up: logged, not stacked
        return
    _showing = True
    try:
        parent: QWidget | None = QApplication.activeWindow()
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            f"Unexpected error — {APP_NAME}",
            message,
            QMessageBox.StandardButton.Ok,
            parent,
        )
        box.setObjectName("unexpected_error")
        box.exec()
    finally:
        _showing = False


_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def qt_message_handler(mode: QtMsgType, context: QMessageLogContext, message: str) -> None:
    where = f" ({context.file}:{context.line})" if context.file else ""
    log.log(_QT_LEVELS.get(mode, logging.WARNING), "%s%s", message, where)


def install() -> None:
    """Route uncaught exceptions and Qt warnings to the log (and the dialog)."""
    global _previous_hook
    if _previous_hook is None:
        _previous_hook = sys.excepthook
    sys.excepthook = handle_exception
    qInstallMessageHandler(qt_message_handler)


def uninstall() -> None:
    global _previous_hook
    if _previous_hook is not None:
        sys.excepthook = _previous_hook
        _previous_hook = None
    qInstallMessageHandler(None)
