"""Demo risk assessments: hazards rated on the shipped matrices, controls, actions (some overdue), questions.

Consistent with each incident's status: no assessment while Reported, a draft during
Assessment, submitted while awaiting sign-off, locked once signed off; closed incidents have
every action verified. Incidents reported more than 18 months ago were rated on the 4×4 matrix
the organisation used before it moved to the 5×5. Everything goes in with Core bulk inserts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Table, func, select, text
from sqlalchemy.orm import Session

from incident_desk.db.bulk import bulk_insert
from incident_desk.demo.context import DemoContext
from incident_desk.incidents.models import Incident
from incident_desk.incidents.workflow import Status
from incident_desk.org.models import IncidentType, SeverityLevel
from incident_desk.risk import matrices
from incident_desk.risk.matrix import Matrix
from incident_desk.risk.models import Assessment, Control, CorrectiveAction, Hazard, InfoRequest

CHUNK = 10000
# type code -> hazards: (hazard, existing control, [(added control, hierarchy)], [(action, type)])
HAZARDS: dict[str, list[tuple[str, str, list[tuple[str, str]], list[tuple[str, str]]]]] = {
    "injury": [
        (
            "Slips on wet or contaminated floors",
            "Cleaning rota; wet-floor signs available",
            [
                ("Anti-slip flooring at wash stations", "engineering"),
                ("Clean outside shift changes", "administrative"),
            ],
            [
                ("Fit anti-slip matting at every wash station", "corrective"),
                ("Move floor cleaning outside shift changes", "preventive"),
            ],
        ),
        (
            "Cuts from hand-held blades",
            "Gloves issued on request",
            [
                ("Replace fixed blades with self-retracting safety knives", "substitution"),
                ("Cut-resistant gloves at every bench", "ppe"),
            ],
            [
                ("Replace all fixed-blade cutters", "corrective"),
                ("Toolbox talk on knife handling", "preventive"),
            ],
        ),
        (
            "Working at height from ladders",
            "Ladder inspection register",
            [
                ("Platform ladders for high shelving", "engineering"),
                ("Three points of contact rule", "administrative"),
            ],
            [
                ("Buy two platform ladders for the store", "corrective"),
                ("Add overreaching to induction", "improvement"),
            ],
        ),
        (
            "Manual handling of heavy drums",
            "Drum trolley in the area",
            [
                ("Drum trolley assigned to each bay", "engineering"),
                ("Check trolleys at shift handover", "administrative"),
            ],
            [
                ("Assign and label a trolley per bay", "corrective"),
                ("Manual handling refresher", "preventive"),
            ],
        ),
        (
            "Pedestrians near powered pallet trucks",
            "Speed limit signs",
            [
                ("Marked pedestrian walkways", "engineering"),
                ("Blue-spot warning lights on trucks", "engineering"),
            ],
            [
                ("Paint walkways in aisles 1–6", "corrective"),
                ("Fit blue-spot lights to the fleet", "preventive"),
            ],
        ),
    ],
    "near_miss": [
        (
            "Falling objects from racking",
            "Load signs on racking",
            [
                ("Anti-collapse mesh on upper beams", "engineering"),
                ("Exclusion zone during put-away", "administrative"),
            ],
            [
                ("Fit mesh to high-bay racking", "corrective"),
                ("Racking inspection every quarter", "preventive"),
            ],
        ),
        (
            "Reversing vehicles in the yard",
            "Banksman on duty at peak times",
            [
                ("One-way system in the yard", "elimination"),
                ("Reversing cameras on yard trucks", "engineering"),
            ],
            [("Mark out a one-way route", "corrective"), ("Brief all drivers on the new route", "immediate")],
        ),
    ],
    "property_damage": [
        (
            "Forklift impact on structure",
            "Column guards on some bays",
            [
                ("Column guards on every bay end", "engineering"),
                ("Speed limiter on forklifts", "engineering"),
            ],
            [
                ("Install the missing column guards", "corrective"),
                ("Set forklift speed limiters", "preventive"),
            ],
        ),
    ],
    "illness": [
        (
            "Exposure to solvent vapour",
            "Local exhaust ventilation",
            [("Water-based paint where possible", "substitution"), ("Respirator fit testing", "ppe")],
            [("Trial water-based primer", "improvement"), ("Service the extraction fans", "corrective")],
        ),
        (
            "Heat stress in summer",
            "Water available",
            [("Shaded rest area", "engineering"), ("Work-rest schedule above 30 °C", "administrative")],
            [("Install shade over the rest area", "corrective"), ("Publish the heat plan", "preventive")],
        ),
    ],
    "environmental": [
        (
            "Spill of oil to drain",
            "Spill kit at the store",
            [("Bunded storage for drums", "engineering"), ("Drain covers next to the store", "engineering")],
            [("Install a bunded drum store", "corrective"), ("Spill response drill", "preventive")],
        ),
    ],
    "vehicle": [
        (
            "Driver fatigue on long routes",
            "Driving hours policy",
            [
                ("Route planning with rest stops", "administrative"),
                ("Telematics fatigue alerts", "engineering"),
            ],
            [("Re-plan the northern routes", "corrective"), ("Fatigue awareness training", "preventive")],
        ),
    ],
    "security": [
        (
            "Unauthorised access to site",
            "Reception sign-in",
            [("Badge-controlled gates", "engineering"), ("Escort rule for visitors", "administrative")],
            [("Repair the side gate lock", "immediate"), ("Review visitor procedure", "preventive")],
        ),
    ],
    "other": [
        (
            "Trip over trailing cables",
            "Housekeeping checks",
            [("Cable covers and floor boxes", "engineering"), ("Desk layout standard", "administrative")],
            [
                ("Fit floor boxes in the open-plan office", "corrective"),
                ("Add cables to the housekeeping check", "preventive"),
            ],
        ),
    ],
}
# Severity name -> likely consequence positions (0 = least severe) on a matrix's severity axis, by fraction.
CONSEQUENCE = {"Critical": (0.8, 1.0), "Urgent": (0.6, 0.85), "Major": (0.35, 0.7), "Minor": (0.0, 0.4)}
QUESTIONS = [
    ("Was the area cordoned off before the first aider arrived?", "Yes, with tape from the first-aid kit."),
    (
        "How long had the equipment been out of service?",
        "About two weeks; the fault was reported on the 3rd.",
    ),
    ("Who was supervising the shift?", "The shift lead was on the other dock at the time."),
    ("Was the task covered by a written procedure?", "There is a procedure but it is out of date."),
]


def _pick(rng: Any, levels: int, lo: float, hi: float) -> int:
    return max(0, min(levels - 1, round((lo + rng.random() * (hi - lo)) * (levels - 1))))


def risk_step(ctx: DemoContext) -> None:
    s, rng = ctx.session, ctx.rng
    if not ctx.incident_ids:
        return
    five = matrices.by_name(s, "5×5 Likelihood × Consequence")
    four = matrices.by_name(s, "4×4 Likelihood × Severity")
    versions = {k: matrices.latest_version(s, m.id) for k, m in (("5", five), ("4", four))}
    grids = {k: Matrix(v.definition) for k, v in versions.items()}
    # Every cell's rating once, rather than a band lookup per hazard.
    cells = {k: {(c.likelihood, c.severity): c for c in g.cells()} for k, g in grids.items()}
    ranks = {k: {str(b["name"]): i for i, b in enumerate(g.bands)} for k, g in grids.items()}
    switch_at = ctx.now - dt.timedelta(days=548)
    sev_names = dict(s.execute(select(SeverityLevel.id, SeverityLevel.name)).all())
    type_codes = dict(s.execute(select(IncidentType.id, IncidentType.code)).all())
    officers = [ctx.users[k] for k in ("officer", "officer2") if k in ctx.users] or [None]
    managers = [ctx.users[k] for k in ("manager", "manager2") if k in ctx.users] or officers
    names = ctx.extra.get("user_names", {})
    today = ctx.now.date()
    ids = {
        t: (s.execute(select(func.max(m.id))).scalar_one() or 0) + 1
        for t, m in (("a", Assessment), ("h", Hazard), ("c", Control), ("x", CorrectiveAction))
    }
    lo_id, hi_id = min(ctx.incident_ids), max(ctx.incident_ids)
    cols = Incident.__table__.c
    rows = s.execute(
        select(
            cols.id,
            cols.status,
            cols.reported_at,
            cols.acknowledged_at,
            cols.submitted_at,
            cols.signed_off_at,
            cols.resolved_at,
            cols.closed_at,
            cols.severity_id,
            cols.type_id,
            cols.assignee_id,
        )
        .where(cols.id.between(lo_id, hi_id), cols.status != Status.REPORTED.value)
        .order_by(cols.id)
    ).all()
    total = len(rows)
    sqlite = ctx.db.dialect == "sqlite"
    for start in range(0, total, CHUNK):
        a_rows: list[dict[str, Any]] = []
        h_rows: list[dict[str, Any]] = []
        c_rows: list[dict[str, Any]] = []
        x_rows: list[dict[str, Any]] = []
        q_rows: list[dict[str, Any]] = []
        prio: list[dict[str, Any]] = []
        for r in rows[start : start + CHUNK]:
            status = r.status
            draft = status == Status.ASSESSMENT
            if draft and rng.random() < 0.35:
                continue  # assessment not started yet
            key = "4" if r.reported_at < switch_at else "5"
            m, version, rate, band_rank = grids[key], versions[key], cells[key], ranks[key]
            nl, ns = len(m.likelihood), len(m.severity)
            lo, hi = CONSEQUENCE.get(sev_names.get(r.severity_id, ""), (0.2, 0.7))
            library = HAZARDS.get(type_codes.get(r.type_id, ""), HAZARDS["other"])
            aid = ids["a"]
            ids["a"] += 1
            author = r.assignee_id or rng.choice(officers)
            worst: tuple[int, int, str, str, str] | None = None
            n_hazards = 1 if rng.random() < 0.65 else 2
            chosen = rng.sample(library, min(n_hazards, len(library)))
            for pos, (hazard, existing, added, actions) in enumerate(chosen):
                si = _pick(rng, ns, lo, hi)
                li = _pick(rng, nl, 0.35, 0.95)
                lc, sc = m.likelihood[li]["code"], m.severity[si]["code"]
                inherent = rate[lc, sc]
                rated_residual = not draft or rng.random() < 0.5
                rl = m.likelihood[max(0, li - rng.choice((0, 1, 1, 2)))]["code"]
                rs = m.severity[max(0, si - (1 if added[0][1] in ("elimination", "substitution") else 0))][
                    "code"
                ]
                residual = rate[rl, rs] if rated_residual else None
                hid = ids["h"]
                ids["h"] += 1
                h_rows.append(
                    dict(
                        id=hid,
                        assessment_id=aid,
                        position=pos,
                        description=hazard,
                        existing_controls=existing,
                        inherent_likelihood=lc,
                        inherent_severity=sc,
                        inherent_score=inherent.score,
                        inherent_band=inherent.band,
                        residual_likelihood=rl if residual else None,
                        residual_severity=rs if residual else None,
                        residual_score=residual.score if residual else None,
                        residual_band=residual.band if residual else None,
                    )
                )
                for desc, level in added[: 1 if draft else 2]:
                    c_rows.append(
                        dict(id=ids["c"], hazard_id=hid, description=desc, hierarchy=level, existing=False)
                    )
                    ids["c"] += 1
                rating = residual or inherent
                rank = (
                    band_rank[str(rating.band)],
                    rating.score,
                    str(rating.band),
                    rating.likelihood,
                    rating.severity,
                )
                if worst is None or rank[:2] > worst[:2]:
                    worst = rank
                if not draft:
                    for desc, kind in actions[: 1 if rng.random() < 0.5 else 2]:
                        x_rows.append(
                            _action(
                                ctx, rng, ids["x"], r, aid, hid, desc, kind, officers, managers, names, today
                            )
                        )
                        ids["x"] += 1
            assert worst is not None
            locked = status not in (Status.ASSESSMENT, Status.AWAITING_SIGNOFF)
            a_rows.append(
                dict(
                    id=aid,
                    incident_id=r.id,
                    revision=1,
                    matrix_version_id=version.id,
                    status="draft"
                    if draft
                    else "submitted"
                    if status == Status.AWAITING_SIGNOFF
                    else "signed_off",
                    summary=""
                    if draft
                    else f"{len(chosen)} hazard{'s' if len(chosen) > 1 else ''} assessed; "
                    f"residual risk {worst[2].lower()} after the added controls.",
                    overall_likelihood=worst[3],
                    overall_severity=worst[4],
                    overall_score=worst[1],
                    overall_band=worst[2],
                    author_id=author,
                    created_at=r.acknowledged_at or r.reported_at,
                    submitted_at=None if draft else r.submitted_at,
                    decided_at=r.signed_off_at if locked else None,
                    locked=locked,
                    version=1,
                )
            )
            band = m.band_by_name(worst[2]) or {}
            hours = band.get("response_hours")
            prio.append(
                dict(
                    b_id=r.id,
                    b_priority=worst[2],
                    b_due=r.reported_at + dt.timedelta(hours=float(hours)) if hours is not None else None,
                )
            )
            if rng.random() < 0.15:
                question, answer = rng.choice(QUESTIONS)
                answered = not draft or rng.random() < 0.5
                asked = (r.acknowledged_at or r.reported_at) + dt.timedelta(hours=rng.uniform(0.5, 6))
                q_rows.append(
                    dict(
                        incident_id=r.id,
                        assessment_id=aid,
                        asked_of_user_id=None,
                        asked_of_name=rng.choice(
                            ("Shift lead", "Dock supervisor", "First aider on duty", "Maintenance planner")
                        ),
                        question=question,
                        asked_by_id=author,
                        asked_at=asked,
                        answer=answer if answered else "",
                        answered_at=asked + dt.timedelta(hours=rng.uniform(1, 20)) if answered else None,
                    )
                )
        for table, batch in (
            (Assessment, a_rows),
            (Hazard, h_rows),
            (Control, c_rows),
            (CorrectiveAction, x_rows),
            (InfoRequest, q_rows),
        ):
            _insert(s, table.__table__, batch)
        if prio and sqlite:
            _executemany(
                s,
                "UPDATE incidents SET priority = {p}, response_due_at = {p} WHERE id = {p}",
                [(p["b_priority"], _ts(p["b_due"]), p["b_id"]) for p in prio],
            )
        elif prio:
            s.execute(
                text(
                    "CREATE TEMP TABLE IF NOT EXISTS demo_priority (id integer, priority varchar(50), "
                    "due timestamptz) ON COMMIT DROP"
                )
            )
            s.execute(text("TRUNCATE demo_priority"))
            _copy(
                s,
                "demo_priority",
                ["id", "priority", "due"],
                [(p["b_id"], p["b_priority"], p["b_due"]) for p in prio],
            )
            s.execute(
                text(
                    "UPDATE incidents AS i SET priority = d.priority, response_due_at = d.due "
                    "FROM demo_priority AS d WHERE i.id = d.id"
                )
            )
        ctx.progress("risk assessments", min(1.0, (start + CHUNK) / max(1, total)))
    if ctx.db.dialect == "postgresql":
        for table in ("assessments", "hazards", "controls", "actions", "info_requests"):
            s.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                )
            )


def _action(
    ctx: DemoContext,
    rng: Any,
    action_id: int,
    r: Any,
    aid: int,
    hid: int,
    desc: str,
    kind: str,
    officers: list[Any],
    managers: list[Any],
    names: dict[int, str],
    today: dt.date,
) -> dict[str, Any]:
    owner = rng.choice(officers + managers)
    base = r.submitted_at or r.reported_at
    due = (base + dt.timedelta(days=2 if kind == "immediate" else rng.randint(7, 45))).date()
    status, completed, verified_at, verifier = "open", None, None, None
    evidence = note = ""
    st = r.status
    end = r.closed_at or r.resolved_at or ctx.now
    if st == Status.CLOSED or (st == Status.FOLLOW_UP and rng.random() < 0.6):
        status = "verified"
    elif st in (Status.FOLLOW_UP, Status.RESOLUTION):
        status = rng.choices(("done", "in_progress", "open"), weights=(40, 35, 25))[0]
    elif st == Status.SIGNED_OFF:
        status = rng.choices(("in_progress", "open"), weights=(40, 60))[0]
    if status in ("done", "verified"):
        finish = min(end, base + dt.timedelta(days=rng.uniform(1, 40)))
        completed = max(base + dt.timedelta(hours=2), finish - dt.timedelta(days=rng.uniform(0.5, 3)))
        evidence = "Completed and photographed; see attachments."
    if status == "verified":
        verifier = rng.choice(
            [u for u in managers if u != owner] or [u for u in officers if u != owner] or [None]
        )
        verified_at = max(completed or base, end - dt.timedelta(hours=rng.uniform(1, 48)))
        note = "Checked on site: the control is in place and being used."
    if status in ("open", "in_progress") and due >= today and rng.random() < 0.3:
        # A share of live actions run late.
        due = max(base.date() + dt.timedelta(days=1), today - dt.timedelta(days=rng.randint(1, 20)))
    return dict(
        id=action_id,
        incident_id=r.id,
        assessment_id=aid,
        hazard_id=hid,
        description=desc,
        action_type=kind,
        owner_id=owner,
        owner_name=names.get(owner, ""),
        due_date=due,
        status=status,
        completed_at=completed,
        evidence=evidence,
        verified_by_id=verifier,
        verified_at=verified_at,
        verification_note=note,
        created_at=base,
        version=1,
    )


# Straight to the driver: SQLAlchemy's per-value bind processing would cost more than the inserts.
def _ts(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is not dt.UTC:
        value = value.astimezone(dt.UTC)
    # The same text SQLAlchemy writes (microseconds always present), so comparisons in SQL hold.
    return value.replace(tzinfo=None).isoformat(" ", timespec="microseconds")


def _executemany(session: Session, sql: str, rows: list[tuple[Any, ...]]) -> None:
    if rows:
        conn = session.connection()
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        conn.exec_driver_sql(sql.format(p=mark), rows)


def _copy(session: Session, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    """PostgreSQL's COPY, through the session's own connection (so inside its transaction)."""
    if not rows:
        return
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _insert(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    if session.get_bind().dialect.name == "sqlite":
        bulk_insert(session, table, rows)
        return
    columns = list(rows[0])
    _copy(session, table.name, columns, [tuple(r[c] for c in columns) for r in rows])


STEPS = [("risk assessments", risk_step)]
