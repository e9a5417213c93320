"""The incident History tab and the administrator's audit view: plain language, filters, lazy paging."""

from __future__ import annotations

import datetime as dt

from incident_desk.audit.queries import AuditFilter
from incident_desk.incidents import service as incidents
from incident_desk.signoff import service as signoff
from incident_desk.ui.audit_view import COL, PAGE, AuditScreen
from incident_desk.ui.history import HistoryPanel
from tests.conftest import PASSWORD, incident_data, reference_ids
from tests.signoff_helpers import submitted_assessment


def _signed_incident(db, actors):
    refs = reference_ids(db)
    with db.transaction() as s:
        iid = incidents.create(s, actors["officer"], incident_data(refs)).id
        data = incidents.data_of(incidents.get(s, iid))
        data.severity_id = refs["severity"]["Critical"]
        incidents.update(s, actors["officer"], iid, data)
    aid = submitted_assessment(db, actors, iid)
    with db.transaction() as s:
        signoff.reject(s, actors["manager"], aid, "Add guarding to the controls.")
    return iid, aid


def test_history_tab_tells_the_story_in_plain_language(qtbot, sqlite_db, gui_actors):
    iid, _aid = _signed_incident(sqlite_db, gui_actors)
    panel = HistoryPanel(sqlite_db, gui_actors["reporter"], iid, None)
    qtbot.addWidget(panel)
    assert panel.title == "History"
    texts = [panel.model.index(r, 3).data() for r in range(panel.model.rowCount())]
    assert texts[0].startswith("Olu Officer: Reported INC-")
    assert "Olu Officer changed the incident: Severity: Major → Critical" in texts
    assert any("moved the incident on: Assessment → Awaiting sign-off" in t for t in texts)
    assert texts[-2] == "Mia Manager rejected the risk assessment (revision 1): Add guarding to the controls."
    assert "Rejected" in panel.signatures.text() and "Mia Manager" in panel.signatures.text()
    panel.table.selectRow(len(texts) - 2)
    assert "Chain hash:" in panel.details.toPlainText()
    # After a further change the form calls reload().
    with sqlite_db.transaction() as s:
        incidents.add_comment(s, gui_actors["manager"], iid, "Spoke to the team.")
    panel.reload()
    assert panel.model.rowCount() == len(texts) + 1


def test_history_panel_for_an_unsaved_incident(qtbot, sqlite_db, gui_actors):
    panel = HistoryPanel(sqlite_db, gui_actors["officer"], None, None)
    qtbot.addWidget(panel)
    assert "starts when the incident is saved" in panel.signatures.text()


def test_audit_view_filters_by_user_kind_and_date(qtbot, sqlite_db, gui_actors, qtmodeltester):
    _signed_incident(sqlite_db, gui_actors)
    screen = AuditScreen(sqlite_db, gui_actors["admin"])
    qtbot.addWidget(screen)
    total = screen.model.total
    assert total > 5
    qtmodeltester.check(screen.model)
    # By user.
    screen.user_combo.setCurrentIndex(screen.user_combo.findText("Mia Manager"))
    kinds = {screen.model.index(r, COL["kind"]).data() for r in range(screen.model.rowCount())}
    assert kinds == {"Rejected", "Status change"}
    # And by kind.
    screen.kind_combo.setCurrentIndex(screen.kind_combo.findData("reject"))
    assert screen.model.rowCount() == 1
    assert screen.model.index(0, COL["what"]).data().startswith("Mia Manager rejected")
    # A date range before anything happened finds nothing.
    screen.clear_filters()
    assert screen.model.total == total
    yesterday = dt.date.today() - dt.timedelta(days=1)
    from PySide6.QtCore import QDate

    screen.until.setDate(QDate(yesterday.year, yesterday.month, yesterday.day))
    assert screen.model.total == 0 and screen.count_label.text() == "0 events"


def test_audit_view_fetches_lazily(qtbot, sqlite_db, gui_actors):
    from incident_desk.audit.chain import PendingEvent, append_many

    with sqlite_db.transaction() as s:
        append_many(
            s,
            [
                PendingEvent(
                    "export", "export", summary=f"Exported {i} incidents as CSV", user_name="command line"
                )
                for i in range(PAGE + 50)
            ],
        )
    screen = AuditScreen(sqlite_db, gui_actors["manager"])
    qtbot.addWidget(screen)
    assert screen.model.rowCount() == PAGE and screen.model.canFetchMore()
    screen.model.fetchMore()
    assert screen.model.rowCount() == screen.model.total
    screen.set_filter(AuditFilter(user_name="command line"))
    assert screen.model.total == PAGE + 50


def test_audit_view_is_closed_to_officers(qtbot, sqlite_db, gui_actors):
    screen = AuditScreen(sqlite_db, gui_actors["officer"])
    qtbot.addWidget(screen)
    assert screen.model is None


def test_earlier_revisions_stay_viewable_from_the_history_tab(qtbot, sqlite_db, gui_actors):
    from incident_desk.risk import service as risk

    refs = reference_ids(sqlite_db)
    with sqlite_db.transaction() as s:
        iid = incidents.create(s, gui_actors["officer"], incident_data(refs)).id
    rev1 = submitted_assessment(sqlite_db, gui_actors, iid)
    with sqlite_db.transaction() as s:
        signoff.approve(s, gui_actors["manager"], rev1, PASSWORD, "Fine for now")
        risk.new_revision(s, gui_actors["officer"], iid)
    panel = HistoryPanel(sqlite_db, gui_actors["reporter"], iid, None)
    qtbot.addWidget(panel)
    items = [panel.revision_combo.itemText(i) for i in range(panel.revision_combo.count())]
    assert items == ["Revision 2 (draft)", "Revision 1 (signed off, locked)"]
    panel.revision_combo.setCurrentIndex(1)
    dialog = panel.view_revision()
    assert dialog.windowTitle().endswith("risk assessment revision 1")
    text = dialog.text.toPlainText()
    assert "Slippery floor" in text and "Approved by Mia Manager" in text and "Fine for now" in text
    assert dialog.matrix.matrix() is not None
