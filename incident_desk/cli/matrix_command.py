"""``matrix list|show|export|import|activate``: risk matrices from the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from incident_desk.actor import Actor
from incident_desk.cli.parser import CliError, open_db


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "matrix",
        parents=[common],
        help="list, export, import and activate risk matrices",
        description="Risk matrices. A saved matrix version never changes: importing a file "
        "for an existing matrix (with --new-version) adds a version.",
    )
    sub = p.add_subparsers(dest="matrix_command", metavar="ACTION", required=True)
    ls = sub.add_parser("list", parents=[common], help="list the matrices (the active one is marked *)")
    ls.set_defaults(handler=cmd_list)
    show = sub.add_parser("show", parents=[common], help="print a matrix as a table")
    show.add_argument("name")
    show.set_defaults(handler=cmd_show)
    ex = sub.add_parser("export", parents=[common], help="write a matrix to a JSON file")
    ex.add_argument("name", help="the matrix's name (see `matrix list`)")
    ex.add_argument(
        "-o", "--output", required=True, metavar="FILE", help="the JSON file to write ('-' for stdout)"
    )
    ex.add_argument("--version", type=int, metavar="N", help="an older version (default: the latest)")
    ex.set_defaults(handler=cmd_export)
    im = sub.add_parser("import", parents=[common], help="add a matrix from a JSON file")
    im.add_argument("file")
    im.add_argument("--name", help="import under this name instead of the one in the file")
    im.add_argument(
        "--new-version",
        action="store_true",
        help="if a matrix with that name exists, save the file as its next version",
    )
    im.add_argument("--activate", action="store_true", help="make the imported matrix the active one")
    im.set_defaults(handler=cmd_import)
    ac = sub.add_parser("activate", parents=[common], help="make a matrix the one new assessments use")
    ac.add_argument("name")
    ac.set_defaults(handler=cmd_activate)


def cmd_list(args: argparse.Namespace) -> int:
    from incident_desk.risk import matrices

    db = open_db(args)
    with db.reading() as s:
        rows = [("", "NAME", "SIZE", "VERSION", "USED")]
        for m in matrices.list_matrices(s, include_archived=True):
            rows.append(
                (
                    "*" if m.active else "",
                    m.name + (" (archived)" if m.archived else ""),
                    m.size,
                    str(m.version),
                    "yes" if m.in_use else "no",
                )
            )
    if len(rows) == 1:
        print("No risk matrices. Import one with: incident-desk matrix import FILE")
        return 0
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from incident_desk.risk import matrices
    from incident_desk.risk.matrix import Matrix, response_text

    db = open_db(args)
    with db.reading() as s:
        matrix = matrices.by_name(s, args.name)
        version = matrices.latest_version(s, matrix.id)
        m = Matrix(version.definition)
    print(f"{m.name} — version {version.number}")
    width = max(len(str(lv["label"])) for lv in m.likelihood)
    print(" " * width + " | " + " | ".join(f"{str(sv['label'])[:12]:^12}" for sv in m.severity))
    for lv in reversed(m.likelihood):
        cells = [m.rate(lv["code"], sv["code"]) for sv in m.severity]
        print(f"{lv['label']:>{width}} | " + " | ".join(f"{f'{c.score} {c.band}'[:12]:^12}" for c in cells))
    print()
    for b in reversed(m.bands):
        print(
            f"{b['name']}: {b.get('response', '')} (respond {response_text(b.get('response_hours')) or 'any time'}; "
            f"{b.get('signoffs_required', 1)} × {b.get('signoff_role')} sign-off)"
        )
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from incident_desk.risk import matrices

    db = open_db(args)
    with db.reading() as s:
        text = matrices.export_json(s, matrices.by_name(s, args.name).id, args.version)
    if args.output == "-":
        sys.stdout.write(text)
        return 0
    try:
        Path(args.output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CliError(f"Cannot write {args.output}: {exc.strerror}.") from exc
    print(f"Exported “{args.name}” to {args.output}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from incident_desk.risk import matrices

    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CliError(f"No such file: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"Cannot read {path}: {exc}") from exc
    from incident_desk.errors import ValidationError

    db = open_db(args)
    actor = Actor.system()
    with db.transaction() as s:
        try:
            version = matrices.import_json(
                s, actor, text, name=args.name, new_version=args.new_version, source=path.name
            )
        except ValidationError as exc:
            problems = exc.messages()
            if len(problems) == 1:
                raise CliError(f"{path.name}: {problems[0]} Nothing was imported.") from None
            raise CliError(
                f"{path.name} is not a valid risk matrix; nothing was imported:\n  " + "\n  ".join(problems)
            ) from None
        if args.activate:
            matrices.set_active(s, actor, version.matrix_id)
        name, number = version.definition["name"], version.number
    print(f"Imported “{name}” as version {number}" + (" and made it active" if args.activate else ""))
    return 0


def cmd_activate(args: argparse.Namespace) -> int:
    from incident_desk.risk import matrices

    db = open_db(args)
    with db.transaction() as s:
        matrix = matrices.by_name(s, args.name)
        matrices.set_active(s, Actor.system(), matrix.id)
        name = matrix.name
    print(f"“{name}” is now the active risk matrix.")
    return 0
