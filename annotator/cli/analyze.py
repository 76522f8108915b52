"""`annotator analyze kwic|frequencies|cooccurrence`: the analysis windows' figures on the command line.

Thin over annotator.queries.analysis, which the GUI uses too. Output: a readable table, JSON
(`--json`, the shapes other tools rely on, offsets in code points) or a CSV file (`--csv`,
never over the project or a file kept beside it). Bad input (a regular expression that does
not compile, an unknown layer, label, annotator or metadata key, an empty project) is one
line and exit status 2. Nothing heavy is imported until a command runs.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import secrets
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import AnnotatorError


def _seconds(value: str) -> float:
    """A positive, finite number of seconds."""
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds") from None
    if not math.isfinite(number) or number <= 0:
        raise argparse.ArgumentTypeError(f"{value}: give a number of seconds above 0")
    return number


class _Expired(BaseException):
    """The time limit of a search ran out (a BaseException: no `except Exception` swallows it)."""


@contextmanager
def _time_limit(seconds: float, message: str) -> Iterator[None]:
    """Stop the block after `seconds` with AnnotatorError(message). A timer signal (SIGALRM) does
    it, since Python's regular expression engine checks for signals mid-match and holds the GIL
    (a thread could not step in). Where there is no such signal (Windows) or off the main thread
    the block runs unbounded."""
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise _Expired

    previous = signal.signal(signal.SIGALRM, expire)
    try:
        try:
            signal.setitimer(signal.ITIMER_REAL, seconds)
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    except _Expired:
        raise AnnotatorError(message) from None


def _path(value: str) -> Path:
    if not value.strip():
        raise argparse.ArgumentTypeError("an empty path; name a file")
    return Path(value)


def _scope_options(parser: argparse.ArgumentParser) -> None:
    who = parser.add_mutually_exclusive_group()
    who.add_argument("--annotator", help="one annotator's annotations")
    who.add_argument("--gold", action="store_true", help="the gold set (the curator's adjudicated annotations)")
    who.add_argument("--all", action="store_true", help="every annotator's annotations (the default)")
    parser.add_argument("--where", action="append", default=[], metavar="KEY=VALUE",
                        help="only documents whose metadata KEY (title, source, author, date, url, language or "
                             "any other key) is VALUE (repeatable: all must hold)")
    parser.add_argument("--from", dest="date_from", metavar="DATE", help="only documents dated on or after DATE (ISO)")
    parser.add_argument("--to", dest="date_to", metavar="DATE", help="only documents dated on or before DATE (ISO)")
    parser.add_argument("--status", action="append", default=[], choices=("not started", "in progress", "done"),
                        help="only documents with this status for the annotator(s) (repeatable)")
    out = parser.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the result as JSON")
    out.add_argument("--csv", type=_path, metavar="FILE", help="write the rows to this CSV file")


def add_parsers(commands: Any) -> None:
    """Add `analyze` and its three subcommands."""
    analyze = commands.add_parser(
        "analyze", help="concordance, label frequencies and co-occurrence",
        description="Analyse the coded corpus: a concordance (KWIC) of words, a regular expression or a code; "
        "label frequencies grouped by document, metadata, date or annotator; a label x label co-occurrence "
        "matrix. Offsets are code points. Scope: --annotator NAME, --gold or --all (default).")
    kinds = analyze.add_subparsers(dest="analysis", metavar="ANALYSIS", required=True,
                                   help="kwic (concordance), frequencies or cooccurrence")

    kwic = kinds.add_parser("kwic", help="concordance: every hit in context",
                            description="One row per hit: left context, match, right context, and the codes "
                            "already there. Words ignore case and accents (* at a word's end is a wildcard).")
    kwic.add_argument("project", type=_path, help="the project file")
    what = kwic.add_mutually_exclusive_group(required=True)
    what.add_argument("--query", metavar="TEXT", help="words or a phrase (case and accents ignored, word* allowed)")
    what.add_argument("--regex", metavar="RE", help="a Python regular expression")
    what.add_argument("--label", metavar="LAYER:LABEL", help="every segment of this code")
    kwic.add_argument("--overlapping", metavar="LAYER:LABEL", help="with --label: only segments overlapping this code")
    kwic.add_argument("--not-overlapping", metavar="LAYER:LABEL",
                      help="with --label: only segments not overlapping this code")
    kwic.add_argument("--context", type=int, default=60, metavar="N", help="characters of context each side (default 60)")
    kwic.add_argument("--sort", default="document", choices=("left", "left2", "right", "right2", "document", "date"),
                      help="order of the hits (default document)")
    kwic.add_argument("--limit", type=int, metavar="N", help="print at most N hits (the total counts every hit)")
    kwic.add_argument("--timeout", type=_seconds, default=60.0, metavar="SECONDS",
                      help="stop a search still running after this long (default 60): a regular expression that "
                      "backtracks catastrophically, such as (a+)+$, would otherwise run for hours")
    _scope_options(kwic)

    freq = kinds.add_parser("frequencies", help="how often each label occurs, per group",
                            description="A layer's labels counted per group: spans, documents with at least one "
                            "span, or the share of characters covered.")
    freq.add_argument("project", type=_path, help="the project file")
    freq.add_argument("--layer", required=True, help="the layer whose labels to count")
    freq.add_argument("--by", default="label", metavar="GROUP",
                      help="label (one group), document, annotator, date:month, date:quarter, date:year or a "
                           "metadata key such as source (default label)")
    freq.add_argument("--count", default="spans", choices=("spans", "documents", "characters"),
                      help="what to count (default spans)")
    _scope_options(freq)

    co = kinds.add_parser("cooccurrence", help="label x label co-occurrence matrix",
                          description="How often labels of two layers (or of one layer) occur together within "
                          "overlapping spans, a sentence, a paragraph (a line) or a document, each annotator's "
                          "coding on its own; with Jaccard and observed/expected.")
    co.add_argument("project", type=_path, help="the project file")
    co.add_argument("--layers", required=True, metavar="A[,B]", help="one layer (against itself) or two, comma-separated")
    co.add_argument("--within", default="sentence", choices=("overlap", "sentence", "paragraph", "document"),
                    help="the unit two codes must share (default sentence)")
    _scope_options(co)


def _code(value: str | None, option: str) -> tuple[str, str] | None:
    if value is None:
        return None
    layer, sep, label = value.partition(":")
    if not sep or not layer.strip() or not label.strip():
        raise AnnotatorError(f"{option} takes LAYER:LABEL, not {value!r}")
    return layer.strip(), label.strip()


def _scope(args: argparse.Namespace) -> Any:
    from ..queries.analysis import Scope

    where = []
    for item in args.where:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise AnnotatorError(f"--where takes KEY=VALUE, not {item!r}")
        where.append((key.strip(), value))
    return Scope(annotator=args.annotator, gold=args.gold, everyone=not (args.annotator or args.gold),
                 where=tuple(where), date_from=args.date_from, date_to=args.date_to, statuses=tuple(args.status))


@contextmanager
def _opened(args: argparse.Namespace) -> Iterator[Any]:
    """The project, read-only, in one read snapshot; a damaged file named in one line."""
    from ..project import Project
    from . import reading_project

    if args.csv is not None:
        from ..store.files import refuse_project_output

        refuse_project_output(args.csv, (args.project,), "analysis CSV")
    with reading_project(args.project), Project.open(args.project, readonly=True) as project:
        with project.read_snapshot():
            yield project


def _write_csv(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    """Write the CSV under a temporary name beside `path`, then move it into place whole."""
    from ..formats.csv_export import neutralise_cell  # the formula guard of `export --format csv`

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise_cell(cell) for cell in header])
    writer.writerows([neutralise_cell(cell) for cell in row] for row in rows)
    temporary = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.part")
    try:
        temporary.write_text(buffer.getvalue(), encoding="utf-8", newline="")
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise AnnotatorError(f"{path}: cannot write ({error.strerror})") from None


def _emit(args: argparse.Namespace, data: dict[str, Any], header: list[str], rows: list[list[Any]],
          text: str) -> None:
    if args.csv is not None:
        _write_csv(args.csv, header, rows)
        print(f"wrote {len(rows)} rows to {args.csv}")
    elif args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(text)


def cmd_analyze(args: argparse.Namespace) -> int:
    """Run one analysis and print (or write) its result."""
    return {"kwic": _kwic, "frequencies": _frequencies, "cooccurrence": _cooccurrence}[args.analysis](args)


def _kwic(args: argparse.Namespace) -> int:
    from ..queries.analysis import kwic

    if args.limit is not None and args.limit < 0:
        raise AnnotatorError(f"--limit takes 0 or more, not {args.limit}")
    scope = _scope(args)
    limit = f"{args.timeout:g} s"
    message = (f"the regular expression took longer than {limit} (catastrophic backtracking?); simplify it"
               if args.regex is not None else f"the concordance took longer than {limit}; narrow it or give a "
               "longer --timeout")
    with _opened(args) as project, _time_limit(args.timeout, message):
        result = kwic(project, query=args.query, regex=args.regex, label=_code(args.label, "--label"),
                      overlapping=_code(args.overlapping, "--overlapping"),
                      not_overlapping=_code(args.not_overlapping, "--not-overlapping"), scope=scope,
                      context=args.context, sort=args.sort, limit=args.limit)
    hits = [{"document_id": h.document_id, "title": h.title, "source": h.source, "date": h.date, "start": h.start,
             "end": h.end, "left": h.left, "match": h.match, "right": h.right, "codes": list(h.codes),
             "relations": list(h.relations)}
            for h in result.hits]
    header = list(hits[0]) if hits else ["document_id", "title", "source", "date", "start", "end", "left", "match",
                                         "right", "codes", "relations"]
    rows = [[*list(h.values())[:-2], "; ".join(h["codes"]), "; ".join(h["relations"])] for h in hits]
    width = max(args.context, 1)
    lines = [f"{h['left']:>{width}} [{h['match']}] {h['right']:<{width}}  {h['title']} ({h['start']}–{h['end']})"
             + (f"  {', '.join(h['codes'])}" if h["codes"] else "")
             + "".join(f"\n{'':>{width}}   {line}" for line in h["relations"]) for h in hits]
    shown = f" (showing {len(hits)})" if len(hits) < result.total else ""
    text = "\n".join([*lines, f"{result.total} hit{'s' if result.total != 1 else ''}{shown}"])
    _emit(args, {"total": result.total, "hits": hits}, header, rows, text)
    return 0


def _frequencies(args: argparse.Namespace) -> int:
    from ..queries.analysis import frequencies

    scope = _scope(args)
    with _opened(args) as project:
        table = frequencies(project, layer=args.layer, by=args.by, count=args.count, scope=scope)
    rows = [{"group": r.group, "label": r.label, "count": r.count} for r in table.rows]
    data = {"layer": table.layer, "by": table.by, "count": table.count, "groups": table.groups,
            "labels": table.labels, "rows": rows}
    if not rows:
        text = f"no {table.layer} annotations in these documents for {_who(args)}"
    else:
        value = (lambda c: f"{c:.1%}") if table.count == "characters" else (lambda c: str(int(c)))
        size = max(len(r["group"]) for r in rows)
        text = "\n".join(f"{r['group']:<{size}}  {r['label']:<45} {value(r['count']):>8}" for r in rows)
        text += f"\n({table.count} of {table.layer} by {table.by}, {_who(args)})"
    _emit(args, data, ["group", "label", "count"], [[r["group"], r["label"], r["count"]] for r in rows], text)
    return 0


def _who(args: argparse.Namespace) -> str:
    return f"annotator {args.annotator}" if args.annotator else "the gold set" if args.gold else "every annotator"


def _cooccurrence(args: argparse.Namespace) -> int:
    from ..queries.analysis import cooccurrence

    names = [name.strip() for name in args.layers.split(",")]
    if not 1 <= len(names) <= 2 or not all(names):
        raise AnnotatorError(f"--layers takes one layer or two separated by a comma, not {args.layers!r}")
    scope = _scope(args)
    with _opened(args) as project:
        table = cooccurrence(project, layers=(names[0], names[-1]), within=args.within, scope=scope)
    pairs = [{"a": p.a, "b": p.b, "count": p.count, "documents": p.documents, "jaccard": p.jaccard,
              "observed_expected": p.observed_expected} for p in table.pairs]
    data = {"layers": list(table.layers), "within": table.within, "association": table.association,
            "labels_a": table.labels_a, "labels_b": table.labels_b, "pairs": pairs}
    if not pairs:
        text = f"no co-occurrence of {' and '.join(dict.fromkeys(table.layers))} within {table.within} for {_who(args)}"
    else:
        ratio = (lambda v: "—" if v is None else f"{v:.2f}")
        text = "\n".join(f"{p['a']} × {p['b']}: {p['count']} ({p['documents']} documents, Jaccard {p['jaccard']:.3f}, "
                         f"observed/expected {ratio(p['observed_expected'])})" for p in pairs)
        text += f"\n(within {table.within}; association {table.association})"
    _emit(args, data, ["a", "b", "count", "documents", "jaccard", "observed_expected"],
          [[p["a"], p["b"], p["count"], p["documents"], p["jaccard"],
            "" if p["observed_expected"] is None else p["observed_expected"]] for p in pairs], text)
    return 0


HANDLERS = {"analyze": cmd_analyze}
