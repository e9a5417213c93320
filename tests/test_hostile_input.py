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

aware = st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 1, 1),
                     timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=-7)),
                                                dt.timezone(dt.timedelta(hours=5, minutes=30))]))
money = st.decimals(min_value=Decimal("-1e15"), max_value=Decimal("1e15"), places=2, allow_nan=False)
texts = st.text(max_size=400)

incident_input = st.builds(
    IncidentData, title=texts, type_id=st.one_of(st.none(), st.integers(1, 8)),
    severity_id=st.one_of(st.none(), st.integers(1, 4)), occurred_at=st.one_of(st.none(), aware),
    reported_at=st.one_of(st.none(), aware), description=texts, immediate_actions=texts,
    direct_cost=money, indirect_cost=money, currency=st.text(max_size=5),
    satisfaction=st.one_of(st.none(), st.integers(-10, 20)))


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
        service.create(s, gui_actors["officer"], incident_data(refs, title="O'Brien's 100% \"safe\" ladder; DROP"))
    with sqlite_db.reading() as s:
        for needle in ("O'Brien's", '100% "safe"', "; DROP", "'; DROP TABLE incidents; --"):
            count = s.execute(IncidentFilter(text=needle).apply(select(func.count()).select_from(Incident))
                              ).scalar_one()
            assert count == (0 if "TABLE" in needle else 1), needle
