"""Whom the review compares by default: the annotators who coded each document."""

from __future__ import annotations

from annotator.model import Role, Status
from annotator.ops import curation
from annotator.queries.review_scope import ReviewScope, coders, coders_by_document
from annotator.project import Project
from tests.conftest import SAMPLE_TEXT


def _docs(project: Project) -> tuple[str, str]:
    ids = project.documents.ids()
    first = next(i for i in ids if project.documents.text(i) == SAMPLE_TEXT)
    return first, next(i for i in ids if i != first)


def test_the_coders_of_a_document_are_who_annotated_it_or_marked_it(project: Project) -> None:
    first, second = _docs(project)
    project.annotators.ensure("cat")  # joined the project, never opened either document
    project.annotators.ensure("dee")
    project.annotators.ensure("curator", Role.CURATOR)
    start = SAMPLE_TEXT.index("robbery")
    project.annotations.add(first, "ben", "Framing", "Economic", start, start + 7)
    project.annotations.add(first, "ada", "Framing", "Political", start, start + 7)
    project.status.set(first, "dee", Status.DONE)  # done with nothing marked: a coding
    project.status.set(second, "cat", Status.NOT_STARTED)  # opened and left: not a coding
    curation.accept(project, first, project.annotations.for_document(first, "ada")[0].id)
    assert coders(project, first) == ["ada", "ben", "dee"]  # project order; never the curator
    assert coders(project, second) == []
    assert coders_by_document(project, [second, first]) == {second: [], first: ["ada", "ben", "dee"]}


def test_comparing_the_coders_flags_no_missing_for_annotators_who_never_came(project: Project) -> None:
    first, _second = _docs(project)
    project.annotators.ensure("cat")
    start = SAMPLE_TEXT.index("robbery")
    for name in ("ada", "ben"):
        project.annotations.add(first, name, "Framing", "Economic", start, start + 7)
    everyone = [a.name for a in project.annotators.list()]
    assert [d.kind for d in curation.disagreements(project, first, everyone)] == ["missing"]  # cat's
    compared = ReviewScope().compared(project, first)
    assert compared == ["ada", "ben"]
    assert curation.disagreements(project, first, compared) == []


def test_a_chosen_scope_is_kept_as_text_and_read_back(project: Project) -> None:
    first, _second = _docs(project)
    scope = ReviewScope(("ben", "ada", "Zoe\u0301 🙂"))
    assert not scope.by_coders and ReviewScope().by_coders
    assert ReviewScope.from_text(scope.to_text()) == scope
    assert ReviewScope.from_text(ReviewScope().to_text()) == ReviewScope()
    assert scope.compared(project, first) == ["ben", "ada"]  # an annotator the project lacks is left out
    for damaged in ("", "chosen:", "chosen:{", 'chosen:{"a": 1}', "chosen:[1, 2]", "something else"):
        assert ReviewScope.from_text(damaged) == ReviewScope()

