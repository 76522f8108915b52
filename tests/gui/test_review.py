"""The review window on the demo project: compare ada and ben, curate into gold, comment, undo, export."""

from __future__ import annotations

import csv
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest

from tests.gui.conftest import click_row, row_of_kind, stored

GOLD_SQL = (
    "SELECT l.name, a.span_start, a.span_end FROM annotations a JOIN annotators p ON p.id = a.annotator_id "
    "JOIN labels l ON l.id = a.label_id WHERE p.role = 'curator' AND a.document_id = ?"
)


def test_review_compares_in_lanes_refuses_a_reject_without_reason_and_keys_move_the_selection(
        qtbot, review, demo_window, demo_file: Path) -> None:
    """One review window, nothing decided in it (each part once a test of its own): ada and ben
    compared in lanes; Reject without a reason refused; N, Alt+Down and P move the selection."""
    # --- two annotators compared in lanes
    assert review.document_id == demo_window.document_id, "lanes: the main window's document"
    assert review.text_view.lanes == ["ada", "ben"], "lanes: ada and ben"
    count = review.disagreement_list.topLevelItemCount()
    assert count > 0, "lanes: disagreements listed"
    assert f"<b>{count}</b> of {count} disagreement(s) unresolved" in review.progress_label.text(), "lanes: progress"
    current = review.document_list.currentItem()
    assert current.text().startswith(f"{count} open — "), "lanes: the document's open count"
    kinds = {review.disagreement_list.topLevelItem(n).text(3) for n in range(count)}
    assert kinds <= {"label differs", "boundaries differ", "missing"} and len(kinds) >= 2, f"lanes: kinds {kinds}"

    # --- reject without a reason is refused
    assert review.current_row() == 0, "the first unresolved disagreement is selected on opening"
    assert review.selected_source() is not None, "reject: a source selected"
    qtbot.mouseClick(review.reject_button, Qt.MouseButton.LeftButton)
    assert stored(demo_file, "SELECT COUNT(*) FROM curation_log") == [(0,)], "reject without reason: nothing logged"
    assert "reason" in review.statusBar().currentMessage(), "reject without reason: said"

    # --- next and previous keys move the selection
    review.activateWindow()
    qtbot.waitUntil(review.isActiveWindow)
    click_row(qtbot, review.disagreement_list, 0)
    assert review.current_row() == 0, "keys: the clicked row"
    QTest.keyClick(review.disagreement_list, Qt.Key.Key_N)
    assert review.current_row() == 1, "keys: N"
    QTest.keyClick(review.disagreement_list, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    assert review.current_row() == 2, "keys: Alt+Down"
    QTest.keyClick(review.disagreement_list, Qt.Key.Key_P)
    assert review.current_row() == 1, "keys: P"
    selected = review.selected_disagreement()
    assert review.text_view.extraSelections()[-1].cursor.hasSelection(), "keys: the selection shown in the text"
    assert selected.start is not None, "keys: a span selected"


def test_accepting_a_source_puts_it_in_gold_and_resolves_it(qtbot, review, demo_file: Path) -> None:
    row = row_of_kind(review, "label")
    click_row(qtbot, review.disagreement_list, row)
    chosen = review.selected_disagreement()
    source = review._annotations[review.selected_source()]
    before = review.unresolved()
    qtbot.mouseClick(review.accept_button, Qt.MouseButton.LeftButton)
    gold = stored(demo_file, GOLD_SQL, (review.document_id,))
    assert (source.label, source.start, source.end) in gold
    assert review.unresolved() == before - 1
    assert review.disagreement_list.currentItem().text(0).startswith("✓")
    assert review.selected_disagreement().key == chosen.key
    assert "curator" in review.text_view.lanes


def test_reject_with_reason_is_logged(qtbot, review, demo_file: Path) -> None:
    row = row_of_kind(review, "missing")
    click_row(qtbot, review.disagreement_list, row)
    source = review.selected_source()
    qtbot.keyClicks(review.reason_field, "quote, not the paper")
    review.reason_field.insert("’s frame 🙂")  # QTest types ASCII only; the rest as if pasted
    qtbot.mouseClick(review.reject_button, Qt.MouseButton.LeftButton)
    rows = stored(demo_file, "SELECT decision, reason, curator FROM curation_log WHERE source_annotation_id = ?",
                  (source,))
    assert rows == [("reject", "quote, not the paper’s frame 🙂", "curator")]
    assert review.source_list.topLevelItem(0).text(3) == "rejected: quote, not the paper’s frame 🙂"
    assert review.reason_field.text() == ""


def test_accept_all_agreeing_lowers_the_unresolved_count(qtbot, review, demo_window, demo_file: Path) -> None:
    before = review.unresolved()
    assert before > 0
    review.min_agree.setValue(1)  # at least one of the two annotators
    qtbot.mouseClick(review.accept_agreeing_button, Qt.MouseButton.LeftButton)
    assert review.unresolved() < before
    assert review.document_count(review.document_id) == review.unresolved()
    assert len(stored(demo_file, GOLD_SQL, (review.document_id,))) > 0
    # every disagreement is settled now: the documents panel says the document is adjudicated
    assert review.unresolved() == 0
    model = demo_window.documents_panel.model
    column = model.columnCount() - 1
    assert model.headerData(column, Qt.Orientation.Horizontal) == "Adjudicated"
    assert not demo_window.documents_panel.view.horizontalHeader().isSectionHidden(column)
    assert model.index(model.row_of(review.document_id), column).data() == "✓"
    other = model.document_id(1)
    assert model.index(model.row_of(other), column).data() == ""


def test_comment_shows_in_the_thread_and_the_file(qtbot, review, demo_file: Path) -> None:
    click_row(qtbot, review.disagreement_list, 0)
    annotation = review.selected_source()
    qtbot.keyClicks(review.comments.field, "Why Economic here? The quote is about ")
    review.comments.field.insert("cafe\u0301 rents.")  # QTest types ASCII only; the rest as if pasted
    qtbot.mouseClick(review.comments.add_button, Qt.MouseButton.LeftButton)
    assert "Why Economic here?" in review.comments.thread.toPlainText()
    assert stored(demo_file, "SELECT author, body FROM comments WHERE annotation_id = ?", (annotation,)) == [
        ("ada", "Why Economic here? The quote is about cafe\u0301 rents.")]
    assert review.source_list.currentItem().text(4) == "1"
    assert "✉" in review.disagreement_list.topLevelItem(0).text(0)


def test_undo_takes_a_decision_back(qtbot, review, demo_file: Path) -> None:
    row = row_of_kind(review, "label")
    click_row(qtbot, review.disagreement_list, row)
    qtbot.mouseClick(review.accept_button, Qt.MouseButton.LeftButton)
    assert len(stored(demo_file, GOLD_SQL, (review.document_id,))) == 1
    resolved = review.unresolved()
    qtbot.mouseClick(review.undo_button, Qt.MouseButton.LeftButton)
    assert stored(demo_file, GOLD_SQL, (review.document_id,)) == []
    assert review.unresolved() == resolved + 1
    assert review.disagreement_list.topLevelItem(row).text(0).startswith("●")


def test_document_labels_are_curated_the_same_way(qtbot, review, demo_window, demo_file: Path) -> None:
    project = demo_window.project
    document = review.document_id
    ben_label = next(a for a in project.annotations.for_document(document, "ben") if a.layer == "Overall stance")
    ada_label = next(a for a in project.annotations.for_document(document, "ada") if a.layer == "Overall stance")
    other = "Against" if ada_label.label != "Against" else "Favour"
    project.annotations.set_document_label(document, "ben", "Overall stance", other)
    review.refresh()
    assert review.disagreement_list.topLevelItem(0).text(1) == "document"
    click_row(qtbot, review.disagreement_list, 0)
    review.select_source(ada_label.id)
    qtbot.mouseClick(review.accept_button, Qt.MouseButton.LeftButton)
    assert (ada_label.label, None, None) in stored(demo_file, GOLD_SQL, (document,))
    assert ben_label.id  # ben's label was relabelled in place, it is still a source
    assert review.disagreement_list.topLevelItem(0).text(0).startswith("✓")


def test_decisions_export_as_csv(qtbot, review, tmp_path: Path) -> None:
    row = row_of_kind(review, "missing")
    click_row(qtbot, review.disagreement_list, row)
    review.reason_field.setText("not in the text")
    qtbot.mouseClick(review.reject_button, Qt.MouseButton.LeftButton)
    target = tmp_path / "decisions.csv"
    assert review.export_decisions(target) == 1
    with open(target, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["decision"], r["reason"]) for r in rows] == [("reject", "not in the text")]


def test_screenshot_of_the_review(qtbot, review, tmp_path: Path) -> None:
    """The review with a decision and a comment made draws its lanes (grabbed to look at)."""
    click_row(qtbot, review.disagreement_list, row_of_kind(review, "label"))
    qtbot.mouseClick(review.accept_button, Qt.MouseButton.LeftButton)
    click_row(qtbot, review.disagreement_list, row_of_kind(review, "boundaries"))
    qtbot.keyClicks(review.comments.field, "Ben, why stop before the numbers?")
    qtbot.mouseClick(review.comments.add_button, Qt.MouseButton.LeftButton)
    review.resize(1500, 900)
    qtbot.wait(50)
    painted = review.text_view.paints
    image = review.grab()
    assert review.text_view.paints > painted
    assert image.save(str(tmp_path / "review.png"))
    assert "✉" in review.disagreement_list.currentItem().text(0)


def finish_gold_dialog(qtbot, review, layer: str | None, label: str, span: tuple[int, int] | None) -> None:
    """Fill the open Edit/Add form and press its OK button."""
    from PySide6.QtWidgets import QDialogButtonBox

    from annotator.gui.review.gold_dialog import GoldDialog

    dialog = review.findChild(GoldDialog)
    assert dialog is not None and dialog.isVisible()
    if layer is not None:
        dialog.layer_box.setCurrentText(layer)
    dialog.label_box.setCurrentText(label)
    if span is not None:
        dialog.start_box.setValue(span[0])
        dialog.end_box.setValue(span[1])
    assert dialog.preview.text().startswith("“")
    ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)


def test_edit_and_accept_takes_other_boundaries_and_label(qtbot, review, demo_file: Path) -> None:
    click_row(qtbot, review.disagreement_list, row_of_kind(review, "boundaries"))
    first, second = (review._annotations[s] for s in review.selected_disagreement().sources[:2])
    review.select_source(first.id)
    qtbot.mouseClick(review.edit_button, Qt.MouseButton.LeftButton)
    finish_gold_dialog(qtbot, review, None, "Morality", (second.start, second.end))
    assert stored(demo_file, GOLD_SQL, (review.document_id,)) == [("Morality", second.start, second.end)]
    assert stored(demo_file, "SELECT decision, source_annotation_id FROM curation_log") == [("edit", first.id)]
    assert review.disagreement_list.currentItem().text(0).startswith("✓")


def test_add_missing_puts_the_selected_text_in_gold(qtbot, review, demo_file: Path) -> None:
    text = review.text_view.text
    phrase = "200 people"
    start = text.index(phrase)
    review.text_view.set_selection(start, start + len(phrase))
    qtbot.mouseClick(review.add_button, Qt.MouseButton.LeftButton)
    finish_gold_dialog(qtbot, review, "Stance", "Neutral", None)
    assert ("Neutral", start, start + len(phrase)) in stored(demo_file, GOLD_SQL, (review.document_id,))
    assert stored(demo_file, "SELECT decision FROM curation_log") == [("add",)]
    assert "curator" in review.text_view.lanes


def test_undo_in_the_main_window_refreshes_the_review(qtbot, review, demo_window, demo_file: Path) -> None:
    click_row(qtbot, review.disagreement_list, row_of_kind(review, "label"))
    qtbot.mouseClick(review.accept_button, Qt.MouseButton.LeftButton)
    settled = review.unresolved()
    # The main window's Undo takes back its annotator's steps; the curator's have their own action.
    demo_window.findChild(QAction, "undo_curator").trigger()
    assert stored(demo_file, GOLD_SQL, (review.document_id,)) == []
    assert review.unresolved() == settled + 1
