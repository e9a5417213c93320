"""The users screen, clicked through by an administrator; changing one's own password; the sign-in dialog."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt

from incident_desk.ui.signin import ChangePasswordDialog, SignInDialog
from incident_desk.ui.users_admin import COL, UsersScreen
from incident_desk.users import service as users
from tests.conftest import PASSWORD


def _screen(qtbot, db, actor):
    screen = UsersScreen(db, actor)
    qtbot.addWidget(screen)
    screen.resize(1000, 600)
    screen.show()
    return screen


def _click_ok(qtbot, dialog):
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)


def test_admin_adds_a_user_with_roles(qtbot, sqlite_db, gui_actors):
    screen = _screen(qtbot, sqlite_db, gui_actors["admin"])
    before = screen.model.rowCount()
    qtbot.mouseClick(screen.add_button, Qt.MouseButton.LeftButton)
    d = screen.dialog
    qtbot.keyClicks(d.username, "hana")
    qtbot.keyClicks(d.full_name, "Hana Sato")
    for role, box in d.roles.items():
        box.setChecked(role.value in ("officer", "manager"))
    qtbot.keyClicks(d.pw1, "short")
    qtbot.keyClicks(d.pw2, "short")
    _click_ok(qtbot, d)
    assert d.isVisible() and "at least 10 characters" in d.error.text()
    for w in (d.pw1, d.pw2):
        w.clear()
        qtbot.keyClicks(w, "a long enough password")
    _click_ok(qtbot, d)
    qtbot.waitUntil(lambda: screen.dialog is None)
    assert screen.model.rowCount() == before + 1
    with sqlite_db.reading() as s:
        assert users.by_username(s, "hana").roles == {"officer", "manager"}
    assert users.verify_password(_user(sqlite_db, "hana"), "a long enough password")


def _user(db, username):
    with db.reading() as s:
        return users.by_username(s, username)


def test_admin_changes_roles_resets_password_and_deactivates(qtbot, sqlite_db, gui_actors, monkeypatch):
    screen = _screen(qtbot, sqlite_db, gui_actors["admin"])
    screen.select_username("officer2")
    qtbot.mouseClick(screen.roles_button, Qt.MouseButton.LeftButton)
    d = screen.dialog
    for role, box in d.roles.items():
        box.setChecked(role.value in ("officer", "manager"))
    _click_ok(qtbot, d)
    qtbot.waitUntil(lambda: screen.dialog is None)
    assert _user(sqlite_db, "officer2").roles == {"officer", "manager"}
    row = next(i for i, r in enumerate(screen.model.rows) if r.username == "officer2")
    assert screen.model.index(row, COL["roles"]).data() == "Safety officer, Manager"

    # Lock the account, then reset its password: it is unlocked too.
    with sqlite_db.transaction() as s:
        users.get(s, gui_actors["officer2"].user_id).locked_until = dt.datetime.now(dt.UTC) + dt.timedelta(
            minutes=9
        )
    screen.refresh()
    assert screen.model.index(row, COL["state"]).data() == "Locked (15 min)"
    qtbot.mouseClick(screen.reset_button, Qt.MouseButton.LeftButton)
    d = screen.dialog
    qtbot.keyClicks(d.pw1, "brand new password")
    qtbot.keyClicks(d.pw2, "brand new password")
    _click_ok(qtbot, d)
    qtbot.waitUntil(lambda: screen.dialog is None)
    user = _user(sqlite_db, "officer2")
    assert user.locked_until is None and users.verify_password(user, "brand new password")

    asked = []
    monkeypatch.setattr(screen, "confirm", lambda text: asked.append(text) or True)
    qtbot.mouseClick(screen.active_button, Qt.MouseButton.LeftButton)
    assert "history and signatures are kept" in asked[0]
    assert not _user(sqlite_db, "officer2").active
    assert screen.model.index(row, COL["state"]).data() == "Deactivated"
    assert screen.active_button.text() == "Re&activate"
    qtbot.mouseClick(screen.active_button, Qt.MouseButton.LeftButton)
    assert _user(sqlite_db, "officer2").active


def test_admin_cannot_deactivate_themselves_and_others_do_not_see_the_list(qtbot, sqlite_db, gui_actors):
    screen = _screen(qtbot, sqlite_db, gui_actors["admin"])
    screen.select_username("admin")
    assert not screen.active_button.isEnabled()
    other = UsersScreen(sqlite_db, gui_actors["manager"])
    qtbot.addWidget(other)
    assert other.model is None


def test_users_model_passes_the_model_tester(qtbot, sqlite_db, gui_actors, qtmodeltester):
    qtmodeltester.check(_screen(qtbot, sqlite_db, gui_actors["admin"]).model)


def test_change_my_password(qtbot, sqlite_db, gui_actors):
    d = ChangePasswordDialog(sqlite_db, gui_actors["reporter"])
    qtbot.addWidget(d)
    qtbot.keyClicks(d.current, "wrong password")
    qtbot.keyClicks(d.pw1, "my new password")
    qtbot.keyClicks(d.pw2, "my new password")
    _click_ok(qtbot, d)
    assert "current password is wrong" in d.error.text()
    d.current.clear()
    qtbot.keyClicks(d.current, PASSWORD)
    _click_ok(qtbot, d)
    assert d.result() == d.DialogCode.Accepted
    assert users.verify_password(_user(sqlite_db, "reporter"), "my new password")


def test_sign_in_dialog_reports_lockout(qtbot, sqlite_db):
    d = SignInDialog(sqlite_db, username="manager")
    qtbot.addWidget(d)
    for _ in range(5):
        d.password.clear()
        qtbot.keyClicks(d.password, "not the password")
        d.try_sign_in()
    assert "locked for 15 minutes" in d.error.text()
    d.password.clear()
    qtbot.keyClicks(d.password, PASSWORD)
    d.try_sign_in()
    assert d.actor is None and "locked" in d.error.text()


def test_account_menu_offers_change_password_and_screens_are_listed(qtbot, sqlite_db, gui_actors):
    from incident_desk.ui.main_window import MainWindow

    window = MainWindow(sqlite_db, gui_actors["reporter"])
    qtbot.addWidget(window)
    menus = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert menus.index("Account") == menus.index("Help") - 1
    window.actions["change_password"].trigger()
    dialog = window.findChild(ChangePasswordDialog)
    assert dialog is not None and dialog.isVisible()
    dialog.reject()
    # The users and audit screens explain themselves to a reporter instead of showing data.
    for key in ("users", "audit", "signoff"):
        assert getattr(window.show_screen(key), "model", None) is None
