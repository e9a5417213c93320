"""What a signature covers: a canonical serialisation of an assessment revision and its hash.

The content is the assessment revision (ratings and summary), its hazards with their
controls, the corrective actions planned in it, and the incident's key fields. Only what
the signer approved is included: an action's progress (status, evidence, verification) and
its owner and due date move on after sign-off without touching the signature; actions added
to the revision after the signature are not covered by it.

The serialisation is sorted-key, compact JSON of plain values (see ``audit.chain.jsonable``),
so the same content always gives the same bytes on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import repeat
from json import encoder as json_encoder
from operator import call, itemgetter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from incident_desk.audit.chain import canonical, jsonable
from incident_desk.incidents.models import Incident
from incident_desk.risk.models import Assessment, Control, CorrectiveAction, Hazard
from incident_desk.signoff.models import Signature

FORMAT = 1
INCIDENT_FIELDS = (
    "id",
    "reference",
    "title",
    "type_id",
    "severity_id",
    "occurred_at",
    "site_id",
    "location_id",
)
ASSESSMENT_FIELDS = (
    "id",
    "incident_id",
    "revision",
    "matrix_version_id",
    "summary",
    "overall_likelihood",
    "overall_severity",
    "overall_score",
    "overall_band",
    "author_id",
)
HAZARD_FIELDS = (
    "id",
    "position",
    "description",
    "existing_controls",
    "inherent_likelihood",
    "inherent_severity",
    "inherent_score",
    "inherent_band",
    "residual_likelihood",
    "residual_severity",
    "residual_score",
    "residual_band",
)
CONTROL_FIELDS = ("id", "description", "hierarchy", "existing")
ACTION_FIELDS = ("id", "hazard_id", "description", "action_type")
SIGNATURE_FIELDS = (
    "id",
    "assessment_id",
    "incident_id",
    "signer_id",
    "signer_name",
    "role",
    "level",
    "meaning",
    "comment",
    "signed_at",
    "content_hash",
)


def _plain(value: Any) -> Any:
    """The same plain value ``audit.chain.jsonable`` gives, for the scalar columns signed here."""
    if value is None or type(value) in (str, int, bool, float):
        return value
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="seconds")
    return jsonable(value)


def _row(row: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """Plain values of a Core row whose first columns are ``names``, in that order."""
    return {n: v if v is None or type(v) in _SCALARS else _plain(v) for n, v in zip(names, row, strict=False)}


_SCALARS = (str, int, bool, float)


@dataclass
class Bundle:
    """The rows one assessment revision's signed content is made from (loaded in bulk)."""

    incident: Any
    assessment: Any
    hazards: list[Any]
    controls: dict[int, list[Any]]
    actions: list[Any]  # every action of the revision, with created_at
    fixed: dict[str, Any] | None = None  # the part that does not depend on ``as_of``, once built
    # For ``content_hash_of``: the canonical JSON before and after the actions, and the hash per
    # set of actions included (positions in ``actions``).
    fixed_json: tuple[str, str] | None = None
    hashes: dict[tuple[int, ...], str] = field(default_factory=dict)


def load_bundles(session: Session, assessment_ids: Iterable[int]) -> dict[int, Bundle]:
    """Everything needed for the content of many revisions, in five queries (Core rows)."""
    ids = sorted(set(assessment_ids))
    if not ids:
        return {}
    a_t, i_t, h_t = Assessment.__table__, Incident.__table__, Hazard.__table__
    c_t, x_t = Control.__table__, CorrectiveAction.__table__
    assessments = {
        r.id: r
        for r in session.execute(select(*[a_t.c[f] for f in ASSESSMENT_FIELDS]).where(a_t.c.id.in_(ids)))
    }
    incidents = {
        r.id: r
        for r in session.execute(
            select(*[i_t.c[f] for f in INCIDENT_FIELDS]).where(
                i_t.c.id.in_({a.incident_id for a in assessments.values()})
            )
        )
    }
    hazards: dict[int, list[Any]] = {i: [] for i in assessments}
    for r in session.execute(
        select(*[h_t.c[f] for f in HAZARD_FIELDS], h_t.c.assessment_id)
        .where(h_t.c.assessment_id.in_(ids))
        .order_by(h_t.c.position, h_t.c.id)
    ):
        hazards[r.assessment_id].append(r)
    hazard_ids = [h.id for hs in hazards.values() for h in hs]
    controls: dict[int, list[Any]] = {h: [] for h in hazard_ids}
    for start in range(0, len(hazard_ids), 5000):
        for r in session.execute(
            select(*[c_t.c[f] for f in CONTROL_FIELDS], c_t.c.hazard_id)
            .where(c_t.c.hazard_id.in_(hazard_ids[start : start + 5000]))
            .order_by(c_t.c.id)
        ):
            controls[r.hazard_id].append(r)
    actions: dict[int, list[Any]] = {i: [] for i in assessments}
    for r in session.execute(
        select(*[x_t.c[f] for f in ACTION_FIELDS], x_t.c.assessment_id, x_t.c.created_at)
        .where(x_t.c.assessment_id.in_(ids))
        .order_by(x_t.c.id)
    ):
        actions[r.assessment_id].append(r)
    return {
        aid: Bundle(
            incidents[a.incident_id],
            a,
            hazards[aid],
            {h.id: controls[h.id] for h in hazards[aid]},
            actions[aid],
        )
        for aid, a in assessments.items()
        if a.incident_id in incidents
    }


def content_of(bundle: Bundle, *, as_of: dt.datetime | None = None) -> dict[str, Any]:
    """The signed content, as plain JSON values; ``as_of`` leaves out actions created after it."""
    if bundle.fixed is None:
        bundle.fixed = {
            "format": FORMAT,
            "incident": _row(bundle.incident, INCIDENT_FIELDS),
            "assessment": _row(bundle.assessment, ASSESSMENT_FIELDS),
            "hazards": [
                {
                    **_row(h, HAZARD_FIELDS),
                    "controls": [_row(c, CONTROL_FIELDS) for c in bundle.controls.get(h.id, [])],
                }
                for h in bundle.hazards
            ],
        }
    actions = [x for x in bundle.actions if as_of is None or x.created_at <= as_of]
    return {**bundle.fixed, "actions": [_row(x, ACTION_FIELDS) for x in actions]}


def content(session: Session, assessment_id: int, *, as_of: dt.datetime | None = None) -> dict[str, Any]:
    """The signed content of one assessment revision (see ``content_of``)."""
    session.flush()
    bundle = load_bundles(session, [assessment_id]).get(assessment_id)
    if bundle is None:
        raise LookupError(f"assessment #{assessment_id} does not exist")
    return content_of(bundle, as_of=as_of)


def content_hash(data: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(data)).hexdigest()


# -- the same hash straight from the rows ----------------------------------------------------
# ``content_hash_of`` is ``content_hash(content_of(...))`` for callers hashing many revisions
# from rows already in memory (the demo signs ~100,000). It writes the canonical JSON directly:
# keys in sorted order, compact separators, strings escaped by the json module's own function
# for ensure_ascii=False, anything but a plain str/int/bool/None through ``_plain`` and
# ``canonical``, as ``_row`` and ``canonical`` do. The part that does not depend on ``as_of`` is
# written once per revision, and the hash once per set of actions included.

_encode_str = json_encoder.encode_basestring


def _other(value: Any) -> str:
    return canonical(_plain(value)).decode()


# The JSON of a value, by its exact type (a bool is not an int here; a datetime is the string
# _plain makes of it); any other type, subclasses included, goes through _plain and canonical
# as in content_of.
_ENCODERS: dict[type, Any] = {
    str: _encode_str,
    dt.datetime: lambda v: _encode_str(_plain(v)),
    int: int.__repr__,
    bool: {True: "true", False: "false"}.__getitem__,
    type(None): {None: "null"}.__getitem__,
}
_encoder_of = _ENCODERS.get


def _layout(names: tuple[str, ...], extra: str = "") -> tuple[int, Any, str, int]:
    """How to write a row of ``names`` (and one ``extra`` key, written by the caller) as a JSON object.

    Returns the row's width, a picker of its values in sorted-key order, a %-template with one
    slot per key in that order, and the extra key's slot (-1 without one).
    """
    keys = sorted({*names, *([extra] if extra else [])})
    template = "{" + ",".join(_encode_str(k).replace("%", "%%") + ":%s" for k in keys) + "}"
    return (
        len(names),
        itemgetter(*sorted(range(len(names)), key=names.__getitem__)),
        template,
        keys.index(extra) if extra else -1,
    )


_INCIDENT = _layout(INCIDENT_FIELDS)
_ASSESSMENT = _layout(ASSESSMENT_FIELDS)
_HAZARD = _layout(HAZARD_FIELDS, "controls")
_CONTROL = _layout(CONTROL_FIELDS)
_ACTION = _layout(ACTION_FIELDS)


class _ShortRow(Exception):
    """A row with fewer values than fields (``_row`` leaves the rest out): use ``content_of``."""


def _row_json(row: Any, layout: tuple[int, Any, str, int], extra: str = "") -> str:
    width, pick, template, slot = layout
    if len(row) < width:
        raise _ShortRow
    values = pick(row)
    encoded = list(map(call, map(_encoder_of, map(type, values), repeat(_other)), values))
    if slot >= 0:
        encoded.insert(slot, extra)
    return template % tuple(encoded)


def content_hash_of(bundle: Bundle, *, as_of: dt.datetime | None = None) -> str:
    """``content_hash(content_of(bundle, as_of=as_of))``: the same bytes hashed, without building them twice."""
    included = tuple(i for i, x in enumerate(bundle.actions) if as_of is None or x.created_at <= as_of)
    digest = bundle.hashes.get(included)
    if digest is not None:
        return digest
    try:
        if bundle.fixed_json is None:
            hazards = ",".join(
                _row_json(
                    h,
                    _HAZARD,
                    "[" + ",".join(_row_json(c, _CONTROL) for c in bundle.controls.get(h.id, [])) + "]",
                )
                for h in bundle.hazards
            )
            bundle.fixed_json = (
                '{"actions":[',
                f'],"assessment":{_row_json(bundle.assessment, _ASSESSMENT)},"format":{_ENCODERS[int](FORMAT)},'
                f'"hazards":[{hazards}],"incident":{_row_json(bundle.incident, _INCIDENT)}}}',
            )
        actions = ",".join(_row_json(bundle.actions[i], _ACTION) for i in included)
    except _ShortRow:
        digest = content_hash(content_of(bundle, as_of=as_of))
    else:
        head, tail = bundle.fixed_json
        digest = hashlib.sha256((head + actions + tail).encode()).hexdigest()
    bundle.hashes[included] = digest
    return digest


def signature_fields(sig: Signature | dict[str, Any]) -> dict[str, Any]:
    get = sig.__getitem__ if isinstance(sig, dict) else lambda name: getattr(sig, name)
    values = {k: _plain(get(k)) for k in SIGNATURE_FIELDS if k != "signed_at"}
    values["signed_at"] = get("signed_at").astimezone(dt.UTC).isoformat(timespec="microseconds")
    return values


def signature_hash(sig: Signature | dict[str, Any]) -> str:
    """SHA-256 over the signature row's own fields (including ``content_hash``)."""
    return hashlib.sha256(b"signature:" + canonical(signature_fields(sig))).hexdigest()


_SIGNATURE_KEYS = tuple(sorted(SIGNATURE_FIELDS))
_SIGNATURE_TEMPLATE = "{" + ",".join(_encode_str(k) + ":%s" for k in _SIGNATURE_KEYS) + "}"
_SIGNED_AT = _SIGNATURE_KEYS.index("signed_at")
_pick_signature = itemgetter(*_SIGNATURE_KEYS)


def signature_hash_of(values: dict[str, Any]) -> str:
    """``signature_hash(values)`` for a dict of a signature's fields, written straight to canonical JSON."""
    picked = _pick_signature(values)
    encoded = list(map(call, map(_encoder_of, map(type, picked), repeat(_other)), picked))
    encoded[_SIGNED_AT] = _encode_str(
        values["signed_at"].astimezone(dt.UTC).isoformat(timespec="microseconds")
    )
    return hashlib.sha256(b"signature:" + (_SIGNATURE_TEMPLATE % tuple(encoded)).encode()).hexdigest()


@dataclass(frozen=True)
class Difference:
    part: str  # incident, assessment, hazard, action
    row_id: int | None
    field: str  # "" when the whole row was added or removed
    text: str

    def __str__(self) -> str:
        return self.text


def differences(signed: dict[str, Any], current: dict[str, Any]) -> list[Difference]:
    """What changed between two contents, in words (for ``verify``)."""
    out: list[Difference] = []
    for part in ("incident", "assessment"):
        old_part, new_part = signed.get(part, {}), current.get(part, {})
        for key in sorted(set(old_part) | set(new_part)):
            old, new = old_part.get(key), new_part.get(key)
            if old != new:
                out.append(Difference(part, new_part.get("id"), key, f"{part} {key}: {old!r} → {new!r}"))
    for part, label in (("hazards", "hazard"), ("actions", "action")):
        old_rows = {r["id"]: r for r in signed.get(part, [])}
        new_rows = {r["id"]: r for r in current.get(part, [])}
        for rid in sorted(set(old_rows) | set(new_rows)):
            o, n = old_rows.get(rid), new_rows.get(rid)
            if o is None:
                out.append(Difference(label, rid, "", f"{label} #{rid} was added"))
            elif n is None:
                desc = str(o.get("description", ""))[:40]
                out.append(Difference(label, rid, "", f"{label} #{rid} ({desc}) was removed"))
            else:
                for key in sorted(set(o) | set(n)):
                    if o.get(key) != n.get(key):
                        text = (
                            f"{label} #{rid}: controls changed"
                            if key == "controls"
                            else f"{label} #{rid} {key}: {o.get(key)!r} → {n.get(key)!r}"
                        )
                        out.append(Difference(label, rid, key, text))
    return out
