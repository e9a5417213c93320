"""Starting the desktop app. Qt is imported only here, on demand, so the CLI stays light."""

from __future__ import annotations

import argparse
import sys


def run_gui(args: argparse.Namespace) -> int:
    from incident_desk.paths import resolve_db_url

    explicit = getattr(args, "db", None)
    if getattr(args, "smoke_test", False):
        from incident_desk.ui.smoke import run_smoke_test

        # Without --db the smoke test uses a temporary database, never the user's own.
        return run_smoke_test(resolve_db_url(explicit) if explicit else None)
    url = resolve_db_url(explicit)
    from incident_desk.ui.app import run

    return run(url)


def main() -> int:
    from incident_desk.cli import main as cli_main

    return cli_main(sys.argv[1:])
