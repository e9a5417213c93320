"""Argument parsing, the command registry and turning errors into one clear line."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Callable, Sequence
from typing import Any

from incident_desk import __version__
from incident_desk.errors import IncidentDeskError

# Each module defines ``register(subparsers, common)`` and sets ``handler`` on its parsers.
COMMAND_MODULES = [
    "incident_desk.cli.db_commands",
    "incident_desk.cli.users_command",
    "incident_desk.cli.demo_command",
    "incident_desk.cli.import_command",
    "incident_desk.cli.matrix_command",
    "incident_desk.cli.notify_command",
    "incident_desk.cli.backup_command",
    "incident_desk.cli.verify_command",
    "incident_desk.cli.report_command",
    "incident_desk.cli.export_command",
    "incident_desk.cli.metrics_command",
]

Handler = Callable[[argparse.Namespace], int | None]


class CliError(IncidentDeskError):
    """A problem with what was asked on the command line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # one line and exit 2, as argparse does, without the usage dump
        self.exit(2, f"{self.prog}: error: {message}\n(see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", metavar="URL", default=argparse.SUPPRESS,
                        help="database to use: a SQLite file path or URL, or postgresql+psycopg://user:pass@host/db "
                             "(default: $INCIDENT_DESK_DB, else the file in your data folder)")
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                        help="log what is being done")
    parser = _Parser(prog="incident-desk", parents=[common],
                     description="Incident Desk: workplace incident management. Without a command, starts the app.")
    parser.add_argument("--version", action="version",
                        version=f"incident-desk {__version__}")
    parser.add_argument("--smoke-test", action="store_true",
                        help="start the app offscreen, visit every screen, print timings as JSON and exit")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if getattr(args, "verbose", False) else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    handler: Handler | None = getattr(args, "handler", None)
    try:
        if handler is None:
            from incident_desk.app import run_gui

            return run_gui(args)
        return handler(args) or 0
    except IncidentDeskError as exc:
        print(f"incident-desk: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("incident-desk: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug: keep the traceback in the log, give the user one line
        path = log_exception()
        print(f"incident-desk: unexpected error: {type(exc).__name__}: {exc} (details in {path})", file=sys.stderr)
        return 70


def log_exception() -> str:
    import traceback

    from incident_desk.paths import log_dir

    try:
        folder = log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "cli-errors.log"
        with path.open("a", encoding="utf-8") as fh:
            fh.write(traceback.format_exc() + "\n")
        return str(path)
    except OSError:
        return "standard error (the log folder is not writable)"


def open_db(args: argparse.Namespace, *, upgrade: bool = True) -> Any:
    """The database named by --db / $INCIDENT_DESK_DB / the default, created or upgraded."""
    from incident_desk.db import open_database
    from incident_desk.paths import resolve_db_url

    return open_database(resolve_db_url(getattr(args, "db", None)), upgrade=upgrade)
