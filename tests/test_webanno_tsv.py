"""WebAnno TSV 3.3 (INCEpTION's text format): a file in the shape INCEpTION writes imports
with every span at its text (UTF-16 offsets converted, stacked and multi-token spans,
sub-tokens, escapes, built-in and custom layers; its relation layer over a span layer gives
relations), and an export comes back whole: same texts, spans, labels, attributes and annotators."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from annotator.ops.exporting import export_project
from annotator.ops.importing import import_paths
from annotator.project import Project
from test_export_fixtures import CODEBOOK, annotation_keys, build_project

FIXTURES = Path(__file__).parent / "fixtures_other_tools" / "webanno_tsv"


def test_inception_tsv_imports_every_span_at_its_text(cli, tmp_path: Path) -> None:
    shutil.copytree(FIXTURES, tmp_path / "in")
    project = tmp_path / "p.annot"
    cli("new", str(project))
    result = cli("import", str(project), str(tmp_path / "in" / "okafor.tsv"), "--add-labels", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["not_carried"] == {}
    assert "relation type Attack" in report["added_labels"]
    with Project.open(project, readonly=True) as opened:
        document = opened.documents.list()[0]
        text = opened.documents.text(document.id)
        rows = opened.db.execute(
            "SELECT l.name, b.name, a.span_start, a.span_end, a.attributes FROM annotations a "
            "JOIN layers l ON l.id = a.layer_id JOIN labels b ON b.id = a.label_id").fetchall()
        links = [(relation.type, opened.annotations.get(relation.source), opened.annotations.get(relation.target))
                 for relation in opened.relations.all()]
    assert text == "Dr Okafor 🚀 says rents fell.\nLandlords dispute it\tstrongly."
    assert sorted((layer, label, text[s:e], json.loads(a)) for layer, label, s, e, a in rows) == sorted([
        ("Named entity", "PER", "Dr Okafor", {}),
        ("Named entity", "LOC", "Land", {}),  # a sub-token inside "Landlords"
        ("Claim", "low", "says rents fell", {"claimType": "opinion"}),  # stacked with the next
        ("Claim", "high", "rents fell", {"claimType": "factual"}),
        ("Claim", "Claim", "dispute it\tstrongly", {"claimType": "counter_claim"}),  # escaped "_"
    ])
    # the relation on "rents" names its governor's token and ids: 2-2[4_2], the dependent the stacked [2]
    assert [(kind, text[a.start:a.end], text[b.start:b.end], b.label) for kind, a, b in links] == [
        ("Attack", "dispute it\tstrongly", "rents fell", "high")]


def test_tsv_is_told_from_a_table_by_its_first_line(tmp_path: Path, project: Project) -> None:
    (tmp_path / "table.tsv").write_text("text\ttopic\nA plain table row.\tnews\n", encoding="utf-8")
    shutil.copy(FIXTURES / "okafor.tsv", tmp_path / "okafor.tsv")
    report = import_paths(project, [tmp_path / "table.tsv", tmp_path / "okafor.tsv"], add_labels=True)
    assert not report.failed and len(report.imported) == 2 and report.annotations == 5


@pytest.mark.parametrize(("line", "problem"), [
    ("1-1\t0-2\tDr\t_", "has 4 columns; the layers declared need 8"),
    ("x\t0-2\tDr\t_\t_\t_\t_\t_\t", "is not a token line"),
    ("1-1\t0-99\tDr\t_\t_\t_\t_\t_\t", "token offsets 0-99 lie outside its sentence's text"),
])
def test_a_bad_token_line_names_file_and_line(tmp_path: Path, project: Project, line: str, problem: str) -> None:
    lines = (FIXTURES / "okafor.tsv").read_text(encoding="utf-8").split("\n")
    lines[7] = line
    bad = tmp_path / "bad.tsv"
    bad.write_text("\n".join(lines), encoding="utf-8")
    report = import_paths(project, [bad], add_labels=True)
    assert len(report.failed) == 1 and report.failed[0][0] == str(bad)
    assert report.failed[0][1].startswith(f"line 8: {problem}")
    assert len(project.documents.ids()) == 2  # nothing half-imported


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, set[tuple], list[str]]:
    """The export test project written once as WebAnno TSV: the folder, what the project held,
    and what the export report says was not carried."""
    folder = tmp_path_factory.mktemp("tsv")
    study = build_project(folder / "study")
    with Project.open(study, readonly=True) as project:
        report = export_project(project, "webanno", folder / "tsv")
        keys = annotation_keys(project)
    return folder / "tsv", keys, report.not_carried


def test_round_trip_keeps_texts_spans_attributes_and_annotators(
        exported: tuple[Path, set[tuple], list[str]], tmp_path: Path) -> None:
    out, keys, not_carried = exported
    assert any("document-level labels" in line for line in not_carried)
    assert any("notes" in line for line in not_carried)
    assert sorted(path.name for path in out.iterdir()) == ["README.txt", "ada", "ben", "curator"]
    with Project.create(tmp_path / "copy.annot", codebook=CODEBOOK) as copy:
        result = import_paths(copy, [out])
        assert not result.failed, result.failed
        back = annotation_keys(copy)
    expected = {(text, who, layer, label, start, end, covered, attributes, "")
                for text, who, layer, label, start, end, covered, attributes, _ in keys if start is not None}
    assert back == expected


def test_exported_lines_count_utf16_and_stack_as_inception_does(
        exported: tuple[Path, set[tuple], list[str]]) -> None:
    content = next((exported[0] / "ada").glob("0001-*.tsv")).read_text(encoding="utf-8")
    lines = content.split("\n")
    assert lines[:5] == ["#FORMAT=WebAnno TSV 3.3", "#T_SP=webanno.custom.Framing|label",
                         "#T_SP=webanno.custom.Stance|label|target|polarity|intensity|sarcastic", "", ""]
    assert lines[5] == "#Text=Mayor Zoe\u0301 Kay called the toll plan \U0001F621 a disgrace."
    emoji = next(index for index, line in enumerate(lines) if "\t\U0001F621\t" in line)
    assert lines[emoji].split("\t")[1] == "36-38"  # UTF-16: the emoji (code points 36-37) is two code units
    assert lines[emoji + 1].split("\t")[1:3] == ["39-40", "a"]  # and every offset after it is one more
    kay = next(line for line in lines if "\tKay\t" in line)  # two Stance spans stacked on "Kay"
    assert kay.split("\t")[4:9] == ["Against[1]|Favour[2]", "toll plan[1]|*[2]", "strong[1]|*[2]",
                                    "3[1]|1[2]", "false[1]|true[2]"]
    assert "\tdisgr\t" in content  # a span edge inside a word cuts the token


def test_export_from_the_command_line(cli, exported: tuple[Path, set[tuple], list[str]], tmp_path: Path) -> None:
    project = tmp_path / "p.annot"
    cli("new", str(project))
    cli("import", str(project), str(FIXTURES / "okafor.tsv"), "--add-labels")
    result = cli("export", str(project), "--format", "webanno", "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    written = (tmp_path / "out" / "imported" / "0001-Dr_Okafor_says_rents_fell.tsv").read_text(encoding="utf-8")
    assert "#T_SP=webanno.custom.NamedEntity|label\n" in written and "\tPER[" in written
