"""``escalate`` and ``outbox list|send|retry``: the alert checker and the e-mail outbox from the command line.

``incident-desk escalate`` is meant for a scheduled task (cron, Windows Task Scheduler) on a
shared server; the desktop app runs the same checker on a timer while it is open.
"""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from incident_desk.actor import Actor
from incident_desk.cli.parser import CliError, open_db


def _when(value: str) -> dt.datetime:
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a date and time: {value!r} (use e.g. 2026-03-01T09:30Z)"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    esc = subparsers.add_parser(
        "escalate",
        parents=[common],
        help="send due SLA reminders and escalations, then deliver e-mail",
        description="Check every open incident against its SLA deadlines: remind before a deadline, escalate "
        "up the ladder after it, flag overdue corrective actions; then deliver the e-mail outbox. "
        "Safe to run from several machines at once.",
    )
    esc.add_argument("--now", type=_when, help="pretend it is this time (ISO 8601; for testing a policy)")
    esc.add_argument("--no-send", action="store_true", help="queue the e-mails but do not deliver them now")
    esc.set_defaults(handler=cmd_escalate)

    out = subparsers.add_parser(
        "outbox",
        parents=[common],
        help="list, send or retry queued e-mails",
        description="The e-mail outbox: every notification e-mail waits here until the "
        "mail server has accepted it.",
    )
    sub = out.add_subparsers(dest="outbox_command", metavar="ACTION", required=True)
    ls = sub.add_parser("list", parents=[common], help="list waiting and failed e-mails")
    ls.add_argument("--all", action="store_true", help="include sent e-mails")
    ls.add_argument("--limit", type=int, default=50)
    ls.set_defaults(handler=cmd_list)
    send = sub.add_parser("send", parents=[common], help="deliver the e-mails that are due now")
    send.add_argument("--now", type=_when, help=argparse.SUPPRESS)
    send.set_defaults(handler=cmd_send)
    retry = sub.add_parser("retry", parents=[common], help="try failed e-mails again")
    retry.add_argument("ids", nargs="*", type=int, help="message ids (default: every failed one)")
    retry.set_defaults(handler=cmd_retry)


def _deliver(db: Any, now: dt.datetime | None) -> str:
    from incident_desk.notify import outbox

    report = outbox.deliver_due(db, now=now)
    return f"E-mail: {report.summary()}"


def cmd_escalate(args: argparse.Namespace) -> int:
    from incident_desk.notify import escalation

    db = open_db(args)
    report = escalation.check(db, now=args.now)
    for line in report.details:
        print(line)
    print(f"Checked: {report.summary()}.")
    if not args.no_send:
        print(_deliver(db, args.now))
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from incident_desk.notify import outbox

    db = open_db(args)
    statuses = () if args.all else ("pending", "sending", "failed")
    with db.reading() as s:
        counts = outbox.counts(s)
        rows = outbox.list_messages(s, statuses=statuses, limit=args.limit)
        print(
            ", ".join(f"{outbox.STATUS_LABELS.get(k, k)}: {v}" for k, v in sorted(counts.items()))
            or "The outbox is empty."
        )
        for m in rows:
            when = (
                f"next try {m.next_attempt_at:%Y-%m-%d %H:%M}"
                if m.status == "pending"
                else (f"sent {m.sent_at:%Y-%m-%d %H:%M}" if m.sent_at else m.status)
            )
            print(f"#{m.id}  {outbox.STATUS_LABELS.get(m.status, m.status):<7}  {m.to_address}  {m.subject}")
            detail = f"      attempts {m.attempts}, {when}"
            if m.last_error:
                detail += f"; last error: {m.last_error}"
            print(detail)
    return 0


def cmd_send(args: argparse.Namespace) -> int:
    db = open_db(args)
    print(_deliver(db, args.now))
    return 0


def cmd_retry(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from incident_desk.notify import outbox
    from incident_desk.notify.models import OutboxMessage

    db = open_db(args)
    with db.transaction() as s:
        ids = args.ids or list(s.scalars(select(OutboxMessage.id).where(OutboxMessage.status == "failed")))
        if not ids:
            raise CliError("There are no failed e-mails to retry.")
        n = outbox.retry(s, Actor.system(), ids)
    print(f"{n} e-mail(s) will be sent at the next delivery (`incident-desk outbox send`).")
    return 0
