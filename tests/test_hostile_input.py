"""Property-based tests: whatever comes in from outside, no crash, no partial write, a clear message."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from incident_desk.errors import ValidationError
from incident_desk.incidents import service
from incident_desk.incidents.models import Incident
from incident_desk.incidents.query import IncidentFilter
from incident_desk.incidents.validation import IncidentData, validate

aware = st.datetimes(
    min_value=dt.datetime(1900, 1, 1),
    max_value=dt.datetime(2200, 1, 1),
    timezones=st.sampled_from(
        [dt.UTC, dt.timezone(dt.timedelta(hours=-7)), dt.timezone(dt.timedelta(hours=5, minutes=30))]
    ),
)
money = st.decimals(min_value=Decimal("-1e15"), max_value=Decimal("1e15"), places=2, allow_nan=False)
texts = st.text(max_size=400)

incident_input = st.builds(
    IncidentData,
    title=texts,
    type_id=st.one_of(st.none(), st.integers(1, 8)),
    severity_id=st.one_of(st.none(), st.integers(1, 4)),
    occurred_at=st.one_of(st.none(), aware),
    reported_at=st.one_of(st.none(), aware),
    description=texts,
    immediate_actions=texts,
    direct_cost=money,
    indirect_cost=money,
    currency=st.text(max_size=5),
    satisfaction=st.one_of(st.none(), st.integers(-10, 20)),
)


@settings(max_examples=300, deadline=None)
@given(incident_input)
def test_validation_never_crashes_and_speaks_plainly(data):
    problems = validate(data, now=dt.datetime.now(dt.UTC))
    for field, messages in problems.items():
        assert field in IncidentData.__dataclass_fields__
        assert all(isinstance(m, str) and m.endswith(".") and len(m) < 200 for m in messages)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(incident_input)
def test_create_writes_all_or_nothing(sqlite_db, gui_actors, data):
    with sqlite_db.reading() as s:
        before = s.execute(select(func.count()).select_from(Incident)).scalar_one()
    try:
        with sqlite_db.transaction() as s:
            service.create(s, gui_actors["officer"], data)
    except ValidationError as exc:
        assert exc.problems
        with sqlite_db.reading() as s:
            assert s.execute(select(func.count()).select_from(Incident)).scalar_one() == before
    else:
        with sqlite_db.reading() as s:
            assert s.execute(select(func.count()).select_from(Incident)).scalar_one() == before + 1


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=80))
def test_search_text_is_never_sql(sqlite_db, text):
    with sqlite_db.reading() as s:
        s.execute(IncidentFilter(text=text).apply(select(func.count()).select_from(Incident))).scalar_one()


def test_search_literal_quotes_and_symbols(sqlite_db, gui_actors):
    from tests.conftest import incident_data, reference_ids

    refs = reference_ids(sqlite_db)
    with sqlite_db.transaction() as s:
        service.create(
            s, gui_actors["officer"], incident_data(refs, title="O'Brien's 100% \"safe\" ladder; DROP")
        )
    with sqlite_db.reading() as s:
        for needle in ("O'Brien's", '100% "safe"', "; DROP", "'; DROP TABLE incidents; --"):
            count = s.execute(
                IncidentFilter(text=needle).apply(select(func.count()).select_from(Incident))
            ).scalar_one()
            assert count == (0 if "TABLE" in needle else 1), needle


# -- imports: random bytes, wrong encodings, huge fields ----------------------------------------
from incident_desk.errors import IncidentDeskError  # noqa: E402
from incident_desk.imports.engine import ImportProblems, run_import  # noqa: E402
from incident_desk.imports.mapping import OSHA_SIR, suggest  # noqa: E402
from incident_desk.imports.readers import read_table  # noqa: E402

SIR_HEADER = (
    '"ID","UPA","EventDate","Employer","Address1","Address2","City","State","Zip","Latitude","Longitude",'
    '"Primary NAICS","Hospitalized","Amputation","Inspection","Final Narrative","Nature","NatureTitle",'
    '"Part of Body","Part of Body Title","Event","EventTitle","Source","SourceTitle","Secondary Source",'
    '"Secondary Source Title"\r\n'
)


def _count(db):
    with db.reading() as s:
        return s.execute(select(func.count()).select_from(Incident)).scalar_one()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=3000))
def test_random_bytes_as_an_import_file(sqlite_db, gui_actors, tmp_path_factory, data):
    path = tmp_path_factory.mktemp("rnd") / "upload.csv"
    path.write_bytes(data)
    before = _count(sqlite_db)
    try:
        table = read_table(path)
        run_import(sqlite_db, gui_actors["officer"], path, suggest(table.headers), table=table)
    except (IncidentDeskError, ValidationError) as exc:
        assert str(exc).strip()
        assert _count(sqlite_db) == before  # nothing half-written
    else:
        assert _count(sqlite_db) >= before


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    narrative=st.text(min_size=0, max_size=20000),
    employer=st.text(max_size=500),
    date=st.sampled_from(["1/2/2015", "13/45/2015", "", "yesterday", "2015-01-02", "1/2/15"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "cp1252", "utf-16"]),
)
def test_osha_rows_with_hostile_fields(
    sqlite_db, gui_actors, tmp_path_factory, narrative, employer, date, encoding
):
    def q(v: str) -> str:
        return '"' + v.replace('"', '""') + '"'

    row = ",".join(
        [
            q("20150101"),
            q("1"),
            date,
            q(employer),
            q("1 Road"),
            "",
            q("TOWN"),
            q("TEXAS"),
            q("07001"),
            "1.0",
            "2.0",
            q("332312"),
            "1.00",
            "0.00",
            "",
            q(narrative),
            q("111"),
            q("Fractures"),
            q("513"),
            q("Lower leg(s)"),
            "",
            "",
            "",
            "",
            "",
            "",
        ]
    )
    path = tmp_path_factory.mktemp("osha") / "sir.csv"
    try:
        path.write_bytes((SIR_HEADER + row + "\r\n").encode(encoding))
    except UnicodeEncodeError:
        path.write_bytes((SIR_HEADER + row + "\r\n").encode(encoding, errors="replace"))
    before = _count(sqlite_db)
    try:
        result = run_import(sqlite_db, gui_actors["officer"], path, OSHA_SIR)
    except ImportProblems as exc:
        assert exc.problems and all(p.message for p in exc.problems)
        assert _count(sqlite_db) == before
    except IncidentDeskError as exc:
        assert str(exc).strip() and _count(sqlite_db) == before
    else:
        assert _count(sqlite_db) - before in (0, 1) and result is not None


# -- risk matrix JSON ---------------------------------------------------------------------------
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 100) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=8) | st.dictionaries(st.text(max_size=12), inner, max_size=8),
    max_leaves=40,
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.one_of(
        st.text(max_size=300),
        json_values.map(__import__("json").dumps),
        st.builds(
            lambda levels, bands: __import__("json").dumps(
                {"name": "Fuzzed", "likelihood": levels, "severity": levels, "bands": bands}
            ),
            json_values,
            json_values,
        ),
    )
)
def test_matrix_json_import_is_all_or_nothing(sqlite_db, gui_actors, text):
    from incident_desk.risk import matrices
    from incident_desk.risk.models import RiskMatrixVersion

    with sqlite_db.reading() as s:
        before = s.execute(select(func.count()).select_from(RiskMatrixVersion)).scalar_one()
    try:
        with sqlite_db.transaction() as s:
            matrices.import_json(s, gui_actors["admin"], text, source="fuzz.json")
    except ValidationError as exc:
        assert exc.messages() and all(m.strip() for m in exc.messages())
        with sqlite_db.reading() as s:
            assert s.execute(select(func.count()).select_from(RiskMatrixVersion)).scalar_one() == before


# -- images -------------------------------------------------------------------------------------
def _png() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buf, "PNG")
    return buf.getvalue()


@settings(max_examples=150, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=4000),
        st.integers(0, 400).map(lambda n: _png()[:n]),  # truncated
        st.binary(max_size=64).map(lambda junk: _png() + junk),
    ),
    st.sampled_from(["photo.jpg", "photo.png", "notes.txt", "", "x.heic"]),
)
def test_image_input_never_crashes(data, filename):
    from incident_desk.incidents import images

    try:
        out = images.process(data, filename=filename)
    except ValidationError as exc:
        assert exc.messages() and len(exc.messages()[0]) < 300
    else:
        assert out.data and out.width > 0 and out.height > 0
