"""OSHA Forms 300 (log), 300A (annual summary) and 301 (incident report) as PDFs.

Each is laid out after the official form's content and marked as produced by Incident Desk,
not an official OSHA form. Privacy cases are written "privacy case" on the 300 log whoever
prints it; the 301 shows the name only to readers allowed to see private details.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, PageBreak, Table, TableStyle
from sqlalchemy.orm import Session

from incident_desk.actor import Actor
from incident_desk.errors import NotFound
from incident_desk.org.models import Organisation, Site
from incident_desk.progress import Progress
from incident_desk.reports import osha
from incident_desk.reports import osha_codes as codes
from incident_desk.reports.incident_report import org_timezone
from incident_desk.reports.pdf import (
    ACCENT,
    HEAD_BG,
    MUTED,
    RULE,
    STYLES,
    ZEBRA,
    DocInfo,
    P,
    build,
    fmt_date,
    kv_table,
    section_rule,
    spacer,
)
from incident_desk.users.roles import allowed, require

NOT_OFFICIAL = (
    "Produced by Incident Desk from the organisation's records. This is not an official OSHA form; "
    "it carries the information the form requires."
)
ROWS_PER_PAGE = 12
LANDSCAPE_WIDTH = 265 * mm
PORTRAIT_WIDTH = 178 * mm
CHECK = "✔"
LOG_HEAD = ParagraphStyle("log_head", parent=STYLES["cell_head"], fontSize=5.8, leading=7)


def _info(session: Session, actor: Actor, title: str, est: osha.Establishment) -> DocInfo:
    org = session.get(Organisation, 1)
    return DocInfo(
        title=title,
        organisation=(org.name if org else "") or est.company_name,
        header_right=f"{title} — {est.name}",
        author=actor.name,
        confidential="Confidential: contains information relating to employee health; "
        "use it only as 29 CFR 1904.35 allows.",
    )


def _form_head(
    form: str, title: str, est: osha.Establishment, year: int, subtitle: str = ""
) -> list[Flowable]:
    head = Table(
        [
            [P(f"OSHA Form {form}", "muted"), P(f"Year {year}", "right")],
            [
                P(title, "title"),
                P(f"{est.name}<br/>{est.city}{', ' if est.city else ''}{est.state}", "right", raw=True),
            ],
        ],
        colWidths=["70%", "30%"],
    )
    head.setStyle(
        TableStyle(
            [
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
            ]
        )
    )
    out: list[Flowable] = [head, section_rule(), spacer(1.5), P(NOT_OFFICIAL, "notice")]
    if subtitle:
        out.insert(3, P(subtitle, "muted"))
    return out


# -- Form 300 -------------------------------------------------------------------------------
def _log_table(rows: list[osha.Case], totals_label: str, all_rows: list[osha.Case] | None = None) -> Table:
    h1 = [
        "(A)\nCase\nno.",
        "(B)\nEmployee's name",
        "(C)\nJob title",
        "(D)\nDate of\ninjury or\nonset",
        "(E)\nWhere the event occurred",
        "(F)\nDescribe injury or illness, parts of body affected, and "
        "object/substance that directly injured or made person ill",
        "Classify the case: most serious outcome",
        "",
        "",
        "",
        "Days away or restricted",
        "",
        "(M) Injury or illness type",
        "",
        "",
        "",
        "",
        "",
    ]
    h2 = [
        "",
        "",
        "",
        "",
        "",
        "",
        "(G)\nDeath",
        "(H)\nDays away",
        "(I)\nJob\ntransfer/\nrestr.",
        "(J)\nOther",
        "(K)\nDays\naway",
        "(L)\nDays\ntransfer/\nrestr.",
        "(1)\nInjury",
        "(2)\nSkin",
        "(3)\nRespir.",
        "(4)\nPoison",
        "(5)\nHearing",
        "(6)\nOther illness",
    ]
    widths = [15, 27, 20, 14, 20, 40, 10, 10, 12, 10, 10, 12, 10, 10.5, 10.5, 10.5, 12, 10.5]
    data: list[list[Any]] = [
        [P(t, LOG_HEAD) if t else "" for t in h1],
        [P(t, LOG_HEAD) if t else "" for t in h2],
    ]
    for c in rows:
        o = c.outcome.column if c.outcome else ""
        t = c.case_type.column if c.case_type else ""
        data.append(
            [
                P(c.case_number, "cell_small"),
                P(c.log_name(), "cell_small"),
                P(c.job_title, "cell_small"),
                P(c.date.strftime("%m/%d"), "cell_small"),
                P(c.where, "cell_small"),
                P(c.description, "cell_small"),
                *[CHECK if o == col else "" for col in "GHIJ"],
                str(c.days_away) if c.days_away else "",
                str(c.days_restricted) if c.days_restricted else "",
                *[CHECK if t == str(n) else "" for n in range(1, 7)],
            ]
        )
    while len(data) < ROWS_PER_PAGE + 2:
        data.append([""] * 18)

    def totals(cs: list[osha.Case]) -> list[Any]:
        return [
            "",
            "",
            "",
            "",
            "",
            P(totals_label, "cell_head"),
            *[str(sum(1 for c in cs if c.outcome and c.outcome.column == col)) for col in "GHIJ"],
            str(sum(c.days_away for c in cs)),
            str(sum(c.days_restricted for c in cs)),
            *[str(sum(1 for c in cs if c.case_type and c.case_type.column == str(n))) for n in range(1, 7)],
        ]

    data.append(totals(rows))
    if all_rows is not None:
        grand = totals(all_rows)
        grand[5] = P(f"Totals for the year ({len(all_rows)} cases)", "cell_head")
        data.append(grand)
    table = Table(data, colWidths=[w * mm for w in widths], repeatRows=2)
    style: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), "IDSans", 7.5),
        ("SPAN", (6, 0), (9, 0)),
        ("SPAN", (10, 0), (11, 0)),
        ("SPAN", (12, 0), (17, 0)),
        *[("SPAN", (i, 0), (i, 1)) for i in range(6)],
        ("BACKGROUND", (0, 0), (-1, 1), HEAD_BG),
        ("GRID", (0, 0), (-1, -1), 0.4, RULE),
        ("BOX", (0, 0), (-1, -1), 0.8, MUTED),
        ("VALIGN", (0, 0), (-1, 1), "BOTTOM"),
        ("VALIGN", (0, 2), (-1, -1), "MIDDLE"),
        ("ALIGN", (6, 2), (-1, -1), "CENTER"),
        ("ROWBACKGROUNDS", (0, 2), (-1, -2), [colors.white, ZEBRA]),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LEFTPADDING", (0, 0), (-1, -1), 2.5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2.5),
        ("LINEABOVE", (0, -1 if all_rows is None else -2), (-1, -1), 1.0, ACCENT),
        ("BACKGROUND", (0, -1 if all_rows is None else -2), (-1, -1), HEAD_BG),
        ("FONT", (6, -1 if all_rows is None else -2), (-1, -1), "IDSans-Bold", 8),
    ]
    table.setStyle(TableStyle(style))
    return table


def form_300(
    session: Session,
    actor: Actor,
    site: Site,
    year: int,
    *,
    progress: Progress | None = None,
    privacy_list: bool = False,
) -> bytes:
    """The 300 log for ``site`` and ``year``: 12 cases a page, each page with its totals.

    ``privacy_list`` adds, on a page of its own, the confidential list of privacy cases with
    the names (only for readers allowed to see private details).
    """
    require(actor, "reports.view")
    if privacy_list:
        require(actor, "incident.view_private")
    est = osha.establishment(session, site)
    all_cases = osha.cases(session, site.id, year)
    story: list[Flowable] = []
    chunks = [all_cases[i : i + ROWS_PER_PAGE] for i in range(0, len(all_cases), ROWS_PER_PAGE)] or [[]]
    for n, chunk in enumerate(chunks, 1):
        if progress:
            progress.update(n - 1, len(chunks), f"Log page {n} of {len(chunks)}…")
        story += _form_head(
            "300",
            "Log of Work-Related Injuries and Illnesses",
            est,
            year,
            "Record every work-related injury or illness that meets the recording criteria. "
            "Privacy cases are written “privacy case” in column B; the names are kept on a "
            "separate confidential list (29 CFR 1904.29(b)(6)–(9)).",
        )
        story.append(
            _log_table(chunk, "Page totals", all_cases if n == len(chunks) and len(chunks) > 1 else None)
        )
        if not all_cases:
            story += [spacer(2), P(f"No recordable cases at {est.name} in {year}.", "muted")]
        story.append(spacer(2))
        story.append(
            P("Be sure to transfer these totals to the Summary page (Form 300A) before you post it.", "muted")
        )
        if n < len(chunks):
            story.append(PageBreak())
    if privacy_list:
        private = [c for c in all_cases if c.privacy_case]
        story += [
            PageBreak(),
            P("Confidential list of privacy cases", "title"),
            section_rule(),
            spacer(1.5),
            P(
                f"{est.name}, {year}. Keep this list apart from the posted log and show it only to those "
                "entitled to see it (29 CFR 1904.29(b)(6)–(9)).",
                "notice",
            ),
        ]
        if private:
            from incident_desk.reports.pdf import data_table

            story.append(
                data_table(
                    ["Case no.", "Employee's name", "Job title", "Date", "Incident"],
                    [[c.case_number, c.name, c.job_title, fmt_date(c.date), c.reference] for c in private],
                    [30 * mm, 80 * mm, 60 * mm, 35 * mm, 40 * mm],
                )
            )
        else:
            story.append(P(f"No privacy cases at {est.name} in {year}.", "muted"))
    org = session.get(Organisation, 1)
    return build(
        story, _info(session, actor, f"OSHA 300 log {year}", est), tz=org_timezone(org), landscape_pages=True
    )


# -- Form 300A ------------------------------------------------------------------------------
def _boxes(items: list[tuple[str, str, Any]], width: float) -> Table:
    """Big numbers with their column letter and label, side by side."""
    top = [P(f"<font size=16><b>{value}</b></font>", "centre", raw=True) for _l, _t, value in items]
    bottom = [P(f"({letter}) {text}", "small") for letter, text, _v in items]
    table = Table([top, bottom], colWidths=[width / len(items)] * len(items))
    table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, 0), 0.6, MUTED),
                ("INNERGRID", (0, 0), (-1, 0), 0.6, MUTED),
                ("TOPPADDING", (0, 0), (-1, 0), 8),
                ("BOTTOMPADDING", (0, 0), (-1, 0), 8),
                ("VALIGN", (0, 1), (-1, 1), "TOP"),
            ]
        )
    )
    return table


def form_300a(session: Session, actor: Actor, site: Site, year: int) -> bytes:
    """The annual summary: totals G–L and 1–6, establishment and employment information."""
    require(actor, "reports.view")
    s = osha.summary(session, site, year)
    est = s.establishment
    story = _form_head(
        "300A",
        "Summary of Work-Related Injuries and Illnesses",
        est,
        year,
        "All establishments covered by Part 1904 must complete this Summary page, even if no "
        "work-related injuries or illnesses occurred during the year.",
    )
    w = PORTRAIT_WIDTH
    o = s.outcome_cases
    story += [
        P("Number of cases", "h1"),
        _boxes(
            [
                ("G", "Total number of deaths", o["G"]),
                ("H", "Total number of cases with days away from work", o["H"]),
                ("I", "Total number of cases with job transfer or restriction", o["I"]),
                ("J", "Total number of other recordable cases", o["J"]),
            ],
            w,
        ),
        P("Number of days", "h1"),
        _boxes(
            [
                ("K", "Total number of days away from work", s.days_away),
                ("L", "Total number of days of job transfer or restriction", s.days_restricted),
            ],
            w * 0.5,
        ),
        P("Injury and illness types", "h1"),
        _boxes([(str(c.column), c.label, s.types[c.column]) for c in codes.CASE_TYPES], w),
    ]
    if s.unclassified:
        story.append(
            P(
                f"{s.unclassified} recordable case(s) lack a valid outcome or type and are not counted in "
                "every total: complete them on the incident.",
                "notice",
            )
        )
    type_names = codes.ESTABLISHMENT_TYPES
    hours = f"{s.total_hours_worked:,}" if s.months_with_hours else "— (no hours recorded)"
    story += [
        P("Establishment information", "h1"),
        kv_table(
            [
                ("Establishment", est.name),
                ("Street", est.street),
                ("City", est.city),
                ("State", est.state),
                ("ZIP", est.zip),
                ("Industry description", est.industry_description),
                ("NAICS code", est.naics_code),
                ("Type", type_names.get(est.establishment_type, "—")),
                ("Company", est.company_name),
                ("EIN", est.ein),
            ],
            w,
            label_width=34 * mm,
        ),
        P("Employment information", "h1"),
        kv_table(
            [
                ("Annual average number of employees", f"{s.annual_average_employees:,}"),
                ("Total hours worked by all employees last year", hours),
            ],
            w,
            columns=1,
            label_width=80 * mm,
        ),
        P(
            f"Annual average employees: the monthly head counts recorded for {year} "
            f"({s.months_with_hours} of 12 months) added together and divided by 12. Total hours: the sum of "
            "the monthly hours recorded.",
            "muted",
        ),
        spacer(3),
        KeepTogether(
            [
                P("Sign here", "h1"),
                P(
                    "Knowingly falsifying this document may result in a fine. I certify that I have "
                    "examined this document and that to the best of my knowledge the entries are true, "
                    "accurate and complete.",
                    "small",
                ),
                spacer(8),
                _signature_lines(w),
            ]
        ),
        spacer(3),
        P(
            "Post this Summary page from February 1 to April 30 of the year following the year covered.",
            "muted",
        ),
    ]
    org = session.get(Organisation, 1)
    return build(story, _info(session, actor, f"OSHA 300A summary {year}", est), tz=org_timezone(org))


def _signature_lines(width: float) -> Table:
    labels = [["Company executive", "Title"], ["Phone", "Date"]]
    rows = []
    for pair in labels:
        rows.append(["", "", ""])
        rows.append([P(pair[0], "small"), "", P(pair[1], "small")])
    table = Table(rows, colWidths=[width * 0.55, width * 0.05, width * 0.4], rowHeights=[14, 12] * 2)
    table.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (0, 0), 0.6, colors.black),
                ("LINEBELOW", (2, 0), (2, 0), 0.6, colors.black),
                ("LINEBELOW", (0, 2), (0, 2), 0.6, colors.black),
                ("LINEBELOW", (2, 2), (2, 2), 0.6, colors.black),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


# -- Form 301 -------------------------------------------------------------------------------
def _yes_no(value: bool | None) -> str:
    return "—" if value is None else ("Yes" if value else "No")


def _time(value: dt.time | None, unknown: str = "—") -> str:
    return value.strftime("%H:%M") if value else unknown


def form_301(session: Session, actor: Actor, site: Site, year: int, case_number: str | None = None) -> bytes:
    """Form 301 for one case (by case number or incident reference), or for every case of the year."""
    require(actor, "reports.view")
    est = osha.establishment(session, site)
    selected = osha.cases(session, site.id, year, case_number=case_number)
    if case_number and not selected:
        raise NotFound(f"No recordable case {case_number!r} at {est.name} in {year}.")
    private_ok = allowed(actor, "incident.view_private")
    story: list[Flowable] = []
    w = PORTRAIT_WIDTH
    for n, c in enumerate(selected):
        if n:
            story.append(PageBreak())
        story += _form_head(
            "301",
            "Injury and Illness Incident Report",
            est,
            year,
            f"Case {c.case_number} · incident {c.reference}",
        )
        name = c.name if (private_ok or not c.privacy_case) else "Privacy case"
        story += [
            P("Information about the employee", "h1"),
            kv_table(
                [
                    ("1) Full name", name),
                    ("2) Street, city, state, ZIP", c.address if private_ok or not c.privacy_case else "—"),
                    ("3) Date of birth", fmt_date(c.date_of_birth)),
                    ("4) Date hired", fmt_date(c.date_hired)),
                    ("5) Sex", {"M": "Male", "F": "Female"}.get(c.sex, c.sex or "—")),
                ],
                w,
                columns=1,
                label_width=55 * mm,
            ),
            P("Information about the physician or other health care professional", "h1"),
            kv_table(
                [
                    ("6) Name of physician or other health care professional", c.physician),
                    ("7) Facility, if treatment was given away from the worksite", c.treatment_facility),
                    ("8) Treated in an emergency room?", _yes_no(c.treated_in_er)),
                    ("9) Hospitalized overnight as an in-patient?", _yes_no(c.hospitalized_inpatient)),
                ],
                w,
                columns=1,
                label_width=80 * mm,
            ),
            P("Information about the case", "h1"),
            kv_table(
                [
                    ("10) Case number from the log", c.case_number),
                    ("11) Date of injury or illness", fmt_date(c.date)),
                    ("12) Time employee began work", _time(c.time_started_work)),
                    ("13) Time of event", _time(c.time_of_event, "Cannot be determined")),
                    ("14) What was the employee doing just before the incident occurred?", c.activity_before),
                    ("15) What happened? Tell us how the injury occurred.", c.what_happened),
                    ("16) What was the injury or illness?", c.injury_illness),
                    ("17) What object or substance directly harmed the employee?", c.object_substance),
                    ("18) If the employee died, when did death occur?", fmt_date(c.date_of_death)),
                ],
                w,
                columns=1,
                label_width=70 * mm,
            ),
            spacer(4),
            kv_table(
                [("Completed by", actor.name), ("Date", fmt_date(dt.date.today()))], w, label_width=28 * mm
            ),
        ]
    if not selected:
        story += _form_head("301", "Injury and Illness Incident Report", est, year)
        story.append(P(f"No recordable cases at {est.name} in {year}.", "muted"))
    org = session.get(Organisation, 1)
    title = f"OSHA 301 {case_number}" if case_number else f"OSHA 301 reports {year}"
    return build(story, _info(session, actor, title, est), tz=org_timezone(org))
