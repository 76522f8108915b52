"""Relations in UIMA CAS XMI (issue 16): one INCEpTION relation layer per relation type
(Governor = the source span, Dependent = the target, the attributes as features), read by
dkpro-cassis with the ends at the right text after an emoji; imported back with type, ends
and attributes; INCEpTION's own relation layers over span layers imported become relations."""

from __future__ import annotations

import dataclasses
import io
import json
import re
import sqlite3
import zipfile
from pathlib import Path

import pytest

from annotator.model import AttributeDef, Codebook, Label, Layer, RelationType
from annotator.ops.exporting import export_project
from annotator.ops.importing import import_paths
from annotator.project import Project

# Written for these tests: an emoji before every span, a combining accent, CRLF input.
TEXT = ("\U0001F621 Mayor Zoe\u0301 Kay attacked the toll plan.\r\n"
        "Critics \U0001F4A5 say the toll plan is a tax on workers, and Kay disagrees with them.\r\n")
NORMALISED = TEXT.replace("\r\n", "\n")

CODEBOOK = Codebook(
    name="relations-xmi",
    layers=(
        Layer("Stance", "span", "character", "allow", True, "", (Label("Against"), Label("Favour"))),
        Layer("Framing", "span", "character", "allow", True, "", (Label("Economic"), Label("Jobs"))),
    ),
    relations=(
        RelationType("Target", source_layers=("Stance",), attributes=(
            AttributeDef("certainty", "int", minimum=1, maximum=3), AttributeDef("explicit", "bool"),
            AttributeDef("cue", "choice", ("named", "implied")))),
        RelationType("Rebuts", source_layers=("Stance",), target_layers=("Stance",)),
        RelationType("Framing", description="a relation named like a layer"),
    ),
)


def _at(words: str, occurrence: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(occurrence + 1):
        start = NORMALISED.index(words, start + 1)
    return start, start + len(words)


def _relations(path: Path) -> set[tuple]:
    """What a user checks after an import: type, ends (layer, label, covered text), annotator,
    attributes and note of every relation stored in the project file."""
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT t.name, ls.name, bs.name, s.span_start, s.span_end, lg.name, bg.name, g.span_start, g.span_end, "
            "n.name, r.attributes, r.note FROM relations r JOIN relation_types t ON t.id = r.type_id "
            "JOIN annotations s ON s.id = r.source_id JOIN layers ls ON ls.id = s.layer_id "
            "JOIN labels bs ON bs.id = s.label_id JOIN annotations g ON g.id = r.target_id "
            "JOIN layers lg ON lg.id = g.layer_id JOIN labels bg ON bg.id = g.label_id "
            "JOIN annotators n ON n.id = r.annotator_id").fetchall()
    found = set()
    for kind, slayer, slabel, s0, s1, tlayer, tlabel, t0, t1, who, attributes, note in rows:
        found.add((kind, slayer, slabel, NORMALISED[s0:s1], tlayer, tlabel, NORMALISED[t0:t1], who,
                   json.dumps(json.loads(attributes), sort_keys=True), note))
    return found


EXPECTED = {
    ("Target", "Stance", "Against", "Zoe\u0301 Kay attacked", "Framing", "Economic", "toll plan", "ada",
     json.dumps({"certainty": 3, "cue": "named", "explicit": True}, sort_keys=True), "the plan, \U0001F621"),
    ("Target", "Stance", "Against", "Critics \U0001F4A5 say", "Framing", "Jobs", "a tax on workers", "ada",
     json.dumps({"certainty": 1, "explicit": False}, sort_keys=True), ""),
    ("Rebuts", "Stance", "Favour", "Kay disagrees", "Stance", "Against", "Critics \U0001F4A5 say", "ada", "{}", ""),
    ("Framing", "Framing", "Economic", "toll plan", "Framing", "Jobs", "a tax on workers", "ada", "{}", ""),
    ("Target", "Stance", "Against", "Critics \U0001F4A5 say", "Framing", "Economic", "the toll plan", "ben",
     json.dumps({}, sort_keys=True), "ben's"),
}


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, object, dict[str, str]]:
    """A project with relations of two annotators, exported to XMI once: the project, the
    export, its report, and the relation ids by (annotator, source text)."""
    folder = tmp_path_factory.mktemp("relxmi")
    (folder / "article.txt").write_bytes(TEXT.encode("utf-8"))
    path = folder / "study.annot"
    with Project.create(path, codebook=CODEBOOK) as project:
        assert not import_paths(project, [folder / "article.txt"]).failed
        doc = project.documents.ids()[0]
        assert project.documents.text(doc) == NORMALISED
        project.annotators.ensure("ada")
        project.annotators.ensure("ben")

        def span(who: str, layer: str, label: str, words: str, occurrence: int = 0) -> str:
            return project.annotations.add(doc, who, layer, label, *_at(words, occurrence), snap=False).primary

        attack = span("ada", "Stance", "Against", "Zoe\u0301 Kay attacked")
        critics = span("ada", "Stance", "Against", "Critics \U0001F4A5 say")
        disagrees = span("ada", "Stance", "Favour", "Kay disagrees")
        plan = span("ada", "Framing", "Economic", "toll plan")
        tax = span("ada", "Framing", "Jobs", "a tax on workers")
        add = project.relations.add
        add("Target", attack, plan, {"certainty": 3, "explicit": True, "cue": "named"}, note="the plan, \U0001F621")
        add("Target", critics, tax, {"certainty": 1, "explicit": False})
        add("Rebuts", disagrees, critics)
        add("Framing", plan, tax)
        add("Target", span("ben", "Stance", "Against", "Critics \U0001F4A5 say"),
            span("ben", "Framing", "Economic", "the toll plan"), note="ben's")
        ids = {relation.id for relation in project.relations.all()}
        out = folder / "inception.zip"
        report = export_project(project, "xmi", out)
    assert _relations(path) == EXPECTED
    return path, out, report, ids


def _archive(out: Path) -> tuple[str, str]:
    with zipfile.ZipFile(out) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".xmi"))
        return archive.read("TypeSystem.xml").decode("utf-8"), archive.read(name).decode("utf-8")


def test_cassis_resolves_governor_and_dependent_to_the_spans(exported) -> None:
    from cassis import load_cas_from_xmi, load_typesystem

    _, out, _, _ = exported
    typesystem_xml, raw = _archive(out)
    typesystem = load_typesystem(io.BytesIO(typesystem_xml.encode("utf-8")))
    cas = load_cas_from_xmi(raw, typesystem=typesystem)
    assert cas.sofa_string == NORMALISED
    target = {(r.Governor.get_covered_text(), r.Governor.type.name, r.Dependent.get_covered_text(),
               r.Dependent.type.name, r.annotator, r.certainty, r.explicit, r.cue, r.note or "")
              for r in cas.select("webanno.custom.Target")}
    assert target == {
        ("Zoe\u0301 Kay attacked", "webanno.custom.Stance", "toll plan", "webanno.custom.Framing", "ada", 3, True,
         "named", "the plan, \U0001F621"),
        ("Critics \U0001F4A5 say", "webanno.custom.Stance", "a tax on workers", "webanno.custom.Framing", "ada", 1,
         False, None, ""),
        ("Critics \U0001F4A5 say", "webanno.custom.Stance", "the toll plan", "webanno.custom.Framing", "ben", None,
         None, None, "ben's"),
    }
    (rebuts,) = cas.select("webanno.custom.Rebuts")
    assert (rebuts.Governor.get_covered_text(), rebuts.Dependent.get_covered_text()) == (
        "Kay disagrees", "Critics \U0001F4A5 say")
    # As INCEpTION writes a relation: its offsets are the Dependent's (UTF-16 in the file: two emoji before it).
    start, end = _at("Critics \U0001F4A5 say")
    assert f'begin="{start + 1}" end="{end + 2}"' in raw and (rebuts.begin, rebuts.end) == (start, end)
    # The relation named like a layer gets a type of its own, not the layer's.
    (framing_link,) = [r for t in typesystem.get_types() if t.description == "Discourse Annotator relation: Framing"
                       for r in cas.select(t.name)]
    assert framing_link.type.name != "webanno.custom.Framing"
    assert framing_link.Governor.get_covered_text() == "toll plan"


def test_each_relation_type_is_what_inception_reads_as_a_relation_layer(exported) -> None:
    from cassis import load_typesystem

    _, out, _, _ = exported
    typesystem = load_typesystem(io.BytesIO(_archive(out)[0].encode("utf-8")))
    relation_types = [t for t in typesystem.get_types() if "Governor" in {f.name for f in t.all_features}]
    assert len(relation_types) == 3
    for kind in relation_types:
        # INCEpTION's TypeSystemAnalysis: a direct subtype of Annotation with exactly two
        # non-primitive features (Governor, Dependent) of the same range, a subtype of Annotation.
        assert kind.supertype.name == "uima.tcas.Annotation"
        references = [f for f in kind.features if not f.rangeType.name.startswith("uima.cas.")]
        assert sorted(f.name for f in references) == ["Dependent", "Governor"]
        assert len({f.rangeType.name for f in references}) == 1
    ranges = {t.name: t.get_feature("Governor").rangeType.name for t in relation_types}
    assert ranges["webanno.custom.Rebuts"] == "webanno.custom.Stance"  # attached to the one layer it joins
    assert ranges["webanno.custom.Target"] == "uima.tcas.Annotation"  # any layer: no single layer to attach to


def test_round_trip_gives_every_relation_back(exported, tmp_path: Path) -> None:
    _, out, export_report, ids = exported
    assert not [note for note in export_report.not_carried if "relation" in note], export_report.not_carried
    with Project.create(tmp_path / "copy.annot", codebook=CODEBOOK) as copy:
        report = import_paths(copy, [out], "xmi")
        assert not report.failed, report.failed
        assert not [what for what in report.not_carried if "elation" in what], report.not_carried
        assert {relation.id for relation in copy.relations.all()} == ids
    assert _relations(tmp_path / "copy.annot") == EXPECTED
    with Project.open(tmp_path / "copy.annot") as again:  # importing twice adds nothing
        import_paths(again, [out], "xmi")
        assert again.relations.count() == len(EXPECTED)


def test_types_the_codebook_lacks_are_added_with_add_labels(exported, tmp_path: Path) -> None:
    _, out, _, _ = exported
    bare = dataclasses.replace(CODEBOOK, relations=())
    with Project.create(tmp_path / "bare.annot", codebook=bare) as copy:
        report = import_paths(copy, [out], "xmi", add_labels=True)
        assert not report.failed, report.failed
        kinds = {kind.name: {a.name: a.type for a in kind.attributes} for kind in copy.codebook.get().relations}
        assert {"relation type Target", "relation type Rebuts", "relation type Framing"} <= set(report.added_labels)
    assert kinds == {"Target": {"certainty": "int", "explicit": "bool", "cue": "text"}, "Rebuts": {}, "Framing": {}}
    assert _relations(tmp_path / "bare.annot") == EXPECTED


def test_without_add_labels_missing_types_are_counted_by_name(exported, cli, tmp_path: Path) -> None:
    _, out, _, _ = exported
    bare = tmp_path / "bare.annot"
    Project.create(bare, codebook=dataclasses.replace(CODEBOOK, relations=CODEBOOK.relations[:1])).close()
    ran = cli("import", str(bare), str(out), "--format", "xmi", "--json")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    not_carried = json.loads(ran.stdout)["not_carried"]
    assert {what: n for what, n in not_carried.items() if "relation" in what} == {
        "XMI relations of a type the codebook lacks (--add-labels adds it): Rebuts": 1,
        "XMI relations of a type the codebook lacks (--add-labels adds it): Framing": 1}
    assert {row[0] for row in _relations(bare)} == {"Target"} and len(_relations(bare)) == 3


def test_a_one_layer_export_counts_the_relations_to_another_layer(exported, tmp_path: Path) -> None:
    study, *_ = exported
    with Project.open(study, readonly=True) as project:
        report = export_project(project, "xmi", tmp_path / "stance.zip", layer="Stance")
    assert [note for note in report.not_carried if "relation" in note] == [
        "relations with an end not exported (another layer): 4"]
    _, raw = _archive(tmp_path / "stance.zip")
    assert len(re.findall(r"<custom:Rebuts ", raw)) == 1 and "<custom:Target " not in raw


# ----- INCEpTION's own relation layer ------------------------------------------------------

INCEPTION_TEXT = "\U0001F621 Minister Holm rejects the plan.\r\nCritics call it vague.\r\n"


def _utf16(text: str, words: str) -> tuple[int, int]:
    start = text.index(words)
    return len(text[:start].encode("utf-16-le")) // 2, len(text[:start + len(words)].encode("utf-16-le")) // 2


def _inception_xmi(folder: Path) -> Path:
    """A CAS as INCEpTION writes one: a custom span layer Claim, a relation layer Supports attached
    to it (Governor and Dependent typed Claim, a role and a strength feature, offsets of the
    Dependent), a built-in Dependency between tokens, and a Supports whose Governor is unset."""
    folder.mkdir()
    feature = "<featureDescription><name>{}</name><description/><rangeTypeName>{}</rangeTypeName></featureDescription>"
    (folder / "TypeSystem.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<typeSystemDescription xmlns="http://uima.apache.org/resourceSpecifier"><types>'
        "<typeDescription><name>de.tudarmstadt.ukp.dkpro.core.api.segmentation.type.Token</name><description/>"
        "<supertypeName>uima.tcas.Annotation</supertypeName></typeDescription>"
        "<typeDescription><name>de.tudarmstadt.ukp.dkpro.core.api.syntax.type.dependency.Dependency</name>"
        "<description/>"
        "<supertypeName>uima.tcas.Annotation</supertypeName><features>"
        + feature.format("Governor", "de.tudarmstadt.ukp.dkpro.core.api.segmentation.type.Token")
        + feature.format("Dependent", "de.tudarmstadt.ukp.dkpro.core.api.segmentation.type.Token")
        + feature.format("DependencyType", "uima.cas.String") + "</features></typeDescription>"
        "<typeDescription><name>webanno.custom.Claim</name><description/><supertypeName>uima.tcas.Annotation"
        "</supertypeName><features>" + feature.format("kind", "uima.cas.String") + "</features></typeDescription>"
        "<typeDescription><name>webanno.custom.Supports</name><description/><supertypeName>uima.tcas.Annotation"
        "</supertypeName><features>" + feature.format("Governor", "webanno.custom.Claim")
        + feature.format("Dependent", "webanno.custom.Claim") + feature.format("role", "uima.cas.String")
        + feature.format("strength", "uima.cas.Integer")
        + "</features></typeDescription></types></typeSystemDescription>",
        encoding="utf-8")
    holm, vague = _utf16(INCEPTION_TEXT, "Minister Holm rejects"), _utf16(INCEPTION_TEXT, "call it vague")
    rejects, minister = _utf16(INCEPTION_TEXT, "rejects"), _utf16(INCEPTION_TEXT, "Minister")
    sofa = INCEPTION_TEXT.replace("\U0001F621", "&#128545;").replace("\r", "&#13;").replace("\n", "&#10;")
    (folder / "holm.xmi").write_text(
        '<?xml version="1.0" encoding="UTF-8"?><xmi:XMI xmlns:xmi="http://www.omg.org/XMI" '
        'xmlns:cas="http:///uima/cas.ecore" xmlns:custom="http:///webanno/custom.ecore" '
        'xmlns:type5="http:///de/tudarmstadt/ukp/dkpro/core/api/segmentation/type.ecore" '
        'xmlns:dependency="http:///de/tudarmstadt/ukp/dkpro/core/api/syntax/type/dependency.ecore" xmi:version="2.0">'
        '<cas:NULL xmi:id="0"/>'
        f'<custom:Supports xmi:id="40" sofa="1" begin="{holm[0]}" end="{holm[1]}" Governor="31" Dependent="30" '
        'role="backs" strength="2"/>'
        f'<custom:Supports xmi:id="41" sofa="1" begin="{holm[0]}" end="{holm[1]}" Dependent="30" role="orphan"/>'
        f'<type5:Token xmi:id="12" sofa="1" begin="{minister[0]}" end="{minister[1]}"/>'
        f'<type5:Token xmi:id="13" sofa="1" begin="{rejects[0]}" end="{rejects[1]}"/>'
        f'<dependency:Dependency xmi:id="37" sofa="1" begin="{minister[0]}" end="{minister[1]}" Governor="13" '
        'Dependent="12" DependencyType="nsubj"/>'
        f'<custom:Claim xmi:id="30" sofa="1" begin="{holm[0]}" end="{holm[1]}" kind="policy"/>'
        f'<custom:Claim xmi:id="31" sofa="1" begin="{vague[0]}" end="{vague[1]}" kind="judgement"/>'
        f'<cas:Sofa xmi:id="1" sofaNum="1" sofaID="_InitialView" mimeType="text" sofaString="{sofa}"/>'
        '<cas:View sofa="1" members="40 41 12 13 37 30 31"/></xmi:XMI>', encoding="utf-8")
    return folder / "holm.xmi"


def test_an_inception_relation_layer_becomes_relations(cli, tmp_path: Path) -> None:
    xmi = _inception_xmi(tmp_path / "in")
    project = tmp_path / "p.annot"
    assert cli("new", str(project)).returncode == 0
    ran = cli("import", str(project), str(xmi), "--add-labels", "--annotator", "ada", "--json")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    report = json.loads(ran.stdout)
    assert "relation type Supports" in report["added_labels"]
    assert report["not_carried"] == {"XMI types not read: Token": 2, "XMI types not read: Dependency": 1,
                                     "XMI types not read: Supports (an end not set)": 1}
    with Project.open(project, readonly=True) as opened:
        (relation,) = opened.relations.all()
        text = opened.documents.text(relation.document_id)
        source, target = opened.annotations.get(relation.source), opened.annotations.get(relation.target)
        kind = opened.codebook.get().relation("Supports")
    assert text == INCEPTION_TEXT.replace("\r\n", "\n")
    assert (relation.type, relation.annotator, relation.attributes) == ("Supports", "ada",
                                                                       {"role": "backs", "strength": 2})
    assert (text[source.start:source.end], source.layer, source.label) == ("call it vague", "Claim", "judgement")
    assert (text[target.start:target.end], target.label) == ("Minister Holm rejects", "policy")
    assert {a.name: a.type for a in kind.attributes} == {"role": "text", "strength": "int"}


CLAIMS = Codebook(name="claims", layers=(Layer("Claim", "span", "character", "allow", True, "", (
    Label("policy"), Label("judgement"))),))


def test_an_inception_relation_type_the_codebook_lacks_is_counted(cli, tmp_path: Path) -> None:
    xmi = _inception_xmi(tmp_path / "in")
    project = tmp_path / "p.annot"
    Project.create(project, codebook=CLAIMS).close()
    ran = cli("import", str(project), str(xmi), "--annotator", "ada", "--json")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    report = json.loads(ran.stdout)
    assert report["annotations"] == 2
    assert report["not_carried"]["XMI relations of a type the codebook lacks (--add-labels adds it): Supports"] == 1
    with Project.open(project, readonly=True) as opened:
        assert opened.relations.count() == 0


def test_attributes_the_codebook_type_lacks_or_refuses_are_counted(cli, tmp_path: Path) -> None:
    xmi = _inception_xmi(tmp_path / "in")
    project = tmp_path / "p.annot"
    strict = RelationType("Supports", attributes=(AttributeDef("strength", "int", minimum=1, maximum=1),))
    Project.create(project, codebook=dataclasses.replace(CLAIMS, relations=(strict,))).close()
    ran = cli("import", str(project), str(xmi), "--annotator", "ada", "--json")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    not_carried = json.loads(ran.stdout)["not_carried"]
    assert {what: n for what, n in not_carried.items() if what.startswith("attributes")} == {
        "attributes of XMI relations their codebook type lacks: role": 1,
        "attributes of XMI relations their codebook type refuses: strength": 1}
    with Project.open(project, readonly=True) as opened:
        (relation,) = opened.relations.all()
    assert (relation.type, relation.attributes) == ("Supports", {})
