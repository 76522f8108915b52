"""Comment threads on annotations ("why Conflict here?"): each change one audited transaction."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from ..errors import AnnotationError, AnnotatorError
from ..project import Project
from ..project.history import now

MAX_BODY = 10_000


@dataclass(frozen=True, slots=True)
class Comment:
    """One message in the thread of an annotation."""

    id: str
    annotation_id: str
    author: str
    body: str
    created_at: str


_SELECT = "SELECT comments.id, comments.annotation_id, comments.author, comments.body, comments.created_at FROM comments"
_ORDER = "ORDER BY comments.created_at, comments.rowid"


def add_comment(project: Project, annotation_id: str, author: str, body: str) -> str:
    """Add a comment to an annotation's thread; returns the comment's id."""
    author, body = author.strip(), body.strip()
    if not author:
        raise AnnotatorError("a comment needs an author")
    if not body:
        raise AnnotatorError("a comment needs some text")
    if len(body) > MAX_BODY:
        raise AnnotatorError(f"a comment holds at most {MAX_BODY:,} characters, not {len(body):,}")
    if not project.annotations.exists(annotation_id):
        raise AnnotationError(f"no annotation with id {annotation_id}")
    ident = str(uuid.uuid4())
    stamp = now()
    with project.db.atomic():
        project.db.execute(
            "INSERT INTO comments (id, annotation_id, author, body, created_at) VALUES (?, ?, ?, ?, ?)",
            [ident, annotation_id, author, body, stamp],
        )
        _audit(project, author, "comment", annotation_id, {"comment": ident, "body": body})
    return ident


def list_comments(project: Project, annotation_id: str) -> list[Comment]:
    """The thread of one annotation, oldest first."""
    rows = project.db.execute(f"{_SELECT} WHERE annotation_id = ? {_ORDER}", [annotation_id])
    return [Comment(*row) for row in rows]


def comments_for_document(project: Project, document_id: str) -> dict[str, list[Comment]]:
    """annotation id → its thread (oldest first), for every commented annotation of a document."""
    rows = project.db.execute(
        f"{_SELECT} JOIN annotations ON annotations.id = comments.annotation_id "
        f"WHERE annotations.document_id = ? {_ORDER}",
        [document_id],
    )
    threads: dict[str, list[Comment]] = {}
    for row in rows:
        comment = Comment(*row)
        threads.setdefault(comment.annotation_id, []).append(comment)
    return threads


def delete_comment(project: Project, comment_id: str, actor: str = "") -> None:
    """Remove one comment (the audit log keeps its text and who removed it)."""
    row = project.db.execute("SELECT annotation_id, author, body FROM comments WHERE id = ?", [comment_id]).fetchone()
    if row is None:
        raise AnnotatorError(f"no comment with id {comment_id}")
    with project.db.atomic():
        project.db.execute("DELETE FROM comments WHERE id = ?", [comment_id])
        _audit(project, actor or row[1], "delete comment", row[0],
               {"comment": comment_id, "author": row[1], "body": row[2]})


def _audit(project: Project, actor: str, action: str, target: str, detail: dict[str, str]) -> None:
    project.db.execute(
        "INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
        [now(), actor, action, target, json.dumps(detail, ensure_ascii=False)],
    )
