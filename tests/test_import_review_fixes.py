"""Defects an adversarial review found importing real files from other tools (brat, doccano,
Prodigy, INCEpTION, CoNLL-2003): each test writes a short file in the tool's exact shape and
checks what a user sees — the stored labels and annotators, the report, the message."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from annotator.project import Project


def _rows(path: Path) -> list[tuple[str, str, str, str]]:
    """(layer, label, annotator, covered text or "" for a document label) of every annotation."""
    with Project.open(path, readonly=True) as project:
        rows = project.db.execute(
            "SELECT l.name, b.name, n.name, a.span_start, a.span_end, a.document_id FROM annotations a "
            "JOIN layers l ON l.id = a.layer_id JOIN labels b ON b.id = a.label_id "
            "JOIN annotators n ON n.id = a.annotator_id").fetchall()
        found = [(layer, label, who, project.documents.text(doc)[s:e] if s is not None else "")
                 for layer, label, who, s, e, doc in rows]
    return sorted(found)


def _labels(path: Path) -> list[tuple[str, str]]:
    """(layer, label) of every label in the codebook."""
    with Project.open(path, readonly=True) as project:
        return sorted((layer.name, label.name) for layer in project.codebook.get().layers for label in layer.labels)


@pytest.fixture(scope="module")
def new_study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project made once by `annotator new` (closed): each test imports into its own copy."""
    import contextlib
    import io

    from annotator.cli import main

    path = tmp_path_factory.mktemp("new") / "study.annot"
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["new", str(path)]) == 0
    return path


@pytest.fixture
def study(new_study: Path, tmp_path: Path) -> Path:
    """tmp_path/study.annot, as `annotator new` leaves it (a copy: 0.04 s less per test)."""
    path = tmp_path / "study.annot"
    shutil.copyfile(new_study, path)
    return path


# ----- 1. brat: the type name is the label; visual.conf display names are only for the eye ----------


def _brat(folder: Path, text: str, ann: str, conf: str, visual: str | None = None, bom: bool = False) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "doc.txt").write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    (folder / "doc.ann").write_text(ann, encoding="utf-8")
    (folder / "annotation.conf").write_text(conf, encoding="utf-8")
    if visual is not None:
        (folder / "visual.conf").write_text(visual, encoding="utf-8")
    return folder / "doc.ann"


# As brat's tutorial and the TDT corpus configure them: a long display name, and two types
# that share one short display name.
_CONF = "[entities]\nGPE\nPunct\nPause\n\n[relations]\n\n[events]\n\n[attributes]\n"
_VISUAL = "[labels]\nGPE | Geo-political entity | GPE\nPunct | P\nPause | P\n\n[drawing]\nGPE\tbgColor:#7fe2ff\n"


def test_brat_types_keep_their_names_not_their_display_names(cli, study: Path, tmp_path: Path) -> None:
    text = "Oslo , then a pause ."
    ann = "T1\tGPE 0 4\tOslo\nT2\tPunct 5 6\t,\nT3\tPause 14 19\tpause\nT4\tPunct 20 21\t.\n"
    path = _brat(tmp_path / "tdt", text, ann, _CONF, _VISUAL)
    result = cli("import", str(study), str(path), "--layer", "Tags", "--add-labels")
    assert result.returncode == 0, result.stdout
    assert [(label, covered) for _, label, _, covered in _rows(study)] == sorted(
        [("GPE", "Oslo"), ("Punct", ","), ("Pause", "pause"), ("Punct", ".")])
    assert ("Tags", "P") not in _labels(study) and ("Tags", "Geo-political entity") not in _labels(study)


def test_brat_export_of_this_program_still_comes_back_under_the_real_label_names(
        cli, project: Project, tmp_path: Path) -> None:
    project.annotations.add(project.documents.list()[0].id, "ada", "Framing", "Legality, constitutionality and "
                            "jurisprudence", 0, 5)
    path = project.path
    project.close()
    out = tmp_path / "brat_out"
    assert cli("export", str(path), "--format", "brat", "--out", str(out)).returncode == 0
    fresh = tmp_path / "fresh.annot"
    assert cli("new", str(fresh)).returncode == 0
    result = cli("import", str(fresh), str(out))
    assert result.returncode == 0, result.stdout
    assert [(layer, label) for layer, label, _, _ in _rows(fresh)] == [
        ("Framing", "Legality, constitutionality and jurisprudence")]


# ----- 5. and 7. brat: a UTF-8 BOM counts as character 0; an empty span says "empty" ------------------


def test_brat_text_with_a_bom_keeps_each_span_on_its_characters(cli, study: Path, tmp_path: Path) -> None:
    text = "Oslo and Bergen"
    ann = "T1\tGPE 1 5\tOslo\nT2\tGPE 10 16\tBergen\n"  # brat counts the BOM as character 0
    path = _brat(tmp_path / "bom", text, ann, _CONF, bom=True)
    result = cli("import", str(study), str(path), "--layer", "Places", "--add-labels")
    assert result.returncode == 0, result.stdout
    assert [covered for *_, covered in _rows(study)] == ["Bergen", "Oslo"]


def test_brat_zero_length_span_is_named_empty_not_outside(cli, study: Path, tmp_path: Path) -> None:
    ann = "T1\tGPE 0 4\tOslo\nT2\tGPE 9 9\t\n"
    path = _brat(tmp_path / "zero", "Oslo and Bergen", ann, _CONF)
    result = cli("import", str(study), str(path), "--layer", "Places", "--add-labels", "--json")
    report = json.loads(result.stdout)
    assert "outside" not in result.stdout
    assert any("empty" in what and count == 1 for what, count in report["not_carried"].items()), report
    assert [covered for *_, covered in _rows(study)] == ["Oslo"]


# ----- 2. doccano 1.x "annotations" and intent detection ("entities" triples, "cats") -------------------


def test_doccano_1x_annotations_keep_label_names_and_users(cli, study: Path, tmp_path: Path) -> None:
    path = tmp_path / "download.jsonl"
    records = [
        {"id": 1, "text": "Acme sues Oslo.", "annotations": [
            {"id": 1, "label": 2, "label_name": "ORG", "start_offset": 0, "end_offset": 4, "user": 1,
             "user_name": "ada"},
            {"id": 2, "label": 3, "label_name": "LOC", "start_offset": 10, "end_offset": 14, "user": 2,
             "user_name": "ben"}], "meta": {}, "annotation_approver": None},
        {"id": 2, "text": "A fine day.", "annotations": [
            {"id": 3, "label": 5, "label_name": "positive", "user": 1, "user_name": "ada"}], "meta": {}}]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    result = cli("import", str(study), str(path), "--add-labels")
    assert result.returncode == 0, result.stdout
    assert _rows(study) == [("Imported document labels", "positive", "ada", ""),
                            ("Imported labels", "LOC", "ben", "Oslo"), ("Imported labels", "ORG", "ada", "Acme")]


def test_doccano_label_ids_without_names_are_refused_in_one_line(cli, study: Path, tmp_path: Path) -> None:
    path = tmp_path / "old.jsonl"
    path.write_text(json.dumps({"id": 1, "text": "Acme sues.", "annotations": [
        {"label": 2, "start_offset": 0, "end_offset": 4, "user": 1}]}) + "\n", encoding="utf-8")
    before = study.read_bytes()
    result = cli("import", str(study), str(path), "--layer", "Entities", "--add-labels")
    assert result.returncode == 1
    assert f"failed: {path}: line 1: annotation 1 gives label 2 by its id only" in result.stdout
    assert study.read_bytes() == before


def test_doccano_intent_detection_entities_triples_and_cats(cli, study: Path, tmp_path: Path) -> None:
    path = tmp_path / "intent.jsonl"
    path.write_text('{"text": "Book Oslo now", "entities": [[5, 9, "LOC"]], "cats": ["booking"]}\n'
                    '{"text": "Hello there", "cats": ["greeting"]}\n', encoding="utf-8")
    result = cli("import", str(study), str(path), "--add-labels")
    assert result.returncode == 0, result.stdout
    assert [(layer, label, covered) for layer, label, _, covered in _rows(study)] == [
        ("Imported document labels", "booking", ""), ("Imported document labels", "greeting", ""),
        ("Imported labels", "LOC", "Oslo")]


# ----- 3. Prodigy: each annotator's answers stay apart --------------------------------------------------


def test_prodigy_annotator_id_keeps_two_annotators_apart(cli, study: Path, tmp_path: Path) -> None:
    path = tmp_path / "news_ner.jsonl"
    task = {"text": "Apple updates its service", "_input_hash": 1, "_task_hash": 2, "_view_id": "ner_manual",
            "answer": "accept"}
    path.write_text(
        json.dumps({**task, "spans": [{"start": 0, "end": 5, "label": "ORG"}],
                    "_annotator_id": "news_ner-ada", "_session_id": "news_ner-ada"}) + "\n"
        + json.dumps({**task, "spans": [{"start": 0, "end": 5, "label": "PRODUCT"}],
                      "_annotator_id": "news_ner-ben", "_session_id": "news_ner-ben"}) + "\n"
        + json.dumps({**task, "text": "Old session", "spans": [{"start": 0, "end": 3, "label": "ORG"}],
                      "_session_id": "news_ner-cy"}) + "\n", encoding="utf-8")
    result = cli("import", str(study), str(path), "--layer", "Entities", "--add-labels")
    assert result.returncode == 0, result.stdout
    assert _rows(study) == [("Entities", "ORG", "news_ner-ada", "Apple"), ("Entities", "ORG", "news_ner-cy", "Old"),
                            ("Entities", "PRODUCT", "news_ner-ben", "Apple")]


# ----- 4. INCEpTION's default language "x-unspecified" is the project's language ------------------------


@pytest.mark.parametrize("language", ["x-unspecified", "unknown"])
def test_inception_xmi_with_unspecified_language_takes_the_projects(cli, study: Path, tmp_path: Path,
                                                                   language: str) -> None:
    source = Path(__file__).parent / "fixtures_other_tools" / "inception_xmi"
    folder = tmp_path / "xmi"
    folder.mkdir()
    (folder / "TypeSystem.xml").write_bytes((source / "TypeSystem.xml").read_bytes())
    xmi = (source / "holm.xmi").read_text(encoding="utf-8")
    assert 'language="en"' in xmi
    (folder / "holm.xmi").write_text(xmi.replace('language="en"', f'language="{language}"'), encoding="utf-8")
    result = cli("import", str(study), str(folder / "holm.xmi"), "--add-labels")
    assert result.returncode == 0, result.stdout
    with Project.open(study, readonly=True) as project:
        assert [document.language for document in project.documents.list()] == ["en"]


# ----- 6. CoNLL-2003 files (eng.train, or the same named train.txt) are read as CoNLL ------------------

_CONLL_2003 = ("-DOCSTART- -X- -X- O\n\nEU NNP I-NP I-ORG\nrejects VBZ I-VP O\nGerman JJ I-NP I-MISC\n"
               "call NN I-NP O\n. . O O\n\nPeter NNP I-NP I-PER\nBlackburn NNP I-NP I-PER\n")


@pytest.mark.parametrize("name", ["eng.train", "eng.testa", "train.txt"])
def test_conll_2003_files_are_read_as_conll_by_their_content(cli, study: Path, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text(_CONLL_2003, encoding="utf-8")
    result = cli("import", str(study), str(path), "--layer", "NER", "--add-labels")
    assert result.returncode == 0, result.stdout
    assert [(label, covered) for _, label, _, covered in _rows(study)] == [
        ("MISC", "German"), ("ORG", "EU"), ("PER", "Peter Blackburn")]
    with Project.open(study, readonly=True) as project:
        assert ["NNP" not in project.documents.text(d.id) for d in project.documents.list()] == [True]


def test_a_file_of_unknown_type_that_is_not_conll_is_still_refused(cli, study: Path, tmp_path: Path) -> None:
    path = tmp_path / "notes.train"
    path.write_text("The mayor spoke at length about the harbour.\nNobody listened.\n", encoding="utf-8")
    before = study.read_bytes()
    result = cli("import", str(study), str(path))
    assert result.returncode == 1 and "cannot be imported: the supported file types are" in result.stdout
    assert study.read_bytes() == before


# ----- 8. label names: NFC, no control or bidi characters, not over 200 characters ----------------------


def _doccano_file(path: Path, label: str) -> Path:
    path.write_text(json.dumps({"text": "Crème brûlée sellers", "label": [[0, 5, label]]}) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(("label", "said"), [
    ("Bad\x07Bell", "a control character (U+0007)"),
    ("Evil\u202eLabel", "a bidirectional control character (U+202E)"),
    ("L" * 5000, "5,000 characters long (at most 200)"),
])
def test_label_names_a_codebook_cannot_show_are_refused(cli, study: Path, tmp_path: Path, label: str,
                                                       said: str) -> None:
    path = _doccano_file(tmp_path / "bad.jsonl", label)
    before = study.read_bytes()
    result = cli("import", str(study), str(path), "--add-labels")
    assert result.returncode == 1
    failed = [line for line in result.stdout.splitlines() if line.startswith("  failed:")]
    assert len(failed) == 1 and said in failed[0], result.stdout
    assert failed[0].count(str(path)) == 1, failed[0]  # the file named once, not "X: X, line 1: …"
    assert len(failed[0]) < 400
    assert study.read_bytes() == before


def test_nfd_and_nfc_spellings_of_a_label_are_one_label(cli, study: Path, tmp_path: Path) -> None:
    composed, decomposed = "Crème", "Cre\u0300me"
    assert cli("import", str(study), str(_doccano_file(tmp_path / "a.jsonl", composed)), "--add-labels").returncode == 0
    path = tmp_path / "b.jsonl"
    path.write_text(json.dumps({"text": "Another crème", "label": [[8, 13, decomposed]]}) + "\n", encoding="utf-8")
    result = cli("import", str(study), str(path), "--add-labels")
    assert result.returncode == 0, result.stdout
    assert [name for layer, name in _labels(study) if layer == "Imported labels"] == [composed]


# ----- 9. spans off the token boundaries of a token layer are kept and counted ---------------------------


def test_spans_off_token_boundaries_of_a_token_layer_are_kept_and_said(cli, study: Path, tmp_path: Path) -> None:
    path = tmp_path / "framing.jsonl"
    path.write_text(json.dumps({"text": "Budget cuts hit schools.", "label": [
        [0, 11, "Economic"], [2, 9, "Economic"], [12, 15, "Morality"]]}) + "\n", encoding="utf-8")
    result = cli("import", str(study), str(path), "--layer", "Framing")
    assert result.returncode == 0, result.stdout
    assert '1 span does not fall on token boundaries of layer "Framing"; kept as it is' in result.stdout
    assert [covered for *_, covered in _rows(study)] == ["Budget cuts", "dget cu", "hit"]
    report = json.loads(cli("import", str(study), str(path), "--layer", "Framing", "--json").stdout)
    assert report["off_boundaries"] == {}  # nothing new stored the second time


# ----- 10. report wording and the Ctrl+C count -----------------------------------------------------------


def test_a_created_document_layer_is_not_said_to_have_a_granularity(cli, study: Path, tmp_path: Path) -> None:
    path = tmp_path / "cats.jsonl"
    path.write_text('{"text": "A fine day.", "label": ["positive"]}\n', encoding="utf-8")
    result = cli("import", str(study), str(path), "--add-labels")
    assert result.returncode == 0, result.stdout
    line = next(line for line in result.stdout.splitlines() if line.startswith("layers created:"))
    assert line == "layers created: Imported document labels (document labels, several per document)"


def test_identical_spans_stacked_in_one_file_are_not_said_to_be_already_present(cli, study: Path,
                                                                               tmp_path: Path) -> None:
    path = tmp_path / "overlap.jsonl"
    path.write_text('{"text": "exampleA", "label": [[0, 1, "LOC"], [0, 1, "LOC"]], "meta": {"wikiPageID": 1}}\n',
                    encoding="utf-8")
    result = cli("import", str(study), str(path), "--add-labels")
    assert result.returncode == 0, result.stdout
    assert "already present" not in result.stdout
    assert "imported: 1 documents, 1 annotations" in result.stdout
    assert "annotations given twice or more in one file (stored once): 1" in result.stdout
    again = cli("import", str(study), str(path), "--add-labels")
    assert "(2 already present)" in again.stdout  # now both are


def test_ctrl_c_says_how_many_files_were_stored(study: Path, tmp_path: Path) -> None:
    from annotator.ops.importing import import_paths

    for name in "abc":
        (tmp_path / f"{name}.txt").write_text(f"Article {name} about the harbour.", encoding="utf-8")

    def interrupt(done: int, total: int, path: str) -> None:
        if done == 2:
            raise KeyboardInterrupt

    with Project.open(study) as project, pytest.raises(KeyboardInterrupt) as stop:
        import_paths(project, [tmp_path / f"{name}.txt" for name in "abc"], progress=interrupt)
    with Project.open(study, readonly=True) as project:
        stored = len(project.documents.list())
    assert str(stop.value) == f"interrupted: {stored} of 3 files stored (every file finished before stays imported)"


def test_lines_under_the_not_carried_heading_do_not_say_not_carried_again(cli, study: Path, tmp_path: Path) -> None:
    ann = "T1\tGPE 0 4\tOslo\nT2\tGPE 9 15\tBergen\nR1\tNear Arg1:T1 Arg2:T2\n*\tEquiv T1 T2\n"
    path = _brat(tmp_path / "rel", "Oslo and Bergen", ann, _CONF)
    result = cli("import", str(study), str(path), "--layer", "Places", "--add-labels")
    assert result.returncode == 0, result.stdout
    lines = result.stdout.splitlines()
    section = lines[lines.index("not carried (what / how many):") + 1:]
    assert section == ["  brat equivalences (* lines): 1"]  # the R line became a relation
