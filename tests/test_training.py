"""Suggestion models trained on the project's coding: learnability, evaluation, storage, refusals."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from annotator.errors import AnnotatorError
from annotator.model import Role, Status
from annotator.nlp.training import MIN_EXAMPLES, ModelLoadError, TrainingCancelled
from annotator.ops.models import (
    MIN_DOCUMENTS,
    list_models,
    model_suggestions,
    quality_floor,
    train,
    uncertainty,
)
from annotator.project import Project
from benchmarks.suggest import LAYER, TOPICS, TopicCorpus, build_topic_project, sentence_scores


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[TopicCorpus, dict]:
    """300 generated articles, the first 250 coded by the curator with 10 % label noise, and a
    model of Framing trained on them (200 documents trained, 50 held out)."""
    path = tmp_path_factory.mktemp("learn") / "learn.annot"
    corpus = build_topic_project(path, 300, 250, sentences=5, noise=0.1, seed=0)
    with Project.open(path) as project:
        result = train(project, LAYER)
    return corpus, result.as_dict()


def test_a_model_learns_topic_sentences_from_noisy_gold(trained: tuple[TopicCorpus, dict]) -> None:
    corpus, result = trained
    assert (result["n_train"], result["n_test"]) == (200, 50)
    unseen = corpus.document_ids[250:]  # never coded, never seen in training
    with Project.open(corpus.path) as project:
        suggested = model_suggestions(project, LAYER, unseen)
    figures = sentence_scores(suggested, corpus, unseen)
    print("learnability, sentence level on 50 unseen documents:", figures, "held out:", result["per_label"])
    for label in TOPICS:
        assert figures[label]["precision"] >= 0.8, figures
        assert figures[label]["recall"] >= 0.8, figures
    assert {s.source for s in suggested} == {f"model:{result['model_id']}"}
    assert all(s.layer == LAYER and 0.5 <= s.score <= 1 for s in suggested)
    starts = {(ident, start) for ident in unseen for start, _, _ in corpus.truth[ident]}
    assert {(s.document_id, s.start) for s in suggested} <= starts  # whole sentences


def test_the_model_is_stored_in_the_file_and_travels_with_a_copy(trained: tuple[TopicCorpus, dict],
                                                                 tmp_path: Path) -> None:
    corpus, result = trained
    connection = sqlite3.connect(corpus.path)
    row = connection.execute("SELECT layer, trained_from, spacy_version, kind, n_train, n_test, length(blob), "
                             "length(data_hash), evaluation FROM models WHERE id = ?", [result["model_id"]]).fetchone()
    connection.close()
    assert row[:6] == (LAYER, "gold", __import__("spacy").__version__, "textcat_multilabel:sentence", 200, 50)
    assert row[6] > 10_000 and row[7] == 64 and '"seed": 0' in row[8]
    copy = tmp_path / "copy.annot"
    shutil.copy(corpus.path, copy)
    with Project.open(copy) as project:
        [info] = list_models(project)
        assert info.id == result["model_id"] and info.active
        assert info.evaluation["per_label"] == result["per_label"]
        assert model_suggestions(project, LAYER, corpus.document_ids[260:261])


def test_uncertainty_ranks_a_document_of_unknown_words_above_a_clear_one(trained: tuple[TopicCorpus, dict]) -> None:
    corpus, _ = trained
    from annotator.ops.importing import import_paths

    folder = corpus.path.parent / "odd"
    folder.mkdir(exist_ok=True)
    (folder / "odd.txt").write_text("Zorbly quanth vexilla morrow. Plinth garrow ustaf emble.", encoding="utf-8")
    with Project.open(corpus.path) as project:
        import_paths(project, [folder])
        odd = project.documents.ids()[-1]
        clear = corpus.document_ids[270]
        found = uncertainty(project, LAYER, [clear, odd])
    assert set(found) == {clear, odd} and all(0.0 <= v <= 1.0 for v in found.values())
    assert found[odd] > found[clear], found


def test_labels_under_the_quality_floor_are_muted(trained: tuple[TopicCorpus, dict]) -> None:
    corpus, result = trained
    worst = min(result["per_label"], key=lambda label: result["per_label"][label]["f1"])
    with Project.open(corpus.path) as project:
        assert quality_floor(project) == 0.5
        project.set_setting("suggestion_quality_floor", str(result["per_label"][worst]["f1"] + 0.001))
        try:
            suggested = model_suggestions(project, LAYER, corpus.document_ids[250:])
            [info] = list_models(project, LAYER, active_only=True)
            assert info.muted(quality_floor(project)) == [worst]
        finally:
            project.set_setting("suggestion_quality_floor", "0.5")
    assert suggested and worst not in {s.label for s in suggested}


@pytest.fixture(scope="module")
def retrain_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small project: 30 articles coded by ada (marked done) and 30 by the curator."""
    path = tmp_path_factory.mktemp("small") / "small.annot"
    corpus = build_topic_project(path, 30, 30, sentences=5, seed=4, coder="ada")
    with Project.open(path) as project:
        project.annotators.ensure("curator", Role.CURATOR)
        for ident in corpus.document_ids:
            for item in project.annotations.for_document(ident, "ada"):
                project.annotations.add(ident, "curator", item.layer, item.label, item.start, item.end)
    return path


def test_training_again_supersedes_the_model_of_the_same_source(retrain_path: Path) -> None:
    with Project.open(retrain_path) as project:
        seen = []
        unsubscribe = project.events.subscribe(seen.append)
        first = train(project, LAYER, "ada")
        gold = train(project, LAYER)
        second = train(project, LAYER, "ada")
        unsubscribe()
        models = {m.id: m for m in list_models(project)}
        assert not models[first.model_id].active and models[first.model_id].size == 0
        assert models[second.model_id].active and models[gold.model_id].active
        assert first.per_label == second.per_label  # same data, same seed: same model
        assert [("models" in c.tables) for c in seen] == [True, True, True]
        with pytest.raises(AnnotatorError, match="no weights"):
            from annotator.ops.models import loaded

            loaded(project, models[first.model_id])
        info = project.info()
    assert [m["id"] for m in info["models"] if m["active"]] == [second.model_id, gold.model_id]


def test_training_can_be_cancelled_and_stores_nothing(retrain_path: Path) -> None:
    with Project.open(retrain_path) as project:
        before = len(list_models(project))
        with pytest.raises(TrainingCancelled):
            train(project, LAYER, "ada", cancelled=lambda: True)
        assert len(list_models(project)) == before


def _refused(path: Path, match: str, layer: str = LAYER, trained_from: str = "gold") -> None:
    """Training is refused with a message matching `match`; the project file is byte-identical."""
    before = path.read_bytes()
    with pytest.raises(AnnotatorError, match=match):
        train(path, layer, trained_from)
    assert path.read_bytes() == before


def test_a_layer_without_gold_is_refused(project: Project) -> None:
    path = project.path
    project.annotators.ensure("curator", Role.CURATOR)
    project.close()
    _refused(path, 'layer "Framing" has no gold annotations to train on')


def test_a_project_without_a_curator_is_refused(project: Project) -> None:
    project.close()
    _refused(project.path, "no curator, so no gold set")


def test_an_unknown_annotator_and_one_with_nothing_done_are_refused(project: Project) -> None:
    project.close()
    _refused(project.path, 'no annotator "zoe"', trained_from="zoe")
    _refused(project.path, "ada has marked no document done", trained_from="ada")
    _refused(project.path, 'no layer "Nope"', layer="Nope")


def test_too_few_documents_are_refused(project: Project) -> None:
    for ident in project.documents.ids():
        project.status.set(ident, "ada", Status.DONE)
    project.close()
    _refused(project.path, f"too few documents to train on: 2 .*at least {MIN_DOCUMENTS}", trained_from="ada")


def test_too_few_examples_are_refused_stating_the_minimum_per_label(tmp_path: Path) -> None:
    path = tmp_path / "few.annot"
    build_topic_project(path, 6, 6, sentences=1, seed=2)
    _refused(path, f"each label needs at least {MIN_EXAMPLES} sentences carrying it \\(found: ")


def test_a_model_from_a_newer_spacy_is_refused_in_one_line(retrain_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "newer.annot"
    shutil.copy(retrain_path, path)
    connection = sqlite3.connect(path)
    with connection:  # as a newer version would write it: its version, a config this spaCy lacks
        for ident, blob in connection.execute("SELECT id, blob FROM models WHERE active = 1").fetchall():
            connection.execute("UPDATE models SET spacy_version = '9.1.0', blob = ? WHERE id = ?",
                               [blob.replace(b"TextCatBOW.v3", b"TextCatBOW.v9"), ident])
    connection.close()
    before = path.read_bytes()
    with Project.open(path) as project:
        with pytest.raises(ModelLoadError) as refused:
            model_suggestions(project, LAYER, project.documents.ids()[:1])
    message = str(refused.value)
    assert "trained with spaCy 9.1.0, newer than this application's spaCy" in message
    assert "\n" not in message and "train it again" in message
    assert path.read_bytes() == before


def test_a_document_layer_is_learned_document_by_document(tmp_path: Path) -> None:
    path = tmp_path / "documents.annot"
    corpus = build_topic_project(path, 40, 0, sentences=4, seed=6, coder="ada", done=False)
    with Project.open(path) as project:
        for ident in corpus.document_ids:
            economic = sum("Economic" in labels for _, _, labels in corpus.truth[ident])
            crime = sum("Crime and punishment" in labels for _, _, labels in corpus.truth[ident])
            label = "Economic" if economic >= crime else "Crime and punishment"
            project.annotations.add(ident, "ada", "Dominant frame", label)
            project.status.set(ident, "ada", Status.DONE)
        result = train(project, "Dominant frame", "ada")
        suggested = model_suggestions(project, "Dominant frame", corpus.document_ids[:5])
        [info] = list_models(project)
    assert (result.unit, result.n_train, result.n_test) == ("document", 32, 8)
    assert set(result.per_label) == {"Economic", "Crime and punishment"}
    assert info.kind == "textcat_multilabel:document"
    assert suggested and all(s.start is None and s.end is None and s.layer == "Dominant frame" for s in suggested)
