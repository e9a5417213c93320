"""File → Open database…: the dialog, the recent list (never with passwords) and switching windows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings

from incident_desk.actor import Actor
from incident_desk.db import Database
from incident_desk.ui import app
from incident_desk.ui.open_database import OpenDatabaseDialog


@pytest.fixture(autouse=True)
def no_recent() -> Any:
    QSettings().remove(app.RECENT_KEY)
    yield
    QSettings().remove(app.RECENT_KEY)


def test_recent_databases_are_remembered_without_passwords() -> None:
    app.remember_database("sqlite:////data/a.sqlite3")
    app.remember_database("postgresql+psycopg://alex:secret@db.example.test/safety")
    app.remember_database("sqlite:////data/a.sqlite3")  # moves to the top, not listed twice
    assert app.recent_databases() == [
        "sqlite:////data/a.sqlite3",
        "postgresql+psycopg://alex@db.example.test/safety",
    ]
    for i in range(12):
        app.remember_database(f"sqlite:////data/{i}.sqlite3")
    assert len(app.recent_databases()) == app.MAX_RECENT
    assert app.recent_databases()[0] == "sqlite:////data/11.sqlite3"


def test_dialog_builds_urls_and_offers_recent_ones(qtbot: Any, tmp_path: Path) -> None:
    recent = [f"sqlite:///{tmp_path / 'old.sqlite3'}", "postgresql+psycopg://alex@db.example.test/safety"]
    dialog = OpenDatabaseDialog(recent)
    qtbot.addWidget(dialog)
    assert dialog.recent.count() == 2
    assert dialog.recent.item(0).text().startswith("old.sqlite3")
    assert "db.example.test (server)" in dialog.recent.item(1).text()
    qtbot.keyClicks(dialog.path, str(tmp_path / "new.sqlite3"))
    assert dialog.url() == f"sqlite:///{tmp_path / 'new.sqlite3'}"
    dialog.recent.setCurrentRow(1)
    assert dialog.server_radio.isChecked()
    qtbot.keyClicks(dialog.password, "s3cret")
    assert dialog.url() == "postgresql+psycopg://alex:s3cret@db.example.test/safety"
    dialog.file_radio.setChecked(True)
    dialog.path.clear()
    dialog.accept()
    assert dialog.result() == 0 and dialog.error.text() == "Enter or browse to a database file."


def test_switching_database_replaces_the_window(
    qtbot: Any,
    sqlite_db: Database,
    gui_actors: dict[str, Actor],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from incident_desk.ui.main_window import MainWindow

    old = app.start_session(sqlite_db, gui_actors["admin"])  # deletes itself when closed
    target = tmp_path / "other.sqlite3"
    signed_in: list[Database] = []

    def fake_sign_in(db: Database, parent: Any = None) -> Actor:
        signed_in.append(db)
        return Actor.system("test")

    monkeypatch.setattr(app, "sign_in", fake_sign_in)
    new = app.switch_database(old, f"sqlite:///{target}")
    assert isinstance(new, MainWindow)
    assert new.db.url == f"sqlite:///{target}" and signed_in == [new.db]
    assert target.exists()
    assert not old.isVisible() and old not in app.windows and new in app.windows
    assert app.recent_databases()[0] == f"sqlite:///{target}"
    # Cancelling the sign-in keeps the current window.
    monkeypatch.setattr(app, "sign_in", lambda db, parent=None: None)
    assert app.switch_database(new, f"sqlite:///{tmp_path / 'third.sqlite3'}") is None
    assert new.isVisible()
    new.close()
    new.db.dispose()
