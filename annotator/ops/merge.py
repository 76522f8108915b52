"""Merge a colleague's project file into this one, in one transaction, never writing theirs.

Matching rules (what "the same" means):

- documents by the SHA-256 of their text (a new one is copied with its metadata and its
  stored tokens and sentences, so no spaCy is needed);
- annotators by name, after `annotator_map` renames theirs ({"Ann": "ann.smith"});
- codebook labels by (layer, label), after `label_map`; labels their annotations use and
  ours lacks are added (and listed) or, with `add_unknown_labels=False`, the merge is refused;
- annotations and comments by id: same id and same content is skipped; same id and other
  content is a conflict (listed, ours kept, never overwritten); a new id is added, pointing
  at our copy of the document;
- document status per (document, annotator): the more advanced one wins
  (not started < in progress < done), since either copy can only be behind, and a
  "done" declared in either copy is the annotator's own word;
- curation log entries by (at, curator, source annotation, gold annotation, decision).
- a reliability study's draws, assignments and rounds (ops/merge_study.py): assignments by
  (document, annotator) as above, rounds by name.
- relations by id (ops/merge_relations.py), their ends through the merged annotations' ids; one
  whose ends did not arrive or that our codebook's rule forbids is listed as invalid.
- suggestion models by id (ops/merge_models.py): row and weights carried, never loaded while
  merging; of one layer's and source's active models the newer stays active.

Merging the same file twice changes nothing the second time (not even the audit log).
The project's undo history is cleared after a merge, as after an import.

Their file is an import from someone else, so it meets an import's limits and checks first,
on a connection of its own (`open_other`): SQLite's integrity check, no text over
MAX_DOCUMENT_CHARS, ids that are UUIDs, and (for each document copied) token and sentence
offsets that are sorted, non-empty and inside the text. Any failure refuses the whole file
in one line naming it; the project is unchanged. A damaged file of theirs is said to be
theirs to replace (its owner has the intact copy): no rolling backup of it exists here.
A project file open in this process (ours or another, or its -wal/-shm) is refused before
anything touches it: on POSIX, closing any descriptor of a file drops every lock SQLite
holds on it.

How: their file is attached to our connection read-only (`attached_other`) and checked;
annotations nothing else can affect are copied by one INSERT … SELECT through temporary
id-mapping tables, identical ones are counted in SQL, and only the rest (conflicts,
duplicates, damaged rows, overlap and one-label rules) are judged row by row in Python,
in their file's order, so the outcome is the one of judging every row that way.

One annotator's work can also travel as a small JSONL package, without a project file:
`annotator export THEIRS.annot --annotator NAME --out pkg.jsonl` writes their documents
with that annotator's spans and labels (with their ids), and `annotator import
OURS.annot pkg.jsonl` matches the texts by hash and adds the annotations whose ids we do
not have yet (re-importing the package adds nothing).

Where each part lives (this module runs a merge from end to end and is the one to import):
`merge_checks` (what their file must pass), `merge_read` (opening, attaching and mapping
it), `merge_apply` (the codebook, annotators, documents, statuses, comments and curation
log), `merge_annotations` (the annotations, in bulk and row by row), `merge_study` (draws,
assignments and rounds), `merge_models` (suggestion models), `merge_relations`
(relations), `merge_report`.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from ..errors import AnnotatorError
from ..project import Project
from ..project.history import now
from ..store.database import explain_sqlite_error
from .merge_annotations import copy_annotations
from .merge_apply import Merger, MergeRefused
from .merge_checks import check_target
from .merge_read import OTHER, LabelKey, attached_other, open_other, read_other, suggest_annotator_map, unknown_labels
from .merge_report import Conflict, MergeReport, Tally
from .merge_models import copy_models
from .merge_relations import copy_relations
from .merge_study import copy_study

Progress = Callable[[int, int, str], None]
_PHASES = ("reading", "codebook", "annotators", "documents", "annotations", "status", "comments", "curation log",
           "assignments and rounds", "models", "relations")


class MergeCancelled(AnnotatorError):
    """The merge was cancelled; the project is unchanged."""


def merge_description(other_path: str | Path) -> str:
    """How the Undo menu names a merge it cannot go back past ("merge of colleague.annot")."""
    return f"merge of {Path(other_path).name}"


def merge_project(
    project: Project,
    other_path: str | Path,
    annotator_map: dict[str, str] | None = None,
    label_map: dict[LabelKey, LabelKey] | None = None,
    add_unknown_labels: bool = True,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> MergeReport:
    """Merge another project file into `project` in one transaction (see the module docstring)."""
    started = time.perf_counter()
    other_path = Path(other_path)
    check_target(project, other_path)
    steps = iter(range(len(_PHASES)))

    def tick(phase: str) -> None:
        if cancelled is not None and cancelled():
            raise MergeCancelled("merge cancelled; the project is unchanged")
        if progress is not None:
            progress(next(steps), len(_PHASES), phase)

    tick("reading")
    conn = project.db.conn
    with attached_other(conn, other_path) as other:
        report = MergeReport(str(other_path))
        merger = Merger(project, other, report, dict(annotator_map or {}), dict(label_map or {}),
                        add_unknown_labels)
        cache = conn.execute("PRAGMA cache_size").fetchone()[0]
        temp_store = conn.execute("PRAGMA temp_store").fetchone()[0]
        conn.execute("PRAGMA cache_size = -131072")  # 128 MiB while merging: index writes stay in memory
        conn.execute("PRAGMA temp_store = MEMORY")  # the merge's temporary tables and sorts
        try:
            with project.db.atomic():
                merger.create_tables()
                for phase, action in zip(_PHASES[1:], (merger.codebook, merger.annotators, merger.copy_documents,
                                                       partial(copy_annotations, merger), merger.statuses,
                                                       merger.copy_comments, merger.copy_curation,
                                                       partial(copy_study, merger), partial(copy_models, merger),
                                                       partial(copy_relations, merger))):
                    tick(phase)
                    action()
                if cancelled is not None and cancelled():
                    raise MergeCancelled("merge cancelled; the project is unchanged")
                merger.drop_tables()
                if report.changed:
                    project.db.execute(
                        "INSERT INTO audit_log (at, actor, action, target, detail) "
                        "VALUES (?, 'merge', 'merge project', ?, ?)",
                        [now(), str(other_path), json.dumps(report.counts(), ensure_ascii=False)])
        except sqlite3.Error as error:
            raise explain_sqlite_error(project.path, error) from error
        finally:
            conn.execute(f"PRAGMA cache_size = {int(cache)}")
            conn.execute(f"PRAGMA temp_store = {int(temp_store)}")
            project.codebook.invalidate()
    if report.documents.added:
        project.documents.index_for_search()
    if report.changed:
        project.history.set_barrier(merge_description(other_path), actor="merge")
    if progress is not None:
        progress(len(_PHASES), len(_PHASES), "")
    report.seconds = time.perf_counter() - started
    return report


# The names the command line, the GUI and the tests import from here, wherever they live.
__all__ = ["OTHER", "Conflict", "LabelKey", "MergeCancelled", "MergeRefused", "MergeReport", "Progress", "Tally",
           "attached_other", "merge_description", "merge_project", "open_other", "read_other", "suggest_annotator_map",
           "unknown_labels"]
