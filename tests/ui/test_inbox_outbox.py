"""The outbox screen: waiting and failed e-mails with their error; retry sends them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt
from sqlalchemy import select

from incident_desk.db import Database
from incident_desk.notify import outbox, smtp
from incident_desk.notify.models import OutboxMessage
from incident_desk.ui.main_window import MainWindow
from tests.conftest import incident_data, reference_ids
from tests.test_notify import SmtpServer


def test_outbox_shows_failures_and_retry_delivers(
    qtbot: Any, qtmodeltester: Any, sqlite_db: Database, gui_actors: dict[str, Any]
) -> None:
    from incident_desk.incidents import service

    server = SmtpServer()  # not started: the first delivery fails
    with sqlite_db.transaction() as s:
        smtp.save(
            s,
            gui_actors["admin"],
            smtp.SmtpSettings(
                host="127.0.0.1",
                port=server.port,
                security="none",
                from_address="alerts@example.test",
                timeout=5,
            ),
        )
        refs = reference_ids(sqlite_db)
        service.create(
            s, gui_actors["reporter"], incident_data(refs, severity_id=refs["severity"]["Critical"])
        )
    report = outbox.deliver_due(sqlite_db, now=dt.datetime.now(dt.UTC))
    assert report.failed == 1
    window = MainWindow(sqlite_db, gui_actors["admin"])
    qtbot.addWidget(window)
    view = window.show_screen("outbox").outbox
    qtmodeltester.check(view.model)
    assert view.model.rowCount() == 4
    assert "127.0.0.1" in view.server_label.text() and "Waiting: 4" in view.counts_label.text()
    errors = [r.error for r in view.model.rows if r.error]
    assert len(errors) == 1 and "Cannot connect to the mail server" in errors[0]
    window.resize(1200, 700)
    view.table.selectRow(next(i for i, r in enumerate(view.model.rows) if r.error))
    assert "Last error: Cannot connect" in view.preview.toPlainText()
    window.grab().save("/tmp/outbox_view.png")

    server.start()
    try:
        view.table.selectAll()
        qtbot.mouseClick(view.retry_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: view.send_button.isEnabled() and view.model.rowCount() == 0, timeout=10000)
    finally:
        server.stop()
    assert len(server.sink.received) == 4
    with sqlite_db.reading() as s:
        assert set(s.scalars(select(OutboxMessage.status))) == {"sent"}
    view.show_sent.setChecked(True)
    assert view.model.rowCount() == 4
