"""The incident report PDF: everything known about one incident, laid out for an insurer or a regulator."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Table, TableStyle
from sqlalchemy import select
from sqlalchemy.orm import Session

from incident_desk.actor import Actor
from incident_desk.incidents import service as incidents
from incident_desk.incidents.models import Attachment, Blob, Comment, Incident, Person, StatusChange
from incident_desk.incidents.workflow import Status
from incident_desk.org.models import Organisation
from incident_desk.progress import Progress
from incident_desk.reports import matrix as matrix_draw
from incident_desk.reports.pdf import (
    Chip,
    DocInfo,
    P,
    build,
    data_table,
    fmt_date,
    fmt_dt,
    heading,
    image_flowable,
    kv_table,
    section_rule,
    spacer,
)
from incident_desk.risk.models import Assessment, Control, CorrectiveAction, Hazard
from incident_desk.signoff.models import Signature
from incident_desk.users.models import User
from incident_desk.users.roles import allowed, require

PAGE_WIDTH = 178 * mm  # A4 less the margins
PRIVACY_TEXT = "Privacy case"
HIERARCHY = [
    ("elimination", "Elimination"),
    ("substitution", "Substitution"),
    ("engineering", "Engineering controls"),
    ("administrative", "Administrative controls"),
    ("ppe", "Personal protective equipment"),
]
ACTION_STATUS = {
    "open": "Open",
    "in_progress": "In progress",
    "done": "Done",
    "verified": "Verified",
    "cancelled": "Cancelled",
}
STATUS_COLOURS = {
    "reported": "#52606d",
    "assessment": "#1d4e89",
    "awaiting_signoff": "#8d2b0b",
    "signed_off": "#2f6f3e",
    "resolution": "#1d4e89",
    "follow_up": "#6b4e16",
    "closed": "#3e4c59",
}


def status_label(value: str | None) -> str:
    try:
        return Status(value).label
    except ValueError:
        return (value or "—").replace("_", " ").capitalize()


def org_timezone(org: Organisation | None) -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(org.timezone) if org and org.timezone else dt.UTC
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def person_name(actor: Actor, person: Person) -> str:
    """The name as this reader may see it: privacy cases hide it from readers without permission."""
    if person.privacy_case and not allowed(actor, "incident.view_private"):
        return PRIVACY_TEXT
    return person.name


def logo_flowable(session: Session, org: Organisation | None, max_w: float, max_h: float) -> Flowable | None:
    if org is None or not org.logo_sha256:
        return None
    data = session.execute(select(Blob.data).where(Blob.sha256 == org.logo_sha256)).scalar_one_or_none()
    return image_flowable(data, max_w, max_h) if data else None


def title_block(
    session: Session, org: Organisation | None, kind: str, reference: str, title: str, chips: list[Flowable]
) -> list[Flowable]:
    logo = logo_flowable(session, org, 38 * mm, 18 * mm)
    org_name = (org.company_name or org.name) if org else ""
    left: list[Flowable] = [logo] if logo else []
    left.append(P(org_name or "Organisation not set up", "h2"))
    right = [P(kind, "muted"), P(reference, "title")]
    head = Table([[left, right]], colWidths=[PAGE_WIDTH * 0.55, PAGE_WIDTH * 0.45])
    head.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("ALIGN", (1, 0), (1, 0), "RIGHT"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    out: list[Flowable] = [head, spacer(1), section_rule(), spacer(3), P(title, "title")]
    if chips:
        row = Table([chips], colWidths=[c.width + 6 for c in chips], hAlign="LEFT")  # type: ignore[attr-defined]
        row.setStyle(
            TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 6)])
        )
        out += [spacer(1.5), row]
    out.append(spacer(3))
    return out


def incident_report(
    session: Session,
    actor: Actor,
    incident_id: int,
    *,
    progress: Progress | None = None,
    now: dt.datetime | None = None,
) -> bytes:
    """The incident report as PDF bytes. Needs permission to view incidents."""
    require(actor, "incident.view")
    inc = incidents.get(session, incident_id)
    org = session.get(Organisation, 1)
    tz = org_timezone(org)
    story: list[Flowable] = []
    if progress:
        progress.update(0, 4, "Collecting the incident…")

    chips: list[Flowable] = [
        Chip(status_label(inc.status), STATUS_COLOURS.get(inc.status, "#52606d")),
        Chip(inc.severity.name, inc.severity.colour or "#808080"),
    ]
    if inc.voided:
        chips.insert(0, Chip("VOID", "#b71c1c"))
    story += title_block(session, org, "Incident report", inc.reference, inc.title, chips)

    users = {u.id: u.full_name for u in session.scalars(select(User))}
    facts: list[tuple[str, Any]] = [
        ("Reference", inc.reference),
        ("Status", status_label(inc.status)),
        ("Type", inc.incident_type.name),
        ("Severity", inc.severity.name),
        ("Occurred", fmt_dt(inc.occurred_at, tz)),
        ("Reported", fmt_dt(inc.reported_at, tz)),
        ("Site", inc.site.name if inc.site else "—"),
        ("Location", inc.location.name if inc.location else "—"),
        ("Reported by", inc.reporter_name or users.get(inc.reporter_id or -1, "—")),
        ("Assigned to", users.get(inc.assignee_id or -1, "Unassigned")),
        ("Customer", inc.customer.name if inc.customer else "—"),
        ("Priority", inc.priority or "—"),
        ("Response due", fmt_dt(inc.response_due_at, tz)),
        (
            "Cost",
            f"{inc.currency} {inc.direct_cost + inc.indirect_cost:,.2f} "
            f"(direct {inc.direct_cost:,.2f}, indirect {inc.indirect_cost:,.2f})",
        ),
    ]
    if inc.voided:
        facts.append(("Voided", f"{fmt_dt(inc.voided_at, tz)}: {inc.void_reason}"))
    story += [heading("Summary", toc=False), kv_table(facts, PAGE_WIDTH, label_width=26 * mm)]
    story += [heading("What happened", toc=False), P(inc.description or "No description was recorded.")]
    story += [heading("Immediate actions", toc=False), P(inc.immediate_actions or "None recorded.")]

    story += _people(session, actor, inc)
    if progress:
        progress.update(1, 4, "Adding photos…")
    story += _photos(session, inc)
    if progress:
        progress.update(2, 4, "Adding the risk assessment…")
    story += _assessment(session, inc, users, tz)
    story += _investigation(inc)
    story += _signatures(session, actor, inc, tz)
    story += _signoff(session, inc, tz)
    story += _history(session, inc, tz)
    story += _comments(session, inc, tz)
    if progress:
        progress.update(3, 4, "Laying out pages…")
    info = DocInfo(
        title=f"Incident report {inc.reference}",
        organisation=(org.name if org else ""),
        generated_at=now or dt.datetime.now(dt.UTC),
        subject=inc.title,
        author=actor.name,
        header_right=f"Incident report {inc.reference}",
    )
    pdf = build(story, info, tz=tz)
    if progress:
        progress.update(4, 4, "Done")
    return pdf


def _people(session: Session, actor: Actor, inc: Incident) -> list[Flowable]:
    people = list(session.scalars(select(Person).where(Person.incident_id == inc.id).order_by(Person.id)))
    out: list[Flowable] = [heading("People involved", toc=False)]
    if not people:
        return [*out, P("Nobody was recorded as involved.", "muted")]
    rows = []
    for p in people:
        injury = (
            ", ".join(
                x
                for x in (
                    p.body_part + (f" ({p.body_side})" if p.body_side not in ("", "na") else ""),
                    p.nature_of_injury,
                )
                if x
            )
            or "—"
        )
        days = (
            f"{p.days_away} away / {p.days_restricted} restricted"
            if (p.days_away or p.days_restricted)
            else "—"
        )
        osha = (f"Case {p.osha_case_number}" if p.osha_case_number else "Recordable") if p.recordable else "—"
        rows.append(
            [
                person_name(actor, p),
                incidents.PERSON_ROLES.get(p.role, p.role),
                incidents.EMPLOYMENT.get(p.employment, p.employment),
                p.job_title or "—",
                injury,
                incidents.TREATMENT.get(p.treatment, p.treatment),
                days,
                osha,
            ]
        )
    out.append(
        data_table(
            ["Name", "Role", "Employment", "Job title", "Injury", "Treatment", "Days", "OSHA"],
            rows,
            [30 * mm, 19 * mm, 22 * mm, 24 * mm, 26 * mm, 20 * mm, 20 * mm, 17 * mm],
            small=True,
        )
    )
    statements = [(p, p.statement) for p in people if p.statement.strip()]
    if statements:
        out.append(spacer(2))
        out.append(P("Statements", "h2"))
        for p, text in statements:
            out.append(P(f"<b>{_xml(person_name(actor, p))}:</b> {_xml(text)}", "body", raw=True))
    return out


def _xml(text: str) -> str:
    from incident_desk.reports.fonts import markup

    return markup(text)


def _photos(session: Session, inc: Incident) -> list[Flowable]:
    photos = list(
        session.execute(
            select(Attachment, Blob.data)
            .join(Blob, Blob.sha256 == Attachment.blob_sha256)
            .where(Attachment.incident_id == inc.id, Attachment.kind == "photo")
            .order_by(Attachment.id)
        )
    )
    if not photos:
        return []
    cell_w = (PAGE_WIDTH - 6 * mm) / 2
    cells: list[list[Flowable]] = []
    for number, (att, data) in enumerate(photos, 1):
        img = image_flowable(data, cell_w, 62 * mm, photo=True)
        caption = f"Photo {number}" + (
            f": {att.caption}" if att.caption else (f" ({att.filename})" if att.filename else "")
        )
        cells.append([img or P("(image could not be read)", "muted"), P(caption, "small")])
    rows = [cells[i : i + 2] + ([[]] if len(cells[i : i + 2]) == 1 else []) for i in range(0, len(cells), 2)]
    grid = Table(rows, colWidths=[cell_w + 3 * mm, cell_w + 3 * mm])
    grid.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
            ]
        )
    )
    return [heading("Photos", toc=False), grid]


def _assessment(session: Session, inc: Incident, users: dict[int, str], tz: dt.tzinfo) -> list[Flowable]:
    a = session.scalars(
        select(Assessment)
        .where(Assessment.incident_id == inc.id, Assessment.status != "superseded")
        .order_by(Assessment.revision.desc())
        .limit(1)
    ).first()
    actions = list(
        session.scalars(
            select(CorrectiveAction)
            .where(CorrectiveAction.incident_id == inc.id)
            .order_by(CorrectiveAction.id)
        )
    )
    out: list[Flowable] = []
    if a is None and not actions:
        return [heading("Risk assessment", toc=False), P("No risk assessment has been written yet.", "muted")]
    if a is not None:
        model = matrix_draw.parse(a.matrix_version.definition if a.matrix_version else None)
        hazards = list(
            session.scalars(
                select(Hazard).where(Hazard.assessment_id == a.id).order_by(Hazard.position, Hazard.id)
            )
        )

        def lab(lk: str | None, sv: str | None) -> str:
            if not lk and not sv:
                return "—"
            if model is None:
                return f"{lk or '—'} × {sv or '—'}"
            return f"{model.label_of(lk, model.likelihoods)} × {model.label_of(sv, model.severities)}"

        out.append(heading("Risk assessment", toc=False))
        facts = [
            ("Revision", f"{a.revision} ({a.status.replace('_', ' ')})"),
            ("Author", users.get(a.author_id or -1, "—")),
            ("Overall rating", lab(a.overall_likelihood, a.overall_severity)),
            (
                "Score and band",
                f"{a.overall_score if a.overall_score is not None else '—'} · {a.overall_band or '—'}",
            ),
            ("Submitted", fmt_dt(a.submitted_at, tz)),
            ("Decided", fmt_dt(a.decided_at, tz)),
        ]
        out.append(kv_table(facts, PAGE_WIDTH, label_width=26 * mm))
        if a.summary:
            out += [spacer(2), P(a.summary)]
        if model is not None:
            marks: dict[tuple[str, str], list[str]] = {}
            for n, h in enumerate(hazards, 1):
                for prefix, lk, sv in (
                    ("I", h.inherent_likelihood, h.inherent_severity),
                    ("R", h.residual_likelihood, h.residual_severity),
                ):
                    if lk and sv:
                        marks.setdefault((lk, sv), []).append(f"{prefix}{n}")
            if a.overall_likelihood and a.overall_severity:
                marks.setdefault((a.overall_likelihood, a.overall_severity), []).insert(0, "★")
            legend = P(
                "Marked cells: I<i>n</i> = hazard <i>n</i> before controls, R<i>n</i> = after controls, "
                "★ = overall rating.",
                "muted",
                raw=True,
            )
            out += [
                spacer(2),
                KeepTogether(
                    [
                        P("Risk matrix", "h2"),
                        matrix_draw.MatrixFlowable(model, marks, PAGE_WIDTH * 0.75),
                        legend,
                    ]
                ),
            ]
        if hazards:
            rows = []
            for n, h in enumerate(hazards, 1):
                rows.append(
                    [
                        str(n),
                        h.description,
                        h.existing_controls or "—",
                        f"{lab(h.inherent_likelihood, h.inherent_severity)}\n"
                        f"{h.inherent_score if h.inherent_score is not None else ''} {h.inherent_band or ''}",
                        f"{lab(h.residual_likelihood, h.residual_severity)}\n"
                        f"{h.residual_score if h.residual_score is not None else ''} {h.residual_band or ''}",
                    ]
                )
            out += [
                P("Hazards", "h2"),
                data_table(
                    ["#", "Hazard", "Existing controls", "Before controls", "After controls"],
                    rows,
                    [8 * mm, 52 * mm, 40 * mm, 39 * mm, 39 * mm],
                    small=True,
                ),
            ]
            controls = list(
                session.scalars(select(Control).where(Control.hazard_id.in_([h.id for h in hazards])))
            )
            if controls:
                number = {h.id: n for n, h in enumerate(hazards, 1)}
                order = {k: i for i, (k, _l) in enumerate(HIERARCHY)}
                labels = dict(HIERARCHY)
                controls.sort(key=lambda c: (order.get(c.hierarchy, 99), number.get(c.hazard_id, 0), c.id))
                rows = [
                    [
                        labels.get(c.hierarchy, c.hierarchy),
                        c.description,
                        str(number.get(c.hazard_id, "")),
                        "Existing" if c.existing else "New",
                    ]
                    for c in controls
                ]
                out += [
                    P("Controls, by the hierarchy of controls", "h2"),
                    data_table(
                        ["Level", "Control", "Hazard", "Kind"],
                        rows,
                        [42 * mm, 100 * mm, 16 * mm, 20 * mm],
                        small=True,
                    ),
                ]
    if actions:
        rows = [
            [
                a_.description,
                a_.action_type.capitalize(),
                a_.owner_name or users.get(a_.owner_id or -1, "—"),
                fmt_date(a_.due_date),
                ACTION_STATUS.get(a_.status, a_.status),
                (
                    fmt_dt(a_.verified_at, tz)
                    if a_.verified_at
                    else fmt_dt(a_.completed_at, tz)
                    if a_.completed_at
                    else "—"
                ),
            ]
            for a_ in actions
        ]
        out += [
            P("Corrective and preventive actions", "h2"),
            data_table(
                ["Action", "Type", "Owner", "Due", "Status", "Completed / verified"],
                rows,
                [66 * mm, 20 * mm, 28 * mm, 20 * mm, 17 * mm, 27 * mm],
                small=True,
            ),
        ]
    return out


def _investigation(inc: Incident) -> list[Flowable]:
    parts: list[Flowable] = []
    if inc.root_cause:
        parts += [P("Root cause", "h2"), P(inc.root_cause)]
    whys = [str(w.get("answer", w)) if isinstance(w, dict) else str(w) for w in (inc.five_whys or []) if w]
    if whys:
        parts += [P("Five whys", "h2"), *[P(f"{i}. {w}") for i, w in enumerate(whys, 1)]]
    if inc.resolution_summary:
        parts += [P("Resolution", "h2"), P(inc.resolution_summary)]
    if inc.lessons_learned:
        parts += [P("Lessons learned", "h2"), P(inc.lessons_learned)]
    return [heading("Investigation and resolution", toc=False), *parts] if parts else []


def _signatures(session: Session, actor: Actor, inc: Incident, tz: dt.tzinfo) -> list[Flowable]:
    sigs = list(
        session.execute(
            select(Attachment, Blob.data)
            .join(Blob, Blob.sha256 == Attachment.blob_sha256)
            .where(Attachment.incident_id == inc.id, Attachment.kind == "signature")
            .order_by(Attachment.id)
        )
    )
    if not sigs:
        return []
    cell_w = PAGE_WIDTH / 3
    cells: list[list[Flowable]] = []
    # A signature given by a privacy case's person is not allowed to give the name away either.
    hidden = set()
    if not allowed(actor, "incident.view_private"):
        hidden = set(
            session.scalars(select(Person.id).where(Person.incident_id == inc.id, Person.privacy_case))
        )
    for att, data in sigs:
        signer = PRIVACY_TEXT if att.person_id in hidden else (att.signer_name or "—")
        img = image_flowable(data, cell_w - 8 * mm, 22 * mm)
        cells.append(
            [
                img or P("(signature image missing)", "muted"),
                section_rule(),
                P(signer, "h2"),
                P(
                    f"{att.signer_role or 'Signatory'} · {fmt_dt(att.signed_at or att.created_at, tz)}",
                    "small",
                ),
            ]
        )
    rows = [cells[i : i + 3] + [[]] * (3 - len(cells[i : i + 3])) for i in range(0, len(cells), 3)]
    grid = Table(rows, colWidths=[cell_w] * 3)
    grid.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 8 * mm),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
            ]
        )
    )
    return [KeepTogether([heading("Signatures", toc=False), grid])]


def _signoff(session: Session, inc: Incident, tz: dt.tzinfo) -> list[Flowable]:
    sigs = list(
        session.scalars(
            select(Signature)
            .where(Signature.incident_id == inc.id)
            .order_by(Signature.signed_at, Signature.id)
        )
    )
    out: list[Flowable] = [heading("Sign-off", toc=False)]
    if not sigs:
        return [*out, P("The risk assessment has not been signed off.", "muted")]
    revisions = dict(
        session.execute(
            select(Assessment.id, Assessment.revision).where(
                Assessment.id.in_({s.assessment_id for s in sigs})
            )
        ).all()
    )
    rows = []
    for s in sigs:
        rows.append(
            [
                s.signer_name,
                f"{s.role.capitalize()} (level {s.level})",
                fmt_dt(s.signed_at, tz, seconds=True),
                f"{s.meaning} — revision {revisions.get(s.assessment_id, '?')}",
                s.comment or "—",
                P(s.content_hash, "cell_small"),
            ]
        )
    out.append(
        data_table(
            ["Signer", "Role", "Time", "Meaning", "Comment", "Content hash (SHA-256)"],
            rows,
            [27 * mm, 23 * mm, 27 * mm, 27 * mm, 34 * mm, 40 * mm],
            small=True,
        )
    )
    out.append(
        P(
            "The content hash identifies exactly what was signed: any later change to the signed assessment "
            "gives a different hash.",
            "muted",
        )
    )
    return out


def _history(session: Session, inc: Incident, tz: dt.tzinfo) -> list[Flowable]:
    changes = list(
        session.scalars(
            select(StatusChange)
            .where(StatusChange.incident_id == inc.id)
            .order_by(StatusChange.at, StatusChange.id)
        )
    )
    if not changes:
        return []
    rows = [
        [
            fmt_dt(c.at, tz),
            (status_label(c.from_status) + " → " if c.from_status else "") + status_label(c.to_status),
            c.user_name or "—",
            c.note or "",
        ]
        for c in changes
    ]
    return [
        heading("Status history", toc=False),
        data_table(["When", "Change", "By", "Note"], rows, [34 * mm, 58 * mm, 36 * mm, 50 * mm], small=True),
    ]


def _comments(session: Session, inc: Incident, tz: dt.tzinfo) -> list[Flowable]:
    comments = list(
        session.scalars(select(Comment).where(Comment.incident_id == inc.id).order_by(Comment.id))
    )
    if not comments:
        return []
    rows = [[fmt_dt(c.created_at, tz), c.author_name or "—", c.body] for c in comments]
    return [
        heading("Comments", toc=False),
        data_table(["When", "By", "Comment"], rows, [34 * mm, 36 * mm, 108 * mm], small=True),
    ]
