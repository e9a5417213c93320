"""Two managers approving the same two-level assessment at the same moment: one waits for the other."""

from __future__ import annotations

import threading

from sqlalchemy import select

from incident_desk.risk.models import Assessment
from incident_desk.signoff import service as signoff
from incident_desk.signoff.models import Signature
from tests.conftest import PASSWORD
from tests.signoff_helpers import submitted_assessment


def test_simultaneous_approvals_give_levels_one_and_two(db, actors, make_incident):
    aid = submitted_assessment(db, actors, make_incident(), likelihood=4, severity=5)  # two sign-offs
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def sign(who: str) -> None:
        try:
            barrier.wait()
            with db.transaction() as s:
                signoff.approve(s, actors[who], aid, PASSWORD)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=sign, args=(who,)) for who in ("manager", "manager2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    with db.reading() as s:
        levels = sorted(s.scalars(select(Signature.level).where(Signature.assessment_id == aid)))
        assert levels == [1, 2]
        assert s.get(Assessment, aid).locked
