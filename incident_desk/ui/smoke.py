"""``incident-desk --smoke-test``: start the GUI offscreen, visit every screen, print timings as JSON.

Used by CI on the source tree and on the PyInstaller bundle, so a missing module, resource
or migration fails loudly. Without ``--db`` it works on a temporary database with a
temporary administrator; with ``--db`` it opens that database (upgrading it if needed) as its
first active administrator, without the sign-in dialog. Nothing is written to the user's
settings. Exit status 0 when every step worked; otherwise 1 and the JSON names the step.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

TIMEOUT_S = 120.0


def process_age() -> float | None:
    """Seconds since this process started (Linux), so start-up includes Python's own start."""
    try:
        stat = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        start_ticks = int(stat[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return max(0.0, uptime - start_ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError, AttributeError):
        return None


def check_resources() -> list[str]:
    """Files the app loads at run time; in a bundle these must have been collected."""
    from incident_desk.db.database import MIGRATIONS_DIR
    from incident_desk.paths import resources_dir

    res = resources_dir()
    missing = []
    if not (res / "icons" / "incident-desk.svg").is_file():
        missing.append(str(res / "icons" / "incident-desk.svg"))
    for folder, pattern in (
        ("risk_matrices", "*.json"),
        ("fonts", "*.ttf"),
        ("icons/hicolor", "*/apps/*.png"),
    ):
        if not list((res / folder).glob(pattern)):
            missing.append(f"{res / folder}/{pattern}")
    if not (MIGRATIONS_DIR / "env.py").is_file():
        missing.append(str(MIGRATIONS_DIR / "env.py"))
    if not list((MIGRATIONS_DIR / "versions").glob("0001_*.py")):
        missing.append(f"{MIGRATIONS_DIR / 'versions'}/0001_*.py")
    return missing


class SmokeFailure(Exception):
    pass


def _actor_for(db: Any, *, create: bool) -> Any:
    from sqlalchemy import select

    from incident_desk.actor import Actor
    from incident_desk.users import service as users
    from incident_desk.users.models import User, UserRole

    with db.transaction() as s:
        if create and users.count_users(s) == 0:
            user = users.create_user(
                s,
                None,
                username="smoke-admin",
                full_name="Smoke Test Administrator",
                password="smoke-test-password",
                roles=["admin"],
            )
            return Actor.for_user(user)
        admin = s.scalars(
            select(User)
            .join(UserRole)
            .where(UserRole.role == "admin", User.active.is_(True))
            .order_by(User.id)
            .limit(1)
        ).first()
        return Actor.for_user(admin) if admin is not None else Actor.system("smoke test")


def run_smoke_test(url: str | None) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    result: dict[str, Any] = {"ok": False}
    errors: list[str] = []
    step = "start"
    tmp = tempfile.TemporaryDirectory(prefix="incident-desk-smoke-")
    try:
        started_at = process_age()
        from incident_desk.paths import DATA_ENV

        # Drafts, logs and backups of this run go to the temporary folder, not the user's.
        os.environ[DATA_ENV] = str(Path(tmp.name) / "data")
        t_begin = time.perf_counter()
        from PySide6.QtCore import QSettings, QTimer
        from PySide6.QtWidgets import QApplication

        from incident_desk import __version__
        from incident_desk.ui.app import make_application

        # Keep the user's own settings (window geometry, recent databases) untouched.
        QSettings.setDefaultFormat(QSettings.Format.IniFormat)
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tmp.name)

        def hook(exc_type: type[BaseException], exc: BaseException, tb: Any) -> None:
            errors.append(f"{step}: {exc_type.__name__}: {exc}")
            traceback.print_exception(exc_type, exc, tb, file=sys.stderr)

        sys.excepthook = hook
        step = "resources"
        missing = check_resources()
        if missing:
            raise SmokeFailure("missing resources: " + ", ".join(missing))

        step = "application"
        app = make_application()
        # Any modal dialog a screen opens is closed again, so the run never blocks.
        closer = QTimer()
        closer.setInterval(100)
        closed: list[str] = []

        def close_modals() -> None:
            w = QApplication.activeModalWidget()
            if w is not None:
                closed.append(w.windowTitle() or type(w).__name__)
                w.close()

        closer.timeout.connect(close_modals)
        closer.start()
        deadline = time.monotonic() + TIMEOUT_S

        step = "open database"
        t = time.perf_counter()
        from incident_desk.db import open_database

        temporary = url is None
        db_url = url or f"sqlite:///{Path(tmp.name) / 'smoke.sqlite3'}"
        db = open_database(db_url)
        actor = _actor_for(db, create=temporary)
        result["database"] = "temporary" if temporary else db.display_url
        result["open_db_s"] = round(time.perf_counter() - t, 3)

        step = "main window"
        t = time.perf_counter()
        from incident_desk.ui.main_window import COMMANDS, SCREENS, MainWindow

        window = MainWindow(db, actor)
        window.show()
        app.processEvents()
        result["main_window_s"] = round(time.perf_counter() - t, 3)
        if started_at is not None:
            result["startup_s"] = round(started_at + (time.perf_counter() - t_begin), 3)
        else:
            result["startup_s"] = round(time.perf_counter() - t_begin, 3)
        if errors:
            raise SmokeFailure(errors[0])

        screens: dict[str, float] = {}
        for spec in SCREENS:
            step = f"screen {spec.key}"
            t = time.perf_counter()
            widget = window.show_screen(spec.key)
            app.processEvents()
            screens[spec.key] = round(time.perf_counter() - t, 3)
            if window.current_screen() is not widget:
                raise SmokeFailure(f"screen {spec.key} did not become current")
            if errors:
                raise SmokeFailure(errors[0])
            if time.monotonic() > deadline:
                raise SmokeFailure(f"timed out after {TIMEOUT_S:.0f} s at {step}")
        result["screens"] = screens

        step = "incident form"
        from sqlalchemy import select

        from incident_desk.incidents.models import Incident

        with db.reading() as s:
            first = s.scalars(select(Incident.id).order_by(Incident.id).limit(1)).first()
        t = time.perf_counter()
        if first is not None:
            window.open_incident(first)
            result["incident_form"] = "opened"
        elif "new_incident" in COMMANDS:
            window.run_command("new_incident")
            result["incident_form"] = "new"
        else:
            result["incident_form"] = "not available"
        app.processEvents()
        result["incident_form_s"] = round(time.perf_counter() - t, 3)
        if errors:
            raise SmokeFailure(errors[0])

        step = "background work"
        # Screens load data on worker threads; let them finish while their widgets still exist.
        from PySide6.QtCore import QThreadPool

        t = time.perf_counter()
        if not QThreadPool.globalInstance().waitForDone(int(TIMEOUT_S * 1000)):
            raise SmokeFailure("background work did not finish")
        app.processEvents()
        result["background_s"] = round(time.perf_counter() - t, 3)
        if errors:
            raise SmokeFailure(errors[0])

        step = "close"
        window.close()
        app.processEvents()
        # Work started before the window closed must end without touching deleted widgets.
        QThreadPool.globalInstance().waitForDone(int(TIMEOUT_S * 1000))
        app.processEvents()
        closer.stop()
        db.dispose()
        if errors:
            raise SmokeFailure(errors[0])
        result["closed_dialogs"] = closed
        result["version"] = __version__
        result["total_s"] = round(time.perf_counter() - t_begin, 3)
        result["ok"] = True
    except SmokeFailure as exc:
        result["failed"] = str(exc)
    except Exception as exc:
        result["failed"] = f"{step}: {type(exc).__name__}: {exc}"
        traceback.print_exc(file=sys.stderr)
    finally:
        with contextlib.suppress(OSError):
            tmp.cleanup()
    print(json.dumps(result, ensure_ascii=False), flush=True)
    if not result["ok"]:
        print(f"incident-desk: smoke test failed: {result.get('failed')}", file=sys.stderr)
        return 1
    return 0
