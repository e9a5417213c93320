"""Several clients on one database: no update is silently lost, on SQLite files and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from incident_desk import changes
from incident_desk.db import Database
from incident_desk.db.base import utcnow
from incident_desk.errors import ConcurrencyError
from incident_desk.incidents import conflicts, service
from incident_desk.incidents.models import Incident


def test_second_save_sees_the_conflict_and_reapplies_field_by_field(db, db_url, actors, make_incident):
    iid = make_incident()
    other = Database(db_url)  # a second client
    with db.reading() as s:
        inc = s.get(Incident, iid)
        base, version = service.data_of(inc), inc.version
    loaded_at = utcnow()
    # Client B saves a new title.
    with other.transaction() as s:
        theirs_edit = service.data_of(s.get(Incident, iid))
        theirs_edit.title = "Slip on oily floor"
        theirs_edit.immediate_actions = "Spill kit used."
        service.update(s, actors["officer2"], iid, theirs_edit)
    # Client A, still on the old version, changed the description and the immediate actions.
    mine = base.__class__(**base.__dict__)
    mine.description = "Oil leaked from the forklift."
    mine.immediate_actions = "Area cordoned off."
    with db.transaction() as s, pytest.raises(ConcurrencyError) as err:
        service.update(s, actors["officer"], iid, mine, expected_version=version)
    assert err.value.current_version == version + 1
    with db.reading() as s:
        inc = s.get(Incident, iid)
        theirs, current_version = service.data_of(inc), inc.version
        rep = conflicts.report(s, iid, base, mine, theirs, loaded_at)
    assert [c.field for c in rep.mine_only] == ["description"]
    assert [c.field for c in rep.theirs_only] == ["title"]
    assert [c.field for c in rep.conflicts] == ["immediate_actions"]
    assert rep.changed_by == ["Oona Officer"]
    merged = rep.merged(theirs, keep_mine={"immediate_actions"})
    with db.transaction() as s:
        service.update(s, actors["officer"], iid, merged, expected_version=current_version)
    with db.reading() as s:
        inc = s.get(Incident, iid)
        assert (inc.title, inc.description, inc.immediate_actions) == (
            "Slip on oily floor", "Oil leaked from the forklift.", "Area cordoned off.")
    other.dispose()


WORKER = textwrap.dedent("""
    import sys
    from incident_desk.actor import Actor
    from incident_desk.db import Database
    from incident_desk.errors import ConcurrencyError
    from incident_desk.incidents import service
    from incident_desk.incidents.models import Incident
    from sqlalchemy.exc import OperationalError

    url, iid, tag, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    db = Database(url)
    actor = Actor.system(tag)
    conflicts = 0
    for i in range(n):
        while True:
            with db.reading() as s:
                inc = s.get(Incident, iid)
                data, version = service.data_of(inc), inc.version
            data.description += f" [{tag}{i}]"
            try:
                with db.transaction() as s:
                    service.update(s, actor, iid, data, expected_version=version)
                break
            except ConcurrencyError:
                conflicts += 1  # re-read and re-apply, as the form offers
    print(conflicts)
""")


def test_two_processes_editing_one_incident_lose_nothing(db, db_url, make_incident, tmp_path):
    iid = make_incident(description="")
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    n = 15
    procs = [subprocess.Popen([sys.executable, str(script), db_url, str(iid), tag, str(n)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for tag in ("A", "B")]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1][-2000:] for o in outs]
    with db.reading() as s:
        description = s.get(Incident, iid).description
        version = s.get(Incident, iid).version
    for tag in ("A", "B"):
        for i in range(n):
            assert f"[{tag}{i}]" in description
    assert version == 1 + 2 * n


def test_change_counter_moves_on_every_write(db, make_incident):
    with db.reading() as s:
        before = changes.current(s)
    make_incident()
    with db.reading() as s:
        assert changes.current(s) > before


def test_postgresql_clients_are_notified(db, db_url, make_incident):
    if db.dialect != "postgresql":
        assert db.dialect == "sqlite"  # SQLite clients poll the counter (tested above)
        return
    import threading

    got: list[int | None] = []
    listener = changes.listen(db_url, timeout=0.2)
    next(listener)  # LISTEN is active once the first wait returned
    t = threading.Thread(target=lambda: got.extend(x for x, _ in zip(listener, range(20), strict=False) if x))
    t.start()
    make_incident()
    t.join(timeout=30)
    listener.close()
    with db.reading() as s:
        assert got and got[-1] == changes.current(s)
