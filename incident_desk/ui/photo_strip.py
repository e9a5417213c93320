"""Photos on the incident form: add from a file dialog, by drag and drop or by pasting.

Each picture goes through ``incidents.images.process`` (upright, size-capped, GPS removed
unless kept) before it is shown. A refused file is reported in a line under the strip and
nothing else on the form changes.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMimeData, QSize, Qt, Signal
from PySide6.QtGui import (
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QIcon,
    QImage,
    QKeySequence,
    QPainter,
    QPaintEvent,
    QPixmap,
    QShortcut,
)
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from incident_desk.errors import ValidationError
from incident_desk.incidents import images

THUMB = QSize(150, 112)
_counter = itertools.count(1)


@dataclass(frozen=True)
class PhotoEntry:
    """A photo as the form holds it: already processed, saved (attachment_id) or not yet."""

    key: str
    filename: str
    mime_type: str
    width: int | None
    height: int | None
    data: bytes
    attachment_id: int | None = None


def new_key(prefix: str) -> str:
    return f"{prefix}-{next(_counter)}-{uuid.uuid4().hex[:8]}"


def pixmap_of(data: bytes) -> QPixmap:
    pixmap = QPixmap()
    pixmap.loadFromData(data)
    return pixmap


class _DropList(QListWidget):
    """The thumbnail strip; accepts dropped image files and image data."""

    dropped = Signal(QMimeData)

    def __init__(self) -> None:
        super().__init__()
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(True)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setIconSize(THUMB)
        self.setGridSize(QSize(THUMB.width() + 24, THUMB.height() + 40))
        self.setSpacing(4)
        self.setWordWrap(True)
        self.setAcceptDrops(True)
        self.setMinimumHeight(THUMB.height() + 56)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self.count() == 0:
            p = QPainter(self.viewport())
            p.setPen(self.palette().placeholderText().color())
            p.drawText(
                self.viewport().rect(),
                Qt.AlignmentFlag.AlignCenter,
                "No photos yet.\nAdd photos…, drop picture files here, or paste (Ctrl+V).",
            )
            p.end()

    def _acceptable(self, mime: QMimeData) -> bool:
        return mime.hasUrls() or mime.hasImage()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._acceptable(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if self._acceptable(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        if self._acceptable(event.mimeData()):
            event.acceptProposedAction()
            self.dropped.emit(event.mimeData())
        else:
            event.ignore()


class PhotoViewer(QDialog):
    """A photo at full size (scaled to the screen), with its caption."""

    def __init__(self, entry: PhotoEntry, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(caption or entry.filename or "Photo")
        layout = QVBoxLayout(self)
        area = QScrollArea()
        label = QLabel()
        pixmap = pixmap_of(entry.data)
        screen = QApplication.primaryScreen()
        limit = screen.availableSize() * 0.8 if screen else QSize(1200, 900)
        if pixmap.width() > limit.width() or pixmap.height() > limit.height():
            pixmap = pixmap.scaled(
                limit, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
            )
        label.setPixmap(pixmap)
        label.setAccessibleName(caption or entry.filename or "Photo")
        area.setWidget(label)
        area.setWidgetResizable(True)
        layout.addWidget(area)
        info = QLabel(f"{caption}<br><small>{entry.filename} · {entry.width} × {entry.height} px</small>")
        layout.addWidget(info)
        self.resize(min(pixmap.width() + 40, limit.width()), min(pixmap.height() + 80, limit.height()))


class PhotoStrip(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entries: dict[str, PhotoEntry] = {}  # every photo seen while the form is open (undo brings back)
        self.order: list[str] = []
        self.captions: dict[str, str] = {}
        self._loading = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        buttons = QHBoxLayout()
        self.add_button = QPushButton("&Add photos…")
        self.add_button.setAccessibleName("Add photos from files")
        self.add_button.clicked.connect(self.choose_files)
        self.paste_button = QPushButton("Paste photo")
        self.paste_button.setToolTip("Paste a picture copied from another program (Ctrl+V on the strip)")
        self.paste_button.clicked.connect(self.paste)
        self.keep_gps = QCheckBox("Keep location (GPS) data")
        self.keep_gps.setToolTip(
            "Photos from phones often record where they were taken. It is removed unless "
            "you tick this before adding the photo."
        )
        hint = QLabel("…or drop picture files on the strip below.")
        hint.setStyleSheet("color: palette(mid)")
        for w in (self.add_button, self.paste_button, self.keep_gps):
            buttons.addWidget(w)
        buttons.addWidget(hint, 1)
        layout.addLayout(buttons)

        self.list = _DropList()
        self.list.setAccessibleName("Photos")
        self.list.dropped.connect(self.add_mime)
        self.list.currentItemChanged.connect(self._selection_changed)
        self.list.itemActivated.connect(lambda _item: self.view_current())
        QShortcut(
            QKeySequence.StandardKey.Paste, self.list, self.paste, context=Qt.ShortcutContext.WidgetShortcut
        )
        QShortcut(
            QKeySequence.StandardKey.Delete,
            self.list,
            self.remove_current,
            context=Qt.ShortcutContext.WidgetShortcut,
        )
        layout.addWidget(self.list, 1)

        row = QHBoxLayout()
        self.caption = QLineEdit()
        self.caption.setPlaceholderText("Caption for the selected photo, e.g. “Wet floor by wash station”")
        self.caption.setAccessibleName("Photo caption")
        self.caption.textEdited.connect(self._caption_edited)
        caption_label = QLabel("Ca&ption:")
        caption_label.setBuddy(self.caption)
        self.view_button = QPushButton("&View")
        self.view_button.clicked.connect(self.view_current)
        self.remove_button = QPushButton("Remo&ve photo")
        self.remove_button.clicked.connect(self.remove_current)
        for w in (caption_label, self.caption, self.view_button, self.remove_button):
            row.addWidget(w, 1 if w is self.caption else 0)
        layout.addLayout(row)
        self.error = QLabel()
        self.error.setObjectName("photo_error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b71c1c")
        self.error.hide()
        layout.addWidget(self.error)
        self._selection_changed()

    # -- adding ----------------------------------------------------------------------------
    def choose_files(self) -> None:
        patterns = " ".join(f"*{s}" for s in images.ACCEPTED_SUFFIXES)
        paths, _filter = QFileDialog.getOpenFileNames(
            self, "Add photos", "", f"Pictures ({patterns});;All files (*)"
        )
        if paths:
            self.add_files(paths)

    def add_files(self, paths: list[str]) -> list[str]:
        """Add the files; returns the problems (also shown under the strip)."""
        problems, added = [], 0
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            for name in paths:
                path = Path(name)
                try:
                    if path.stat().st_size > images.MAX_FILE_BYTES:
                        raise ValidationError(
                            f"“{path.name}” is larger than "
                            f"{images.MAX_FILE_BYTES // 1_048_576} MB; it was not attached."
                        )
                    self._add(path.read_bytes(), path.name)
                    added += 1
                except ValidationError as exc:
                    problems.append(str(exc))
                except OSError as exc:
                    problems.append(f"“{path.name}” could not be read: {exc.strerror or exc}.")
        finally:
            QApplication.restoreOverrideCursor()
        self._report(problems)
        if added:
            self.changed.emit()
        return problems

    def add_bytes(self, data: bytes, filename: str) -> list[str]:
        try:
            self._add(data, filename)
        except ValidationError as exc:
            self._report([str(exc)])
            return [str(exc)]
        self._report([])
        self.changed.emit()
        return []

    def add_mime(self, mime: QMimeData) -> list[str]:
        files = [u.toLocalFile() for u in mime.urls() if u.isLocalFile()] if mime.hasUrls() else []
        if files:
            return self.add_files(files)
        if mime.hasImage():
            image = mime.imageData()
            if isinstance(image, QPixmap):
                image = image.toImage()
            if isinstance(image, QImage) and not image.isNull():
                data = QByteArray()
                buffer = QBuffer(data)
                buffer.open(QIODevice.OpenModeFlag.WriteOnly)
                image.save(buffer, "PNG")
                buffer.close()
                return self.add_bytes(bytes(data.data()), "Pasted picture.png")
        problem = "There is no picture to add: copy a photo or an image file first."
        self._report([problem])
        return [problem]

    def paste(self) -> list[str]:
        return self.add_mime(QApplication.clipboard().mimeData())

    def _add(self, data: bytes, filename: str) -> PhotoEntry:
        processed = images.process(data, filename=filename, keep_gps=self.keep_gps.isChecked())
        entry = PhotoEntry(
            new_key("photo"), filename, processed.mime_type, processed.width, processed.height, processed.data
        )
        self.entries[entry.key] = entry
        self.order.append(entry.key)
        self.captions[entry.key] = ""
        self._rebuild(select=entry.key)
        return entry

    def _report(self, problems: list[str]) -> None:
        self.error.setText("\n".join(problems))
        self.error.setVisible(bool(problems))

    # -- existing photos, state ------------------------------------------------------------
    def load(self, entries: list[tuple[PhotoEntry, str]]) -> None:
        self.entries = {e.key: e for e, _c in entries}
        self.order = [e.key for e, _c in entries]
        self.captions = {e.key: c for e, c in entries}
        self._report([])
        self._rebuild()

    def state(self) -> list[dict[str, Any]]:
        return [{"key": k, "caption": self.captions.get(k, "")} for k in self.order]

    def apply_state(self, state: list[dict[str, Any]]) -> None:
        current = self.current_key()
        self.order = [item["key"] for item in state if item["key"] in self.entries]
        for item in state:
            self.captions[item["key"]] = item.get("caption", "")
        self._rebuild(select=current)

    def photos(self) -> list[tuple[PhotoEntry, str]]:
        return [(self.entries[k], self.captions.get(k, "")) for k in self.order]

    # -- selection, captions, removal ------------------------------------------------------
    def _rebuild(self, select: str | None = None) -> None:
        self._loading = True
        try:
            self.list.clear()
            for key in self.order:
                entry = self.entries[key]
                pixmap = pixmap_of(entry.data).scaled(
                    THUMB, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
                )
                item = QListWidgetItem(QIcon(pixmap), self._label(key))
                item.setData(Qt.ItemDataRole.UserRole, key)
                item.setToolTip(f"{entry.filename}\n{entry.width} × {entry.height} px — double-click to view")
                item.setData(Qt.ItemDataRole.AccessibleTextRole, self.captions.get(key) or entry.filename)
                self.list.addItem(item)
                if key == select:
                    self.list.setCurrentItem(item)
        finally:
            self._loading = False
        self._selection_changed()

    def _label(self, key: str) -> str:
        caption = self.captions.get(key, "")
        text = caption or self.entries[key].filename or "Photo"
        return text if len(text) <= 40 else text[:38] + "…"

    def current_key(self) -> str | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def _selection_changed(self, *_args: Any) -> None:
        key = self.current_key()
        for w in (self.caption, self.view_button, self.remove_button):
            w.setEnabled(key is not None)
        self.caption.setText(self.captions.get(key, "") if key else "")

    def _caption_edited(self, text: str) -> None:
        key = self.current_key()
        if key is None:
            return
        self.captions[key] = text
        item = self.list.currentItem()
        if item is not None:
            item.setText(self._label(key))
        self.changed.emit()

    def select(self, key: str) -> None:
        for row in range(self.list.count()):
            if self.list.item(row).data(Qt.ItemDataRole.UserRole) == key:
                self.list.setCurrentRow(row)

    def remove_current(self) -> None:
        key = self.current_key()
        if key is None:
            return
        self.order.remove(key)
        self._rebuild()
        self.changed.emit()

    def view_current(self) -> PhotoViewer | None:
        key = self.current_key()
        if key is None:
            return None
        viewer = PhotoViewer(self.entries[key], self.captions.get(key, ""), self)
        viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        viewer.show()
        return viewer

    def set_editable(self, editable: bool) -> None:
        for w in (self.add_button, self.paste_button, self.keep_gps, self.caption, self.remove_button):
            w.setEnabled(editable)
        self.list.setAcceptDrops(editable)
