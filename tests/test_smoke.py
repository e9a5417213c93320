"""``incident-desk --smoke-test`` on the source tree: every screen visited, JSON timings, failures named."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, code: str | None = None, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "INCIDENT_DESK_DATA_DIR": str(tmp_path / "data")}
    cmd = [sys.executable, "-c", code] if code else [sys.executable, "-m", "incident_desk", *args]
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def last_json(stdout: str) -> dict:
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    assert len(lines) == 1, stdout
    return json.loads(lines[0])


def test_smoke_test_on_a_given_database(tmp_path: Path) -> None:
    from incident_desk.ui.main_window import SCREENS

    db = tmp_path / "smoke.sqlite3"
    proc = run("--smoke-test", "--db", f"sqlite:///{db}", tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    result = last_json(proc.stdout)
    assert result["ok"] is True
    assert set(result["screens"]) == {s.key for s in SCREENS}
    assert all(isinstance(v, float) for v in result["screens"].values())
    assert result["startup_s"] > 0 and result["database"].endswith("smoke.sqlite3")
    assert db.exists()  # the given database was used (and created)


def test_smoke_test_without_db_uses_a_temporary_database(tmp_path: Path) -> None:
    proc = run("--smoke-test", tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert last_json(proc.stdout)["database"] == "temporary"
    assert not (tmp_path / "data" / "incident-desk.sqlite3").exists()  # the default database was not touched


def test_a_failing_screen_fails_the_smoke_test_and_is_named(tmp_path: Path) -> None:
    code = (
        "import sys, incident_desk.ui.main_window as m\n"
        "m.SCREENS.append(m.ScreenSpec('broken', 'Broken', 'Ctrl+9', 'incident_desk.no_such_module:make'))\n"
        "from incident_desk.ui.smoke import run_smoke_test\n"
        "sys.exit(run_smoke_test(None))\n"
    )
    proc = run(code=code, tmp_path=tmp_path)
    assert proc.returncode == 1
    result = last_json(proc.stdout)
    assert result["ok"] is False
    assert result["failed"].startswith("screen broken: ModuleNotFoundError")
    assert "smoke test failed: screen broken" in proc.stderr


def test_missing_resources_are_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from incident_desk import paths
    from incident_desk.ui import smoke

    assert smoke.check_resources() == []
    monkeypatch.setattr(paths, "resources_dir", lambda: tmp_path)
    missing = smoke.check_resources()
    assert any("incident-desk.svg" in m for m in missing)
    assert any("risk_matrices" in m for m in missing)


def test_the_quick_schema_check_agrees_with_alembic(tmp_path: Path) -> None:
    """Start-up skips Alembic for an up-to-date database; the quick check must see what Alembic sees."""
    from incident_desk.db import Database, open_database
    from incident_desk.db.database import head_revisions, script_heads

    assert script_heads() == frozenset(head_revisions())
    url = f"sqlite:///{tmp_path / 'quick.sqlite3'}"
    open_database(url).dispose()
    db = Database(url)
    assert db.is_up_to_date()
    with db.engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE alembic_version SET version_num = '0001_foundation' "
            "WHERE version_num = (SELECT MIN(version_num) FROM alembic_version)"
        )
    assert not db.is_up_to_date()
    db.dispose()
    assert not Database(f"sqlite:///{tmp_path / 'empty.sqlite3'}").is_up_to_date()


def test_desktop_integration_files_match_the_package() -> None:
    import re
    import xml.etree.ElementTree as ET

    from incident_desk import APP_ID, APP_NAME

    desktop = (ROOT / "resources" / f"{APP_ID}.desktop").read_text(encoding="utf-8")
    entries = dict(line.split("=", 1) for line in desktop.splitlines() if "=" in line)
    assert (
        entries["Name"] == APP_NAME
        and entries["Icon"] == APP_ID
        and entries["Exec"].startswith("incident-desk")
    )
    meta = ET.parse(ROOT / "resources" / f"{APP_ID}.metainfo.xml").getroot()
    assert meta.findtext("id") == APP_ID
    assert meta.find("launchable").text == f"{APP_ID}.desktop"
    images = [img.text for img in meta.iter("image")]
    assert images, "the metainfo lists no screenshots"
    for url in images:
        name = re.search(r"docs/images/([\w.-]+\.png)$", url).group(1)
        assert (ROOT / "docs" / "images" / name).is_file(), f"screenshot {name} is not in docs/images"
    for size in (16, 22, 24, 32, 48, 64, 128, 256):
        png = ROOT / "resources" / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = (
            int.from_bytes(png.read_bytes()[16:20], "big"),
            int.from_bytes(png.read_bytes()[20:24], "big"),
        )
        assert (width, height) == (size, size)
