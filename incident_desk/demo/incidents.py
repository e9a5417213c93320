"""Demo incidents in bulk: realistic timelines through the workflow, people, costs, audit events.

Rows are generated as tuples and go in with one driver-level executemany per table and chunk
(``demo.rows.insert_rows``), which keeps 100,000 incidents well inside 30 seconds on SQLite.
Each chunk goes on to the risk assessments (``demo.risk.assess``/``write``, which have them
signed) while it is in memory (``DemoIncident``): nothing is read back.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from bisect import bisect
from collections import defaultdict
from decimal import Decimal
from itertools import accumulate
from typing import Any, NamedTuple

from sqlalchemy import func, select, text

from incident_desk.audit.chain import PendingEvent, append_many
from incident_desk.demo import risk
from incident_desk.demo.context import DemoContext
from incident_desk.demo.rows import Stamps, insert_rows
from incident_desk.demo.scenarios import FIRST_NAMES, JOB_TITLES, LAST_NAMES, SCENARIOS
from incident_desk.incidents import references
from incident_desk.incidents.models import Incident, Person, StatusChange
from incident_desk.incidents.workflow import Status
from incident_desk.org.models import Location, Organisation, SlaTarget
from incident_desk.signoff.canonical import INCIDENT_FIELDS

CHUNK = 5000
TYPE_WEIGHTS = {"injury": 34, "near_miss": 26, "property_damage": 13, "illness": 7, "environmental": 5,
                "vehicle": 8, "security": 5, "other": 2}
SEVERITY_WEIGHTS = {"Critical": 4, "Urgent": 14, "Major": 32, "Minor": 50}
MEDIAN_COST = {"Critical": 25000, "Urgent": 6000, "Major": 1400, "Minor": 180}
TREATMENTS = {
    "Critical": {"fatality": 8, "permanent": 12, "hospitalised": 50, "lost_time": 30},
    "Urgent": {"hospitalised": 25, "lost_time": 60, "restricted": 15},
    "Major": {"medical": 45, "restricted": 35, "lost_time": 20},
    "Minor": {"first_aid": 80, "medical": 15, "none": 5},
}
EMPLOYMENT = {"employee": 85, "contractor": 10, "visitor": 5}
H = 3600

REPORTED, ASSESSMENT, AWAITING_SIGNOFF = Status.REPORTED, Status.ASSESSMENT, Status.AWAITING_SIGNOFF
SIGNED_OFF, RESOLUTION, FOLLOW_UP, CLOSED = Status.SIGNED_OFF, Status.RESOLUTION, Status.FOLLOW_UP, Status.CLOSED
VALUE = {st: st.value for st in Status}  # plain str, without the enum's property per use
LABEL = {st: st.label for st in Status}
REJECTION_NOTE = "Controls for the residual risk are not specific enough."
WITNESS_STATEMENT = "I saw what happened and helped make the area safe."

INCIDENT_COLUMNS = (
    "id", "reference", "title", "description", "immediate_actions", "type_id", "severity_id", "status",
    "occurred_at", "reported_at", "occurred_date", "occurred_hour", "occurred_weekday", "site_id", "location_id",
    "customer_id", "direct_cost", "indirect_cost", "currency", "satisfaction", "reporter_id", "reporter_name",
    "assignee_id", "resolution_summary", "root_cause", "lessons_learned", "created_at",
    "updated_at", "created_by_id", "acknowledged_at", "submitted_at", "signed_off_at", "resolved_at", "closed_at",
    "priority", "response_due_at",  # from the risk assessment when there is one (demo.risk.assess)
)  # five_whys, version, voided and void_reason take their defaults ([], 1, False, "")
PERSON_COLUMNS = (
    "incident_id", "name", "role", "employment", "job_title", "contact", "statement", "body_part", "body_side",
    "nature_of_injury", "treatment", "days_away", "days_restricted", "privacy_case", "recordable",
    "osha_case_number", "osha_outcome", "osha_case_type", "date_of_birth", "date_hired", "sex", "address",
    "physician", "treatment_facility", "treatment_facility_type", "treated_in_er", "hospitalized_inpatient",
    "time_started_work", "time_of_event", "activity_before", "object_substance", "date_of_death", "version",
)
CHANGE_COLUMNS = ("incident_id", "from_status", "to_status", "at", "user_id", "user_name", "note")


class DemoIncident(NamedTuple):
    """What later demo steps need about an incident just written (names as the columns)."""

    # The incident's part of a signature's content: ``signoff.canonical.INCIDENT_FIELDS``, in order.
    id: int
    reference: str
    title: str
    type_id: int
    severity_id: int
    occurred_at: dt.datetime
    site_id: int
    location_id: int
    # The workflow, for the risk and signatures steps.
    status: str
    reported_at: dt.datetime
    acknowledged_at: dt.datetime | None
    submitted_at: dt.datetime | None
    signed_off_at: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    assignee_id: int | None


assert DemoIncident._fields[: len(INCIDENT_FIELDS)] == INCIDENT_FIELDS


class _Weighted:
    """``rng.choices(keys, weights)[0]`` with the cumulative weights worked out once (same draws)."""

    def __init__(self, weights: dict[str, int]) -> None:
        self.keys = list(weights)
        self.cum = list(accumulate(weights[k] for k in self.keys))
        self.total = self.cum[-1] + 0.0
        self.hi = len(self.keys) - 1

    def __call__(self, rng: Any) -> str:
        return self.keys[bisect(self.cum, rng.random() * self.total, 0, self.hi)]


_TREATMENT = {sev: _Weighted(w) for sev, w in TREATMENTS.items()}
_FIRST_AID = _Weighted({"first_aid": 1})
_EMPLOYMENT = _Weighted(EMPLOYMENT)


def _treatment(rng: Any, severity: str) -> str:
    return _TREATMENT.get(severity, _FIRST_AID)(rng)


def incidents_step(ctx: DemoContext) -> None:
    s, rng = ctx.session, ctx.rng
    org = s.get(Organisation, 1)
    assert org is not None
    tz = zoneinfo.ZoneInfo(org.timezone or "UTC")
    prefix, currency = org.reference_prefix, org.currency
    sla = {row.severity_id: row for row in s.scalars(select(SlaTarget).where(SlaTarget.band.is_(None)))}
    severities = {name: sid for name, sid in ctx.severity_ids.items() if name in SEVERITY_WEIGHTS} or ctx.severity_ids
    pick_severity = _Weighted({name: SEVERITY_WEIGHTS.get(name, 10) for name in severities})
    pick_type = _Weighted({code: TYPE_WEIGHTS.get(code, 2) for code in ctx.type_ids if code in SCENARIOS})
    # Per severity: id, SLA minutes (acknowledge, assess, sign off, resolve), cost base.
    targets: dict[str, tuple[int, int, int, int, int]] = {}
    for name, sid in severities.items():
        t = sla.get(sid)
        targets[name] = (sid, *((t.acknowledge_minutes, t.assess_minutes, t.signoff_minutes, t.resolve_minutes)
                                if t else (1440, 4320, 7200, 20160)))
    officers = [ctx.users[k] for k in ("officer", "officer2") if k in ctx.users]
    managers = [ctx.users[k] for k in ("manager", "manager2") if k in ctx.users]
    names = ctx.extra.get("user_names", {})
    reporter_id = ctx.users.get("reporter")
    reporter_own_name = names.get(reporter_id, "") if reporter_id else ""
    next_id = (s.execute(select(func.max(Incident.id))).scalar_one() or 0) + 1
    span = (ctx.now - ctx.start).total_seconds()
    loc_names: dict[int, str] = ctx.extra.setdefault("loc_names", {})
    loc_names.update((i, n) for i, n in s.execute(select(Location.id, Location.name)))
    # Scenario texts per location, formatted once.
    texts: dict[tuple[int, int], tuple[str, str]] = {}
    now, start, utc = ctx.now, ctx.start, dt.UTC
    random, lognormvariate, uniform, choice = rng.random, rng.lognormvariate, rng.uniform, rng.choice
    timedelta = dt.timedelta
    ten_min, twenty_min, half_hour = timedelta(minutes=10), timedelta(minutes=20), timedelta(minutes=30)
    one_hour, one_sec = timedelta(hours=1), timedelta(seconds=1)

    # Occurrence times first, sorted, so references and the audit chain run in time order.
    occurred: list[dt.datetime] = []
    latest = now - timedelta(hours=2)
    for _ in range(ctx.count):
        while True:
            day = start + timedelta(seconds=random() * span)
            local = day.astimezone(tz)
            if local.weekday() >= 5 and random() < 0.65:
                continue
            hour = min(23, max(0, int(rng.gauss(12.5, 3.5))))
            local = local.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60))
            when = local.astimezone(utc)
            if when < latest:
                occurred.append(when)
                break
    occurred.sort()

    exact_money = ctx.db.dialect != "sqlite"
    ref_numbers: dict[int, int] = defaultdict(int)
    for year in {o.year for o in occurred}:
        ref_numbers[year] = s.execute(
            text("SELECT value FROM counters WHERE name = :n"), {"n": f"ref:{year}"}).scalar_one_or_none() or 0
    case_numbers: dict[tuple[int, int], int] = defaultdict(int)

    def after(base: dt.datetime, minutes: float, factor_mu: float = -0.45, sigma: float = 0.6) -> dt.datetime:
        return base + timedelta(minutes=max(5.0, minutes * lognormvariate(factor_mu, sigma)))

    for chunk_start in range(0, ctx.count, CHUNK):
        inc_rows: list[tuple[Any, ...]] = []
        people_rows: list[tuple[Any, ...]] = []
        change_rows: list[tuple[Any, ...]] = []
        audit_events: list[PendingEvent] = []
        generated: list[DemoIncident] = []
        unassessed: list[tuple[str | None, dt.datetime | None]] = []
        for occurred_at in occurred[chunk_start:chunk_start + CHUNK]:
            iid = next_id
            next_id += 1
            type_code = pick_type(rng)
            sev_name = pick_severity(rng)
            if type_code == "near_miss" and sev_name == "Critical" and random() < 0.7:
                sev_name = "Major"
            sev_id, ack_t, assess_t, sign_t, resolve_t = targets[sev_name]
            scenario = choice(SCENARIOS[type_code])
            site_id = choice(ctx.site_ids)
            loc_id = choice(ctx.locations_by_site[site_id])
            key = (id(scenario), loc_id)
            if key not in texts:
                loc_name = loc_names[loc_id]
                texts[key] = (str(scenario["title"]).format(loc=loc_name),
                              str(scenario["description"]).format(loc=loc_name.lower()))
            title, description = texts[key]
            reported_at = occurred_at + timedelta(minutes=min(4320, lognormvariate(3.2, 1.2)))
            if reported_at > now:
                reported_at = now - timedelta(minutes=rng.randrange(1, 60))
                reported_at = max(reported_at, occurred_at)
            year = reported_at.year
            ref_numbers[year] += 1
            reference = f"{prefix}-{year}-{ref_numbers[year]:05d}"  # references.format_reference

            stalled = random() < 0.03
            ack = after(reported_at, ack_t)
            submitted = max(ack + ten_min, after(reported_at, assess_t))
            rejected = random() < 0.08
            resubmitted = submitted + timedelta(hours=uniform(2, 30)) if rejected else None
            signed = max((resubmitted or submitted) + twenty_min, after(reported_at, sign_t))
            res_start = signed + timedelta(minutes=uniform(10, 600) if random() < 0.7 else uniform(600, 6000))
            resolved = max(res_start + half_hour, after(reported_at, resolve_t, -0.35, 0.65))
            closed = resolved + timedelta(days=uniform(1, 25))

            steps: list[tuple[Status, dt.datetime, str]] = [(ASSESSMENT, ack, ""), (AWAITING_SIGNOFF, submitted, "")]
            if rejected and resubmitted:
                steps += [(ASSESSMENT, submitted + one_hour, REJECTION_NOTE), (AWAITING_SIGNOFF, resubmitted, "")]
            steps += [(SIGNED_OFF, signed, ""), (RESOLUTION, res_start, ""), (FOLLOW_UP, resolved, ""),
                      (CLOSED, closed, "")]
            limit = now
            if stalled:
                # Stuck at some stage: past its deadlines, what escalation is for.
                limit = min(now, steps[rng.randrange(0, len(steps) - 1)][1] - one_sec)
            done = [st for st in steps if st[1] <= limit]
            status = done[-1][0] if done else REPORTED
            acknowledged_at = submitted_at = signed_off_at = resolved_at = closed_at = None
            prev = REPORTED
            officer = choice(officers) if officers else None
            reporter_name = reporter_own_name if reporter_id and random() < 0.4 else (
                f"{choice(FIRST_NAMES)} {choice(LAST_NAMES)}")
            change_rows.append((iid, None, "reported", reported_at, None, reporter_name, ""))
            for st, when, note in done:
                actor_id = choice(managers) if st is SIGNED_OFF or note else officer
                if st is ASSESSMENT:
                    if acknowledged_at is None:
                        acknowledged_at = when
                    elif prev is AWAITING_SIGNOFF:
                        ctx.rejections.setdefault(iid, []).append((when, actor_id, note))
                elif st is AWAITING_SIGNOFF:
                    submitted_at = when
                elif st is SIGNED_OFF:
                    signed_off_at = when
                elif st is FOLLOW_UP:
                    resolved_at = when
                elif st is CLOSED:
                    closed_at = when
                change_rows.append((iid, VALUE[prev], VALUE[st], when, actor_id, names.get(actor_id, ""), note))
                prev = st

            # One audit event per demo incident (its history is in status_changes) keeps the chain
            # (and verify) honest without writing seven events for every row.
            audit_events.append(PendingEvent(
                "create", "incident", iid, iid, f"Demo data: {reference} ({LABEL[status]})",
                {"title": title, "status": VALUE[status]}, reported_at, None, ctx.actor.name))
            cost_base = MEDIAN_COST.get(sev_name, 500) * (0.15 if type_code == "near_miss" else 1.0)
            direct = round(cost_base * lognormvariate(0, 0.8), 2)
            indirect = round(direct * uniform(0.3, 2.5), 2)
            if exact_money:  # SQLite stores the float SQLAlchemy would make of the Decimal anyway
                direct, indirect = Decimal(str(direct)), Decimal(str(indirect))
            has_customer = random() < 0.3
            satisfaction = None
            if has_customer and resolved_at is not None:
                satisfaction = max(1, min(5, round(rng.gauss(3.9 if sev_name in ("Major", "Minor") else 3.1, 1.0))))
            local = occurred_at.astimezone(tz)
            customer_id = choice(ctx.customer_ids) if has_customer and ctx.customer_ids else None
            assignee_id = officer if status is not REPORTED or random() < 0.5 else None
            lessons = str(scenario["lessons"])
            inc_rows.append((
                iid, reference, title, description, str(scenario["actions"]), ctx.type_ids[type_code], sev_id,
                VALUE[status], occurred_at, reported_at, local.date(), local.hour, local.weekday(), site_id, loc_id,
                customer_id, direct, indirect, currency, satisfaction,
                reporter_id if reporter_name == names.get(reporter_id) else None, reporter_name, assignee_id,
                ("Actions completed: " + lessons) if resolved_at else "",
                str(scenario["cause"]) if status is FOLLOW_UP or status is CLOSED else "",
                lessons if status is CLOSED else "",
                reported_at, done[-1][1] if done else reported_at, None,
                acknowledged_at, submitted_at, signed_off_at, resolved_at, closed_at,
            ))
            # Without an assessment: no priority, the SLA's resolution time while open.
            unassessed.append((None, (reported_at + timedelta(minutes=resolve_t)) if status is not CLOSED else None))
            generated.append(DemoIncident(
                iid, reference, title, ctx.type_ids[type_code], sev_id, occurred_at, site_id, loc_id,
                VALUE[status], reported_at, acknowledged_at, submitted_at, signed_off_at, resolved_at, closed_at,
                assignee_id))
            injury = scenario.get("injury")
            if injury and type_code in ("injury", "illness", "vehicle"):
                people_rows.append(_injured(rng, iid, sev_name, injury, scenario, local, site_id, case_numbers))
            if random() < 0.6:
                people_rows.append((
                    iid, f"{choice(FIRST_NAMES)} {choice(LAST_NAMES)}", "witness", _EMPLOYMENT(rng),
                    choice(JOB_TITLES), "", WITNESS_STATEMENT, *WITNESS_REST))
        # The chunk's risk assessments first: each incident is written with its priority.
        risk_batch = risk.assess(ctx, generated)
        priority = risk_batch.priority
        inc_rows = [row + priority.get(row[0], default) for row, default in zip(inc_rows, unassessed, strict=True)]
        # An incident's stage times, formatted once for its row, its history, its assessment,
        # actions and signatures (which reuse the same datetime objects).
        stamps = Stamps()
        insert_rows(s, Incident.__table__, INCIDENT_COLUMNS, inc_rows, stamps=stamps)
        insert_rows(s, Person.__table__, PERSON_COLUMNS, people_rows)
        insert_rows(s, StatusChange.__table__, CHANGE_COLUMNS, change_rows, stamps=stamps)
        audit_events.sort(key=lambda e: e.at or now)
        append_many(s, audit_events)
        risk.write(ctx, risk_batch, stamps)  # assessments, hazards, controls, actions; then their signatures
        del stamps
        ctx.incident_ids.extend(r[0] for r in inc_rows)
        ctx.progress("incidents", min(1.0, (chunk_start + CHUNK) / max(1, ctx.count)))

    for year, number in ref_numbers.items():
        references.ensure_at_least(s, year, number)
    if ctx.db.dialect == "postgresql":
        s.execute(text("SELECT setval(pg_get_serial_sequence('incidents', 'id'), "
                       "(SELECT COALESCE(MAX(id), 1) FROM incidents))"))


# A witness's columns after (incident_id, name, role, employment, job_title, contact, statement):
# everything about an injury empty, as the columns' defaults have it.
WITNESS_REST = ("", "", "", "none", 0, 0, False, False, "", "", "", None, None, "", "", "", "", "", None, None,
                None, None, "", "", None, 1)
assert len(WITNESS_REST) == len(PERSON_COLUMNS) - 7

HOSPITAL = ("hospitalised", "permanent")
ER = ("hospitalised", "permanent", "fatality")


def _injured(rng: Any, iid: int, sev_name: str, injury: Any, scenario: dict[str, Any], local: dt.datetime,
             site_id: int, case_numbers: dict[tuple[int, int], int]) -> tuple[Any, ...]:
    body_part, side, nature, case_type = injury
    treatment = _treatment(rng, sev_name)
    days_away = days_restricted = 0
    if treatment in ("lost_time", "hospitalised", "permanent"):
        days_away = min(180, max(1, int(rng.lognormvariate(2.3, 0.9))))
        if rng.random() < 0.5:
            days_restricted = min(180, int(rng.lognormvariate(2.0, 0.8)))
    elif treatment == "restricted":
        days_restricted = min(180, max(1, int(rng.lognormvariate(2.0, 0.8))))
    if side not in ("left", "right"):
        side = "both" if side == "both" else "na"
    recordable = treatment not in ("none", "first_aid")
    outcome = ""
    case_number = ""
    if recordable:
        outcome = ("death" if treatment == "fatality" else "days_away" if days_away else
                   "restricted" if days_restricted else "other")
        key = (site_id, local.year)
        case_numbers[key] += 1
        case_number = f"{local.year}-{case_numbers[key]:03d}"
    employment = _EMPLOYMENT(rng)
    started = (local - dt.timedelta(hours=rng.uniform(0.5, 7))).time().replace(second=0, microsecond=0)
    choice, randrange = rng.choice, rng.randrange
    name = f"{choice(FIRST_NAMES)} {choice(LAST_NAMES)}"
    job_title = choice(JOB_TITLES)
    sex = choice("MF")
    born = dt.date(randrange(1960, 2004), randrange(1, 13), randrange(1, 29))
    hired = dt.date(max(1985, local.year - randrange(0, 20)), randrange(1, 13), randrange(1, 29))
    address = f"{randrange(10, 999)} Elm Street"
    return (
        iid, name, "injured", employment, job_title, "", "", body_part, side, nature, treatment, days_away,
        days_restricted, bool(scenario.get("privacy")), recordable and employment != "visitor",
        case_number if employment != "visitor" else "", outcome, case_type, born, hired, sex, address,
        "Dr. R. Alvarez" if recordable else "",
        "County General Hospital" if treatment in ER else "",
        "hospital" if treatment in HOSPITAL else "",
        treatment in ER, treatment in HOSPITAL, started, local.time().replace(second=0, microsecond=0),
        str(scenario["description"]).split(".")[0][:200], str(scenario.get("object", "")),
        local.date() if treatment == "fatality" else None, 1,
    )


STEPS = [("incidents", incidents_step)]
