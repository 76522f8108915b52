"""A document's language given as a full tag (de-AT, en_US, zh-Hant-TW) is tokenised with its
language's pipeline and kept as given."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from annotator.nlp import tokenizer_language

PAGE = """<!doctype html>
<html lang="{lang}"><head><title>Die Abstimmung</title></head>
<body><article><h1>Die Abstimmung im Gemeinderat</h1>
<p>Der Gemeinderat hat am Montag die Maut beschlossen. Die Kritiker sprechen von einer Steuer
auf Arbeitnehmer, die Befürworter erwarten sauberere Luft bis zum Jahr 2030.</p>
<p>Die Opposition kündigte an, gegen den Beschluss vorzugehen. Eine Entscheidung wird im
Herbst erwartet.</p></article></body></html>
"""


@pytest.mark.parametrize(("tag", "language"), [
    ("de-AT", "de"), ("en_US", "en"), ("zh-Hant-TW", "zh"), ("PT-br", "pt"), ("fr", "fr"), ("", ""),
])
def test_a_full_language_tag_names_its_language(tag: str, language: str) -> None:
    assert tokenizer_language(tag) == language


def test_an_html_page_in_austrian_german_is_imported_and_keeps_its_tag(tmp_path: Path, cli) -> None:
    page = tmp_path / "abstimmung.html"
    page.write_text(PAGE.format(lang="de-AT"), encoding="utf-8")
    project = tmp_path / "study.annot"
    assert cli("new", str(project)).returncode == 0
    done = cli("import", str(project), str(page))
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(project) as conn:
        rows = conn.execute("SELECT language, n_tokens, n_sentences FROM documents").fetchall()
    assert len(rows) == 1, rows
    language, tokens, sentences = rows[0]
    assert language == "de-AT"
    assert tokens > 30 and sentences >= 3
