"""Backups: consistent online copies, verified after writing; restore; automatic daily backups.

SQLite uses the online backup API (a consistent copy while others keep working). PostgreSQL
uses ``pg_dump`` in its custom format when the client tools are installed; without them the
server's own tooling must be used (see docs/reliability.md).
"""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from incident_desk.db.database import Database
from incident_desk.errors import DatabaseError

AUTO_PREFIX = "auto"
KEEP_DEFAULT = 7


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    incidents: int
    size: int


def _sqlite_count(path: Path) -> int:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            raise DatabaseError(f"The backup {path} failed its integrity check: {result}")
        return int(conn.execute("SELECT COUNT(*) FROM incidents").fetchone()[0])
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"The backup {path} is not a readable Incident Desk database: {exc}") from exc
    finally:
        conn.close()


def backup(db: Database, target: Path) -> BackupInfo:
    """Write a verified copy of ``db`` to ``target`` (overwriting nothing that exists)."""
    target = target.expanduser()
    if target.exists():
        raise DatabaseError(f"{target} already exists; choose a new file name.")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseError(f"Cannot write to {target.parent}: {exc.strerror}") from exc
    partial = target.with_name(target.name + ".partial")
    if db.dialect == "sqlite":
        try:
            db.backup_sqlite(partial)
        except sqlite3.Error as exc:
            partial.unlink(missing_ok=True)
            raise DatabaseError(f"The backup could not be written: {exc}") from exc
        count = _sqlite_count(partial)
        with db.reading() as s:
            from sqlalchemy import func, select

            from incident_desk.incidents.models import Incident

            live = s.execute(select(func.count()).select_from(Incident)).scalar_one()
        if count < live:
            partial.unlink(missing_ok=True)
            raise DatabaseError(f"The backup holds {count} incidents but the database {live}; it was not kept.")
    else:
        count = _pg_dump(db, partial)
    partial.replace(target)
    return BackupInfo(target, count, target.stat().st_size)


def _pg_dump(db: Database, target: Path) -> int:
    tool = shutil.which("pg_dump")
    if tool is None:
        raise DatabaseError("pg_dump is not installed on this computer. Install the PostgreSQL client tools "
                            "(Debian: postgresql-client) or back up on the server (see docs/reliability.md).")
    url = make_url(db.url)
    env = {"PGPASSWORD": url.password or ""}
    args = [tool, "--format=custom", "--no-owner", f"--file={target}", "-h", url.host or "localhost",
            "-p", str(url.port or 5432), "-U", url.username or "", url.database or ""]
    import os

    proc = subprocess.run(args, capture_output=True, text=True, env={**os.environ, **env}, timeout=3600)
    if proc.returncode != 0:
        target.unlink(missing_ok=True)
        raise DatabaseError(f"pg_dump failed: {proc.stderr.strip().splitlines()[-1] if proc.stderr else proc.returncode}")
    listing = subprocess.run([shutil.which("pg_restore") or "pg_restore", "--list", str(target)],
                             capture_output=True, text=True, timeout=600)
    if listing.returncode != 0 or "TABLE DATA public incidents" not in listing.stdout:
        target.unlink(missing_ok=True)
        raise DatabaseError("The dump could not be read back by pg_restore; it was not kept.")
    with db.reading() as s:
        from sqlalchemy import func, select

        from incident_desk.incidents.models import Incident

        return int(s.execute(select(func.count()).select_from(Incident)).scalar_one())


def restore(db: Database, source: Path, *, safety_copy_dir: Path | None = None) -> tuple[BackupInfo, Path | None]:
    """Replace the database's content with ``source``, after backing up the current state.

    Returns what was restored and where the safety copy of the previous state went.
    """
    source = source.expanduser()
    if not source.is_file():
        raise DatabaseError(f"{source} does not exist.")
    from incident_desk.paths import backup_dir

    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = safety_copy_dir or backup_dir()
    if db.dialect == "sqlite":
        count = _sqlite_count(source)
        safety = backup(db, folder / f"before-restore.{stamp}.sqlite3")
        db.dispose()
        live = db.sqlite_path()
        assert live is not None
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        dst = sqlite3.connect(str(live))
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
        restored = _sqlite_count(live)
        if restored != count:
            raise DatabaseError(f"Restore incomplete: {restored} of {count} incidents. The previous state is in "
                                f"{safety.path}.")
        return BackupInfo(source, count, source.stat().st_size), safety.path
    tool = shutil.which("pg_restore")
    if tool is None:
        raise DatabaseError("pg_restore is not installed on this computer (Debian: postgresql-client).")
    safety_pg = backup(db, folder / f"before-restore.{stamp}.dump")
    db.dispose()
    url = make_url(db.url)
    import os

    proc = subprocess.run([tool, "--clean", "--if-exists", "--no-owner", "--single-transaction", "-h",
                           url.host or "localhost", "-p", str(url.port or 5432), "-U", url.username or "",
                           "-d", url.database or "", str(source)], capture_output=True, text=True,
                          env={**os.environ, "PGPASSWORD": url.password or ""}, timeout=3600)
    if proc.returncode != 0:
        raise DatabaseError(f"pg_restore failed (nothing was changed): {proc.stderr.strip()[-300:]}")
    with db.reading() as s:
        from sqlalchemy import func, select

        from incident_desk.incidents.models import Incident

        count = int(s.execute(select(func.count()).select_from(Incident)).scalar_one())
    return BackupInfo(source, count, source.stat().st_size), safety_pg.path


def automatic_backup(db: Database, *, keep: int = KEEP_DEFAULT, folder: Path | None = None,
                     now: dt.datetime | None = None) -> Path | None:
    """Once a day, copy the local SQLite database; keep the newest ``keep`` copies."""
    live = db.sqlite_path()
    if live is None:
        return None
    from incident_desk.paths import backup_dir

    folder = folder or backup_dir()
    now = now or dt.datetime.now()
    pattern = f"{live.stem}.{AUTO_PREFIX}.*.sqlite3"
    existing = sorted(folder.glob(pattern))
    today = now.strftime("%Y%m%d")
    made = None
    if not any(p.name.split(".")[-2].startswith(today) for p in existing):
        made = backup(db, folder / f"{live.stem}.{AUTO_PREFIX}.{now:%Y%m%d-%H%M%S}.sqlite3").path
        existing = sorted(folder.glob(pattern))
    for old in existing[:-keep] if keep > 0 else []:
        old.unlink(missing_ok=True)
    return made


def quick_check(db: Database) -> str | None:
    """SQLite's quick integrity check; returns a problem description or None when fine."""
    live = db.sqlite_path()
    if live is None:
        return None
    try:
        conn = sqlite3.connect(f"file:{live}?mode=ro", uri=True)
        try:
            result = conn.execute("PRAGMA quick_check").fetchall()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return str(exc)
    problems = [r[0] for r in result if r[0] != "ok"]
    return "; ".join(problems[:5]) if problems else None
