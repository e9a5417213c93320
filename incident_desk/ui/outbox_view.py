"""The Alerts screen for administrators: the e-mail outbox (waiting and failed messages with their last
error, retry and send), and the tabs editing notification rules, the escalation ladder and the
response targets (with risk-band targets)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from incident_desk.db import Database
from incident_desk.errors import IncidentDeskError
from incident_desk.notify import outbox, smtp
from incident_desk.ui.tasks import BackgroundTask
from incident_desk.users.roles import allowed

Index = QModelIndex | QPersistentModelIndex
PAGE = 200
COLUMNS = (
    ("created", "Queued"),
    ("to", "To"),
    ("subject", "Subject"),
    ("status", "Status"),
    ("attempts", "Attempts"),
    ("next", "Next try / sent"),
    ("error", "Last error"),
)
COL = {key: n for n, (key, _h) in enumerate(COLUMNS)}
ROW_ROLE = Qt.ItemDataRole.UserRole + 1
STATUS_COLOURS = {"failed": "#c62828", "pending": "#e65100", "sending": "#1565c0", "sent": "#2e7d32"}


@dataclass(frozen=True)
class Row:
    id: int
    created_at: dt.datetime
    to: str
    subject: str
    status: str
    attempts: int
    next_attempt_at: dt.datetime
    sent_at: dt.datetime | None
    error: str
    body: str


def _when(value: dt.datetime | None) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M") if value else ""


class OutboxModel(QAbstractTableModel):
    def __init__(self, db: Database, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.rows: list[Row] = []
        self.include_sent = False
        self._more = True

    def _statuses(self) -> tuple[str, ...]:
        return () if self.include_sent else ("pending", "sending", "failed")

    def _page(self, offset: int) -> list[Row]:
        with self.db.reading() as s:
            msgs = outbox.list_messages(s, statuses=self._statuses(), offset=offset, limit=PAGE)
            return [
                Row(
                    m.id,
                    m.created_at,
                    m.to_address,
                    m.subject,
                    m.status,
                    m.attempts,
                    m.next_attempt_at,
                    m.sent_at,
                    m.last_error,
                    m.body_text,
                )
                for m in msgs
            ]

    def reload(self) -> None:
        self.beginResetModel()
        self.rows = self._page(0)
        self._more = len(self.rows) == PAGE
        self.endResetModel()

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:
        return not parent.isValid() and self._more

    def fetchMore(self, parent: Index = QModelIndex()) -> None:
        if parent.isValid() or not self._more:
            return
        more = self._page(len(self.rows))
        self._more = len(more) == PAGE
        if more:
            self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows) + len(more) - 1)
            self.rows += more
            self.endInsertRows()

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(COLUMNS)
        ):
            return COLUMNS[section][1]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        col = index.column()
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.DisplayRole:
            status = (
                "Will retry"
                if row.status == "pending" and row.attempts
                else outbox.STATUS_LABELS.get(row.status, row.status)
            )
            return (
                _when(row.created_at),
                row.to,
                row.subject,
                status,
                str(row.attempts),
                _when(row.sent_at if row.status == "sent" else row.next_attempt_at),
                row.error.splitlines()[0] if row.error else "",
            )[col]
        if role == Qt.ItemDataRole.ForegroundRole and col in (COL["status"], COL["error"]):
            return QBrush(
                QColor(STATUS_COLOURS.get(row.status, "#000000") if col == COL["status"] else "#c62828")
            )
        if role == Qt.ItemDataRole.ToolTipRole and col == COL["error"] and row.error:
            return row.error
        return None


class OutboxView(QWidget):
    def __init__(self, window: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.window = window
        self.db: Database = window.db
        self.actor = window.actor
        self.task: BackgroundTask | None = None
        layout = QVBoxLayout(self)
        self.server_label = QLabel()
        self.server_label.setWordWrap(True)
        self.counts_label = QLabel()
        layout.addWidget(self.server_label)
        bar = QHBoxLayout()
        bar.addWidget(self.counts_label, 1)
        self.show_sent = QCheckBox("Show sent")
        self.show_sent.toggled.connect(self._toggle_sent)
        bar.addWidget(self.show_sent)
        self.retry_button = QPushButton("&Retry selected")
        self.retry_button.setToolTip(
            "Send the selected failed or waiting e-mails at once, with attempts counted afresh"
        )
        self.retry_button.clicked.connect(self.retry_selected)
        bar.addWidget(self.retry_button)
        self.send_button = QPushButton("&Send now")
        self.send_button.setToolTip("Deliver every e-mail that is due now")
        self.send_button.clicked.connect(self.send_now)
        bar.addWidget(self.send_button)
        refresh = QPushButton("Refresh")
        refresh.clicked.connect(self.refresh)
        bar.addWidget(refresh)
        layout.addLayout(bar)
        self.model = OutboxModel(self.db, self)
        self.table = QTableView()
        self.table.setObjectName("outbox_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for key, width in (
            ("created", 130),
            ("to", 200),
            ("subject", 380),
            ("status", 80),
            ("attempts", 70),
            ("next", 130),
        ):
            self.table.setColumnWidth(COL[key], width)
        self.preview = QPlainTextEdit()
        self.preview.setReadOnly(True)
        self.preview.setPlaceholderText("Select an e-mail to see its text and the full error.")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.preview)
        split.setSizes([420, 200])
        layout.addWidget(split, 1)
        self.table.selectionModel().selectionChanged.connect(self._selected)
        self.refresh()

    def refresh(self) -> None:
        with self.db.reading() as s:
            settings, _pw = smtp.load(s)
            counts = outbox.counts(s)
        if settings.configured:
            security = {"none": "no encryption", "starttls": "STARTTLS", "ssl": "SSL/TLS"}.get(
                settings.security, settings.security
            )
            self.server_label.setText(
                f"E-mail server: <b>{settings.host}:{settings.port}</b> ({security}), "
                f"sending as {settings.from_address}."
            )
        else:
            self.server_label.setText(
                "<b>No e-mail server is configured</b>: e-mails wait here until one is set "
                "in Settings → E-mail server."
            )
        parts = [
            f"{outbox.STATUS_LABELS[k]}: {counts.get(k, 0)}" for k in ("pending", "sending", "failed", "sent")
        ]
        self.counts_label.setText(" · ".join(parts))
        self.model.reload()
        self.preview.clear()

    def _toggle_sent(self, on: bool) -> None:
        self.model.include_sent = on
        self.refresh()

    def _selected(self, *_: Any) -> None:
        rows = self.selected_rows()
        if not rows:
            self.preview.clear()
            return
        row = rows[0]
        error = f"Last error: {row.error}\n\n" if row.error else ""
        self.preview.setPlainText(f"{error}To: {row.to}\nSubject: {row.subject}\n\n{row.body}")

    def selected_rows(self) -> list[Row]:
        return [self.model.rows[i.row()] for i in self.table.selectionModel().selectedRows()]

    def retry_selected(self) -> int:
        ids = [r.id for r in self.selected_rows() if r.status in ("pending", "failed")]
        if not ids:
            QMessageBox.information(self, "Outbox", "Select one or more waiting or failed e-mails to retry.")
            return 0
        try:
            with self.db.transaction() as s:
                n = outbox.retry(s, self.actor, ids)
        except IncidentDeskError as exc:
            QMessageBox.warning(self, "Outbox", str(exc))
            return 0
        self.refresh()
        self.send_now()
        return n

    def send_now(self) -> None:
        if self.task is not None and self.task.running:
            return
        db = self.db
        self.send_button.setEnabled(False)
        self.task = BackgroundTask(
            lambda _p: outbox.deliver_due(db), title="Sending e-mail…", parent=self, show_dialog=False
        )
        self.task.finished.connect(self._sent)
        self.task.failed.connect(lambda exc, _tb: self._sent(None, str(exc)))
        self.task.start()

    def _sent(self, report: outbox.DeliveryReport | None, error: str = "") -> None:
        self.send_button.setEnabled(True)
        self.refresh()
        self.window.statusBar().showMessage(error or (report.summary() if report else ""), 8000)


class AlertsScreen(QTabWidget):
    """The administrator's alerts screen: the outbox, the notification rules and the escalation ladder."""

    def __init__(self, window: Any) -> None:
        super().__init__()
        from incident_desk.ui.alert_rules import LadderEditor, RulesEditor
        from incident_desk.ui.sla_editor import SlaEditor

        self.outbox = OutboxView(window)
        self.rules = RulesEditor(window.db, window.actor)
        self.ladder = LadderEditor(window.db, window.actor)
        self.addTab(self.outbox, "E-mail &outbox")
        self.addTab(self.rules, "Notification &rules")
        self.addTab(self.ladder, "Escalation &ladder")
        self.targets = SlaEditor(window.db, window.actor)
        self.addTab(self.targets, "Response &targets")

    def refresh(self) -> None:
        self.outbox.refresh()


def make_screen(window: Any) -> QWidget:
    if not allowed(window.actor, "notify.manage"):
        label = QLabel(
            "<h2>Alerts</h2><p>The e-mail outbox, notification rules and escalation ladder are kept "
            "by an administrator.</p>"
        )
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        return label
    return AlertsScreen(window)
