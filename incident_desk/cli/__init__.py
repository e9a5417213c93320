"""The command line: ``incident-desk`` alone starts the app; subcommands serve administrators and scripts."""

from __future__ import annotations

from incident_desk.cli.parser import main

__all__ = ["main"]
