"""``backup FILE``, ``restore FILE`` and ``check``: copies of the database and its integrity."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from incident_desk.cli.parser import CliError, open_db


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    b = subparsers.add_parser("backup", parents=[common], help="write a verified copy of the database",
                              description="Write a consistent copy of the database while it is in use, and "
                                          "verify it. SQLite: the online backup API; PostgreSQL: pg_dump.")
    b.add_argument("file", type=Path, help="the new backup file (must not exist)")
    b.set_defaults(handler=cmd_backup)
    r = subparsers.add_parser("restore", parents=[common], help="replace the database with a backup",
                              description="Replace the database's content with a backup. The current state is "
                                          "backed up first. Close the app on every computer using it before.")
    r.add_argument("file", type=Path, help="a backup written by `incident-desk backup`")
    r.add_argument("--yes", action="store_true", help="do not ask for confirmation (for scripts)")
    r.set_defaults(handler=cmd_restore)
    c = subparsers.add_parser("check", parents=[common], help="check the database file's integrity")
    c.set_defaults(handler=cmd_check)


def cmd_backup(args: argparse.Namespace) -> int:
    from incident_desk import audit
    from incident_desk.actor import Actor
    from incident_desk.backup import backup

    db = open_db(args)
    info = backup(db, args.file)
    with db.transaction() as s:
        audit.record(s, Actor.system(), "export", entity="database", summary=f"Backed up to {info.path}",
                     details={"file": str(info.path), "incidents": info.incidents, "bytes": info.size})
    print(f"Backed up {info.incidents:,} incidents to {info.path} ({info.size / 1e6:.1f} MB), verified.")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from incident_desk.backup import restore

    db = open_db(args, upgrade=False)
    if not args.yes:
        if not sys.stdin.isatty():
            raise CliError("Restoring replaces the whole database: confirm with --yes when not at a terminal.")
        answer = input(f"Replace everything in {db.display_url} with {args.file}? The current state is backed "
                       "up first. [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing changed.")
            return 1
    info, safety = restore(db, args.file)
    db.dispose()
    upgraded = open_db(args)  # a backup from an older version is upgraded now
    upgraded.dispose()
    print(f"Restored {info.incidents:,} incidents from {info.path}.")
    if safety:
        print(f"The database as it was before is saved in {safety}.")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from incident_desk.backup import quick_check

    db = open_db(args, upgrade=False)
    problem = quick_check(db)
    if problem:
        raise CliError(f"The database file is damaged ({problem}). Restore the latest backup with "
                       "`incident-desk restore FILE`; automatic backups are in the backups folder of the data folder.")
    print(f"{db.display_url}: no problems found.")
    return 0
