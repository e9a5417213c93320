"""Where Incident Desk keeps its files: the data folder, logs, backups and drafts."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from incident_desk import APP_NAME

_APP_DIR_NAME = "incident-desk"
DB_ENV = "INCIDENT_DESK_DB"
DATA_ENV = "INCIDENT_DESK_DATA_DIR"


def data_dir() -> Path:
    """The user's data folder (overridable with INCIDENT_DESK_DATA_DIR, which tests use)."""
    override = os.environ.get(DATA_ENV)
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir(_APP_DIR_NAME, appauthor=False))


def log_dir() -> Path:
    override = os.environ.get(DATA_ENV)
    if override:
        return Path(override) / "logs"
    return Path(platformdirs.user_log_dir(_APP_DIR_NAME, appauthor=False))


def backup_dir() -> Path:
    return data_dir() / "backups"


def drafts_dir() -> Path:
    return data_dir() / "drafts"


def default_db_path() -> Path:
    return data_dir() / "incident-desk.sqlite3"


def default_db_url() -> str:
    """The URL used when neither --db nor INCIDENT_DESK_DB is given."""
    return f"sqlite:///{default_db_path()}"


def resolve_db_url(explicit: str | None = None) -> str:
    """--db beats INCIDENT_DESK_DB beats the default file; a bare path means a SQLite file."""
    url = explicit or os.environ.get(DB_ENV) or default_db_url()
    if "://" not in url:
        url = f"sqlite:///{Path(url).expanduser().resolve()}"
    return url


def resources_dir() -> Path:
    """The shipped resources (icons, fonts, risk matrix templates), in the source tree or a bundle."""
    import sys

    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


__all__ = ["APP_NAME", "data_dir", "default_db_url", "log_dir", "resolve_db_url", "resources_dir"]
