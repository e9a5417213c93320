"""The incident form, clicked and typed through: a full injury report, validation, bad photos,
drafts after a crash, Save/Discard/Cancel, undo, concurrent edits and the workflow buttons."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from PySide6.QtCore import QDateTime, QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QWidget
from sqlalchemy import func, select

from incident_desk.incidents import drafts, images, service
from incident_desk.incidents.models import Attachment, Incident, Person
from incident_desk.ui import incident_form
from incident_desk.ui.incident_form import IncidentForm
from incident_desk.ui.incident_list import IncidentListScreen
from tests.conftest import incident_data, reference_ids

LEFT = Qt.MouseButton.LeftButton


def photo(path, *, width=64, height=32, orientation=None, gps=False, fmt="JPEG"):
    """Left half red, right half blue; EXIF orientation and GPS on request."""
    im = Image.new("RGB", (width, height), "blue")
    im.paste((255, 0, 0), (0, 0, width // 2, height))
    exif = Image.Exif()
    if orientation:
        exif[images.ORIENTATION] = orientation
    if gps:
        exif[images.GPS_IFD] = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)}
    im.save(path, fmt, exif=exif.tobytes())
    return str(path)


@pytest.fixture
def open_form(qtbot, sqlite_db, monkeypatch):
    # A form left with changes at teardown must not block on the Save/Discard/Cancel question.
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)

    def make(actor, incident_id=None):
        form = IncidentForm(sqlite_db, actor, incident_id)
        qtbot.addWidget(form)
        form.resize(1150, 800)
        form.show()
        return form

    return make


def choose(qtbot, combo, text):
    """Pick an entry the way a keyboard user does: focus the list and type its name.

    (A space opens a combo's pop-up, so several-word entries are picked from the list directly.)
    """
    combo.setFocus()
    if " " in text:
        combo.setCurrentIndex(combo.findText(text))
    else:
        qtbot.keyClicks(combo, text)
    assert combo.currentText() == text, f"typing {text!r} chose {combo.currentText()!r}"


def draw_signature(qtbot, pad):
    qtbot.mousePress(pad, LEFT, pos=QPoint(30, 60))
    for x in range(30, 200, 10):
        qtbot.mouseMove(pad, QPoint(x, 60 + (x % 40) - 20))
    qtbot.mouseRelease(pad, LEFT, pos=QPoint(200, 70))


def fill_basics(qtbot, form, title="Slip on wet floor in workshop"):
    qtbot.keyClicks(form.title_edit, title)
    choose(qtbot, form.type_combo, "Injury")
    choose(qtbot, form.severity_combo, "Major")
    qtbot.keyClicks(form.description, "Employee slipped near the wash station.")
    now = QDateTime.currentDateTime()
    form.occurred.setDateTime(now.addSecs(-3 * 3600))
    form.reported.setDateTime(now.addSecs(-3600))
    choose(qtbot, form.site_combo, "Test Plant")
    choose(qtbot, form.location_combo, "Workshop")


def test_full_injury_report_is_saved_listed_and_reopened_exactly(
    qtbot, sqlite_db, gui_actors, open_form, tmp_path, monkeypatch
):
    officer = gui_actors["officer"]
    form = open_form(officer)
    fill_basics(qtbot, form)
    qtbot.keyClicks(form.immediate_actions, "Area dried and signed.")
    form.tabs.setCurrentIndex(incident_form.TAB_COSTS)
    qtbot.keyClicks(form.direct_cost, "125.50")

    # People: the injured person (body part picked on the diagram) and a witness.
    form.tabs.setCurrentIndex(incident_form.TAB_PEOPLE)
    people = form.people
    qtbot.mouseClick(people.add_button, LEFT)
    qtbot.keyClicks(people.name, "Ann Injured")
    qtbot.keyClicks(people.job_title, "Picker")
    assert people.role.currentData() == "injured" and people.injury.isVisible()
    qtbot.mouseClick(people.diagram, LEFT, pos=people.diagram.point_of("Wrist", "left").toPoint())
    assert (people.body_part.currentText(), people.body_side.currentData()) == ("Wrist", "left")
    qtbot.keyClicks(people.nature.lineEdit(), "Sprain")
    choose(qtbot, people.treatment, "First aid")
    people.days_away.setValue(2)
    qtbot.mouseClick(people.add_button, LEFT)
    assert people.role.currentData() == "witness" and not people.injury.isVisible()
    qtbot.keyClicks(people.name, "Will Witness")
    qtbot.keyClicks(people.statement, "I saw her fall.")

    # Two photos from the file dialog: one sideways with GPS, one plain PNG.
    form.tabs.setCurrentIndex(incident_form.TAB_PHOTOS)
    rotated = photo(tmp_path / "sideways.jpg", orientation=6, gps=True)
    plain = photo(tmp_path / "floor.png", width=40, height=30, fmt="PNG")
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([rotated, plain], ""))
    qtbot.mouseClick(form.photos.add_button, LEFT)
    assert form.photos.list.count() == 2 and not form.photos.error.isVisible()
    form.photos.select(form.photos.order[0])
    qtbot.keyClicks(form.photos.caption, "Where she fell")

    # The reporter signs.
    assert form.signatures.name.text() == officer.name
    draw_signature(qtbot, form.signatures.pad)
    qtbot.mouseClick(form.signatures.accept_button, LEFT)
    assert len(form.signatures.pending) == 1
    # The witness signs their statement.
    form.signatures.who.setCurrentIndex(
        form.signatures.who.findText("Will Witness", Qt.MatchFlag.MatchStartsWith)
    )
    assert (form.signatures.name.text(), form.signatures.role.currentText()) == ("Will Witness", "Witness")
    draw_signature(qtbot, form.signatures.pad)
    qtbot.mouseClick(form.signatures.accept_button, LEFT)
    assert len(form.signatures.pending) == 2
    # A photo opens large on double-click (Enter does the same).
    viewer = form.photos.view_current()
    assert viewer is not None and viewer.isVisible()
    viewer.close()
    typed = form.state()

    qtbot.mouseClick(form.save_button, LEFT)
    assert form.incident_id is not None, form.banner.text()
    iid = form.incident_id
    assert form.reference.startswith("INC-")

    with sqlite_db.reading() as s:
        inc = s.get(Incident, iid)
        assert inc.title == "Slip on wet floor in workshop" and inc.severity.name == "Major"
        assert inc.location.name == "Workshop" and str(inc.direct_cost) == "125.50"
        persons = s.scalars(select(Person).where(Person.incident_id == iid).order_by(Person.id)).all()
        assert [(p.name, p.role) for p in persons] == [
            ("Ann Injured", "injured"),
            ("Will Witness", "witness"),
        ]
        ann = persons[0]
        assert (ann.body_part, ann.body_side, ann.nature_of_injury, ann.treatment, ann.days_away) == (
            "Wrist",
            "left",
            "Sprain",
            "first_aid",
            2,
        )
        assert persons[1].statement == "I saw her fall."
        atts = s.scalars(
            select(Attachment).where(Attachment.incident_id == iid).order_by(Attachment.id)
        ).all()
        assert [a.kind for a in atts] == ["photo", "photo", "signature", "signature"]
        assert (atts[3].signer_name, atts[3].signer_role, atts[3].person_id) == (
            "Will Witness",
            "Witness",
            persons[1].id,
        )
        first = atts[0]
        assert (first.filename, first.caption, first.width, first.height) == (
            "sideways.jpg",
            "Where she fell",
            32,
            64,
        )
        data = service.attachment_bytes(s, first.id)
        sig = atts[2]
        assert (sig.signer_name, sig.signer_role, sig.mime_type) == (officer.name, "Reporter", "image/png")
        assert sig.signed_at is not None
        sig_png = service.attachment_bytes(s, sig.id)
    assert not images.has_gps(data)
    with Image.open(io.BytesIO(data)) as im:
        assert im.size == (32, 64)
        red, _green, blue = im.convert("RGB").getpixel((16, 4))  # the red half is now on top: upright
        assert red > 200 and blue < 60
    with Image.open(io.BytesIO(sig_png)) as im:
        assert im.format == "PNG" and im.getbbox() is not None  # there is ink on it

    # It appears in the list, and the search finds it.
    screen = IncidentListScreen(sqlite_db, officer)
    qtbot.addWidget(screen)
    assert screen.model.rows[0].id == iid
    qtbot.keyClicks(screen.search, "wet floor in workshop")
    screen.apply_filters()
    assert [r.id for r in screen.model.rows] == [iid]

    # Reopened, it shows exactly what was typed.
    form.close()
    again = screen.open_incident(iid)
    qtbot.addWidget(again)
    state = again.state()
    assert state["fields"] == typed["fields"]
    strip = lambda people: [{k: v for k, v in p.items() if k not in ("key", "id")} for p in people]  # noqa: E731
    assert strip(state["people"]) == strip(typed["people"])
    assert [p["caption"] for p in state["photos"]] == ["Where she fell", ""]
    assert [e.signer_name for e in (again.signatures.entries[k] for k in again.signatures.saved)] == [
        officer.name,
        "Will Witness",
    ]
    assert not again.dirty()


def test_validation_errors_show_next_to_fields_and_keep_typing(qtbot, sqlite_db, gui_actors, open_form):
    form = open_form(gui_actors["officer"])
    qtbot.keyClicks(form.description, "Typed before saving")
    now = QDateTime.currentDateTime()
    form.occurred.setDateTime(now.addSecs(-600))
    form.reported.setDateTime(now.addSecs(-7200))  # reported before it happened
    form.tabs.setCurrentIndex(incident_form.TAB_COSTS)
    qtbot.keyClicks(form.direct_cost, "-40")
    form.tabs.setCurrentIndex(incident_form.TAB_PEOPLE)
    qtbot.mouseClick(form.people.add_button, LEFT)
    qtbot.keyClicks(form.people.job_title, "Driver")  # but no name
    qtbot.mouseClick(form.save_button, LEFT)

    assert form.incident_id is None
    assert "Enter the person's name" in form.banner.text()
    assert not form.tabs.tabIcon(incident_form.TAB_PEOPLE).isNull()
    assert form.people.people[0]["job_title"] == "Driver"
    assert form.errors["title"].isVisible() and "short title" in form.errors["title"].text()
    assert "after the reported date" in form.errors["occurred_at"].text()
    assert "cannot be negative" in form.errors["direct_cost"].text()
    assert "Choose a severity" in form.errors["severity_id"].text()
    assert form.tabs.currentIndex() == incident_form.TAB_DETAILS and "Not saved yet" in form.banner.text()
    # Nothing typed was lost.
    assert form.description.toPlainText() == "Typed before saving" and form.direct_cost.text() == "-40"
    with sqlite_db.reading() as s:
        assert s.scalar(select(func.count()).select_from(Incident)) == 0

    # Fixing a field clears its message as you go.
    qtbot.keyClicks(form.title_edit, "Near miss at the gate")
    assert not form.errors["title"].isVisible()
    assert not form.errors["direct_cost"].isHidden()


def test_bad_images_are_refused_and_nothing_else_changes(qtbot, gui_actors, open_form, tmp_path, monkeypatch):
    form = open_form(gui_actors["officer"])
    qtbot.keyClicks(form.title_edit, "Damaged racking")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"%PDF-1.4\n% not a picture at all\n")
    whole = tmp_path / "whole.jpg"
    photo(whole, width=400, height=300)
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(whole.read_bytes()[:1500])
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(pdf), str(cut)], ""))
    form.tabs.setCurrentIndex(incident_form.TAB_PHOTOS)
    qtbot.mouseClick(form.photos.add_button, LEFT)
    message = form.photos.error.text()
    assert form.photos.error.isVisible()
    assert "“report.pdf” is not a picture" in message and "“cut.jpg” is damaged or incomplete" in message
    assert form.photos.list.count() == 0 and form.title_edit.text() == "Damaged racking"

    # A good photo dropped afterwards is accepted and clears the message.
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(whole))])
    form.photos.add_mime(mime)
    assert form.photos.list.count() == 1 and not form.photos.error.isVisible()


def test_pasted_picture_is_added(qtbot, gui_actors, open_form):
    form = open_form(gui_actors["officer"])
    image = QImage(50, 20, QImage.Format.Format_RGB32)
    image.fill(QColor("green"))
    QApplication.clipboard().setImage(image)
    form.tabs.setCurrentIndex(incident_form.TAB_PHOTOS)
    qtbot.mouseClick(form.photos.paste_button, LEFT)
    entry, _caption = form.photos.photos()[0]
    assert (entry.width, entry.height, entry.mime_type) == (50, 20, "image/png")


def test_draft_survives_a_crash_and_is_restored(qtbot, sqlite_db, gui_actors, tmp_path, monkeypatch):
    monkeypatch.setattr(incident_form, "DRAFT_INTERVAL_MS", 50)
    officer = gui_actors["officer"]
    form = IncidentForm(sqlite_db, officer, None)
    form.show()
    fill_basics(qtbot, form, title="Forklift clipped racking")
    qtbot.mouseClick(form.people.add_button, LEFT)
    qtbot.keyClicks(form.people.name, "Dee Driver")
    form.photos.add_files([photo(tmp_path / "rack.jpg")])
    draw_signature(qtbot, form.signatures.pad)
    qtbot.mouseClick(form.signatures.accept_button, LEFT)
    key = form.draft_key
    qtbot.waitUntil(
        lambda: bool(
            (d := drafts.load(key)) is not None
            and d.title == "Forklift clipped racking"
            and len(d.payload["state"]["people"]) == 1
            and d.payload["state"]["signatures"]
        ),
        timeout=3000,
    )
    typed = form.state()

    # The crash: the window goes away without any close handling.
    form.crash_stop()
    form.hide()
    form.deleteLater()
    qtbot.wait(10)

    screen = IncidentListScreen(sqlite_db, officer)
    qtbot.addWidget(screen)
    assert (
        screen.drafts_banner.isVisibleTo(screen) and "Forklift clipped racking" in screen.drafts_label.text()
    )
    qtbot.mouseClick(screen.restore_button, LEFT)
    restored = screen.forms[key]
    qtbot.addWidget(restored)
    assert restored.state()["fields"] == typed["fields"]
    assert [p["name"] for p in restored.people.people] == ["Dee Driver"]
    assert restored.photos.list.count() == 1 and len(restored.signatures.pending) == 1
    assert "Restored your unsaved changes" in restored.banner.text()
    assert not screen.drafts_banner.isVisibleTo(screen)

    assert restored.save()
    assert drafts.load(key) is None
    with sqlite_db.reading() as s:
        inc = s.get(Incident, restored.incident_id)
        assert inc.title == "Forklift clipped racking" and len(inc.people) == 1 and len(inc.attachments) == 2


def test_close_asks_save_discard_cancel(qtbot, sqlite_db, gui_actors, monkeypatch):
    answers = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: answers.pop(0))
    form = IncidentForm(sqlite_db, gui_actors["officer"], None)
    qtbot.addWidget(form)
    form.show()
    qtbot.keyClicks(form.title_edit, "Spill")
    form.autosave_draft()
    assert drafts.load(form.draft_key) is not None

    answers.append(QMessageBox.StandardButton.Cancel)
    qtbot.keyClick(form, Qt.Key.Key_Escape)
    assert form.isVisible() and form.title_edit.text() == "Spill"

    answers.append(QMessageBox.StandardButton.Save)  # Save with problems: stays open, shows them
    assert not form.close()
    assert form.isVisible() and form.errors["type_id"].isVisible()

    answers.append(QMessageBox.StandardButton.Discard)
    assert form.close()
    assert drafts.load(form.draft_key) is None and not answers


def test_undo_and_redo_across_fields_and_people(qtbot, gui_actors, open_form):
    form = open_form(gui_actors["officer"])
    qtbot.keyClicks(form.title_edit, "Trip")
    form._snapshot()
    choose(qtbot, form.severity_combo, "Minor")
    form._snapshot()
    qtbot.mouseClick(form.people.add_button, LEFT)
    form._snapshot()
    form.edit_undo()
    assert form.people.people == []
    form.edit_undo()
    assert form.severity_combo.currentData() is None and form.title_edit.text() == "Trip"
    form.edit_redo()
    assert form.severity_combo.currentText() == "Minor"


def _saved_incident(db, actor, **overrides):
    with db.transaction() as s:
        return service.create(s, actor, incident_data(reference_ids(db), **overrides)).id


def test_concurrent_edit_is_reported_with_who_and_what(qtbot, sqlite_db, gui_actors, open_form, monkeypatch):
    iid = _saved_incident(sqlite_db, gui_actors["officer"])
    form = open_form(gui_actors["officer"], iid)
    with sqlite_db.transaction() as s:  # meanwhile, somebody else saves
        data = service.data_of(s.get(Incident, iid))
        data.description = "Changed by the other officer."
        service.update(s, gui_actors["officer2"], iid, data)
    form.title_edit.clear()
    qtbot.keyClicks(form.title_edit, "My better title")
    asked = []
    monkeypatch.setattr(incident_form, "ask_conflict", lambda _parent, text: asked.append(text) or "cancel")
    assert not form.save()
    assert "Oona Officer" in asked[0] and "description" in asked[0]
    assert form.title_edit.text() == "My better title" and "Not saved" in form.banner.text()

    monkeypatch.setattr(incident_form, "ask_conflict", lambda _parent, text: "overwrite")
    assert form.save()
    with sqlite_db.reading() as s:
        assert s.get(Incident, iid).title == "My better title"


def test_workflow_buttons_follow_permissions(qtbot, sqlite_db, gui_actors, open_form):
    iid = _saved_incident(sqlite_db, gui_actors["officer"])
    reporter_view = open_form(gui_actors["reporter"], iid)
    assert reporter_view.findChild(QWidget, "transition_start_assessment") is None
    assert not reporter_view.save_button.isEnabled() and reporter_view.title_edit.isReadOnly()
    assert "reporters can change their own reports" in reporter_view.banner.text()

    form = open_form(gui_actors["officer"], iid)
    assert form.stepper.current.value == "Identification"
    button = form.findChild(QWidget, "transition_start_assessment")
    qtbot.mouseClick(button, LEFT)
    assert form.status == "assessment" and form.stepper.current.value == "Assessment"
    assert form.findChild(QWidget, "transition_submit_for_signoff") is not None
    assert "Reported → Assessment" in form.timeline.toPlainText()
    qtbot.keyClicks(form.comment_edit, "Called the supervisor.")
    qtbot.mouseClick(form.comment_button, LEFT)
    assert "Called the supervisor." in form.timeline.toPlainText() and form.comment_edit.toPlainText() == ""


class DummyTab(QWidget):
    title = "Dummy"

    def __init__(self, db, actor, incident_id, parent=None):
        super().__init__(parent)
        self.incident_id = incident_id
        self.reloads = 0

    def reload(self):
        self.reloads += 1


def test_extension_tabs_appear_for_saved_incidents_and_missing_ones_are_skipped(
    qtbot, sqlite_db, gui_actors, open_form, monkeypatch, caplog
):
    monkeypatch.setattr(
        incident_form,
        "INCIDENT_FORM_TABS",
        ["incident_desk.ui.no_such_panel:Panel", "tests.ui.test_incident_form:DummyTab"],
    )
    new = open_form(gui_actors["officer"])
    assert "Dummy" not in [new.tabs.tabText(i) for i in range(new.tabs.count())]
    iid = _saved_incident(sqlite_db, gui_actors["officer"])
    form = open_form(gui_actors["officer"], iid)
    labels = [form.tabs.tabText(i) for i in range(form.tabs.count())]
    assert labels[-1] == "Dummy" and "no_such_panel" in caplog.text
    tab = form.extension_tabs["tests.ui.test_incident_form:DummyTab"]
    qtbot.keyClicks(form.title_edit, " (edited)")
    assert form.save() and tab.reloads == 1


def test_unsaved_edit_of_a_saved_incident_comes_back_when_it_is_opened(
    qtbot, sqlite_db, gui_actors, monkeypatch
):
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    officer = gui_actors["officer"]
    iid = _saved_incident(sqlite_db, officer)
    form = IncidentForm(sqlite_db, officer, iid)
    form.title_edit.clear()
    qtbot.keyClicks(form.title_edit, "Slip on oily floor")
    form.autosave_draft()
    form.crash_stop()
    form.deleteLater()
    qtbot.wait(10)

    screen = IncidentListScreen(sqlite_db, officer)
    qtbot.addWidget(screen)
    again = screen.open_incident(iid)
    qtbot.addWidget(again)
    assert again.title_edit.text() == "Slip on oily floor" and again.dirty()
    assert "Restored your unsaved changes" in again.banner.text()
    again.edit_undo()
    assert again.title_edit.text() == "Slip on wet floor"


def test_privacy_case_names_are_withheld_from_reporters(qtbot, sqlite_db, gui_actors, open_form):
    reporter = gui_actors["reporter"]
    iid = _saved_incident(sqlite_db, reporter)
    with sqlite_db.transaction() as s:
        service.add_person(
            s,
            gui_actors["officer"],
            iid,
            service.PersonData(
                name="Pat Private",
                role="injured",
                privacy_case=True,
                statement="Needlestick from a discarded syringe.",
            ),
        )
    officer_view = open_form(gui_actors["officer"], iid)
    assert officer_view.people.people[0]["name"] == "Pat Private"

    form = open_form(reporter, iid)  # the reporter may still edit their own report
    assert form.editable and form.people.people[0]["name"] == "Privacy case"
    assert "Pat" not in form.people.list.item(0).text()
    assert not form.people.name.isEnabled()
    qtbot.keyClicks(form.title_edit, " (updated)")
    assert form.save()
    with sqlite_db.reading() as s:
        person = s.scalars(select(Person).where(Person.incident_id == iid)).one()
        assert (person.name, person.statement) == ("Pat Private", "Needlestick from a discarded syringe.")
        assert s.get(Incident, iid).title.endswith("(updated)")


def test_concurrent_edit_merges_field_by_field(qtbot, sqlite_db, gui_actors, open_form, monkeypatch):
    """Their change is kept, mine is added; where both changed a field, the user picks per field."""
    iid = _saved_incident(sqlite_db, gui_actors["officer"])
    form = open_form(gui_actors["officer"], iid)
    with sqlite_db.transaction() as s:  # meanwhile, somebody else saves two fields
        data = service.data_of(s.get(Incident, iid))
        data.description = "Changed by the other officer."
        data.immediate_actions = "Their immediate actions."
        service.update(s, gui_actors["officer2"], iid, data)
    form.title_edit.clear()
    qtbot.keyClicks(form.title_edit, "My better title")
    form.immediate_actions.setPlainText("My immediate actions.")
    offered = []
    monkeypatch.setattr(incident_form, "ask_conflict", lambda _parent, text: "merge")
    monkeypatch.setattr(
        incident_form,
        "choose_fields",
        lambda _parent, clashes, _describe=None: offered.extend(c.field for c in clashes) or set(),
    )
    assert form.save()
    assert offered == ["immediate_actions"]  # the only field both changed
    # Id fields are offered by the names the user knows them by.
    severity = form.severity_combo.currentData()
    assert form._describe_value("severity_id", severity) == form.severity_combo.currentText() != str(severity)
    with sqlite_db.reading() as s:
        inc = s.get(Incident, iid)
        assert inc.title == "My better title"  # mine, which they did not touch
        assert inc.description == "Changed by the other officer."  # theirs, which I did not touch
        assert inc.immediate_actions == "Their immediate actions."  # both changed; I chose theirs
