"""A small in-process event hook: services announce what happened, inside their transaction.

Subscribers (notifications, search indexing) run in the same transaction, so an alert is
queued if and only if the change that caused it is committed.
"""

from __future__ import annotations

import importlib
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

Handler = Callable[..., None]
_handlers: dict[str, list[Handler]] = defaultdict(list)
# Modules that subscribe on import; loaded on the first emit.
SUBSCRIBER_MODULES: list[str] = [
    "incident_desk.notify.subscribers",
    "incident_desk.risk.subscribers",
]
_loaded = False


def subscribe(event: str) -> Callable[[Handler], Handler]:
    def deco(fn: Handler) -> Handler:
        if fn not in _handlers[event]:
            _handlers[event].append(fn)
        return fn

    return deco


def _load() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        for name in SUBSCRIBER_MODULES:
            importlib.import_module(name)


def emit(session: Session, event: str, **payload: Any) -> None:
    _load()
    for handler in list(_handlers.get(event, ())):
        handler(session, **payload)
