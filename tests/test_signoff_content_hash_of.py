"""``canonical.content_hash_of`` hashes exactly the bytes ``content_hash(content_of(...))`` hashes."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import namedtuple
from decimal import Decimal
from enum import IntEnum, StrEnum

from sqlalchemy import select

from incident_desk.demo import generate
from incident_desk.signoff import canonical
from incident_desk.signoff.models import Signature

NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
Hazard = namedtuple("Hazard", (*canonical.HAZARD_FIELDS, "assessment_id"))
Action = namedtuple("Action", (*canonical.ACTION_FIELDS, "assessment_id", "created_at"))
ShortHazard = namedtuple("ShortHazard", canonical.HAZARD_FIELDS[:5])


class Band(StrEnum):
    HIGH = "High"


class Score(IntEnum):
    TWELVE = 12


def _slow(bundle, as_of):
    fresh = canonical.Bundle(bundle.incident, bundle.assessment, bundle.hazards, bundle.controls, bundle.actions)
    return canonical.content_hash(canonical.content_of(fresh, as_of=as_of))


def _bundle(hazards=None):
    t0 = dt.datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=zoneinfo.ZoneInfo("America/Chicago"))
    incident = (7, "INC-2026-00007", 'Fall "from" ladder\\ in Bay 3\n\t\x01 — Łódź 雷 😀', 2, 3, t0, 1, 4)
    assessment = (11, 7, 1, 3, "", "4", Band.HIGH, Score.TWELVE, None, 2**70)
    hazards = hazards or [
        Hazard(21, 0, "</script><b>x</b>", "", "4", "3", 12, "High", None, None, None, None, 11),
        Hazard(22, 1, "Slips", "Signs", "2", "2", -4, "Low", "1", "2", 2.5, Decimal("1.10"), 11),
    ]
    controls = {21: [(31, "Guard", "engineering", False, 21), (32, "PPE", "ppe", True, 21)], 22: []}
    actions = [
        Action(41, 21, "Fix it", "corrective", 11, t0),
        Action(42, 22, "Train", "preventive", 11, t0 + dt.timedelta(days=2)),
        Action(43, 21, dt.date(2026, 3, 4), "immediate", 11, t0 + dt.timedelta(days=1)),
    ]
    return canonical.Bundle(incident, assessment, hazards, controls, actions)


def test_same_hash_for_awkward_values_and_every_as_of():
    bundle = _bundle()
    t0 = bundle.incident[5]
    for as_of in (None, t0 - dt.timedelta(seconds=1), t0, t0 + dt.timedelta(days=1), t0 + dt.timedelta(days=3)):
        expected = _slow(bundle, as_of)
        assert canonical.content_hash_of(bundle, as_of=as_of) == expected
        assert canonical.content_hash_of(bundle, as_of=as_of) == expected  # cached
    # Different actions included, different content.
    assert len({canonical.content_hash_of(bundle, as_of=a) for a in (t0, t0 + dt.timedelta(days=1))}) == 2


def test_a_row_with_fewer_values_than_fields_hashes_as_content_of_does():
    short = [ShortHazard(21, 0, "Slips", "Signs", "2")]
    bundle = _bundle(hazards=short)
    assert canonical.content_hash_of(bundle) == _slow(bundle, None)


def test_a_changed_value_changes_the_hash():
    a, b = _bundle(), _bundle()
    b.controls[21][1] = (32, "PPE", "ppe", False, 21)
    assert canonical.content_hash_of(a) != canonical.content_hash_of(b) == _slow(b, None)


def test_demo_signatures_hash_the_same_from_the_database(db):
    generate(db, incidents=150, seed=4, now=NOW)
    with db.reading() as s:
        sigs = s.execute(select(Signature.assessment_id, Signature.signed_at, Signature.content_hash)).all()
        bundles = canonical.load_bundles(s, {x.assessment_id for x in sigs})
    assert len(sigs) > 50
    for x in sigs:
        assert canonical.content_hash_of(bundles[x.assessment_id], as_of=x.signed_at) == x.content_hash


def test_signature_hash_of_is_signature_hash():
    base = {
        "id": 5,
        "assessment_id": 11,
        "incident_id": 7,
        "signer_id": None,
        "signer_name": 'Zoë "Ærø" \\ 雷\n',
        "role": "manager",
        "level": 2,
        "meaning": "Approved",
        "comment": "",
        "signed_at": dt.datetime(2026, 3, 1, 9, 30, 15, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Warsaw")),
        "content_hash": "ab" * 32,
        "signature_hash": "ignored",
    }
    variants = [
        base,
        {**base, "signed_at": base["signed_at"].replace(microsecond=7)},
        {**base, "level": Score.TWELVE, "role": Band.HIGH, "comment": True},
        {**base, "signer_id": 2.5, "comment": Decimal("1.5")},
    ]
    hashes = {canonical.signature_hash_of(v) for v in variants}
    assert len(hashes) == len(variants)
    for v in variants:
        assert canonical.signature_hash_of(v) == canonical.signature_hash(v)
