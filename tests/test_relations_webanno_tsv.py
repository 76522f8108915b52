"""Relations in WebAnno TSV 3.3 (issue 16): a relation type joining one span layer is written as
INCEpTION writes a relation layer (`#T_RL=webanno.custom.<Type>|<features>|BT_<span layer>`, the
relation on the dependent's first token line, the governor's token address and `[gov_dep]`
disambiguation ids in the last column) and read back as relations with type, ends and
attributes; INCEpTION's own relation layers over span layers become relations; what TSV cannot
carry is counted in the export and import reports."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from annotator.formats.webanno_tsv import RELATIONS
from annotator.model import AttributeDef, Codebook, Label, Layer, RelationType
from annotator.ops.exporting import export_project
from annotator.ops.importing import import_paths
from annotator.project import Project

# Written for these tests: an emoji inside and before spans, CRLF input, a stacked span on the
# first token of a relation's end.
TEXT = ("\U0001F621 Mayor Kay says the toll plan \U0001F4A5 failed; the data show fewer riders.\r\n"
        "Critics call it Munich all over again, a Waterloo for the city.\r\n")
NORMALISED = TEXT.replace("\r\n", "\n")

CODEBOOK = Codebook(
    name="relations-tsv",
    layers=(
        Layer("Claim", "span", "character", "allow", True, "", (Label("Claim"), Label("Evidence"))),
        Layer("Stance", "span", "character", "allow", True, "", (Label("Against"), Label("Favour"))),
        Layer("Rhetorical device", "span", "character", "allow", True, "",
              (Label("Historical analogy"), Label("Metaphor"))),
    ),
    relations=(
        RelationType("Supports", source_layers=("Claim",), target_layers=("Claim",), attributes=(
            AttributeDef("strength", "int", minimum=1, maximum=3), AttributeDef("explicit", "bool"),
            AttributeDef("cue word", "text"))),
        RelationType("Likened to", source_layers=("Rhetorical device",), target_layers=("Rhetorical device",)),
        RelationType("Target", source_layers=("Stance",)),  # to a span of any layer: not one layer
    ),
)


def _at(words: str) -> tuple[int, int]:
    start = NORMALISED.index(words)
    return start, start + len(words)


def _relations(path: Path) -> set[tuple]:
    """What a user checks after an import: type, both ends (layer, label, covered text),
    annotator and attributes (sorted pairs) of every relation stored in the project file."""
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT t.name, ls.name, bs.name, s.document_id, s.span_start, s.span_end, lg.name, bg.name, "
            "g.span_start, g.span_end, n.name, r.attributes FROM relations r "
            "JOIN relation_types t ON t.id = r.type_id JOIN annotations s ON s.id = r.source_id "
            "JOIN layers ls ON ls.id = s.layer_id JOIN labels bs ON bs.id = s.label_id "
            "JOIN annotations g ON g.id = r.target_id JOIN layers lg ON lg.id = g.layer_id "
            "JOIN labels bg ON bg.id = g.label_id JOIN annotators n ON n.id = r.annotator_id").fetchall()
    with Project.open(path, readonly=True) as project:
        texts = {document: project.documents.text(document) for document in project.documents.ids()}
    return {(kind, ls, bs, texts[doc][s:e], lg, bg, texts[doc][gs:ge], who,
             tuple(sorted(json.loads(attributes).items())))
            for kind, ls, bs, doc, s, e, lg, bg, gs, ge, who, attributes in rows}


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, set[tuple], list[str]]:
    """A project with relations written once as WebAnno TSV: the folder, the relations the
    project held, and the export report's not-carried lines."""
    folder = tmp_path_factory.mktemp("tsvrel")
    (folder / "a.txt").write_bytes(TEXT.encode("utf-8"))
    path = folder / "study.annot"
    with Project.create(path, codebook=CODEBOOK) as project:
        assert not import_paths(project, [folder / "a.txt"]).failed
        document = project.documents.ids()[0]
        project.annotators.ensure("ada")
        project.annotators.ensure("ben")
        add = project.annotations.add

        def span(who: str, layer: str, label: str, words: str) -> str:
            return add(document, who, layer, label, *_at(words), snap=False).primary

        stacked = span("ada", "Claim", "Claim", "the toll plan")  # stacked on the end's first token
        plan = span("ada", "Claim", "Claim", "the toll plan \U0001F4A5 failed")
        data = span("ada", "Claim", "Evidence", "the data show fewer riders")
        fewer = span("ada", "Claim", "Evidence", "fewer riders")
        munich = span("ada", "Rhetorical device", "Historical analogy", "Munich all over again")
        waterloo = span("ada", "Rhetorical device", "Metaphor", "a Waterloo")
        critics = span("ada", "Stance", "Against", "Critics call it")
        link = project.relations.add
        link("Supports", data, plan, {"strength": 2, "explicit": True, "cue word": "show | data_set [1]"})
        link("Supports", fewer, plan, {"explicit": False})
        link("Supports", stacked, fewer, note="a note TSV cannot carry")
        link("Likened to", waterloo, munich)  # the governor after the dependent
        link("Target", critics, plan)  # Stance -> any layer: no single span layer, not carried
        ben_plan = span("ben", "Claim", "Claim", "the toll plan \U0001F4A5 failed")
        link("Supports", span("ben", "Claim", "Evidence", "fewer riders"), ben_plan, {"strength": 3})
        relations = _relations(path)
        report = export_project(project, "webanno", folder / "tsv")
    return folder / "tsv", relations, report.not_carried


def test_round_trip_brings_back_every_relation(exported: tuple[Path, set[tuple], list[str]],
                                                tmp_path: Path) -> None:
    out, relations, _ = exported
    with Project.create(tmp_path / "copy.annot", codebook=CODEBOOK) as copy:
        report = import_paths(copy, [out])
        assert not report.failed, report.failed
        assert not any("relation" in what.lower() for what in report.not_carried), report.not_carried
    back = _relations(tmp_path / "copy.annot")
    expected = {row for row in relations if row[0] != "Target"}
    assert len(expected) == 5
    assert back == expected
    assert ("Supports", "Claim", "Evidence", "the data show fewer riders", "Claim", "Claim",
            "the toll plan \U0001F4A5 failed", "ada",
            (("cue word", "show | data_set [1]"), ("explicit", True), ("strength", 2))) in back
    assert ("Likened to", "Rhetorical device", "Metaphor", "a Waterloo", "Rhetorical device",
            "Historical analogy", "Munich all over again", "ada", ()) in back


def test_export_report_counts_what_tsv_does_not_carry(exported: tuple[Path, set[tuple], list[str]]) -> None:
    not_carried = exported[2]
    assert ("relations of a type whose rule does not join spans of one exported span layer (a WebAnno TSV "
            "relation layer is attached to one span layer): 1") in not_carried
    assert "notes and ids of relations: 1" in not_carried


def test_relation_columns_are_written_as_inception_writes_them(
        exported: tuple[Path, set[tuple], list[str]]) -> None:
    content = next((exported[0] / "ada").glob("0001-*.tsv")).read_text(encoding="utf-8")
    lines = content.split("\n")
    assert lines[:7] == [
        "#FORMAT=WebAnno TSV 3.3", "#T_SP=webanno.custom.Claim|label", "#T_SP=webanno.custom.Stance|label",
        "#T_SP=webanno.custom.RhetoricalDevice|label",
        "#T_RL=webanno.custom.Supports|strength|explicit|cue_word|BT_webanno.custom.Claim",
        "#T_RL=webanno.custom.LikenedTo|BT_webanno.custom.RhetoricalDevice", ""]
    rows = {line.split("\t")[0]: line.split("\t")[1:-1] for line in lines if line[:1].isdigit()}
    # "the toll plan" (Claim[2]) is stacked on the first token of "the toll plan 💥 failed" (Claim[1]),
    # where both Supports relations ending at the long span are written, stacked; the governors are
    # "the data show fewer riders" (id 3, from token 1-11) and "fewer riders" (id 4, from 1-14)
    assert rows["1-5"] == ["18-21", "the", "Claim[1]|Claim[2]", "_", "_", "2|*", "true|false",
                           "show \\| data\\_set \\[1\\]|*", "1-11[3_1]|1-14[4_1]", "_"]
    assert rows["1-8"][:2] == ["32-34", "\U0001F4A5"]  # UTF-16: each emoji counts two
    assert rows["1-14"][2:] == ["Evidence[3]|Evidence[4]", "_", "_", "*", "*", "*", "1-5[2_4]", "_"]
    assert rows["2-4"][2:] == ["_", "_", "Historical analogy[6]", "_", "_", "_", "_", "2-9[7_6]"]  # a later governor
    assert all(row[5:] == ["_"] * 5 for address, row in rows.items() if address not in ("1-5", "1-14", "2-4"))


def _line(address: str, offsets: str, form: str, claim: str = "_", attack: tuple[str, str, str] = ("_",) * 3,
          dependency: tuple[str, str] = ("_",) * 2) -> str:
    return "\t".join([address, offsets, form, claim, *attack, *dependency]) + "\t"


# Written for this test in the shape INCEpTION writes (its tsv3-suite): a custom span layer, a
# relation layer over it with two features, and a dependency layer over tokens; an emoji, a span
# over several tokens stacked with a one-token span, a sub-token end, two relations stacked on
# one line, `*` for a feature without a value.
INCEPTION = "\n".join([
    "#FORMAT=WebAnno TSV 3.3",
    "#T_SP=webanno.custom.Claim|claimType",
    "#T_RL=webanno.custom.Attack|certainty|explicit|BT_webanno.custom.Claim",
    "#T_RL=de.tudarmstadt.ukp.dkpro.core.api.syntax.type.dependency.Dependency|DependencyType|"
    "BT_de.tudarmstadt.ukp.dkpro.core.api.segmentation.type.Token",
    "", "",
    "#Text=Rents \U0001F680 fell, say tenants.",
    _line("1-1", "0-5", "Rents", "fact[1]"),
    _line("1-2", "6-8", "\U0001F680", "fact[1]"),
    _line("1-3", "9-13", "fell", "fact[1]|*[2]"),
    _line("1-4", "13-14", ","),
    _line("1-5", "15-18", "say"),
    _line("1-6", "19-26", "tenants", "opinion", dependency=("nsubj", "1-5")),
    _line("1-7", "26-27", "."),
    "",
    "#Text=Landlords dispute it.",
    _line("2-1", "28-37", "Landlords"),
    _line("2-1.1", "28-32", "Land", "other", ("*", "*", "1-6")),
    _line("2-2", "38-45", "dispute", "counter[3]", ("3|*", "true|*", "1-1[1_3]|1-3[2_3]")),
    _line("2-3", "46-48", "it", "counter[3]"),
    _line("2-4", "48-49", "."),
    ""])


def test_inception_relation_layer_imports_with_every_end_at_its_text(cli, tmp_path: Path) -> None:
    (tmp_path / "inception.tsv").write_text(INCEPTION, encoding="utf-8")
    project = tmp_path / "p.annot"
    cli("new", str(project))
    result = cli("import", str(project), str(tmp_path / "inception.tsv"), "--add-labels", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["not_carried"] == {"WebAnno TSV layers not read: Dependency (relations between tokens)": 1}
    assert "relation type Attack" in report["added_labels"]
    who = "imported"
    assert _relations(project) == {
        ("Attack", "Claim", "fact", "Rents \U0001F680 fell", "Claim", "counter", "dispute it", who,
         (("certainty", "3"), ("explicit", "true"))),
        ("Attack", "Claim", "Claim", "fell", "Claim", "counter", "dispute it", who, ()),  # the stacked [2]
        ("Attack", "Claim", "opinion", "tenants", "Claim", "other", "Land", who, ()),  # to a sub-token
    }


def test_a_type_the_codebook_lacks_is_counted_without_add_labels(tmp_path: Path) -> None:
    (tmp_path / "inception.tsv").write_text(INCEPTION, encoding="utf-8")
    book = Codebook(name="claims", layers=(Layer("Claim", "span", "character", "allow", True, "", tuple(
        Label(name) for name in ("fact", "counter", "opinion", "other", "Claim"))),))
    with Project.create(tmp_path / "q.annot", codebook=book) as project:
        report = import_paths(project, [tmp_path / "inception.tsv"])
        assert not report.failed and report.annotations == 5
        assert project.relations.count() == 0
    assert report.not_carried[f"{RELATIONS} of a type the codebook lacks (--add-labels adds it): Attack"] == 3


@pytest.mark.parametrize(("reference", "problem"), [
    ("1-9", "a relation names token 1-9, which the file does not hold"),
    ("1-1[x]", "relation reference '1-1[x]' is not a token address (like 1-3 or 1-3[1_2])"),
])
def test_a_bad_relation_reference_refuses_the_file_naming_the_line(
        project: Project, tmp_path: Path, reference: str, problem: str) -> None:
    bad = tmp_path / "bad.tsv"
    bad.write_text(INCEPTION.replace("\t1-6\t", f"\t{reference}\t"), encoding="utf-8")
    before = project.path.read_bytes()
    report = import_paths(project, [bad], add_labels=True)
    assert report.failed == [(str(bad), f"line 18: {problem}")]
    assert project.path.read_bytes() == before


def test_importing_the_file_again_adds_no_relation_twice(tmp_path: Path) -> None:
    (tmp_path / "inception.tsv").write_text(INCEPTION, encoding="utf-8")
    with Project.create(tmp_path / "r.annot") as project:
        import_paths(project, [tmp_path / "inception.tsv"], add_labels=True)
        import_paths(project, [tmp_path / "inception.tsv"], add_labels=True)
        assert project.relations.count() == 3
