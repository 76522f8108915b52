"""JSON Lines import: native, doccano and Prodigy records, offsets and refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.errors import BadInputError
from annotator.formats.base import MAX_DOCUMENT_CHARS, ReadOptions
from annotator.formats.readers import read_documents

SPAN_ID = "0b9d6c1e-4a7f-4c55-9d1e-2f3a4b5c6d7e"
LABEL_ID = "5e0c2d44-8a61-4b7e-a0c3-6f1b2d3e4f50"
DOC_ID = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
# Emoji (astral), e + combining acute, non-breaking space, CRLF.
TEXT = "Mayor Rene\u0301e Dubois 🎉 hailed the\u00a0plan.\r\nCritics called it a giveaway."


def write_lines(folder: Path, name: str, records: list[object | str]) -> Path:
    """Write one JSON value (or a raw line given as a string) per line."""
    lines = [record if isinstance(record, str) else json.dumps(record) for record in records]
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def refused(path: Path, **kwargs: object) -> BadInputError:
    """Read `path`, expecting a refusal, and return the error."""
    with pytest.raises(BadInputError) as caught:
        read_documents(path, **kwargs)  # type: ignore[arg-type]
    return caught.value


def offsets_of(text: str, part: str) -> tuple[int, int]:
    """Start and end of `part` in `text`."""
    start = text.index(part)
    return start, start + len(part)


def test_native_record_with_meta_spans_and_labels(tmp_path: Path) -> None:
    start, end = offsets_of(TEXT, "Critics called it a giveaway")
    emoji_start, emoji_end = offsets_of(TEXT, "Rene\u0301e Dubois 🎉")
    record = {
        "id": DOC_ID,
        "text": TEXT,
        "meta": {"title": "Harbour plan", "outlet": "The Coastal Herald", "date": "2024-03-05",
                 "author": "Jane Example", "url": "https://herald.example.org/h", "language": "en",
                 "section": "local", "wordcount": 12},
        "spans": [
            {"start": start, "end": end, "layer": "Stance", "label": "Against",
             "annotator": "ana", "attributes": {"intensity": 2}, "note": "sarcastic?",
             "id": SPAN_ID},
            {"start": emoji_start, "end": emoji_end, "label": "Actor"},
        ],
        "labels": [{"layer": "Framing", "label": "Economic", "annotator": "ana",
                    "attributes": {"confidence": "high"}, "id": LABEL_ID}],
    }
    [document] = read_documents(write_lines(tmp_path, "corpus.jsonl", [record]))
    assert document.text == TEXT.replace("\r\n", "\n")
    assert document.id == DOC_ID
    assert (document.title, document.source, document.date, document.author) == (
        "Harbour plan", "The Coastal Herald", "2024-03-05", "Jane Example")
    assert (document.url, document.language) == ("https://herald.example.org/h", "en")
    assert document.extra == {"section": "local", "wordcount": 12}
    stance, actor = document.spans
    assert document.text[stance.start : stance.end] == "Critics called it a giveaway"
    assert (stance.layer, stance.label, stance.annotator) == ("Stance", "Against", "ana")
    assert (stance.attributes, stance.note, stance.id) == ({"intensity": 2}, "sarcastic?", SPAN_ID)
    assert document.text[actor.start : actor.end] == "Rene\u0301e Dubois 🎉"
    assert (actor.layer, actor.annotator, actor.id) == (None, None, None)
    [label] = document.labels
    assert (label.layer, label.label, label.annotator, label.id) == (
        "Framing", "Economic", "ana", LABEL_ID)
    assert document.origin == f"{tmp_path / 'corpus.jsonl'}, line 1"


def test_crlf_spans_still_cover_the_same_characters(tmp_path: Path) -> None:
    text = "First\r\nline 🎉\u00a0two\r\n\r\nThird Rene\u0301e"
    parts = ["line 🎉\u00a0two", "Third Rene\u0301e", "First\r\nline", "two\r\n\r\nThird"]
    spans = [dict(zip(("start", "end"), offsets_of(text, part)), label="X") for part in parts]
    [document] = read_documents(write_lines(tmp_path, "crlf.jsonl", [{"text": text, "spans": spans}]))
    covered = [document.text[span.start : span.end] for span in document.spans]
    assert covered == [part.replace("\r\n", "\n") for part in parts]


def test_doccano_sequence_labels_entities_and_metadata(tmp_path: Path) -> None:
    text = "Jane Example met Rene\u0301e in Paris 🎉."
    records = [
        {"id": 42, "text": text, "label": [[0, 12, "PER"], [17, 23, "PER"]],
         "source": "wire", "Comments": []},
        {"text": text, "entities": [{"id": 7, "start_offset": 27, "end_offset": 32,
                                     "label": "LOC"}], "relations": []},
        {"text": text, "label": ["positive", "politics"]},
    ]
    first, second, third = read_documents(write_lines(tmp_path, "doccano.jsonl", records))
    assert [first.text[s.start : s.end] for s in first.spans] == ["Jane Example", "Rene\u0301e"]
    assert first.source == "wire"
    assert first.extra == {"id": 42}
    assert [(s.label, second.text[s.start : s.end]) for s in second.spans] == [("LOC", "Paris")]
    assert second.spans[0].id is None  # doccano's numeric ids are not kept
    assert [label.label for label in third.labels] == ["positive", "politics"]
    assert third.spans == []


def test_prodigy_spans_meta_and_rejected_answers(tmp_path: Path) -> None:
    text = "The minister\u00a0said 🎉 no."
    records = [
        {"text": text, "spans": [{"start": 4, "end": 12, "label": "ACTOR", "token_start": 1,
                                  "token_end": 1}],
         "meta": {"source": "Daily Example"}, "_input_hash": 1, "_task_hash": 2,
         "answer": "accept"},
        {"text": "Rejected text", "spans": [], "_input_hash": 3, "answer": "reject"},
        "",
        {"image": "skipped.png", "_input_hash": 4, "answer": "ignore"},
    ]
    path = write_lines(tmp_path, "prodigy.jsonl", records)
    [document] = read_documents(path, options=ReadOptions(default_annotator="prodigy-user"))
    [span] = document.spans
    assert document.text[span.start : span.end] == "minister"
    assert (span.label, span.layer, span.annotator) == ("ACTOR", None, "prodigy-user")
    assert document.source == "Daily Example"
    assert "_input_hash" not in document.extra


def test_all_lines_rejected_is_refused(tmp_path: Path) -> None:
    path = write_lines(tmp_path, "none.jsonl", [{"text": "x", "answer": "reject"}])
    assert refused(path).problem == 'has no documents to import (1 answered "reject" or "ignore")'


def test_blank_lines_are_skipped_and_lines_counted(tmp_path: Path) -> None:
    path = write_lines(tmp_path, "gaps.jsonl", ["", {"text": "one"}, "   ", {"text": "two"}])
    first, second = read_documents(path)
    assert (first.origin, second.origin) == (f"{path}, line 2", f"{path}, line 4")


def test_malformed_json_line_names_file_and_line(tmp_path: Path) -> None:
    path = write_lines(tmp_path, "bad.jsonl", [{"text": "fine"}, "", '{"text": "broken",}'])
    error = refused(path)
    assert (error.path, error.line) == (str(path), 3)
    assert str(error).startswith(f"{path}, line 3: is not valid JSON")


WHOLE_NUMBERS = "both must be whole numbers"


@pytest.mark.parametrize(
    ("start", "end", "problem"),
    [
        (5, 99, "span 1 (5–99, label X) ends after the text (10 characters)"),
        (6, 3, "span 1 (6–3, label X) does not end after it starts"),
        (4, 4, "span 1 (4–4, label X) does not end after it starts"),
        (-1, 3, "span 1 (-1–3, label X) starts before the text"),
        ("1", 3, f'span 1 (label X) has offsets "1" and 3; {WHOLE_NUMBERS}'),
        (True, 3, f"span 1 (label X) has offsets true and 3; {WHOLE_NUMBERS}"),
        (1.5, 3, f"span 1 (label X) has offsets 1.5 and 3; {WHOLE_NUMBERS}"),
    ],
)
def test_bad_span_offsets_refuse_the_whole_file(
    tmp_path: Path, start: object, end: object, problem: str
) -> None:
    span = {"start": start, "end": end, "label": "X"}
    records = [{"text": "ok text"}, {"text": "0123456789", "spans": [span]}]
    error = refused(write_lines(tmp_path, "spans.jsonl", records))
    assert (error.line, error.problem) == (2, problem)


@pytest.mark.parametrize(
    ("span", "problem"),
    [
        ({"start": 1, "end": 3}, "span 1 has no label name"),
        ({"start": 1, "end": 3, "label": "X", "id": "s-1"}, 'span 1 has id "s-1", which is not a UUID'),
    ],
)
def test_bad_span_fields_are_refused(tmp_path: Path, span: dict[str, object], problem: str) -> None:
    error = refused(write_lines(tmp_path, "spans.jsonl", [{"text": "0123456789", "spans": [span]}]))
    assert (error.line, error.problem) == (1, problem)




def test_doccano_span_outside_the_text_is_refused(tmp_path: Path) -> None:
    path = write_lines(tmp_path, "d.jsonl", [{"text": "short", "label": [[0, 2, "A"], [3, 12, "B"]]}])
    assert refused(path).problem == "span 2 (3–12, label B) ends after the text (5 characters)"


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('["not", "an", "object"]', "is not a JSON object but an array"),
        ('{"title": "no text"}', 'has no "text" string'),
        ('{"text": "  \\n "}', 'has an empty "text"'),
        ('{"text": "x", "spans": {"start": 0}}', '"spans" is an object, not a JSON array'),
        ('{"text": "x", "meta": "m"}', '"meta" is a string, not a JSON object'),
    ],
)
def test_records_of_the_wrong_shape_are_refused(tmp_path: Path, line: str, problem: str) -> None:
    error = refused(write_lines(tmp_path, "shape.jsonl", [line]))
    assert (error.line, error.problem) == (1, problem)


def test_json_array_file_is_read_record_by_record(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text(json.dumps([{"text": "one 🎉"}, {"text": "two", "label": [[0, 9, "X"]]}]),
                    encoding="utf-8")
    assert refused(path).problem == "record 2: span 1 (0–9, label X) ends after the text (3 characters)"
    path.write_text(json.dumps([{"text": "one 🎉"}]), encoding="utf-8")
    [document] = read_documents(path)
    assert document.text == "one 🎉" and document.origin == f"{path}, record 1"


def test_pretty_printed_json_record_and_json_lines_named_json(tmp_path: Path) -> None:
    single = tmp_path / "one.json"
    single.write_text(json.dumps({"text": "Rene\u0301e 🎉", "meta": {"title": "T"}}, indent=2),
                      encoding="utf-8")
    [document] = read_documents(single)
    assert (document.text, document.title) == ("Rene\u0301e 🎉", "T")
    lines = write_lines(tmp_path, "lines.json", [{"text": "one"}, {"text": "two"}])
    assert [d.text for d in read_documents(lines)] == ["one", "two"]


def test_default_layer_and_annotator_fill_gaps_only(tmp_path: Path) -> None:
    record = {"text": "Some text", "spans": [{"start": 0, "end": 4, "label": "A"},
                                            {"start": 5, "end": 9, "label": "B", "layer": "L",
                                             "annotator": "bo"}]}
    [document] = read_documents(write_lines(tmp_path, "d.jsonl", [record]),
                                options=ReadOptions(default_annotator="ana", default_layer="Stance"))
    assert [(s.layer, s.annotator) for s in document.spans] == [("Stance", "ana"), ("L", "bo")]


def test_over_long_text_names_its_line(tmp_path: Path) -> None:
    path = write_lines(tmp_path, "long.jsonl", [{"text": "a"}, {"text": "b" * (MAX_DOCUMENT_CHARS + 1)}])
    error = refused(path)
    assert error.line == 2 and "has 1,000,001 characters" in error.problem


def test_line_separator_inside_a_json_string_is_not_a_line_break(tmp_path: Path) -> None:
    path = tmp_path / "u2028.jsonl"
    path.write_text('{"text": "before\u2028after"}\n', encoding="utf-8")
    [document] = read_documents(path)
    assert document.text == "before\u2028after"
