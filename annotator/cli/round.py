"""`annotator round`: start and close reliability rounds, list them, and the table of alpha
per label across rounds (ops/rounds.py)."""

from __future__ import annotations

import argparse
from typing import Any

from . import _print, _project_path, _warn_backup, reading_project


def _threshold(value: str) -> float:
    """A reliability threshold in (0, 1]."""
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number; give e.g. 0.8 or 0.667") from None
    if not 0 < number <= 1:
        raise argparse.ArgumentTypeError(f"{value}: give a value above 0 and at most 1 (e.g. 0.8 or 0.667)")
    return number


def add_parsers(commands: Any) -> None:
    """Add the `round` command (start, close, list, table) to the subparsers."""
    parser = commands.add_parser(
        "round", help="reliability rounds: start, close, list, alpha per label across rounds",
        description="A round is a named period with a document set (the double-coding sample drawn by "
        "`annotator assign`, or all documents) and a frozen codebook version: while it is open, codebook "
        "edits are refused. `round table` shows Krippendorff's alpha per label round by round and whether "
        "reliability is reached (every label at or above the threshold).",
    )
    actions = parser.add_subparsers(dest="round_action", metavar="ACTION", required=True,
                                    help="start, close, list or table")
    start = actions.add_parser("start", help="start a round (closes the open one) and freeze the codebook",
                               description="Start a round on the sample's documents or all documents; the "
                               "codebook is frozen until the round is closed or another one is started.")
    start.add_argument("project", type=_project_path, help="the project file")
    start.add_argument("name", help="the round's name (e.g. pilot, round-1)")
    start.add_argument("--documents", choices=("sample", "all"), default="sample",
                       help="the double-coding sample (default) or every document")
    start.add_argument("--json", action="store_true", help="print the round as JSON")
    close = actions.add_parser("close", help="close a round (the codebook can be edited again)",
                               description="Close the open round; codebook edits are allowed again.")
    close.add_argument("project", type=_project_path, help="the project file")
    close.add_argument("name", help="the round to close")
    close.add_argument("--json", action="store_true", help="print the round as JSON")
    listing = actions.add_parser("list", help="list the rounds", description="List the rounds, oldest first.")
    listing.add_argument("project", type=_project_path, help="the project file")
    listing.add_argument("--json", action="store_true", help="print the rounds as JSON")
    table = actions.add_parser("table", help="alpha per label, round by round",
                               description="Krippendorff's alpha per label (present/absent on the unit) and "
                               "pooled, for each round's documents, and whether every label reached the "
                               "threshold (default 0.8; 0.667 for tentative conclusions, Krippendorff 2004).")
    table.add_argument("project", type=_project_path, help="the project file")
    table.add_argument("--layer", required=True, help="the layer (e.g. Framing)")
    table.add_argument("--unit", choices=("document", "sentence", "token"),
                       help="unit of analysis (default: document for document layers, token for span layers)")
    table.add_argument("--annotators", help="comma-separated annotators (default: all who coded the layer)")
    table.add_argument("--threshold", type=_threshold, default=0.8, help="alpha every label must reach (0.8)")
    table.add_argument("--json", action="store_true", help="print the table as JSON")


def cmd_round(args: argparse.Namespace) -> int:
    """Start, close, list or tabulate rounds."""
    from ..ops.rounds import close_round, format_rounds_table, rounds_table, start_round
    from ..project import Project

    if args.round_action in ("list", "table"):
        with reading_project(args.project), Project.open(args.project, readonly=True) as project:
            if args.round_action == "list":  # with the label migrations between rounds (ops/relabel.py)
                from ..ops.relabel import round_listing

                data, text = round_listing(project)
                _print(data, args.json, text)
                return 0
            with project.read_snapshot():
                table = rounds_table(project, args.layer, args.threshold, args.unit,
                                     [a for a in (args.annotators or "").split(",") if a.strip()])
        _print(table, args.json, format_rounds_table(table))
        return 0
    with reading_project(args.project), Project.open(args.project) as project:
        _warn_backup(project, "round")
        if args.round_action == "start":
            made, _ = start_round(project, args.name, args.documents, actor="round")
            text = f"started {made.describe()}; the codebook is frozen until the round is closed"
        else:
            made, _ = close_round(project, args.name, actor="round")
            text = f"closed {made.describe()}"
    _print(made.as_dict(), args.json, text)
    return 0


HANDLERS = {"round": cmd_round}
