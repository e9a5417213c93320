"""``demo``: fill a database with realistic, reproducible demo data."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from incident_desk.cli.parser import CliError, open_db


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "demo", parents=[common], help="fill the database with realistic demo data",
        description="Add demo sites, accounts (one per role) and incidents over the last few years up to today. "
                    "The same --seed gives the same data.")
    p.add_argument("--incidents", type=int, default=1000, metavar="N", help="how many incidents (default 1000)")
    p.add_argument("--seed", type=int, default=1, metavar="S", help="random seed (default 1)")
    p.add_argument("--years", type=int, default=3, metavar="Y", help="spread over this many years (default 3)")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    p.set_defaults(handler=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    from incident_desk.demo import generate

    if args.incidents < 0 or args.incidents > 5_000_000:
        raise CliError("--incidents must be between 0 and 5,000,000.")
    if not 1 <= args.years <= 30:
        raise CliError("--years must be between 1 and 30.")
    db = open_db(args)
    tty = sys.stderr.isatty() and not args.quiet

    def progress(step: str, fraction: float) -> None:
        if tty:
            print(f"\r{step:<20} {fraction:6.1%}", end="", file=sys.stderr, flush=True)

    result = generate(db, incidents=args.incidents, seed=args.seed, years=args.years, progress=progress)
    if tty:
        print(file=sys.stderr)
    if not args.quiet:
        print(f"Added {result.incidents} demo incidents to {db.display_url} in {result.seconds:.1f} s.")
        if result.accounts:
            print("Demo accounts (user name / password):")
            for username, (role, password) in result.accounts.items():
                print(f"  {username:<10} {password:<22} {role}")
    return 0
