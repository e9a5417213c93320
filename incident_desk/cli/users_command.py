"""``users add|list|passwd|roles|deactivate|activate``: account administration."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from incident_desk.actor import Actor
from incident_desk.cli.parser import CliError, open_db
from incident_desk.users.roles import Role


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("users", parents=[common], help="manage user accounts",
                              description="Manage user accounts. Roles: " + ", ".join(
                                  f"{r.value} ({r.label})" for r in Role))
    sub = p.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    add = sub.add_parser("add", parents=[common], help="create an account")
    add.add_argument("username")
    add.add_argument("--name", required=True, help="full name, as shown on signatures")
    add.add_argument("--role", action="append", required=True, choices=[r.value for r in Role],
                     help="a role (repeat for several)")
    add.add_argument("--email", default="")
    add.add_argument("--job-title", default="")
    add.add_argument("--password-stdin", action="store_true",
                     help="read the password from standard input instead of prompting")
    add.set_defaults(handler=cmd_add)
    ls = sub.add_parser("list", parents=[common], help="list accounts")
    ls.set_defaults(handler=cmd_list)
    pw = sub.add_parser("passwd", parents=[common], help="set a new password for an account (and unlock it)")
    pw.add_argument("username")
    pw.add_argument("--password-stdin", action="store_true")
    pw.set_defaults(handler=cmd_passwd)
    roles = sub.add_parser("roles", parents=[common], help="replace an account's roles")
    roles.add_argument("username")
    roles.add_argument("--role", action="append", required=True, choices=[r.value for r in Role])
    roles.set_defaults(handler=cmd_roles)
    for name, active in (("deactivate", False), ("activate", True)):
        d = sub.add_parser(name, parents=[common], help=f"{name} an account (history and signatures are kept)")
        d.add_argument("username")
        d.set_defaults(handler=cmd_set_active, active=active)


def read_password(from_stdin: bool) -> str:
    if from_stdin or not sys.stdin.isatty():
        line = sys.stdin.readline()
        if not line:
            raise CliError("No password on standard input.")
        return line.rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat password: ") != first:
        raise CliError("The two passwords differ.")
    return first


def _user(session: Any, username: str) -> Any:
    from incident_desk.users import service

    user = service.by_username(session, username)
    if user is None:
        raise CliError(f"No user named {username!r} (see `incident-desk users list`).")
    return user


def cmd_add(args: argparse.Namespace) -> int:
    from incident_desk.users import service

    db = open_db(args)
    password = read_password(args.password_stdin)
    with db.transaction() as s:
        user = service.create_user(s, Actor.system(), username=args.username, full_name=args.name,
                                   password=password, roles=args.role, email=args.email, job_title=args.job_title)
        print(f"Created {user.username} ({', '.join(sorted(user.roles))})")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from incident_desk.db.base import utcnow
    from incident_desk.users import service

    db = open_db(args)
    with db.reading() as s:
        users = service.list_users(s)
        if not users:
            print("No users yet. Create the administrator with: incident-desk users add NAME --name 'Full Name' "
                  "--role admin")
            return 0
        rows = [("USER", "NAME", "ROLES", "STATE", "LAST SIGN-IN")]
        now = utcnow()
        for u in users:
            state = "inactive" if not u.active else ("locked" if u.locked_until and u.locked_until > now else "active")
            rows.append((u.username, u.full_name, ",".join(sorted(u.roles)), state,
                         f"{u.last_login_at:%Y-%m-%d %H:%M}" if u.last_login_at else "never"))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        for r in rows:
            print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    return 0


def cmd_passwd(args: argparse.Namespace) -> int:
    from incident_desk.users import service

    db = open_db(args)
    with db.transaction() as s:
        user = _user(s, args.username)
        service.reset_password(s, Actor.system(), user.id, read_password(args.password_stdin))
        print(f"New password set for {user.username}")
    return 0


def cmd_roles(args: argparse.Namespace) -> int:
    from incident_desk.users import service

    db = open_db(args)
    with db.transaction() as s:
        user = _user(s, args.username)
        service.set_roles(s, Actor.system(), user.id, args.role)
        print(f"{user.username}: {', '.join(sorted(args.role))}")
    return 0


def cmd_set_active(args: argparse.Namespace) -> int:
    from incident_desk.users import service

    db = open_db(args)
    with db.transaction() as s:
        user = _user(s, args.username)
        service.set_active(s, Actor.system(), user.id, args.active)
        print(f"{user.username} {'activated' if args.active else 'deactivated'}")
    return 0
