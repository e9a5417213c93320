"""``export csv|xlsx|ita-summary|ita-cases``: incident lists for spreadsheets and OSHA's ITA files."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import Any

from incident_desk.actor import Actor
from incident_desk.cli.parser import CliError, open_db


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-01-31") from None


def add_filter_arguments(p: argparse.ArgumentParser, *, dates_required: bool = False) -> None:
    """The incident filter options shared by ``export`` and ``report summary``."""
    p.add_argument(
        "--from",
        dest="date_from",
        type=_date,
        required=dates_required,
        metavar="DATE",
        help="first day of occurrence (YYYY-MM-DD)",
    )
    p.add_argument(
        "--to",
        dest="date_to",
        type=_date,
        required=dates_required,
        metavar="DATE",
        help="last day of occurrence (YYYY-MM-DD), inclusive",
    )
    p.add_argument(
        "--site", action="append", default=[], metavar="NAME", help="site name or code (repeatable)"
    )
    p.add_argument(
        "--severity", action="append", default=[], metavar="NAME", help="severity name (repeatable)"
    )
    p.add_argument(
        "--type",
        dest="types",
        action="append",
        default=[],
        metavar="NAME",
        help="incident type name or code (repeatable)",
    )
    p.add_argument(
        "--status",
        action="append",
        default=[],
        metavar="STATUS",
        help="workflow status, e.g. reported, assessment, closed (repeatable)",
    )
    p.add_argument("--open", dest="open_only", action="store_true", help="open incidents only")
    p.add_argument("--text", default="", help="text in the reference, title or description")


def build_filter(session: Any, args: argparse.Namespace) -> Any:
    from sqlalchemy import func, or_, select

    from incident_desk.incidents.query import IncidentFilter
    from incident_desk.incidents.workflow import Status
    from incident_desk.org.models import IncidentType, SeverityLevel, Site

    def ids(model: Any, names: list[str], what: str, *extra: Any) -> tuple[int, ...]:
        out = []
        for name in names:
            cols = [func.lower(model.name) == name.lower(), *[func.lower(c) == name.lower() for c in extra]]
            found = session.scalars(select(model.id).where(or_(*cols))).first()
            if found is None:
                known = ", ".join(session.scalars(select(model.name).order_by(model.name)))
                raise CliError(f"No {what} named {name!r}. Known: {known}.")
            out.append(found)
        return tuple(out)

    statuses = []
    for s in args.status:
        try:
            statuses.append(Status(s.lower().replace("-", "_").replace(" ", "_")).value)
        except ValueError:
            raise CliError(f"Unknown status {s!r}. Statuses: {', '.join(x.value for x in Status)}.") from None
    if args.date_from and args.date_to and args.date_from > args.date_to:
        raise CliError("--from is after --to.")
    return IncidentFilter(
        site_ids=ids(Site, args.site, "site", Site.code),
        severity_ids=ids(SeverityLevel, args.severity, "severity"),
        type_ids=ids(IncidentType, args.types, "incident type", IncidentType.code),
        statuses=tuple(statuses),
        date_from=args.date_from,
        date_to=args.date_to,
        open_only=args.open_only,
        text=args.text,
    )


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "export",
        parents=[common],
        help="export incidents (CSV, Excel) or OSHA ITA files",
        description="Export a filtered incident list as CSV or Excel, or the OSHA Injury "
        "Tracking Application (ITA) summary and case files. Every export is "
        "recorded in the audit trail.",
    )
    sub = p.add_subparsers(dest="export_command", metavar="FORMAT", required=True)
    for fmt, text in (
        ("csv", "incident list as CSV (UTF-8)"),
        ("xlsx", "incident list as an Excel workbook"),
    ):
        e = sub.add_parser(fmt, parents=[common], help=text)
        add_filter_arguments(e)
        e.add_argument("-o", "--output", required=True, metavar="FILE")
        e.set_defaults(handler=cmd_list, fmt=fmt)
    for which, text in (
        ("ita-summary", "OSHA ITA 300A summary file (one row per establishment)"),
        ("ita-cases", "OSHA ITA case-detail file (one row per recordable case)"),
    ):
        e = sub.add_parser(
            which,
            parents=[common],
            help=text,
            description=text + ". The data is checked first; every problem is listed by case.",
        )
        e.add_argument("--year", type=int, required=True, help="the year the file covers")
        e.add_argument(
            "--establishment",
            action="append",
            default=[],
            metavar="SITE",
            help="site name or code (repeatable; default: every active site)",
        )
        e.add_argument("-o", "--output", required=True, metavar="FILE")
        e.set_defaults(handler=cmd_ita, which=which.split("-")[1])


def cmd_list(args: argparse.Namespace) -> int:
    from incident_desk.reports import exports

    db = open_db(args)
    with db.transaction() as s:
        filt = build_filter(s, args)
        n = exports.export_incidents(s, Actor.system(), filt, args.output, args.fmt)
    print(f"Exported {n:,} incidents to {args.output}")
    return 0


def cmd_ita(args: argparse.Namespace) -> int:
    from incident_desk.reports import exports, ita, osha

    db = open_db(args)
    try:
        with db.transaction() as s:
            sites = [osha.find_establishment(s, name) for name in args.establishment] or None
            n = exports.export_ita(s, Actor.system(), args.which, args.year, args.output, sites)
    except ita.ItaValidationError as exc:
        for problem in exc.problem_list:
            print(f"  {problem}", file=sys.stderr)
        raise CliError(
            f"{len(exc.problem_list)} problem(s) listed above must be fixed; nothing was exported."
        ) from None
    print(f"Exported {n:,} row(s) to {args.output}")
    return 0
