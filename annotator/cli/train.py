"""`annotator train`: train a layer's suggestions model on the project's own coding (ops/models.py)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from . import _project_path, _warn_backup, reading_project


def add_parsers(commands: Any) -> None:
    """Add the `train` command to the subparsers."""
    train = commands.add_parser(
        "train", help="train a layer's suggestions model on the project's coding",
        description="Train a model that suggests a layer's labels: on the gold set (the curator's "
        "annotations; default) or on one annotator's documents marked done. Span layers are learned "
        "sentence by sentence (which labels a sentence carries), document layers document by document, "
        "with spaCy on this computer (nothing is downloaded or sent anywhere). One in five documents is "
        "held out (seed 0) to measure each label's precision, recall and F1; labels under the quality "
        "floor (F1 0.5) are muted. The model is stored in the project file, replacing the layer's "
        "earlier model from the same source.",
    )
    train.add_argument("project", type=_project_path, help="the project file")
    train.add_argument("--layer", required=True, help="the layer to learn (e.g. Framing)")
    train.add_argument("--from", dest="trained_from", default="gold", metavar="gold|ANNOTATOR",
                       help="learn the gold set (default) or this annotator's documents marked done")
    train.add_argument("--json", action="store_true", help="print the result as JSON")


class _Progress:
    """Training progress on one line of stderr, drawn only on a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()

    def __call__(self, step: int, steps: int, what: str) -> None:
        if self.enabled and steps:
            sys.stderr.write(f"\r{what}: {100 * step // steps:3d} %")
            if step >= steps:
                sys.stderr.write("\n")
            sys.stderr.flush()


def format_result(result: Any) -> str:
    """The human-readable form of a TrainResult: one line, then the quality table."""
    from ..nlp.training import MIN_EXAMPLES

    unit = "sentences" if result.unit == "sentence" else "documents"
    lines = [f"model {result.model_id} of {result.layer}, from {result.trained_from}: trained on "
             f"{result.n_train} documents, evaluated on {result.n_test} held out ({unit}; "
             f"{result.seconds:.1f} s)",
             f"  {'label':<45} {'precision':>9} {'recall':>7} {'F1':>6} {'support':>8}"]
    for label, figures in result.per_label.items():
        muted = "  muted (F1 under %.2f)" % result.floor if label in result.muted else ""
        lines.append(f"  {label:<45} {figures['precision']:>9.2f} {figures['recall']:>7.2f} {figures['f1']:>6.2f} "
                     f"{figures['support']:>8}{muted}")
    for label, count in result.too_few.items():
        lines.append(f"  {label:<45} not learned: {count} {unit} carry it ({MIN_EXAMPLES} needed)")
    return "\n".join(lines)


def cmd_train(args: argparse.Namespace) -> int:
    """Train, store, print the evaluation."""
    from ..ops.models import train
    from ..project import Project

    with reading_project(args.project), Project.open(args.project) as project:
        _warn_backup(project, "train")
        result = train(project, args.layer, args.trained_from, progress=_Progress(not args.json))
    if args.json:
        data = result.as_dict()
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(format_result(result))
    return 0


HANDLERS = {"train": cmd_train}
