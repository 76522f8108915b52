"""`annotator suggest`: a layer's suggestions from codebook rules and the trained model
(ops/suggesting.py), listed, or accepted above a score as one annotator's annotations."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..errors import AnnotatorError
from . import _project_path, _warn_backup, reading_project


def _score(value: str) -> float:
    """A score threshold between 0 and 1."""
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number; give a score from 0 to 1") from None
    if not 0.0 <= number <= 1.0:
        raise argparse.ArgumentTypeError(f"{value} is not between 0 and 1")
    return number


def add_parsers(commands: Any) -> None:
    """Add the `suggest` command to the subparsers."""
    suggest = commands.add_parser(
        "suggest", help="list (or accept) a layer's suggestions from codebook rules and the trained model",
        description="Suggestions for one layer: spans (or document labels) proposed by the labels' rule "
        "patterns in the codebook (score 1.0) and by the layer's model trained with `annotator train` "
        "(its score). Model suggestions trained on others' or gold annotations are listed only when the "
        "layer shares them, or for --annotator whose own coding trained the model. With --annotator, "
        "what that person already coded or rejected is left out. --accept-above SCORE stores every "
        "suggestion scoring at least SCORE as that annotator's annotation (recording where it came "
        "from), in one step the app can undo.",
    )
    suggest.add_argument("project", type=_project_path, help="the project file")
    suggest.add_argument("--layer", required=True, help="the layer to suggest (e.g. Framing)")
    suggest.add_argument("--from", dest="source", choices=("rules", "model", "all"), default="all",
                         help="where suggestions come from (default: all)")
    suggest.add_argument("--document", dest="documents", action="append", metavar="ID",
                         help="only this document (repeat for several; default: every document)")
    suggest.add_argument("--annotator", help="whose coding to leave out, and as whom to accept")
    suggest.add_argument("--accept-above", type=_score, metavar="SCORE",
                         help="store the suggestions scoring at least SCORE as --annotator's annotations")
    suggest.add_argument("--json", action="store_true", help="print the suggestions as JSON")


def _as_dict(suggestion: Any) -> dict[str, Any]:
    return {"document_id": suggestion.document_id, "start": suggestion.start, "end": suggestion.end,
            "layer": suggestion.layer, "label": suggestion.label, "score": suggestion.score,
            "source": suggestion.source}


def _line(project: Any, suggestion: Any) -> str:
    """One suggestion as a person reads it: document, place, label, score, source, text."""
    if suggestion.start is None:
        place, quoted = "document", ""
    else:
        text = " ".join(project.documents.text(suggestion.document_id)[suggestion.start:suggestion.end].split())
        place = f"{suggestion.start}-{suggestion.end}"
        quoted = f"  “{text if len(text) <= 50 else text[:49] + '…'}”"
    return (f"{suggestion.document_id[:8]}  {place:<11} {suggestion.label}  {suggestion.score:.2f}  "
            f"{suggestion.source}{quoted}")


def cmd_suggest(args: argparse.Namespace) -> int:
    """List the suggestions, or accept those above the score."""
    from ..ops.suggesting import accept_report, suggest_report
    from ..project import Project

    accepting = args.accept_above is not None
    if accepting and not args.annotator:
        raise AnnotatorError("--accept-above needs --annotator NAME: whose annotations the suggestions become")
    with reading_project(args.project), Project.open(args.project, readonly=not accepting) as project:
        if accepting:
            _warn_backup(project, "suggest")
        if args.annotator and not accepting and project.annotators.get(args.annotator) is None:
            names = ", ".join(a.name for a in project.annotators.list()) or "none yet"
            raise AnnotatorError(f'no annotator "{args.annotator}" in {args.project.name} (annotators: {names})')
        documents = args.documents or project.documents.ids()
        found = suggest_report(project, args.layer, documents, args.source, args.annotator)
        for note in found.notes:
            print(f"annotator suggest: note: {note}", file=sys.stderr)
        data: dict[str, Any] = {"suggestions": [_as_dict(s) for s in found.suggestions]}
        lines = [_line(project, s) for s in found.suggestions] or ["no suggestions"]
        if accepting:
            chosen = [s for s in found.suggestions if s.score >= args.accept_above]
            result = accept_report(project, chosen, args.annotator) if chosen else None
            accepted = result.annotation_ids if result else []
            skipped = result.skipped if result else []
            data["accepted"] = accepted
            data["skipped"] = [{**_as_dict(s), "reason": reason} for s, reason in skipped]
            lines.append(f"accepted {len(accepted)} suggestion(s) scoring at least {args.accept_above:g} as "
                         f"{args.annotator}'s annotations" + (f"; {len(skipped)} refused:" if skipped else ""))
            lines += [f"  {_line(project, s)}: {reason}" for s, reason in skipped]
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print("\n".join(lines))
    return 0


HANDLERS = {"suggest": cmd_suggest}
