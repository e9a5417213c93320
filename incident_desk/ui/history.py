"""The History tab of an incident: its signatures and every recorded event, in plain language."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from incident_desk.actor import Actor
from incident_desk.db import Database
from incident_desk.risk.models import Assessment
from incident_desk.signoff import service as signoff
from incident_desk.ui.audit_view import EVENT_ROLE, AuditTableModel, configure_table, details_text
from incident_desk.users.roles import Role


def signatures_html(db: Database, incident_id: int) -> str:
    """Every signature on every revision of the incident's assessment, oldest first."""
    from sqlalchemy import select

    with db.reading() as s:
        sigs = signoff.signatures_for_incident(s, incident_id)
        revisions = {
            a.id: a for a in s.scalars(select(Assessment).where(Assessment.incident_id == incident_id))
        }
    if not sigs:
        return "<i>No sign-off decisions yet.</i>"
    lines = []
    for sig in sigs:
        a = revisions.get(sig.assessment_id)
        rev = f"revision {a.revision}" if a else f"assessment #{sig.assessment_id}"
        try:
            role = Role(sig.role).label
        except ValueError:
            role = sig.role
        colour = "#2e7d32" if sig.meaning == signoff.APPROVED else "#c62828"
        comment = f" — “{escape(sig.comment)}”" if sig.comment else ""
        lines.append(
            f"<span style='color:{colour}'><b>{escape(sig.meaning)}</b></span> {rev} by "
            f"<b>{escape(sig.signer_name)}</b> ({role}, sign-off level {sig.level}), "
            f"{sig.signed_at.astimezone():%Y-%m-%d %H:%M}{comment}"
        )
    return "<br>".join(lines)


class HistoryPanel(QWidget):
    """Who did what to this incident and when; the assessment's signatures above the events."""

    title = "History"

    def __init__(
        self, db: Database, actor: Actor, incident_id: int | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.incident_id = incident_id
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.signatures = QLabel()
        self.signatures.setWordWrap(True)
        self.signatures.setTextFormat(Qt.TextFormat.RichText)
        self.signatures.setAccessibleName("Signatures")
        self.signatures.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(QLabel("<b>Sign-off decisions</b>"))
        layout.addWidget(self.signatures)
        revisions_row = QHBoxLayout()
        self.revision_combo = QComboBox()
        self.revision_combo.setAccessibleName("Assessment revision")
        self.view_revision_button = QPushButton("&View revision…")
        self.view_revision_button.clicked.connect(self.view_revision)
        self.revisions_label = QLabel("Risk assessment:")
        revisions_row.addWidget(self.revisions_label)
        revisions_row.addWidget(self.revision_combo)
        revisions_row.addWidget(self.view_revision_button)
        revisions_row.addStretch(1)
        layout.addLayout(revisions_row)
        self.dialog: QDialog | None = None
        layout.addWidget(QLabel("<b>Events</b> (oldest first)"))
        splitter = QSplitter(Qt.Orientation.Vertical)
        self.table = QTableView()
        self.table.setAccessibleName("Incident history")
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setAccessibleName("Event details")
        self.details.setPlaceholderText("Select an event to see everything recorded about it.")
        splitter.addWidget(self.table)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([400, 120])
        layout.addWidget(splitter, 1)
        self.model: AuditTableModel | None = None
        self.set_incident(incident_id)

    def set_incident(self, incident_id: int | None) -> None:
        """Show another incident (a new incident has no id until it is saved)."""
        self.incident_id = incident_id
        if incident_id is None:
            self.signatures.setText("<i>The history starts when the incident is saved.</i>")
            self._fill_revisions()
            self.table.setModel(None)
            self.model = None
            return
        self.model = AuditTableModel(self.db, self.actor, incident_id=incident_id, parent=self)
        configure_table(self.table, self.model)
        self.table.selectionModel().currentRowChanged.connect(self._show_details)
        self.refresh()

    def refresh(self) -> None:
        if self.incident_id is None or self.model is None:
            return
        self.signatures.setText(signatures_html(self.db, self.incident_id))
        self._fill_revisions()
        self.model.refresh()
        self.details.clear()

    def _fill_revisions(self) -> None:
        from sqlalchemy import select

        self.revision_combo.clear()
        if self.incident_id is not None:
            with self.db.reading() as s:
                for a in s.scalars(
                    select(Assessment)
                    .where(Assessment.incident_id == self.incident_id)
                    .order_by(Assessment.revision.desc())
                ):
                    state = a.status.replace("_", " ") + (", locked" if a.locked else "")
                    self.revision_combo.addItem(f"Revision {a.revision} ({state})", a.id)
        has = self.revision_combo.count() > 0
        for w in (self.revisions_label, self.revision_combo, self.view_revision_button):
            w.setVisible(has)

    def view_revision(self) -> QDialog | None:
        """Any revision, earlier ones included, read-only with its matrix and decisions."""
        from incident_desk.ui.signoff_queue import RevisionDialog

        assessment_id = self.revision_combo.currentData()
        if assessment_id is None:
            return None
        dialog = RevisionDialog(self.db, self.actor, assessment_id, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _r: setattr(self, "dialog", None))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _show_details(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row = current.data(EVENT_ROLE) if current.isValid() else None
        self.details.setPlainText(details_text(row) if row else "")

    def reload(self) -> None:
        """Called by the incident form after every save and workflow step."""
        self.refresh()
