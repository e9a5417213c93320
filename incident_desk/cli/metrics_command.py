"""``metrics`` (the dashboard's key figures as text) and ``hours import|list`` (hours worked per site and month)."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from incident_desk.actor import Actor
from incident_desk.cli.parser import CliError, open_db


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (use YYYY-MM-DD)") from None


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    m = subparsers.add_parser(
        "metrics",
        parents=[common],
        help="print the dashboard's key figures",
        description="Print the key figures of the dashboard (incidents, MTTR, MTTA, SLA "
        "compliance, cost, satisfaction, TRIR, DART, LTIFR, overdue actions…) "
        "with the change against the previous period of the same length.",
    )
    m.add_argument(
        "--from", dest="date_from", type=_date, help="first day of occurrence (default: 364 days ago)"
    )
    m.add_argument("--to", dest="date_to", type=_date, help="last day of occurrence (default: today)")
    m.add_argument("--site", help="only this site (name or code)")
    m.set_defaults(handler=cmd_metrics)
    h = subparsers.add_parser(
        "hours", parents=[common], help="hours worked per site and month (for TRIR, DART, LTIFR)"
    )
    sub = h.add_subparsers(dest="hours_command", metavar="ACTION", required=True)
    imp = sub.add_parser(
        "import", parents=[common], help="import hours from CSV (site,year,month,hours,employees)"
    )
    imp.add_argument("file", type=Path)
    imp.set_defaults(handler=cmd_hours_import)
    ls = sub.add_parser("list", parents=[common], help="list the hours recorded for a year")
    ls.add_argument("year", type=int)
    ls.set_defaults(handler=cmd_hours_list)


def _site_id(session: Any, name: str | None) -> int | None:
    if not name:
        return None
    from sqlalchemy import func, or_, select

    from incident_desk.org.models import Site

    site = session.scalars(
        select(Site).where(
            or_(func.lower(Site.name) == name.strip().lower(), func.lower(Site.code) == name.strip().lower())
        )
    ).first()
    if site is None:
        raise CliError(f"There is no site called “{name}”.")
    return int(site.id)


def cmd_metrics(args: argparse.Namespace) -> int:
    from incident_desk.incidents.query import IncidentFilter
    from incident_desk.metrics.kpis import compute_kpis

    today = dt.date.today()
    date_to = args.date_to or today
    date_from = args.date_from or date_to - dt.timedelta(days=364)
    if date_from > date_to:
        raise CliError("--from is after --to.")
    db = open_db(args)
    with db.reading() as s:
        site_id = _site_id(s, args.site)
        filt = IncidentFilter(date_from=date_from, date_to=date_to, site_ids=(site_id,) if site_id else ())
        kpis = compute_kpis(s, filt)
    print(
        f"Incidents that occurred {date_from:%d %b %Y} – {date_to:%d %b %Y}"
        + (f", {args.site}" if args.site else "")
    )
    width = max(len(k.title) for k in kpis)
    for k in kpis:
        flag = "  !" if k.alert else ""
        print(f"  {k.title:<{width}}  {k.text:>12}  {k.detail}  ({k.trend_text}){flag}")
    return 0


def cmd_hours_import(args: argparse.Namespace) -> int:
    from incident_desk.errors import ValidationError
    from incident_desk.metrics import hours

    if not args.file.is_file():
        raise CliError(f"There is no file {args.file}.")
    db = open_db(args)
    try:
        with db.transaction() as s:
            n = hours.import_csv(s, Actor.system(), args.file)
    except ValidationError as exc:
        raise CliError("Nothing was imported: " + " ".join(exc.messages())) from None
    print(f"Imported hours worked for {n} site-month{'s' if n != 1 else ''}.")
    return 0


def cmd_hours_list(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from incident_desk.org.models import HoursWorked, Site

    db = open_db(args)
    with db.reading() as s:
        rows = s.execute(
            select(Site.name, HoursWorked.month, HoursWorked.hours, HoursWorked.employees)
            .join(Site, Site.id == HoursWorked.site_id)
            .where(HoursWorked.year == args.year)
            .order_by(Site.name, HoursWorked.month)
        ).all()
    if not rows:
        print(f"No hours recorded for {args.year}.")
        return 0
    for site, month, hours_, employees in rows:
        print(f"{site:<32} {args.year}-{month:02d} {float(hours_):>12,.0f} h {employees:>6} employees")
    return 0
