"""`annotator report`: the methods report of a reliability round (ops/methods_report.py)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ..errors import AnnotatorError
from . import _output_path, _project_path, reading_project


def add_parsers(commands: Any) -> None:
    """Add the `report` command to the subparsers."""
    report = commands.add_parser(
        "report", help="methods report of a reliability round (Markdown or HTML)",
        description="Write the methods report of a round: study design (sample, strata, seed, coders, documents "
        "per coder, overlap), the round's codebook version with its labels, the unit of analysis per layer, every "
        "agreement figure with its confidence interval, n, unit and definition (the figures of `annotator "
        "agreement --round NAME --bootstrap N`), and a paragraph of methods text to adapt.",
    )
    report.add_argument("project", type=_project_path, help="the project file")
    report.add_argument("--round", required=True, metavar="NAME", help="the round to report")
    report.add_argument("--out", required=True, type=_output_path, metavar="REPORT.md|REPORT.html",
                        help="the file to write: .md for Markdown, .html (or .htm) for a web page")
    report.add_argument("--layer", action="append", metavar="NAME",
                        help="report this layer (repeat for several; default: every layer two or more coded)")
    report.add_argument("--bootstrap", type=int, default=1000, metavar="N",
                        help="bootstrap resamples for alpha's 95%% interval (default 1000; seed fixed, reported)")
    report.add_argument("--json", action="store_true", help="also print the report's contents as JSON")


def cmd_report(args: argparse.Namespace) -> int:
    """Compute the report from one state of the file and write it."""
    from ..ops.methods_report import methods_report, render_html, render_markdown
    from ..project import Project
    from ..store.files import refuse_project_output

    suffix = args.out.suffix.lower()
    if suffix not in (".md", ".markdown", ".html", ".htm"):
        raise AnnotatorError(f"{args.out}: name a .md or .html file")
    if args.bootstrap < 0:
        raise AnnotatorError("the number of bootstrap resamples cannot be negative")
    refuse_project_output(args.out, (args.project,), "report")
    with reading_project(args.project), Project.open(args.project, readonly=True) as project:
        with project.read_snapshot():
            report = methods_report(project, args.round, tuple(args.layer or ()), args.bootstrap)
    text = render_markdown(report) if suffix in (".md", ".markdown") else render_html(report)
    try:
        args.out.write_text(text, encoding="utf-8")
    except OSError as error:
        raise AnnotatorError(f"{args.out}: cannot write ({error.strerror})") from None
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(f"wrote {args.out} (round {args.round}, {len(report.layers)} layers)")
    return 0


HANDLERS = {"report": cmd_report}
