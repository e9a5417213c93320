"""Demo signatures: consistent with the incidents' histories and the bands' rules, and all verifiable."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import select

from incident_desk.audit.chain import verify_chain
from incident_desk.audit.models import AuditEvent
from incident_desk.demo import generate
from incident_desk.incidents.models import Incident, StatusChange
from incident_desk.risk.models import Assessment, RiskMatrixVersion
from incident_desk.signoff import policy
from incident_desk.signoff.models import Signature
from incident_desk.signoff.verify import verify_signatures

NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)


def test_demo_signatures_follow_the_rules_and_verify(db):
    generate(db, incidents=300, seed=5, now=NOW)
    with db.reading() as s:
        assert list(verify_signatures(s)) == []
        assert list(verify_chain(s)) == []
        sigs: dict[int, list[Signature]] = defaultdict(list)
        for sig in s.scalars(select(Signature).order_by(Signature.signed_at, Signature.id)):
            sigs[sig.assessment_id].append(sig)
        definitions = dict(s.execute(select(RiskMatrixVersion.id, RiskMatrixVersion.definition)).all())
        incidents = {i.id: i for i in s.scalars(select(Incident))}
        rejections = defaultdict(list)
        for c in s.scalars(
            select(StatusChange).where(
                StatusChange.from_status == "awaiting_signoff", StatusChange.to_status == "assessment"
            )
        ):
            rejections[c.incident_id].append(c)
        two_level = 0
        for a in s.scalars(select(Assessment)):
            inc = incidents[a.incident_id]
            mine = sigs.get(a.id, [])
            rejected = [x for x in mine if x.meaning == "Rejected"]
            approved = [x for x in mine if x.meaning == "Approved"]
            # Every rejection in the incident's history is a signature with the same reason and time.
            assert sorted((x.signed_at, x.comment) for x in rejected) == sorted(
                (c.at, c.note) for c in rejections[a.incident_id]
            )
            rule = policy.rule_for(definitions[a.matrix_version_id], a.overall_band)
            if a.status == "signed_off":
                assert a.locked
                assert len(approved) == rule.signoffs_required, (a.id, rule)
                assert approved[-1].signed_at == inc.signed_off_at
                assert len({x.signer_id for x in approved}) == len(approved)
                assert all(x.signer_id != a.author_id for x in approved)
                assert all(x.signed_at > r.signed_at for x in approved for r in rejected)
                two_level += rule.signoffs_required == 2
            else:
                assert len(approved) < rule.signoffs_required
            if a.status == "submitted":
                assert inc.status == "awaiting_signoff"
        assert two_level > 0
        assert len([x for v in sigs.values() for x in v if x.meaning == "Rejected"]) > 0
        events = s.scalars(
            select(AuditEvent.entity_id).where(AuditEvent.kind.in_(("sign_off", "reject")))
        ).all()
        assert sorted(events) == sorted(x.id for v in sigs.values() for x in v)


def test_demo_signed_chunk_by_chunk_passes_verify_and_tampering_is_caught(db, db_url, monkeypatch, capsys):
    """Signatures are hashed from the rows in memory as each chunk is written; verify recomputes from the tables."""
    from sqlalchemy import func, text

    from incident_desk.cli import main
    from incident_desk.demo import incidents as demo_incidents
    from incident_desk.demo import signoff as demo_signoff

    # Small chunks, so assessments are signed over several hand-overs.
    monkeypatch.setattr(demo_incidents, "CHUNK", 97)
    monkeypatch.setattr(demo_signoff, "CHUNK", 41)
    result = generate(db, incidents=500, seed=11, now=NOW)
    assert result.timings["risk assessments"] > 0 and result.timings["signatures"] > 0
    assert list(result.timings)[:6] == [
        "organisation", "accounts", "pause search index", "incidents", "risk assessments", "signatures"
    ]
    with db.reading() as s:
        n = s.execute(select(func.count()).select_from(Signature)).scalar_one()
        signed = s.execute(
            select(Signature.id, Signature.assessment_id)
            .where(Signature.meaning == "Approved")
            .order_by(Signature.id.desc())
            .limit(1)
        ).one()
    assert n > 100
    assert main(["verify", "--db", db_url]) == 0
    out = capsys.readouterr().out
    assert f"{n:,} signatures checked: all match" in out and "the chain is intact" in out

    with db.engine.begin() as conn:
        conn.execute(
            text("UPDATE controls SET description = 'Nothing' WHERE hazard_id IN "
                 "(SELECT id FROM hazards WHERE assessment_id = :a)"),
            {"a": signed.assessment_id},
        )
    assert main(["verify", "--db", db_url]) == 1
    out = capsys.readouterr().out
    assert f"SIGNATURE BROKEN: signature #{signed.id} " in out
