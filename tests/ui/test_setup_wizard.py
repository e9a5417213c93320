"""The setup wizard, clicked through from an empty database to a signed-in main window."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QMessageBox, QTableWidgetItem, QWizard
from sqlalchemy import select

from incident_desk.actor import Actor
from incident_desk.db import Database, open_database
from incident_desk.org import service as org
from incident_desk.org.models import Location, Site
from incident_desk.ui.setup_wizard import SetupWizard
from incident_desk.users import service as users

PASSWORD = "a long enough passphrase"


@pytest.fixture
def empty_db(tmp_path: Path) -> Iterator[Database]:
    db = open_database(f"sqlite:///{tmp_path / 'new.sqlite3'}")
    yield db
    db.dispose()


@pytest.fixture
def messages(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    shown: list[str] = []

    def fake(_parent: Any, _title: str, text: str, *_a: Any, **_k: Any) -> QMessageBox.StandardButton:
        shown.append(text)
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "information", fake)
    monkeypatch.setattr(QMessageBox, "warning", fake)
    return shown


def click_next(qtbot: Any, wizard: SetupWizard) -> None:
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)


def errors_on(page: Any) -> str:
    return page.error.text() if page.error.isVisible() else ""


def fill_to_finish(qtbot: Any, wizard: SetupWizard) -> None:
    """Organisation, two sites, the administrator (after one mistake), renamed severities, SLAs."""
    w = wizard
    assert not w.button(QWizard.WizardButton.NextButton).isEnabled()  # the name is required
    qtbot.keyClicks(w.org_page.name, "Harbour Safety Ltd")
    w.org_page.timezone.setCurrentText("America/Chicago")
    w.org_page.prefix.clear()
    qtbot.keyClicks(w.org_page.prefix, "hsl")
    click_next(qtbot, w)
    assert w.currentPage() is w.sites_page

    table = w.sites_page.table
    click_next(qtbot, w)  # no site yet
    assert "Add at least one site" in errors_on(w.sites_page)
    for col, text in enumerate(("Dock 7", "D7", "Oakland", "CA", "Quay, Crane deck, Warehouse")):
        table.setItem(0, col, QTableWidgetItem(text))
    qtbot.mouseClick(w.sites_page.add_button, Qt.MouseButton.LeftButton)
    table.setItem(1, 0, QTableWidgetItem("Head office"))
    table.setItem(1, 4, QTableWidgetItem("Reception"))
    click_next(qtbot, w)
    assert w.currentPage() is w.admin_page

    a = w.admin_page
    a.username.clear()
    qtbot.keyClicks(a.username, "hsadmin")
    qtbot.keyClicks(a.full_name, "Hana Sato")
    qtbot.keyClicks(a.password, "short")
    qtbot.keyClicks(a.repeat, "different")
    click_next(qtbot, w)
    assert w.currentPage() is w.admin_page
    assert "at least 10 characters" in errors_on(a) and "The two passwords differ." in errors_on(a)
    for field in (a.password, a.repeat):
        field.clear()
        qtbot.keyClicks(field, PASSWORD)
    click_next(qtbot, w)
    assert w.currentPage() is w.severity_page

    sev = w.severity_page.table
    assert [sev.item(r, 1).text() for r in range(sev.rowCount())] == ["Critical", "Urgent", "Major", "Minor"]
    sev.item(3, 1).setText("Low")  # rename
    sev.setCurrentCell(1, 1)
    qtbot.mouseClick(w.severity_page.remove_button, Qt.MouseButton.LeftButton)  # drop "Urgent"
    qtbot.mouseClick(w.severity_page.add_button, Qt.MouseButton.LeftButton)
    sev.item(3, 1).setText("Observation")
    sev.item(3, 2).setText("No harm, worth recording")
    click_next(qtbot, w)
    assert w.currentPage() is w.risk_page
    w.risk_page.list.setCurrentRow(len(w.risk_page.templates) - 1)
    click_next(qtbot, w)
    assert w.currentPage() is w.sla_page
    assert w.sla_page.names == ["Critical", "Major", "Low", "Observation"]
    w.sla_page.table.cellWidget(0, 0).setValue(0.5)  # acknowledge Critical within 30 minutes
    w.sla_page.table.cellWidget(1, 0).setValue(500)  # larger than "assess": refused
    click_next(qtbot, w)
    assert "must not decrease" in errors_on(w.sla_page)
    w.sla_page.table.cellWidget(1, 0).setValue(24)
    click_next(qtbot, w)
    assert w.currentPage() is w.finish_page
    assert "Harbour Safety Ltd" in w.finish_page.summary.text()


def test_wizard_sets_up_an_empty_database(qtbot: Any, empty_db: Database, messages: list[str]) -> None:
    wizard = SetupWizard(empty_db)
    qtbot.addWidget(wizard)
    wizard.show()
    fill_to_finish(qtbot, wizard)
    with qtbot.waitSignal(wizard.accepted, timeout=5000):
        qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton), Qt.MouseButton.LeftButton)
    assert wizard.username == "hsadmin"

    with empty_db.transaction() as s:
        user = users.authenticate(s, "hsadmin", PASSWORD)
        assert set(user.roles) == {"admin"}
        o = org.organisation(s)
        assert (o.name, o.timezone, o.reference_prefix, o.setup_complete) == (
            "Harbour Safety Ltd",
            "America/Chicago",
            "HSL",
            True,
        )
        sites = {x.name: [loc.name for loc in x.locations] for x in s.scalars(select(Site))}
        assert sites == {"Dock 7": ["Crane deck", "Quay", "Warehouse"], "Head office": ["Reception"]}
        levels = [(x.name, x.rank) for x in org.list_severities(s)]
        assert levels == [("Critical", 1), ("Major", 2), ("Low", 3), ("Observation", 4)]
        targets = org.sla_targets(s)
        by_name = {x.name: x.id for x in org.list_severities(s)}
        assert targets[by_name["Critical"]].acknowledge_minutes == 30
        assert targets[by_name["Observation"]].resolve_minutes > 0
        from incident_desk.risk import matrices

        active = matrices.active_version(s)
        assert active.matrix.name == wizard.risk_page.templates[-1]["name"]
        assert s.scalar(select(Location.id).where(Location.name == "Quay")) is not None

    # A usable app: the administrator signs in and the main window shows every screen.
    from incident_desk.ui.main_window import SCREENS, MainWindow

    actor = Actor.for_user(user)
    window = MainWindow(empty_db, actor)
    qtbot.addWidget(window)
    for spec in SCREENS:
        assert window.show_screen(spec.key) is window.current_screen()


def test_wizard_can_load_demo_data(qtbot: Any, empty_db: Database, messages: list[str]) -> None:
    wizard = SetupWizard(empty_db)
    qtbot.addWidget(wizard)
    wizard.show()
    fill_to_finish(qtbot, wizard)
    demo = wizard.finish_page.demo
    qtbot.mouseClick(demo, Qt.MouseButton.LeftButton, pos=QPoint(8, demo.height() // 2))
    assert demo.isChecked() and wizard.finish_page.demo_count.isEnabled()
    wizard.finish_page.demo_count.setValue(200)
    with qtbot.waitSignal(wizard.accepted, timeout=60000):
        qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton), Qt.MouseButton.LeftButton)
    assert any("200 demo incidents were added" in m for m in messages), messages
    assert "officer" in wizard.demo_accounts
    from sqlalchemy import func

    from incident_desk.incidents.models import Incident

    with empty_db.reading() as s:
        assert s.scalar(select(func.count()).select_from(Incident)) == 200
        assert org.organisation(s).name == "Harbour Safety Ltd"  # the demo keeps the organisation's own name
        assert users.by_username(s, "hsadmin") is not None


def test_a_failed_finish_changes_nothing_and_can_be_retried(
    qtbot: Any, empty_db: Database, messages: list[str]
) -> None:
    wizard = SetupWizard(empty_db)
    qtbot.addWidget(wizard)
    wizard.show()
    fill_to_finish(qtbot, wizard)
    # Someone else created an account meanwhile: setting up must refuse, not add a second admin.
    with empty_db.transaction() as s:
        users.create_user(
            s, None, username="other", full_name="Other Person", password=PASSWORD, roles=["admin"]
        )
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton), Qt.MouseButton.LeftButton)
    assert wizard.isVisible()
    assert "Only an administrator can create accounts." in errors_on(wizard.finish_page)
    with empty_db.reading() as s:
        assert users.by_username(s, "hsadmin") is None
        assert org.organisation(s).name == ""
        assert s.scalar(select(Site.id).limit(1)) is None


def test_sites_can_be_imported_from_csv(qtbot: Any, tmp_path: Path, empty_db: Database) -> None:
    wizard = SetupWizard(empty_db)
    qtbot.addWidget(wizard)
    csv_file = tmp_path / "sites.csv"
    csv_file.write_text(
        "Site,Location,City,State\nPlant A,Press shop,Akron,OH\nPlant A,Yard,,\nDepot B,Dock,Reno,NV\n",
        encoding="utf-8",
    )
    assert wizard.sites_page.import_csv(csv_file) == 2
    entries = wizard.sites_page.entries()
    assert [(e.name, e.city, e.state, e.locations) for e in entries] == [
        ("Plant A", "Akron", "OH", ["Press shop", "Yard"]),
        ("Depot B", "Reno", "NV", ["Dock"]),
    ]
    bad = tmp_path / "bad.csv"
    bad.write_text("name,area\nX,Y\n", encoding="utf-8")
    assert wizard.sites_page.import_csv(bad) == 0
    assert "has no “site” column" in wizard.sites_page.error.text()


def test_app_runs_the_wizard_only_on_a_database_without_accounts(
    qtbot: Any, empty_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from incident_desk.ui import app, setup_wizard, signin

    ran: list[str] = []
    monkeypatch.setattr(setup_wizard.SetupWizard, "exec", lambda self: ran.append("wizard") or 0)
    monkeypatch.setattr(signin.SignInDialog, "exec", lambda self: ran.append("sign-in") or 0)
    assert app.sign_in(empty_db) is None
    assert ran == ["wizard"]  # cancelled: no sign-in
    with empty_db.transaction() as s:
        users.create_user(s, None, username="x", full_name="X", password=PASSWORD, roles=["admin"])
    ran.clear()
    assert app.sign_in(empty_db) is None
    assert ran == ["sign-in"]
