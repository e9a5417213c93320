"""Test configuration: offscreen Qt, a private data folder, and a fresh database per test.

Database tests take the ``db`` fixture and run once on SQLite and, when ``--pg-url`` or
``INCIDENT_DESK_TEST_PG`` names a PostgreSQL server (an admin URL able to CREATE DATABASE),
once more on PostgreSQL. Each test gets a copy of a template database that was migrated and
seeded once per session, with one account per role (password ``PASSWORD`` below).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# Before anything imports Qt or reads the data folder.
_SESSION_DIR = Path(tempfile.mkdtemp(prefix="incident-desk-tests-"))
os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ["INCIDENT_DESK_DATA_DIR"] = str(_SESSION_DIR / "data")
os.environ["XDG_CONFIG_HOME"] = str(_SESSION_DIR / "config")
os.environ["XDG_DATA_HOME"] = str(_SESSION_DIR / "xdg-data")
os.environ.pop("INCIDENT_DESK_DB", None)

import pytest  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.exc import OperationalError, ProgrammingError  # noqa: E402

from incident_desk.actor import Actor  # noqa: E402
from incident_desk.db import Database, open_database  # noqa: E402

PASSWORD = "correct horse battery"
ACCOUNTS = {
    # key: (username, full name, roles)
    "admin": ("admin", "Ada Admin", ["admin"]),
    "officer": ("officer", "Olu Officer", ["officer"]),
    "officer2": ("officer2", "Oona Officer", ["officer"]),
    "manager": ("manager", "Mia Manager", ["manager"]),
    "manager2": ("manager2", "Mo Manager", ["manager"]),
    "reporter": ("reporter", "Rui Reporter", ["reporter"]),
}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--pg-url", default=os.environ.get("INCIDENT_DESK_TEST_PG", ""),
                     help="PostgreSQL admin URL (postgresql+psycopg://user:pass@host/postgres) for database tests")


def _pg_url(config: pytest.Config) -> str:
    return str(config.getoption("--pg-url") or "")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "db_backend" in metafunc.fixturenames:
        backends = ["sqlite"] + (["postgresql"] if _pg_url(metafunc.config) else [])
        metafunc.parametrize("db_backend", backends, scope="function")


def pytest_report_header(config: pytest.Config) -> str:
    pg = _pg_url(config)
    return f"incident-desk databases: sqlite{' + postgresql (' + make_url(pg).render_as_string() + ')' if pg else ''}"


def seed_template(db: Database) -> None:
    from incident_desk.org.models import Customer, Location, Site
    from incident_desk.users import service as users

    with db.transaction() as s:
        for key, (username, name, roles) in ACCOUNTS.items():
            users.create_user(s, Actor.system("tests"), username=username, full_name=name, password=PASSWORD,
                              roles=roles, email=f"{key}@example.test")
        plant = Site(name="Test Plant", code="TP", street="1 Main St", city="Springfield", state="IL",
                     zip="62701", naics_code="332312", industry_description="Metal fabrication")
        depot = Site(name="Test Depot", code="TD", street="2 Side St", city="Salem", state="OR", zip="97301",
                     naics_code="493110", industry_description="Warehousing")
        s.add_all([plant, depot])
        s.flush()
        s.add_all([Location(site_id=plant.id, name="Workshop"), Location(site_id=plant.id, name="Loading bay"),
                   Location(site_id=depot.id, name="Yard")])
        s.add_all([Customer(name="Acme Corp"), Customer(name="Globex")])


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    db = open_database(f"sqlite:///{path}")
    seed_template(db)
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.dispose()
    return path


@pytest.fixture(scope="session")
def pg_template(request: pytest.FixtureRequest) -> Iterator[str]:
    admin_url = _pg_url(request.config)
    if not admin_url:
        pytest.fail("PostgreSQL was asked for but no --pg-url is configured")
    name = f"idt_template_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    db = open_database(url)
    seed_template(db)
    db.dispose()
    with admin.connect() as conn:
        # Nobody (autovacuum included) may connect to the template while tests copy it:
        # CREATE DATABASE … TEMPLATE fails if anyone is connected.
        conn.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false'))
    yield name
    _drop_database(admin, name)
    admin.dispose()


@pytest.fixture
def db_url(db_backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh copy of the template database, on each configured backend."""
    if db_backend == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "test.sqlite3"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    template_name = request.getfixturevalue("pg_template")
    admin_url = _pg_url(request.config)
    name = f"idt_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    for attempt in range(5):
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"'))
            break
        except OperationalError:  # the server still finishing with a previous copy; try again
            if attempt == 4:
                raise
            time.sleep(0.5 * (attempt + 1))
    yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    _drop_database(admin, name)
    admin.dispose()


def _drop_database(admin: Any, name: str) -> None:
    """Drop a test database; a busy server (autovacuum still in it) gets a few more tries."""
    for attempt in range(5):
        try:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            return
        except (OperationalError, ProgrammingError):
            time.sleep(0.5 * (attempt + 1))
    with admin.connect() as conn:  # last try without FORCE: a leftover database fails loudly here
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))


@pytest.fixture
def empty_db_url(db_backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all, on each configured backend."""
    if db_backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    admin_url = _pg_url(request.config)
    name = f"idt_empty_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    _drop_database(admin, name)
    admin.dispose()


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def sqlite_db(sqlite_template: Path, tmp_path: Path) -> Iterator[Database]:
    """SQLite only: for GUI tests, whose database behaviour the ``db`` tests already cover on both."""
    path = tmp_path / "gui.sqlite3"
    shutil.copyfile(sqlite_template, path)
    database = Database(f"sqlite:///{path}")
    yield database
    database.dispose()


def _actors(database: Database) -> dict[str, Actor]:
    from incident_desk.users import service as users

    with database.reading() as s:
        return {key: Actor.for_user(users.by_username(s, username))
                for key, (username, _n, _r) in ACCOUNTS.items()}


@pytest.fixture
def actors(db: Database) -> dict[str, Actor]:
    return _actors(db)


@pytest.fixture
def gui_actors(sqlite_db: Database) -> dict[str, Actor]:
    return _actors(sqlite_db)


def reference_ids(database: Database) -> dict[str, Any]:
    """Ids of the seeded reference data by name, for building test incidents."""
    from sqlalchemy import select

    from incident_desk.org.models import Customer, IncidentType, Location, SeverityLevel, Site

    with database.reading() as s:
        return {
            "severity": {x.name: x.id for x in s.scalars(select(SeverityLevel))},
            "type": {x.code: x.id for x in s.scalars(select(IncidentType))},
            "site": {x.name: x.id for x in s.scalars(select(Site))},
            "location": {x.name: x.id for x in s.scalars(select(Location))},
            "customer": {x.name: x.id for x in s.scalars(select(Customer))},
        }


@pytest.fixture
def refs(db: Database) -> dict[str, Any]:
    return reference_ids(db)


def incident_data(refs: dict[str, Any], **overrides: Any) -> Any:
    from incident_desk.incidents.validation import IncidentData

    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    values: dict[str, Any] = dict(
        title="Slip on wet floor", type_id=refs["type"]["injury"], severity_id=refs["severity"]["Major"],
        occurred_at=now - dt.timedelta(hours=3), reported_at=now - dt.timedelta(hours=2),
        site_id=refs["site"]["Test Plant"], location_id=refs["location"]["Workshop"],
        description="Employee slipped near the wash station.", immediate_actions="Area dried and signed.")
    values.update(overrides)
    return IncidentData(**values)


@pytest.fixture
def make_incident(db: Database, actors: dict[str, Actor], refs: dict[str, Any]) -> Any:
    """Create an incident through the service; returns its id."""
    from incident_desk.incidents import service

    def make(actor: str = "officer", **overrides: Any) -> int:
        with db.transaction() as s:
            return service.create(s, actors[actor], incident_data(refs, **overrides)).id

    return make
