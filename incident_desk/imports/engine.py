"""Checking and importing rows: validation before any write, then bulk inserts in one transaction.

``check`` turns a table and a mapping into prepared rows and a list of problems (by row number
and column, in plain words) without writing anything. ``run_import`` writes: new incidents with
references, local date parts, a closed (or reported) status and its history row, the injured
person, one audit event per incident and one for the run, and an ``ImportRun`` record. Rows
already imported from the same source (same external ID) are updated when they changed and
otherwise left alone, so importing a file twice never duplicates anything.

The whole run is ONE transaction: a failure or Cancel rolls everything back, including batches
already written, so the database is exactly as before. (SQLite and PostgreSQL both handle a
transaction of a million rows; batches exist for progress and memory, not for commits.)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
import time
import zoneinfo
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, insert, select, text, update
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from incident_desk import search
from incident_desk.actor import Actor
from incident_desk.audit.chain import COLUMNS as AUDIT_COLUMNS
from incident_desk.audit.chain import PendingEvent, append_many, chain_rows, claim, set_head
from incident_desk.audit.models import AuditEvent, Counter
from incident_desk.db.base import utcnow
from incident_desk.db.bulk import SQLiteRows, insert_rows
from incident_desk.db.database import Database
from incident_desk.errors import IncidentDeskError
from incident_desk.imports.mapping import (
    PERSON_TARGETS,
    TARGET,
    Mapping,
    MappingError,
    compile_rule,
    mapping_problems,
)
from incident_desk.imports.models import ImportRun
from incident_desk.imports.parsing import cut, parse_date, parse_int, parse_time
from incident_desk.imports.pipeline import BatchWriter
from incident_desk.imports.readers import Table, read_table
from incident_desk.incidents import references
from incident_desk.incidents.models import Incident, Person, StatusChange
from incident_desk.incidents.service import TREATMENT
from incident_desk.incidents.validation import CLOCK_SKEW
from incident_desk.org.models import Customer, IncidentType, Location, Organisation, SeverityLevel, Site
from incident_desk.progress import NO_PROGRESS, Progress
from incident_desk.search.index import COLUMNS as SEARCH_COLUMNS
from incident_desk.users.roles import require

BATCH = 5000
ZERO = Decimal("0")
NOON = dt.time(12, 0)
COMPARED = (
    "title",
    "description",
    "immediate_actions",
    "type_id",
    "severity_id",
    "occurred_at",
    "reported_at",
    "site_id",
    "location_id",
    "customer_id",
    "reporter_name",
)


@dataclass(frozen=True)
class Problem:
    row: int  # spreadsheet row number (the header is row 1); 0 for the mapping as a whole
    column: str
    message: str

    def __str__(self) -> str:
        where = f"Row {self.row}" if self.row else "Mapping"
        return f"{where}, {self.column}: {self.message}" if self.column else f"{where}: {self.message}"


class ImportProblems(IncidentDeskError):
    """Rows have problems and the user has not chosen to skip them: nothing was written."""

    def __init__(self, problems: list[Problem], bad_rows: int, total: int) -> None:
        self.problems = problems
        self.bad_rows = bad_rows
        first = str(problems[0]) if problems else ""
        if problems and problems[0].row == 0:
            message = f"The mapping does not fit the file: {first}"
        else:
            message = (
                f"{bad_rows:,} of {total:,} rows have problems (first: {first}). Nothing was imported. "
                "Fix the mapping or the file, or import with --skip-bad-rows to leave those rows out."
            )
        super().__init__(message)


@dataclass
class ImportOptions:
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    skip_bad_rows: bool = False
    dry_run: bool = False
    update_existing: bool = True
    source: str | None = None  # defaults to the file's name
    batch_size: int = BATCH


@dataclass
class Prepared:
    rows: list[dict[str, Any]]
    problems: list[Problem]
    bad_rows: set[int]
    total: int
    new_names: dict[str, set[str]] = field(default_factory=dict)  # lookup -> names to create


@dataclass
class ImportResult:
    source: str
    total_rows: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0  # bad rows left out
    problems: list[Problem] = field(default_factory=list)
    run_id: int | None = None
    seconds: float = 0.0
    dry_run: bool = False
    created_names: dict[str, int] = field(default_factory=dict)

    @property
    def rows_per_second(self) -> float:
        return self.total_rows / self.seconds if self.seconds > 0 else 0.0

    def summary(self) -> str:
        verb = "Would import" if self.dry_run else "Imported"
        parts = [f"{self.created:,} new", f"{self.updated:,} updated", f"{self.unchanged:,} unchanged"]
        if self.skipped:
            parts.append(f"{self.skipped:,} rows with problems skipped")
        return (
            f"{verb} {self.total_rows:,} rows from {self.source}: {', '.join(parts)} "
            f"({self.seconds:.1f} s, {self.rows_per_second:,.0f} rows/s)."
        )


# -- lookups --------------------------------------------------------------------------------
class Lookups:
    """Reference data by lower-cased name (and code), loaded once per run."""

    def __init__(self, session: Session) -> None:
        self.severity = {
            n.lower(): i for i, n in session.execute(select(SeverityLevel.id, SeverityLevel.name))
        }
        self.severity_names = list(session.scalars(select(SeverityLevel.name).order_by(SeverityLevel.rank)))
        self.type: dict[str, int] = {}
        for i, code, name in session.execute(select(IncidentType.id, IncidentType.code, IncidentType.name)):
            self.type[name.lower()] = i
            self.type[code.lower()] = i
            self.type[code.lower().replace("_", " ")] = i
        self.type_names = list(session.scalars(select(IncidentType.name).order_by(IncidentType.name)))
        self.site: dict[str, int] = {}
        for i, name, code in session.execute(select(Site.id, Site.name, Site.code)):
            self.site[name.lower()] = i
            if code:
                self.site.setdefault(code.lower(), i)
        self.location: dict[tuple[int | None, str], int] = {}
        for i, site_id, name in session.execute(select(Location.id, Location.site_id, Location.name)):
            self.location[(site_id, name.lower())] = i
            key = (None, name.lower())
            # Without a site, a location name counts only when it is unique.
            self.location[key] = -1 if key in self.location else i
        self.customer = {n.lower(): i for i, n in session.execute(select(Customer.id, Customer.name))}
        self.treatment = {k: k for k in TREATMENT}
        self.treatment.update({label.lower(): k for k, label in TREATMENT.items()})
        self.treatment.update({"hospitalized": "hospitalised", "death": "fatality", "fatal": "fatality"})


def _org(session: Session) -> Organisation:
    org = session.get(Organisation, 1)
    if org is None:
        raise IncidentDeskError("The database has no organisation settings; run `incident-desk init`.")
    return org


def _row_key(row: Sequence[str]) -> str:
    """An external ID for files without an ID column: the same row gives the same key."""
    return "row:" + hashlib.sha1("\x1f".join(c.strip() for c in row).encode()).hexdigest()[:32]


# -- checking -------------------------------------------------------------------------------
def check(session: Session, table: Table, mapping: Mapping, *, now: dt.datetime | None = None) -> Prepared:
    """Parse and validate every row; writes nothing."""
    checker = _Checker(session, table, mapping, now=now)
    if checker.mapping_problems:
        return Prepared([], checker.mapping_problems, set(), len(table.rows))
    checker.scan_ids()
    out: list[dict[str, Any]] = []
    problems: list[Problem] = []
    bad: set[int] = set()
    checker.check_rows(range(len(table.rows)), out, problems, bad)
    return Prepared(out, problems, bad, len(table.rows), checker.new_names)


class _Checker:
    """Checks rows of one table against one mapping: ``check`` does all rows in file order; an
    import on SQLite checks them a batch at a time, in the order they are written (see
    ``_stream``), with the same result for every row."""

    def __init__(self, session: Session, table: Table, mapping: Mapping, *, now: dt.datetime | None) -> None:
        self.table, self.mapping = table, mapping
        self.mapping_problems = [Problem(0, "", p) for p in mapping_problems(mapping, table.headers)]
        if self.mapping_problems:
            return
        self.tz = _zone(_org(session).timezone)
        self.latest = (now or utcnow()) + CLOCK_SKEW
        self.lookups = Lookups(session)
        self.compiled: dict[str, Callable[[Sequence[str]], str]] = {}
        self.labels: dict[str, str] = {}
        for name, rule in mapping.rules.items():
            if not rule.empty:
                try:
                    self.compiled[name] = compile_rule(rule, table.headers)
                except MappingError as exc:  # pragma: no cover - mapping_problems caught it
                    self.mapping_problems = [Problem(0, TARGET[name].label, str(exc))]
                    return
                self.labels[name] = rule.source_label()
        self.truncate = {name for name, rule in mapping.rules.items() if rule.truncate}
        self.date_formats = {name: mapping.rule(name).date_format for name in ("occurred", "reported")}
        self.local_cache: dict[tuple[Any, Any], tuple[dt.datetime, dt.date, int, int]] = {}
        self.new_names: dict[str, set[str]] = {"site": set(), "location": set(), "customer": set()}
        # A constant rule gives the same text for every row: work it out once.
        self.fixed = {
            name: fn(())
            for name, fn in self.compiled.items()
            if not (mapping.rules[name].column or mapping.rules[name].template or mapping.rules[name].derive)
        }
        self.varying = [(name, fn) for name, fn in self.compiled.items() if name not in self.fixed]
        self.external_ids: list[str] = []
        self.first_seen: dict[str, int] = {}

    def scan_ids(self) -> None:
        """Every row's external ID, and the row each ID first appears in (in file order)."""
        getter = self.compiled.get("external_id")
        if getter is not None:
            self.external_ids = ids = [getter(row) for row in self.table.rows]
        else:
            self.external_ids = ids = [_row_key(row) for row in self.table.rows]
        first = self.first_seen
        for index, ext in enumerate(ids):
            if ext and len(ext) <= 100 and ext not in first:
                first[ext] = index + 2

    def value(self, name: str, row: Sequence[str]) -> str:
        fn = self.compiled.get(name)
        return "" if fn is None else fn(row)

    def dates(
        self, occurred: str, clock_text: str, reported_text: str
    ) -> tuple[tuple[dt.datetime, dt.date, int, int] | None, dt.datetime | None, list[tuple[str, str]]]:
        """(occurred: UTC instant and local date parts, reported_at, problems as (target, message))."""
        found: list[tuple[str, str]] = []
        formats, cache, tz = self.date_formats, self.local_cache, self.tz
        parsed = parse_date(occurred, formats["occurred"]) if occurred else None
        if not occurred:
            found.append(("occurred", "the date is empty (required)"))
        elif parsed is None:
            found.append(
                (
                    "occurred",
                    f"“{occurred}” is not a date"
                    + (f" in the format {formats['occurred']}" if formats["occurred"] else ""),
                )
            )
        clock = None
        if clock_text:
            clock = parse_time(clock_text)
            if clock is None:
                found.append(("occurred_time", f"“{clock_text}” is not a time of day"))
        reported = parse_date(reported_text, formats["reported"]) if reported_text else None
        if reported_text and reported is None:
            found.append(("reported", f"“{reported_text}” is not a date"))
        if parsed is None:
            return None, None, found
        key = (parsed, clock)
        parts = cache.get(key)
        if parts is None:
            parts = cache[key] = _local(parsed, clock, tz)
        if parts[0] > self.latest:
            found.append(("occurred", f"the date {occurred} is in the future"))
        reported_at = parts[0]
        if reported is not None:
            rep = cache.get((reported, None))
            if rep is None:
                rep = cache[(reported, None)] = _local(reported, None, tz)
            if rep[0] >= parts[0]:
                reported_at = rep[0]
            elif isinstance(reported, dt.datetime) or rep[1] < parts[1]:
                found.append(("reported", "the reported date is before the occurred date"))
            # A reported date without a time on the day of occurrence: reported when it occurred.
        return parts, reported_at, found

    def reported_at(self, index: int) -> dt.datetime | None:
        """When the row was reported (what new incidents are numbered by); None if it cannot tell."""
        row = self.table.rows[index]
        value = self.value
        return self.dates(value("occurred", row), value("occurred_time", row), value("reported", row))[1]

    def check_rows(
        self, indices: Iterable[int], out: list[dict[str, Any]], problems: list[Problem], bad: set[int]
    ) -> None:
        """Check rows by index: good rows go to ``out``, the others' problems to ``problems``."""
        rows, labels, lookups = self.table.rows, self.labels, self.lookups
        compiled, fixed, varying = self.compiled, self.fixed, self.varying
        external_ids, first_seen = self.external_ids, self.first_seen
        truncate, new_names, dates = self.truncate, self.new_names, self.dates
        creatable = set(self.mapping.create_missing)
        has_person = any(t in compiled for t in PERSON_TARGETS)
        text_limits = [
            (name, TARGET[name].max_length, name in truncate) for name in TEXT_TARGETS if name in compiled
        ]
        lookup_tables = (("type", "type_id", lookups.type), ("severity", "severity_id", lookups.severity))
        has_ext = "external_id" in compiled
        number = 0
        row_problems: list[Problem] = []

        def problem(target: str, message: str) -> None:
            """A problem with the row being checked (``number``, ``row_problems``: the loop's own)."""
            row_problems.append(Problem(number, labels.get(target, TARGET[target].label), message))

        for index in indices:
            row = rows[index]
            number = index + 2
            v = fixed.copy()
            for name, fn in varying:
                v[name] = fn(row)
            row_problems = []

            rec: dict[str, Any] = {"row": number}
            ext = external_ids[index]
            if has_ext and not ext:
                problem("external_id", "the ID is empty (required to recognise the row on a later import)")
            if ext:
                if len(ext) > 100:
                    problem("external_id", f"the ID is {len(ext)} characters long; the most is 100")
                elif first_seen[ext] != number:
                    problem("external_id", f"the ID {ext!r} appears again (first in row {first_seen[ext]})")
            rec["external_id"] = ext

            for name, limit, cut_it in text_limits:
                value = v[name]
                if limit and len(value) > limit:
                    if cut_it:
                        value = cut(value, limit)
                    else:
                        problem(name, f"the text is {len(value):,} characters long; the most is {limit}")
                rec[name] = value
            if not rec.get("title"):
                problem("title", "the title is empty (required)")

            occurred = v.get("occurred", "")
            parts, reported_at, found = dates(occurred, v.get("occurred_time", ""), v.get("reported", ""))
            for target, message in found:
                problem(target, message)
            if parts is not None:
                rec["occurred_at"], rec["occurred_date"], rec["occurred_hour"], rec["occurred_weekday"] = parts
                rec["reported_at"] = reported_at

            for name, id_key, table_ in lookup_tables:
                value = v.get(name, "")
                if not value:
                    problem(name, f"the {TARGET[name].label.lower()} is empty (required)")
                    continue
                found_id = table_.get(value.lower())
                if found_id is None:
                    known = lookups.severity_names if name == "severity" else lookups.type_names
                    problem(name, f"unknown {TARGET[name].label.lower()} “{value}” (known: {', '.join(known)})")
                rec[id_key] = found_id

            site_id: Any = None
            if v.get("site"):
                site_id = lookups.site.get(v["site"].lower())
                if site_id is None:
                    if "site" in creatable and len(v["site"]) <= 100:
                        site_id = ("new", v["site"])
                        new_names["site"].add(v["site"])
                    else:
                        problem("site", f"unknown site “{v['site']}”")
            rec["site_id"] = site_id
            rec["location_id"] = None
            if v.get("location"):
                loc = v["location"]
                sid = site_id if isinstance(site_id, int) else None
                found_id = (
                    lookups.location.get((sid, loc.lower())) if site_id is None or sid is not None else None
                )
                if found_id == -1:
                    problem("location", f"“{loc}” is a location at several sites; map the site as well")
                elif found_id is not None:
                    rec["location_id"] = found_id
                elif "location" in creatable and site_id is not None and len(loc) <= 100:
                    rec["location_id"] = ("new", site_id, loc)
                    new_names["location"].add(loc)
                else:
                    problem("location", f"unknown location “{loc}”" + ("" if site_id else " (no site given)"))
            rec["customer_id"] = None
            if v.get("customer"):
                name = v["customer"]
                if len(name) > 200:
                    name = cut(name, 200) if "customer" in truncate else name
                found_id = lookups.customer.get(name.lower())
                if found_id is not None:
                    rec["customer_id"] = found_id
                elif "customer" in creatable and len(name) <= 200:
                    rec["customer_id"] = ("new", name)
                    new_names["customer"].add(name)
                else:
                    problem("customer", f"unknown customer “{name}”")

            if has_person:
                treatment = "none"
                if v.get("treatment"):
                    treatment = lookups.treatment.get(v["treatment"].lower())
                    if treatment is None:
                        problem(
                            "treatment",
                            f"unknown treatment “{v['treatment']}” (known: {', '.join(TREATMENT.values())})",
                        )
                        treatment = "none"
                days = parse_int(v.get("days_away", ""))
                if days is None:
                    problem("days_away", f"“{v['days_away']}” is not a number of days")
                rec["person"] = {
                    "name": rec.get("person_name") or "Unknown",
                    "job_title": rec.get("job_title", ""),
                    "body_part": rec.get("body_part", ""),
                    "nature_of_injury": rec.get("nature_of_injury", ""),
                    "treatment": treatment,
                    "days_away": days or 0,
                }
            if row_problems:
                problems.extend(row_problems)
                bad.add(number)
            else:
                out.append(rec)


TEXT_TARGETS = (
    "title",
    "description",
    "immediate_actions",
    "reporter_name",
    "person_name",
    "job_title",
    "body_part",
    "nature_of_injury",
)


def _zone(name: str) -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def _local(
    value: dt.date | dt.datetime, clock: dt.time | None, tz: dt.tzinfo
) -> tuple[dt.datetime, dt.date, int, int]:
    """UTC instant and local date/hour/weekday. A date without a time is taken as 12:00 local time."""
    if isinstance(value, dt.datetime):
        local = value.astimezone(tz) if value.tzinfo else value.replace(tzinfo=tz)
    else:
        local = dt.datetime.combine(value, clock or NOON, tzinfo=tz)
    return local.astimezone(dt.UTC), local.date(), local.hour, local.weekday()


# -- importing ------------------------------------------------------------------------------
def run_import(
    db: Database,
    actor: Actor,
    path: Path | str,
    mapping: Mapping,
    options: ImportOptions | None = None,
    progress: Progress = NO_PROGRESS,
    table: Table | None = None,
) -> ImportResult:
    """Read, check and import ``path``; raises ImportProblems (writing nothing) unless bad rows are skipped."""
    options = options or ImportOptions()
    path = Path(path)
    started = time.perf_counter()
    require(actor, "import.run")
    progress.update(0, 0, f"Reading {path.name}…")
    if table is None:
        table = read_table(path, encoding=options.encoding, delimiter=options.delimiter, sheet=options.sheet)
    source = (options.source or path.name)[:300]
    sha = _sha256(path)
    result = ImportResult(source, len(table.rows), dry_run=options.dry_run)
    try:
        with db.transaction() as session:
            progress.update(0, len(table.rows), "Checking rows…")
            checker = _Checker(session, table, mapping, now=None)
            if not checker.mapping_problems and _can_stream(session, mapping, options, source, table):
                checker.scan_ids()
                _stream(session, actor, checker, mapping, source, sha, options, progress, result, started)
            else:
                prepared = check(session, table, mapping)
                result.problems, result.skipped = prepared.problems, len(prepared.bad_rows)
                if prepared.problems and (
                    not options.skip_bad_rows or any(p.row == 0 for p in prepared.problems)
                ):
                    raise ImportProblems(prepared.problems, len(prepared.bad_rows), prepared.total)
                _write(session, actor, prepared, mapping, source, sha, options, progress, result, started)
                if options.dry_run:
                    raise _DryRun()
    except _DryRun:
        pass  # rolled back: a dry run writes nothing
    result.seconds = time.perf_counter() - started
    return result


def _can_stream(session: Session, mapping: Mapping, options: ImportOptions, source: str, table: Table) -> bool:
    """Whether ``_stream`` applies: new incidents only (nothing imported from this source yet),
    no names to create first, something to write, on SQLite (where batches are written on a
    second thread, and where IDs are simply the next numbers)."""
    return (
        session.get_bind().dialect.name == "sqlite"
        and not options.dry_run
        and not any(not mapping.rule(name).empty for name in mapping.create_missing)
        and len(table.rows) > 0
        and session.execute(select(Incident.id).where(Incident.source == source).limit(1)).first() is None
    )


class _DryRun(Exception):
    """Raised inside the transaction to roll back a dry run."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _create_missing(session: Session, prepared: Prepared, result: ImportResult) -> None:
    """Create the sites, locations and customers the mapping may create, then resolve the rows' ids."""
    ids: dict[tuple[Any, ...], int] = {}
    for name in sorted(prepared.new_names.get("site", ())):
        site = Site(name=name)
        session.add(site)
        session.flush()
        ids[("new", name)] = site.id
    customers = sorted(prepared.new_names.get("customer", ()), key=str.lower)
    seen: dict[str, int] = {}
    for name in customers:
        if name.lower() in seen:
            ids[("new", name)] = seen[name.lower()]
            continue
        cid = session.execute(
            insert(Customer).values(name=name, active=True).returning(Customer.id)
        ).scalar_one()
        seen[name.lower()] = ids[("new", name)] = cid
    for rec in prepared.rows:
        for key in ("site_id", "customer_id"):
            value = rec.get(key)
            if isinstance(value, tuple):
                rec[key] = ids.get(value) or seen.get(value[1].lower())
        loc = rec.get("location_id")
        if isinstance(loc, tuple):
            site_id = rec["site_id"]
            lkey = ("loc", site_id, loc[2].lower())
            if lkey not in ids:
                location = Location(site_id=site_id, name=loc[2])
                session.add(location)
                session.flush()
                ids[lkey] = location.id
            rec["location_id"] = ids[lkey]
    result.created_names = {
        "site": len(prepared.new_names.get("site", ())),
        "customer": len(seen),
        "location": sum(1 for k in ids if k[0] == "loc"),
    }


IMPORT_FTS_HASHSIZE = 64 * 1024 * 1024
FTS_DEFAULT_HASHSIZE = 1024 * 1024


@contextmanager
def _larger_cache(session: Session) -> Iterator[None]:
    """A bigger page cache for this connection during a large SQLite import."""
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    # A large import touches every index of the incidents table, and SQLite's default
    # 2 MB cache would spill to the WAL over and over.
    previous = session.execute(text("PRAGMA cache_size")).scalar_one()
    session.execute(text("PRAGMA cache_size = -262144"))
    # The full-text index buffers new terms in memory up to "hashsize" (1 MB by default), then
    # writes them out as a new segment that later merges rewrite. A larger buffer for the import
    # means far fewer segments and merges; the setting is restored in the same transaction.
    hashsize = session.execute(text("SELECT v FROM incident_search_config WHERE k = 'hashsize'")).scalar()
    session.execute(text("INSERT INTO incident_search(incident_search, rank) VALUES ('hashsize', :n)"),
                    {"n": IMPORT_FTS_HASHSIZE})
    try:
        yield
    finally:
        session.execute(text(f"PRAGMA cache_size = {int(previous)}"))
        session.execute(text("INSERT INTO incident_search(incident_search, rank) VALUES ('hashsize', :n)"),
                        {"n": int(hashsize) if hashsize is not None else FTS_DEFAULT_HASHSIZE})


def _existing(session: Session, source: str) -> dict[str, tuple[Any, ...]]:
    """Incidents imported before from the same source, by external ID: (id, external_id, *COMPARED)."""
    cols = [Incident.__table__.c[c] for c in ("id", "external_id", *COMPARED)]
    return {r[1]: tuple(r) for r in session.execute(select(*cols).where(Incident.source == source))}


def _write(
    session: Session,
    actor: Actor,
    prepared: Prepared,
    mapping: Mapping,
    source: str,
    sha: str,
    options: ImportOptions,
    progress: Progress,
    result: ImportResult,
    started: float,
) -> None:
    """Write checked rows: updates of rows imported before, then the new incidents."""
    existing = _existing(session, source)
    _create_missing(session, prepared, result)
    new_rows: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for rec in prepared.rows:
        old = existing.get(rec["external_id"])
        if old is None:
            new_rows.append(rec)
            continue
        differs = {
            c: rec.get(c)
            for i, c in enumerate(COMPARED)
            if rec.get(c, "" if c in ("description", "immediate_actions", "reporter_name") else None)
            != old[i + 2]
            and not (old[i + 2] is None and rec.get(c) in (None, ""))
        }
        if differs and options.update_existing:
            changed.append({"b_id": old[0], **rec, "changes": differs})
        else:
            result.unchanged += 1
    result.created, result.updated = len(new_rows), len(changed)
    if options.dry_run:
        return

    with _larger_cache(session):
        run = _NewIncidents(session, actor, mapping, source, sha, options, progress, started, len(new_rows))
        if changed:
            _update(session, changed, run.now)
            append_many(
                session,
                [
                    PendingEvent(
                        "update",
                        "incident",
                        c["b_id"],
                        c["b_id"],
                        f"Updated from import of {source}",
                        {"changes": sorted(c["changes"]), "row": c["row"], "import_run": run.run_id},
                        run.now,
                        actor.user_id,
                        actor.name,
                    )
                    for c in changed
                ],
            )
        new_rows.sort(key=lambda r: (r["reported_at"], r["row"]))
        run.start(reserve=len(new_rows))
        ids = _reserve_ids(session, len(new_rows), run.paused_after)
        refs: dict[int, list[str]] = {}
        by_year: dict[int, int] = {}
        for rec in new_rows:
            by_year[rec["reported_at"].year] = by_year.get(rec["reported_at"].year, 0) + 1
        for year, count in sorted(by_year.items()):
            refs[year] = references.reserve(session, run.prefix, year, count)[::-1]
        batch = max(1, options.batch_size)
        try:
            for start in range(0, len(new_rows), batch):
                part = new_rows[start : start + batch]
                run.add(part, ids[start : start + batch], [refs[r["reported_at"].year].pop() for r in part])
            run.writer.finish()
        finally:
            run.writer.close()
        run.finish(result, sha, sorted(prepared.bad_rows), len(prepared.rows) + result.skipped)


def _stream(
    session: Session,
    actor: Actor,
    checker: _Checker,
    mapping: Mapping,
    source: str,
    sha: str,
    options: ImportOptions,
    progress: Progress,
    result: ImportResult,
    started: float,
) -> None:
    """Check and write new incidents a batch at a time (SQLite; a file none of whose rows exist yet).

    The same result as ``check`` followed by ``_write``: rows are taken in the order new
    incidents are numbered (by when they were reported, then by row), each batch is checked
    while the one before it is being written, and the IDs, references and audit events follow
    on from the rows that pass. A row with a problem stops the writing unless bad rows are
    skipped; the rest are still checked so that the problem list is complete, and the caller's
    transaction then rolls back what was written.
    """
    rows = checker.table.rows
    keys = [checker.reported_at(i) for i in range(len(rows))]
    order = sorted(range(len(rows)), key=lambda i: (keys[i] is None, keys[i] or _EPOCH, i))
    problems: list[Problem] = []
    bad: set[int] = set()
    writing = True
    with _larger_cache(session):
        run = _NewIncidents(session, actor, mapping, source, sha, options, progress, started, len(rows))
        run.start(reserve=0)
        next_id = run.paused_after + 1
        # The last reference number of each year, read now: from here on only the writer thread
        # uses the connection (the write lock keeps anyone else from numbering meanwhile).
        years = {key.year for key in keys if key is not None}
        numbers = {year: _last_reference_number(session, year) for year in years}
        used: set[int] = set()
        batch = max(1, options.batch_size)
        try:
            for start in range(0, len(order), batch):
                good: list[dict[str, Any]] = []
                checker.check_rows(order[start : start + batch], good, problems, bad)
                if writing and problems and not options.skip_bad_rows:
                    writing = False  # ImportProblems below; go on checking for the full list
                    run.writer.close()
                if not writing:
                    progress.update(0, len(rows), "Checking rows…")
                    continue
                if not good:
                    continue
                refs = []
                for rec in good:
                    year = rec["reported_at"].year
                    numbers[year] += 1
                    used.add(year)
                    refs.append(references.format_reference(run.prefix, year, numbers[year]))
                run.add(good, range(next_id, next_id + len(good)), refs)
                next_id += len(good)
            run.writer.finish()
        finally:
            run.writer.close()
        problems.sort(key=lambda p: p.row)
        result.problems, result.skipped = problems, len(bad)
        if not writing:
            raise ImportProblems(problems, len(bad), len(rows))
        result.created = run.created
        for year in sorted(used):
            references.ensure_at_least(session, year, numbers[year])
        run.finish(result, sha, sorted(bad), len(rows))


def _run_sql(cursor: Any, sql: str, params: Sequence[Any]) -> None:
    """One statement on the DB-API cursor (no per-statement work in Python on the writer thread),
    its errors wrapped as SQLAlchemy wraps them (``Database.transaction`` explains those)."""
    try:
        cursor.execute(sql, params)
    except sqlite3.Error as exc:
        raise sa_exc.DBAPIError.instance(sql[:200], None, exc, sqlite3.Error) from exc


def _last_reference_number(session: Session, year: int) -> int:
    """The counter references.reserve bumps for ``year`` (0 before the year's first incident)."""
    value = session.execute(select(Counter.value).where(Counter.name == f"ref:{year}")).scalar_one_or_none()
    return int(value or 0)


_EPOCH = dt.datetime(1, 1, 1, tzinfo=dt.UTC)


class _NewIncidents:
    """Writes new incidents a batch at a time: the incident, its status history row, the injured
    person and one audit event each, and (on SQLite) their search index entries; on SQLite on
    the writer thread (see imports.pipeline) while the next batch is prepared."""

    def __init__(
        self,
        session: Session,
        actor: Actor,
        mapping: Mapping,
        source: str,
        sha: str,
        options: ImportOptions,
        progress: Progress,
        started: float,
        expected: int,
    ) -> None:
        org = _org(session)
        self.session, self.actor, self.mapping, self.source = session, actor, mapping, source
        self.progress, self.started, self.expected = progress, started, expected
        self.prefix = org.reference_prefix
        self.now = now = utcnow()
        self.sqlite = not db_is_postgres(session)
        self.created = 0
        self.run_id: int = session.execute(
            insert(ImportRun)
            .values(
                source=source,
                file_sha256=sha,
                mapping_name=mapping.name[:100],
                started_at=now,
                status="running",
                user_id=actor.user_id,
                created=0,
                updated=0,
                skipped=0,
            )
            .returning(ImportRun.id)
        ).scalar_one()
        self.closed = mapping.status == "closed"
        incident_constants = {
            "status": mapping.status,
            "acknowledged_at": None,
            "submitted_at": None,
            "signed_off_at": None,
            "resolved_at": None,
            "currency": org.currency,
            "reporter_id": None,
            "assignee_id": None,
            "five_whys": [],
            "voided": False,
            "source": source,
            "direct_cost": ZERO,
            "indirect_cost": ZERO,
            "satisfaction": None,
            "priority": None,
            "response_due_at": None,
            "resolution_summary": "",
            "root_cause": "",
            "lessons_learned": "",
            "void_reason": "",
            "voided_at": None,
            "voided_by_id": None,
            "created_at": now,
            "updated_at": now,
            "created_by_id": actor.user_id,
            "version": 1,
        }
        change_constants = {
            "from_status": None,
            "to_status": mapping.status,
            "user_id": actor.user_id,
            "user_name": actor.name,
            "note": f"Imported from {source}",
        }
        person_columns = ("incident_id", *PERSON_FIELDS, "date_of_death")
        person_constants = {k: v for k, v in PERSON_DEFAULTS.items() if k not in person_columns}
        self.tables = (
            (Incident.__table__, INCIDENT_COLUMNS, incident_constants, ()),
            (StatusChange.__table__, ("incident_id", "at"), change_constants, ()),
            (Person.__table__, person_columns, person_constants, ()),
            (AuditEvent.__table__, AUDIT_COLUMNS, None, ("details",) if self.sqlite else ()),
        )
        self.batch = max(1, options.batch_size)
        self.writer = BatchWriter(threaded=False)

    def start(self, reserve: int) -> None:
        """Pause search indexing and claim the audit chain; then only ``add`` until ``finish``."""
        session = self.session
        self.paused_after = self.indexed_to = search.pause(session)
        self.suspended = _suspend_paused_triggers(session)
        self.seq, self.prev_hash = claim(session, reserve)
        self.cursor = session.connection().connection.dbapi_connection.cursor() if self.sqlite else None
        self.row_writers = (
            [SQLiteRows(session, t, cols, const, raw=raw) for t, cols, const, raw in self.tables]
            if self.sqlite
            else []
        )
        self.writer = BatchWriter(threaded=self.sqlite and self.expected > self.batch)

    def add(self, recs: Sequence[dict[str, Any]], ids: Sequence[int], refs: Sequence[str]) -> None:
        """Queue one batch of checked rows with their ids and references (plain Python until submitted)."""
        inc_rows, change_rows, people_rows, events = [], [], [], []
        closed, source, now, run_id = self.closed, self.source, self.now, self.run_id
        user_id, user_name = self.actor.user_id, self.actor.name
        for rec, iid, ref in zip(recs, ids, refs, strict=True):
            reported_at = rec["reported_at"]
            external_id = rec["external_id"]
            inc_rows.append(
                (
                    iid,
                    ref,
                    rec["title"],
                    rec.get("description", ""),
                    rec.get("immediate_actions", ""),
                    rec["type_id"],
                    rec["severity_id"],
                    rec["occurred_at"],
                    reported_at,
                    rec["occurred_date"],
                    rec["occurred_hour"],
                    rec["occurred_weekday"],
                    reported_at if closed else None,
                    rec["site_id"],
                    rec["location_id"],
                    rec["customer_id"],
                    rec.get("reporter_name", ""),
                    external_id,
                )
            )
            change_rows.append((iid, reported_at))
            person = rec.get("person")
            if person is not None:
                people_rows.append(
                    (
                        iid,
                        *[person[k] for k in PERSON_FIELDS],
                        rec["occurred_date"] if person["treatment"] == "fatality" else None,
                    )
                )
            events.append(
                PendingEvent(
                    "import",
                    "incident",
                    iid,
                    iid,
                    f"Imported {ref} from {source}",
                    {"row": rec["row"], "external_id": external_id, "import_run": run_id},
                    now,
                    user_id,
                    user_name,
                )
            )
        audit_rows, self.prev_hash = chain_rows(events, self.seq, self.prev_hash, details_as_text=self.sqlite)
        self.seq += len(audit_rows)
        batches = (inc_rows, change_rows, people_rows, audit_rows)
        steps: list[Callable[[], object]] = []
        if self.sqlite:
            cursor = self.cursor
            for rows_writer, rows in zip(self.row_writers, batches, strict=True):
                steps += [partial(_run_sql, cursor, sql, p) for sql, p in rows_writer.statements(rows)]
            # The new incidents into the search index, a batch at a time (see search.resume).
            steps.append(partial(_run_sql, cursor, _INDEX_NEW, (ids[0], ids[-1])))
            self.indexed_to = ids[-1]
        else:
            for (table, cols, const, raw), rows in zip(self.tables, batches, strict=True):
                steps.append(partial(insert_rows, self.session, table, cols, rows, const, raw=raw))
        self.writer.submit(steps, len(inc_rows))
        self.created += len(inc_rows)
        done, elapsed = self.writer.done, max(1e-6, time.perf_counter() - self.started)
        self.progress.update(
            done,
            self.expected,
            f"Imported {done:,} of {self.expected:,} new incidents ({done / elapsed:,.0f} rows/s)",
        )

    def finish(self, result: ImportResult, sha: str, bad_rows: list[int], rows: int) -> None:
        """After the writer has finished: the chain head, search, and the import run's record and event."""
        session, actor, source, mapping = self.session, self.actor, self.source, self.mapping
        if self.cursor is not None:
            self.cursor.close()
        if self.created:
            set_head(session, self.prev_hash, self.seq - 1)
            self.progress.update(self.created, self.created, f"Imported {self.created:,} new incidents")
        _restore_triggers(session, self.suspended)
        search.resume(session, self.indexed_to)
        if not self.sqlite and self.created:
            session.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence('incidents', 'id'), "
                    "(SELECT COALESCE(MAX(id), 1) FROM incidents))"
                )
            )
        finished = utcnow()
        session.execute(
            update(ImportRun)
            .where(ImportRun.id == self.run_id)
            .values(
                finished_at=finished,
                created=result.created,
                updated=result.updated,
                skipped=result.skipped + result.unchanged,
                status="completed",
            )
        )
        result.run_id = self.run_id
        summary = (
            f"Imported {source} ({mapping.name or 'custom mapping'}): {result.created:,} new, "
            f"{result.updated:,} updated, {result.unchanged:,} unchanged, {result.skipped:,} rows skipped"
        )
        append_many(
            session,
            [
                PendingEvent(
                    "import",
                    "import_run",
                    self.run_id,
                    None,
                    summary,
                    {
                        "source": source,
                        "sha256": sha,
                        "mapping": mapping.to_dict(),
                        "rows": rows,
                        "created": result.created,
                        "updated": result.updated,
                        "unchanged": result.unchanged,
                        "skipped_rows": bad_rows[:1000],
                        "new_customers": result.created_names.get("customer", 0),
                        "new_sites": result.created_names.get("site", 0),
                    },
                    finished,
                    actor.user_id,
                    actor.name,
                )
            ],
        )


# What search.resume runs for the rows written while paused, for one batch's id range.
_INDEX_NEW = (
    f"INSERT INTO incident_search(rowid, {SEARCH_COLUMNS}) "
    f"SELECT id, {SEARCH_COLUMNS} FROM incident_search_source WHERE id BETWEEN ? AND ?"
)


# The search index's insert triggers (migration 0003_search) do nothing while search is paused,
# yet SQLite still runs each one's program for every row to find that out: a frame set up per row,
# which costs more than the row's own insert. ``_suspend_paused_triggers`` drops exactly those
# triggers for the rest of the import transaction and ``_restore_triggers`` re-creates them from
# the SQL they were stored with, before the commit. Both happen inside the one transaction, so
# other connections never see the schema without them, and a failure, Cancel or crash rolls the
# drop back with everything else.
_PAUSED_GUARD = "WHEN NOT EXISTS (SELECT 1 FROM counters WHERE name = 'search:paused')"


def _suspend_paused_triggers(session: Session) -> list[tuple[str, str]]:
    if session.get_bind().dialect.name != "sqlite":
        return []
    triggers = [
        (name, sql)
        for name, sql in session.execute(
            text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name IN ('incidents', 'people') ORDER BY name"
            )
        )
        if sql and _PAUSED_GUARD in sql and " INSERT ON " in sql.upper()
    ]
    for name, _sql in triggers:
        session.execute(text(f'DROP TRIGGER "{name}"'))
    return triggers


def _restore_triggers(session: Session, triggers: list[tuple[str, str]]) -> None:
    for _name, sql in triggers:
        session.connection().exec_driver_sql(sql)


def db_is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _reserve_ids(session: Session, count: int, last_id: int) -> list[int]:
    if not count:
        return []
    if db_is_postgres(session):
        return list(
            session.scalars(
                text("SELECT nextval(pg_get_serial_sequence('incidents', 'id')) FROM generate_series(1, :n)"),
                {"n": count},
            )
        )
    # SQLite: the transaction holds the write lock (BEGIN IMMEDIATE), so max(id) cannot move under us.
    return list(range(last_id + 1, last_id + 1 + count))


def _update(session: Session, changed: list[dict[str, Any]], now: dt.datetime) -> None:
    t = Incident.__table__
    values = {
        c: bindparam(f"v_{c}") for c in (*COMPARED, "occurred_date", "occurred_hour", "occurred_weekday")
    }
    stmt = (
        update(t)
        .where(t.c.id == bindparam("b_id"))
        .values(**values, updated_at=bindparam("v_updated_at"), version=t.c.version + 1)
    )
    params = []
    for c in changed:
        p = {"b_id": c["b_id"], "v_updated_at": now}
        for col in (*COMPARED, "occurred_date", "occurred_hour", "occurred_weekday"):
            p[f"v_{col}"] = c.get(
                col, "" if col in ("description", "immediate_actions", "reporter_name") else None
            )
        params.append(p)
    session.execute(stmt, params)


# The columns of a new incident that differ from row to row, in the order of the tuples built above.
INCIDENT_COLUMNS = (
    "id",
    "reference",
    "title",
    "description",
    "immediate_actions",
    "type_id",
    "severity_id",
    "occurred_at",
    "reported_at",
    "occurred_date",
    "occurred_hour",
    "occurred_weekday",
    "closed_at",
    "site_id",
    "location_id",
    "customer_id",
    "reporter_name",
    "external_id",
)
# What ``check`` puts in a row's "person" (every key, always).
PERSON_FIELDS = ("name", "job_title", "body_part", "nature_of_injury", "treatment", "days_away")

PERSON_DEFAULTS: dict[str, Any] = dict(
    role="injured",
    employment="employee",
    job_title="",
    contact="",
    statement="",
    body_part="",
    body_side="",
    nature_of_injury="",
    treatment="none",
    days_away=0,
    days_restricted=0,
    privacy_case=False,
    recordable=False,
    osha_case_number="",
    osha_outcome="",
    osha_case_type="",
    date_of_birth=None,
    date_hired=None,
    sex="",
    address="",
    physician="",
    treatment_facility="",
    treatment_facility_type="",
    treated_in_er=None,
    hospitalized_inpatient=None,
    time_started_work=None,
    time_of_event=None,
    activity_before="",
    object_substance="",
    date_of_death=None,
    version=1,
)
