"""The one place that opens a database: engine, sessions, transactions, migrations and backups."""

from __future__ import annotations

import datetime as dt
import logging
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, InterfaceError, NoSuchModuleError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from incident_desk.errors import ConcurrencyError, DatabaseError

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(engine: Engine | None = None) -> Config:
    # Alembic (and Mako, and Pygments behind it) is imported only when migrations are
    # looked at, which an up-to-date database skips: this keeps the app's start-up fast.
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def head_revisions() -> tuple[str, ...]:
    from alembic.script import ScriptDirectory

    return tuple(ScriptDirectory.from_config(alembic_config()).get_heads())


def script_heads() -> frozenset[str] | None:
    """The head revisions read straight from the migration files (no Alembic import), or None
    when a file does not have the usual ``revision = "…"`` / ``down_revision = …`` lines."""
    import ast
    import re

    pattern = re.compile(r"^(revision|down_revision)\s*(?::[^=]*)?=\s*(.+)$", re.MULTILINE)
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        found = dict(m.groups() for m in pattern.finditer(path.read_text(encoding="utf-8")))
        try:
            revision = ast.literal_eval(found["revision"].strip())
            down = ast.literal_eval(found["down_revision"].strip())
        except (KeyError, ValueError, SyntaxError):
            return None
        if not isinstance(revision, str):
            return None
        revisions.add(revision)
        parents.update([down] if isinstance(down, str) else (down or ()))
    return frozenset(revisions - parents) or None


def describe_url(url: str) -> str:
    """The URL without its password, for messages and the status bar."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def _install_sqlite_pragmas(engine: Engine, busy_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        # Take over BEGIN from pysqlite so write transactions can BEGIN IMMEDIATE (below).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute(f"PRAGMA busy_timeout = {busy_ms}")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = NORMAL")
        # 64 MB of page cache: index maintenance on large logs stays in memory.
        cur.execute("PRAGMA cache_size = -65536")
        cur.execute("PRAGMA temp_store = MEMORY")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A writer takes the write lock up front: two clients on one file then queue on
        # busy_timeout instead of failing with "database is locked" half-way through.
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


class Database:
    """An open database. ``transaction()`` is the unit of work for one user action."""

    def __init__(self, url: str, *, echo: bool = False, busy_timeout: float = 15.0) -> None:
        self.url = url
        self.display_url = describe_url(url)
        try:
            parsed = make_url(url)
        except ArgumentError as exc:
            raise DatabaseError(f"Not a database URL: {url!r} (expected e.g. sqlite:///path/file.sqlite3 "
                                "or postgresql+psycopg://user:password@host/dbname)") from exc
        self.dialect = parsed.get_backend_name()
        kwargs: dict[str, Any] = {"echo": echo, "future": True}
        if self.dialect == "sqlite":
            self._check_sqlite_path(parsed.database)
            kwargs["connect_args"] = {"timeout": busy_timeout, "check_same_thread": False}
        elif self.dialect == "postgresql":
            kwargs["pool_pre_ping"] = True
            kwargs["connect_args"] = {"connect_timeout": 5}
        else:
            raise DatabaseError(f"Unsupported database {self.dialect!r}: use a SQLite file or PostgreSQL.")
        try:
            self.engine = create_engine(url, **kwargs)
        except (NoSuchModuleError, ArgumentError, ImportError) as exc:
            raise DatabaseError(f"Cannot use database URL {self.display_url}: {exc}") from exc
        if self.dialect == "sqlite":
            _install_sqlite_pragmas(self.engine, int(busy_timeout * 1000))
            self._write_engine = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        else:
            self._write_engine = self.engine
        self._sessions = sessionmaker(bind=self.engine, expire_on_commit=False)
        self._write_sessions = sessionmaker(bind=self._write_engine, expire_on_commit=False)

    # -- opening -------------------------------------------------------------------------
    @staticmethod
    def _check_sqlite_path(database: str | None) -> None:
        if not database or database == ":memory:":
            return
        path = Path(database)
        folder = path.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseError(f"Cannot create the folder {folder}: {exc.strerror}. "
                                "Choose another location with --db.") from exc
        if path.exists():
            if not os.access(path, os.R_OK):
                raise DatabaseError(f"Cannot read the database file {path}: permission denied.")
        elif not os.access(folder, os.W_OK):
            raise DatabaseError(f"Cannot create a database in {folder}: the folder is not writable. "
                                "Choose another location with --db.")

    def check_connection(self) -> None:
        """Connect once, turning driver errors into one plain sentence."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except OperationalError as exc:
            raise DatabaseError(self._explain(exc)) from exc
        except SQLAlchemyError as exc:
            raise DatabaseError(f"Cannot open {self.display_url}: {exc}") from exc

    def _explain(self, exc: Exception) -> str:
        detail = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else repr(exc)
        low = detail.lower()
        if "database is locked" in low:
            return ("The database is locked by another program or client that is writing to it. Try again in a "
                    "moment; nothing was saved.")
        if "readonly" in low or "read-only" in low:
            return "The database is read-only, so nothing can be saved. Check the file's permissions or the disk."
        if "disk is full" in low or "no space" in low:
            return "The disk holding the database is full: free some space and try again. Nothing was saved."
        if self.dialect == "postgresql":
            url = make_url(self.url)
            return (f"Cannot connect to the PostgreSQL server at {url.host or 'localhost'}:{url.port or 5432} "
                    f"(database {url.database!r}): {detail}")
        return f"Cannot open the SQLite database {make_url(self.url).database}: {detail}"

    # -- sessions ------------------------------------------------------------------------
    def session(self) -> Session:
        """A session for reading. Use ``transaction()`` to change anything."""
        return self._sessions()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commits on success, rolls back on any error.

        Bumps the change counter other clients watch (see incident_desk/changes.py).
        """
        try:
            with self._write_sessions() as session, session.begin():
                yield session
                from incident_desk.changes import bump

                bump(session)
        except (OperationalError, InterfaceError) as exc:
            raise DatabaseError(self._explain(exc)) from exc
        except StaleDataError as exc:
            # Another client saved the same record between our read and our write.
            raise ConcurrencyError("Someone else saved this record at the same moment. Reload it and apply "
                                   "your changes again; nothing of yours was saved.") from exc

    @contextmanager
    def reading(self) -> Iterator[Session]:
        try:
            with self._sessions() as session, session.begin():
                yield session
        except (OperationalError, InterfaceError) as exc:
            raise DatabaseError(self._explain(exc)) from exc

    def analyze(self) -> None:
        """Refresh the query planner's statistics after a bulk load (demo data, imports)."""
        with self.engine.connect() as conn:
            if self.dialect == "postgresql":
                conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
            else:
                conn.exec_driver_sql("ANALYZE")
                conn.commit()

    def dispose(self) -> None:
        self.engine.dispose()

    # -- migrations ----------------------------------------------------------------------
    def current_revisions(self) -> tuple[str, ...]:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return tuple(MigrationContext.configure(conn).get_current_heads())

    def is_empty(self) -> bool:
        with self.engine.connect() as conn:
            return not inspect(conn).get_table_names()

    def needs_seed(self) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(text("SELECT COUNT(*) FROM organisation")).scalar_one() == 0

    def needs_upgrade(self) -> bool:
        return set(self.current_revisions()) != set(head_revisions())

    def is_up_to_date(self) -> bool:
        """Quick check without Alembic: the stored revisions are exactly the files' heads."""
        heads = script_heads()
        if heads is None:
            return False
        try:
            with self.engine.connect() as conn:
                stored = {row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))}
        except SQLAlchemyError:
            return False
        return stored == heads

    def upgrade(self, revision: str = "heads", *, backup: bool = True) -> Path | None:
        """Bring the schema to ``revision``; back up an existing SQLite file first.

        Returns the backup's path when one was made.
        """
        from alembic import command
        from alembic.script import ScriptDirectory

        self.check_connection()
        current = set(self.current_revisions())
        known = {rev.revision for rev in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
        unknown = current - known
        if unknown:
            raise DatabaseError(
                f"This database was written by a newer version of Incident Desk (schema {', '.join(sorted(unknown))}). "
                "Install the newer version to open it.")
        backup_path = None
        if backup and current and self.dialect == "sqlite" and revision == "heads" and current != set(head_revisions()):
            backup_path = self.backup_sqlite(reason="before-upgrade")
        try:
            with self.engine.begin() as conn:
                cfg = alembic_config()
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, revision)
        except OperationalError as exc:
            raise DatabaseError(f"Upgrading {self.display_url} failed: {self._explain(exc)}") from exc
        return backup_path

    # -- backups -------------------------------------------------------------------------
    def sqlite_path(self) -> Path | None:
        if self.dialect != "sqlite":
            return None
        database = make_url(self.url).database
        return Path(database) if database and database != ":memory:" else None

    def backup_sqlite(self, target: Path | None = None, *, reason: str = "backup") -> Path:
        """A consistent online copy through SQLite's backup API."""
        source = self.sqlite_path()
        if source is None:
            raise DatabaseError("Only a SQLite database file can be copied this way.")
        if target is None:
            from incident_desk.paths import backup_dir

            stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
            target = backup_dir() / f"{source.stem}.{reason}.{stamp}.sqlite3"
        target.parent.mkdir(parents=True, exist_ok=True)
        src = sqlite3.connect(str(source))
        dst = sqlite3.connect(str(target))
        try:
            with dst:
                src.backup(dst)
            # A backup is one self-contained file, not a WAL database with side files.
            dst.execute("PRAGMA journal_mode = DELETE")
        finally:
            dst.close()
            src.close()
        log.info("backed up %s to %s", source, target)
        return target


def open_database(url: str, *, upgrade: bool = True, echo: bool = False) -> Database:
    """Open (and by default create or upgrade) the database at ``url``."""
    db = Database(url, echo=echo)
    try:
        db.check_connection()
        if upgrade:
            created = db.is_empty()
            if created or not db.is_up_to_date():
                db.upgrade()
            if created or db.needs_seed():
                from incident_desk.bootstrap import seed_defaults

                with db.transaction() as session:
                    seed_defaults(session)
    except BaseException:
        db.dispose()
        raise
    return db
