"""Faults: a killed process, a server that goes away, a locked or read-only file.

Every user action is one transaction: after SIGKILL the database holds the action entirely or
not at all, and the audit chain still verifies.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import sqlite3
import subprocess
import sys
import textwrap
import threading

import pytest
from sqlalchemy import func, select

from incident_desk.audit.chain import verify_chain
from incident_desk.audit.models import AuditEvent
from incident_desk.db import Database
from incident_desk.errors import DatabaseError
from incident_desk.incidents import service
from incident_desk.incidents.models import Incident


def _consistent(db: Database) -> tuple[int, int]:
    with db.reading() as s:
        assert list(verify_chain(s)) == []
        return (
            s.execute(select(func.count()).select_from(Incident)).scalar_one(),
            s.execute(select(func.count()).select_from(AuditEvent)).scalar_one(),
        )


def _run_until(script: str, args: list[str], marker: str, *, lines: int = 1) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", script, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    seen = 0
    assert proc.stdout is not None
    while seen < lines:
        line = proc.stdout.readline()
        if not line:
            raise AssertionError(f"worker ended early: {proc.stderr.read() if proc.stderr else ''}")
        if marker in line:
            seen += 1
    return proc


BULK = textwrap.dedent("""
    import sys
    from incident_desk.db import Database
    from incident_desk.demo import generate
    db = Database(sys.argv[1])
    generate(db, incidents=20000, seed=5, progress=lambda step, f: print(step, f, flush=True))
""")


def test_sigkill_during_a_bulk_transaction_leaves_nothing_half_done(db, db_url):
    before = _consistent(db)
    proc = _run_until(BULK, [db_url], "incidents 0.", lines=1)  # at least one chunk written, not committed
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert _consistent(db) == before


SAVES = textwrap.dedent("""
    import sys
    from incident_desk.actor import Actor
    from incident_desk.db import Database
    from incident_desk.incidents import service
    from incident_desk.incidents.models import Incident
    db = Database(sys.argv[1])
    actor = Actor.system("saver")
    iid = int(sys.argv[2])
    i = 0
    while True:
        with db.transaction() as s:
            data = service.data_of(s.get(Incident, iid))
            data.description = f"revision {i}"
            service.update(s, actor, iid, data)
        print("saved", i, flush=True)
        i += 1
""")


def test_sigkill_during_saves_keeps_each_save_whole(db, db_url, make_incident):
    iid = make_incident()
    proc = _run_until(SAVES, [db_url, str(iid)], "saved", lines=5)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    _consistent(db)
    with db.reading() as s:
        inc = s.get(Incident, iid)
        updates = s.execute(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.incident_id == iid, AuditEvent.kind == "update")
        ).scalar_one()
        # Each committed save bumped the version once and wrote one audit event, and nothing else.
        assert inc.version == 1 + updates
        assert inc.description == f"revision {updates - 1}"


class _Proxy:
    """A TCP proxy in front of PostgreSQL that can be cut, like a network failure or a server stop."""

    def __init__(self, port: int) -> None:
        self.target = ("127.0.0.1", port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.conns: list[socket.socket] = []
        self.running = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while self.running:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.running:
                client.close()
                return
            upstream = socket.create_connection(self.target)
            self.conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                with contextlib.suppress(OSError):
                    s.close()

    def cut(self) -> None:
        for c in self.conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
                c.close()
            except OSError:
                pass
        self.conns.clear()
        self.running = False
        self.listener.close()

    def restore(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", self.port))
        self.running = True
        threading.Thread(target=self._accept, daemon=True).start()


def test_server_gone_mid_session_gives_a_clear_error_and_recovers(db, db_url, actors, make_incident, refs):
    if db.dialect != "postgresql":
        pytest.skip("a server that goes away is a PostgreSQL matter; SQLite faults are tested below")
    from sqlalchemy.engine import make_url

    from tests.conftest import incident_data

    url = make_url(db_url)
    proxy = _Proxy(url.port or 5432)
    client = Database(url.set(port=proxy.port, host="127.0.0.1").render_as_string(hide_password=False))
    iid = make_incident()
    with client.reading() as s:
        assert s.get(Incident, iid) is not None
    proxy.cut()
    data = incident_data(refs, title="Typed while the server was down")
    with (
        pytest.raises(DatabaseError, match="Cannot connect to the PostgreSQL server"),
        client.transaction() as s,
    ):
        service.update(s, actors["officer"], iid, data)
    assert data.title == "Typed while the server was down"  # the caller keeps what was typed
    proxy.restore()
    with client.transaction() as s:  # pool_pre_ping replaces the dead connection
        service.update(s, actors["officer"], iid, data)
    with db.reading() as s:
        assert s.get(Incident, iid).title == "Typed while the server was down"
    client.dispose()
    proxy.cut()


def test_locked_sqlite_file_is_a_clear_message(sqlite_db, gui_actors, tmp_path):
    path = sqlite_db.sqlite_path()
    quick = Database(f"sqlite:///{path}", busy_timeout=0.2)
    other = sqlite3.connect(str(path), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    try:
        with pytest.raises(DatabaseError, match="locked by another program"), quick.transaction() as s:
            s.get(Incident, 1)
    finally:
        other.execute("ROLLBACK")
        other.close()
        quick.dispose()


def test_read_only_database_is_a_clear_message(sqlite_db, gui_actors, tmp_path):
    path = sqlite_db.sqlite_path()
    ro = Database(f"sqlite:///file:{path}?mode=ro&uri=true")
    with pytest.raises(DatabaseError, match="read-only"), ro.transaction() as s:
        s.get(Incident, 1)
    ro.dispose()


IMPORT = textwrap.dedent("""
    import sys
    from incident_desk.actor import Actor
    from incident_desk.db import Database
    from incident_desk.imports.engine import run_import
    from incident_desk.imports.mapping import OSHA_FATALITIES
    from incident_desk.progress import Progress
    db = Database(sys.argv[1])
    run_import(db, Actor.system("import"), sys.argv[2], OSHA_FATALITIES,
               progress=Progress(lambda done, total, msg: print("progress", done, total, msg, flush=True)))
""")


def test_sigkill_during_an_import_leaves_nothing_behind(db, db_url):
    from pathlib import Path

    data = Path(__file__).resolve().parents[2] / "shared" / "data" / "osha_fatalities_2009_2022.csv"
    before = _consistent(db)
    proc = subprocess.Popen(
        [sys.executable, "-c", IMPORT, db_url, str(data)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:  # wait until rows are being written, then pull the plug
        parts = line.split()
        if parts[:1] == ["progress"] and int(parts[1]) > 0:
            break
    else:
        raise AssertionError(f"the import ended before it wrote anything: {proc.stderr.read()}")  # type: ignore[union-attr]
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert _consistent(db) == before


SIGN = textwrap.dedent("""
    import sys
    from incident_desk.actor import Actor
    from incident_desk.db import Database
    from incident_desk.signoff import service
    from incident_desk.users import service as users
    db = Database(sys.argv[1])
    with db.reading() as s:
        actor = Actor.for_user(users.by_username(s, "manager"))
    for aid in map(int, sys.argv[3:]):
        with db.transaction() as s:
            service.approve(s, actor, aid, sys.argv[2], "Controls are adequate")
        print("signed", aid, flush=True)
""")


def test_sigkill_during_sign_offs_keeps_each_signature_whole(db, db_url, actors, make_incident):
    from incident_desk.risk.models import Assessment
    from incident_desk.signoff.models import Signature
    from incident_desk.signoff.verify import verify_signatures
    from tests.conftest import PASSWORD
    from tests.signoff_helpers import submitted_assessment

    ids = [submitted_assessment(db, actors, make_incident()) for _ in range(8)]
    proc = _run_until(SIGN, [db_url, PASSWORD, *map(str, ids)], "signed", lines=2)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    _consistent(db)
    with db.reading() as s:
        assert list(verify_signatures(s)) == []
        for aid in ids:
            a = s.get(Assessment, aid)
            signed = s.execute(
                select(func.count()).select_from(Signature).where(Signature.assessment_id == aid)
            ).scalar_one()
            incident = s.get(Incident, a.incident_id)
            # Signed means all three: the signature, the locked assessment, the incident moved on.
            assert (
                (signed == 1) == a.locked == (a.status == "signed_off") == (incident.status == "signed_off")
            )
        assert 2 <= s.execute(select(func.count()).select_from(Signature)).scalar_one() < len(ids)
