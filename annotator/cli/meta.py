"""`annotator meta`: set documents' metadata in bulk from a CSV (ops/metadata.py)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from . import _path, _project_path, _warn_backup, reading_project


def add_parsers(commands: Any) -> None:
    """Add the `meta` command to the subparsers."""
    meta = commands.add_parser(
        "meta", help="set documents' metadata from a CSV",
        description="Set title, source, author, date, url and any other metadata key of documents from a CSV, "
        "in one operation. The CSV has a column naming each row's document (id, title or file: the name of "
        "the file it was imported from), then any of title, source (or outlet), author, date, url, and other "
        "columns as free metadata keys. An empty cell leaves a value as it is. Dates are stored as "
        "YYYY-MM-DD (or YYYY-MM, YYYY); 2 December 2026 and December 2, 2026 are read too, and 12/02/2026 "
        "with --day-first or --month-first. A date that cannot be read, a column that cannot be set or a "
        "key matching several documents refuses the whole CSV; rows matching no document are reported.",
    )
    meta.add_argument("project", type=_project_path, help="the project file")
    meta.add_argument("--from", dest="source", required=True, type=_path, metavar="META.csv",
                      help="the CSV of metadata")
    meta.add_argument("--match", required=True, choices=("title", "file", "id"),
                      help="how a row names its document: its title (any case), the name of the file it was "
                      "imported from, or its id")
    order = meta.add_mutually_exclusive_group()
    order.add_argument("--day-first", dest="day_first", action="store_const", const=True,
                       help="read numeric dates as day/month/year (12/02/2026 is 12 February)")
    order.add_argument("--month-first", dest="day_first", action="store_const", const=False,
                       help="read numeric dates as month/day/year (12/02/2026 is December 2)")
    meta.add_argument("--json", action="store_true", help="print the report as JSON")


def cmd_meta(args: argparse.Namespace) -> int:
    """Read the CSV (refused before the project is opened if it cannot be used), then apply it."""
    from ..ops.metadata import read_metadata_csv, set_metadata_from_csv
    from ..project import Project

    rows = read_metadata_csv(args.source, args.match, args.day_first)
    with reading_project(args.project), Project.open(args.project) as project:
        _warn_backup(project, "meta")
        report = set_metadata_from_csv(project, args.source, args.match, args.day_first, rows=rows)
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(report.as_text())
    return 0


HANDLERS = {"meta": cmd_meta}
