"""The command line: thin over the same operations the GUI uses.

`annotator` (no command) starts the desktop app; `annotator new|import|info|export …`
work on a project file. Every command has --help; data commands have --json; bad input
ends with a one-line reason on stderr and a non-zero exit status.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import AnnotatorError

# Kept literal so that `--help` imports nothing heavy; a test checks it equals ops.exporting.FORMATS.
EXPORT_FORMATS = ("jsonl", "csv", "spacy", "brat", "xmi", "qdpx", "qdc", "conll", "conllu", "webanno",
                  "parquet")
IMPORT_FORMATS = ("txt", "md", "html", "docx", "csv", "tsv", "jsonl", "brat", "xmi", "qdpx", "conll", "conllu",
                  "spacy", "webanno", "tsv3")
# Commands kept in modules of their own (annotator/cli/<module>.py). Each module has
# `add_parsers(commands)`, adding its subparsers, and `HANDLERS` {command: handler}; a module
# imports nothing heavy at the top, so that `--help` stays fast.
COMMAND_MODULES: tuple[str, ...] = ("meta", "train", "analyze", "suggest", "assign", "round", "report", "drift", "relabel",
                                    "upgrade")
CORE_COMMANDS = ("new", "import", "info", "export", "merge", "agreement")
EXIT_BAD_INPUT = 2


def _path(value: str) -> Path:
    """A path argument; an empty one is refused (Path("") would be the current folder)."""
    if not value.strip():
        raise argparse.ArgumentTypeError("an empty path; name a file")
    return Path(value)


def _project_path(value: str) -> Path:
    """A project file argument (not empty)."""
    return _path(value)


def _new_project_path(value: str) -> Path:
    """The project file `new` creates: not empty, not a folder."""
    path = _path(value)
    if path.name in ("", ".", "..") or path.is_dir():
        raise argparse.ArgumentTypeError(f"{value}: is a folder; name the project file to create (e.g. study.annot)")
    return path


def _output_path(value: str) -> Path:
    """An output argument: not empty and not a name that can only be a folder ("/", ".", "..")."""
    path = _path(value)
    if path.name in ("", ".", ".."):
        raise argparse.ArgumentTypeError(f"{value}: is a folder; name a file (or, for brat, a new folder) in it")
    return path


class _OneLineParser(argparse.ArgumentParser):
    """argparse with its errors in one line ("annotator assign: argument --sample: …"), not a usage block."""

    def error(self, message: str) -> Any:  # argparse's type is NoReturn
        """Print the problem in one line naming the command, and exit with status 2."""
        print(f"{self.prog}: {message} (see {self.prog} --help)", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command (also used by the tests to check --help texts)."""
    parser = _OneLineParser(
        prog="annotator",
        description="Discourse Annotator: tag framing, stance and rhetorical devices in news articles. "
        "Without a command, starts the desktop app: `annotator [PROJECT] [--demo] [--annotator NAME]` "
        "(on PROJECT, the last project, or the demo).",
    )
    parser.add_argument("--version", action="version", version=f"Discourse Annotator {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    new = commands.add_parser("new", help="create a project file", description="Create a new project file.")
    new.add_argument("project", type=_new_project_path, help="the project file to create (e.g. study.annot)")
    new.add_argument("--codebook", default="news-discourse",
                     help="a bundled codebook name or a codebook .toml file (default: news-discourse)")
    new.add_argument("--lang", default="en", help="language code for tokens and sentences (spaCy's; default en)")
    new.add_argument("--from", dest="from_jsonl", type=_path, metavar="EXPORT.jsonl",
                     help="build the project from a native JSONL export: its codebook, annotators, documents "
                     "and annotations (instead of --codebook)")
    new.add_argument("--json", action="store_true", help="print the result as JSON")

    imp = commands.add_parser(
        "import", help="import files and folders",
        description="Import .txt, .md, .html, .docx, .csv/.tsv and .jsonl files (folders recursively). "
        "Each file is imported whole or not at all; texts already in the project are skipped.",
    )
    imp.add_argument("project", type=_project_path, help="the project file")
    imp.add_argument("paths", nargs="+", type=_path, help="files or folders to import")
    imp.add_argument("--format", default="auto", choices=("auto", *IMPORT_FORMATS),
                     help="input format (default: from each file's extension)")
    imp.add_argument("--text-column", help="CSV/TSV column holding the text (default: text, body, content or article)")
    imp.add_argument("--annotator", help="annotator of imported spans that name none (default: 'imported')")
    imp.add_argument("--add-labels", action="store_true",
                     help="add labels (and layers) the codebook lacks instead of refusing the file")
    imp.add_argument("--layer", metavar="NAME",
                     help="the layer for labels that name none (doccano, Prodigy, brat, CoNLL); "
                     "with --add-labels it is created if missing")
    imp.add_argument("--json", action="store_true", help="print the report as JSON")

    info = commands.add_parser("info", help="summarise a project",
                               description="Print documents, tokens, sentences, annotators, annotations "
                               "per layer and label, and the codebook.")
    info.add_argument("project", type=_project_path, help="the project file")
    info.add_argument("--json", action="store_true", help="print the summary as JSON")

    exp = commands.add_parser("export", help="export documents and annotations",
                              description="Export the corpus with its annotations.")
    exp.add_argument("project", type=_project_path, help="the project file")
    exp.add_argument("--format", default="jsonl", choices=EXPORT_FORMATS,
                     help="jsonl (native, lossless), csv (+ count matrix), spacy (DocBin), brat (folder), "
                     "xmi (zip for INCEpTION), qdpx / qdc (REFI-QDA), conll (BIO), conllu (CoNLL-U, BIO in MISC), "
                     "webanno (WebAnno TSV 3.3 folder for INCEpTION); default jsonl")
    exp.add_argument("--out", required=True, type=_output_path, help="the file (or, for brat, folder) to write")
    who = exp.add_mutually_exclusive_group()
    who.add_argument("--annotator", help="only this annotator's annotations")
    who.add_argument("--gold", action="store_true", help="only the adjudicated (curator's) annotations")
    exp.add_argument("--layer", help="only this layer's annotations")
    exp.add_argument("--done-only", action="store_true", help="only documents the annotator marked done")
    exp.add_argument("--excel", action="store_true",
                     help="csv: write UTF-8 with a byte-order mark, so that Excel reads accents and emoji right")
    exp.add_argument("--no-formula-guard", action="store_true",
                     help="csv: write cells starting with = + - @ as they are (default: a leading apostrophe "
                     "keeps spreadsheets from running them as formulas)")
    exp.add_argument("--json", action="store_true", help="print the report as JSON")

    merge = commands.add_parser(
        "merge", help="merge a colleague's project file into this one",
        description="Merge another project file into PROJECT in one transaction: documents matched by text "
        "hash, annotators by name, labels by layer and name, annotations by id (merging twice changes "
        "nothing). The other file is opened read-only and checked; it is never modified.",
    )
    merge.add_argument("project", type=_project_path, help="the project file to merge into")
    merge.add_argument("other", type=_project_path, help="the colleague's project file")
    merge.add_argument("--map", action="append", default=[], metavar="THEIRS=OURS",
                       help="treat their annotator THEIRS as our annotator OURS (repeatable)")
    merge.add_argument("--map-label", action="append", default=[], metavar="LAYER:LABEL=LAYER:LABEL",
                       help="map one of their labels onto one of ours (repeatable)")
    merge.add_argument("--no-add-labels", action="store_true",
                       help="refuse the merge if they used labels our codebook lacks (default: add them)")
    merge.add_argument("--json", action="store_true", help="print the report as JSON")

    agr = commands.add_parser(
        "agreement", help="inter-annotator agreement of one layer",
        description="Agreement between annotators on one layer: pooled figures over the selected documents, "
        "pairwise Cohen's kappa and span F1, per label and per document (worst first). Every figure "
        "is printed with its unit of analysis and definition; undefined figures say why.",
    )
    agr.add_argument("project", type=_project_path, help="the project file")
    agr.add_argument("--layer", help="the layer to compare (e.g. Framing); or --relations")
    agr.add_argument("--relations", action="store_true",
                     help="compare relations instead: precision/recall/F1 per pair of annotators, per relation "
                     "type and pooled (a relation matches when its type and both ends match)")
    agr.add_argument("--matching", default="exact", choices=("exact", "overlap"),
                     help="with --relations: ends match with the same start and end (exact, default) or "
                     "sharing a character (overlap)")
    agr.add_argument("--unit", choices=("document", "sentence", "token", "char"),
                     help="unit of analysis (default: document for document layers, token for span layers)")
    agr.add_argument("--measure", default="all",
                     help="percent, cohen, fleiss, alpha, alpha_u, f1, weighted_kappa, gamma or all (commas for "
                     "several; default all; all leaves out weighted_kappa and gamma unless named too)")
    agr.add_argument("--annotators", help="comma-separated annotators (default: all with annotations in the layer)")
    agr.add_argument("--labels", help="comma-separated labels to compare (default: all)")
    agr.add_argument("--done-only", action="store_true", help="only documents every selected annotator marked done")
    agr.add_argument("--manual-only", action="store_true",
                     help="leave out annotations that began as accepted suggestions (from a rule or a model); "
                     "the report always counts them per annotator")
    agr.add_argument("--round", metavar="NAME",
                     help="only the documents of this reliability round (annotator round); the report names "
                     "the round and its codebook version")
    agr.add_argument("--level", default="nominal", choices=("nominal", "ordinal", "interval", "ratio"),
                     help="level of measurement for Krippendorff's alpha (default nominal; interval and ratio "
                     "need an int --attribute)")
    agr.add_argument("--weights", default="linear", choices=("linear", "quadratic"),
                     help="disagreement weights of --measure weighted_kappa, over the labels in codebook order "
                     "(default linear)")
    agr.add_argument("--attribute", help="compare this attribute of matched spans instead of labels")
    agr.add_argument("--bootstrap", type=int, default=0, metavar="N",
                     help="bootstrap 95%% confidence interval for alpha with N resamples (seed fixed, reported)")
    agr.add_argument("--bootstrap-method", default="units", choices=("units", "hayes"),
                     help="units: resample units (percentile interval); hayes: Hayes & Krippendorff (2007), "
                     "resampling pairs of values (default units; named in every output)")
    agr.add_argument("--gamma-samples", type=int, default=30, metavar="N",
                     help="random continua for gamma's expected disorder (default 30; seed fixed, reported)")
    agr.add_argument("--csv", type=_output_path, help="also write every table to this CSV file")
    agr.add_argument("--json", action="store_true", help="print every figure as JSON")
    for module in _command_modules():
        module.add_parsers(commands)
    return parser


def _command_modules() -> list[Any]:
    """The modules of the commands not defined in this file (COMMAND_MODULES)."""
    import importlib

    return [importlib.import_module(f"{__name__}.{name}") for name in COMMAND_MODULES]


def build_gui_parser() -> argparse.ArgumentParser:
    """The parser for starting the desktop app."""
    parser = argparse.ArgumentParser(prog="annotator", add_help=False)
    parser.add_argument("project", nargs="?", type=Path)
    parser.add_argument("--demo", action="store_true", help="open the demo project")
    parser.add_argument("--annotator", help="annotate as this person (created if new)")
    parser.add_argument("--version", action="version", version=f"Discourse Annotator {__version__}")
    parser.add_argument("-h", "--help", action="store_true")
    return parser


class _Bar:
    """A one-line progress bar on stderr, drawn only on a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()

    def __call__(self, done: int, total: int, name: str) -> None:
        if not self.enabled or total == 0:
            return
        width = 30
        filled = int(width * done / total)
        label = name[-40:]
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {label:<40}")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _print(data: Any, as_json: bool, text: str) -> None:
    if as_json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(text)


def cmd_new(args: argparse.Namespace) -> int:
    from ..codebooks import load_codebook
    from ..project import Project

    if args.from_jsonl is not None:
        from ..ops.native_jsonl import import_native_jsonl

        with import_native_jsonl(args.project, args.from_jsonl) as project:
            info = project.info()
        _print(info, args.json, f"created {args.project} from {args.from_jsonl}: {info['documents']} documents, "
               f"{info['annotations']} annotations, codebook {info['codebook']['name']}")
        return 0
    codebook: Any = args.codebook
    if codebook.endswith(".toml") or Path(codebook).exists():
        codebook = load_codebook(Path(codebook))
    with Project.create(args.project, codebook=codebook, language=args.lang) as project:
        book = project.codebook.get()
        data = {"project": str(args.project), "codebook": book.name, "language": args.lang,
                "layers": [layer.name for layer in book.layers]}
    _print(data, args.json, f"created {args.project} (codebook {book.name}, language {args.lang}; "
           f"layers: {', '.join(data['layers'])})")
    return 0


# What reading a damaged project raises from deep inside (SQLite's "malformed", text that
# is not UTF-8, JSON that does not parse, a row pointing at nothing): said as one line.
DAMAGE_ERRORS = (sqlite3.DatabaseError, UnicodeDecodeError, json.JSONDecodeError, KeyError)


@contextmanager
def reading_project(path: Path) -> Iterator[None]:
    """Turn an error from reading project `path` into the one-line damaged (or disk, lock) message."""
    try:
        yield
    except DAMAGE_ERRORS as error:
        from ..store.database import as_project_error

        raise as_project_error(path, error) from error


def _warn_backup(project: Any, command: str) -> None:
    """Say on stderr, in one line, that the rolling backup could not be written (the command goes on)."""
    if project.backup_problem:
        print(f"annotator {command}: warning: {' '.join(project.backup_problem.split())}", file=sys.stderr)


def cmd_import(args: argparse.Namespace) -> int:
    from ..formats.base import ReadOptions
    from ..ops.importing import ImportStopped, import_paths
    from ..project import Project

    options = ReadOptions(text_column=args.text_column, default_annotator=args.annotator, default_layer=args.layer)
    try:
        with Project.open(args.project) as project:
            _warn_backup(project, "import")
            report = import_paths(project, args.paths, args.format, options, args.add_labels,
                                  progress=_Bar(not args.json))
    except ImportStopped as stopped:  # what was stored stays stored: say so on stdout too
        _print(stopped.report.as_dict(), args.json, "\n".join(_import_lines(stopped.report)))
        raise
    _print(report.as_dict(), args.json, "\n".join(_import_lines(report)))
    return 1 if report.failed or report.conflicts else 0


def _import_lines(report: Any) -> list[str]:
    lines = [f"imported: {len(report.imported)} documents, {report.annotations} annotations"
             + (f" ({report.annotations_skipped} already present)" if report.annotations_skipped else ""),
             f"skipped as duplicates: {len(report.duplicates)}", f"failed: {len(report.failed)}"]
    lines += [f"  duplicate: {message}" for message in report.duplicates]
    lines += [f"  failed: {path}: {reason}" for path, reason in report.failed]
    lines += [f"  conflict: {message}" for message in report.conflicts]
    if report.added_labels:
        lines.append("labels added to the codebook: " + "; ".join(report.added_labels))
    lines += report.notes()
    if report.stopped_at:
        lines.append(f"stopped at {report.stopped_at}; stored before it: {len(report.stored_files)} files")
        lines += [f"  stored: {path}" for path in report.stored_files]
    return lines


def format_info(info: dict[str, Any]) -> str:
    """The human-readable form of `Project.info()`."""
    lines = [
        f"project      {info['path']}",
        f"language     {info['language']}",
        f"documents    {info['documents']:,}  ({info['characters']:,} characters, {info['tokens']:,} tokens, "
        f"{info['sentences']:,} sentences)",
        f"annotations  {info['annotations']:,}",
        f"relations    {info.get('relations', 0):,}" + "".join(
            f"{', ' if i else '  ('}{name}: {n}" for i, (name, n) in enumerate(info.get("relations_by_type", {}).items()))
        + (")" if info.get("relations_by_type") else ""),
        "annotators   " + (", ".join(f"{a['name']}{' (curator)' if a['role'] == 'curator' else ''}: "
                                     f"{a['annotations']} annotations, {a['documents_done']} done"
                                     for a in info["annotators"]) or "none"),
        f"codebook     {info['codebook']['name']} — {info['codebook']['title']}",
    ]
    for layer in info["codebook"]["layers"]:
        extra = f", attributes: {', '.join(layer['attributes'])}" if layer["attributes"] else ""
        lines.append(f"  {layer['name']} ({layer['kind']}, {layer['granularity'] if layer['kind'] == 'span' else 'whole document'}"
                     f"{extra}): {layer['annotations']} annotations")
        for label in layer["labels"]:
            lines.append(f"    [{label['key'] or ' '}] {label['name']:<45} {label['annotations']:>6}")
    lines.append("models       " + ("none (annotator train PROJECT --layer NAME)" if not info.get("models") else ""))
    for model in info.get("models", []):
        lines.append(f"  {model['layer']} from {model['trained_from']}, {model['created_at'][:16].replace('T', ' ')}, "
                     f"{model['kind']}, spaCy {model['spacy_version']}, {model['n_train']} documents trained, "
                     f"{model['n_test']} held out{'' if model['active'] else ' (superseded)'}  {model['id']}")
    return "\n".join(lines)


def cmd_info(args: argparse.Namespace) -> int:
    from ..project import Project

    from ..store.database import check_integrity

    with reading_project(args.project), Project.open(args.project, readonly=True) as project:
        check_integrity(project.db, project.path)  # a damaged file is named, not summarised
        info = project.info()
    _print(info, args.json, format_info(info))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from ..ops.exporting import export_project
    from ..project import Project

    options = {**({"excel": True} if args.excel else {}),
               **({"formula_guard": False} if args.no_formula_guard else {})}
    if options and args.format != "csv":
        flags = [flag for flag, given in (("--excel", args.excel), ("--no-formula-guard", args.no_formula_guard))
                 if given]
        verb = "applies" if len(flags) == 1 else "apply"
        raise AnnotatorError(f"{' and '.join(flags)} {verb} to --format csv only, not {args.format}")
    with reading_project(args.project), Project.open(args.project, readonly=True) as project:
        report = export_project(project, args.format, args.out, args.annotator, args.layer, args.done_only,
                                progress=_Bar(not args.json), gold=args.gold, options=options)
    _print(report.as_dict(), args.json, report.as_text())
    return 0


def _pairs(values: list[str], option: str) -> list[tuple[str, str]]:
    pairs = []
    for value in values:
        left, sep, right = value.partition("=")
        if not sep or not left or not right:
            raise AnnotatorError(f"{option} takes OLD=NEW, not {value!r}")
        pairs.append((left, right))
    return pairs


def _label(value: str, option: str) -> tuple[str, str]:
    layer, sep, label = value.partition(":")
    if not sep or not layer or not label:
        raise AnnotatorError(f"{option} takes LAYER:LABEL, not {value!r}")
    return layer, label


def cmd_merge(args: argparse.Namespace) -> int:
    from ..ops.merge import merge_project
    from ..project import Project

    annotator_map = dict(_pairs(args.map, "--map"))
    label_map = {_label(a, "--map-label"): _label(b, "--map-label") for a, b in _pairs(args.map_label, "--map-label")}
    with reading_project(args.project), Project.open(args.project) as project:
        _warn_backup(project, "merge")
        report = merge_project(project, args.other, annotator_map or None, label_map or None,
                               add_unknown_labels=not args.no_add_labels, progress=_Bar(not args.json))
    _print(report.as_dict(), args.json, report.summary())
    return 0


def cmd_agreement(args: argparse.Namespace) -> int:
    from ..ops.agreement import AgreementRequest, compute_agreement, format_report, write_csv
    from ..project import Project

    if args.relations or not args.layer:
        from ..ops.agreement.relations import agreement_command

        return agreement_command(args, _print)

    request = AgreementRequest(
        layer=args.layer, unit=args.unit, measures=args.measure, annotators=args.annotators or (),
        labels=args.labels or (), done_only=args.done_only, level=args.level, attribute=args.attribute,
        bootstrap=args.bootstrap, bootstrap_method=args.bootstrap_method, weights=args.weights,
        gamma_samples=args.gamma_samples, manual_only=args.manual_only,
    )
    from ..store.database import check_integrity
    from ..store.files import refuse_project_output

    if args.csv:
        refuse_project_output(args.csv, (args.project,), "agreement CSV")
    with reading_project(args.project), Project.open(args.project, readonly=True) as project:
        # The full check: damage confined to an index passes quick_check and drops rows,
        # and figures computed on fewer rows would go into a paper unnoticed.
        check_integrity(project.db, project.path, full=True)
        with project.read_snapshot():  # one state of the file, whatever another program commits
            round_info = None
            if args.round:
                from ..ops.rounds import round_request

                request, round_info = round_request(project, args.round, request)
            report = compute_agreement(project, request)
    if args.csv:
        try:
            write_csv(report, args.csv)
        except OSError as error:
            raise AnnotatorError(f"{args.csv}: cannot write ({error.strerror})") from None
    data, text = report.to_dict(), format_report(report)
    if round_info is not None:
        data["round"] = round_info
        text = (f'Round "{round_info["name"]}": {round_info["documents"]} documents, codebook version '
                f'{round_info["codebook_version"]} ({round_info["codebook_fingerprint"]})\n{text}')
    _print(data, args.json, text)
    return 0


HANDLERS = {"new": cmd_new, "import": cmd_import, "info": cmd_info, "export": cmd_export, "merge": cmd_merge,
            "agreement": cmd_agreement}
for _module in _command_modules():
    HANDLERS.update(_module.HANDLERS)
COMMANDS = tuple(HANDLERS)


def run_gui(argv: Sequence[str]) -> int:
    """Start the desktop app (imports Qt only now)."""
    args = build_gui_parser().parse_args(argv)
    if args.help:
        build_parser().print_help()
        return 0
    from ..gui.app import run

    return run(project=args.project, demo=args.demo, annotator=args.annotator)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `annotator` command."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--segment-worker"]:  # the frozen app started as an import's spaCy worker
        if sys.stdin.isatty():
            print("annotator: --segment-worker is for the app's own use (it talks to an import over a pipe)",
                  file=sys.stderr)
            return EXIT_BAD_INPUT
        from ..nlp.segmenter import serve_worker

        serve_worker()
        return 0
    if argv[:1] == ["--train-worker"]:  # the frozen app started as a suggestions model's training process
        from ..nlp.training import serve_fit

        serve_fit()
        return 0
    if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help")):
        try:
            return run_gui(argv)
        except AnnotatorError as error:
            print(f"annotator: {error}", file=sys.stderr)
            return EXIT_BAD_INPUT
    args = build_parser().parse_args(argv)
    if args.command is None:
        build_parser().print_help()
        return 0
    try:
        return HANDLERS[args.command](args)
    except AnnotatorError as error:
        print(f"annotator {args.command}: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except DAMAGE_ERRORS as error:  # the backstop: a damaged project is one line, never a traceback
        from ..store.database import as_project_error

        print(f"annotator {args.command}: {as_project_error(args.project, error)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # output piped into `head` and closed early
        sys.stderr.close()
        return 0
    except KeyboardInterrupt as stop:  # an import's (ImportInterrupted) says how many files it stored
        said = "interrupted; every file finished before stays imported" if args.command == "import" else \
            "interrupted; nothing was changed"  # every other command writes in one transaction, or only reads
        print(f"annotator {args.command}: {str(stop) or said}", file=sys.stderr)
        return 130
