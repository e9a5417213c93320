"""Checking signatures: recompute what each one covers and compare with what was signed.

Three checks per signature: the row's own hash (were signer, time, meaning or comment
edited?), the content hash (does the assessment, its hazards, controls, actions and the
incident's key fields still read as they did when signed?), and the audit trail (the
sign-off event recorded the signature's hashes and the signed content, so a signature
deleted, or edited and re-hashed, is caught, and a content change can be named).

A change to an incident's key fields or to a planned action made through the app after
signing is audited; such a signature is reported as a note ("the signature covers the earlier version"), not as tampering.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from incident_desk.audit.models import AuditEvent
from incident_desk.incidents.models import Incident
from incident_desk.signoff import canonical
from incident_desk.signoff.models import Signature


@dataclass(frozen=True)
class SignatureProblem:
    signature_id: int
    reference: str
    message: str
    tampered: bool = True  # False: changed through the app (audited) after signing


def _describe(sig: Signature, reference: str) -> str:
    return (
        f"signature #{sig.id} ({sig.meaning} by {sig.signer_name}, {sig.signed_at:%Y-%m-%d %H:%M} UTC, "
        f"{reference or 'incident #' + str(sig.incident_id)})"
    )


def _audited_changes(session: Session, entity: str, entity_id: int, since: Any) -> dict[str, Any] | None:
    """Field -> latest value set through the app after ``since``; None when nothing was audited.

    An update audited without field details (``{}``) still shows the row was changed in the app.
    """
    latest: dict[str, Any] | None = None
    for details in session.scalars(
        select(AuditEvent.details)
        .where(
            AuditEvent.entity == entity,
            AuditEvent.entity_id == entity_id,
            AuditEvent.kind == "update",
            AuditEvent.at > since,
        )
        .order_by(AuditEvent.seq)
    ):
        latest = latest if latest is not None else {}
        for key, pair in ((details or {}).get("changes") or {}).items():
            if isinstance(pair, list) and len(pair) == 2:
                latest[key] = pair[1]
    return latest


def _explained(
    session: Session, sig: Signature, changes: list[canonical.Difference], current: dict[str, Any]
) -> bool:
    """True when every difference is an audited in-app change to the incident or an action.

    The assessment, its hazards and controls never change after signing (the revision is
    locked), so any difference there is unexplained.
    """
    for d in changes:
        if d.part == "incident" and d.row_id is not None:
            audited = _audited_changes(session, "incident", d.row_id, sig.signed_at)
            if (
                audited is None
                or d.field not in audited
                or not _same(audited[d.field], current["incident"].get(d.field))
            ):
                return False
        elif d.part == "action" and d.field and d.row_id is not None:
            if _audited_changes(session, "action", d.row_id, sig.signed_at) is None:
                return False
        else:
            return False
    return True


class _Checked:
    """A signature row (plain values) with the content its assessment has now."""

    def __init__(self, row: Any, current: dict[str, Any] | None) -> None:
        for name in (*canonical.SIGNATURE_FIELDS, "signature_hash"):
            setattr(self, name, getattr(row, name))
        self.current = current


def _signatures_with_content(session: Session, batch: int) -> Iterator[Any]:
    """Signatures in id order, a batch at a time, each with its revision's content recomputed."""
    table = Signature.__table__
    last = 0
    while True:
        rows = session.execute(select(table).where(table.c.id > last).order_by(table.c.id).limit(batch)).all()
        if not rows:
            return
        bundles = canonical.load_bundles(session, {r.assessment_id for r in rows})
        for r in rows:
            bundle = bundles.get(r.assessment_id)
            yield _Checked(r, canonical.content_of(bundle, as_of=r.signed_at) if bundle else None)
        last = rows[-1].id


def verify_signatures(session: Session, *, batch: int = 5000) -> Iterator[SignatureProblem]:
    recorded: dict[int, dict[str, Any]] = {}
    for seq, entity_id, details in session.execute(
        select(AuditEvent.seq, AuditEvent.entity_id, AuditEvent.details).where(
            AuditEvent.entity == "signature", AuditEvent.kind.in_(("sign_off", "reject"))
        )
    ):
        if entity_id is not None:
            recorded[int(entity_id)] = {**(details or {}), "_seq": seq}
    refs = dict(
        session.execute(
            select(Incident.id, Incident.reference).where(
                Incident.id.in_(select(Signature.incident_id).distinct())
            )
        ).all()
    )
    seen: set[int] = set()
    for sig in _signatures_with_content(session, batch):
        seen.add(sig.id)
        ref = refs.get(sig.incident_id, "")
        what = _describe(sig, ref)
        if canonical.signature_hash(sig) != sig.signature_hash:
            yield SignatureProblem(
                sig.id,
                ref,
                f"{what}: the signature record itself was altered "
                "(signer, time, meaning, comment or hash edited)",
            )
            continue
        audit_row = recorded.get(sig.id)
        if audit_row is not None and audit_row.get("signature_hash") not in (None, sig.signature_hash):
            yield SignatureProblem(
                sig.id,
                ref,
                f"{what}: differs from the signature recorded in audit event "
                f"#{audit_row['_seq']} (edited and re-hashed)",
            )
            continue
        current = sig.current
        if current is None:
            yield SignatureProblem(sig.id, ref, f"{what}: the signed assessment was deleted")
            continue
        if canonical.content_hash(current) == sig.content_hash:
            continue
        signed = (audit_row or {}).get("content")
        changes = canonical.differences(signed, current) if isinstance(signed, dict) else []
        detail = (
            "; ".join(str(c) for c in changes[:5])
            + (f" and {len(changes) - 5} more" if len(changes) > 5 else "")
            if changes
            else "the signed content no longer matches"
        )
        explained = bool(changes) and _explained(session, sig, changes, current)
        if explained:
            yield SignatureProblem(
                sig.id,
                ref,
                f"{what}: the incident was changed in the app after signing "
                f"({detail}); the signature covers the earlier version",
                tampered=False,
            )
        else:
            yield SignatureProblem(sig.id, ref, f"{what}: the signed content no longer matches — {detail}")
    for sig_id, details in sorted(recorded.items()):
        if sig_id not in seen:
            yield SignatureProblem(
                sig_id,
                "",
                f"signature #{sig_id} recorded by audit event #{details['_seq']} "
                "is missing from the database (deleted)",
            )


def _same(a: Any, b: Any) -> bool:
    """The value an audited update set equals the one signed now (timestamps to the second)."""
    if a == b or str(a) == str(b):
        return True
    try:
        da, db_ = (dt.datetime.fromisoformat(str(x)) for x in (a, b))
    except ValueError:
        return False
    return da.replace(microsecond=0) == db_.replace(microsecond=0)
