"""Relations in the review window: listed beside the span disagreements with who has them and
whether gold has them; Accept, Accept with its ends and Reject (with a reason) decide them into
the project file; the review's Undo takes a decision back; a selected relation shows both ends
and an arc in the lanes."""

from __future__ import annotations

import sqlite3

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTabBar

from annotator.project import Project


def _span(project: Project, annotator: str, layer: str, label: str, words: str) -> str:
    doc = project.documents.ids()[0]
    start = project.documents.text(doc).index(words)
    return project.annotations.add(doc, annotator, layer, label, start, start + len(words)).primary


def _stored(project: Project, sql: str) -> list[tuple]:
    with sqlite3.connect(project.path) as db:
        return db.execute(sql).fetchall()


def _gold_relations(project: Project) -> list[tuple]:
    return _stored(project, "SELECT t.name FROM relations r JOIN relation_types t ON t.id = r.type_id "
                            "JOIN annotators a ON a.id = r.annotator_id WHERE a.name = 'curator'")


@pytest.fixture
def review(qtbot, window):
    """ada and ben both link Stance «Critics called it» → Framing «congestion charge»; ben alone
    links «Supporters expect» → «cleaner air»; the review opened on that document."""
    from annotator.gui.review import ReviewWindow

    project = window.project
    for who in ("ada", "ben"):
        stance = _span(project, who, "Stance", "Against", "Critics called it")
        target = _span(project, who, "Framing", "Economic", "congestion charge")
        project.relations.add("Target", stance, target)
    extra = _span(project, "ben", "Stance", "Favour", "Supporters expect")
    project.relations.add("Target", extra, _span(project, "ben", "Framing", "Health and safety", "cleaner air"))
    window.show_document(project.documents.ids()[0])
    window.actions_by_name["review"].trigger()
    found = window.findChild(ReviewWindow, "review_window")
    assert found is not None
    qtbot.waitExposed(found)
    qtbot.waitUntil(lambda: not found.counts_pending())
    bar = found.review_tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(1).center())
    assert found.review_tabs.currentWidget() is found.relation_review
    return found


def _rows(review) -> list[list[str]]:
    tree = review.relation_review.list
    return [[tree.topLevelItem(r).text(c) for c in range(1, tree.columnCount())]
            for r in range(tree.topLevelItemCount())]


def _click_row(qtbot, review, row: int) -> None:
    tree = review.relation_review.list
    rect = tree.visualItemRect(tree.topLevelItem(row))
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_relations_are_listed_with_who_has_them_and_gold(review) -> None:
    assert isinstance(review.review_tabs.tabBar(), QTabBar)
    assert review.review_tabs.tabText(1) == "Relations (2 open)"
    assert _rows(review) == [
        ["Target", "Stance Against «Critics called it»", "Framing Economic «congestion charge»",
         "ada, ben", "", "—"],
        ["Target", "Stance Favour «Supporters expect»", "Framing Health and safety «cleaner air»",
         "ben (not ada)", "", "—"],
    ]


def test_accept_needs_gold_ends_accept_with_ends_builds_gold_and_undo_takes_it_back(qtbot, review) -> None:
    project = review.project
    _click_row(qtbot, review, 0)
    before = project.path.read_bytes()
    qtbot.mouseClick(review.relation_review.accept_button, Qt.MouseButton.LeftButton)
    assert review.status.currentMessage() == ("accept the source span first: Stance Against «Critics called it» "
                                              "is not in the gold set (or accept the relation with its ends)")
    assert project.path.read_bytes() == before
    qtbot.mouseClick(review.relation_review.accept_ends_button, Qt.MouseButton.LeftButton)
    assert _gold_relations(project) == [("Target",)]
    assert _stored(project, "SELECT decision FROM curation_log ORDER BY id") == [("accept",)] * 3
    assert _rows(review)[0][4:] == ["in gold", "accepted"]
    assert review.status.currentMessage() == "Accepted ada’s Target with its ends into the gold set."
    qtbot.mouseClick(review.undo_button, Qt.MouseButton.LeftButton)
    assert _gold_relations(project) == [] and _stored(project, "SELECT * FROM curation_log") == []
    assert _rows(review)[0][4:] == ["", "—"]


def test_accept_between_gold_ends_then_reject_with_a_reason(qtbot, review) -> None:
    project = review.project
    _click_row(qtbot, review, 0)
    qtbot.mouseClick(review.relation_review.accept_ends_button, Qt.MouseButton.LeftButton)
    _click_row(qtbot, review, 0)
    qtbot.mouseClick(review.relation_review.reject_button, Qt.MouseButton.LeftButton)
    assert review.status.currentMessage() == "Type a reason for rejecting the relation first."
    qtbot.keyClicks(review.relation_review.reason_field, "the stance is about the vote")
    qtbot.mouseClick(review.relation_review.reject_button, Qt.MouseButton.LeftButton)
    assert _gold_relations(project) == []
    assert _stored(project, "SELECT decision, reason FROM curation_log ORDER BY id")[-1] == (
        "reject", "the stance is about the vote")
    assert _rows(review)[0][4:] == ["", "rejected: the stance is about the vote"]
    assert review.relation_review.reason_field.text() == ""


def test_ben_only_relation_accepted_once_its_ends_are_gold(qtbot, review) -> None:
    project = review.project
    _click_row(qtbot, review, 1)
    qtbot.mouseClick(review.relation_review.accept_ends_button, Qt.MouseButton.LeftButton)
    assert _gold_relations(project) == [("Target",)]
    assert review.review_tabs.tabText(1) == "Relations (1 open)"  # the agreed one is still to decide
    _click_row(qtbot, review, 1)
    assert _rows(review)[1][3:] == ["ben (not ada)", "in gold", "accepted"]


def test_a_selected_relation_shows_both_ends_and_an_arc_in_the_lanes(qtbot, review) -> None:
    text = review.project.documents.text(review.document_id)
    view = review.text_view
    plain = view.viewport().grab().toImage()
    _click_row(qtbot, review, 0)
    source, target = text.index("Critics called it"), text.index("congestion charge")
    assert view.relation_ends() == ((source, source + 17), (target, target + 17))
    qtbot.waitUntil(lambda: view.viewport().grab().toImage() != plain)
    bar = review.review_tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(0).center())
    assert view.relation_ends() is None  # the spans' tab: no relation drawn


# ----- the annotations panel's Delete asks when relations use the span -----------------------


def test_deleting_from_the_annotations_panel_asks_when_relations_use_the_span(qtbot, window) -> None:
    from PySide6.QtWidgets import QMessageBox

    from tests.gui.conftest import on_modal

    project = window.project
    window.show_document(project.documents.ids()[0])
    stance = _span(project, "ada", "Stance", "Against", "Critics called it")
    project.relations.add("Target", stance, _span(project, "ada", "Framing", "Economic", "congestion charge"))
    project.relations.add("Target", stance, _span(project, "ada", "Framing", "Political", "council"))
    view = window.annotations_panel.view
    rect = view.visualRect(view.model().index(window.annotations_panel.model.row_of(stance), 1))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    before = project.path.read_bytes()
    seen: list[str] = []
    on_modal(QMessageBox, lambda box: (seen.append(box.text()), box.button(QMessageBox.StandardButton.No).click()))
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert seen == ["Delete the span and its 2 relations?"]
    assert project.path.read_bytes() == before and window.statusBar().currentMessage() == "Nothing deleted."
    on_modal(QMessageBox, lambda box: (seen.append(box.text()), box.button(QMessageBox.StandardButton.Yes).click()))
    window.activateWindow()  # back from the question
    view.setFocus()
    qtbot.waitUntil(view.hasFocus)
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert seen == ["Delete the span and its 2 relations?"] * 2
    assert _stored(project, "SELECT COUNT(*) FROM relations") == [(0,)]
    assert _stored(project, f"SELECT COUNT(*) FROM annotations WHERE id = '{stance}'") == [(0,)]
    window.actions_by_name["undo"].trigger()
    assert _stored(project, "SELECT COUNT(*) FROM relations") == [(2,)]


# ----- the concordance window shows the relations of its hits --------------------------------


def test_the_concordance_table_and_its_csv_show_the_relations_of_hits(qtbot, window, tmp_path) -> None:
    import csv

    from annotator.gui.analysis.kwic_table import RELATIONS
    from tests.gui.test_analysis_concordance_window import open_concordance, search

    project = window.project
    stance = _span(project, "ada", "Stance", "Against", "Critics called it")
    project.relations.add("Target", stance, _span(project, "ada", "Framing", "Economic", "congestion charge"))
    concordance = open_concordance(qtbot, window)
    search(qtbot, concordance, "critics")
    model = concordance.view.model()
    assert model.headerData(RELATIONS, Qt.Orientation.Horizontal) == "Relations"
    assert model.index(0, RELATIONS).data() == "Target → Framing:Economic «congestion charge»"
    written = concordance.export_csv(tmp_path / "hits.csv")
    with written.open(encoding="utf-8", newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["relations"] == "Target → Framing:Economic «congestion charge»"
