"""``init``: create or upgrade a database."""

from __future__ import annotations

import argparse
from typing import Any

from incident_desk.cli.parser import open_db


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("init", parents=[common], help="create a database, or upgrade an older one",
                              description="Create the database if it does not exist, or upgrade it to this "
                                          "version's schema (a SQLite file is backed up first).")
    p.set_defaults(handler=cmd_init)


def cmd_init(args: argparse.Namespace) -> int:
    from incident_desk.db import Database, open_database
    from incident_desk.paths import resolve_db_url

    url = resolve_db_url(getattr(args, "db", None))
    probe = Database(url)
    probe.check_connection()
    before = probe.current_revisions()
    backup = probe.upgrade()
    probe.dispose()
    db = open_database(url)
    after = db.current_revisions()
    if not before:
        print(f"Created a new database at {db.display_url}")
    elif set(before) != set(after):
        print(f"Upgraded {db.display_url} from schema {', '.join(before)} to {', '.join(after)}")
        if backup:
            print(f"The database as it was is backed up in {backup}")
    else:
        print(f"{db.display_url} is up to date (schema {', '.join(after)})")
    return 0


__all__ = ["cmd_init", "open_db"]
