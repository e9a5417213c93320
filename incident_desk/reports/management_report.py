"""The management report PDF for a period and filter: cover, contents, key figures against the
previous period, the dashboard's charts, breakdowns, MTTR against SLA, breaches, overdue actions,
sign-off status and the list of the period's incidents.

Every figure comes from the metrics package (GROUP BY queries); the charts are the dashboard's
own matplotlib figures, embedded as vector graphics (see ``charts_pdf``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, PageBreak, Table, TableStyle
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from incident_desk.actor import Actor
from incident_desk.db.base import utcnow
from incident_desk.errors import ValidationError
from incident_desk.incidents.models import Incident
from incident_desk.incidents.query import IncidentFilter
from incident_desk.incidents.workflow import Status
from incident_desk.org.models import IncidentType, Organisation, SeverityLevel, Site
from incident_desk.progress import Progress
from incident_desk.reports import charts_pdf
from incident_desk.reports.incident_report import logo_flowable, org_timezone, status_label
from incident_desk.reports.pdf import (
    DocInfo,
    P,
    RowList,
    build,
    data_table,
    fmt_date,
    fmt_dt,
    heading,
    section_rule,
    spacer,
    toc_flowable,
)
from incident_desk.risk.models import CorrectiveAction
from incident_desk.signoff.models import Signature
from incident_desk.users.models import User
from incident_desk.users.roles import require

W = 178 * mm
BREACHES_LISTED = 40
ACTIONS_LISTED = 50
# Charts from incident_desk.metrics.charts.CHARTS, in report order, with the arguments they get here.
REPORT_CHARTS = ("per_period", "mttr", "sla", "cost", "heatmap", "weekday_hour", "location")


def _hours(h: float | None) -> str:
    from incident_desk.metrics.charts import duration_text

    return duration_text(h)


def describe_filter(session: Session, filt: IncidentFilter) -> str:
    parts = []
    for label, model, ids in (
        ("Sites", Site, filt.site_ids),
        ("Severities", SeverityLevel, filt.severity_ids),
        ("Types", IncidentType, filt.type_ids),
    ):
        if ids:
            names = session.scalars(select(model.name).where(model.id.in_(ids)).order_by(model.name)).all()
            parts.append(f"{label}: {', '.join(names)}")
    if filt.statuses:
        parts.append("Statuses: " + ", ".join(status_label(s) for s in filt.statuses))
    if filt.open_only:
        parts.append("Open incidents only")
    if filt.text:
        parts.append(f"Text: “{filt.text}”")
    return "; ".join(parts) or "All sites, severities and types"


def _prev_text(key: str, value: float | None, currency: str) -> str:
    if value is None:
        return "—"
    if key in ("mttr", "mtta"):
        return _hours(value)
    if key == "sla":
        return f"{value:.0%}"
    if key == "cost":
        return f"{currency} {value:,.0f}"
    if key == "satisfaction":
        return f"{value:.1f}"
    if key in ("trir", "dart", "ltifr"):
        return f"{value:,.2f}"
    return f"{value:,.0f}"


def management_report(
    session: Session,
    actor: Actor,
    filt: IncidentFilter,
    *,
    now: dt.datetime | None = None,
    progress: Progress | None = None,
    charts: bool = True,
    max_listed: int | None = None,
    contents: bool | None = None,
) -> bytes:
    """The report for ``filt`` (which must have a date range) as PDF bytes.

    ``contents``: include a table of contents (None: when more than 30 incidents make it long).
    ``max_listed``: list at most this many incidents (None: all of them).
    """
    require(actor, "reports.view")
    if not (filt.date_from and filt.date_to):
        raise ValidationError("Give the report period: a start and an end date.")
    if filt.date_from > filt.date_to:
        raise ValidationError("The period starts after it ends.")
    from incident_desk.metrics import counts, kpis
    from incident_desk.metrics.grouping import Grouping

    now = now or utcnow()
    org = session.get(Organisation, 1)
    tz = org_timezone(org)
    currency = org.currency if org else ""
    total = counts.count(session, filt, now)
    steps = 9
    step = 0

    def tick(message: str) -> None:
        nonlocal step
        step += 1
        if progress:
            progress.update(step, steps, message)

    tick("Key figures…")
    story: list[Flowable] = _cover(session, org, filt, actor, now, tz, total)
    long_report = total > 30 if contents is None else contents
    toc = toc_flowable() if long_report else None
    if toc is not None:
        story += [P("Contents", "h1"), toc]
    story.append(PageBreak())

    # Key figures
    story.append(heading("Key figures"))
    prev = counts.previous_window(filt)
    story.append(
        P(
            f"{fmt_date(filt.date_from)} – {fmt_date(filt.date_to)} compared with the previous period of "
            f"the same length ({fmt_date(prev.date_from) if prev else '—'} – "
            f"{fmt_date(prev.date_to) if prev else '—'}).",
            "muted",
        )
    )
    rows = []
    for k in kpis.compute_kpis(session, filt, now):
        change = (
            "—"
            if k.change is None
            else f"{'▲' if k.change > 0 else '▼' if k.change < 0 else '■'} {abs(k.change):.0%}"
        )
        rows.append(
            [
                k.title,
                k.text,
                _prev_text(k.key, k.previous, currency) if k.previous is not None else "—",
                change,
                k.detail,
            ]
        )
    story.append(
        data_table(
            ["Figure", "This period", "Previous period", "Change", "Detail"],
            rows,
            [46 * mm, 26 * mm, 28 * mm, 18 * mm, 60 * mm],
            align_right=(1, 2, 3),
        )
    )
    story.append(
        P(
            "TRIR and DART per 200,000 hours worked, LTIFR per 1,000,000 hours; MTTR is the mean time from "
            "reported to resolved.",
            "muted",
        )
    )

    # Charts
    tick("Charts…")
    slots: list[charts_pdf.ChartSlot] = []
    if charts:
        story.append(heading("Charts"))
        from incident_desk.metrics.charts import CHARTS

        for key in REPORT_CHARTS:
            if key not in CHARTS:
                continue
            title, fn = CHARTS[key]
            extra: dict[str, Any] = {}
            if key == "per_period":  # weeks for a month or two, months for up to two years, then quarters
                days = (filt.date_to - filt.date_from).days + 1
                extra["period"] = (
                    Grouping.WEEK if days <= 62 else Grouping.MONTH if days <= 731 else Grouping.QUARTER
                )
            slot = charts_pdf.chart_slot(fn, session, filt, title=title, width=W, now=now, **extra)
            if slot is not None:
                slots.append(slot)
                story += [slot, spacer(3)]
            if progress:
                progress.check()

    # Breakdowns
    tick("Breakdowns…")
    story.append(PageBreak())
    for grouping, title in (
        (Grouping.SITE, "Incidents by site"),
        (Grouping.TYPE, "Incidents by type"),
        (Grouping.SEVERITY, "Incidents by severity"),
    ):
        story.append(heading(title))
        story.append(_breakdown(session, filt, grouping, currency, now))

    tick("MTTR against SLA…")
    story.append(heading("Mean time to resolution against SLA"))
    story.append(_mttr_sla(session, filt, now))
    story.append(
        P(
            "Times are from reported to resolved. Met, missed and pending count incidents against their "
            "severity's resolve target; open incidents past the deadline count as missed.",
            "muted",
        )
    )

    tick("SLA breaches…")
    story.append(heading("SLA breaches"))
    story += _breaches(session, filt, now, tz)

    tick("Overdue actions…")
    story.append(heading("Overdue corrective actions"))
    story += _overdue(session, filt, now, tz)

    tick("Sign-off status…")
    story.append(heading("Sign-off status"))
    story += _signoff(session, filt, now, tz)

    tick("Incident list…")
    story.append(PageBreak())
    story.append(heading("Incidents in the period"))
    list_starts = len(story)
    story += _incident_list(session, filt, tz, total, max_listed, progress)

    tick("Laying out pages…")
    title = f"Safety management report {fmt_date(filt.date_from)} – {fmt_date(filt.date_to)}"
    info = DocInfo(
        title=title,
        organisation=(org.name if org else ""),
        generated_at=now,
        author=actor.name,
        header_right=title,
        confidential="Confidential — for management use within the organisation.",
    )
    pdf = build(story, info, tz=tz, toc=toc, toc_prefix=list_starts)
    if slots:
        pdf = charts_pdf.overlay(pdf, slots)
    return pdf


def _cover(
    session: Session,
    org: Organisation | None,
    filt: IncidentFilter,
    actor: Actor,
    now: dt.datetime,
    tz: dt.tzinfo,
    total: int,
) -> list[Flowable]:
    out: list[Flowable] = []
    logo = logo_flowable(session, org, 60 * mm, 30 * mm)
    if logo:
        out.append(logo)
    out += [
        spacer(30 if not logo else 10),
        P((org.company_name or org.name) if org else "", "cover_sub"),
        spacer(2),
        P("Safety management report", "cover_title"),
        P(f"{fmt_date(filt.date_from)} – {fmt_date(filt.date_to)}", "cover_sub"),
        spacer(4),
        section_rule(),
        spacer(4),
    ]
    facts = [
        ("Scope", describe_filter(session, filt)),
        ("Incidents in the period", f"{total:,}"),
        ("Prepared for", actor.name),
        ("Generated", fmt_dt(now, tz)),
    ]
    t = Table([[P(k, "label"), P(v)] for k, v in facts], colWidths=[45 * mm, W - 45 * mm])
    t.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 4)]))
    out += [t, spacer(8)]
    return out


def _breakdown(
    session: Session, filt: IncidentFilter, grouping: Any, currency: str, now: dt.datetime
) -> Flowable:
    from incident_desk.metrics import counts, timing
    from incident_desk.metrics.timing import Stage

    n = {g.slice.key: g for g in counts.counts_by(session, filt, grouping)}
    open_ = {g.slice.key: g.count for g in counts.counts_by(session, filt.with_(open_only=True), grouping)}
    cost = {c.slice.key: c for c in counts.cost(session, filt, grouping) if c.slice}
    mttr = {
        d.slice.key: d
        for d in timing.time_to(session, filt, Stage.RESOLVE, grouping, with_percentiles=False)
        if d.slice
    }
    rows = []
    total = sum(g.count for g in n.values())
    for key, g in n.items():
        c = cost.get(key)
        d = mttr.get(key)
        rows.append(
            [
                g.slice.label,
                f"{g.count:,}",
                f"{g.count / total:.0%}" if total else "—",
                f"{open_.get(key, 0):,}",
                f"{float(c.total):,.0f}" if c else "0",
                _hours(d.mean_h) if d else "—",
            ]
        )
    if not rows:
        return P("No incidents.", "muted")
    totals = counts.cost(session, filt)[0]
    rows.append(
        ["Total", f"{total:,}", "100%", f"{sum(open_.values()):,}", f"{float(totals.total):,.0f}", ""]
    )
    return data_table(
        ["", "Incidents", "Share", "Open", f"Cost ({currency})", "MTTR"],
        rows,
        [62 * mm, 22 * mm, 18 * mm, 18 * mm, 30 * mm, 28 * mm],
        align_right=(1, 2, 3, 4, 5),
        total_row=True,
    )


def _mttr_sla(session: Session, filt: IncidentFilter, now: dt.datetime) -> Flowable:
    from incident_desk.metrics import timing
    from incident_desk.metrics.grouping import Grouping
    from incident_desk.metrics.timing import Stage

    stats = {
        d.slice.key: d for d in timing.time_to(session, filt, Stage.RESOLVE, Grouping.SEVERITY) if d.slice
    }
    comp = {
        c.slice.key: c
        for c in timing.sla_compliance(session, filt, Stage.RESOLVE, Grouping.SEVERITY, now)
        if c.slice
    }
    rows = []
    for key in sorted(set(stats) | set(comp), key=lambda k: (stats.get(k) or comp.get(k)).slice.sort):  # type: ignore[union-attr]
        d, c = stats.get(key), comp.get(key)
        label = (d or c).slice.label  # type: ignore[union-attr]
        target = (d.target_h if d else None) or (c.target_h if c else None)
        rows.append(
            [
                label,
                f"{d.count:,}" if d else "0",
                _hours(d.mean_h) if d else "—",
                _hours(d.median_h) if d else "—",
                _hours(d.p90_h) if d else "—",
                _hours(target),
                f"{c.met:,} / {c.missed:,} / {c.pending:,}" if c else "—",
                f"{c.rate:.0%}" if c and c.rate is not None else "—",
            ]
        )
    if not rows:
        return P("No incidents.", "muted")
    return data_table(
        [
            "Severity",
            "Resolved",
            "Mean",
            "Median",
            "90th pct",
            "Target",
            "Met / missed / pending",
            "Compliance",
        ],
        rows,
        [26 * mm, 18 * mm, 19 * mm, 19 * mm, 20 * mm, 19 * mm, 34 * mm, 23 * mm],
        align_right=(1, 2, 3, 4, 5, 7),
    )


def _breaches(session: Session, filt: IncidentFilter, now: dt.datetime, tz: dt.tzinfo) -> list[Flowable]:
    from incident_desk.metrics import counts, timing
    from incident_desk.metrics.sql import duration_seconds
    from incident_desk.metrics.timing import Stage

    missed = timing.state_filter(filt, Stage.RESOLVE, "missed", now)
    n = counts.count(session, missed, now)
    if not n:
        return [P("No incident missed its resolve target.", "muted")]
    target = timing.target_subquery(Stage.RESOLVE)
    end = func.coalesce(Incident.resolved_at, now)
    over = duration_seconds(end, Incident.reported_at) - target * 60
    stmt = missed.apply(
        select(
            Incident.reference,
            Incident.title,
            SeverityLevel.name,
            Incident.reported_at,
            Incident.resolved_at,
            over.label("over"),
        ).join(SeverityLevel, SeverityLevel.id == Incident.severity_id),
        now,
    )
    rows = [
        [
            r.reference,
            r.title,
            r.name,
            fmt_dt(r.reported_at, tz),
            fmt_dt(r.resolved_at, tz) if r.resolved_at else "Open",
            _hours((r.over or 0) / 3600),
        ]
        for r in session.execute(stmt.order_by(over.desc()).limit(BREACHES_LISTED))
    ]
    out: list[Flowable] = [
        P(
            f"{n:,} incident(s) missed the resolve target"
            + (f"; the {BREACHES_LISTED} furthest over are listed." if n > BREACHES_LISTED else "."),
            "body",
        ),
        spacer(1.5),
    ]
    out.append(
        data_table(
            ["Reference", "Title", "Severity", "Reported", "Resolved", "Over target by"],
            rows,
            [27 * mm, 55 * mm, 18 * mm, 28 * mm, 28 * mm, 22 * mm],
            small=True,
            align_right=(5,),
        )
    )
    return out


def _overdue(session: Session, filt: IncidentFilter, now: dt.datetime, tz: dt.tzinfo) -> list[Flowable]:
    from incident_desk.metrics import counts

    today = now.astimezone(tz).date()
    summary = counts.overdue_actions(session, filt, today)
    if not summary.actions:
        return [P("No corrective action is overdue.", "muted")]
    stmt = (
        select(
            CorrectiveAction.description,
            CorrectiveAction.owner_name,
            User.full_name,
            CorrectiveAction.due_date,
            CorrectiveAction.status,
            Incident.reference,
        )
        .join(Incident, Incident.id == CorrectiveAction.incident_id)
        .outerjoin(User, User.id == CorrectiveAction.owner_id)
        .where(*filt.conditions(now), counts.overdue_condition(today))
        .order_by(CorrectiveAction.due_date, CorrectiveAction.id)
        .limit(ACTIONS_LISTED)
    )
    rows = [
        [
            r.reference,
            r.description,
            r.owner_name or r.full_name or "—",
            fmt_date(r.due_date),
            f"{(today - r.due_date).days:,}",
            r.status.replace("_", " ").capitalize(),
        ]
        for r in session.execute(stmt)
    ]
    return [
        P(
            f"{summary.actions:,} action(s) on {summary.incidents:,} incident(s) are past their due date"
            + (f"; the {ACTIONS_LISTED} oldest are listed." if summary.actions > ACTIONS_LISTED else "."),
            "body",
        ),
        spacer(1.5),
        data_table(
            ["Incident", "Action", "Owner", "Due", "Days late", "Status"],
            rows,
            [27 * mm, 64 * mm, 30 * mm, 20 * mm, 15 * mm, 22 * mm],
            small=True,
            align_right=(4,),
        ),
    ]


def _signoff(session: Session, filt: IncidentFilter, now: dt.datetime, tz: dt.tzinfo) -> list[Flowable]:
    by_status = dict(
        session.execute(
            filt.apply(select(Incident.status, func.count()), now).group_by(Incident.status)
        ).all()
    )
    rows = [[s.label, f"{by_status.get(s.value, 0):,}"] for s in Status]
    decisions = dict(
        session.execute(
            select(Signature.meaning, func.count())
            .join(Incident, Incident.id == Signature.incident_id)
            .where(*filt.conditions(now))
            .group_by(Signature.meaning)
        ).all()
    )
    out: list[Flowable] = [
        data_table(["Status", "Incidents"], rows, [60 * mm, 25 * mm], align_right=(1,)),
        spacer(2),
        P(
            f"Signatures on these incidents' assessments: {decisions.get('Approved', 0):,} approvals, "
            f"{decisions.get('Rejected', 0):,} rejections.",
            "body",
        ),
    ]
    waiting = list(
        session.execute(
            filt.apply(
                select(Incident.reference, Incident.title, SeverityLevel.name, Incident.submitted_at)
                .join(SeverityLevel, SeverityLevel.id == Incident.severity_id)
                .where(Incident.status == Status.AWAITING_SIGNOFF.value),
                now,
            )
            .order_by(Incident.submitted_at)
            .limit(ACTIONS_LISTED)
        )
    )
    if waiting:
        rows = [
            [
                r.reference,
                r.title,
                r.name,
                fmt_dt(r.submitted_at, tz),
                _hours((now - r.submitted_at).total_seconds() / 3600) if r.submitted_at else "—",
            ]
            for r in waiting
        ]
        out += [
            spacer(2),
            P("Awaiting sign-off, longest waiting first", "h2"),
            data_table(
                ["Reference", "Title", "Severity", "Submitted", "Waiting"],
                rows,
                [27 * mm, 72 * mm, 20 * mm, 35 * mm, 24 * mm],
                small=True,
                align_right=(4,),
            ),
        ]
    return out


def _incident_list(
    session: Session,
    filt: IncidentFilter,
    tz: dt.tzinfo,
    total: int,
    max_listed: int | None,
    progress: Progress | None,
) -> list[Flowable]:
    if not total:
        return [P("No incidents in the period.", "muted")]
    stmt = filt.apply(
        select(
            Incident.reference,
            Incident.occurred_at,
            Site.name,
            IncidentType.name,
            SeverityLevel.name,
            Incident.status,
            Incident.title,
        )
        .join(SeverityLevel, SeverityLevel.id == Incident.severity_id)
        .join(IncidentType, IncidentType.id == Incident.type_id)
        .outerjoin(Site, Site.id == Incident.site_id)
    ).order_by(Incident.occurred_at, Incident.id)
    if max_listed:
        stmt = stmt.limit(max_listed)
    out: list[Flowable] = []
    if max_listed and total > max_listed:
        out.append(
            P(
                f"The first {max_listed:,} of {total:,} incidents are listed; export the full list with "
                "File → Export or `incident-desk export csv`.",
                "notice",
            )
        )
    header = ["Reference", "Occurred", "Site", "Type", "Severity", "Status", "Title"]
    widths = [24 * mm, 25 * mm, 30 * mm, 22 * mm, 14 * mm, 19 * mm, 44 * mm]
    rows: list[list[str]] = []
    for n, r in enumerate(session.execute(stmt.execution_options(yield_per=2000)), 1):
        rows.append(
            [
                r.reference,
                r.occurred_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                r[2] or "—",
                r[3],
                r[4],
                status_label(r.status),
                r.title,
            ]
        )
        if progress and n % 2000 == 0:
            progress.check()
    out.append(RowList(header, rows, widths))  # splits across pages, header on each
    return out
