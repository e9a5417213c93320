"""The incident form, for a new incident and for an existing one.

Integration contract for other screens
--------------------------------------
``INCIDENT_FORM_TABS`` lists extra tabs as "module:Class" strings. For a *saved* incident the
form adds one tab per entry, constructing ``Class(db, actor, incident_id, parent)``; the widget
has a ``title`` attribute (the tab's label) and may have ``reload()``, called after every save
and workflow step. A module that cannot be imported, or a class that fails to build, is logged
and skipped: the form always opens. Add your entry to the list below (tabs appear in its order),
e.g. "incident_desk.ui.assessment:AssessmentPanel", or append to it at start-up, before any form
opens (a main-window extension can do that).

What the form guarantees: nothing typed is lost (a draft is written every few seconds and
offered again after a crash; closing asks Save / Discard / Cancel; a refused save keeps every
field), one Save is one transaction, and a concurrent edit by someone else is reported with
who changed what, never silently overwritten.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import html
import importlib
import logging
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import QByteArray, QDateTime, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QIcon, QImage, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QStyle,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from incident_desk.actor import Actor
from incident_desk.db import Database
from incident_desk.db.base import utcnow
from incident_desk.errors import ConcurrencyError, IncidentDeskError, NotFound, ValidationError
from incident_desk.incidents import drafts, listing, service, workflow
from incident_desk.incidents.validation import IncidentData, validate
from incident_desk.incidents.workflow import STATUS_LABELS, Status
from incident_desk.ui.incident_sections import (
    FIELD_TAB,
    TAB_COSTS,
    TAB_DETAILS,
    TAB_FOLLOW_UP,
    TAB_PEOPLE,
    TAB_PHOTOS,
    TAB_TIMELINE,
    IncidentSections,
)
from incident_desk.ui.people_editor import PeopleEditor, person_data
from incident_desk.ui.photo_strip import PhotoEntry, new_key
from incident_desk.ui.signature_pad import SignatureEntry
from incident_desk.ui.stepper import WorkflowStepper
from incident_desk.users.roles import allowed

log = logging.getLogger(__name__)

# The tabs in order (defined with the sections), for callers that switch to one.
SECTION_TABS = (TAB_DETAILS, TAB_PEOPLE, TAB_PHOTOS, TAB_COSTS, TAB_FOLLOW_UP, TAB_TIMELINE)

# Extra tabs for saved incidents: "module:Class" (see the module docstring).
INCIDENT_FORM_TABS: list[str] = [
    "incident_desk.ui.assessment:AssessmentPanel",
    "incident_desk.ui.history:HistoryPanel",
]

DRAFT_INTERVAL_MS = 3000
SNAPSHOT_DELAY_MS = 400
UNDO_LIMIT = 200


def ask_conflict(parent: QWidget, text: str) -> str:
    """Ask what to do about a concurrent edit: "merge", "overwrite", "reload" or "cancel"."""
    box = QMessageBox(QMessageBox.Icon.Warning, "Changed by someone else", text, parent=parent)
    merge = box.addButton("Keep their changes and add mine…", QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(merge)
    overwrite = box.addButton("Save mine over theirs", QMessageBox.ButtonRole.AcceptRole)
    reload = box.addButton("Load theirs (drop my changes)", QMessageBox.ButtonRole.DestructiveRole)
    box.addButton("Keep editing", QMessageBox.ButtonRole.RejectRole)
    box.exec()
    clicked = box.clickedButton()
    if clicked is merge:
        return "merge"
    return "overwrite" if clicked is overwrite else "reload" if clicked is reload else "cancel"


def choose_fields(parent: QWidget, clashes: list[Any], describe: Any = None) -> set[str] | None:
    """For fields both people changed, which to keep as the user typed them (None: cancelled).

    ``describe(field, value)`` turns a stored value (an id) into what the user knows it by.
    """
    from PySide6.QtWidgets import QCheckBox, QDialogButtonBox, QLabel, QVBoxLayout

    def short(field: str, value: Any) -> str:
        if describe is not None:
            value = describe(field, value)
        text = "—" if value in (None, "") else str(value)
        return text if len(text) <= 60 else text[:57] + "…"

    dialog = QDialog(parent)
    dialog.setWindowTitle("Both of you changed these fields")
    layout = QVBoxLayout(dialog)
    layout.addWidget(QLabel("Tick the fields where your version should win; the others keep theirs."))
    boxes = {}
    for c in clashes:
        label = c.field.replace("_id", "").replace("_", " ").capitalize()
        box = QCheckBox(f"{label}: yours “{short(c.field, c.mine)}” — theirs “{short(c.field, c.theirs)}”")
        box.setChecked(True)
        boxes[c.field] = box
        layout.addWidget(box)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    layout.addWidget(buttons)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return {name for name, box in boxes.items() if box.isChecked()}


def _to_epoch(when: dt.datetime) -> int:
    return int(when.timestamp())


def _field_values(data: IncidentData) -> dict[str, Any]:
    """IncidentData as the form's widgets take it."""
    return {
        **{k: getattr(data, k) for k in data.__dataclass_fields__},
        "occurred_at": _to_epoch(data.occurred_at) if data.occurred_at else 0,
        "reported_at": _to_epoch(data.reported_at) if data.reported_at else 0,
        "direct_cost": "" if not data.direct_cost else f"{data.direct_cost:.2f}",
        "indirect_cost": "" if not data.indirect_cost else f"{data.indirect_cost:.2f}",
    }


def _png_size(data: bytes) -> tuple[int | None, int | None]:
    image = QImage.fromData(data)
    return (image.width(), image.height()) if not image.isNull() else (None, None)


def _parse_money(text: str, label: str) -> tuple[Decimal, str | None]:
    cleaned = text.strip().replace(",", "").replace(" ", "")
    if not cleaned:
        return Decimal("0"), None
    try:
        value = Decimal(cleaned)
        if not value.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        return Decimal("0"), f"{label}: enter an amount such as 1250.00."
    return value.quantize(Decimal("0.01")), None


class IncidentForm(IncidentSections, QDialog):
    """One window per incident; several can be open at once (it is not modal)."""

    saved = Signal(int)
    closed = Signal()

    def __init__(
        self,
        db: Database,
        actor: Actor,
        incident_id: int | None,
        parent: QWidget | None = None,
        *,
        draft_key: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowFlag(Qt.WindowType.Window, True)
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        self.db, self.actor = db, actor
        self.incident_id = incident_id
        self.draft_key = draft_key or (f"incident-{incident_id}" if incident_id else new_key("new"))
        self.reference = ""
        self.status: str | None = None
        self.version: int | None = None
        self.loaded_at = utcnow()
        self.base_data: IncidentData | None = None  # as last loaded: the base of a merge
        self.editable = allowed(actor, "incident.create")
        self.read_only_reason = ""
        self.original_people: dict[int, dict[str, Any]] = {}
        self.original_photos: dict[int, str] = {}
        self.extension_tabs: dict[str, QWidget] = {}
        self._applying = False
        self._live_validation = False
        self._draft_written: dict[str, Any] | None = None
        self._closing = False
        with db.reading() as s:
            self.choices = listing.choices(s)

        self._build()
        if incident_id is not None:
            self.load_incident()
        else:
            self._set_defaults()
        self.baseline = self.state()
        self._history: list[dict[str, Any]] = [self.baseline]
        self._pos = 0
        self._snap_timer = QTimer(self, singleShot=True, interval=SNAPSHOT_DELAY_MS)
        self._snap_timer.timeout.connect(self._snapshot)
        self._draft_timer = QTimer(self, interval=DRAFT_INTERVAL_MS)
        self._draft_timer.timeout.connect(self.autosave_draft)
        self._draft_timer.start()
        self._update_title()
        geometry = QSettings().value("incident_form/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            self.resize(1100, 780)
        splitter = QSettings().value("incident_form/people_splitter")
        if isinstance(splitter, QByteArray):
            self.people.splitter.restoreState(splitter)
        self.title_edit.setFocus()  # typing starts with the title

    @classmethod
    def from_draft(
        cls, db: Database, actor: Actor, draft: drafts.Draft, parent: QWidget | None = None
    ) -> IncidentForm:
        """A form with a draft left behind by a crash put back into it."""
        try:
            form = cls(db, actor, draft.incident_id, parent, draft_key=draft.key)
        except NotFound:
            form = cls(db, actor, None, parent, draft_key=draft.key)
        form.restore_payload(draft.payload)
        return form

    # == construction ======================================================================
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        head = QHBoxLayout()
        self.heading = QLabel()
        self.heading.setObjectName("form_heading")
        self.heading.setStyleSheet("font-size: 15pt; font-weight: 600")
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        head.addWidget(self.heading, 1)
        self.status_label = QLabel()
        self.status_label.setAccessibleName("Status")
        head.addWidget(self.status_label)
        layout.addLayout(head)
        step_row = QHBoxLayout()
        self.stepper = WorkflowStepper()
        step_row.addWidget(self.stepper, 1)
        self.workflow_box = QHBoxLayout()
        step_row.addLayout(self.workflow_box)
        layout.addLayout(step_row)

        self.banner = QLabel()
        self.banner.setObjectName("form_banner")
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.TextFormat.RichText)
        self.banner.hide()
        layout.addWidget(self.banner)

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Incident sections")
        self.tabs.addTab(self._build_details(), "What happened")
        self.people = PeopleEditor()
        self.tabs.addTab(self.people, "People")
        self.tabs.addTab(self._build_photos(), "Photos && signatures")
        self.tabs.addTab(self._build_costs(), "Cost && satisfaction")
        self.tabs.addTab(self._build_follow_up(), "Resolution && follow-up")
        self.tabs.addTab(self._build_timeline(), "Comments && history")
        for i in range(self.tabs.count()):
            QShortcut(QKeySequence(f"Alt+{i + 1}"), self, lambda i=i: self._goto_tab(i))
            self.tabs.setTabToolTip(i, f"Alt+{i + 1}")
        layout.addWidget(self.tabs, 1)

        bottom = QHBoxLayout()
        self.undo_button = QPushButton("Undo")
        self.undo_button.setToolTip("Undo the last change in this form (Ctrl+Z)")
        self.undo_button.clicked.connect(self.edit_undo)
        self.redo_button = QPushButton("Redo")
        self.redo_button.setToolTip("Redo (Ctrl+Shift+Z)")
        self.redo_button.clicked.connect(self.edit_redo)
        for b in (self.undo_button, self.redo_button):
            b.setAutoDefault(False)
            bottom.addWidget(b)
        self.draft_label = QLabel()
        self.draft_label.setStyleSheet("color: palette(mid)")
        self.draft_label.setAccessibleName("Draft status")
        bottom.addWidget(self.draft_label, 1)
        self.save_button = QPushButton("Save")
        self.save_button.setObjectName("save_button")
        self.save_button.setToolTip("Save (Ctrl+S)")
        self.save_button.setDefault(False)
        self.save_button.setAutoDefault(False)
        self.save_button.clicked.connect(self.save)
        self.close_button = QPushButton("Close")
        self.close_button.setToolTip("Close (Esc)")
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.close)
        bottom.addWidget(self.save_button)
        bottom.addWidget(self.close_button)
        layout.addLayout(bottom)

        QShortcut(QKeySequence.StandardKey.Save, self, self.save)
        QShortcut(QKeySequence.StandardKey.Undo, self, self.edit_undo)
        QShortcut(QKeySequence.StandardKey.Redo, self, self.edit_redo)
        # Ctrl+P in the form prints this incident's report (File → Print in the main window).
        QShortcut(QKeySequence.StandardKey.Print, self, self._print)

        self.people.changed.connect(self._changed)
        self.people.people_changed.connect(self._people_for_signatures)
        self.photos.changed.connect(self._changed)
        self.signatures.changed.connect(self._changed)

    # == state =============================================================================
    def _set_defaults(self) -> None:
        now = QDateTime.currentDateTime()
        now = now.addSecs(-now.time().second())
        self._applying = True
        try:
            self.occurred.setDateTime(now)
            self.reported.setDateTime(now)
            self.currency.setText(self.choices.currency)
            self.reporter_edit.setText(self.actor.name)
        finally:
            self._applying = False
        self._refresh_header()

    def state(self) -> dict[str, Any]:
        return {
            "fields": self.field_values(),
            "people": self.people.state(),
            "photos": self.photos.state(),
            "signatures": self.signatures.state(),
        }

    def apply_state(self, state: dict[str, Any]) -> None:
        self._applying = True
        try:
            self.apply_fields(state["fields"])
            self.people.apply_state(state["people"])
            self.photos.apply_state(state["photos"])
            self.signatures.apply_state(state["signatures"])
        finally:
            self._applying = False
        self._after_change()

    def dirty(self) -> bool:
        return self.state() != self.baseline

    def incident_data(self) -> tuple[IncidentData, dict[str, list[str]]]:
        """The form as the core's IncidentData, plus problems found while reading it."""
        v = self.field_values()
        problems: dict[str, list[str]] = {}
        direct, p1 = _parse_money(v["direct_cost"], "Direct cost")
        indirect, p2 = _parse_money(v["indirect_cost"], "Indirect cost")
        for name, problem in (("direct_cost", p1), ("indirect_cost", p2)):
            if problem:
                problems[name] = [problem]
        whys = [w.strip() for w in v["five_whys"]]
        while whys and not whys[-1]:
            whys.pop()
        data = IncidentData(
            title=v["title"].strip(),
            type_id=v["type_id"],
            severity_id=v["severity_id"],
            occurred_at=dt.datetime.fromtimestamp(v["occurred_at"], dt.UTC),
            reported_at=dt.datetime.fromtimestamp(v["reported_at"], dt.UTC),
            site_id=v["site_id"],
            location_id=v["location_id"],
            customer_id=v["customer_id"],
            description=v["description"].strip(),
            immediate_actions=v["immediate_actions"].strip(),
            direct_cost=direct,
            indirect_cost=indirect,
            currency=v["currency"].strip().upper(),
            satisfaction=v["satisfaction"],
            reporter_name=v["reporter_name"].strip(),
            assignee_id=v["assignee_id"],
            resolution_summary=v["resolution_summary"].strip(),
            root_cause=v["root_cause"].strip(),
            five_whys=whys,
            lessons_learned=v["lessons_learned"].strip(),
        )
        return data, problems

    def check(self) -> dict[str, list[str]]:
        """Every problem with the form, by field, in the core's words."""
        data, problems = self.incident_data()
        core = validate(
            data,
            now=utcnow(),
            satisfaction_max=self.choices.satisfaction_max,
            location_site=self.choices.location_site(data.location_id),
        )
        for name, messages in core.items():
            problems.setdefault(name, messages)
        return problems

    # == changes, undo, drafts =============================================================
    def _changed(self, *_args: Any) -> None:
        if self._applying or not hasattr(self, "_snap_timer"):
            return
        self._snap_timer.start()
        self._after_change()

    def _after_change(self) -> None:
        if not hasattr(self, "baseline"):
            return
        self._update_title()
        if self._live_validation:
            self.show_problems(self.check(), people=self.people.problems, focus=False)

    def _snapshot(self) -> None:
        state = self.state()
        if state == self._history[self._pos]:
            return
        del self._history[self._pos + 1 :]
        self._history.append(state)
        if len(self._history) > UNDO_LIMIT:
            del self._history[0]
        self._pos = len(self._history) - 1
        self._update_undo_buttons()

    def _print(self) -> None:
        window = self.parent()
        run = getattr(window, "run_command", None)
        if self.incident_id is not None and callable(run):
            run("print")

    def edit_undo(self) -> None:
        if self._snap_timer.isActive():
            self._snap_timer.stop()
            self._snapshot()
        if self._pos > 0:
            self._pos -= 1
            self.apply_state(self._history[self._pos])
        self._update_undo_buttons()

    def edit_redo(self) -> None:
        if self._snap_timer.isActive():
            self._snap_timer.stop()
            self._snapshot()
        if self._pos < len(self._history) - 1:
            self._pos += 1
            self.apply_state(self._history[self._pos])
        self._update_undo_buttons()

    def _update_undo_buttons(self) -> None:
        self.undo_button.setEnabled(self._pos > 0 or self._snap_timer.isActive())
        self.redo_button.setEnabled(self._pos < len(self._history) - 1)

    def _reset_history(self) -> None:
        self.baseline = self.state()
        self._history = [self.baseline]
        self._pos = 0
        self._update_undo_buttons()
        self._update_title()

    def draft_payload(self) -> dict[str, Any]:
        state = self.state()
        photos = {}
        for item in state["photos"]:
            entry = self.photos.entries[item["key"]]
            if entry.attachment_id is None:
                photos[entry.key] = {
                    "filename": entry.filename,
                    "mime_type": entry.mime_type,
                    "width": entry.width,
                    "height": entry.height,
                    "data": base64.b64encode(entry.data).decode(),
                }
        signatures = {}
        for key in state["signatures"]:
            e = self.signatures.entries[key]
            signatures[key] = {
                "png": base64.b64encode(e.png).decode(),
                "signer_name": e.signer_name,
                "signer_role": e.signer_role,
                "signed_at": e.signed_at.isoformat(),
                "person_key": e.person_key,
            }
        return {"state": state, "photos": photos, "signatures": signatures, "version": self.version}

    def autosave_draft(self) -> None:
        """Keep what is typed on disk (called every few seconds); nothing to keep removes the draft."""
        if self._closing:
            return
        state = self.state()
        if state == self.baseline:
            if self._draft_written is not None:
                drafts.discard(self.draft_key)
                self._draft_written = None
                self.draft_label.setText("")
            return
        if state == self._draft_written:
            return
        try:
            drafts.save(
                self.draft_key,
                db_url=self.db.url,
                user_id=self.actor.user_id,
                incident_id=self.incident_id,
                title=self.title_edit.text() or self.reference,
                payload=self.draft_payload(),
            )
        except OSError as exc:
            self.draft_label.setText(f"Could not keep a draft: {exc.strerror or exc}")
            return
        self._draft_written = state
        self.draft_label.setText(f"Draft kept at {dt.datetime.now().strftime('%H:%M:%S')}")

    def restore_payload(self, payload: dict[str, Any]) -> None:
        for key, p in payload.get("photos", {}).items():
            self.photos.entries[key] = PhotoEntry(
                key, p["filename"], p["mime_type"], p["width"], p["height"], base64.b64decode(p["data"])
            )
        for key, s in payload.get("signatures", {}).items():
            self.signatures.entries[key] = SignatureEntry(
                key,
                base64.b64decode(s["png"]),
                s["signer_name"],
                s["signer_role"],
                dt.datetime.fromisoformat(s["signed_at"]),
                s.get("person_key"),
            )
        state = payload["state"]
        self.apply_state(state)
        self._people_for_signatures()
        self._snapshot()
        self._draft_written = self.state()
        drafted_version = payload.get("version")
        if self.incident_id is not None and drafted_version is not None and drafted_version != self.version:
            # Saving will then meet the conflict check and say who changed what.
            self.version = drafted_version
            self.loaded_at = dt.datetime.fromtimestamp(0, dt.UTC)
            self._notice(
                "Restored your unsaved changes. Someone has changed this incident since; saving will "
                "show you what they changed.",
                "warning",
            )
        else:
            self._notice(
                "Restored your unsaved changes from the draft. Save them, or close and discard them.", "info"
            )
        self.draft_label.setText("Draft restored")

    # == loading ===========================================================================
    def load_incident(self) -> None:
        assert self.incident_id is not None
        with self.db.reading() as s:
            inc = service.get(s, self.incident_id)
            self.reference, self.status, self.version = inc.reference, inc.status, inc.version
            self.loaded_at = utcnow()
            data = service.data_of(inc)
            self.base_data = dataclasses.replace(data)
            people = [
                {"key": f"person-{p.id}", "id": p.id, **service.person_data(p).__dict__} for p in inc.people
            ]
            if not allowed(self.actor, "incident.view_private"):
                for p in people:  # OSHA privacy cases: the name is withheld from those who may not see it
                    if p["privacy_case"]:
                        p.update(name="Privacy case", contact="", statement="", masked=True)
            photos, signatures = [], []
            for a in inc.attachments:
                content = service.attachment_bytes(s, a.id)
                if a.kind == "signature":
                    person_key = f"person-{a.person_id}" if a.person_id else None
                    signatures.append(
                        SignatureEntry(
                            f"att-{a.id}",
                            content,
                            a.signer_name,
                            a.signer_role,
                            a.signed_at or a.created_at,
                            person_key,
                            a.id,
                        )
                    )
                elif a.kind == "photo" or a.mime_type.startswith("image/"):
                    photos.append(
                        (
                            PhotoEntry(
                                f"att-{a.id}", a.filename, a.mime_type, a.width, a.height, content, a.id
                            ),
                            a.caption,
                        )
                    )
            self.editable = service.can_edit(self.actor, inc)
            self.read_only_reason = self._read_only_reason(inc)
            self.transitions = workflow.available_transitions(self.actor, inc)
            entries = listing.timeline(s, self.incident_id)
            voided, void_reason = inc.voided, inc.void_reason
        self.original_people = {p["id"]: p for p in people}
        self.original_photos = {e.attachment_id: caption for e, caption in photos if e.attachment_id}
        self._applying = True
        try:
            self.apply_fields(_field_values(data))
            self.people.apply_state(people)
            self.photos.load(photos)
            self.signatures.load(signatures)
        finally:
            self._applying = False
        self._people_for_signatures()
        self._show_timeline(entries)
        self._set_editable(self.editable)
        self._refresh_header()
        self._build_workflow_buttons()
        self._load_extension_tabs()
        if voided:
            self._notice(f"This incident is void: {html.escape(void_reason)}", "warning")
        elif not self.editable:
            self._notice(html.escape(self.read_only_reason), "info")

    def _read_only_reason(self, inc: Any) -> str:
        if inc.voided:
            return "This incident is void and cannot be changed."
        if not allowed(self.actor, "incident.edit"):
            return (
                "You can read this incident but not change it: reporters can change their own reports only "
                "until assessment starts. Comments can still be added."
            )
        return "You can read this incident but not change it."

    def _set_editable(self, editable: bool) -> None:
        for name, widget in self.inputs.items():
            if name == "assignee_id":
                widget.setEnabled(editable and allowed(self.actor, "incident.assign"))
            elif isinstance(widget, QLineEdit | QPlainTextEdit):
                widget.setReadOnly(not editable)
            else:
                widget.setEnabled(editable)
        for w in self.whys:
            w.setReadOnly(not editable)
        self.people.set_editable(editable)
        self.photos.set_editable(editable)
        self.signatures.set_editable(editable)
        self.save_button.setEnabled(editable)

    def _refresh_header(self) -> None:
        if self.incident_id is None:
            self.heading.setText("New incident")
            self.status_label.setText("")
        else:
            self.heading.setText(f"{self.reference} — {html.escape(self.title_edit.text())}")
            label = STATUS_LABELS.get(self.status or "", self.status or "")
            self.status_label.setText(f"Status: <b>{label}</b>")
        self.stepper.set_status(self.status)
        saved = self.incident_id is not None
        self.comment_edit.setEnabled(saved and allowed(self.actor, "incident.comment"))
        self.comment_button.setEnabled(saved and allowed(self.actor, "incident.comment"))
        if not saved:
            self.timeline.setHtml(
                "<p style='color:gray'>Comments and the status history appear here once the "
                "incident is saved.</p>"
            )

    def _update_title(self) -> None:
        name = self.reference or "New incident"
        title = self.title_edit.text().strip()
        star = " *" if hasattr(self, "baseline") and self.dirty() else ""
        self.setWindowTitle(f"{name}{' — ' + title if title else ''}{star}")

    def _show_timeline(self, entries: list[listing.TimelineEntry]) -> None:
        parts = []
        for e in reversed(entries):
            when = e.at.astimezone().strftime("%Y-%m-%d %H:%M")
            if e.kind == "comment":
                body = html.escape(e.text).replace("\n", "<br>")
                parts.append(
                    f"<p><b>{html.escape(e.who)}</b> <span style='color:gray'>{when}</span><br>{body}</p>"
                )
            else:
                parts.append(
                    f"<p style='color:#37474f'>⟶ <i>{html.escape(e.text)}</i> — {html.escape(e.who)} "
                    f"<span style='color:gray'>{when}</span></p>"
                )
        self.timeline.setHtml("".join(parts) or "<p style='color:gray'>No comments yet.</p>")

    def _build_workflow_buttons(self) -> None:
        while self.workflow_box.count():
            item = self.workflow_box.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        for t in getattr(self, "transitions", []):
            button = QPushButton(t.label)
            button.setObjectName(f"transition_{t.name}")
            button.setAutoDefault(False)
            button.setToolTip(f"Move to {t.target.label}")
            button.clicked.connect(lambda _c=False, t=t: self.run_transition(t.name))
            self.workflow_box.addWidget(button)

    def _load_extension_tabs(self) -> None:
        if self.incident_id is None:
            return
        for path in INCIDENT_FORM_TABS:
            if path in self.extension_tabs:
                self._reload_tab(self.extension_tabs[path])
                continue
            module_name, _, class_name = path.partition(":")
            try:
                cls = getattr(importlib.import_module(module_name), class_name)
            except (ImportError, AttributeError):
                log.warning("incident form tab %s is not available; skipped", path, exc_info=True)
                continue
            try:
                widget = cls(self.db, self.actor, self.incident_id, self)
            except Exception:
                log.exception("incident form tab %s failed to open; skipped", path)
                continue
            self.extension_tabs[path] = widget
            self.tabs.addTab(widget, str(getattr(widget, "title", class_name)))

    @staticmethod
    def _reload_tab(widget: QWidget) -> None:
        reload = getattr(widget, "reload", None)
        if callable(reload):
            try:
                reload()
            except Exception:
                log.exception("reloading incident form tab %r failed", widget)

    # == problems and notices ==============================================================
    def _notice(self, text: str, kind: str = "info") -> None:
        colours = {
            "info": ("#e8f1fb", "#2f6db5", "#0d2a4a"),
            "warning": ("#fff4d6", "#e0b84c", "#4a3b00"),
            "error": ("#fdecea", "#e57373", "#5f1010"),
            "ok": ("#e8f5e9", "#66bb6a", "#103d14"),
        }
        bg, border, fg = colours[kind]
        self.banner.setStyleSheet(
            f"#form_banner {{ background: {bg}; border: 1px solid {border}; "
            f"border-radius: 4px; padding: 6px 10px; color: {fg}; }}"
        )
        self.banner.setText(text)
        self.banner.setVisible(bool(text))

    def show_problems(
        self, problems: dict[str, list[str]], *, people: dict[str, Any] | None = None, focus: bool = True
    ) -> None:
        for name, label in self.errors.items():
            messages = problems.get(name, [])
            label.setText(" ".join(messages))
            label.setVisible(bool(messages))
        tabs_with_problems = {FIELD_TAB.get(name, TAB_DETAILS) for name in problems}
        if people:
            tabs_with_problems.add(TAB_PEOPLE)
        warning = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        for i in range(TAB_TIMELINE):
            self.tabs.setTabIcon(i, warning if i in tabs_with_problems else QIcon())
        count = sum(len(m) for m in problems.values()) + sum(
            len(m) for per in (people or {}).values() for m in per.values()
        )
        if not count:
            if self._live_validation:
                self._notice("")
            return
        items = [m for msgs in problems.values() for m in msgs]
        if people:
            names = {p["key"]: p["name"] or "A person without a name" for p in self.people.people}
            items += [
                f"{names.get(key, 'A person')}: {m}"
                for key, per in people.items()
                for ms in per.values()
                for m in ms
            ]
        listing_html = "".join(f"<li>{html.escape(m, quote=False)}</li>" for m in items)
        self._notice(
            f"<b>Not saved yet — {count} thing{'s' if count != 1 else ''} to fix</b> "
            f"(everything you typed is kept):<ul style='margin:2px 0'>{listing_html}</ul>",
            "error",
        )
        if focus:
            first = next((n for n in FIELD_TAB if n in problems), None)
            tab = FIELD_TAB[first] if first else TAB_PEOPLE
            self.tabs.setCurrentIndex(tab)
            widget = self.inputs.get(first or "")
            if widget is not None:
                widget.setFocus()

    # == saving ============================================================================
    def save(self) -> bool:
        """Save everything in one transaction. Returns True when saved; problems are shown in place."""
        if not self.editable:
            return False
        self._live_validation = True
        problems = self.check()
        people_problems = self.people.validate()
        if problems or people_problems:
            self.show_problems(problems, people=people_problems)
            return False
        data, _ = self.incident_data()
        try:
            incident_id = self._write(data)
        except ValidationError as exc:
            self.show_problems(exc.problems)
            return False
        except ConcurrencyError as exc:
            return self._resolve_conflict(exc)
        except IncidentDeskError as exc:
            self._notice(f"<b>Not saved:</b> {html.escape(str(exc))} Everything you typed is kept.", "error")
            return False
        was_new = self.incident_id is None
        old_key = self.draft_key
        self.incident_id = incident_id
        drafts.discard(old_key)
        self.draft_key = f"incident-{incident_id}"
        drafts.discard(self.draft_key)
        self._draft_written = None
        self._live_validation = False
        self.show_problems({})
        self.load_incident()
        self._reset_history()
        self._notice(f"Saved {'as ' if was_new else ''}{self.reference} at {dt.datetime.now():%H:%M}.", "ok")
        self.draft_label.setText("")
        self.saved.emit(incident_id)
        return True

    def _write(self, data: IncidentData) -> int:
        actor = self.actor
        can_assign = allowed(actor, "incident.assign")
        with self.db.transaction() as s:
            if self.incident_id is None:
                wanted_assignee = data.assignee_id
                data.assignee_id = None
                incident = service.create(s, actor, data)
                if wanted_assignee is not None and can_assign:
                    service.assign(s, actor, incident.id, wanted_assignee)
            else:
                current = service.get(s, self.incident_id)
                wanted_assignee = data.assignee_id
                data.assignee_id = current.assignee_id
                incident = service.update(s, actor, self.incident_id, data, expected_version=self.version)
                if can_assign and wanted_assignee != current.assignee_id:
                    service.assign(s, actor, incident.id, wanted_assignee)
            iid = incident.id
            person_ids: dict[str, int] = {}
            kept = set()
            for p in self.people.people:
                pdata = person_data(p)
                if p.get("masked"):  # shown without the name: never written back
                    kept.add(p["id"])
                    person_ids[p["key"]] = p["id"]
                    continue
                if p["id"] is None:
                    person_ids[p["key"]] = service.add_person(s, actor, iid, pdata).id
                else:
                    kept.add(p["id"])
                    person_ids[p["key"]] = p["id"]
                    original = self.original_people.get(p["id"])
                    if original is None or person_data(original) != pdata:
                        service.update_person(s, actor, p["id"], pdata)
            for pid in set(self.original_people) - kept:
                service.remove_person(s, actor, pid)
            kept_photos = set()
            for entry, caption in self.photos.photos():
                if entry.attachment_id is None:
                    service.add_attachment(
                        s,
                        actor,
                        iid,
                        kind="photo",
                        data=entry.data,
                        mime_type=entry.mime_type,
                        filename=entry.filename,
                        caption=caption.strip(),
                        width=entry.width,
                        height=entry.height,
                    )
                else:
                    kept_photos.add(entry.attachment_id)
                    if self.original_photos.get(entry.attachment_id) != caption.strip():
                        service.set_caption(s, actor, entry.attachment_id, caption.strip())
            for aid in set(self.original_photos) - kept_photos:
                service.remove_attachment(s, actor, aid)
            for sig in self.signatures.pending_entries():
                width, height = _png_size(sig.png)
                person_id = person_ids.get(sig.person_key) if sig.person_key else None
                safe_name = "".join(c if c.isalnum() else "-" for c in sig.signer_name).strip("-").lower()
                service.add_attachment(
                    s,
                    actor,
                    iid,
                    kind="signature",
                    data=sig.png,
                    mime_type="image/png",
                    filename=f"signature-{safe_name or 'signer'}.png",
                    width=width,
                    height=height,
                    person_id=person_id,
                    signer_name=sig.signer_name,
                    signer_role=sig.signer_role,
                    signed_at=sig.signed_at,
                )
            return iid

    def _resolve_conflict(self, exc: ConcurrencyError) -> bool:
        assert self.incident_id is not None
        with self.db.reading() as s:
            changes = listing.changes_since(s, self.incident_id, self.loaded_at)
        lines = [f"• {c.at.astimezone():%H:%M} {c.who}: {c.text}" for c in changes[-8:]]
        text = (
            f"{exc}\n\n"
            + ("What they changed:\n" + "\n".join(lines) + "\n\n" if lines else "")
            + "Your changes are still in the form."
        )
        choice = ask_conflict(self, text)
        if choice == "merge":
            return self._merge_and_save(exc)
        if choice == "overwrite":
            self.version = exc.current_version
            self.loaded_at = utcnow()
            return self.save()
        if choice == "reload":
            self.load_incident()
            self._reset_history()
            drafts.discard(self.draft_key)
            self._notice("Loaded the latest version; your changes were dropped.", "info")
            return False
        self._notice(
            f"<b>Not saved:</b> {html.escape(str(exc))} Your changes are kept; Save again to choose "
            "what to do.",
            "warning",
        )
        return False

    def _describe_value(self, field: str, value: Any) -> Any:
        """A choice's name for an id field (as its list shows it), other values as they are."""
        combo = {
            "type_id": self.type_combo,
            "severity_id": self.severity_combo,
            "site_id": self.site_combo,
            "location_id": self.location_combo,
            "customer_id": self.customer_combo,
            "assignee_id": self.assignee_combo,
        }.get(field)
        if combo is None:
            return value
        index = combo.findData(value)
        return combo.itemText(index) if index >= 0 else value

    def _merge_and_save(self, exc: ConcurrencyError) -> bool:
        """Their saved version, plus the fields only I changed, plus my side where I choose so."""
        from incident_desk.incidents import conflicts

        assert self.incident_id is not None
        mine, _problems = self.incident_data()
        with self.db.reading() as s:
            current = service.get(s, self.incident_id)
            theirs, version = service.data_of(current), current.version
            # Without a loaded base (a draft from an earlier session) mine wins where they differ.
            base = self.base_data or theirs
            report = conflicts.report(s, self.incident_id, base, mine, theirs, self.loaded_at)
        keep: set[str] = set()
        if report.conflicts:
            chosen = choose_fields(self, report.conflicts, self._describe_value)
            if chosen is None:
                self._notice("Not saved: your changes are kept in the form.", "warning")
                return False
            keep = chosen
        merged = report.merged(theirs, keep_mine=keep)
        self._applying = True
        try:
            self.apply_fields(_field_values(merged))
        finally:
            self._applying = False
        self.version, self.base_data, self.loaded_at = version, theirs, utcnow()
        return self.save()

    # == workflow and comments =============================================================
    def run_transition(self, name: str) -> bool:
        if self.incident_id is None:
            return False
        t = workflow.BY_NAME[name]
        if self.dirty() and not self.save():
            return False
        note = ""
        if t.requires_note:
            note, ok = QInputDialog.getMultiLineText(self, t.label, f"Why “{t.label.lower()}”?")
            if not ok or not note.strip():
                return False
        try:
            with self.db.transaction() as s:
                workflow.transition(s, self.actor, service.get(s, self.incident_id), name, note=note)
        except IncidentDeskError as exc:
            QMessageBox.warning(self, t.label, str(exc))
            return False
        self.load_incident()
        self._reset_history()
        self._notice(f"{self.reference} moved to {Status(self.status).label}.", "ok")
        self.saved.emit(self.incident_id)
        return True

    def add_comment(self) -> bool:
        body = self.comment_edit.toPlainText().strip()
        if self.incident_id is None or not body:
            return False
        try:
            with self.db.transaction() as s:
                service.add_comment(s, self.actor, self.incident_id, body)
                entries = listing.timeline(s, self.incident_id)
        except IncidentDeskError as exc:
            self._notice(f"<b>Comment not added:</b> {html.escape(str(exc))}", "error")
            return False
        self.comment_edit.clear()
        self._show_timeline(entries)
        return True

    # == closing ===========================================================================
    def reject(self) -> None:  # Esc
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.dirty() and self.editable:
            name = self.reference or "this new incident"
            answer = QMessageBox.question(
                self,
                "Unsaved changes",
                f"Save your changes to {name} before closing?",
                QMessageBox.StandardButton.Save
                | QMessageBox.StandardButton.Discard
                | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Save,
            )
            if answer == QMessageBox.StandardButton.Save:
                if not self.save():
                    event.ignore()
                    return
            elif answer != QMessageBox.StandardButton.Discard:
                event.ignore()
                return
        self._closing = True
        self._draft_timer.stop()
        self._snap_timer.stop()
        drafts.discard(self.draft_key)
        settings = QSettings()
        settings.setValue("incident_form/geometry", self.saveGeometry())
        settings.setValue("incident_form/people_splitter", self.people.splitter.saveState())
        event.accept()
        self.closed.emit()

    def crash_stop(self) -> None:
        """Stop the timers without touching the draft: what a crash leaves behind (used by tests)."""
        self._closing = True
        self._draft_timer.stop()
        self._snap_timer.stop()
