"""Codebook rule patterns: read from the TOML codebook (a bad one named with its label and
line), stored in the project, and matched on a document's stored tokens."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.codebooks import codebook_to_toml, load_bundled, parse_codebook
from annotator.errors import CodebookError
from annotator.nlp.rules import compile_rules
from annotator.nlp.segmentation import Segmentation
from annotator.project import Project

CODEBOOK = '''name = "rules-test"
version = 1

[[layers]]
name = "Framing"
granularity = "token"

[[layers.labels]]
name = "Economic"
key = "e"
examples = ["the new levy", "cost of living"]
patterns = [
    "cost of living",
    '[{"LOWER": "tax"}, {"LOWER": {"IN": ["cut", "cuts"]}}]',
]

[[layers.labels]]
name = "Health"
key = "h"
patterns = ["hospital"]

[[layers]]
name = "Sentences"
granularity = "sentence"

[[layers.labels]]
name = "Money"
patterns = ["tax"]
'''

# Written for these tests: an emoji (astral) and a combining accent before the matches.
TEXT = "Jos\u00e9\u0301 \U0001F621 said the Cost of Living rose. A tax cut, not a taxi! Hospitals: a hospital."


def segmentation_of(text: str) -> Segmentation:
    """The tokens and sentences an import would store, from spaCy's blank English pipeline."""
    from annotator.nlp import pipeline

    doc = pipeline("en")(text)
    tokens = [(t.idx, t.idx + len(t.text)) for t in doc if not t.is_space]
    sentences = [(s.start_char, s.end_char) for s in doc.sents]
    return Segmentation.from_pairs(tokens, sentences)


def test_patterns_are_read_from_the_codebook_file_and_written_back() -> None:
    book = parse_codebook(CODEBOOK, "rules.toml")
    economic = book.layer("Framing").label("Economic")
    assert economic.patterns == ("cost of living", '[{"LOWER": "tax"}, {"LOWER": {"IN": ["cut", "cuts"]}}]')
    again = parse_codebook(codebook_to_toml(book), "again.toml")
    assert again == book


def test_the_shipped_codebook_carries_patterns() -> None:
    framing = load_bundled("news-discourse").layer("Framing")
    assert framing.label("Economic").patterns
    assert framing.label("Health and safety").patterns


@pytest.mark.parametrize(
    ("bad", "said"),
    [
        ('[{"LOWR": "tax"}]', '"LOWR" is not a spaCy token attribute (did you mean "LOWER"?)'),
        ('[{"LOWER": "tax"', "is not valid JSON"),
        ('[{"LOWER": "tax", "OP": "++"}]', 'operator "++" is not one of'),
        ('["tax"]', "must be an array of token objects"),
    ],
)
def test_a_pattern_that_does_not_parse_is_named_with_its_label_and_line(bad: str, said: str) -> None:
    text = CODEBOOK.replace("    '[{\"LOWER\": \"tax\"}, {\"LOWER\": {\"IN\": [\"cut\", \"cuts\"]}}]',",
                            f"    '{bad}',")
    assert bad in text
    line = text.splitlines().index(f"    '{bad}',") + 1
    with pytest.raises(CodebookError) as raised:
        parse_codebook(text, "rules.toml")
    message = str(raised.value)
    assert message.startswith(f'rules.toml, line {line}: layer "Framing", label "Economic": ')
    assert said in message
    assert "\n" not in message


def test_a_bad_pattern_on_one_line_array_is_named_at_that_line() -> None:
    text = CODEBOOK.replace('patterns = ["hospital"]', 'patterns = ["hospital", \'[{"TEXT": {"REGX": "x"}}]\']')
    line = next(number for number, row in enumerate(text.splitlines(), 1) if "REGX" in row)
    with pytest.raises(CodebookError, match=rf'^rules.toml, line {line}: layer "Framing", label "Health": .*"REGX"'):
        parse_codebook(text, "rules.toml")


def test_phrases_match_whole_tokens_ignoring_case_and_token_patterns_match() -> None:
    book = parse_codebook(CODEBOOK, "rules.toml")
    layer = book.layer("Framing")
    rules = compile_rules("en", [(label.name, label.patterns) for label in layer.labels])
    assert rules.problems == []
    matches = rules.match(TEXT, segmentation_of(TEXT), "token")
    found = [(TEXT[m.start:m.end], m.label, m.pattern) for m in matches]
    assert found == [
        ("Cost of Living", "Economic", "cost of living"),
        ("tax cut", "Economic", '[{"LOWER": "tax"}, {"LOWER": {"IN": ["cut", "cuts"]}}]'),
        ("hospital", "Health", "hospital"),
    ]  # not "taxi", not "Hospitals": whole tokens only
    assert matches[0].start == TEXT.index("Cost")  # code points, after the emoji


def test_a_sentence_layer_suggests_whole_sentences() -> None:
    rules = compile_rules("en", [("Money", ("tax",))])
    (match,) = rules.match(TEXT, segmentation_of(TEXT), "sentence")
    assert TEXT[match.start:match.end] == "A tax cut, not a taxi!"


def test_the_project_keeps_the_patterns_of_its_codebook(tmp_path: Path) -> None:
    book = parse_codebook(CODEBOOK, "rules.toml")
    with Project.create(tmp_path / "p.annot", book):
        pass
    with Project.open(tmp_path / "p.annot") as project:
        stored = project.codebook.layer("Framing").label("Economic")
        assert stored.patterns == book.layer("Framing").label("Economic").patterns
