"""Backups and restores: a verified round trip with attachments, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from incident_desk.backup import automatic_backup, backup, quick_check, restore
from incident_desk.cli import main
from incident_desk.errors import DatabaseError
from incident_desk.incidents import service
from incident_desk.incidents.models import Attachment, Incident


def _state(db):
    with db.reading() as s:
        return (s.execute(select(func.count()).select_from(Incident)).scalar_one(),
                sorted(s.scalars(select(Attachment.blob_sha256))))


def test_backup_and_restore_round_trip(db, actors, make_incident, tmp_path):
    iid = make_incident()
    with db.transaction() as s:
        service.add_attachment(s, actors["officer"], iid, kind="photo", data=b"\x89PNG fake photo", mime_type="image/png")
    before = _state(db)
    suffix = "sqlite3" if db.dialect == "sqlite" else "dump"
    info = backup(db, tmp_path / f"copy.{suffix}")
    assert info.incidents == 1 and info.path.exists()
    with pytest.raises(DatabaseError, match="already exists"):
        backup(db, info.path)
    # Changes after the backup...
    make_incident(title="After the backup")
    with db.transaction() as s:
        service.add_attachment(s, actors["officer"], iid, kind="photo", data=b"another", mime_type="image/png")
    assert _state(db) != before
    # ...are undone by the restore, and the state before the restore is kept aside.
    restored, safety = restore(db, info.path, safety_copy_dir=tmp_path / "safety")
    assert restored.incidents == 1 and safety is not None and safety.exists()
    assert _state(db) == before
    with db.reading() as s:
        att = s.scalars(select(Attachment)).one()
        assert service.attachment_bytes(s, att.id) == b"\x89PNG fake photo"


def test_cli_backup_restore_needs_confirmation(db_url, db, make_incident, tmp_path, capsys, monkeypatch):
    make_incident()
    suffix = "sqlite3" if db.dialect == "sqlite" else "dump"
    target = tmp_path / f"cli.{suffix}"
    assert main(["backup", str(target), "--db", db_url]) == 0
    assert "Backed up 1 incidents" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", open("/dev/null"))  # noqa: SIM115 - closed by pytest's monkeypatch teardown
    assert main(["restore", str(target), "--db", db_url]) == 1
    assert "--yes" in capsys.readouterr().err
    assert main(["restore", str(target), "--yes", "--db", db_url]) == 0
    assert "Restored 1 incidents" in capsys.readouterr().out


def test_restore_refuses_a_file_that_is_not_a_backup(sqlite_db, tmp_path):
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"garbage" * 1000)
    with pytest.raises(DatabaseError, match="not a readable Incident Desk database"):
        restore(sqlite_db, junk, safety_copy_dir=tmp_path)


def test_automatic_backups_once_a_day_keeping_the_newest(sqlite_db, tmp_path):
    folder = tmp_path / "auto"
    day = dt.datetime(2026, 11, 1, 9, 0)
    made = [automatic_backup(sqlite_db, keep=3, folder=folder, now=day + dt.timedelta(days=i)) for i in range(5)]
    assert all(made)
    assert automatic_backup(sqlite_db, keep=3, folder=folder, now=day + dt.timedelta(days=4, hours=3)) is None
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) == 3
    assert names[0].endswith(".auto.20261103-090000.sqlite3") and names[-1].endswith(".auto.20261105-090000.sqlite3")


def test_quick_check_reports_a_damaged_file(sqlite_db, tmp_path, capsys):
    assert quick_check(sqlite_db) is None
    path = sqlite_db.sqlite_path()
    sqlite_db.dispose()
    data = bytearray(path.read_bytes())
    # Overwrite a stretch of pages in the middle of the file.
    start = len(data) // 2
    data[start:start + 8192] = b"\xff" * 8192
    path.write_bytes(bytes(data))
    problem = quick_check(sqlite_db)
    assert problem
    assert main(["check", "--db", str(path)]) == 1
    assert "damaged" in capsys.readouterr().err
