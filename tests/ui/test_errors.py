"""Unexpected errors: logged with the traceback, explained in a dialog, drafts saved, the app keeps running."""

from __future__ import annotations

import logging
import sys
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton, QWidget

from incident_desk import logs
from incident_desk.ui import errors


class FormWithDraft(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.drafts = 0

    def save_draft(self) -> None:
        self.drafts += 1


class IncidentFormLike(QWidget):
    """Like the incident form, which keeps drafts with ``autosave_draft``."""

    def __init__(self) -> None:
        super().__init__()
        self.autosaves = 0

    def autosave_draft(self) -> None:
        self.autosaves += 1


@pytest.fixture
def shown(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    monkeypatch.setattr(errors, "show_dialog", lambda _title, text: seen.append(text))
    return seen


@pytest.fixture
def log_file() -> Any:
    path = logs.setup_logging()
    yield path
    logs.teardown_logging()


@pytest.mark.qt_no_exception_capture
def test_an_exception_in_a_slot_is_logged_explained_and_survived(
    qtbot: Any, shown: list[str], log_file: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    form = FormWithDraft()
    qtbot.addWidget(form)
    incident_form = IncidentFormLike()
    qtbot.addWidget(incident_form)
    button = QPushButton("Boom", form)
    calls: list[int] = []

    def boom() -> None:
        calls.append(1)
        raise RuntimeError("the widget fell over")

    button.clicked.connect(boom)
    monkeypatch.setattr(sys, "excepthook", errors.handle_exception)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert calls == [1]
    assert len(shown) == 1
    text = shown[0]
    assert "RuntimeError: the widget fell over" in text
    assert str(log_file) in text
    assert "Open forms were kept as drafts." in text
    assert form.drafts == 1 and incident_form.autosaves == 1
    assert "the widget fell over" in log_file.read_text(encoding="utf-8")
    # The app keeps running: the same button works (and fails) again.
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert calls == [1, 1] and len(shown) == 2


def test_log_file_rotates(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INCIDENT_DESK_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(logs, "MAX_BYTES", 2000)
    logs.teardown_logging()
    path = logs.setup_logging()
    try:
        assert path == tmp_path / "logs" / "incident-desk.log"
        for i in range(200):
            logging.getLogger("incident_desk.test").info("line %d %s", i, "x" * 40)
    finally:
        logs.teardown_logging()
    rotated = sorted(p.name for p in (tmp_path / "logs").iterdir())
    assert "incident-desk.log" in rotated and "incident-desk.log.1" in rotated
    assert len(rotated) <= logs.BACKUPS + 1


def test_qt_messages_go_to_the_log(caplog: pytest.LogCaptureFixture) -> None:
    from PySide6.QtCore import QMessageLogContext, QtMsgType

    with caplog.at_level(logging.WARNING, logger="incident_desk.qt"):
        errors.qt_message_handler(QtMsgType.QtWarningMsg, QMessageLogContext(), "QPainter::end: not active")
    assert "QPainter::end: not active" in caplog.text
