"""``import FILE`` (CSV or Excel into incidents) and ``search QUERY`` (full-text search)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from incident_desk.cli.parser import CliError, open_db


class _MappingHelp(argparse.Action):
    """``import --help``: the usual help, then the built-in and saved mappings by name."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, **kwargs: Any) -> None:
        super().__init__(
            option_strings, dest=dest, nargs=0, help="show this help and the mappings, then exit"
        )

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        parser.print_help()
        print("\n" + "\n".join(mapping_list(getattr(namespace, "db", None) or _db_from_argv())))
        parser.exit()


def _db_from_argv() -> str | None:
    """--db given before the command is parsed into another namespace; find it for --help."""
    argv = sys.argv[1:]
    for i, arg in enumerate(argv):
        if arg == "--db" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--db="):
            return arg[5:]
    return None


def mapping_list(db_url: str | None) -> list[str]:
    from incident_desk.imports.mapping import BUILTIN

    lines = ["built-in mappings:"]
    lines += [f"  {name!r:32} {m.description}" for name, m in BUILTIN.items()]
    try:
        from incident_desk.db import open_database
        from incident_desk.imports.mapping import saved_names
        from incident_desk.paths import resolve_db_url

        db = open_database(resolve_db_url(db_url), upgrade=False)
        try:
            with db.reading() as s:
                names = saved_names(s)
        finally:
            db.dispose()
        lines.append("saved mappings:" if names else "saved mappings: none yet (save one in File → Import…)")
        lines += [f"  {n!r}" for n in names]
    except Exception as exc:  # help must still print when the database cannot be read
        lines.append(f"saved mappings: cannot be listed ({str(exc).splitlines()[0] if str(exc) else exc})")
    return lines


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "import",
        parents=[common],
        add_help=False,
        help="import incidents from a CSV or Excel file",
        description="Import incidents from a CSV file (any delimiter; UTF-8, UTF-8 with BOM, Windows-1252 or "
        "Latin-1) or an Excel .xlsx workbook. Every row is checked first; if any has a problem, "
        "nothing is written and the problems are listed by row and column. Importing the same file "
        "again updates changed rows and skips the rest: it never duplicates.",
        epilog="Without --mapping, a built-in mapping is used when the file's columns fit one, otherwise "
        "columns are matched to fields by their headers. A mapping FILE is JSON as written by "
        "--show-mapping.",
    )
    p.add_argument("-h", "--help", action=_MappingHelp)
    p.add_argument("file", metavar="FILE", type=Path, help="the .csv or .xlsx file")
    p.add_argument(
        "--mapping", metavar="NAME|FILE", help="a built-in or saved mapping's name, or a JSON file"
    )
    p.add_argument(
        "--dry-run", action="store_true", help="check every row and report what would happen; write nothing"
    )
    p.add_argument(
        "--skip-bad-rows", action="store_true", help="import the good rows and leave out rows with problems"
    )
    p.add_argument("--encoding", metavar="E", help="utf-8, utf-8-sig, cp1252 or latin-1 (default: detected)")
    p.add_argument("--delimiter", metavar="D", help="field separator (default: detected); 'tab' for a tab")
    p.add_argument("--sheet", metavar="NAME", help="the Excel sheet to read (default: the first)")
    p.add_argument(
        "--source",
        metavar="NAME",
        help="name the source differently from the file name (re-imports recognise rows by source and ID)",
    )
    p.add_argument(
        "--no-update",
        action="store_true",
        help="leave rows imported before as they are, even if changed in the file",
    )
    p.add_argument(
        "--show-mapping", action="store_true", help="print the mapping that would be used (JSON) and exit"
    )
    p.add_argument("--save-mapping", metavar="NAME", help="save the mapping used under this name")
    p.add_argument(
        "--max-problems", type=int, default=50, metavar="N", help="list at most N problems (default 50)"
    )
    p.add_argument("-q", "--quiet", action="store_true", help="print only errors and the summary")
    p.set_defaults(handler=cmd_import)

    s = subparsers.add_parser(
        "search",
        parents=[common],
        help="full-text search over incidents",
        description="Search titles, descriptions, actions, comments, people and places. "
        'All words must match; "a phrase" in quotes; word* for a prefix.',
    )
    s.add_argument("query", nargs="+", help="words to look for")
    s.add_argument("--limit", type=int, default=20, metavar="N", help="show N results (default 20)")
    s.add_argument("--offset", type=int, default=0, metavar="N", help="skip the first N results")
    s.add_argument("--include-void", action="store_true", help="include voided incidents")
    s.set_defaults(handler=cmd_search)


def cmd_import(args: argparse.Namespace) -> int:
    from incident_desk.actor import Actor
    from incident_desk.imports import engine, mapping
    from incident_desk.imports.readers import read_table
    from incident_desk.progress import Progress

    delimiter = {"tab": "\t", "\\t": "\t"}.get(args.delimiter or "", args.delimiter)
    table = read_table(args.file, encoding=args.encoding, delimiter=delimiter, sheet=args.sheet)
    db = open_db(args)
    with db.reading() as s:
        chosen = mapping.load(s, args.mapping) if args.mapping else mapping.suggest(table.headers)
    if args.show_mapping:
        print(json.dumps(chosen.to_dict(), indent=2, ensure_ascii=False))
        return 0
    problems = mapping.mapping_problems(chosen, table.headers)
    if problems:
        raise CliError(
            "The mapping does not fit "
            + args.file.name
            + ":\n  "
            + "\n  ".join(problems)
            + "\nWrite a mapping file (start from --show-mapping) and pass it with --mapping FILE."
        )
    if not args.quiet:
        print(
            f"{args.file.name}: {len(table.rows):,} rows, "
            f"{table.encoding or 'Excel'}{' delimiter ' + repr(table.delimiter) if table.delimiter else ''}; "
            f"mapping: {chosen.name or 'matched from the headers'}",
            file=sys.stderr,
        )
    if args.save_mapping:
        with db.transaction() as s:
            mapping.save(s, Actor.system(), chosen.copy(name=args.save_mapping))
    last = [0.0]

    def report(done: int, total: int, message: str) -> None:
        import time

        if not args.quiet and sys.stderr.isatty() and time.monotonic() - last[0] > 0.5 and message:
            last[0] = time.monotonic()
            print(f"\r{message}\033[K", end="", file=sys.stderr)

    options = engine.ImportOptions(
        encoding=args.encoding,
        delimiter=delimiter,
        sheet=args.sheet,
        skip_bad_rows=args.skip_bad_rows,
        dry_run=args.dry_run,
        update_existing=not args.no_update,
        source=args.source,
    )
    try:
        result = engine.run_import(
            db, Actor.system(), args.file, chosen, options, Progress(report), table=table
        )
    except engine.ImportProblems as exc:
        _print_problems(exc.problems, args.max_problems)
        raise CliError(str(exc)) from None
    if not args.quiet and sys.stderr.isatty():
        print("\r\033[K", end="", file=sys.stderr)
    if result.problems and not args.quiet:
        _print_problems(result.problems, args.max_problems)
    print(result.summary())
    return 0


def _print_problems(problems: list[Any], limit: int) -> None:
    for p in problems[:limit]:
        print(f"  {p}", file=sys.stderr)
    if len(problems) > limit:
        print(f"  … and {len(problems) - limit:,} more problems", file=sys.stderr)


def cmd_search(args: argparse.Namespace) -> int:
    from incident_desk import search

    query = " ".join(args.query)
    db = open_db(args)
    with db.reading() as s:
        hits = search.search(s, query, limit=args.limit, offset=args.offset, include_void=args.include_void)
        total = search.count(s, query, include_void=args.include_void)
    if not hits:
        print(f"No incidents match {query!r}.")
        return 0
    width = max(len(h.reference) for h in hits)
    for h in hits:
        print(f"{h.reference:<{width}}  {h.status:<16}  {h.title}")
    shown = args.offset + len(hits)
    print(f"{args.offset + 1}–{shown} of {total:,} matches" if total > len(hits) else f"{total:,} matches")
    return 0
