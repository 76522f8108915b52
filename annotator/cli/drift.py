"""`annotator drift`: each annotator against the adjudicated gold set, per label and over time
(ops/drift.py)."""

from __future__ import annotations

import argparse
from typing import Any

from . import _print, _project_path, reading_project


def _block(value: str) -> int:
    """A whole number of documents per period, at least 1."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of documents") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value}: give at least 1 document per period")
    return number


def add_parsers(commands: Any) -> None:
    """Add the `drift` command to the subparsers."""
    parser = commands.add_parser(
        "drift", help="each annotator against the adjudicated gold set, per label and over time",
        description="Precision, recall and F1 of each annotator's spans against the gold set (the curator's "
        "annotations, gold as the reference) and Cohen's kappa of annotator and gold per token (span layers) or "
        "document (document layers), overall, per label and per period: the week they began coding each "
        "document, or blocks of documents in the order they coded them. Only documents with gold count.",
    )
    parser.add_argument("project", type=_project_path, help="the project file")
    parser.add_argument("--layer", required=True, help="the layer (e.g. Framing)")
    parser.add_argument("--by", choices=("week", "order"), default="week",
                        help="periods: the ISO week coding began (default) or the order of coding")
    parser.add_argument("--block", type=_block, default=10, metavar="N",
                        help="with --by order: documents per period (default 10)")
    parser.add_argument("--annotators", help="comma-separated annotators (default: everyone but the curator)")
    parser.add_argument("--round", metavar="NAME", help="only the documents of this reliability round")
    parser.add_argument("--matching", choices=("exact", "overlap"), default="exact",
                        help="spans match with the same start, end and label (exact, default) or sharing a "
                        "character and the label (overlap)")
    parser.add_argument("--json", action="store_true", help="print every figure as JSON")


def cmd_drift(args: argparse.Namespace) -> int:
    """Compute and print drift against gold."""
    from ..ops.drift import drift, format_drift
    from ..project import Project

    annotators = [name.strip() for name in (args.annotators or "").split(",") if name.strip()]
    with reading_project(args.project), Project.open(args.project, readonly=True) as project:
        with project.read_snapshot():
            result = drift(project, args.layer, args.by, annotators, args.round, args.matching, args.block)
    _print(result, args.json, format_drift(result))
    return 0


HANDLERS = {"drift": cmd_drift}
