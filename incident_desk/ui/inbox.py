"""The inbox bell in the main window, its list of notifications, desktop pop-ups, and the in-app checker.

``install(window)`` adds a bell with the unread count to the toolbar. Every ``POLL_MS`` a worker
reads the signed-in user's new items (a desktop notification is shown for each while the app
runs); every ``CHECK_MS`` (first after ``FIRST_CHECK_MS``) another worker runs the escalation checker and delivers the outbox, the
same work as ``incident-desk escalate``, so alerts go out while anyone has the app open.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QRectF,
    QRunnable,
    QSize,
    Qt,
    QThreadPool,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QIcon, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QSystemTrayIcon,
    QToolButton,
    QVBoxLayout,
)

from incident_desk import APP_NAME
from incident_desk.notify import inbox as core

log = logging.getLogger(__name__)
Index = QModelIndex | QPersistentModelIndex
POLL_MS = 20_000
CHECK_MS = 60_000
FIRST_CHECK_MS = 20_000  # after start-up has settled
LIST_LIMIT = 100
ITEM_ROLE = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True)
class Item:
    id: int
    incident_id: int | None
    event: str
    title: str
    body: str
    created_at: dt.datetime
    read: bool


def _items(db: Any, user_id: int, *, after_id: int | None = None) -> list[Item]:
    with db.reading() as s:
        return [
            Item(i.id, i.incident_id, i.event, i.title, i.body, i.created_at, i.read_at is not None)
            for i in core.items(s, user_id, limit=LIST_LIMIT, after_id=after_id)
        ]


def bell_icon(count: int, size: int = 24) -> QIcon:
    """A bell, with a red badge holding the unread count when there is any."""
    pm = QPixmap(size, size)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = size / 24
    path = QPainterPath()
    path.moveTo(4 * s, 18 * s)
    path.cubicTo(6 * s, 16 * s, 6 * s, 13 * s, 6 * s, 10 * s)
    path.cubicTo(6 * s, 5.5 * s, 9 * s, 3 * s, 12 * s, 3 * s)
    path.cubicTo(15 * s, 3 * s, 18 * s, 5.5 * s, 18 * s, 10 * s)
    path.cubicTo(18 * s, 13 * s, 18 * s, 16 * s, 20 * s, 18 * s)
    path.closeSubpath()
    p.setPen(QPen(QColor("#37474f"), 1.2 * s))
    p.setBrush(QColor("#ffca28") if count else QColor("#cfd8dc"))
    p.drawPath(path)
    p.setBrush(QColor("#37474f"))
    p.drawEllipse(QRectF(10 * s, 18.5 * s, 4 * s, 3.5 * s))
    if count:
        text = str(count) if count < 100 else "99+"
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("#c62828"))
        w = (9 if len(text) == 1 else 13) * s
        p.drawRoundedRect(QRectF(size - w, 0, w, 10 * s), 5 * s, 5 * s)
        font = QFont()
        font.setPixelSize(int(8 * s))
        font.setBold(True)
        p.setFont(font)
        p.setPen(QColor("white"))
        p.drawText(QRectF(size - w, 0, w, 10 * s), Qt.AlignmentFlag.AlignCenter, text)
    p.end()
    return QIcon(pm)


class InboxModel(QAbstractListModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[Item] = []

    def set_items(self, items: list[Item]) -> None:
        self.beginResetModel()
        self.rows = list(items)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        item = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return item.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return item.body
        if role == ITEM_ROLE:
            return item
        if role == Qt.ItemDataRole.FontRole and not item.read:
            font = QFont()
            font.setBold(True)
            return font
        return None


class InboxDelegate(QStyledItemDelegate):
    """Two lines per item: the title (bold while unread) and the first line of the body with the time."""

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        return QSize(360, option.fontMetrics.height() * 2 + 14)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        item: Item | None = index.data(ITEM_ROLE)
        if item is None:
            return
        painter.save()
        style = option.widget.style() if option.widget else None
        if style is not None:
            style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter, option.widget)
        rect = option.rect.adjusted(10, 5, -8, -5)
        if not item.read:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QBrush(QColor("#1e88e5")))
            painter.drawEllipse(QPoint(option.rect.left() + 5, option.rect.top() + 12), 3, 3)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        text_colour = option.palette.highlightedText().color() if selected else option.palette.text().color()
        font = QFont(option.font)
        font.setBold(not item.read)
        painter.setFont(font)
        painter.setPen(text_colour)
        fm = painter.fontMetrics()
        painter.drawText(
            rect.adjusted(0, 0, 0, -rect.height() // 2),
            Qt.AlignmentFlag.AlignLeft,
            fm.elidedText(item.title, Qt.TextElideMode.ElideRight, rect.width()),
        )
        font.setBold(False)
        painter.setFont(font)
        painter.setPen(text_colour if selected else QColor("#666666"))
        when = item.created_at.astimezone().strftime("%d %b %H:%M")
        first = (item.body.splitlines() or [""])[0]
        painter.drawText(
            rect.adjusted(0, rect.height() // 2, 0, 0),
            Qt.AlignmentFlag.AlignLeft,
            painter.fontMetrics().elidedText(f"{when} · {first}", Qt.TextElideMode.ElideRight, rect.width()),
        )
        painter.restore()


class InboxPopup(QFrame):
    """The list under the bell: click an item to open its incident (and mark it read)."""

    def __init__(self, bell: InboxBell) -> None:
        super().__init__(bell.window, Qt.WindowType.Popup)
        self.bell = bell
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setObjectName("inbox_popup")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        head = QHBoxLayout()
        self.heading = QLabel()
        self.heading.setObjectName("inbox_heading")
        head.addWidget(self.heading, 1)
        self.mark_all = QPushButton("Mark all read")
        self.mark_all.clicked.connect(self._mark_all)
        head.addWidget(self.mark_all)
        layout.addLayout(head)
        self.model = InboxModel(self)
        self.view = QListView()
        self.view.setObjectName("inbox_list")
        self.view.setModel(self.model)
        self.view.setItemDelegate(InboxDelegate(self.view))
        self.view.setUniformItemSizes(True)
        self.view.clicked.connect(self._open)
        self.view.activated.connect(self._open)
        self.empty = QLabel("No notifications yet.")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.view)
        layout.addWidget(self.empty)
        self.resize(560, 440)

    def load(self) -> None:
        items = _items(self.bell.db, self.bell.user_id) if self.bell.user_id is not None else []
        self.model.set_items(items)
        unread = sum(not i.read for i in items)
        self.heading.setText(f"<b>Notifications</b> — {unread} unread" if unread else "<b>Notifications</b>")
        self.mark_all.setEnabled(unread > 0)
        self.view.setVisible(bool(items))
        self.empty.setVisible(not items)

    def _open(self, index: QModelIndex) -> None:
        item: Item | None = index.data(ITEM_ROLE)
        if item is None:
            return
        self.bell.open_item(item)
        self.hide()

    def _mark_all(self) -> None:
        with self.bell.db.transaction() as s:
            core.mark_read(s, self.bell.window.actor)
        self.bell.refresh()
        self.load()


class _Signals(QObject):
    polled = Signal(int, object)  # unread count, new items
    checked = Signal(object)  # (CheckReport, DeliveryReport) or an exception


class _Poll(QRunnable):
    def __init__(self, db: Any, user_id: int, after_id: int, signals: _Signals) -> None:
        super().__init__()
        self.db, self.user_id, self.after_id, self.signals = db, user_id, after_id, signals

    def run(self) -> None:  # worker thread
        try:
            with self.db.reading() as s:
                count = core.unread_count(s, self.user_id)
            new = _items(self.db, self.user_id, after_id=self.after_id)
            self.signals.polled.emit(count, new)
        except Exception:
            log.debug("inbox poll failed", exc_info=True)
            self.signals.polled.emit(-1, [])


class _Check(QRunnable):
    def __init__(self, db: Any, signals: _Signals) -> None:
        super().__init__()
        self.db, self.signals = db, signals

    def run(self) -> None:  # worker thread
        from incident_desk.notify import escalation, outbox

        try:
            self.signals.checked.emit((escalation.check(self.db), outbox.deliver_due(self.db)))
        except Exception as exc:  # the next round tries again
            log.warning("escalation check failed: %s", exc, exc_info=True)
            self.signals.checked.emit(exc)


class InboxBell(QToolButton):
    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.db = window.db
        self.user_id: int | None = window.actor.user_id
        self.setObjectName("inbox_bell")
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.setAutoRaise(True)
        self.count = 0
        self.last_seen = 0
        self.popup: InboxPopup | None = None
        self.tray: QSystemTrayIcon | None = None
        self._tray_incident: int | None = None
        self._polling = False
        self._checking = False
        self.signals = _Signals()
        self.signals.polled.connect(self._on_polled)
        self.signals.checked.connect(self._on_checked)
        self.clicked.connect(self.show_popup)
        self.set_count(0)
        self.refresh()
        if self.user_id is not None:
            try:
                with self.db.reading() as s:
                    self.last_seen = core.latest_id(s, self.user_id)
            except Exception:  # the window must open even when the inbox cannot be read
                log.warning("cannot read the inbox", exc_info=True)
        self.poll_timer = QTimer(self)
        self.poll_timer.timeout.connect(self.poll)
        self.check_timer = QTimer(self)
        self.check_timer.timeout.connect(self.check)

    # -- unread count --------------------------------------------------------------------------
    def set_count(self, count: int) -> None:
        self.count = count
        self.setIcon(bell_icon(count))
        self.setText(f"Inbox ({count})" if count else "Inbox")
        self.setToolTip(
            f"{count} unread notification{'s' if count != 1 else ''}" if count else "No unread notifications"
        )

    def refresh(self) -> None:
        """Re-read the unread count now (on the GUI thread: one indexed COUNT)."""
        if self.user_id is None:
            self.set_count(0)
            return
        try:
            with self.db.reading() as s:
                self.set_count(core.unread_count(s, self.user_id))
        except Exception:  # a database hiccup: the next poll tries again
            log.warning("cannot read the unread count", exc_info=True)

    def show_popup(self) -> InboxPopup:
        if self.popup is None:
            self.popup = InboxPopup(self)
        self.popup.load()
        pos = self.mapToGlobal(QPoint(0, self.height()))
        self.popup.move(pos)
        self.popup.show()
        return self.popup

    def open_item(self, item: Item) -> None:
        if not item.read:
            with self.db.transaction() as s:
                core.mark_read(s, self.window.actor, [item.id])
            self.refresh()
        if item.incident_id is not None:
            self.window.open_incident(item.incident_id)

    # -- background work -----------------------------------------------------------------------
    def start(self, poll_ms: int = POLL_MS, check_ms: int = CHECK_MS) -> None:
        if poll_ms:
            self.poll_timer.start(poll_ms)
        if check_ms:
            self.check_timer.start(check_ms)
            # A first round soon after start-up, once the window is up; a child timer dies with the bell.
            first = QTimer(self)
            first.setSingleShot(True)
            first.timeout.connect(self.check)
            first.start(min(check_ms, FIRST_CHECK_MS))

    def poll(self) -> None:
        if self._polling or self.user_id is None:
            return
        self._polling = True
        QThreadPool.globalInstance().start(_Poll(self.db, self.user_id, self.last_seen, self.signals))

    def _on_polled(self, count: int, new: list[Item]) -> None:
        self._polling = False
        if count < 0:
            return
        self.set_count(count)
        if new:
            self.last_seen = max(i.id for i in new)
            unread = [i for i in new if not i.read]
            if unread:
                self.notify_desktop(unread)
            if self.popup is not None and self.popup.isVisible():
                self.popup.load()

    def notify_desktop(self, items: list[Item]) -> bool:
        """A system-tray message for new notifications, where the desktop has a tray."""
        if not QSystemTrayIcon.isSystemTrayAvailable():
            return False
        if self.tray is None:
            self.tray = QSystemTrayIcon(bell_icon(1, 32), self)
            self.tray.setToolTip(APP_NAME)
            self.tray.messageClicked.connect(self._tray_clicked)
            self.tray.show()
        first = items[0]
        self._tray_incident = first.incident_id
        more = f"\n…and {len(items) - 1} more" if len(items) > 1 else ""
        self.tray.showMessage(
            first.title,
            (first.body.splitlines() or [""])[-1] + more,
            QSystemTrayIcon.MessageIcon.Information,
            10_000,
        )
        return True

    def _tray_clicked(self) -> None:
        self.window.showNormal()
        self.window.raise_()
        self.window.activateWindow()
        if self._tray_incident is not None:
            self.window.open_incident(self._tray_incident)

    def check(self) -> None:
        if self._checking:
            return
        self._checking = True
        QThreadPool.globalInstance().start(_Check(self.db, self.signals))

    def _on_checked(self, result: Any) -> None:
        self._checking = False
        if not isinstance(result, Exception):
            self.poll()


FORM_TAB = "incident_desk.ui.sla_editor:DeadlinesPanel"


def register_form_tab() -> None:
    """Give the incident form its "Deadlines" tab (the form's documented extension list)."""
    try:
        from incident_desk.ui import incident_form
    except ImportError:
        return
    tabs = getattr(incident_form, "INCIDENT_FORM_TABS", None)
    if isinstance(tabs, list) and FORM_TAB not in tabs:
        tabs.append(FORM_TAB)


def install(window: Any) -> InboxBell:
    register_form_tab()
    bell = InboxBell(window)
    window.inbox_bell = bell
    window.toolbar.addSeparator()
    window.toolbar.addWidget(bell)
    bell.start()
    return bell
