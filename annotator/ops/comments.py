"""Comment threads on annotations ("why Conflict here?"): each change one audited transaction
and one undo step of the person who made it (the author, for a new comment)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from ..errors import AnnotationError, AnnotatorError
from ..project import Project
from ..project.history import Operation, RowChange, now

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
_COLUMNS = ("id", "annotation_id", "author", "body", "created_at")


def _quoted(body: str) -> str:
    """The start of a comment, quoted, to name its undo step."""
    line = " ".join(body.split())
    return f'"{line if len(line) <= 40 else line[:39] + "…"}"'


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
    row = dict(zip(_COLUMNS, (ident, annotation_id, author, body, now())))
    operation = Operation(f"comment {_quoted(body)}", author, (RowChange("comments", (ident,), None, row),))
    with project.history.transaction():
        project.history.apply(operation)
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
    """Remove one comment (the audit log keeps its text and who removed it); one undo step of `actor`."""
    found = project.db.execute(f"SELECT {', '.join(_COLUMNS)} FROM comments WHERE id = ?", [comment_id]).fetchone()
    if found is None:
        raise AnnotatorError(f"no comment with id {comment_id}")
    row = dict(zip(_COLUMNS, found))
    who = actor or row["author"]
    change = RowChange("comments", (comment_id,), row, None)
    operation = Operation(f"delete comment {_quoted(row['body'])}", who, (change,))
    with project.history.transaction():
        project.history.apply(operation)
        _audit(project, who, "delete comment", row["annotation_id"],
               {"comment": comment_id, "author": row["author"], "body": row["body"]})


def _audit(project: Project, actor: str, action: str, target: str, detail: dict[str, str]) -> None:
    project.db.execute(
        "INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
        [now(), actor, action, target, json.dumps(detail, ensure_ascii=False)],
    )
