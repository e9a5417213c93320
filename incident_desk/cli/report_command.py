"""``report incident|summary|osha300|osha300a|osha301``: PDF reports from the command line."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from incident_desk.actor import Actor
from incident_desk.cli.export_command import add_filter_arguments, build_filter
from incident_desk.cli.parser import open_db


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "report",
        parents=[common],
        help="write a PDF report",
        description="Write an incident report, the management report for a period, or the "
        "OSHA 300, 300A and 301 records as PDF. Each is recorded in the audit "
        "trail.",
    )
    sub = p.add_subparsers(dest="report_command", metavar="REPORT", required=True)
    inc = sub.add_parser("incident", parents=[common], help="one incident, everything known about it")
    inc.add_argument("reference", help="the incident's reference, e.g. INC-2026-00042")
    inc.add_argument("-o", "--output", required=True, metavar="FILE.pdf")
    inc.set_defaults(handler=cmd_incident)
    summ = sub.add_parser("summary", parents=[common], help="the management report for a period")
    add_filter_arguments(summ, dates_required=True)
    summ.add_argument(
        "--max-listed",
        type=int,
        default=None,
        metavar="N",
        help="list at most N incidents at the end (default: all)",
    )
    summ.add_argument("--no-charts", action="store_true", help="leave out the charts")
    summ.add_argument("-o", "--output", required=True, metavar="FILE.pdf")
    summ.set_defaults(handler=cmd_summary)
    for form, text in (
        ("osha300", "OSHA Form 300 log"),
        ("osha300a", "OSHA Form 300A annual summary"),
        ("osha301", "OSHA Form 301 incident report(s)"),
    ):
        f = sub.add_parser(form, parents=[common], help=f"{text} for an establishment and year")
        f.add_argument(
            "--year", type=int, default=dt.date.today().year - 1, help="the year (default: last year)"
        )
        f.add_argument(
            "--establishment", metavar="SITE", help="site name or code (needed with several sites)"
        )
        if form == "osha300":
            f.add_argument(
                "--privacy-list",
                action="store_true",
                help="add the confidential list of privacy cases with the names, on its own page",
            )
        if form == "osha301":
            f.add_argument(
                "--case", metavar="N", help="case number or incident reference (default: every case)"
            )
        f.add_argument("-o", "--output", required=True, metavar="FILE.pdf")
        f.set_defaults(handler=cmd_osha, form=form)


def cmd_incident(args: argparse.Namespace) -> int:
    from incident_desk.incidents import service
    from incident_desk.reports.exports import save_report
    from incident_desk.reports.incident_report import incident_report

    db = open_db(args)
    actor = Actor.system()
    with db.transaction() as s:
        inc = service.by_reference(s, args.reference.strip())
        data = incident_report(s, actor, inc.id)
        save_report(s, actor, data, args.output, f"incident report {inc.reference}", incident_id=inc.id)
    print(f"Wrote {args.output} ({len(data) / 1024:,.0f} KB)")
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    from incident_desk.reports.exports import filter_details, save_report
    from incident_desk.reports.management_report import management_report

    db = open_db(args)
    actor = Actor.system()
    with db.transaction() as s:
        filt = build_filter(s, args)
        data = management_report(s, actor, filt, charts=not args.no_charts, max_listed=args.max_listed)
        save_report(
            s,
            actor,
            data,
            args.output,
            f"management report {filt.date_from} to {filt.date_to}",
            details={"filter": filter_details(filt)},
        )
    print(f"Wrote {args.output} ({len(data) / 1024:,.0f} KB)")
    return 0


def cmd_osha(args: argparse.Namespace) -> int:
    from incident_desk.reports import osha
    from incident_desk.reports.exports import save_report
    from incident_desk.reports.osha_forms import form_300, form_300a, form_301

    db = open_db(args)
    actor = Actor.system()
    with db.transaction() as s:
        site = osha.find_establishment(s, args.establishment)
        if args.form == "osha300":
            data = form_300(s, actor, site, args.year, privacy_list=args.privacy_list)
        elif args.form == "osha300a":
            data = form_300a(s, actor, site, args.year)
        else:
            data = form_301(s, actor, site, args.year, args.case)
        save_report(
            s,
            actor,
            data,
            args.output,
            f"OSHA {args.form[4:].upper()} {site.name} {args.year}",
            details={"establishment": site.name, "year": args.year},
        )
    print(f"Wrote {args.output} ({len(data) / 1024:,.0f} KB)")
    return 0
