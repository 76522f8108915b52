"""Agreement of a project's annotations: units, pooled figures, tables, report, CSV, JSON."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from annotator.errors import AnnotatorError
from annotator.model import Codebook, Label, Layer, Role, Status
from annotator.ops.agreement import (
    AgreementCancelled,
    AgreementRequest,
    compute_agreement,
    format_report,
    write_csv,
)
from annotator.ops.agreement.fast import (
    compress,
    exact_f1,
    nominal_alpha_by_group,
    overlap_f1,
    percent_by_group,
    presence_row,
    span_cover_ranges,
    unit_label_codes,
    weighted_alpha,
)
from annotator.ops.importing import import_paths
from annotator.project import Project
from annotator.stats import (
    NO_VARIATION_ALPHA,
    alpha_unitizing,
    concatenate_documents,
    krippendorff_alpha,
    percent_agreement,
    span_agreement,
    unit_labels,
    unit_presence,
)

# Texts written for these tests: four sentences each, with an emoji (astral), a combining
# accent, a non-breaking space, and CRLF line ends in the file on disk.
TEXTS = [
    "The levy costs \u00a36 a day \U0001F4B7. Shop owners call it unfair to Jose\u0301's staff.\r\n"
    "Prices\u00a0rose again. Nobody knows why.",
    "Buses will run every ten minutes. The mayor smiled \U0001F600 at the crowd.\r\n"
    "Critics were not convinced. The vote is on Friday.",
    "Farmers blocked the bridge. Police waited\u00a0nearby. Talks resumed at noon. "
    "Everyone went home \U0001F69C.",
]


def make_project(folder: Path, texts: list[str], codebook: Codebook | str = "news-discourse") -> tuple[Project, list[str]]:
    """A project holding `texts` (imported from .txt files) and annotators ada and ben."""
    source = folder / "texts"
    source.mkdir()
    for number, text in enumerate(texts):
        (source / f"article-{number:02d}.txt").write_bytes(text.encode("utf-8"))
    project = Project.create(folder / "study.annot", codebook=codebook)
    report = import_paths(project, [source])
    assert len(report.imported) == len(texts), report.failed
    for name in ("ada", "ben"):
        project.annotators.ensure(name)
    return project, project.documents.ids()


def sentences(project: Project, document_id: str) -> list[tuple[int, int]]:
    """The stored sentence offsets of a document."""
    return project.documents.segmentation(document_id).sentences


@pytest.fixture
def study(tmp_path: Path):
    project, ids = make_project(tmp_path, TEXTS)
    yield project, ids
    project.close()


def test_texts_are_segmented_into_four_sentences_with_crlf_normalised(study) -> None:
    project, ids = study
    for document_id in ids:
        assert len(sentences(project, document_id)) == 4
        assert "\r" not in project.documents.text(document_id)


def test_identical_spans_give_perfect_agreement_on_every_measure(study) -> None:
    project, ids = study
    text = project.documents.text(ids[0])
    for name in ("ada", "ben"):
        start = text.index("levy")
        project.annotations.add(ids[0], name, "Framing", "Economic", start, start + 4)
        start = text.index("\U0001F4B7")  # the emoji is one code point and one token
        project.annotations.add(ids[0], name, "Framing", "Economic", start, start + 1)
        start = text.index("unfair")
        project.annotations.add(ids[0], name, "Framing", "Morality", start, start + 6)
    report = compute_agreement(project, AgreementRequest("Framing", "token"))
    for key in ("alpha", "percent", "fleiss", "cohen_mean", "f1_exact", "f1_overlap", "alpha_u"):
        assert report.figures[key].value == pytest.approx(1.0), key
    assert report.figures["alpha"].n_units == len(project.documents.segmentation(ids[0]).tokens)
    assert report.documents == [{"id": ids[0], "title": project.documents.get(ids[0]).title}]


def test_one_disagreement_on_sentences_matches_the_hand_computed_figures(study) -> None:
    project, ids = study
    s1, s2, _, _ = sentences(project, ids[0])
    project.annotations.add(ids[0], "ada", "Framing", "Economic", *s1)
    project.annotations.add(ids[0], "ada", "Framing", "Economic", *s2)
    project.annotations.add(ids[0], "ben", "Framing", "Economic", *s1)
    project.annotations.add(ids[0], "ben", "Framing", "Morality", *s2)
    report = compute_agreement(project, AgreementRequest("Framing", "sentence"))
    # Units: ada (Economic, Economic, none, none), ben (Economic, Morality, none, none).
    # Pairable values n = 8: Economic 3, Morality 1, none 4.  Only sentence 2 disagrees, so
    # D_o = 2 / 8; D_e = (8^2 - (3^2 + 1^2 + 4^2)) / (8 * 7) = 38 / 56; alpha = 1 - (1/4) / (38/56) = 12/19.
    assert report.figures["alpha"].value == pytest.approx(12 / 19)
    assert report.figures["alpha"].n_units == 4
    assert report.figures["percent"].value == pytest.approx(3 / 4)
    # Cohen: p_o = 3/4; ada's marginals (E 2, none 2), ben's (E 1, M 1, none 2):
    # p_e = (2*1 + 2*2) / 16 = 3/8; kappa = (3/4 - 3/8) / (1 - 3/8) = 0.6.
    assert report.pair("ada", "ben").figures["cohen"].value == pytest.approx(0.6)
    # Spans: sentence 1 matches exactly and by overlap, sentence 2 differs in label: F1 = 2*1/4.
    assert report.figures["f1_exact"].value == pytest.approx(0.5)
    assert report.figures["f1_overlap"].value == pytest.approx(0.5)
    confusion = report.pair("ada", "ben").confusion
    categories = list(report.categories)
    assert confusion[categories.index("Economic"), categories.index("Morality")] == 1
    assert confusion[categories.index("none"), categories.index("none")] == 2
    assert confusion.sum() == 4
    figure = report.figures["alpha"]
    assert figure.details["unit"].startswith("sentence (4 sentences in 1 documents")
    assert "Krippendorff" in figure.details["definition"]


def test_no_variation_leaves_alpha_and_kappa_undefined_with_the_reason(study) -> None:
    project, ids = study
    for name in ("ada", "ben"):  # both finished the document and marked nothing
        project.status.set(ids[1], name, Status.DONE)
    report = compute_agreement(project, AgreementRequest("Framing", "sentence", annotators=["ada", "ben"]))
    assert report.figures["alpha"].value is None
    assert report.figures["alpha"].undefined_reason == NO_VARIATION_ALPHA
    assert "DKPro Agreement reports 0" in format_report(report)
    assert report.pair("ada", "ben").figures["cohen"].value is None
    assert report.figures["f1_exact"].value is None
    assert report.figures["percent"].value == pytest.approx(1.0)  # they did agree on every unit
    text = format_report(report)
    assert "undefined: no variation" in text


def test_an_annotator_who_did_not_code_a_document_is_missing_not_none(study) -> None:
    project, ids = study
    s1 = sentences(project, ids[0])[0]
    t1 = sentences(project, ids[2])[0]
    project.annotations.add(ids[0], "ada", "Framing", "Economic", *s1)
    project.annotations.add(ids[0], "ben", "Framing", "Economic", *s1)
    project.annotations.add(ids[2], "ada", "Framing", "Political", *t1)  # ben never opened it
    report = compute_agreement(project, AgreementRequest("Framing", "sentence"))
    assert [d["id"] for d in report.documents] == [ids[0]]
    assert report.left_out == {"fewer than two of the selected annotators coded it": 2}
    assert report.figures["alpha"].value == pytest.approx(1.0)


def test_done_only_keeps_the_documents_every_annotator_finished(study) -> None:
    project, ids = study
    for document_id in ids[:2]:
        s1 = sentences(project, document_id)[0]
        for name in ("ada", "ben"):
            project.annotations.add(document_id, name, "Framing", "Economic", *s1)
    project.status.set(ids[0], "ada", Status.DONE)
    project.status.set(ids[0], "ben", Status.DONE)
    project.status.set(ids[1], "ada", Status.DONE)  # ben has not finished the second one
    everything = compute_agreement(project, AgreementRequest("Framing", "sentence"))
    finished = compute_agreement(project, AgreementRequest("Framing", "sentence", done_only=True))
    assert [d["id"] for d in everything.documents] == ids[:2]
    assert [d["id"] for d in finished.documents] == [ids[0]]
    assert finished.left_out["not marked done by every selected annotator"] == 2
    assert finished.figures["alpha"].n_units == 4


def test_per_document_table_is_sorted_worst_first(study) -> None:
    project, ids = study
    # Document 0: full agreement; document 1: one sentence in four differs; document 2: two differ.
    for document_id, differing in ((ids[0], 0), (ids[1], 1), (ids[2], 2)):
        for k, bounds in enumerate(sentences(project, document_id)):
            project.annotations.add(document_id, "ada", "Framing", "Economic", *bounds)
            label = "Political" if k < differing else "Economic"
            project.annotations.add(document_id, "ben", "Framing", label, *bounds)
    report = compute_agreement(project, AgreementRequest("Framing", "sentence"))
    assert report.sort_measure == "alpha"
    assert [row.document_id for row in report.per_document] == [ids[2], ids[1], ids[0]]
    percent = [row.figures["percent"].value for row in report.per_document]
    assert percent == pytest.approx([0.5, 0.75, 1.0])
    text = format_report(report)
    titles = [row.title[:40] for row in report.per_document]
    assert text.index(titles[0]) < text.index(titles[1]) < text.index(titles[2])


def test_alpha_u_pooled_over_two_documents_equals_alpha_u_of_the_concatenated_continuum(study) -> None:
    project, ids = study
    text0, text1 = project.documents.text(ids[0]), project.documents.text(ids[1])
    marks = [
        (ids[0], "ada", "Economic", text0.index("levy"), text0.index("day") + 3),
        (ids[0], "ben", "Economic", text0.index("costs"), text0.index("\U0001F4B7") + 1),
        (ids[0], "ada", "Morality", text0.index("unfair"), text0.index("unfair") + 6),
        (ids[1], "ben", "Morality", text1.index("mayor"), text1.index("crowd") + 5),
        (ids[1], "ada", "Economic", text1.index("Buses"), text1.index("minutes") + 7),
        (ids[1], "ben", "Economic", text1.index("Buses"), text1.index("ten") + 3),
    ]
    for document_id, name, label, start, end in marks:
        project.annotations.add(document_id, name, "Framing", label, start, end)
    report = compute_agreement(project, AgreementRequest("Framing", "char", ("alpha_u",)))
    stored = {d: [(a.annotator, a.start, a.end, a.label) for a in project.annotations.for_document(d)]
              for d in ids[:2]}
    length, units = concatenate_documents([(len(text0), stored[ids[0]]), (len(text1), stored[ids[1]])])
    labels = [label.name for label in project.codebook.layer("Framing").labels]
    expected = alpha_unitizing(units, length, ["ada", "ben"], labels)
    assert report.figures["alpha_u"].value == pytest.approx(expected.value)
    ours = report.per_label[labels.index("Morality")].figures["alpha_u"]
    assert ours.value == pytest.approx(expected.details["per_category"]["Morality"].value)
    assert report.per_label[labels.index("Political")].figures["alpha_u"].value is None
    assert "2 documents every selected annotator coded" in report.figures["alpha_u"].details["unit"]


def test_alpha_u_per_document_equals_alpha_u_of_each_document_alone(study) -> None:
    project, ids = study
    texts = [project.documents.text(d) for d in ids]
    marks = [  # document 0: the same two spans (one over the emoji); 1: ben marked nothing; 2: differ
        (ids[0], "ada", "Economic", texts[0].index("levy"), texts[0].index("\U0001F4B7") + 1),
        (ids[0], "ben", "Economic", texts[0].index("levy"), texts[0].index("\U0001F4B7") + 1),
        (ids[0], "ada", "Morality", texts[0].index("Jose"), texts[0].index("staff")),
        (ids[0], "ben", "Morality", texts[0].index("Jose"), texts[0].index("staff")),
        (ids[1], "ada", "Political", texts[1].index("mayor"), texts[1].index("crowd") + 5),
        (ids[2], "ada", "Economic", texts[2].index("Farmers"), texts[2].index("bridge") + 6),
        (ids[2], "ben", "Economic", texts[2].index("blocked"), texts[2].index("Police") - 1),
        (ids[2], "ben", "Political", texts[2].index("Talks"), texts[2].index("noon") + 4),
    ]
    for document_id, name, label, start, end in marks:
        project.annotations.add(document_id, name, "Framing", label, start, end)
    project.status.set(ids[1], "ben", Status.DONE)  # ben read it and marked nothing
    report = compute_agreement(project, AgreementRequest("Framing", "char"))
    rows = {row.document_id: row for row in report.per_document}
    for document_id, text in zip(ids, texts):
        alone = [(a.annotator, a.start, a.end, a.label) for a in project.annotations.for_document(document_id)]
        expected = alpha_unitizing(alone, len(text), ["ada", "ben"])
        got = rows[document_id].figures["alpha_u"]
        assert got.value == expected.value and got.n_units == expected.n_units
        assert got.details == expected.details  # per category too, keyed by label name
        assert rows[document_id].n_units == len(text)
    assert rows[ids[0]].figures["alpha_u"].value == pytest.approx(1.0)
    assert rows[ids[1]].figures["alpha_u"].value < 0.5
    assert report.sort_measure == "alpha_u"
    assert [row.document_id for row in report.per_document][-1] == ids[0]  # the best comes last


def test_document_layer_unit_is_the_document(study) -> None:
    project, ids = study
    labels = [("Economic", "Economic"), ("Morality", "Morality"), ("Economic", "Morality")]
    for document_id, (first, second) in zip(ids, labels):
        project.annotations.set_document_label(document_id, "ada", "Dominant frame", first)
        project.annotations.set_document_label(document_id, "ben", "Dominant frame", second)
    report = compute_agreement(project, AgreementRequest("Dominant frame", annotators=["ada", "ben"]))
    # p_o = 2/3; ada (E 2, M 1), ben (E 1, M 2): p_e = (2 + 2) / 9 = 4/9; kappa = (2/3 - 4/9) / (5/9) = 0.4.
    assert report.unit == "document"
    assert report.pair("ada", "ben").figures["cohen"].value == pytest.approx(0.4)
    assert report.figures["percent"].value == pytest.approx(2 / 3)
    worst = report.per_document[0]
    assert worst.document_id == ids[2]
    assert worst.values == {"ada": "Economic", "ben": "Morality"}
    assert "f1_exact" not in report.figures


def test_multi_label_document_layer_has_one_present_absent_unit_per_label(tmp_path: Path) -> None:
    book = Codebook("topics", layers=(
        Layer("Topic", kind="document", multiple=True, labels=(Label("Housing"), Label("Transport"))),
    ))
    project, ids = make_project(tmp_path, TEXTS[:2], book)
    given = {("ada", 0): ["Housing"], ("ada", 1): ["Housing", "Transport"],
             ("ben", 0): ["Housing", "Transport"], ("ben", 1): ["Transport"]}
    for (name, position), labels in given.items():
        for label in labels:
            project.annotations.add(ids[position], name, "Topic", label)
    report = compute_agreement(project, AgreementRequest("Topic"))
    # Units (doc, label): (0,H) 1/1, (1,H) 1/0, (0,T) 0/1, (1,T) 1/1: percent 2/4.
    # n = 8 values, six 1s and two 0s; two disagreeing units give D_o = 4/8;
    # D_e = (64 - 36 - 4) / 56 = 24/56; alpha = 1 - (1/2) / (24/56) = -1/6.
    assert report.figures["percent"].value == pytest.approx(0.5)
    assert report.figures["alpha"].value == pytest.approx(-1 / 6)
    assert report.figures["alpha"].n_units == 4
    assert report.categories == ("absent", "present")
    assert any("present or absent" in note for note in report.notes)
    project.close()


def test_attribute_agreement_on_spans_both_annotators_marked(study) -> None:
    project, ids = study
    s1, s2, s3, _ = sentences(project, ids[0])
    for bounds, first, second in ((s1, 1, 3), (s2, 2, 2)):
        project.annotations.add(ids[0], "ada", "Stance", "Favour", *bounds, attributes={"intensity": first})
        project.annotations.add(ids[0], "ben", "Stance", "Favour", *bounds, attributes={"intensity": second})
    project.annotations.add(ids[0], "ada", "Stance", "Against", *s3, attributes={"intensity": 1})  # ben: none
    report = compute_agreement(project, AgreementRequest(
        "Stance", "sentence", attribute="intensity", level="interval"))
    # Pairable units: s1 (1, 3) and s2 (2, 2); s3 has one value and is left out.
    # Interval: D_o = (4 + 4) / 4 = 2; D_e = 2 * (1*2*1 + 1*1*4 + 2*1*1) / (4 * 3) = 4/3; alpha = -0.5.
    assert report.figures["alpha"].value == pytest.approx(-0.5)
    assert report.figures["alpha"].n_units == 2
    assert report.categories == (1, 2, 3)
    assert "weighted" in report.pair("ada", "ben").figures
    assert report.per_label == []


def test_curator_is_left_out_unless_named(study) -> None:
    project, ids = study
    project.annotators.ensure("gold", Role.CURATOR)
    s1 = sentences(project, ids[0])[0]
    for name in ("ada", "ben", "gold"):
        project.annotations.add(ids[0], name, "Framing", "Economic", *s1)
    assert compute_agreement(project, AgreementRequest("Framing", "sentence")).annotators == ("ada", "ben")
    named = compute_agreement(project, AgreementRequest("Framing", "sentence", annotators="ada,gold"))
    assert named.annotators == ("ada", "gold")
    assert [(p.first, p.second) for p in named.pairs] == [("ada", "gold")]


def test_three_annotators_get_cohen_per_pair_and_its_mean(study) -> None:
    project, ids = study
    project.annotators.ensure("cy")
    s1, s2, _, _ = sentences(project, ids[0])
    for name, second in (("ada", "Economic"), ("ben", "Economic"), ("cy", "Morality")):
        project.annotations.add(ids[0], name, "Framing", "Economic", *s1)
        project.annotations.add(ids[0], name, "Framing", second, *s2)
    report = compute_agreement(project, AgreementRequest("Framing", "sentence", ("cohen", "fleiss")))
    kappas = [p.figures["cohen"].value for p in report.pairs]
    assert len(kappas) == 3 and kappas[0] == pytest.approx(1.0)
    assert report.figures["cohen_mean"].value == pytest.approx(np.mean(kappas))
    assert set(report.figures) == {"cohen_mean", "fleiss"}


def test_fewer_than_two_annotators_leave_every_figure_undefined(study) -> None:
    project, ids = study
    s1 = sentences(project, ids[0])[0]
    project.annotations.add(ids[0], "ada", "Framing", "Economic", *s1)
    report = compute_agreement(project, AgreementRequest("Framing", "sentence"))
    assert report.annotators == ("ada",) and report.documents == []
    assert report.figures and all(f.value is None and f.undefined_reason for f in report.figures.values())
    assert any("agreement needs at least two" in note for note in report.notes)


def test_requests_the_layer_cannot_satisfy_are_refused_with_a_reason(study) -> None:
    project, _ = study
    with pytest.raises(AnnotatorError, match='no layer "Frames"'):
        compute_agreement(project, AgreementRequest("Frames"))
    with pytest.raises(AnnotatorError, match="labels whole documents"):
        compute_agreement(project, AgreementRequest("Dominant frame", measures="alpha_u"))
    with pytest.raises(AnnotatorError, match="unit is document"):
        compute_agreement(project, AgreementRequest("Dominant frame", "token"))
    with pytest.raises(AnnotatorError, match='no annotator "zoe"'):
        compute_agreement(project, AgreementRequest("Framing", annotators=["ada", "zoe"]))
    with pytest.raises(AnnotatorError, match="no attribute"):
        compute_agreement(project, AgreementRequest("Framing", attribute="intensity"))
    with pytest.raises(AnnotatorError, match="unknown measure"):
        AgreementRequest("Framing", measures="kappa")
    with pytest.raises(AnnotatorError, match="interval data needs numbers"):
        compute_agreement(project, AgreementRequest("Stance", attribute="target", level="interval"))


def test_progress_reaches_the_end_and_cancel_stops_the_computation(study) -> None:
    project, ids = study
    s1 = sentences(project, ids[0])[0]
    for name in ("ada", "ben"):
        project.annotations.add(ids[0], name, "Framing", "Economic", *s1)
    seen: list[tuple[int, int]] = []
    compute_agreement(project, AgreementRequest("Framing", "token"), progress=lambda d, t: seen.append((d, t)))
    assert seen and seen[-1][0] == seen[-1][1]
    assert all(a[0] <= b[0] for a, b in zip(seen, seen[1:]))
    calls = []

    def stop_on_third() -> bool:
        calls.append(1)
        return len(calls) >= 3

    with pytest.raises(AgreementCancelled):
        compute_agreement(project, AgreementRequest("Framing", "token"), cancelled=stop_on_third)


def test_bootstrap_interval_is_reported_with_its_seed_and_repeats(study) -> None:
    project, ids = study
    for document_id in ids:
        for k, bounds in enumerate(sentences(project, document_id)):
            project.annotations.add(document_id, "ada", "Framing", "Economic", *bounds)
            project.annotations.add(document_id, "ben", "Framing", "Economic" if k else "Morality", *bounds)
    request = AgreementRequest("Framing", "sentence", ("alpha",), bootstrap=200, seed=7)
    first = compute_agreement(project, request).figures["alpha"]
    again = compute_agreement(project, request).figures["alpha"]
    assert first.details["seed"] == 7 and first.details["n_resamples"] == 200
    assert -1.0 <= first.details["ci_low"] <= first.details["ci_high"] <= 1.0
    assert (first.details["ci_low"], first.details["ci_high"]) == (again.details["ci_low"], again.details["ci_high"])
    report = compute_agreement(project, request)
    assert "seed 7" in format_report(report)


def test_demo_project_report_json_and_csv(tmp_path: Path) -> None:
    from annotator.ops.demo import build_demo

    path = build_demo(tmp_path / "demo.annot")
    with Project.open(path, readonly=True) as project:
        report = compute_agreement(project, AgreementRequest("Framing", "sentence"))
        finished = compute_agreement(project, AgreementRequest("Framing", "sentence", done_only=True))
    assert report.annotators == ("ada", "ben")
    assert len(report.documents) == 5 and len(finished.documents) == 3
    assert 0.0 < report.figures["alpha"].value < 1.0
    data = json.loads(json.dumps(report.to_dict()))
    assert data["unit"] == "sentence" and data["annotators"] == ["ada", "ben"]
    for key in ("percent", "cohen_mean", "fleiss", "alpha", "alpha_u", "f1_exact", "f1_overlap"):
        figure = data["figures"][key]
        assert figure["n_units"] > 0 and figure["details"]["unit"] and figure["details"]["definition"]
    assert "rule" in data["figures"]["f1_overlap"]["details"]
    assert len(data["per_document"]) == 5 and len(data["per_label"]) == 15
    assert data["pairs"][0]["confusion"]["categories"][-1] == "none"
    target = write_csv(report, tmp_path / "agreement.csv")
    with target.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["table"] for row in rows} == {"scope", "pooled", "pairwise", "per_label", "per_document", "confusion"}
    alpha = next(r for r in rows if r["table"] == "pooled" and r["measure"] == "alpha")
    assert float(alpha["value"]) == pytest.approx(report.figures["alpha"].value)
    counts = [int(r["value"]) for r in rows if r["table"] == "confusion"]
    assert sum(counts) == report.pair("ada", "ben").confusion.sum() == report.figures["alpha"].n_units
    text = format_report(report)
    assert "Krippendorff's alpha" in text and "Per document, worst first" in text


def test_spans_imported_from_jsonl_then_compared(tmp_path: Path) -> None:
    text = "Rents doubled \U0001F3E0 in two years. Tenants\u00a0marched on Sunday. The minister stayed silent."
    rent, march = (0, text.index(".") + 1), (text.index("Tenants"), text.index("Sunday") + 6)
    silent = (text.index("minister"), len(text) - 1)
    record = {"id": "rent-1", "text": text, "meta": {"title": "Rent march"}, "spans": [
        {"start": rent[0], "end": rent[1], "layer": "Framing", "label": "Economic", "annotator": "ada"},
        {"start": rent[0], "end": rent[1], "layer": "Framing", "label": "Economic", "annotator": "ben"},
        {"start": march[0], "end": march[1], "layer": "Framing", "label": "Public opinion", "annotator": "ada"},
        {"start": silent[0], "end": silent[1], "layer": "Framing", "label": "Political", "annotator": "ben"},
    ]}
    source = tmp_path / "coded.jsonl"
    source.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    with Project.create(tmp_path / "j.annot") as project:
        report = import_paths(project, [source])
        assert not report.failed
        result = compute_agreement(project, AgreementRequest("Framing", "sentence"))
    # Sentences: ada (Economic, Public opinion, none), ben (Economic, none, Political).
    # n = 6: Economic 2, Public opinion 1, Political 1, none 2.  Two disagreeing units:
    # D_o = 4/6; D_e = (36 - (4 + 1 + 1 + 4)) / 30 = 26/30; alpha = 1 - (4/6) / (26/30) = 3/13.
    assert result.annotators == ("ada", "ben")
    assert result.figures["alpha"].value == pytest.approx(3 / 13)
    assert result.figures["f1_exact"].value == pytest.approx(0.5)  # one of two spans each matches


# ----- the fast paths equal the stats functions they stand for -------------------------------


def random_values(rng: np.random.Generator, coders: int, units: int, values: int) -> np.ndarray:
    data = rng.integers(0, values, (coders, units)).astype(float)
    data[rng.random((coders, units)) < 0.25] = np.nan
    return data


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval"])
def test_compressed_alpha_and_percent_equal_the_stats_functions(level: str) -> None:
    rng = np.random.default_rng(3)
    for trial in range(20):
        data = random_values(rng, int(rng.integers(2, 5)), int(rng.integers(1, 60)), int(rng.integers(1, 5)))
        groups = rng.integers(0, 3, data.shape[1])
        patterns, counts, group = compress(data, groups)
        categories = None if level == "interval" else [float(k) for k in range(5)]
        for g in range(3):
            part = data[:, groups == g]
            expected = krippendorff_alpha(part, level, categories)
            got = weighted_alpha(patterns[:, group == g], counts[group == g], level, categories)
            assert (got.value is None) == (expected.value is None), (trial, g)
            if expected.value is not None:
                assert got.value == pytest.approx(expected.value)
            assert got.n_units == expected.n_units
            if level == "nominal":
                by_group = nominal_alpha_by_group(patterns, counts, group, 3)[g]
                assert by_group.undefined_reason == expected.undefined_reason
                assert by_group.n_units == expected.n_units
                if expected.value is not None:
                    assert by_group.value == pytest.approx(expected.value)
            want = percent_agreement(part) if part.size else None
            mine = percent_by_group(patterns, counts, group, 3)[g]
            if want is not None:
                assert mine.value == pytest.approx(want.value) if want.value is not None else mine.value is None
                assert mine.n_units == want.n_units


def test_projection_presence_and_span_f1_fast_paths_equal_the_stats_functions() -> None:
    rng = np.random.default_rng(5)
    starts = np.arange(0, 400, 4)
    ends = starts + 3
    for _ in range(20):
        spans = []
        for _ in range(2):
            first = np.sort(rng.integers(0, 390, rng.integers(0, 25)))
            spans.append([(int(s), int(s + rng.integers(1, 12)), int(rng.integers(0, 3))) for s in first])
        expected = unit_presence(starts, ends, {"a": spans[0]}, [0, 1, 2])
        arrays = [tuple(np.asarray([s[k] for s in side], dtype=np.int64) for k in range(3)) for side in spans]
        projected = unit_labels(starts, ends, {"a": spans[0]}, [0, 1, 2], "none")
        assert np.array_equal(unit_label_codes(starts, ends, *arrays[0], 3), projected.values[0])
        for label in range(3):
            mine = [s for s in spans[0] if s[2] == label]
            first, stop = span_cover_ranges(starts, ends, np.asarray([s[0] for s in mine], dtype=np.int64),
                                            np.asarray([s[1] for s in mine], dtype=np.int64))
            assert np.array_equal(presence_row(first, stop, len(starts)), expected[label][0])
        for matching, fast in (("exact", exact_f1), ("overlap", overlap_f1)):
            want = span_agreement(spans[0], spans[1], matching)
            got = fast(arrays[0], arrays[1])
            assert got.details["matched"] == want.details["matched"], matching
            assert got.value == want.value


def test_overlap_f1_on_crowded_spans_equals_the_stats_matching() -> None:
    # Dense spans of two labels: lone one-to-one pairs, chains and stars of overlaps together.
    rng = np.random.default_rng(11)
    for trial in range(300):
        spans = []
        for _ in range(2):
            first = np.sort(rng.integers(0, 60, rng.integers(0, 15)))
            spans.append([(int(s), int(s + rng.integers(1, 8)), int(rng.integers(0, 2))) for s in first])
        arrays = [tuple(np.asarray([s[k] for s in side], dtype=np.int64) for k in range(3)) for side in spans]
        want = span_agreement(spans[0], spans[1], "overlap")
        got = overlap_f1(arrays[0], arrays[1])
        assert got.details["matched"] == want.details["matched"], (trial, spans)
        assert got == want


def test_the_text_report_names_the_labels_it_compared(study) -> None:
    project, ids = study
    s1 = sentences(project, ids[0])[0]
    project.annotations.add(ids[0], "ada", "Framing", "Economic", *s1)
    project.annotations.add(ids[0], "ben", "Framing", "Morality", *s1)
    restricted = compute_agreement(project, AgreementRequest("Framing", "sentence", labels=["Economic", "Morality"]))
    assert "labels compared: 2 (Economic, Morality)" in format_report(restricted)
    everything = compute_agreement(project, AgreementRequest("Framing", "sentence"))
    total = len(project.codebook.layer("Framing").labels)
    assert f"labels compared: {total}\n" in format_report(everything)  # too many to list
