"""The concordance (queries/analysis/kwic.py): hits of words, regular expressions and codes,
their offsets checked against the text (emoji and no-break space before the hits)."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from annotator.errors import BadInputError
from annotator.ops.exporting import export_project
from annotator.ops.importing import import_paths
from annotator.project import Project
from annotator.queries.analysis import AnalysisCancelled, Scope, kwic

# Written for these tests: emoji (astral) and no-break spaces before hits, a combining accent,
# metadata to filter and group on, and paragraphs split by blank lines and by single line breaks.
TEXTS = {
    "d1": ("Rents doubled \U0001F3E0 in two years.\u00a0The council's tax on workers hurt families. "
           "Critics said the Tax was unfair.\nA second paragraph about taxes and the levy."),
    "d2": "Café owners protested the tax. Taxation is theft, one said.\n\nThe mayor disagreed.",
    "d3": "José\u0301 spoke: \u201cNo tax!\u201d \U0001F44D Then he left. The levy stayed.",
    "d4": "Nothing here about levies, only parks.",
}
META = {
    "d1": {"title": "Rents", "source": "Herald", "date": "2026-03-02", "section": "city"},
    "d2": {"title": "Cafés", "source": "Courier", "date": "2026-04-15", "section": "business"},
    "d3": {"title": "José", "source": "Herald"},
    "d4": {"title": "Parks", "source": "Courier", "date": "2026-04-30"},
}


def _at(doc: str, words: str, nth: int = 0) -> tuple[int, int]:
    text = TEXTS[doc]
    start = -1
    for _ in range(nth + 1):
        start = text.index(words, start + 1)
    return start, start + len(words)


# (document, words, occurrence, layer, label, annotator)
SPANS = [
    ("d1", "council's tax on workers", 0, "Framing", "Economic", "ada"),
    ("d1", "workers hurt families", 0, "Framing", "Quality of life", "ada"),
    ("d1", "tax on workers hurt", 0, "Stance", "Against", "ada"),
    ("d1", "Critics said the Tax was unfair.", 0, "Framing", "Fairness and equality", "ada"),
    ("d1", "the Tax was unfair", 0, "Rhetorical device", "Loaded language", "ada"),
    ("d1", "taxes and the levy", 0, "Framing", "Economic", "ada"),
    ("d1", "council's tax", 0, "Framing", "Economic", "ben"),
    ("d1", "tax on workers hurt", 0, "Rhetorical device", "Exaggeration or minimisation", "ben"),
    ("d2", "protested the tax", 0, "Framing", "Economic", "ada"),
    ("d2", "Taxation is theft", 0, "Rhetorical device", "Slogans", "ada"),
    ("d2", "Taxation is theft", 0, "Stance", "Against", "ada"),
    ("d2", "The mayor disagreed", 0, "Stance", "Favour", "ben"),
    ("d2", "Taxation is theft", 0, "Framing", "Morality", "ben"),
    ("d3", "No tax!", 0, "Framing", "Economic", "ada"),
    ("d3", "No tax!", 0, "Rhetorical device", "Slogans", "ada"),
    ("d3", "The levy stayed", 0, "Framing", "Economic", "ben"),
]


def build_corpus(folder: Path) -> Path:
    """A project imported from a native JSONL file written here (documents above, spans of ada and ben)."""
    records = []
    for doc, text in TEXTS.items():
        spans = []
        for where, words, nth, layer, label, who in SPANS:
            if where == doc:
                start, end = _at(doc, words, nth)
                spans.append({"start": start, "end": end, "layer": layer, "label": label, "annotator": who})
        records.append({"id": doc, "text": text, "meta": META[doc], "spans": spans,
                        "status": {"ada": "done"} if doc == "d1" else {}})
    source = folder / "corpus.jsonl"
    source.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    path = folder / "study.annot"
    with Project.create(path) as project:
        report = import_paths(project, [source])
        assert len(report.imported) == 4, report
    return path


def exported(project: Project, folder: Path) -> list[dict[str, Any]]:
    """The project's native JSONL export, read back as plain dicts."""
    out = folder / "export.jsonl"
    export_project(project, "jsonl", out, save_report=False)
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Project:
    folder = tmp_path_factory.mktemp("kwic")
    project = Project.open(build_corpus(folder))
    yield project
    project.close()


EVERYONE = Scope(everyone=True)


def _doc_id(project: Project, title: str) -> str:
    return project.db.execute("SELECT id FROM documents WHERE title = ?", [title]).fetchone()[0]


def test_word_hits_are_code_points_of_the_text_after_an_emoji_and_a_no_break_space(corpus: Project) -> None:
    result = kwic(corpus, query="tax", scope=EVERYONE, context=20)
    expected = []
    for ident in corpus.documents.ids():
        text = corpus.documents.text(ident)
        expected += [(ident, m.start(), m.end()) for m in re.finditer(r"(?<!\w)tax(?!\w)", text, re.IGNORECASE)]
    assert sorted((h.document_id, h.start, h.end) for h in result.hits) == sorted(expected)
    assert result.total == len(expected) == 4
    rents = _doc_id(corpus, "Rents")
    first = next(h for h in result.hits if h.document_id == rents)
    text = corpus.documents.text(rents)
    assert "\U0001F3E0" in text[: first.start] and "\u00a0" in text[: first.start]
    assert first.start == TEXTS["d1"].index("tax") and text[first.start : first.end] == "tax"
    assert first.match == "tax"
    assert first.left == text[first.start - 20 : first.start]
    assert first.right == text[first.end : first.end + 20]
    assert (first.title, first.source, first.date) == ("Rents", "Herald", "2026-03-02")


def test_case_and_accents_are_ignored_and_combining_marks_stay_with_the_hit(corpus: Project) -> None:
    jose = kwic(corpus, query="jose", scope=EVERYONE).hits
    assert [h.match for h in jose] == ["José\u0301"]
    assert TEXTS["d3"][jose[0].start : jose[0].end] == "José\u0301"
    cafe = kwic(corpus, query="CAFE", scope=EVERYONE).hits
    assert [(h.start, h.end, h.match) for h in cafe] == [(0, 4, "Café")]


def test_wildcard_at_a_word_end_and_phrases(corpus: Project) -> None:
    matches = sorted(h.match for h in kwic(corpus, query="tax*", scope=EVERYONE).hits)
    assert matches == ["Tax", "Taxation", "tax", "tax", "tax", "taxes"]
    phrase = kwic(corpus, query="tax on workers", scope=EVERYONE).hits
    assert [(h.start, h.end) for h in phrase] == [_at("d1", "tax on workers")]


def test_word_queries_find_their_documents_through_the_full_text_index(corpus: Project) -> None:
    statements: list[str] = []
    corpus.db.conn.set_trace_callback(statements.append)
    try:
        kwic(corpus, query="levy", scope=EVERYONE)
    finally:
        corpus.db.conn.set_trace_callback(None)
    assert any("document_search MATCH" in sql for sql in statements)


def test_a_regular_expression_runs_over_the_texts(corpus: Project) -> None:
    result = kwic(corpus, regex=r"[A-Z]\w+ion", scope=EVERYONE)
    assert [(h.match, h.start) for h in result.hits] == [("Taxation", TEXTS["d2"].index("Taxation"))]


@pytest.mark.parametrize("pattern", ["(", "a{2,1}", "[z-a]"])
def test_a_bad_regular_expression_is_one_line(corpus: Project, pattern: str) -> None:
    with pytest.raises(BadInputError, match="regular expression") as caught:
        kwic(corpus, regex=pattern, scope=EVERYONE)
    assert "\n" not in str(caught.value)


def test_a_code_lists_its_segments_as_stored(corpus: Project, tmp_path: Path) -> None:
    records = exported(corpus, tmp_path)
    expected = sorted({(r["id"], s["start"], s["end"]) for r in records for s in r["spans"]
                       if (s["layer"], s["label"], s["annotator"]) == ("Framing", "Economic", "ada")})
    result = kwic(corpus, label=("Framing", "Economic"), scope=Scope(annotator="ada"))
    assert sorted((h.document_id, h.start, h.end) for h in result.hits) == expected
    assert result.total == 4
    for hit in result.hits:
        assert corpus.documents.text(hit.document_id)[hit.start : hit.end] == hit.match
        assert "Framing:Economic" in hit.codes


def test_a_code_overlapping_or_not_another(corpus: Project) -> None:
    ada = Scope(annotator="ada")
    with_stance = kwic(corpus, label=("Framing", "Economic"), overlapping=("Stance", "Against"), scope=ada).hits
    assert [h.match for h in with_stance] == ["council's tax on workers"]
    without = kwic(corpus, label=("Framing", "Economic"), not_overlapping=("Stance", "Against"), scope=ada).hits
    assert sorted(h.match for h in without) == ["No tax!", "protested the tax", "taxes and the levy"]


def test_codes_at_a_hit_are_the_scopes_own(corpus: Project) -> None:
    rents = _doc_id(corpus, "Rents")
    ada = next(h for h in kwic(corpus, query="workers", scope=Scope(annotator="ada")).hits)
    assert ada.codes == ("Framing:Economic", "Framing:Quality of life", "Stance:Against")
    ben = next(h for h in kwic(corpus, query="workers", scope=Scope(annotator="ben")).hits)
    assert ben.document_id == rents and ben.codes == ("Rhetorical device:Exaggeration or minimisation",)


def test_limit_keeps_the_first_hits_and_counts_all(corpus: Project) -> None:
    result = kwic(corpus, query="tax*", scope=EVERYONE, limit=2)
    assert result.total == 6 and len(result.hits) == 2
    assert [h.title for h in result.hits] == ["Rents", "Rents"]


def test_sorting_by_the_word_right_and_left_of_the_match(corpus: Project) -> None:
    right = kwic(corpus, query="tax", scope=EVERYONE, sort="right").hits
    following = [re.findall(r"\w+", corpus.documents.text(h.document_id)[h.end :])[0].casefold() for h in right]
    assert following == sorted(following)
    left = kwic(corpus, query="tax", scope=EVERYONE, sort="left").hits
    before = [re.findall(r"\w+", corpus.documents.text(h.document_id)[: h.start])[-1].casefold() for h in left]
    assert before == sorted(before)
    by_date = kwic(corpus, query="levy", scope=EVERYONE, sort="date").hits
    assert [h.title for h in by_date] == ["Rents", "José"]  # the undated one last


def test_metadata_and_status_filters(corpus: Project) -> None:
    herald = kwic(corpus, query="tax", scope=Scope(everyone=True, where=(("source", "Herald"),)))
    assert {h.title for h in herald.hits} == {"Rents", "José"}
    section = kwic(corpus, query="tax", scope=Scope(everyone=True, where=(("section", "business"),)))
    assert {h.title for h in section.hits} == {"Cafés"}
    april = kwic(corpus, query="tax", scope=Scope(everyone=True, date_from="2026-04", date_to="2026-04-30"))
    assert {h.title for h in april.hits} == {"Cafés"}
    done = kwic(corpus, query="tax", scope=Scope(annotator="ada", statuses=("done",)))
    assert {h.title for h in done.hits} == {"Rents"}


@pytest.mark.parametrize(("arguments", "message"), [
    ({"query": "tax", "scope": Scope(annotator="zed")}, 'no annotator "zed"'),
    ({"label": ("Nope", "Economic"), "scope": EVERYONE}, 'no layer "Nope"'),
    ({"label": ("Framing", "Nope"), "scope": EVERYONE}, 'layer "Framing" has no label "Nope"'),
    ({"query": "tax", "scope": Scope(everyone=True, where=(("outlet_code", "x"),))},
     'no document has the metadata key "outlet_code"'),
    ({"query": "tax", "scope": Scope()}, "exactly one of"),
    ({"query": "tax", "scope": Scope(gold=True)}, "no gold set"),
    ({"query": "...", "scope": EVERYONE}, "holds no word"),
    ({"query": "tax", "scope": Scope(everyone=True, where=(("source", "Nobody"),))}, "no document matches"),
    ({"label": ("Dominant frame", "Economic"), "scope": EVERYONE}, "labels whole documents"),
])
def test_bad_input_is_one_line_naming_the_problem(corpus: Project, arguments: dict[str, Any], message: str) -> None:
    with pytest.raises(BadInputError, match=re.escape(message)) as caught:
        kwic(corpus, **arguments)
    assert "\n" not in str(caught.value)


def test_an_empty_project_is_refused(tmp_path: Path) -> None:
    with Project.create(tmp_path / "empty.annot") as project:
        with pytest.raises(BadInputError, match="no documents"):
            kwic(project, query="tax", scope=EVERYONE)


def test_cancel_is_polled_between_documents(corpus: Project) -> None:
    asked = []

    def cancelled() -> bool:
        asked.append(1)
        return len(asked) > 1

    with pytest.raises(AnalysisCancelled, match="cancelled"):
        kwic(corpus, regex=r"(a+)+$", scope=EVERYONE, cancelled=cancelled)


def test_reading_changes_nothing_in_the_project_file(tmp_path: Path) -> None:
    path = build_corpus(tmp_path)
    with Project.open(path) as project:
        project.documents.index_for_search()
    before = path.read_bytes()
    with Project.open(path, readonly=True) as project:
        kwic(project, query="tax", scope=EVERYONE)
        kwic(project, label=("Framing", "Economic"), scope=EVERYONE)
    assert path.read_bytes() == before
    assert sqlite3.connect(path).execute("PRAGMA quick_check").fetchone()[0] == "ok"


def test_words_need_no_annotator_yet(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Fresh import.\u00a0Nobody has coded the tax yet \U0001F600.", encoding="utf-8")
    with Project.create(tmp_path / "fresh.annot") as project:
        import_paths(project, [tmp_path / "a.txt"])
        hits = kwic(project, query="tax", scope=EVERYONE).hits
        assert [(h.match, h.codes) for h in hits] == [("tax", ())]
        with pytest.raises(BadInputError, match="no annotators yet"):
            kwic(project, label=("Framing", "Economic"), scope=EVERYONE)
