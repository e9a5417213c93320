"""Demo signatures: approvals on every signed-off assessment, rejections where the incident was sent back.

Consistent with the incidents' histories: a rejection recorded in an incident's status
history becomes a "Rejected" signature by that manager with the same reason; an assessment
signed off gets as many approvals as its band asks for (two different managers for the
highest band), the last one at the incident's sign-off time; some assessments of the
highest band still waiting have their first approval. Each signature is hashed exactly as
the sign-off service does it and recorded in the audit trail, so ``verify`` checks them all.

The risk assessments of each chunk of incidents are handed over as they are written (``sign``), with the
rows their signed content is made of: the content is hashed from those (the same
``canonical.Bundle`` and ``content_of`` as ``canonical.load_bundles`` would give after reading
them back), so nothing is read back and only one chunk is held in memory at a time.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any, NamedTuple

from sqlalchemy import select, text, update

from incident_desk.audit.chain import PendingEvent, append_many
from incident_desk.demo.context import DemoContext
from incident_desk.demo.organisation import ACCOUNTS
from incident_desk.demo.rows import Stamps, insert_rows
from incident_desk.incidents.workflow import Status
from incident_desk.risk.models import Assessment, RiskMatrixVersion
from incident_desk.signoff import canonical, policy
from incident_desk.signoff.models import Signature
from incident_desk.signoff.service import APPROVED, REJECTED
from incident_desk.users.roles import Role

CHUNK = 5000


SIGNATURE_COLUMNS = (
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
    "signature_hash",
)
COMMENTS = (
    "",
    "",
    "Agreed.",
    "Controls are proportionate.",
    "Approved; keep the interim controls until the actions are verified.",
)
DEFAULT_REJECTION = "The controls are not specific enough."


class DemoAssessment(NamedTuple):
    """An assessment the risk step wrote: its row, its incident, and the rows its signed content is made of."""

    row: Any  # demo.risk.AssessmentRow
    incident: Any  # demo.incidents.DemoIncident
    bundle: canonical.Bundle  # what canonical.load_bundles would read back for it


def sign(ctx: DemoContext, assessed: list[DemoAssessment], stamps: Stamps | None = None) -> None:
    """Signatures for assessments the risk step has just written (it calls this for each chunk)."""
    with ctx.timed("signatures"):
        signer = ctx.extra.get("signer")
        if signer is None:
            signer = ctx.extra["signer"] = _Signer(ctx)
        signer.sign(assessed, stamps)


def signoff_step(ctx: DemoContext) -> None:
    """After the risk step has signed its assessments: the rejections' history is no longer needed."""
    ctx.extra.pop("signer", None)
    ctx.rejections = {}
    if ctx.db.dialect == "postgresql":
        ctx.session.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('signatures', 'id'), "
                "(SELECT COALESCE(MAX(id), 1) FROM signatures))"
            )
        )


class _Signer:
    def __init__(self, ctx: DemoContext) -> None:
        s = ctx.session
        self.ctx = ctx
        self.names: dict[int, str] = ctx.extra.get("user_names", {})
        self.by_role: dict[Role, list[int]] = defaultdict(list)
        for key, _u, _n, roles, _p in ACCOUNTS:
            if key in ctx.users:
                for r in roles:
                    self.by_role[r].append(ctx.users[key])
        self.definitions = dict(s.execute(select(RiskMatrixVersion.id, RiskMatrixVersion.definition)).all())
        self.rules: dict[tuple[int, str], policy.BandRule] = {}
        self.next_id = (s.execute(text("SELECT MAX(id) FROM signatures")).scalar_one() or 0) + 1

    def rule(self, version_id: int, band: str | None) -> policy.BandRule:
        key = (version_id, band or "")
        if key not in self.rules:
            self.rules[key] = policy.rule_for(self.definitions.get(version_id), band)
        return self.rules[key]

    def sign(self, assessed: list[DemoAssessment], stamps: Stamps | None = None) -> None:
        ctx, by_role, names = self.ctx, self.by_role, self.names
        s, rng = ctx.session, ctx.rng
        if not by_role[Role.MANAGER]:
            return
        rule = self.rule
        # Rejections from the incidents' histories (awaiting sign-off -> assessment): (at, user id, reason).
        rejections = ctx.rejections
        total = len(assessed)
        for start in range(0, total, CHUNK):
            planned: list[dict[str, Any]] = []
            newly_rejected: list[dict[str, Any]] = []
            for item in assessed[start : start + CHUNK]:
                r, incident = item.row, item.incident
                rej = rejections.get(r.incident_id, [])
                if r.status == "draft" and not rej:
                    continue
                band_rule = rule(r.matrix_version_id, r.overall_band)
                for at, user_id, note in rej:
                    signer = (
                        user_id if user_id in by_role[Role.MANAGER] else rng.choice(by_role[Role.MANAGER])
                    )
                    planned.append(
                        _plan(
                            item,
                            signer,
                            band_rule.role_for_level(1),
                            1,
                            REJECTED,
                            note or DEFAULT_REJECTION,
                            at,
                        )
                    )
                if r.status == "draft":
                    if incident.status == Status.ASSESSMENT:
                        newly_rejected.append({"b_id": r.id, "b_at": rej[-1][0]})
                    continue
                begin = max([incident.submitted_at or r.submitted_at] + [x[0] for x in rej if x[0]])
                if r.status == "signed_off" and incident.signed_off_at is not None:
                    levels = band_rule.signoffs_required
                    final = incident.signed_off_at
                elif r.status == "submitted" and band_rule.signoffs_required > 1 and rng.random() < 0.5:
                    levels, final = 1, None
                else:
                    continue
                used: set[int] = set()
                when = begin
                for level in range(1, levels + 1):
                    role = band_rule.role_for_level(level)
                    pool = [
                        u
                        for u in by_role[role] or by_role[Role.MANAGER]
                        if u not in used and u != r.author_id
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
                    comment = rng.choice(COMMENTS)
                    planned.append(
                        _plan(
                            item,
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
            sig_rows: list[tuple[Any, ...]] = []
            events: list[PendingEvent] = []
            for p in sorted(planned, key=lambda p: p["signed_at"]):
                # The content as signoff.canonical reads it from the database, from the rows the
                # risk step wrote (the Bundle load_bundles would give; content_hash_of is
                # content_hash(content_of(...)), so the same bytes and hash).
                row = {
                    "id": self.next_id,
                    "assessment_id": p["assessment_id"],
                    "incident_id": p["incident_id"],
                    "signer_id": p["signer_id"],
                    "signer_name": names.get(p["signer_id"], ""),
                    "role": p["role"],
                    "level": p["level"],
                    "meaning": p["meaning"],
                    "comment": p["comment"],
                    "signed_at": p["signed_at"],
                    "content_hash": canonical.content_hash_of(p["bundle"], as_of=p["signed_at"]),
                }
                row["signature_hash"] = canonical.signature_hash_of(row)  # = signature_hash(row)
                self.next_id += 1
                sig_rows.append(tuple(row.values()))
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
            insert_rows(s, Signature.__table__, SIGNATURE_COLUMNS, sig_rows, stamps=stamps)
            append_many(s, events)
            if newly_rejected:
                s.execute(
                    update(Assessment.__table__)
                    .where(Assessment.__table__.c.id == _bind("b_id"))
                    .values(status="rejected", decided_at=_bind("b_at")),
                    newly_rejected,
                )


def _bind(name: str) -> Any:
    from sqlalchemy import bindparam

    return bindparam(name)


def _plan(
    item: DemoAssessment,
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
    r = item.row
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
        "bundle": item.bundle,
    }


STEPS = [("signatures", signoff_step)]
