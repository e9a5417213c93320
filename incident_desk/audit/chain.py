"""Appending to and verifying the hash-chained audit trail.

Each event's hash is SHA-256 over a canonical JSON of its fields and the previous event's
hash. The head of the chain lives in the ``counters`` row ``audit``; bumping it with
UPDATE … RETURNING both numbers the event and serialises concurrent writers (a row lock on
PostgreSQL, the write lock on SQLite), so two clients can never fork the chain.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from incident_desk.actor import Actor
from incident_desk.audit.models import AuditEvent, Counter
from incident_desk.db.base import utcnow
from incident_desk.db.bulk import insert_rows

GENESIS = "0" * 64
HEAD = "audit"


_PLAIN = (str, int, float, bool)


def jsonable(value: Any) -> Any:
    """Plain JSON types only, so what is stored is exactly what was hashed."""
    if value is None or type(value) in _PLAIN:
        return value
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


# One encoder for every call: ``json.dumps`` with these arguments builds a new one each time.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
HASHED = ("seq", "at", "user_id", "user_name", "kind", "entity", "entity_id", "incident_id", "summary", "details")


def canonical(data: Any) -> bytes:
    """Canonical JSON of data already passed through ``jsonable``."""
    return _CANONICAL.encode(data).encode()


def _hashed_at(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def event_hash(fields: dict[str, Any], prev_hash: str) -> str:
    payload = {k: fields[k] for k in HASHED}
    payload["at"] = _hashed_at(payload["at"])
    return hashlib.sha256(prev_hash.encode() + canonical(payload)).hexdigest()


@dataclass
class PendingEvent:
    kind: str
    entity: str = ""
    entity_id: int | None = None
    incident_id: int | None = None
    summary: str = ""
    details: dict[str, Any] | None = None
    at: dt.datetime | None = None
    user_id: int | None = None
    user_name: str = ""


def _claim(session: Session, count: int) -> tuple[int, str]:
    """Reserve ``count`` sequence numbers; returns (first seq, hash of the event before it)."""
    row = session.execute(
        update(Counter).where(Counter.name == HEAD).values(value=Counter.value + count)
        .returning(Counter.value, Counter.text)
    ).one_or_none()
    if row is None:
        session.add(Counter(name=HEAD, value=0, text=GENESIS))
        session.flush()
        return _claim(session, count)
    last, prev_hash = row
    return last - count + 1, prev_hash or GENESIS


def record(session: Session, actor: Actor, kind: str, *, entity: str = "", entity_id: int | None = None,
           incident_id: int | None = None, summary: str = "", details: dict[str, Any] | None = None,
           at: dt.datetime | None = None) -> AuditEvent:
    """Append one event, in the caller's transaction."""
    event = PendingEvent(kind, entity, entity_id, incident_id, summary, details, at, actor.user_id, actor.name)
    return append_many(session, [event], return_objects=True)[0]


def append_many(session: Session, events: Iterable[PendingEvent], *,
                return_objects: bool = False) -> list[AuditEvent]:
    """Append events in order with one counter bump and one bulk insert (used by demo and import)."""
    batch = list(events)
    if not batch:
        return []
    first, prev = _claim(session, len(batch))
    if return_objects:
        rows: list[dict[str, Any]] = []
        for offset, ev in enumerate(batch):
            fields: dict[str, Any] = {
                "seq": first + offset,
                "at": ev.at or utcnow(),
                "user_id": ev.user_id,
                "user_name": ev.user_name,
                "kind": ev.kind,
                "entity": ev.entity,
                "entity_id": ev.entity_id,
                "incident_id": ev.incident_id,
                "summary": ev.summary,
                "details": jsonable(ev.details or {}),
            }
            fields["prev_hash"] = prev
            fields["hash"] = prev = event_hash(fields, prev)
            rows.append(fields)
        session.execute(update(Counter).where(Counter.name == HEAD).values(text=prev))
        objs = [AuditEvent(**r) for r in rows]
        session.add_all(objs)
        session.flush()
        return objs
    sqlite = session.get_bind().dialect.name == "sqlite"
    chained, last = chain_rows(batch, first, prev, details_as_text=sqlite)
    set_head(session, last)
    insert_rows(session, AuditEvent.__table__, COLUMNS, chained, raw=("details",) if sqlite else ())
    return []


def claim(session: Session, count: int) -> tuple[int, str]:
    """Reserve ``count`` sequence numbers; returns (first seq, hash of the event before it).

    For a writer that hashes its events in several steps (``chain_rows``) within one
    transaction and then calls ``set_head`` with the last hash, as ``append_many`` does at once.
    """
    return _claim(session, count)


def set_head(session: Session, last_hash: str, last_seq: int | None = None) -> None:
    """Record the hash (and, for events not claimed in advance, the number) of the last event."""
    values: dict[str, Any] = {"text": last_hash}
    if last_seq is not None:
        values["value"] = last_seq
    session.execute(update(Counter).where(Counter.name == HEAD).values(**values))


def chain_rows(
    events: Sequence[PendingEvent], first_seq: int, prev: str, *, details_as_text: bool = False
) -> tuple[list[tuple[Any, ...]], str]:
    """Rows for ``audit_events`` (in ``COLUMNS`` order) chained on from ``prev``, and the last hash.

    The hash is ``event_hash``'s, with the canonical JSON of each event written out directly
    (keys in sorted order, values escaped by the json module's own functions). With
    ``details_as_text`` (SQLite) the details column gets that canonical JSON text as stored,
    rather than a second encoding.
    """
    rows: list[tuple[Any, ...]] = []
    append = rows.append
    encode = _CANONICAL.encode
    sha256 = hashlib.sha256
    hashed_at: dict[dt.datetime, str] = {}
    for seq, ev in enumerate(events, first_seq):
        at = ev.at or utcnow()
        at_json = hashed_at.get(at)
        if at_json is None:
            at_json = hashed_at[at] = _scalar(_hashed_at(at))
        details = ev.details
        if not details:
            details, details_json = {}, "{}"
        elif _is_plain(details):
            details_json = _encode_flat(details)
        else:
            details = jsonable(details)
            details_json = encode(details)
        text = (
            f'{{"at":{at_json},"details":{details_json},"entity":{_scalar(ev.entity)},'
            f'"entity_id":{_scalar(ev.entity_id)},"incident_id":{_scalar(ev.incident_id)},'
            f'"kind":{_scalar(ev.kind)},"seq":{_scalar(seq)},"summary":{_scalar(ev.summary)},'
            f'"user_id":{_scalar(ev.user_id)},"user_name":{_scalar(ev.user_name)}}}'
        )
        digest = sha256((prev + text).encode()).hexdigest()
        append(
            (
                seq,
                at,
                ev.user_id,
                ev.user_name,
                ev.kind,
                ev.entity,
                ev.entity_id,
                ev.incident_id,
                ev.summary,
                details_json if details_as_text else details,
                prev,
                digest,
            )
        )
        prev = digest
    return rows, prev


_encode_string = json.encoder.encode_basestring  # what the canonical encoder uses for strings

# The canonical encoder's own C core, for flat dicts of plain values (which cannot be circular):
# the same text as ``_CANONICAL.encode`` without its per-call set-up in Python.
_c_make_encoder = getattr(json.encoder, "c_make_encoder", None)
_FLAT = (
    _c_make_encoder(None, _CANONICAL.default, _encode_string, None, ":", ",", True, False, True)
    if _c_make_encoder is not None
    else None
)


def _encode_flat(details: dict[str, Any]) -> str:
    if _FLAT is None:  # pragma: no cover - Python without the json C accelerator
        return _CANONICAL.encode(details)
    return "".join(_FLAT(details, 0))


def _scalar(value: Any) -> str:
    """``canonical(value)`` as text, quickly for the usual strings, whole numbers and None."""
    kind = type(value)
    if kind is str:
        return _encode_string(value)
    if kind is int:
        return int.__repr__(value)
    if value is None:
        return "null"
    return _CANONICAL.encode(value)


COLUMNS = ("seq", "at", "user_id", "user_name", "kind", "entity", "entity_id", "incident_id", "summary",
            "details", "prev_hash", "hash")


def _is_plain(details: dict[str, Any]) -> bool:
    """A flat dict of strings, numbers, booleans and None: ``jsonable`` would return an equal copy."""
    if type(details) is not dict:
        return False
    for key, value in details.items():
        if type(key) is not str or not (value is None or type(value) in _PLAIN):
            return False
    return True


@dataclass(frozen=True)
class ChainProblem:
    seq: int | None
    event_id: int | None
    message: str


def verify_chain(session: Session, *, batch: int = 5000) -> Iterator[ChainProblem]:
    """Recompute the chain; yields a problem for the first break found (and stops there)."""
    prev = GENESIS
    expected_seq = 1
    stmt = select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=batch)
    last_seq = 0
    for ev in session.scalars(stmt):
        if ev.seq != expected_seq:
            yield ChainProblem(ev.seq, ev.id, f"audit events {expected_seq}–{ev.seq - 1} are missing (deleted?) "
                                              f"before event #{ev.seq}")
            return
        if ev.prev_hash != prev:
            yield ChainProblem(ev.seq, ev.id, f"audit event #{ev.seq} does not follow on from event #{ev.seq - 1}")
            return
        fields = {c: getattr(ev, c) for c in (
            "seq", "at", "user_id", "user_name", "kind", "entity", "entity_id", "incident_id", "summary", "details")}
        if event_hash(fields, prev) != ev.hash:
            yield ChainProblem(ev.seq, ev.id, f"audit event #{ev.seq} ({ev.kind} {ev.entity} {ev.entity_id or ''}, "
                                              f"{ev.at:%Y-%m-%d %H:%M}) was altered after it was recorded")
            return
        prev = ev.hash
        expected_seq += 1
        last_seq = ev.seq
    head = session.execute(select(Counter.value, Counter.text).where(Counter.name == HEAD)).one_or_none()
    if head is not None and (head.value != last_seq or (last_seq and head.text != prev)):
        yield ChainProblem(None, None, f"the audit trail ends at event #{last_seq} but event #{head.value} was "
                                       "recorded: the latest events were deleted")
