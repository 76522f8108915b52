"""Merging a large colleague's project into one that shares a tenth of its documents."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from annotator.ops.merge import merge_project
from annotator.project import Project

from .synthetic import build_project, make_articles, spread_spans


def bench_merge(documents: int = 10_000, annotations: int = 200_000) -> dict[str, Any]:
    """Time merging a project of `documents` documents and `annotations` annotations into
    another that shares a tenth of its documents (target: under 10 s), then merging it again."""
    with tempfile.TemporaryDirectory() as folder:
        theirs, ours = Path(folder) / "theirs.annot", Path(folder) / "ours.annot"
        started = time.perf_counter()
        texts = make_articles(documents, chars=600, seed=3)
        build_project(theirs, texts, annotators=["ben"], spans=spread_spans("ben", annotations, documents, seed=11),
                      seed=11)
        shared = max(1, documents // 10)
        build_project(ours, texts[:shared], spans=spread_spans("ada", annotations // 10, shared, seed=12), seed=12)
        built = time.perf_counter() - started
        with Project.open(ours) as project:
            first = merge_project(project, theirs)
            second = merge_project(project, theirs)
            total = project.annotations.count()
        return {
            "documents": documents, "annotations": annotations, "build_s": round(built, 2),
            "other_file_mb": round(theirs.stat().st_size / 1e6, 1),
            "merge_s": round(first.seconds, 2), "merge_again_s": round(second.seconds, 2),
            "documents_added": first.documents.added, "documents_matched": first.documents.skipped,
            "annotations_added": first.annotations.added, "annotations_after": total,
            "second_merge_changed": second.changed, "target_s": 10.0,
        }
