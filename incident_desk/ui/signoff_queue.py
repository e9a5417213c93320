"""The sign-off queue: assessments awaiting a manager's decision, shown read-only, approved or rejected.

Approving asks for the manager's password again and records an electronic signature; rejecting
needs a reason and sends the incident back to its assessor. The rules (who may sign, how many
sign-offs a band needs) are the core's; this screen only shows and asks.
"""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from incident_desk import APP_NAME
from incident_desk.actor import Actor
from incident_desk.db import Database
from incident_desk.db.base import utcnow
from incident_desk.errors import AuthenticationError, IncidentDeskError, ValidationError
from incident_desk.signoff import service as signoff
from incident_desk.signoff.service import AssessmentView, QueueItem
from incident_desk.ui.matrix_grid import MatrixGrid
from incident_desk.users.roles import Role, allowed

Index = QModelIndex | QPersistentModelIndex
ITEM_ROLE = Qt.ItemDataRole.UserRole + 1
COLUMNS = (
    ("band", "Risk band"),
    ("reference", "Incident"),
    ("title", "Title"),
    ("severity", "Severity"),
    ("age", "Waiting"),
    ("deadline", "Deadline"),
    ("progress", "Sign-offs"),
    ("author", "Assessed by"),
    ("state", "Your part"),
)
COL = {key: n for n, (key, _h) in enumerate(COLUMNS)}
OVERDUE_BG = QColor("#fde0dc")
HIERARCHY = {
    "elimination": "Elimination",
    "substitution": "Substitution",
    "engineering": "Engineering control",
    "administrative": "Administrative control",
    "ppe": "PPE",
}


def duration_text(delta: dt.timedelta | None) -> str:
    if delta is None:
        return ""
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{max(0, minutes)} min"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h"
    return f"{hours // 24} days"


def local(when: dt.datetime | None) -> str:
    return when.astimezone().strftime("%Y-%m-%d %H:%M") if when else ""


class QueueModel(QAbstractTableModel):
    """The queue, most serious band first, then the earliest deadline (ordered by the core)."""

    count_changed = Signal(int)

    def __init__(self, db: Database, actor: Actor, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.items: list[QueueItem] = []
        self.now = utcnow()

    def refresh(self) -> None:
        self.now = utcnow()
        with self.db.reading() as s:
            items = signoff.queue(s, self.actor, now=self.now)
        self.beginResetModel()
        self.items = items
        self.endResetModel()
        self.count_changed.emit(len(items))

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.items)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][1]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def item(self, row: int) -> QueueItem:
        return self.items[row]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.items):
            return None
        it = self.items[index.row()]
        key = COLUMNS[index.column()][0]
        overdue = it.overdue(self.now)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._text(it, key, overdue)
        if role == ITEM_ROLE:
            return it
        if role == Qt.ItemDataRole.BackgroundRole:
            if key == "band" and it.band_colour:
                return QBrush(QColor(it.band_colour))
            if overdue:
                return QBrush(OVERDUE_BG)
        if role == Qt.ItemDataRole.ForegroundRole:
            if key == "band" and it.band_colour:
                c = QColor(it.band_colour)
                return QBrush(QColor("#000000" if c.lightness() > 140 else "#ffffff"))
            if overdue:
                return QBrush(QColor("#8e0000"))
            if key == "state" and it.blocked:
                return QBrush(QColor("#6b6b6b"))
        if role == Qt.ItemDataRole.FontRole and (key == "reference" or (key == "deadline" and overdue)):
            font = QFont()
            if key == "reference":
                font.setFamily("monospace")
            else:
                font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            if key == "deadline" and overdue:
                return "The sign-off is overdue."
            if key == "state":
                return it.blocked or "You can approve or reject this assessment."
        return None

    def _text(self, it: QueueItem, key: str, overdue: bool) -> str:
        match key:
            case "band":
                return f"{it.band or 'Unrated'}" + (f" ({it.score})" if it.score is not None else "")
            case "reference":
                return it.reference + (f" r{it.revision}" if it.revision > 1 else "")
            case "title":
                return it.title
            case "severity":
                return it.severity
            case "age":
                return duration_text(it.age(self.now))
            case "deadline":
                return local(it.deadline) + (" — overdue" if overdue else "")
            case "progress":
                return f"{it.approvals} of {it.required}"
            case "author":
                return it.author_name
            case "state":
                return "Waiting for someone else" if it.blocked else "Ready for you"
        return ""


def matrix_marks(v: AssessmentView) -> dict[tuple[str, str], list[str]]:
    """Badges for the matrix: I1/R1 = hazard 1 before (inherent) and after (residual) its controls."""
    marks: dict[tuple[str, str], list[str]] = {}
    for n, h in enumerate(v.hazards, 1):
        for prefix, lk, sv in (
            ("I", h.inherent_likelihood, h.inherent_severity),
            ("R", h.residual_likelihood, h.residual_severity),
        ):
            if lk and sv:
                marks.setdefault((lk, sv), []).append(f"{prefix}{n}")
    return marks


def _role_label(value: str) -> str:
    try:
        return Role(value).label
    except ValueError:
        return escape(value)


def assessment_html(v: AssessmentView) -> str:
    """The assessment, read-only: summary, hazards with controls, actions, decisions so far."""
    a, inc = v.assessment, v.incident
    e = escape
    parts = [
        f"<h3>{e(inc.reference)} — {e(inc.title)}</h3>",
        f"<p>Risk assessment revision {a.revision} by {e(v.author_name or 'unknown')}, submitted "
        f"{local(a.submitted_at)}. Severity {e(v.severity)}. Overall risk: <b>{e(a.overall_band or 'not rated')}"
        f"</b>{' (score ' + str(a.overall_score) + ')' if a.overall_score is not None else ''}. This band needs "
        f"<b>{v.rule.signoffs_required}</b> sign-off{'s' if v.rule.signoffs_required > 1 else ''}.</p>",
    ]
    if a.summary:
        parts.append(f"<p><i>{e(a.summary)}</i></p>")
    if inc.description:
        parts.append(f"<p><b>What happened:</b> {e(inc.description)}</p>")
    parts.append("<h4>Hazards and controls</h4>")
    if not v.hazards:
        parts.append("<p>No hazards recorded.</p>")
    else:
        rows = [
            "<tr><th>#</th><th align=left>Hazard</th><th>Inherent (I)</th><th>Residual (R)</th>"
            "<th align=left>Controls</th></tr>"
        ]
        for n, h in enumerate(v.hazards, 1):
            controls = "<br>".join(
                f"{e(c.description)} <small>({HIERARCHY.get(c.hierarchy, e(c.hierarchy))}"
                f"{', existing' if c.existing else ''})</small>"
                for c in v.controls.get(h.id, [])
            )
            if h.existing_controls:
                controls = f"<small>Existing: {e(h.existing_controls)}</small><br>" + controls
            rows.append(
                f"<tr><td align=center>{n}</td><td>{e(h.description)}</td>"
                f"<td align=center>{e(h.inherent_band or '—')} {h.inherent_score or ''}</td>"
                f"<td align=center>{e(h.residual_band or '—')} {h.residual_score or ''}</td>"
                f"<td>{controls or '—'}</td></tr>"
            )
        parts.append("<table cellspacing=0 cellpadding=4 border=1 width='100%'>" + "".join(rows) + "</table>")
    parts.append("<h4>Corrective and preventive actions</h4>")
    if not v.actions:
        parts.append("<p>No actions planned.</p>")
    else:
        items = "".join(
            f"<li>{e(x.description)} — <small>{e(x.action_type)}, {e(x.owner_name or 'no owner')}, "
            f"due {x.due_date or '—'}, {e(x.status)}</small></li>"
            for x in v.actions
        )
        parts.append(f"<ul>{items}</ul>")
    parts.append("<h4>Decisions on this revision</h4>")
    if not v.signatures:
        parts.append("<p>None yet.</p>")
    else:
        items = "".join(
            f"<li><b>{e(s.meaning)}</b> by {e(s.signer_name)} ({_role_label(s.role)}, level {s.level}), "
            f"{local(s.signed_at)}{' — “' + e(s.comment) + '”' if s.comment else ''}</li>"
            for s in v.signatures
        )
        parts.append(f"<ul>{items}</ul>")
    others = [r for r in v.revisions if r.id != a.id]
    if others:
        parts.append(
            "<p><small>Other revisions: "
            + ", ".join(f"revision {r.revision} ({e(r.status.replace('_', ' '))})" for r in others)
            + "</small></p>"
        )
    return "".join(parts)


class ApproveDialog(QDialog):
    """Re-enter the password to sign; a comment is optional. Signs on OK, stays open on a wrong password."""

    signed = Signal(int)

    def __init__(self, db: Database, actor: Actor, item: QueueItem, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor, self.item = db, actor, item
        self.setWindowTitle(f"Approve {item.reference}")
        self.setMinimumWidth(480)
        layout = QVBoxLayout(self)
        level = item.approvals + 1
        text = QLabel(
            f"You are signing the risk assessment of <b>{escape(item.reference)}</b> (revision "
            f"{item.revision}, {escape(item.band or 'unrated')} band) as <b>Approved</b> — sign-off {level} "
            f"of {item.required}. Your name, role, the time and a fingerprint of the assessment as it "
            "stands now are recorded."
        )
        text.setWordWrap(True)
        layout.addWidget(text)
        form = QFormLayout()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Password")
        self.comment = QPlainTextEdit()
        self.comment.setAccessibleName("Comment")
        self.comment.setPlaceholderText("Optional: conditions, remarks")
        self.comment.setFixedHeight(70)
        form.addRow(f"&Password of {escape(actor.name)}:", self.password)
        form.addRow("&Comment:", self.comment)
        layout.addLayout(form)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b71c1c")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("&Sign and approve")
        self.buttons.accepted.connect(self.sign)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.password.setFocus()

    def sign(self) -> None:
        try:
            with self.db.transaction() as s:
                sig = signoff.approve(
                    s, self.actor, self.item.assessment_id, self.password.text(), self.comment.toPlainText()
                )
                sig_id = sig.id
        except signoff.WrongPassword as exc:
            with self.db.transaction() as s:
                locked = signoff.record_wrong_password(s, self.actor, self.item.assessment_id)
            self._error(str(exc) + (" Your account is now locked for 15 minutes." if locked else ""))
            self.password.selectAll()
            self.password.setFocus()
            return
        except AuthenticationError as exc:
            self._error(str(exc))
            self.password.selectAll()
            self.password.setFocus()
            return
        except IncidentDeskError as exc:
            self._error(str(exc))
            return
        self.signed.emit(sig_id)
        self.accept()

    def _error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()


class RejectDialog(QDialog):
    """A reason is required: the assessor reads it to put the assessment right."""

    rejected_with = Signal(int)

    def __init__(self, db: Database, actor: Actor, item: QueueItem, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor, self.item = db, actor, item
        self.setWindowTitle(f"Reject {item.reference}")
        self.setMinimumWidth(480)
        layout = QVBoxLayout(self)
        text = QLabel(
            f"The assessment of <b>{escape(item.reference)}</b> goes back to "
            f"{escape(item.author_name or 'its assessor')} and the incident returns to Assessment. "
            "Say what needs to change."
        )
        text.setWordWrap(True)
        layout.addWidget(text)
        self.reason = QPlainTextEdit()
        self.reason.setAccessibleName("Reason")
        self.reason.setPlaceholderText("Reason (required)")
        layout.addWidget(self.reason)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b71c1c")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("&Reject")
        self.ok.setEnabled(False)
        self.reason.textChanged.connect(lambda: self.ok.setEnabled(bool(self.reason.toPlainText().strip())))
        self.buttons.accepted.connect(self.send)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.reason.setFocus()

    def send(self) -> None:
        try:
            with self.db.transaction() as s:
                sig_id = signoff.reject(s, self.actor, self.item.assessment_id, self.reason.toPlainText()).id
        except ValidationError as exc:
            self._error(" ".join(exc.messages()))
            return
        except IncidentDeskError as exc:
            self._error(str(exc))
            return
        self.rejected_with.emit(sig_id)
        self.accept()

    def _error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()


class SignoffQueueScreen(QWidget):
    def __init__(self, db: Database, actor: Actor, window: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor, self.window_ = db, actor, window
        self.dialog: QDialog | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<h2>Sign-off queue</h2>"))
        if not allowed(actor, "signoff.sign"):
            note = QLabel(
                "Risk assessments are signed off by managers. Your account does not have the Manager "
                "role, so there is nothing for you to sign here."
            )
            note.setWordWrap(True)
            layout.addWidget(note)
            layout.addStretch(1)
            self.model = None
            return
        self.count_label = QLabel()
        layout.addWidget(self.count_label)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.table = QTableView()
        self.table.setAccessibleName("Assessments awaiting sign-off")
        self.model = QueueModel(db, actor, self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setResizeContentsPrecision(60)  # size columns from the first rows, not all of them
        for n in range(len(COLUMNS)):
            header.setSectionResizeMode(n, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL["title"], QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda _i: self.open_incident())
        splitter.addWidget(self.table)

        detail = QWidget()
        dl = QVBoxLayout(detail)
        dl.setContentsMargins(6, 0, 0, 0)
        self.matrix = MatrixGrid(compact=True)
        self.matrix.set_interactive(False)
        self.matrix.setMinimumHeight(220)
        self.marks: dict[tuple[str, str], list[str]] = {}
        self.text = QTextBrowser()
        self.text.setAccessibleName("Assessment")
        self.text.setOpenExternalLinks(False)
        self.photos = QListWidget()
        self.photos.setViewMode(QListWidget.ViewMode.IconMode)
        self.photos.setIconSize(QSize(96, 96))
        self.photos.setFixedHeight(124)
        self.photos.setAccessibleName("Photos")
        self.photos_label = QLabel("<b>Photos</b>")
        self.why = QLabel()
        self.why.setWordWrap(True)
        self.why.setStyleSheet("color: #6b4e00")
        buttons = QHBoxLayout()
        self.approve_button = QPushButton("&Approve…")
        self.reject_button = QPushButton("Re&ject…")
        self.open_button = QPushButton("&Open incident")
        self.approve_button.clicked.connect(self.approve_selected)
        self.reject_button.clicked.connect(self.reject_selected)
        self.open_button.clicked.connect(self.open_incident)
        buttons.addWidget(self.approve_button)
        buttons.addWidget(self.reject_button)
        buttons.addStretch(1)
        buttons.addWidget(self.open_button)
        legend = QLabel(
            "<b>Risk matrix</b> — I1 marks hazard 1 before its controls (inherent), R1 after them (residual)"
        )
        legend.setWordWrap(True)
        dl.addWidget(legend)
        dl.addWidget(self.matrix)
        dl.addWidget(self.text, 1)
        dl.addWidget(self.photos_label)
        dl.addWidget(self.photos)
        dl.addWidget(self.why)
        dl.addLayout(buttons)
        splitter.addWidget(detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([820, 560])
        layout.addWidget(splitter, 1)
        self.model.count_changed.connect(self._show_count)
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self.show_selected())
        self.refresh()

    # -- state -----------------------------------------------------------------------------
    def _show_count(self, n: int) -> None:
        if self.model is None:
            return
        overdue = sum(1 for it in self.model.items if it.overdue(self.model.now))
        mine = sum(1 for it in self.model.items if not it.blocked)
        self.count_label.setText(
            "Nothing is waiting for sign-off."
            if n == 0
            else f"{n} assessment{'s' if n != 1 else ''} awaiting sign-off, {mine} ready for you"
            + (f", <b style='color:#8e0000'>{overdue} overdue</b>" if overdue else "")
            + ". Most serious band first, then the earliest deadline."
        )

    def refresh(self) -> None:
        if self.model is None:
            return
        keep = self.selected()
        self.model.refresh()
        row = 0
        if keep is not None:
            row = next(
                (i for i, it in enumerate(self.model.items) if it.assessment_id == keep.assessment_id), 0
            )
        if self.model.items:
            self.table.selectRow(row)
        self.show_selected()

    def selected(self) -> QueueItem | None:
        if self.model is None:
            return None
        idx = self.table.currentIndex()
        if not idx.isValid() or idx.row() >= len(self.model.items):
            return None
        return self.model.item(idx.row())

    def select_assessment(self, assessment_id: int) -> bool:
        if self.model is None:
            return False
        for i, it in enumerate(self.model.items):
            if it.assessment_id == assessment_id:
                self.table.selectRow(i)
                return True
        return False

    def show_selected(self) -> None:
        item = self.selected()
        self.approve_button.setEnabled(item is not None and not item.blocked)
        self.reject_button.setEnabled(item is not None and not item.blocked)
        self.open_button.setEnabled(item is not None)
        self.photos.clear()
        if item is None:
            self.text.setHtml("<p>Select an assessment to see it here.</p>")
            self.matrix.set_definition(None)
            self.marks = {}
            self.why.hide()
            self.photos_label.hide()
            self.photos.hide()
            return
        from incident_desk.incidents.service import attachment_bytes

        with self.db.reading() as s:
            v = signoff.view(s, self.actor, item.assessment_id)
            photos = [(p.caption or p.filename, attachment_bytes(s, p.id)) for p in v.photos[:12]]
            marks = matrix_marks(v)
            html = assessment_html(v)
            definition = v.definition
        try:
            self.matrix.set_definition(definition)
        except (IncidentDeskError, KeyError, TypeError, ValueError):
            self.matrix.set_definition(None)
        self.marks = marks
        self.matrix.set_marks(marks)
        self.text.setHtml(html)
        for caption, data in photos:
            pix = QPixmap()
            pix.loadFromData(data)
            li = QListWidgetItem(caption[:20])
            li.setIcon(
                pix.scaled(
                    96, 96, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
                )
            )
            li.setToolTip(caption)
            self.photos.addItem(li)
        self.photos_label.setVisible(bool(photos))
        self.photos.setVisible(bool(photos))
        self.why.setText(item.blocked)
        self.why.setVisible(bool(item.blocked))

    # -- actions ---------------------------------------------------------------------------
    def approve_selected(self) -> ApproveDialog | None:
        item = self.selected()
        if item is None or item.blocked:
            return None
        dialog = ApproveDialog(self.db, self.actor, item, self)
        dialog.signed.connect(lambda _id: self._decided(item, "approved"))
        self._open(dialog)
        return dialog

    def reject_selected(self) -> RejectDialog | None:
        item = self.selected()
        if item is None or item.blocked:
            return None
        dialog = RejectDialog(self.db, self.actor, item, self)
        dialog.rejected_with.connect(lambda _id: self._decided(item, "rejected"))
        self._open(dialog)
        return dialog

    def _open(self, dialog: QDialog) -> None:
        self.dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _r: setattr(self, "dialog", None))
        dialog.open()

    def _decided(self, item: QueueItem, what: str) -> None:
        self.refresh()
        window = self.window()
        bar = getattr(window, "statusBar", None)
        if callable(bar):
            bar().showMessage(f"{item.reference}: assessment {what}.", 8000)
        refresh_counts = getattr(self.window_, "refresh_counts", None)
        if callable(refresh_counts):
            refresh_counts()

    def open_incident(self) -> None:
        item = self.selected()
        if item is None:
            return
        opener = getattr(self.window_, "open_incident", None)
        if callable(opener):
            opener(item.incident_id)
        else:
            QMessageBox.information(self, APP_NAME, f"Open {item.reference} from the incident list.")

    def edit_find(self) -> None:
        if self.model is not None:
            self.table.setFocus()


def make_screen(window: Any) -> SignoffQueueScreen:
    return SignoffQueueScreen(window.db, window.actor, window)


class RevisionDialog(QDialog):
    """One revision of an incident's risk assessment, read-only, with its decisions (any revision, any time)."""

    def __init__(self, db: Database, actor: Actor, assessment_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        with db.reading() as s:
            v = signoff.view(s, actor, assessment_id)
            html = assessment_html(v)
            marks = matrix_marks(v)
            definition = v.definition
            title = f"{v.incident.reference} — risk assessment revision {v.assessment.revision}"
            state = v.assessment.status.replace("_", " ") + (", locked" if v.assessment.locked else "")
        self.setWindowTitle(title)
        self.resize(900, 760)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"<b>{escape(title)}</b> ({escape(state)})"))
        self.matrix = MatrixGrid(compact=True)
        self.matrix.set_interactive(False)
        self.matrix.setMinimumHeight(220)
        try:
            self.matrix.set_definition(definition)
        except (IncidentDeskError, KeyError, TypeError, ValueError):
            self.matrix.set_definition(None)
        self.matrix.set_marks(marks)
        layout.addWidget(self.matrix)
        self.text = QTextBrowser()
        self.text.setHtml(html)
        layout.addWidget(self.text, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
