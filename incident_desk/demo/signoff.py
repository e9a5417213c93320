"""Demo signatures: approvals on every signed-off assessment, rejections where the incident was sent back.

Consistent with the incidents' histories: a rejection recorded in an incident's status
history becomes a "Rejected" signature by that manager with the same reason; an assessment
signed off gets as many approvals as its band asks for (two different managers for the
highest band), the last one at the incident's sign-off time; some assessments of the
highest band still waiting have their first approval. Each signature is hashed exactly as
the sign-off service does it and recorded in the audit trail, so ``verify`` checks them all.
Bulk inserts throughout.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import select, text, update

from incident_desk.audit.chain import PendingEvent, append_many
from incident_desk.db.bulk import bulk_insert
from incident_desk.demo.context import DemoContext
from incident_desk.demo.organisation import ACCOUNTS
from incident_desk.incidents.models import Incident, StatusChange
from incident_desk.incidents.workflow import Status
from incident_desk.risk.models import Assessment, RiskMatrixVersion
from incident_desk.signoff import canonical, policy
from incident_desk.signoff.models import Signature
from incident_desk.signoff.service import APPROVED, REJECTED
from incident_desk.users.roles import Role

CHUNK = 5000


def signoff_step(ctx: DemoContext) -> None:
    s, rng = ctx.session, ctx.rng
    if not ctx.incident_ids:
        return
    lo, hi = min(ctx.incident_ids), max(ctx.incident_ids)
    names: dict[int, str] = ctx.extra.get("user_names", {})
    by_role: dict[Role, list[int]] = defaultdict(list)
    for key, _u, _n, roles, _p in ACCOUNTS:
        if key in ctx.users:
            for r in roles:
                by_role[r].append(ctx.users[key])
    if not by_role[Role.MANAGER]:
        return
    definitions = dict(s.execute(select(RiskMatrixVersion.id, RiskMatrixVersion.definition)).all())
    rules: dict[tuple[int, str], policy.BandRule] = {}

    def rule(version_id: int, band: str | None) -> policy.BandRule:
        key = (version_id, band or "")
        if key not in rules:
            rules[key] = policy.rule_for(definitions.get(version_id), band)
        return rules[key]

    # Rejections from the incidents' histories: awaiting sign-off -> assessment, with the reason.
    rejections: dict[int, list[Any]] = defaultdict(list)
    for r in s.execute(
        select(StatusChange.incident_id, StatusChange.at, StatusChange.user_id, StatusChange.note)
        .where(
            StatusChange.incident_id.between(lo, hi),
            StatusChange.from_status == Status.AWAITING_SIGNOFF.value,
            StatusChange.to_status == Status.ASSESSMENT.value,
        )
        .order_by(StatusChange.at)
    ):
        rejections[r.incident_id].append(r)

    a, i = Assessment.__table__.c, Incident.__table__.c
    rows = s.execute(
        select(
            a.id,
            a.incident_id,
            a.status,
            a.author_id,
            a.overall_band,
            a.matrix_version_id,
            a.submitted_at,
            i.status.label("incident_status"),
            i.submitted_at.label("incident_submitted"),
            i.signed_off_at,
        )
        .join_from(Assessment.__table__, Incident.__table__, i.id == a.incident_id)
        .where(a.incident_id.between(lo, hi), a.status.in_(("draft", "submitted", "signed_off")))
        .order_by(a.id)
    ).all()
    next_id = (s.execute(text("SELECT MAX(id) FROM signatures")).scalar_one() or 0) + 1
    total = len(rows)
    for start in range(0, total, CHUNK):
        chunk = rows[start : start + CHUNK]
        planned: list[dict[str, Any]] = []
        newly_rejected: list[dict[str, Any]] = []
        for r in chunk:
            rej = rejections.get(r.incident_id, [])
            if r.status == "draft" and not rej:
                continue
            band_rule = rule(r.matrix_version_id, r.overall_band)
            for x in rej:
                signer = (
                    x.user_id if x.user_id in by_role[Role.MANAGER] else rng.choice(by_role[Role.MANAGER])
                )
                planned.append(
                    _plan(
                        r,
                        signer,
                        band_rule.role_for_level(1),
                        1,
                        REJECTED,
                        x.note or "The controls are not specific enough.",
                        x.at,
                    )
                )
            if r.status == "draft":
                if r.incident_status == Status.ASSESSMENT:
                    newly_rejected.append({"b_id": r.id, "b_at": rej[-1].at})
                continue
            begin = max([r.incident_submitted or r.submitted_at] + [x.at for x in rej if x.at])
            if r.status == "signed_off" and r.signed_off_at is not None:
                levels = band_rule.signoffs_required
                final = r.signed_off_at
            elif r.status == "submitted" and band_rule.signoffs_required > 1 and rng.random() < 0.5:
                levels, final = 1, None
            else:
                continue
            used: set[int] = set()
            when = begin
            for level in range(1, levels + 1):
                role = band_rule.role_for_level(level)
                pool = [
                    u for u in by_role[role] or by_role[Role.MANAGER] if u not in used and u != r.author_id
                ]
                if not pool:
                    break
                signer = rng.choice(pool)
                used.add(signer)
                if final is not None and level == levels:
                    when = final
                else:
                    end = final or min(ctx.now, begin + dt.timedelta(hours=30))
                    when = when + (end - when) * rng.uniform(0.2, 0.7)
                comment = rng.choice(
                    (
                        "",
                        "",
                        "Agreed.",
                        "Controls are proportionate.",
                        "Approved; keep the interim controls until the actions are verified.",
                    )
                )
                planned.append(
                    _plan(
                        r,
                        signer,
                        role,
                        level,
                        APPROVED,
                        comment,
                        when,
                        final=level == levels,
                        required=band_rule.signoffs_required,
                        band=band_rule.band,
                    )
                )
        if not planned:
            continue
        bundles = canonical.load_bundles(s, {p["assessment_id"] for p in planned})
        sig_rows: list[dict[str, Any]] = []
        events: list[PendingEvent] = []
        for p in sorted(planned, key=lambda p: p["signed_at"]):
            bundle = bundles.get(p["assessment_id"])
            if bundle is None:
                continue
            row = {
                "id": next_id,
                "assessment_id": p["assessment_id"],
                "incident_id": p["incident_id"],
                "signer_id": p["signer_id"],
                "signer_name": names.get(p["signer_id"], ""),
                "role": p["role"],
                "level": p["level"],
                "meaning": p["meaning"],
                "comment": p["comment"],
                "signed_at": p["signed_at"],
                "content_hash": canonical.content_hash(canonical.content_of(bundle, as_of=p["signed_at"])),
            }
            row["signature_hash"] = canonical.signature_hash(row)
            next_id += 1
            sig_rows.append(row)
            approved = p["meaning"] == APPROVED
            summary = (
                f"Approved the risk assessment (revision 1), sign-off {p['level']} of {p['required']}"
                if approved
                else "Rejected the risk assessment (revision 1)"
            )
            if p["comment"]:
                summary += f": {p['comment']}"
            events.append(
                PendingEvent(
                    "sign_off" if approved else "reject",
                    "signature",
                    row["id"],
                    p["incident_id"],
                    summary,
                    {
                        "assessment_id": p["assessment_id"],
                        "revision": 1,
                        "band": p["band"],
                        "level": p["level"],
                        "required": p["required"],
                        "role": p["role"],
                        "meaning": p["meaning"],
                        "comment": p["comment"],
                        "final": p["final"],
                        "content_hash": row["content_hash"],
                        "signature_hash": row["signature_hash"],
                    },
                    p["signed_at"],
                    p["signer_id"],
                    row["signer_name"],
                )
            )
        bulk_insert(s, Signature.__table__, sig_rows)
        append_many(s, events)
        if newly_rejected:
            s.execute(
                update(Assessment.__table__)
                .where(Assessment.__table__.c.id == _bind("b_id"))
                .values(status="rejected", decided_at=_bind("b_at")),
                newly_rejected,
            )
        ctx.progress("signatures", min(1.0, (start + CHUNK) / max(1, total)))
    if ctx.db.dialect == "postgresql":
        s.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('signatures', 'id'), "
                "(SELECT COALESCE(MAX(id), 1) FROM signatures))"
            )
        )


def _bind(name: str) -> Any:
    from sqlalchemy import bindparam

    return bindparam(name)


def _plan(
    r: Any,
    signer: int,
    role: Role,
    level: int,
    meaning: str,
    comment: str,
    when: dt.datetime,
    *,
    final: bool = False,
    required: int = 1,
    band: str = "",
) -> dict[str, Any]:
    return {
        "assessment_id": r.id,
        "incident_id": r.incident_id,
        "signer_id": signer,
        "role": role.value,
        "level": level,
        "meaning": meaning,
        "comment": comment,
        "signed_at": when,
        "final": final,
        "required": required,
        "band": band or (r.overall_band or ""),
    }


STEPS = [("signatures", signoff_step)]
