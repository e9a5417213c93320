"""The Settings dialog: administrator edits reach the database (validated and audited); preferences persist."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QInputDialog
from sqlalchemy import select

from incident_desk.actor import Actor
from incident_desk.audit.models import AuditEvent
from incident_desk.db import Database
from incident_desk.org import service as org
from incident_desk.org.models import Customer, SeverityLevel, Site
from incident_desk.ui import settings_dialog as sd
from incident_desk.ui import theme


@pytest.fixture
def dialog(qtbot: Any, sqlite_db: Database, gui_actors: dict[str, Actor]) -> sd.SettingsDialog:
    d = sd.SettingsDialog(sqlite_db, gui_actors["admin"])
    qtbot.addWidget(d)
    d.show()
    return d


@pytest.fixture(autouse=True)
def fresh_preferences() -> Any:
    QSettings().remove("preferences")
    yield
    QSettings().remove("preferences")
    theme.apply_theme("light")


def click(qtbot: Any, button: Any) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def status(d: sd.SettingsDialog) -> str:
    return d.status.text()


def last_event(db: Database) -> AuditEvent:
    with db.reading() as s:
        return s.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).one()


def test_organisation_is_saved_validated_and_audited(
    qtbot: Any, dialog: sd.SettingsDialog, sqlite_db: Database, tmp_path: Path
) -> None:
    page = dialog.open_section("organisation")
    assert isinstance(page, sd.OrganisationSection)
    page.name.clear()
    click(qtbot, page.save_button)
    assert status(dialog) == "Enter the organisation name."
    qtbot.keyClicks(page.name, "Acme Safety")
    page.currency.setText("eur")
    click(qtbot, page.save_button)
    assert status(dialog) == "Organisation settings saved."
    with sqlite_db.reading() as s:
        o = org.organisation(s)
        assert (o.name, o.currency) == ("Acme Safety", "EUR")
    assert last_event(sqlite_db).entity == "organisation"

    logo = tmp_path / "logo.png"
    from incident_desk.paths import resources_dir

    logo.write_bytes((resources_dir() / "icons" / "incident-desk.png").read_bytes())
    page.set_logo_file(logo)
    assert status(dialog) == "Logo changed."
    assert page.logo.pixmap() is not None and not page.logo.pixmap().isNull()


def test_sites_customers_and_types(
    qtbot: Any, dialog: sd.SettingsDialog, sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    sites = dialog.open_section("sites")
    assert isinstance(sites, sd.SitesSection)
    monkeypatch.setattr(
        sd.SiteDialog,
        "exec",
        lambda self: (self.edits["name"].setText("Quarry"), self.edits["state"].setText("nv"), 1)[-1],
    )
    click(qtbot, sites.add_site_button)
    assert status(dialog) == "Site Quarry added."
    quarry = next(
        sites.tree.topLevelItem(i)
        for i in range(sites.tree.topLevelItemCount())
        if sites.tree.topLevelItem(i).text(0) == "Quarry"
    )
    sites.tree.setCurrentItem(quarry)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Crusher", True))
    click(qtbot, sites.add_location_button)
    assert status(dialog) == "Location Crusher added."
    with sqlite_db.reading() as s:
        site = s.scalars(select(Site).where(Site.name == "Quarry")).one()
        assert site.state == "NV" and [loc.name for loc in site.locations] == ["Crusher"]

    customers = dialog.open_section("customers")
    assert isinstance(customers, sd.CustomersSection)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Globex", True))
    click(qtbot, customers.add_button)
    assert status(dialog) == "There is already a customer called 'Globex'."
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Initech", True))
    click(qtbot, customers.add_button)
    row = next(i for i in range(customers.list.count()) if customers.list.item(i).text() == "Initech")
    customers.list.setCurrentRow(row)
    click(qtbot, customers.retire_button)
    assert status(dialog) == "Customer retired."
    with sqlite_db.reading() as s:
        assert s.scalars(select(Customer).where(Customer.name == "Initech")).one().active is False

    types = dialog.open_section("types")
    assert isinstance(types, sd.TypesSection)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Ergonomics", True))
    click(qtbot, types.add_button)
    row = next(i for i in range(types.list.count()) if types.list.item(i).text() == "Ergonomics")
    types.list.setCurrentRow(row)
    click(qtbot, types.retire_button)
    assert status(dialog) == "Incident type deleted (no incident used it)."


def test_severity_in_use_is_deactivated_and_order_changes(
    qtbot: Any, dialog: sd.SettingsDialog, sqlite_db: Database, gui_actors: dict[str, Actor]
) -> None:
    from incident_desk.incidents import service
    from tests.conftest import incident_data, reference_ids

    refs = reference_ids(sqlite_db)
    with sqlite_db.transaction() as s:
        service.create(s, gui_actors["officer"], incident_data(refs, severity_id=refs["severity"]["Minor"]))
    page = dialog.open_section("severities")
    assert isinstance(page, sd.SeveritiesSection)
    page.table.setCurrentCell(3, 1)
    click(qtbot, page.retire_button)
    assert status(dialog) == "Minor deactivated; incidents that use it keep it."
    assert page.table.item(3, 3).text() == "Deactivated"
    page.table.setCurrentCell(2, 1)
    click(qtbot, page.up_button)
    with sqlite_db.reading() as s:
        names = [x.name for x in org.list_severities(s)]
        assert names == ["Critical", "Major", "Urgent", "Minor"]
        assert s.get(SeverityLevel, refs["severity"]["Minor"]).active is False


def test_sla_targets_and_smtp(
    qtbot: Any, dialog: sd.SettingsDialog, sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QMessageBox

    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a, **k: warnings.append(text))
    page = dialog.open_section("sla")
    assert isinstance(page, sd.SlaSection)
    critical = page.editor.rows.index((page.editor.rows[0][0], None))
    page.table.cellWidget(critical, 3).setValue(36)
    click(qtbot, page.save_button)
    assert status(dialog) == "Response targets saved."
    with sqlite_db.reading() as s:
        assert org.sla_targets(s)[page.editor.rows[critical][0]].resolve_minutes == 36 * 60
    assert last_event(sqlite_db).entity == "sla_target"
    page.table.cellWidget(critical, 0).setValue(100)  # acknowledge after resolve
    click(qtbot, page.save_button)
    assert any("must not decrease" in w for w in warnings), warnings

    smtp = dialog.open_section("smtp")
    assert isinstance(smtp, sd.SmtpSection)
    qtbot.keyClicks(smtp.host, "smtp.example.test")
    qtbot.keyClicks(smtp.from_address, "not-an-address")
    click(qtbot, smtp.save_button)
    assert "not an e-mail address" in status(dialog)
    smtp.from_address.setText("safety@example.test")
    click(qtbot, smtp.save_button)
    assert status(dialog) == "E-mail server saved."
    with sqlite_db.reading() as s:
        value = org.get_setting(s, "smtp")
    assert value["host"] == "smtp.example.test" and value["from_address"] == "safety@example.test"


def test_preferences_persist_and_theme_applies(
    qtbot: Any, sqlite_db: Database, gui_actors: dict[str, Actor]
) -> None:
    d = sd.SettingsDialog(sqlite_db, gui_actors["reporter"])
    qtbot.addWidget(d)
    # A reporter sees only their own preferences.
    assert d.keys == ["preferences"]
    page = d.open_section("preferences")
    assert isinstance(page, sd.PreferencesSection)
    page.theme.setCurrentIndex(page.theme.findData("dark"))
    app = QApplication.instance()
    assert app.palette().color(QPalette.ColorRole.Window).lightness() < 100
    page.open_only.setChecked(True)
    page.site.setCurrentIndex(page.site.findText("Test Depot"))
    page.period.setCurrentIndex(page.period.findData(90))
    d.close()

    again = sd.SettingsDialog(sqlite_db, gui_actors["reporter"])
    qtbot.addWidget(again)
    page2 = again.open_section("preferences")
    assert page2.theme.currentData() == "dark"
    assert page2.open_only.isChecked() and not page2.mine_only.isChecked()
    assert page2.site.currentText() == "Test Depot"
    assert theme.preference("filter_period_days") == 90
    assert theme.preference("theme") == "dark"
    page2.theme.setCurrentIndex(page2.theme.findData("light"))
    assert app.palette().color(QPalette.ColorRole.Window).lightness() > 200


def test_settings_command_is_in_the_main_window(
    qtbot: Any, sqlite_db: Database, gui_actors: dict[str, Actor]
) -> None:
    from incident_desk.ui.main_window import MainWindow

    window = MainWindow(sqlite_db, gui_actors["admin"])
    qtbot.addWidget(window)
    dialog = window.run_command("settings")
    assert isinstance(dialog, sd.SettingsDialog)
    assert "users" in dialog.keys and "organisation" in dialog.keys
    dialog.close()
