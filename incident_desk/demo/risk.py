"""Demo risk assessments: hazards rated on the shipped matrices, controls, actions (some overdue), questions.

Consistent with each incident's status: no assessment while Reported, a draft during
Assessment, submitted while awaiting sign-off, locked once signed off; closed incidents have
every action verified. Incidents reported more than 18 months ago were rated on the 4×4 matrix
the organisation used before it moved to the 5×5.

Generated a chunk of incidents at a time, from the incidents step's own values (``assess``,
before the incidents are written, so each is written with its priority and response time),
then written as tuples after them (``write``), which hands the assessments straight on to the
signatures (``demo.signoff.sign``): nothing is read back, only a chunk is held in memory.
"""

from __future__ import annotations

import datetime as dt
from collections import namedtuple
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

from sqlalchemy import Table, func, select, text
from sqlalchemy.orm import Session

from incident_desk.demo.context import DemoContext
from incident_desk.demo.rows import Stamps, insert_rows
from incident_desk.demo.signoff import DemoAssessment, sign
from incident_desk.incidents.workflow import Status
from incident_desk.org.models import IncidentType, SeverityLevel
from incident_desk.risk import matrices
from incident_desk.risk.matrix import Matrix
from incident_desk.risk.models import Assessment, Control, CorrectiveAction, Hazard, InfoRequest
from incident_desk.signoff import canonical

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


# Insert columns. The first ones of assessments, hazards, controls and actions are the fields the
# signed content is made of, in ``signoff.canonical`` order, so the very rows written here are what
# the signatures step hashes (``canonical.Bundle``) without reading them back.
ASSESSMENT_COLUMNS = (
    *canonical.ASSESSMENT_FIELDS,
    "status",
    "created_at",
    "submitted_at",
    "decided_at",
    "locked",
    "version",
)
HAZARD_COLUMNS = (*canonical.HAZARD_FIELDS, "assessment_id")
CONTROL_COLUMNS = (*canonical.CONTROL_FIELDS, "hazard_id")
ACTION_COLUMNS = (
    *canonical.ACTION_FIELDS,
    "assessment_id",
    "created_at",
    "incident_id",
    "owner_id",
    "owner_name",
    "due_date",
    "status",
    "completed_at",
    "evidence",
    "verified_by_id",
    "verified_at",
    "verification_note",
    "version",
)
QUESTION_COLUMNS = (
    "incident_id",
    "assessment_id",
    "asked_of_user_id",
    "asked_of_name",
    "question",
    "asked_by_id",
    "asked_at",
    "answer",
    "answered_at",
)
AssessmentRow = namedtuple("AssessmentRow", ASSESSMENT_COLUMNS)  # type: ignore[misc]
HazardRow = namedtuple("HazardRow", HAZARD_COLUMNS)  # type: ignore[misc]
ActionRow = namedtuple("ActionRow", ACTION_COLUMNS)  # type: ignore[misc]
ASKED_OF = ("Shift lead", "Dock supervisor", "First aider on duty", "Maintenance planner")


@dataclass
class RiskBatch:
    """The risk rows for one chunk of incidents, generated before the incidents are written."""

    assessments: list[Any] = field(default_factory=list)
    hazards: list[Any] = field(default_factory=list)
    controls: list[tuple[Any, ...]] = field(default_factory=list)
    actions: list[Any] = field(default_factory=list)
    questions: list[tuple[Any, ...]] = field(default_factory=list)
    assessed: list[DemoAssessment] = field(default_factory=list)  # for the signatures
    # incident id -> (priority: the worst band, response due by the band's response time)
    priority: dict[int, tuple[str, dt.datetime | None]] = field(default_factory=dict)


def assess(ctx: DemoContext, incidents: list[Any]) -> RiskBatch:
    """Assessments for a chunk of incidents the incidents step has generated but not yet written.

    The incidents step writes each incident with the priority and response time its
    assessment gives it (``RiskBatch.priority``), then calls ``write``.
    """
    with ctx.timed("risk assessments"):
        assessor = ctx.extra.get("assessor")
        if assessor is None:
            assessor = ctx.extra["assessor"] = _Assessor(ctx)
        return assessor.assess(incidents)


def write(ctx: DemoContext, batch: RiskBatch, stamps: Stamps | None = None) -> None:
    """Insert a chunk's risk rows (after its incidents), then sign its assessments."""
    with ctx.timed("risk assessments"):
        s = ctx.session
        for table, columns, rows in (
            (Assessment, ASSESSMENT_COLUMNS, batch.assessments),
            (Hazard, HAZARD_COLUMNS, batch.hazards),
            (Control, CONTROL_COLUMNS, batch.controls),
            (CorrectiveAction, ACTION_COLUMNS, batch.actions),
            (InfoRequest, QUESTION_COLUMNS, batch.questions),
        ):
            _insert(s, table.__table__, columns, rows, stamps)
        # Signed now, while the rows their content is made of are at hand.
        sign(ctx, batch.assessed, stamps)


def risk_step(ctx: DemoContext) -> None:
    """The assessments were written with the incidents (``assess``/``write``): sequences on PostgreSQL."""
    ctx.extra.pop("assessor", None)
    if ctx.db.dialect == "postgresql":
        for table in ("assessments", "hazards", "controls", "actions", "info_requests"):
            ctx.session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                )
            )


class _Assessor:
    def __init__(self, ctx: DemoContext) -> None:
        s = ctx.session
        self.ctx = ctx
        five = matrices.by_name(s, "5×5 Likelihood × Consequence")
        four = matrices.by_name(s, "4×4 Likelihood × Severity")
        versions = {k: matrices.latest_version(s, m.id) for k, m in (("5", five), ("4", four))}
        grids = {k: Matrix(v.definition) for k, v in versions.items()}
        # Every cell's rating once, rather than a band lookup per hazard.
        cells = {k: {(c.likelihood, c.severity): c for c in g.cells()} for k, g in grids.items()}
        ranks = {k: {str(b["name"]): i for i, b in enumerate(g.bands)} for k, g in grids.items()}
        # Per matrix: version id, cells, band ranks, likelihood codes, severity codes, band -> response hours.
        self.plans = {
            k: (
                versions[k].id,
                cells[k],
                ranks[k],
                [lv["code"] for lv in grids[k].likelihood],
                [sv["code"] for sv in grids[k].severity],
                _response_hours(grids[k]),
            )
            for k in grids
        }
        self.switch_at = ctx.now - dt.timedelta(days=548)
        self.sev_names = dict(s.execute(select(SeverityLevel.id, SeverityLevel.name)).all())
        self.type_codes = dict(s.execute(select(IncidentType.id, IncidentType.code)).all())
        self.officers = [ctx.users[k] for k in ("officer", "officer2") if k in ctx.users] or [None]
        managers = [ctx.users[k] for k in ("manager", "manager2") if k in ctx.users] or self.officers
        self.people = _People(self.officers, managers, ctx.extra.get("user_names", {}))
        self.today = ctx.now.date()
        self.ids = {
            t: (s.execute(select(func.max(m.id))).scalar_one() or 0) + 1
            for t, m in (("a", Assessment), ("h", Hazard), ("c", Control), ("x", CorrectiveAction))
        }

    def assess(self, incidents: list[Any]) -> RiskBatch:
        ctx, rng, ids = self.ctx, self.ctx.rng, self.ids
        random, choice = rng.random, rng.choice
        batch = RiskBatch()
        for r in incidents:
            if r.status == Status.REPORTED:
                continue
            status = r.status
            draft = status == Status.ASSESSMENT
            if draft and random() < 0.35:
                continue  # assessment not started yet
            version_id, rate, band_rank, l_codes, s_codes, hours_of = self.plans[
                "4" if r.reported_at < self.switch_at else "5"
            ]
            nl, ns = len(l_codes), len(s_codes)
            lo, hi = CONSEQUENCE.get(self.sev_names.get(r.severity_id, ""), (0.2, 0.7))
            library = HAZARDS.get(self.type_codes.get(r.type_id, ""), HAZARDS["other"])
            aid = ids["a"]
            ids["a"] += 1
            author = r.assignee_id or choice(self.officers)
            worst: tuple[int, int, str, str, str] | None = None
            n_hazards = 1 if random() < 0.65 else 2
            chosen = rng.sample(library, min(n_hazards, len(library)))
            hazards: list[Any] = []
            controls: dict[int, list[tuple[Any, ...]]] = {}
            actions_of: list[Any] = []
            for pos, (hazard, existing, added, actions) in enumerate(chosen):
                si = _pick(rng, ns, lo, hi)
                li = _pick(rng, nl, 0.35, 0.95)
                lc, sc = l_codes[li], s_codes[si]
                inherent = rate[lc, sc]
                rated_residual = not draft or random() < 0.5
                rl = l_codes[max(0, li - choice((0, 1, 1, 2)))]
                rs = s_codes[max(0, si - (1 if added[0][1] in ("elimination", "substitution") else 0))]
                residual = rate[rl, rs] if rated_residual else None
                hid = ids["h"]
                ids["h"] += 1
                h = HazardRow(
                    hid,
                    pos,
                    hazard,
                    existing,
                    lc,
                    sc,
                    inherent.score,
                    inherent.band,
                    rl if residual else None,
                    rs if residual else None,
                    residual.score if residual else None,
                    residual.band if residual else None,
                    aid,
                )
                hazards.append(h)
                mine = controls[hid] = []
                for desc, level in added[: 1 if draft else 2]:
                    mine.append((ids["c"], desc, level, False, hid))
                    ids["c"] += 1
                batch.controls.extend(mine)
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
                    for desc, kind in actions[: 1 if random() < 0.5 else 2]:
                        actions_of.append(
                            _action(ctx, rng, ids["x"], r, aid, hid, desc, kind, self.people, self.today)
                        )
                        ids["x"] += 1
            assert worst is not None
            batch.actions.extend(actions_of)
            batch.hazards.extend(hazards)
            locked = status not in (Status.ASSESSMENT, Status.AWAITING_SIGNOFF)
            row = AssessmentRow(
                aid,
                r.id,
                1,
                version_id,
                ""
                if draft
                else f"{len(chosen)} hazard{'s' if len(chosen) > 1 else ''} assessed; "
                f"residual risk {worst[2].lower()} after the added controls.",
                worst[3],
                worst[4],
                worst[1],
                worst[2],
                author,
                "draft" if draft else "submitted" if status == Status.AWAITING_SIGNOFF else "signed_off",
                r.acknowledged_at or r.reported_at,
                None if draft else r.submitted_at,
                r.signed_off_at if locked else None,
                locked,
                1,
            )
            batch.assessments.append(row)
            batch.assessed.append(
                DemoAssessment(row, r, canonical.Bundle(r, row, hazards, controls, actions_of))
            )
            hours = hours_of.get(worst[2])
            batch.priority[r.id] = (
                worst[2],
                r.reported_at + dt.timedelta(hours=float(hours)) if hours is not None else None,
            )
            if random() < 0.15:
                question, answer = choice(QUESTIONS)
                answered = not draft or random() < 0.5
                asked = (r.acknowledged_at or r.reported_at) + dt.timedelta(hours=rng.uniform(0.5, 6))
                batch.questions.append(
                    (
                        r.id,
                        aid,
                        None,
                        choice(ASKED_OF),
                        question,
                        author,
                        asked,
                        answer if answered else "",
                        asked + dt.timedelta(hours=rng.uniform(1, 20)) if answered else None,
                    )
                )
        return batch


def _response_hours(m: Matrix) -> dict[Any, Any]:
    """Band name -> response hours (the first band of a name, as ``Matrix.band_by_name`` finds it)."""
    hours: dict[Any, Any] = {}
    for band in m.bands:
        hours.setdefault(band.get("name"), band.get("response_hours"))
    return hours


class _People:
    """Who may own and verify actions, worked out once."""

    def __init__(self, officers: list[Any], managers: list[Any], names: dict[int, str]) -> None:
        self.owners = officers + managers
        self.names = names
        self.verifiers = {
            owner: [u for u in managers if u != owner] or [u for u in officers if u != owner] or [None]
            for owner in self.owners
        }


LIVE = ("done", "in_progress", "open")
LIVE_WEIGHTS = list(accumulate((40, 35, 25)))
SIGNED = ("in_progress", "open")
SIGNED_WEIGHTS = list(accumulate((40, 60)))
EVIDENCE = "Completed and photographed; see attachments."
VERIFIED_NOTE = "Checked on site: the control is in place and being used."


def _action(
    ctx: DemoContext,
    rng: Any,
    action_id: int,
    r: Any,
    aid: int,
    hid: int,
    desc: str,
    kind: str,
    people: _People,
    today: dt.date,
) -> Any:
    owner = rng.choice(people.owners)
    base = r.submitted_at or r.reported_at
    due = (base + dt.timedelta(days=2 if kind == "immediate" else rng.randint(7, 45))).date()
    status, completed, verified_at, verifier = "open", None, None, None
    evidence = note = ""
    st = r.status
    end = r.closed_at or r.resolved_at or ctx.now
    if st == Status.CLOSED or (st == Status.FOLLOW_UP and rng.random() < 0.6):
        status = "verified"
    elif st in (Status.FOLLOW_UP, Status.RESOLUTION):
        status = rng.choices(LIVE, cum_weights=LIVE_WEIGHTS)[0]
    elif st == Status.SIGNED_OFF:
        status = rng.choices(SIGNED, cum_weights=SIGNED_WEIGHTS)[0]
    if status in ("done", "verified"):
        finish = min(end, base + dt.timedelta(days=rng.uniform(1, 40)))
        completed = max(base + dt.timedelta(hours=2), finish - dt.timedelta(days=rng.uniform(0.5, 3)))
        evidence = EVIDENCE
    if status == "verified":
        verifier = rng.choice(people.verifiers[owner])
        verified_at = max(completed or base, end - dt.timedelta(hours=rng.uniform(1, 48)))
        note = VERIFIED_NOTE
    if status in ("open", "in_progress") and due >= today and rng.random() < 0.3:
        # A share of live actions run late.
        due = max(base.date() + dt.timedelta(days=1), today - dt.timedelta(days=rng.randint(1, 20)))
    return ActionRow(
        action_id,
        hid,
        desc,
        kind,
        aid,
        base,
        r.id,
        owner,
        people.names.get(owner, ""),
        due,
        status,
        completed,
        evidence,
        verifier,
        verified_at,
        note,
        1,
    )


def _copy(session: Session, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """PostgreSQL's COPY, through the session's own connection (so inside its transaction)."""
    if not rows:
        return
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _insert(
    session: Session,
    table: Table,
    columns: Sequence[str],
    rows: list[Any],
    stamps: Stamps | None = None,
) -> None:
    """Rows as tuples in ``columns`` order: tuple inserts on SQLite, COPY on PostgreSQL (every column given)."""
    if not rows:
        return
    if session.get_bind().dialect.name == "sqlite":
        insert_rows(session, table, columns, rows, stamps=stamps)
        return
    _copy(session, table.name, columns, rows)


STEPS = [("risk assessments", risk_step)]
