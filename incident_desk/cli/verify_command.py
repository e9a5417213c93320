"""``verify``: recompute every electronic signature and the audit trail's hash chain."""

from __future__ import annotations

import argparse
import time
from typing import Any

from incident_desk.cli.parser import open_db


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "verify",
        parents=[common],
        help="check signatures and the audit trail for tampering",
        description="Recompute the hash of every signed risk assessment and of every audit event. Reports each "
        "signed record whose content no longer matches its signature and the first audit event that "
        "was altered or deleted. Exits with status 1 when anything is wrong.",
    )
    p.add_argument("--quiet", "-q", action="store_true", help="print problems only")
    p.set_defaults(handler=cmd_verify)


def cmd_verify(args: argparse.Namespace) -> int:
    from sqlalchemy import func, select

    from incident_desk.audit.chain import verify_chain
    from incident_desk.audit.models import AuditEvent
    from incident_desk.signoff.models import Signature
    from incident_desk.signoff.verify import verify_signatures

    db = open_db(args)
    started = time.perf_counter()
    with db.reading() as s:
        n_sigs = s.execute(select(func.count()).select_from(Signature)).scalar_one()
        n_events = s.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
        sig_problems = list(verify_signatures(s))
        chain_problems = list(verify_chain(s))
    tampered = [p for p in sig_problems if p.tampered]
    notes = [p for p in sig_problems if not p.tampered]
    for p in tampered:
        print(f"SIGNATURE BROKEN: {p.message}")
    for p in chain_problems:
        print(f"AUDIT TRAIL BROKEN: {p.message}")
    for p in notes:
        print(f"note: {p.message}")
    if not args.quiet:
        sig_line = f"{n_sigs:,} signature{'s' if n_sigs != 1 else ''} checked: " + (
            f"{len(tampered)} no longer match" if tampered else "all match"
        )
        chain_line = f"{n_events:,} audit event{'s' if n_events != 1 else ''} checked: " + (
            "the chain is broken (first break above)" if chain_problems else "the chain is intact"
        )
        print(sig_line)
        print(chain_line)
        print(f"({time.perf_counter() - started:.1f} s, {db.display_url})")
    return 1 if tampered or chain_problems else 0
