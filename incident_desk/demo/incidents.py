"""Demo incidents in bulk: realistic timelines through the workflow, people, costs, audit events.

Rows go in with Core bulk inserts in chunks (no ORM flush per row), which keeps 100,000
incidents well inside 30 seconds on SQLite.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, text

from incident_desk.audit.chain import PendingEvent, append_many
from incident_desk.db.bulk import bulk_insert
from incident_desk.demo.context import DemoContext
from incident_desk.demo.scenarios import FIRST_NAMES, JOB_TITLES, LAST_NAMES, SCENARIOS
from incident_desk.incidents import references
from incident_desk.incidents.models import Incident, Person, StatusChange
from incident_desk.incidents.workflow import Status
from incident_desk.org.models import Organisation, SlaTarget

CHUNK = 5000
TYPE_WEIGHTS = {"injury": 34, "near_miss": 26, "property_damage": 13, "illness": 7, "environmental": 5,
                "vehicle": 8, "security": 5, "other": 2}
SEVERITY_WEIGHTS = {"Critical": 4, "Urgent": 14, "Major": 32, "Minor": 50}
MEDIAN_COST = {"Critical": 25000, "Urgent": 6000, "Major": 1400, "Minor": 180}
H = 3600


def _choice(rng: Any, weights: dict[str, int]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _treatment(rng: Any, severity: str) -> str:
    return _choice(rng, {
        "Critical": {"fatality": 8, "permanent": 12, "hospitalised": 50, "lost_time": 30},
        "Urgent": {"hospitalised": 25, "lost_time": 60, "restricted": 15},
        "Major": {"medical": 45, "restricted": 35, "lost_time": 20},
        "Minor": {"first_aid": 80, "medical": 15, "none": 5},
    }.get(severity, {"first_aid": 1}))


def incidents_step(ctx: DemoContext) -> None:
    s, rng = ctx.session, ctx.rng
    org = s.get(Organisation, 1)
    assert org is not None
    tz = zoneinfo.ZoneInfo(org.timezone or "UTC")
    sla = {row.severity_id: row for row in s.scalars(select(SlaTarget).where(SlaTarget.band.is_(None)))}
    severities = {name: sid for name, sid in ctx.severity_ids.items() if name in SEVERITY_WEIGHTS} or ctx.severity_ids
    sev_weights = {name: SEVERITY_WEIGHTS.get(name, 10) for name in severities}
    types = {code: TYPE_WEIGHTS.get(code, 2) for code in ctx.type_ids if code in SCENARIOS}
    officers = [ctx.users[k] for k in ("officer", "officer2") if k in ctx.users]
    managers = [ctx.users[k] for k in ("manager", "manager2") if k in ctx.users]
    names = ctx.extra.get("user_names", {})
    reporter_id = ctx.users.get("reporter")
    next_id = (s.execute(select(func.max(Incident.id))).scalar_one() or 0) + 1
    span = (ctx.now - ctx.start).total_seconds()

    # Occurrence times first, sorted, so references and the audit chain run in time order.
    occurred: list[dt.datetime] = []
    for _ in range(ctx.count):
        while True:
            day = ctx.start + dt.timedelta(seconds=rng.random() * span)
            local = day.astimezone(tz)
            if local.weekday() >= 5 and rng.random() < 0.65:
                continue
            hour = min(23, max(0, int(rng.gauss(12.5, 3.5))))
            local = local.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60))
            when = local.astimezone(dt.UTC)
            if when < ctx.now - dt.timedelta(hours=2):
                occurred.append(when)
                break
    occurred.sort()

    ref_numbers: dict[int, int] = defaultdict(int)
    for year in {o.year for o in occurred}:
        ref_numbers[year] = s.execute(
            text("SELECT value FROM counters WHERE name = :n"), {"n": f"ref:{year}"}).scalar_one_or_none() or 0
    case_numbers: dict[tuple[int, int], int] = defaultdict(int)

    for chunk_start in range(0, ctx.count, CHUNK):
        inc_rows: list[dict[str, Any]] = []
        people_rows: list[dict[str, Any]] = []
        change_rows: list[dict[str, Any]] = []
        audit_events: list[PendingEvent] = []
        for occurred_at in occurred[chunk_start:chunk_start + CHUNK]:
            iid = next_id
            next_id += 1
            type_code = _choice(rng, types)
            sev_name = _choice(rng, sev_weights)
            if type_code == "near_miss" and sev_name == "Critical" and rng.random() < 0.7:
                sev_name = "Major"
            sev_id = severities[sev_name]
            scenario = rng.choice(SCENARIOS[type_code])
            site_id = rng.choice(ctx.site_ids)
            loc_id = rng.choice(ctx.locations_by_site[site_id])
            loc_name = ctx.extra.setdefault("loc_names", {}).get(loc_id)
            if loc_name is None:
                loc_name = s.execute(text("SELECT name FROM locations WHERE id = :i"), {"i": loc_id}).scalar_one()
                ctx.extra["loc_names"][loc_id] = loc_name
            reported_at = occurred_at + dt.timedelta(minutes=min(4320, rng.lognormvariate(3.2, 1.2)))
            if reported_at > ctx.now:
                reported_at = ctx.now - dt.timedelta(minutes=rng.randrange(1, 60))
                reported_at = max(reported_at, occurred_at)
            year = reported_at.year
            ref_numbers[year] += 1
            reference = references.format_reference(org.reference_prefix, year, ref_numbers[year])
            target = sla.get(sev_id)
            ack_t, assess_t, sign_t, resolve_t = ((target.acknowledge_minutes, target.assess_minutes,
                                                   target.signoff_minutes, target.resolve_minutes)
                                                  if target else (1440, 4320, 7200, 20160))

            def after(base: dt.datetime, minutes: float, factor_mu: float = -0.45, sigma: float = 0.6) -> dt.datetime:
                return base + dt.timedelta(minutes=max(5.0, minutes * rng.lognormvariate(factor_mu, sigma)))

            stalled = rng.random() < 0.03
            ack = after(reported_at, ack_t)
            submitted = max(ack + dt.timedelta(minutes=10), after(reported_at, assess_t))
            rejected = rng.random() < 0.08
            resubmitted = submitted + dt.timedelta(hours=rng.uniform(2, 30)) if rejected else None
            signed = max((resubmitted or submitted) + dt.timedelta(minutes=20), after(reported_at, sign_t))
            res_start = signed + dt.timedelta(minutes=rng.uniform(10, 600) if rng.random() < 0.7 else rng.uniform(600, 6000))
            resolved = max(res_start + dt.timedelta(minutes=30), after(reported_at, resolve_t, -0.35, 0.65))
            closed = resolved + dt.timedelta(days=rng.uniform(1, 25))

            steps: list[tuple[str, dt.datetime, str]] = [
                (Status.ASSESSMENT, ack, ""), (Status.AWAITING_SIGNOFF, submitted, "")]
            if rejected and resubmitted:
                steps += [(Status.ASSESSMENT, submitted + dt.timedelta(hours=1),
                           "Controls for the residual risk are not specific enough."),
                          (Status.AWAITING_SIGNOFF, resubmitted, "")]
            steps += [(Status.SIGNED_OFF, signed, ""), (Status.RESOLUTION, res_start, ""),
                      (Status.FOLLOW_UP, resolved, ""), (Status.CLOSED, closed, "")]
            limit = ctx.now
            if stalled:
                # Stuck at some stage: past its deadlines, what escalation is for.
                limit = min(ctx.now, steps[rng.randrange(0, len(steps) - 1)][1] - dt.timedelta(seconds=1))
            done = [st for st in steps if st[1] <= limit]
            status = done[-1][0] if done else Status.REPORTED
            stamps: dict[str, dt.datetime | None] = {"acknowledged_at": None, "submitted_at": None,
                                                     "signed_off_at": None, "resolved_at": None, "closed_at": None}
            prev = Status.REPORTED
            officer = rng.choice(officers) if officers else None
            reporter_name = names.get(reporter_id, "") if reporter_id and rng.random() < 0.4 else (
                f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}")
            change_rows.append(dict(incident_id=iid, from_status=None, to_status=Status.REPORTED.value,
                                    at=reported_at, user_id=None, user_name=reporter_name, note=""))
            for st, when, note in done:
                actor_id = rng.choice(managers) if st in (Status.SIGNED_OFF,) or note else officer
                if st == Status.ASSESSMENT and stamps["acknowledged_at"] is None:
                    stamps["acknowledged_at"] = when
                elif st == Status.AWAITING_SIGNOFF:
                    stamps["submitted_at"] = when
                elif st == Status.SIGNED_OFF:
                    stamps["signed_off_at"] = when
                elif st == Status.FOLLOW_UP:
                    stamps["resolved_at"] = when
                elif st == Status.CLOSED:
                    stamps["closed_at"] = when
                change_rows.append(dict(incident_id=iid, from_status=prev.value, to_status=st.value, at=when,
                                        user_id=actor_id, user_name=names.get(actor_id, ""), note=note))
                prev = st

            # One audit event per demo incident (its history is in status_changes) keeps the chain
            # (and verify) honest without writing seven events for every row.
            audit_events.append(PendingEvent(
                "create", "incident", iid, iid, f"Demo data: {reference} ({status.label})",
                {"title": scenario["title"].format(loc=loc_name), "status": status.value},
                reported_at, None, ctx.actor.name))
            cost_base = MEDIAN_COST.get(sev_name, 500) * (0.15 if type_code == "near_miss" else 1.0)
            direct = Decimal(str(round(cost_base * rng.lognormvariate(0, 0.8), 2)))
            indirect = Decimal(str(round(float(direct) * rng.uniform(0.3, 2.5), 2)))
            has_customer = rng.random() < 0.3
            satisfaction = None
            if has_customer and stamps["resolved_at"] is not None:
                satisfaction = max(1, min(5, round(rng.gauss(3.9 if sev_name in ("Major", "Minor") else 3.1, 1.0))))
            local = occurred_at.astimezone(tz)
            open_ = status != Status.CLOSED
            inc_rows.append(dict(
                id=iid, reference=reference, title=scenario["title"].format(loc=loc_name),
                description=str(scenario["description"]).format(loc=loc_name.lower()),
                immediate_actions=str(scenario["actions"]),
                type_id=ctx.type_ids[type_code], severity_id=sev_id, status=status.value,
                occurred_at=occurred_at, reported_at=reported_at, occurred_date=local.date(),
                occurred_hour=local.hour, occurred_weekday=local.weekday(),
                site_id=site_id, location_id=loc_id,
                customer_id=rng.choice(ctx.customer_ids) if has_customer and ctx.customer_ids else None,
                direct_cost=direct, indirect_cost=indirect, currency=org.currency, satisfaction=satisfaction,
                reporter_id=reporter_id if reporter_name == names.get(reporter_id) else None,
                reporter_name=reporter_name,
                assignee_id=officer if status != Status.REPORTED or rng.random() < 0.5 else None,
                response_due_at=(reported_at + dt.timedelta(minutes=resolve_t)) if open_ else None,
                resolution_summary=("Actions completed: " + str(scenario["lessons"])) if stamps["resolved_at"] else "",
                root_cause=str(scenario["cause"]) if status in (Status.FOLLOW_UP, Status.CLOSED) else "",
                five_whys=[], lessons_learned=str(scenario["lessons"]) if status == Status.CLOSED else "",
                created_at=reported_at, updated_at=done[-1][1] if done else reported_at,
                created_by_id=None, version=1, voided=False, void_reason="", **stamps,
            ))
            injury = scenario.get("injury")
            if injury and type_code in ("injury", "illness", "vehicle"):
                people_rows.append(_injured(ctx, rng, iid, sev_name, injury, scenario, occurred_at, local,
                                            site_id, case_numbers))
            if rng.random() < 0.6:
                people_rows.append(dict(
                    incident_id=iid, name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}", role="witness",
                    employment=_choice(rng, {"employee": 85, "contractor": 10, "visitor": 5}),
                    job_title=rng.choice(JOB_TITLES), statement="I saw what happened and helped make the area safe."))
        bulk_insert(s, Incident.__table__, inc_rows)
        if people_rows:
            bulk_insert(s, Person.__table__, [_person_defaults(r) for r in people_rows])
        bulk_insert(s, StatusChange.__table__, change_rows)
        audit_events.sort(key=lambda e: e.at or ctx.now)
        append_many(s, audit_events)
        ctx.incident_ids.extend(r["id"] for r in inc_rows)
        ctx.progress("incidents", min(1.0, (chunk_start + CHUNK) / max(1, ctx.count)))

    for year, number in ref_numbers.items():
        references.ensure_at_least(s, year, number)
    if ctx.db.dialect == "postgresql":
        s.execute(text("SELECT setval(pg_get_serial_sequence('incidents', 'id'), "
                       "(SELECT COALESCE(MAX(id), 1) FROM incidents))"))


PERSON_DEFAULTS = dict(employment="employee", job_title="", contact="", statement="", body_part="", body_side="",
                       nature_of_injury="", treatment="none", days_away=0, days_restricted=0, privacy_case=False,
                       recordable=False, osha_case_number="", osha_outcome="", osha_case_type="", date_of_birth=None,
                       date_hired=None, sex="", address="", physician="", treatment_facility="",
                       treatment_facility_type="", treated_in_er=None, hospitalized_inpatient=None,
                       time_started_work=None, time_of_event=None, activity_before="", object_substance="",
                       date_of_death=None, version=1)


def _person_defaults(row: dict[str, Any]) -> dict[str, Any]:
    return {**PERSON_DEFAULTS, **row}


def _injured(ctx: DemoContext, rng: Any, iid: int, sev_name: str, injury: Any, scenario: dict[str, Any],
             occurred_at: dt.datetime, local: dt.datetime, site_id: int,
             case_numbers: dict[tuple[int, int], int]) -> dict[str, Any]:
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
    employment = _choice(rng, {"employee": 85, "contractor": 10, "visitor": 5})
    started = (local - dt.timedelta(hours=rng.uniform(0.5, 7))).time().replace(second=0, microsecond=0)
    return dict(
        incident_id=iid, name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}", role="injured",
        employment=employment, job_title=rng.choice(JOB_TITLES), body_part=body_part, body_side=side,
        nature_of_injury=nature, treatment=treatment, days_away=days_away, days_restricted=days_restricted,
        privacy_case=bool(scenario.get("privacy")), recordable=recordable and employment != "visitor",
        osha_case_number=case_number if employment != "visitor" else "", osha_outcome=outcome,
        osha_case_type=case_type, sex=rng.choice("MF"),
        date_of_birth=dt.date(rng.randrange(1960, 2004), rng.randrange(1, 13), rng.randrange(1, 29)),
        date_hired=dt.date(max(1985, local.year - rng.randrange(0, 20)), rng.randrange(1, 13), rng.randrange(1, 29)),
        address=f"{rng.randrange(10, 999)} Elm Street", physician="Dr. R. Alvarez" if recordable else "",
        treatment_facility="County General Hospital" if treatment in ("hospitalised", "permanent", "fatality") else "",
        treatment_facility_type="hospital" if treatment in ("hospitalised", "permanent") else "",
        treated_in_er=treatment in ("hospitalised", "permanent", "fatality"),
        hospitalized_inpatient=treatment in ("hospitalised", "permanent"),
        time_started_work=started, time_of_event=local.time().replace(second=0, microsecond=0),
        activity_before=str(scenario["description"]).split(".")[0][:200],
        object_substance=str(scenario.get("object", "")), date_of_death=local.date() if treatment == "fatality" else None,
        statement="", contact="")


STEPS = [("incidents", incidents_step)]
