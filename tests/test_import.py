"""Importing incidents: the two real OSHA files, validation, idempotent re-import, encodings, cancel."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from incident_desk.audit.chain import verify_chain
from incident_desk.audit.models import AuditEvent
from incident_desk.db import Database
from incident_desk.errors import DatabaseError
from incident_desk.imports import engine, mapping
from incident_desk.imports.models import ImportRun
from incident_desk.imports.readers import detect_encoding, read_table
from incident_desk.incidents.models import Incident, Person, StatusChange
from incident_desk.org.models import Customer
from incident_desk.progress import Cancelled, Progress
from incident_desk.search import search

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
SIR = SHARED / "osha_severe_injury_reports_2015_sample.csv"
FATALITIES = SHARED / "osha_fatalities_2009_2022.csv"


def counts(db: Database) -> dict[str, int]:
    with db.reading() as s:
        return {
            name: s.execute(text(f"SELECT count(*) FROM {name}")).scalar_one()
            for name in (
                "incidents",
                "people",
                "status_changes",
                "audit_events",
                "import_runs",
                "customers",
                "counters",
            )
        }


def write_csv(path: Path, body: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(body.encode(encoding))
    return path


SIMPLE = {
    "name": "simple",
    "rules": {
        "external_id": "id",
        "title": "title",
        "occurred": "date",
        "severity": "severity",
        "type": {"constant": "injury"},
        "description": "what happened",
        "person_name": "injured",
    },
}


def test_shared_data_is_there() -> None:
    assert SIR.is_file() and FATALITIES.is_file(), f"shared OSHA samples not found in {SHARED}"


def test_severe_injury_reports_import_end_to_end(db: Database, actors: dict[str, Any]) -> None:
    table = read_table(SIR)
    chosen = mapping.suggest(table.headers)
    assert chosen.name == "OSHA Severe Injury Reports"
    before = counts(db)
    result = engine.run_import(db, actors["officer"], SIR, chosen)
    assert (result.created, result.updated, result.skipped, result.total_rows) == (369, 0, 0, 369)
    after = counts(db)
    assert after["incidents"] - before["incidents"] == 369
    assert after["people"] - before["people"] == 369
    assert after["status_changes"] - before["status_changes"] == 369
    assert after["audit_events"] - before["audit_events"] == 370  # one per incident + one for the run
    with db.reading() as s:
        inc = s.scalars(
            select(Incident).where(Incident.source == SIR.name, Incident.external_id == "2015010015")
        ).one()
        assert inc.status == "closed" and inc.closed_at is not None
        assert inc.occurred_date == dt.date(2015, 1, 1) and inc.reference.startswith("INC-2015-")
        assert inc.description.startswith("Three correctional facility guards")
        assert "FCI Otisville" in inc.description and "10963" in inc.description
        assert inc.severity.name == "Urgent"  # hospitalised, no amputation
        assert (
            inc.customer is not None and inc.customer.name == "FCI Otisville Federal Correctional Institution"
        )
        person = inc.people[0]
        assert (person.role, person.body_part, person.nature_of_injury, person.treatment) == (
            "injured",
            "Lower leg(s)",
            "Fractures",
            "hospitalised",
        )
        amputations = s.scalars(
            select(Incident)
            .join(Person)
            .where(Incident.source == SIR.name, Person.nature_of_injury == "Amputations")
        ).all()
        assert amputations and all(i.severity.name == "Critical" for i in amputations)
        run = s.scalars(select(ImportRun).order_by(ImportRun.id.desc())).first()
        assert run is not None and (run.status, run.created, run.mapping_name) == (
            "completed",
            369,
            "OSHA Severe Injury Reports",
        )
        assert (
            s.execute(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.entity == "import_run")
            ).scalar_one()
            == 1
        )
        assert list(verify_chain(s)) == []
        # Imported narratives are searchable at once.
        assert any(h.incident_id == inc.id for h in search(s, "correctional inmate fibula"))


def test_fatalities_import_and_reimport_is_idempotent(db: Database, actors: dict[str, Any]) -> None:
    chosen = mapping.load(None, "OSHA fatalities")
    first = engine.run_import(db, actors["officer"], FATALITIES, chosen)
    assert first.created == 14914 and first.problems == []
    with db.reading() as s:
        inc = s.scalars(
            select(Incident).where(Incident.source == FATALITIES.name, Incident.external_id == "3")
        ).one()
        assert inc.occurred_date == dt.date(2009, 7, 6) and inc.severity.name == "Critical"
        assert inc.title.startswith("Victim was conducting roofing work") and len(inc.title) <= 200
        assert "Place: miami, florida" in inc.description
        assert inc.people[0].treatment == "fatality" and inc.people[0].date_of_death == dt.date(2009, 7, 6)
        years = {
            r[4:8] for r in s.scalars(select(Incident.reference).where(Incident.source == FATALITIES.name))
        }
        assert set(years) >= {"2009", "2015", "2022"}
    before = counts(db)
    again = engine.run_import(db, actors["officer"], FATALITIES, chosen)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 14914)
    after = counts(db)
    assert after["incidents"] == before["incidents"] and after["people"] == before["people"]
    assert after["import_runs"] == before["import_runs"] + 1


def test_bad_rows_are_listed_and_nothing_is_written_until_confirmed(
    db: Database, actors: dict[str, Any], tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "log.csv",
        "id,date,title,severity,what happened,injured\n"
        "A1,2024-01-05,Slip in yard,Major,Wet floor,Ann\n"
        "A2,2024-13-45,Trip on cable,Minor,,\n"
        "A3,2024-01-07,,Severe,,\n"
        "A4,2024-01-08," + "x" * 250 + ",Minor,,\n"
        "A5,,Cut finger,Minor,,\n"
        "A6,2024-01-09,Burn,Minor,,\n",
    )
    chosen = mapping.Mapping.from_dict(SIMPLE)
    before = counts(db)
    with pytest.raises(engine.ImportProblems) as info:
        engine.run_import(db, actors["officer"], path, chosen)
    problems = [str(p) for p in info.value.problems]
    assert problems == [
        "Row 3, date: “2024-13-45” is not a date",
        "Row 4, title: the title is empty (required)",
        "Row 4, severity: unknown severity “Severe” (known: Critical, Urgent, Major, Minor)",
        "Row 5, title: the text is 250 characters long; the most is 200",
        "Row 6, date: the date is empty (required)",
    ]
    assert "4 of 6 rows have problems" in str(info.value)
    assert counts(db) == before  # nothing written

    result = engine.run_import(db, actors["officer"], path, chosen, engine.ImportOptions(skip_bad_rows=True))
    assert (result.created, result.skipped) == (2, 4)
    with db.reading() as s:
        titles = set(s.scalars(select(Incident.title).where(Incident.source == "log.csv")))
        assert titles == {"Slip in yard", "Burn"}
        slip = s.scalars(select(Incident).where(Incident.external_id == "A1")).one()
        assert slip.people[0].name == "Ann" and slip.description == "Wet floor"


def test_mapping_problems_and_extra_columns(db: Database, actors: dict[str, Any], tmp_path: Path) -> None:
    # A newer OSHA release adds columns: still the built-in layout, and the extra column is ignored.
    lines = SIR.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\r\n") + ',"Loss of Eye","FederalState"\r\n'
    newer = write_csv(tmp_path / "sir_newer.csv", header + "".join(lines[1:]))
    table = read_table(newer)
    assert mapping.detect_builtin(table.headers) is not None
    missing = mapping.Mapping.from_dict(
        {"rules": {"title": "nope", "occurred": "EventDate", "severity": {"constant": "Major"}}}
    )
    assert mapping.mapping_problems(missing, table.headers) == [
        "Title: The mapping uses column 'nope', which the file does not have.",
        "Incident type is required: choose a column or a constant value.",
    ]
    with pytest.raises(engine.ImportProblems, match="mapping does not fit"):
        engine.run_import(db, actors["officer"], newer, missing)


def test_reimport_updates_changed_rows(db: Database, actors: dict[str, Any], tmp_path: Path) -> None:
    chosen = mapping.Mapping.from_dict(SIMPLE)
    body = "id,date,title,severity,what happened,injured\n1,2024-02-01,Slip,Minor,Wet,Ann\n2,2024-02-02,Trip,Minor,,Bo\n"
    path = write_csv(tmp_path / "log.csv", body)
    engine.run_import(db, actors["officer"], path, chosen)
    write_csv(path, body.replace("Slip,Minor", "Slip on ice,Major"))
    result = engine.run_import(db, actors["officer"], path, chosen)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    with db.reading() as s:
        inc = s.scalars(
            select(Incident).where(Incident.source == "log.csv", Incident.external_id == "1")
        ).one()
        assert (inc.title, inc.severity.name, inc.version) == ("Slip on ice", "Major", 2)
        assert (
            s.execute(
                select(func.count()).select_from(Incident).where(Incident.source == "log.csv")
            ).scalar_one()
            == 2
        )
        assert [h.reference for h in search(s, "ice")] == [inc.reference]


ENCODED = [
    # file encoding, detected as, a title and a name using that encoding's characters
    ("utf-8", "utf-8", "Café spill – hot", "Zoë “Ærø” Šimić"),
    ("utf-8-sig", "utf-8-sig", "Café spill – hot", "Zoë Ærø"),
    ("cp1252", "cp1252", "Café spill – hot", "Zoë “Ærø” Šimek"),
    # Latin-1 text decodes identically as Windows-1252 (its superset for printable text).
    ("latin-1", "cp1252", "Café spill, hot", "Zoë Ærø"),
]


@pytest.mark.parametrize(("encoding", "detected", "title", "name"), ENCODED)
def test_encodings_are_detected(
    db: Database, actors: dict[str, Any], tmp_path: Path, encoding: str, detected: str, title: str, name: str
) -> None:
    path = write_csv(
        tmp_path / "enc.csv",
        "id;date;title;severity;what happened;injured\r\n"
        f"1;05/03/2024;{title};Minor;Scald near café;{name}\r\n",
        encoding,
    )
    assert detect_encoding(path.read_bytes()) == detected
    table = read_table(path)
    assert table.delimiter == ";" and table.headers[0] == "id"
    engine.run_import(db, actors["officer"], path, mapping.Mapping.from_dict(SIMPLE))
    with db.reading() as s:
        inc = s.scalars(select(Incident).where(Incident.source == "enc.csv")).one()
        assert inc.title == title and inc.people[0].name == name
        assert inc.occurred_date == dt.date(2024, 5, 3)  # slashes read month first


def test_latin1_bytes_outside_windows_1252(tmp_path: Path) -> None:
    path = tmp_path / "l1.csv"
    path.write_bytes(b"a,b\n1,caf\xe9 \x81\n")
    assert detect_encoding(path.read_bytes()) == "latin-1"
    assert read_table(path).rows[0][1] == "café \x81"


def test_chosen_encoding_overrides_detection(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "x.csv", "a,b\n1,Zoë\n", "utf-8")
    assert read_table(path, encoding="latin-1").rows[0][1] == "ZoÃ«"
    assert read_table(path).rows[0][1] == "Zoë"


def test_cancel_mid_import_leaves_the_database_as_before(
    db: Database, actors: dict[str, Any], tmp_path: Path
) -> None:
    # The first 5,000 fatality rows: enough for several batches, quicker than the whole file.
    lines = FATALITIES.read_text(encoding="utf-8").splitlines(keepends=True)
    path = write_csv(tmp_path / FATALITIES.name, "".join(lines[:5001]))
    before = counts(db)
    seen: list[int] = []

    def on_progress(done: int, total: int, _message: str) -> None:
        seen.append(done)
        if done >= 2000:
            progress.cancel()

    progress = Progress(on_progress)
    with pytest.raises(Cancelled):
        engine.run_import(
            db,
            actors["officer"],
            path,
            mapping.load(None, "OSHA fatalities"),
            engine.ImportOptions(batch_size=1000),
            progress,
        )
    assert max(seen) >= 2000  # batches had been written when Cancel came
    assert counts(db) == before
    with db.reading() as s:
        assert search(s, "roofing") == []


def test_dry_run_writes_nothing(db: Database, actors: dict[str, Any]) -> None:
    before = counts(db)
    result = engine.run_import(
        db,
        actors["officer"],
        SIR,
        mapping.load(None, "OSHA Severe Injury Reports"),
        engine.ImportOptions(dry_run=True),
    )
    assert result.created == 369 and result.dry_run
    assert counts(db) == before


def test_reporter_may_not_import(db: Database, actors: dict[str, Any]) -> None:
    from incident_desk.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        engine.run_import(db, actors["reporter"], SIR, mapping.load(None, "OSHA Severe Injury Reports"))


def test_excel_import_with_value_map_and_existing_lookups(
    db: Database, actors: dict[str, Any], tmp_path: Path
) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Log"
    ws.append(["Ref", "When", "Summary", "Level", "Site", "Area", "Client", "Zip"])
    ws.append(
        [
            101,
            dt.datetime(2024, 3, 4, 9, 30),
            "Forklift near miss",
            "high",
            "Test Plant",
            "Workshop",
            "acme corp",
            "02134",
        ]
    )
    ws.append([102, dt.date(2024, 3, 5), "Dropped pallet", "LOW", "Test Depot", "Yard", "", "00501"])
    path = tmp_path / "log.xlsx"
    wb.save(path)
    table = read_table(path)
    assert table.kind == "xlsx" and table.sheet == "Log" and table.rows[0][7] == "02134"
    chosen = mapping.Mapping.from_dict(
        {
            "rules": {
                "external_id": "Ref",
                "occurred": "When",
                "title": "Summary",
                "severity": {"column": "Level", "value_map": {"HIGH": "Urgent", "low": "Minor"}},
                "type": {"constant": "near_miss"},
                "site": "Site",
                "location": "Area",
                "customer": "Client",
            }
        }
    )
    result = engine.run_import(db, actors["officer"], path, chosen)
    assert result.created == 2
    with db.reading() as s:
        a = s.scalars(select(Incident).where(Incident.external_id == "101")).one()
        assert (a.severity.name, a.site.name, a.location.name, a.customer.name) == (
            "Urgent",
            "Test Plant",
            "Workshop",
            "Acme Corp",
        )
        assert a.occurred_hour == 9 and a.incident_type.code == "near_miss"
        assert s.execute(select(func.count()).select_from(Customer)).scalar_one() == 2  # none created


def test_saved_mappings_by_name(db: Database, actors: dict[str, Any], tmp_path: Path) -> None:
    chosen = mapping.Mapping.from_dict({**SIMPLE, "name": "Our spreadsheet"})
    with db.transaction() as s:
        mapping.save(s, actors["officer"], chosen)
    with db.reading() as s:
        assert mapping.saved_names(s) == ["Our spreadsheet"]
        loaded = mapping.load(s, "Our spreadsheet")
    assert loaded.to_dict() == chosen.to_dict()
    path = tmp_path / "m.json"
    import json

    path.write_text(json.dumps(chosen.to_dict()), encoding="utf-8")
    assert mapping.load(None, str(path)).rules["title"].column == "title"
    from incident_desk.errors import NotFound, ValidationError

    with pytest.raises(NotFound, match="Our spreadsheet"), db.reading() as s:
        mapping.load(s, "nothing like it")
    with pytest.raises(ValidationError, match="built-in"), db.transaction() as s:
        mapping.save(s, actors["officer"], chosen.copy(name="OSHA fatalities"))


def test_suggestion_from_headers() -> None:
    m = mapping.suggest(
        ["Incident ID", "Date of incident", "Description", "Severity", "Employee name", "Extra"]
    )
    assert m.rules["external_id"].column == "Incident ID"
    assert m.rules["occurred"].column == "Date of incident"
    assert m.rules["severity"].column == "Severity"
    assert m.rules["person_name"].column == "Employee name"
    assert m.rules["title"].column == "Description" and m.rules["title"].first_sentence


def test_cli_import_dry_run_and_problems(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from incident_desk.cli.parser import main

    assert main(["--db", db_url, "import", str(SIR), "--dry-run"]) == 0
    assert "Would import 369 rows" in capsys.readouterr().out
    bad = write_csv(tmp_path / "bad.csv", "id,date,title,severity,type\n1,someday,Slip,Major,injury\n")
    assert main(["--db", db_url, "import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "Row 2, date: “someday” is not a date" in err and "Nothing was imported" in err
    assert main(["--db", db_url, "import", str(SIR), "--mapping", "OSHA Severe Injury Reports", "-q"]) == 0
    assert "369 new" in capsys.readouterr().out
    assert main(["--db", db_url, "search", "fibula"]) == 0
    assert "INC-2015-" in capsys.readouterr().out


def test_cli_import_help_lists_mappings(
    db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from incident_desk.cli.parser import main

    monkeypatch.setattr("sys.argv", ["incident-desk", "--db", db_url, "import", "--help"])
    with pytest.raises(SystemExit) as exit_info:
        main(["--db", db_url, "import", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "'OSHA Severe Injury Reports'" in out and "'OSHA fatalities'" in out and "saved mappings" in out


def test_status_history_and_stage_times(db: Database, actors: dict[str, Any], tmp_path: Path) -> None:
    path = write_csv(tmp_path / "h.csv", "id,date,title,severity\n1,2023-06-01,Slip,Minor\n")
    chosen = mapping.Mapping.from_dict(
        {
            "status": "reported",
            "rules": {
                "external_id": "id",
                "occurred": "date",
                "title": "title",
                "severity": "severity",
                "type": {"constant": "injury"},
            },
        }
    )
    engine.run_import(db, actors["officer"], path, chosen)
    with db.reading() as s:
        inc = s.scalars(select(Incident).where(Incident.source == "h.csv")).one()
        assert inc.status == "reported" and inc.closed_at is None and inc.people == []
        changes = s.scalars(select(StatusChange).where(StatusChange.incident_id == inc.id)).all()
        assert [(c.from_status, c.to_status) for c in changes] == [(None, "reported")]
        assert inc.occurred_hour == 12  # a date without a time is taken as noon


def _schema(db: Database) -> list[tuple[str, str, str]]:
    with db.reading() as s:
        return [tuple(r) for r in s.execute(text("SELECT type, name, sql FROM sqlite_master ORDER BY type, name"))]


def _fts_hashsize(db: Database) -> int | None:
    with db.reading() as s:
        value = s.execute(text("SELECT v FROM incident_search_config WHERE k = 'hashsize'")).scalar()
    return None if value is None else int(value)


def test_search_triggers_are_back_after_an_import_and_after_a_cancel(
    sqlite_db: Database, gui_actors: dict[str, Any], tmp_path: Path
) -> None:
    """On SQLite the import drops the (paused) search insert triggers for its transaction only."""
    db, actors = sqlite_db, gui_actors
    before = _schema(db)
    assert any(name == "incident_search_incident_ai" for _t, name, _sql in before)
    lines = FATALITIES.read_text(encoding="utf-8").splitlines(keepends=True)
    path = write_csv(tmp_path / FATALITIES.name, "".join(lines[:3001]))
    chosen = mapping.load(None, "OSHA fatalities")

    hashsize = _fts_hashsize(db)
    progress = Progress(lambda done, _total, _message: progress.cancel() if done >= 1000 else None)
    with pytest.raises(Cancelled):
        engine.run_import(db, actors["officer"], path, chosen, engine.ImportOptions(batch_size=500), progress)
    assert _schema(db) == before
    assert _fts_hashsize(db) == hashsize  # the import's larger full-text buffer was rolled back

    result = engine.run_import(db, actors["officer"], path, chosen, engine.ImportOptions(batch_size=500))
    assert result.created == 3000
    assert _schema(db) == before
    assert _fts_hashsize(db) == (hashsize or engine.FTS_DEFAULT_HASHSIZE) != engine.IMPORT_FTS_HASHSIZE
    with db.reading() as s:
        assert s.execute(text("SELECT count(*) FROM counters WHERE name = 'search:paused'")).scalar_one() == 0
        # Every imported incident is in the index, once.
        assert s.execute(text("SELECT count(*) FROM incident_search_docsize")).scalar_one() == s.execute(
            text("SELECT count(*) FROM incidents")
        ).scalar_one()
        assert search(s, "roofing")
    # The triggers work again for ordinary saves after the import.
    with db.transaction() as s:
        inc = s.scalars(select(Incident).where(Incident.source == FATALITIES.name).limit(1)).one()
        s.add(Person(incident_id=inc.id, name="Zebulon Quixotic", role="witness"))
    with db.reading() as s:
        assert [h.incident_id for h in search(s, "Quixotic")] == [inc.id]


def test_a_failure_in_a_later_batch_rolls_back_everything(
    db: Database, actors: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batches are written while the next is prepared (a second thread on SQLite); an error in
    any of them still reaches the caller and the whole import rolls back."""
    lines = FATALITIES.read_text(encoding="utf-8").splitlines(keepends=True)
    path = write_csv(tmp_path / FATALITIES.name, "".join(lines[:4001]))
    before = counts(db)
    if db.dialect == "sqlite":
        schema = _schema(db)
        # Fails (integer overflow) for every batch after the first 1,500 new incidents.
        monkeypatch.setattr(
            engine,
            "_INDEX_NEW",
            engine._INDEX_NEW
            + " AND abs(CASE WHEN ?1 > (SELECT value FROM counters WHERE name = 'search:paused') + 1500"
            " THEN -9223372036854775808 ELSE 1 END) > 0",
        )
        expected: type[Exception] = DatabaseError
    else:
        calls = []

        def failing(*args: Any, **kwargs: Any) -> None:
            calls.append(1)
            if len(calls) > 12:  # four tables a batch: fails in the fourth batch
                raise RuntimeError("disk on fire")
            real(*args, **kwargs)

        real = engine.insert_rows
        monkeypatch.setattr(engine, "insert_rows", failing)
        expected = RuntimeError
    seen: list[int] = []
    with pytest.raises(expected):
        engine.run_import(
            db,
            actors["officer"],
            path,
            mapping.load(None, "OSHA fatalities"),
            engine.ImportOptions(batch_size=500),
            Progress(lambda done, _total, _message: seen.append(done)),
        )
    assert max(seen) >= 1000  # batches had been written before the failure
    assert counts(db) == before
    if db.dialect == "sqlite":
        assert _schema(db) == schema
    with db.reading() as s:
        assert search(s, "roofing") == []
        assert list(verify_chain(s)) == []


MESSY = (
    "id,date,title,severity,what happened,injured\n"
    "B1,2024-03-05,Slip in yard,Major,Wet floor,Ann\n"
    "B2,2023-12-31,Trip on cable,Minor,Loose cable,Bo\n"
    "B3,2024-13-45,Bad date,Minor,,\n"
    "B4,2024-03-05,Same day as B1,Minor,,Cy\n"
    "B2,2024-01-01,Repeated ID,Minor,,\n"
    "B5,2099-01-01,In the future,Minor,,\n"
    "B6,2022-06-30,,Minor,No title,\n"
    "B7,2022-06-30,Old one,Critical,Roof,Di\n"
    "B8,2024-01-02,Unknown severity,Severe,,\n"
    "B9,2024-01-02,Second of Jan,Urgent,Ladder,Ed\n"
)


def _snapshot(db: Database) -> dict[str, Any]:
    """Everything an import writes, without the moments it was written at."""
    with db.reading() as s:

        def rows(sql: str) -> list[tuple[Any, ...]]:
            return [tuple(r) for r in s.execute(text(sql))]

        return {
            "incidents": rows(
                "SELECT id, reference, title, description, type_id, severity_id, status, occurred_at, "
                "reported_at, occurred_date, occurred_hour, occurred_weekday, closed_at, site_id, location_id, "
                "customer_id, source, external_id, version, voided, five_whys FROM incidents ORDER BY id"
            ),
            "people": rows(
                "SELECT incident_id, name, role, treatment, days_away, date_of_death FROM people ORDER BY id"
            ),
            "status": rows("SELECT incident_id, from_status, to_status, at, note FROM status_changes ORDER BY id"),
            "audit": rows(
                "SELECT seq, kind, entity, entity_id, incident_id, summary, user_name FROM audit_events "
                "WHERE NOT (entity = 'import_run') ORDER BY seq"
            ),
            "audit details": [
                (e.seq, {k: v for k, v in e.details.items() if k != "import_run"})
                for e in s.scalars(select(AuditEvent).where(AuditEvent.entity == "incident").order_by(AuditEvent.seq))
            ],
            "run event": [
                {k: v for k, v in e.details.items()}
                for e in s.scalars(select(AuditEvent).where(AuditEvent.entity == "import_run"))
            ],
            "counters": rows("SELECT name, value FROM counters WHERE name LIKE 'ref:%' ORDER BY name"),
            "runs": rows("SELECT source, created, updated, skipped, status FROM import_runs ORDER BY id"),
            "search": [h.reference for h in search(s, "floor")] + [h.reference for h in search(s, "ladder")],
            "chain": list(verify_chain(s)),
        }


@pytest.mark.parametrize("batch_size", [2, 5000])
def test_streamed_import_writes_what_check_then_write_does(
    sqlite_db: Database,
    sqlite_template: Path,
    gui_actors: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    batch_size: int,
) -> None:
    """On SQLite a first import of a file is checked batch by batch while earlier batches are
    written; it must give exactly the result (and problems) of checking everything first."""
    import shutil

    shutil.copyfile(sqlite_template, tmp_path / "other.sqlite3")
    other = Database(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    path = write_csv(tmp_path / "messy.csv", MESSY)
    chosen = mapping.Mapping.from_dict(SIMPLE)
    options = engine.ImportOptions(batch_size=batch_size)
    streamed_calls: list[int] = []
    real_stream = engine._stream

    def spy(*args: Any, **kwargs: Any) -> None:
        streamed_calls.append(1)
        real_stream(*args, **kwargs)

    monkeypatch.setattr(engine, "_stream", spy)
    with pytest.raises(engine.ImportProblems) as streamed:
        engine.run_import(sqlite_db, gui_actors["officer"], path, chosen, options)
    assert streamed_calls  # the streamed path was the one taken
    monkeypatch.setattr(engine, "_can_stream", lambda *_a: False)
    with pytest.raises(engine.ImportProblems) as classic:
        engine.run_import(other, gui_actors["officer"], path, chosen, options)
    assert [str(p) for p in streamed.value.problems] == [str(p) for p in classic.value.problems]
    assert str(streamed.value) == str(classic.value)
    assert "Row 6, id: the ID 'B2' appears again (first in row 3)" in [str(p) for p in classic.value.problems]
    assert _snapshot(sqlite_db) == _snapshot(other)  # nothing written by either

    skip = engine.ImportOptions(batch_size=batch_size, skip_bad_rows=True)
    monkeypatch.undo()
    monkeypatch.setattr(engine, "_stream", spy)
    streamed_calls.clear()
    a = engine.run_import(sqlite_db, gui_actors["officer"], path, chosen, skip)
    assert streamed_calls
    monkeypatch.setattr(engine, "_can_stream", lambda *_a: False)
    b = engine.run_import(other, gui_actors["officer"], path, chosen, skip)
    assert (a.created, a.updated, a.unchanged, a.skipped) == (b.created, b.updated, b.unchanged, b.skipped) == (
        5,
        0,
        0,
        5,
    )
    assert [str(p) for p in a.problems] == [str(p) for p in b.problems]
    first, second = _snapshot(sqlite_db), _snapshot(other)
    assert first == second
    assert [r[17] for r in first["incidents"][-5:]] == ["B7", "B2", "B9", "B1", "B4"]  # numbered by date
    other.dispose()
