"""`annotator relabel`: label migrations between reliability rounds — rename, merge, split —
carrying the annotations along, each logged with the codebook versions before and after
(ops/relabel.py, ops/codebook_edit.py)."""

from __future__ import annotations

import argparse
from typing import Any

from ..errors import AnnotatorError
from . import _path, _print, _project_path, _warn_backup, reading_project


def _layer_label(value: str) -> tuple[str, str]:
    """LAYER:LABEL (the label may itself hold a colon)."""
    layer, sep, label = value.partition(":")
    if not sep or not layer.strip() or not label.strip():
        raise argparse.ArgumentTypeError(f"{value!r}: give LAYER:LABEL, e.g. Framing:Economic")
    return layer.strip(), label.strip()


def add_parsers(commands: Any) -> None:
    """Add the `relabel` command to the subparsers."""
    parser = commands.add_parser(
        "relabel", help="rename, merge or split labels between rounds, carrying their annotations",
        description="Label migrations between reliability rounds. Each is one step the app can undo, refused "
        "while a round is open (the codebook is frozen), and logged with the codebook versions before and after "
        "it; `annotator round list` and the methods report show it between the rounds. "
        "--rename LAYER:LABEL --to NEW keeps every annotation; --merge LAYER:LABEL --into OTHER moves them to "
        "OTHER (dropping those OTHER already has on the same span) and deletes the label; --split LAYER:LABEL "
        '--into "A,B" divides them: with --match REGEX the spans whose text matches (ignoring case) go to B, the '
        "rest to A; with --ids FILE.csv (annotation_id and label columns, as `annotator export --format csv` "
        "writes them) the annotations listed with label B go to B, the rest to A. A label named in --into that "
        "does not exist is created; the label split is deleted unless it is A or B. --dry-run shows the counts.",
    )
    parser.add_argument("project", type=_project_path, help="the project file")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--rename", type=_layer_label, metavar="LAYER:LABEL", help="the label to rename (with --to)")
    what.add_argument("--merge", type=_layer_label, metavar="LAYER:LABEL",
                      help="the label to merge into another (with --into OTHER)")
    what.add_argument("--split", type=_layer_label, metavar="LAYER:LABEL",
                      help='the label to split (with --into "A,B" and --match or --ids)')
    what.add_argument("--list", action="store_true", help="list the migrations logged so far")
    parser.add_argument("--to", metavar="NEW", help="--rename: the new name")
    parser.add_argument("--into", metavar="LABEL|A,B",
                        help="--merge: the label that takes the annotations; --split: the two labels, comma-separated")
    rule = parser.add_mutually_exclusive_group()
    rule.add_argument("--match", metavar="REGEX",
                      help="--split: spans whose text matches this regular expression (ignoring case) go to B")
    rule.add_argument("--ids", type=_path, metavar="FILE.csv",
                      help="--split: a CSV with annotation_id and label columns; those listed with B go to B")
    parser.add_argument("--dry-run", action="store_true",
                        help="--split: show how many annotations would go where (and a few of them); change nothing")
    parser.add_argument("--actor", default="relabel", help="the name logged for the change (default relabel)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def _check_arguments(args: argparse.Namespace) -> None:
    """Refuse options that do not belong to the chosen migration, in one line."""
    if args.rename and not (args.to or "").strip():
        raise AnnotatorError("--rename needs --to NEW (the new name)")
    if (args.merge or args.split) and not (args.into or "").strip():
        raise AnnotatorError("--merge needs --into OTHER" if args.merge else '--split needs --into "A,B"')
    if args.split and args.match is None and args.ids is None:
        raise AnnotatorError("--split needs a rule: --match REGEX (spans whose text matches go to B) or --ids "
                             "FILE.csv (annotation ids with the label each goes to)")
    if not args.split and (args.match is not None or args.ids is not None or args.dry_run):
        raise AnnotatorError("--match, --ids and --dry-run go with --split")
    if args.to and not args.rename:
        raise AnnotatorError("--to goes with --rename")


def cmd_relabel(args: argparse.Namespace) -> int:
    """Rename, merge or split a label, or list the migrations."""
    from ..ops import codebook_edit
    from ..ops.relabel import list_migrations, plan_split, read_split_ids, split_label
    from ..project import Project

    _check_arguments(args)
    if args.list:
        with reading_project(args.project), Project.open(args.project, readonly=True) as project:
            migrations = list_migrations(project)
        _print([m.as_dict() for m in migrations], args.json,
               "\n".join(m.describe() for m in migrations) or "no label migrations logged")
        return 0
    ids = read_split_ids(args.ids) if args.ids is not None else None
    with reading_project(args.project), Project.open(args.project, readonly=args.dry_run) as project:
        if not args.dry_run:
            _warn_backup(project, "relabel")
        if args.rename:
            layer, label = args.rename
            count = codebook_edit.label_usage(project, layer, label) if _exists(project, layer, label) else 0
            codebook_edit.rename_label(project, layer, label, args.to, actor=args.actor)
            result: dict[str, Any] = {"migration": "rename", "layer": layer, "label": label, "to": args.to.strip(),
                                      "annotations": count}
            text = f'renamed "{label}" to "{args.to.strip()}" in layer "{layer}" ({count} annotations kept)'
        elif args.merge:
            layer, label = args.merge
            into = args.into.strip()
            count = codebook_edit.delete_label(project, layer, label, move_to=into, actor=args.actor)
            result = {"migration": "merge", "layer": layer, "label": label, "into": into, "annotations": count}
            text = f'merged "{label}" into "{into}" in layer "{layer}" ({count} annotations moved)'
        else:
            layer, label = args.split
            source = str(args.ids) if args.ids is not None else "the list"
            plan = plan_split(project, layer, label, args.into.split(","), pattern=args.match, ids=ids,
                              ids_source=source)
            result = {"migration": "split", **plan.as_dict(), "dry_run": args.dry_run}
            first, second = plan.into
            counts = plan.counts()
            if args.dry_run:
                text = "\n".join([f'would split "{label}" in layer "{layer}": {counts[first]} to "{first}", '
                                  f'{counts[second]} to "{second}" ({plan.rule}); nothing changed'] + [
                    f'  {name}: ' + "; ".join(repr(e) for e in plan.examples[name]) for name in plan.into
                    if plan.examples[name]])
            else:
                done = split_label(project, plan, actor=args.actor)
                result["dropped_duplicates"] = done["dropped"]
                dropped = f', {done["dropped"]} duplicates dropped' if done["dropped"] else ""
                noun = "annotation" if counts[first] == 1 else "annotations"
                text = (f'split "{label}" in layer "{layer}": {counts[first]} {noun} to "{first}", '
                        f'{counts[second]} to "{second}"{dropped}')
        if not args.dry_run:
            from ..ops.rounds import codebook_version

            result["codebook_version"] = codebook_version(project)
            text += f"; codebook version {result['codebook_version']}"
    _print(result, args.json, text)
    return 0


def _exists(project: Any, layer: str, label: str) -> bool:
    """True when the layer has the label (otherwise the edit itself says what is wrong)."""
    try:
        return project.codebook.layer(layer).label(label) is not None
    except AnnotatorError:
        return False


HANDLERS = {"relabel": cmd_relabel}
