"""`annotator assign`: draw the double-coding sample and assign documents (ops/assignments.py)."""

from __future__ import annotations

import argparse
import math
from typing import Any

from . import _print, _project_path, _warn_backup, reading_project


def _sample(value: str) -> float:
    """A share (0 < x ≤ 1) or a whole number of documents."""
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number; give a share (0.2) or a number of "
                                         "documents (50)") from None
    if not math.isfinite(number) or not number > 0:
        raise argparse.ArgumentTypeError(f"{value}: give a share above 0 (0.2) or a whole number of documents (50)")
    return number


def add_parsers(commands: Any) -> None:
    """Add the `assign` command to the subparsers."""
    assign = commands.add_parser(
        "assign", help="draw a double-coding sample and assign documents to annotators",
        description="Draw the reliability sample (a share or number of documents, stratified by a metadata key "
        "if --by is given) with a seed that is reported and stored, give each sampled document to --coders "
        "annotators and every other document to one, keeping loads even. Stored in the project as one step "
        "the app can undo; each annotator then sees their queue in the documents panel.",
    )
    assign.add_argument("project", type=_project_path, help="the project file")
    assign.add_argument("--sample", type=_sample, metavar="SHARE|N",
                        help="the double-coding sample: a share of the documents (0.2) or a number of them (50)")
    assign.add_argument("--retest", type=_sample, metavar="SHARE",
                        help="instead: re-serve this share of each annotator's done documents, blind, to "
                        '"NAME (re-test)" (code as that name; agreement --annotators "NAME,NAME (re-test)" gives '
                        "intra-coder agreement)")
    assign.add_argument("--by", metavar="KEY",
                        help="stratify by this metadata key (source, author, date, language or a free key)")
    assign.add_argument("--coders", type=int, default=2, metavar="K",
                        help="annotators per sampled document (default 2)")
    assign.add_argument("--annotators", metavar="A,B,…",
                        help="comma-separated annotators (added to the project if new; with --retest, default "
                        "everyone but the curator)")
    assign.add_argument("--seed", type=int, help="random seed (default: drawn, reported and stored)")
    assign.add_argument("--replace", action="store_true", help="replace the project's existing assignments")
    assign.add_argument("--json", action="store_true", help="print seed, sample and assignments as JSON")


def cmd_assign(args: argparse.Namespace) -> int:
    """Draw and store the assignments, then print them."""
    from ..errors import AnnotatorError
    from ..ops.assignments import draw_assignments, draw_retest
    from ..project import Project

    if (args.sample is None) == (args.retest is None):
        raise AnnotatorError("give --sample (draw the double-coding sample) or --retest (re-serve done documents)")
    if args.retest is not None:
        names = [n.strip() for n in (args.annotators or "").split(",") if n.strip()]
        with reading_project(args.project), Project.open(args.project) as project:
            _warn_backup(project, "assign")
            drawn = draw_retest(project, args.retest, names, seed=args.seed, actor="assign")
        lines = [f"re-test of {args.retest:g} of each annotator's done documents, seed {drawn['seed']}:"]
        lines += [f'  {name}: {len(ids)} documents (code as "{name}")' for name, ids in drawn["retest"].items()]
        _print(drawn, args.json, "\n".join(lines))
        return 0
    if not args.annotators:
        raise AnnotatorError("name the annotators to assign (e.g. --annotators ada,ben,cy)")
    with reading_project(args.project), Project.open(args.project) as project:
        _warn_backup(project, "assign")
        draw = draw_assignments(project, args.sample, args.annotators.split(","), coders=args.coders, by=args.by,
                                seed=args.seed, actor="assign", replace=args.replace)
    _print(draw.as_dict(), args.json, draw.summary())
    return 0


HANDLERS = {"assign": cmd_assign}
