"""Creating and editing incidents through the core service: validation, references, permissions, audit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from incident_desk.audit.models import AuditEvent
from incident_desk.errors import ConcurrencyError, PermissionDenied, ValidationError
from incident_desk.incidents import service, workflow
from incident_desk.incidents.models import Incident
from incident_desk.incidents.query import IncidentFilter
from tests.conftest import incident_data


def test_reference_numbers_are_per_year_and_sequential(db, actors, refs, make_incident):
    year = dt.datetime.now(dt.UTC).year
    ids = [make_incident() for _ in range(3)]
    with db.reading() as s:
        refs_ = [s.get(Incident, i).reference for i in ids]
    assert refs_ == [f"INC-{year}-{n:05d}" for n in (1, 2, 3)]
    old = make_incident(occurred_at=dt.datetime(2021, 5, 1, tzinfo=dt.UTC),
                        reported_at=dt.datetime(2021, 5, 2, tzinfo=dt.UTC))
    with db.reading() as s:
        assert s.get(Incident, old).reference == "INC-2021-00001"


def test_validation_names_each_field(db, actors, refs):
    now = dt.datetime.now(dt.UTC)
    bad = incident_data(refs, title="  ", occurred_at=now + dt.timedelta(days=2), reported_at=now,
                        direct_cost=Decimal("-5"), satisfaction=9, severity_id=None)
    with db.transaction() as s, pytest.raises(ValidationError) as err:
        service.create(s, actors["officer"], bad)
    p = err.value.problems
    assert "title" in p and "severity_id" in p and "direct_cost" in p and "satisfaction" in p
    assert "Occurred date is in the future." in p["occurred_at"]
    assert "Occurred date is after the reported date." in p["occurred_at"]
    assert p["satisfaction"] == ["Customer satisfaction is scored from 1 to 5."]
    with db.reading() as s:
        assert s.execute(select(func.count()).select_from(Incident)).scalar_one() == 0


def test_location_must_belong_to_the_site(db, actors, refs):
    data = incident_data(refs, site_id=refs["site"]["Test Depot"], location_id=refs["location"]["Workshop"])
    with db.transaction() as s, pytest.raises(ValidationError, match="another site"):
        service.create(s, actors["officer"], data)


def test_update_is_audited_field_by_field_and_checks_version(db, actors, refs, make_incident):
    iid = make_incident()
    with db.reading() as s:
        version = s.get(Incident, iid).version
    data = incident_data(refs, title="Slip on oily floor", direct_cost=Decimal("120.50"))
    with db.transaction() as s:
        service.update(s, actors["officer"], iid, data, expected_version=version)
    with db.reading() as s:
        inc = s.get(Incident, iid)
        assert inc.title == "Slip on oily floor" and inc.direct_cost == Decimal("120.50")
        event = s.scalars(select(AuditEvent).where(AuditEvent.kind == "update")).one()
        assert event.details["changes"]["title"] == ["Slip on wet floor", "Slip on oily floor"]
        assert event.details["changes"]["direct_cost"] == ["0.00", "120.50"]
    with db.transaction() as s, pytest.raises(ConcurrencyError, match="changed by someone else"):
        service.update(s, actors["officer"], iid, incident_data(refs, title="Stale"), expected_version=version)


def test_reporter_edits_only_own_report_until_assessment(db, actors, refs, make_incident):
    own = make_incident(actor="reporter")
    other = make_incident(actor="officer")
    with db.transaction() as s:
        service.update(s, actors["reporter"], own, incident_data(refs, title="Fixed typo"))
    with db.transaction() as s, pytest.raises(PermissionDenied):
        service.update(s, actors["reporter"], other, incident_data(refs, title="Not mine"))
    with db.transaction() as s:
        workflow.transition(s, actors["officer"], s.get(Incident, own), "start_assessment")
    with db.transaction() as s, pytest.raises(PermissionDenied):
        service.update(s, actors["reporter"], own, incident_data(refs, title="Too late"))


def test_void_needs_a_reason_and_hides_from_lists(db, actors, make_incident):
    iid = make_incident()
    with db.transaction() as s, pytest.raises(ValidationError):
        service.void(s, actors["officer"], iid, " ")
    with db.transaction() as s, pytest.raises(PermissionDenied):
        service.void(s, actors["reporter"], iid, "mine")
    with db.transaction() as s:
        service.void(s, actors["officer"], iid, "Entered twice")
    with db.reading() as s:
        assert s.get(Incident, iid) is not None  # never deleted
        assert s.scalars(IncidentFilter().apply(select(Incident.id))).all() == []
        assert s.scalars(IncidentFilter(include_void=True).apply(select(Incident.id))).all() == [iid]


def test_people_attachments_and_comments(db, actors, make_incident):
    iid = make_incident()
    with db.transaction() as s:
        p = service.add_person(s, actors["officer"], iid, service.PersonData(
            name="Siobhán O'Brien", role="injured", body_part="Hand", body_side="left", treatment="first_aid"))
        with pytest.raises(ValidationError) as err:
            service.add_person(s, actors["officer"], iid, service.PersonData(name="", days_away=-1))
        assert set(err.value.problems) == {"name", "days_away"}
        a1 = service.add_attachment(s, actors["officer"], iid, kind="photo", data=b"same bytes", mime_type="image/png")
        a2 = service.add_attachment(s, actors["officer"], iid, kind="photo", data=b"same bytes", mime_type="image/png")
        service.add_comment(s, actors["reporter"], iid, "Mat ordered")
        pid, ids = p.id, (a1.id, a2.id)
    with db.reading() as s:
        inc = s.get(Incident, iid)
        assert [x.name for x in inc.people] == ["Siobhán O'Brien"]
        assert a1.blob_sha256 == a2.blob_sha256  # stored once
        assert service.attachment_bytes(s, ids[0]) == b"same bytes"
        assert [c.body for c in inc.comments] == ["Mat ordered"]
    with db.transaction() as s:
        service.remove_person(s, actors["officer"], pid)


def test_filters(db, actors, refs, make_incident):
    a = make_incident(title="Forklift struck racking", severity_id=refs["severity"]["Critical"])
    b = make_incident(title="Paper cut", severity_id=refs["severity"]["Minor"], site_id=refs["site"]["Test Depot"],
                      location_id=refs["location"]["Yard"])
    with db.transaction() as s:
        service.assign(s, actors["officer"], b, actors["officer"].user_id)
    with db.reading() as s:
        def ids(f):
            return sorted(s.scalars(f.apply(select(Incident.id))))
        assert ids(IncidentFilter(text="forklift")) == [a]
        assert ids(IncidentFilter(text="100%_")) == []
        assert ids(IncidentFilter(severity_ids=(refs["severity"]["Minor"],))) == [b]
        assert ids(IncidentFilter(site_ids=(refs["site"]["Test Plant"],))) == [a]
        assert ids(IncidentFilter(assignee_id=actors["officer"].user_id)) == [b]
        assert ids(IncidentFilter(open_only=True)) == [a, b]
