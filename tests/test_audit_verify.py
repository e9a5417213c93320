"""`incident-desk verify`: tampering with a signed row or an audit row behind the app's back is named."""

from __future__ import annotations

from sqlalchemy import select, text

from incident_desk.audit.models import AuditEvent
from incident_desk.cli import main
from incident_desk.signoff import service as signoff
from incident_desk.signoff.models import Signature
from tests.conftest import PASSWORD
from tests.signoff_helpers import submitted_assessment


def _signed(db, actors, make_incident, **kw):
    iid = make_incident()
    aid = submitted_assessment(db, actors, iid, **kw)
    with db.transaction() as s:
        sig = signoff.approve(s, actors["manager"], aid, PASSWORD, "Agreed")
        return iid, aid, sig.id


def _verify(db_url, capsys):
    code = main(["verify", "--db", db_url])
    out = capsys.readouterr().out
    return code, out


def _sql(db, statement, **params):
    with db.engine.begin() as conn:
        conn.execute(text(statement), params)


def test_verify_passes_on_an_untouched_database(db, db_url, actors, make_incident, capsys):
    _signed(db, actors, make_incident)
    code, out = _verify(db_url, capsys)
    assert code == 0, out
    assert "1 signature checked: all match" in out
    assert "the chain is intact" in out


def test_editing_a_signed_hazard_in_sql_breaks_its_signature(db, db_url, actors, make_incident, capsys):
    _iid, aid, sig_id = _signed(db, actors, make_incident)
    _sql(db, "UPDATE hazards SET residual_score = 1, residual_band = 'Low' WHERE assessment_id = :a", a=aid)
    code, out = _verify(db_url, capsys)
    assert code == 1
    assert f"SIGNATURE BROKEN: signature #{sig_id} (Approved by Mia Manager" in out
    assert "residual_score: 8 → 1" in out and "residual_band: 'Medium' → 'Low'" in out
    assert "1 no longer match" in out


def test_editing_the_signature_row_or_deleting_it_is_caught(db, db_url, actors, make_incident, capsys):
    _iid, _aid, sig_id = _signed(db, actors, make_incident)
    _sql(db, "UPDATE signatures SET comment = 'Not agreed' WHERE id = :i", i=sig_id)
    code, out = _verify(db_url, capsys)
    assert code == 1 and "the signature record itself was altered" in out
    # Re-hashing the edited row is not enough: the audit trail kept the original hash.
    from incident_desk.signoff import canonical

    with db.reading() as s:
        new_hash = canonical.signature_hash(s.get(Signature, sig_id))
    _sql(db, "UPDATE signatures SET signature_hash = :h WHERE id = :i", h=new_hash, i=sig_id)
    code, out = _verify(db_url, capsys)
    assert code == 1 and "differs from the signature recorded in audit event" in out
    _sql(db, "DELETE FROM signatures WHERE id = :i", i=sig_id)
    code, out = _verify(db_url, capsys)
    assert code == 1 and f"signature #{sig_id} recorded by audit event" in out and "deleted" in out


def test_editing_or_deleting_an_audit_row_names_the_first_broken_event(
    db, db_url, actors, make_incident, capsys
):
    _signed(db, actors, make_incident)
    with db.reading() as s:
        events = s.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
        target = next(e for e in events if e.kind == "transition")
        total = len(events)
    _sql(db, "UPDATE audit_events SET summary = 'nothing happened' WHERE seq = :q", q=target.seq)
    code, out = _verify(db_url, capsys)
    assert code == 1
    assert f"AUDIT TRAIL BROKEN: audit event #{target.seq} (transition incident" in out
    assert "altered after it was recorded" in out
    _sql(db, "UPDATE audit_events SET summary = :s WHERE seq = :q", s=target.summary, q=target.seq)
    assert _verify(db_url, capsys)[0] == 0
    _sql(db, "DELETE FROM audit_events WHERE seq = :q", q=target.seq)
    code, out = _verify(db_url, capsys)
    assert code == 1 and f"audit events {target.seq}–{target.seq} are missing" in out
    _sql(db, "DELETE FROM audit_events WHERE seq >= :q", q=target.seq)
    code, out = _verify(db_url, capsys)
    assert code == 1 and f"event #{total} was recorded: the latest events were deleted" in out


def test_incident_changed_in_the_app_after_signing_is_a_note_not_tampering(
    db, db_url, actors, make_incident, capsys, refs
):
    from incident_desk.incidents import service

    iid, _aid, sig_id = _signed(db, actors, make_incident)
    with db.transaction() as s:
        data = service.data_of(service.get(s, iid))
        data.title = "Slip on wet floor by the wash station"
        service.update(s, actors["officer"], iid, data)
    code, out = _verify(db_url, capsys)
    assert code == 0, out
    assert f"note: signature #{sig_id}" in out and "changed in the app after signing" in out
    # The same change made in SQL is tampering.
    _sql(db, "UPDATE incidents SET title = 'Something else' WHERE id = :i", i=iid)
    code, out = _verify(db_url, capsys)
    assert code == 1 and "SIGNATURE BROKEN" in out and "incident title" in out
