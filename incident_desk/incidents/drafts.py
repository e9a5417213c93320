"""Unsaved incident forms kept on disk, so a crash or power cut never loses what was typed.

A draft is one JSON file in ``paths.drafts_dir()``, written atomically (temporary file, fsync,
rename): after a crash the file holds either the previous draft or the new one, never half
of one. Drafts remember the database and the user they belong to, so a draft typed against
one database is never offered in another.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from incident_desk import paths

log = logging.getLogger(__name__)

FORMAT = 1
_KEY = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")


@dataclass(frozen=True)
class Draft:
    key: str
    db_url: str
    user_id: int | None
    incident_id: int | None
    title: str
    saved_at: dt.datetime
    payload: dict[str, Any]

    @property
    def label(self) -> str:
        what = self.title.strip() or "Untitled incident"
        return what if self.incident_id is None else f"{what} (changes to a saved incident)"


def _dir(folder: Path | None) -> Path:
    return folder if folder is not None else paths.drafts_dir()


def _path(key: str, folder: Path | None) -> Path:
    if not _KEY.match(key):
        raise ValueError(f"not a valid draft key: {key!r}")
    return _dir(folder) / f"{key}.json"


def save(
    key: str,
    *,
    db_url: str,
    user_id: int | None,
    incident_id: int | None,
    title: str,
    payload: dict[str, Any],
    folder: Path | None = None,
) -> Path:
    """Write the draft atomically; returns its path."""
    target = _path(key, folder)
    target.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "format": FORMAT,
        "key": key,
        "db_url": db_url,
        "user_id": user_id,
        "incident_id": incident_id,
        "title": title,
        "saved_at": dt.datetime.now(dt.UTC).isoformat(),
        "payload": payload,
    }
    fd, tmp = tempfile.mkstemp(prefix=f".{key}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(document, fh, ensure_ascii=False)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def _read(path: Path) -> Draft | None:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        return Draft(
            key=doc["key"],
            db_url=doc["db_url"],
            user_id=doc.get("user_id"),
            incident_id=doc.get("incident_id"),
            title=doc.get("title", ""),
            saved_at=dt.datetime.fromisoformat(doc["saved_at"]),
            payload=doc["payload"],
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("ignoring unreadable draft %s: %s", path, exc)
        return None


def load(key: str, folder: Path | None = None) -> Draft | None:
    path = _path(key, folder)
    return _read(path) if path.exists() else None


def list_drafts(
    *, db_url: str | None = None, user_id: int | None = None, folder: Path | None = None
) -> list[Draft]:
    """Drafts for this database and user, newest first."""
    directory = _dir(folder)
    if not directory.is_dir():
        return []
    found = []
    for path in directory.glob("*.json"):
        draft = _read(path)
        if draft is None:
            continue
        if db_url is not None and draft.db_url != db_url:
            continue
        if user_id is not None and draft.user_id != user_id:
            continue
        found.append(draft)
    return sorted(found, key=lambda d: d.saved_at, reverse=True)


def discard(key: str, folder: Path | None = None) -> None:
    _path(key, folder).unlink(missing_ok=True)
