"""Tools → Train suggestions model…: training off the window's thread, the quality table with
muted labels, Cancel, refusals, and Next uncertain document."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from annotator.project import Project
from benchmarks.suggest import LAYER, TOPICS, build_topic_project
from conftest import stored

NOISE_LABEL = "Morality"  # marked at random: nothing to learn, so muted


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """40 generated articles coded by the curator without noise (plus a label marked at random) and 10 uncoded."""
    path = tmp_path_factory.mktemp("train") / "train.annot"
    corpus = build_topic_project(path, 50, 40, sentences=5, seed=9, noise=0.0)
    rng = random.Random(1)
    with Project.open(path) as project, project.history.transaction():
        for ident in corpus.document_ids[:40]:
            for start, end, _ in corpus.truth[ident]:
                if rng.random() < 0.3:
                    project.annotations.add(ident, "curator", LAYER, NOISE_LABEL, start, end)
    return path


@pytest.fixture
def main(qtbot, settings, source: Path, tmp_path: Path):
    """The main window on a fresh copy of the project, annotating as ada."""
    from annotator.gui.main_window import MainWindow

    path = tmp_path / "train.annot"
    shutil.copy(source, path)
    window = MainWindow(settings)
    qtbot.addWidget(window)
    assert window.set_project(Project.open(path), annotator="ada")
    window.show()
    qtbot.waitExposed(window)
    return window


def open_dialog(qtbot, main):
    from annotator.gui.dialogs.train_dialog import TrainDialog

    main.actions_by_name["train_model"].trigger()
    dialog = main.findChild(TrainDialog, "train_dialog")
    assert dialog is not None and dialog.isVisible()
    qtbot.waitExposed(dialog)
    return dialog


def test_training_shows_the_quality_table_and_mutes_a_label_it_cannot_learn(qtbot, main) -> None:
    dialog = open_dialog(qtbot, main)
    assert dialog.layer.currentText() == LAYER and dialog.source.currentData() == "gold"
    assert dialog.summary.text() == "No model of this layer from this source yet." and dialog.table.rowCount() == 0
    qtbot.mouseClick(dialog.train_button, Qt.MouseButton.LeftButton)
    assert dialog.progress.isVisible() and dialog.close_button.text() == "Cancel"
    assert not dialog.train_button.isEnabled()
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=60_000)
    assert dialog.status.text().startswith("Trained in"), dialog.status.text()
    rows = {dialog.table.item(row, 0).text(): [dialog.table.item(row, c).text() for c in range(1, 5)]
            for row in range(dialog.table.rowCount())}
    assert set(rows) == {*TOPICS, f"{NOISE_LABEL} (muted)"}
    assert dialog.muted_labels() == [NOISE_LABEL]
    for label in TOPICS:
        assert float(rows[label][2]) >= 0.5 and int(rows[label][3]) > 0  # F1, support
    muted = next(row for row in range(dialog.table.rowCount()) if dialog.table.item(row, 0).text().endswith("(muted)"))
    assert dialog.table.item(muted, 3).foreground().color() != dialog.table.item(0, 3).foreground().color()
    assert "held out" in dialog.summary.text() and "muted (greyed)" in dialog.summary.text()
    [(layer, source, active)] = stored(main.project.path, "SELECT layer, trained_from, active FROM models")
    assert (layer, source, active) == (LAYER, "gold", 1)
    dialog.resize(1024, 640)
    dialog.grab().save(str(Path(main.project.path).with_name("quality.png")))

    shown = main.document_id
    main.actions_by_name["next_uncertain"].trigger()
    assert main.document_id != shown
    assert "least sure" in main.statusBar().currentMessage()


def test_cancel_stops_training_and_stores_nothing(qtbot, main) -> None:
    dialog = open_dialog(qtbot, main)
    qtbot.mouseClick(dialog.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.status.text().startswith(("Starting", "Training")), timeout=30_000)
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=10_000)
    assert dialog.status.text() == "Training cancelled; nothing was stored."
    assert dialog.train_button.isEnabled() and dialog.close_button.text() == "Close"
    assert stored(main.project.path, "SELECT COUNT(*) FROM models") == [(0,)]


def test_a_refusal_is_said_in_the_dialog_and_stores_nothing(qtbot, main) -> None:
    dialog = open_dialog(qtbot, main)
    dialog.source.setCurrentIndex(dialog.source.findData("ada"))
    qtbot.mouseClick(dialog.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=10_000)
    assert dialog.status.text().startswith("ada has marked no document done")
    assert stored(main.project.path, "SELECT COUNT(*) FROM models") == [(0,)]


def test_next_uncertain_document_without_a_model_says_how_to_get_one(qtbot, main) -> None:
    shown = main.document_id
    main.actions_by_name["next_uncertain"].trigger()
    assert main.document_id == shown
    assert "Train suggestions model" in main.statusBar().currentMessage()
