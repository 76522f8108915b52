"""The agreement dashboard restricted to chosen labels and documents, checked against the ops layer."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QDialogButtonBox

from annotator.gui.agreement import AgreementDashboard
from annotator.gui.agreement.controls import AgreementControls
from annotator.gui.agreement.export import scope_line
from annotator.gui.agreement.subset import DONE, PAGE, SELECTED, DocumentEntry, DocumentSubsetDialog
from annotator.model import Status
from annotator.ops.agreement import AgreementRequest, compute_agreement
from annotator.project import Project

TWO_LABELS = ("Economic", "Legality, constitutionality and jurisprudence")  # the second holds a comma


@pytest.fixture
def dashboard(qtbot, settings, demo_path: Path):
    """Analyze → Inter-annotator agreement on a copy of the demo (ada and ben coded five articles)."""
    from annotator.gui.main_window import MainWindow

    main = MainWindow(settings)
    qtbot.addWidget(main)
    assert main.set_project(Project.open(demo_path), annotator="ada")
    main.show()
    qtbot.waitExposed(main)
    main.actions_by_name["agreement"].trigger()
    (opened,) = main.findChildren(AgreementDashboard)
    qtbot.waitExposed(opened)
    opened.controls.set_layer("Framing")
    opened.controls.set_unit("token")
    yield opened
    opened.stop()


def compute(qtbot, dashboard: AgreementDashboard) -> None:
    """Press Compute and wait for the worker thread to report back."""
    assert dashboard.compute_button.isEnabled(), dashboard.blocked.text()
    qtbot.mouseClick(dashboard.compute_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dashboard.is_running(), timeout=20_000)
    assert dashboard.outcome == "computed", dashboard.status.text()


def direct(dashboard: AgreementDashboard, **options) -> float | None:
    """Krippendorff's alpha straight from the operation, on the main window's project."""
    request = AgreementRequest(layer="Framing", unit="token", annotators=("ada", "ben"), **options)
    return compute_agreement(dashboard.window_.project, request).figure("alpha").value


def toggle_label(qtbot, controls: AgreementControls, name: str) -> None:
    """Move to a label in the list and press Space, as a keyboard user would."""
    labels = controls.label_list
    (item,) = labels.findItems(name, Qt.MatchFlag.MatchExactly)
    labels.setCurrentItem(item)
    qtbot.keyClick(labels, Qt.Key.Key_Space)


def check_only(qtbot, controls: AgreementControls, names: tuple[str, ...]) -> None:
    """None, then check each of `names`."""
    qtbot.mouseClick(controls.no_labels_button, Qt.MouseButton.LeftButton)
    for name in names:
        toggle_label(qtbot, controls, name)


def document_ids(dashboard: AgreementDashboard, *title_starts: str) -> tuple[str, ...]:
    """Ids of the demo documents whose titles start so, in corpus order."""
    project = dashboard.window_.project
    documents = project.documents.many(project.documents.ids())
    return tuple(d.id for d in documents if d.title.startswith(title_starts))


def pick_documents(qtbot, dashboard: AgreementDashboard, *filters: str) -> DocumentSubsetDialog:
    """Choose "Selected documents…", then for each filter type it and press Check shown."""
    controls = dashboard.controls
    controls.document_box.setCurrentIndex(controls.document_box.findData(SELECTED))
    dialog = controls.subset_dialog
    assert dialog is not None and dialog.isVisible()
    for text in filters:
        dialog.filter.clear()
        qtbot.keyClicks(dialog.filter, text)
        qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    return dialog


def press_ok(qtbot, dialog: DocumentSubsetDialog) -> None:
    """Click the picker's OK button."""
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)


def test_checking_two_labels_gives_the_alpha_of_that_restricted_request(qtbot, dashboard) -> None:
    controls = dashboard.controls
    assert controls.label_count.text() == "15 of 15 labels"
    assert controls.request().labels == ()
    check_only(qtbot, controls, TWO_LABELS)
    assert controls.label_count.text() == "2 of 15 labels"
    assert controls.request().labels == TWO_LABELS
    compute(qtbot, dashboard)
    restricted, everything = direct(dashboard, labels=TWO_LABELS), direct(dashboard)
    assert f"{restricted:.3f}" != f"{everything:.3f}"
    assert dashboard.overview.value_text("alpha") == f"{restricted:.3f}"
    assert dashboard.per_label.table.rowCount() == 2
    heading = dashboard.overview.heading.text()
    assert "2 of 15 labels" in heading and "Legality, constitutionality and jurisprudence" in heading
    banner = dashboard.scope_banner
    assert banner.isVisible() and "Restricted" in banner.text() and "2 of 15 labels" in banner.text()
    qtbot.mouseClick(controls.all_labels_button, Qt.MouseButton.LeftButton)
    compute(qtbot, dashboard)
    assert dashboard.overview.value_text("alpha") == f"{everything:.3f}"
    assert "all 15 labels" in banner.text() and "Restricted" not in banner.text()


def test_no_label_checked_disables_compute_and_says_why(qtbot, dashboard) -> None:
    controls = dashboard.controls
    assert dashboard.compute_button.isEnabled() and not dashboard.blocked.isVisible()
    qtbot.mouseClick(controls.no_labels_button, Qt.MouseButton.LeftButton)
    assert controls.label_count.text() == "0 of 15 labels"
    assert not dashboard.compute_button.isEnabled()
    assert dashboard.blocked.isVisible() and dashboard.blocked.text() == "Check at least one label."
    qtbot.keyClick(dashboard, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # the shortcut refuses too
    assert not dashboard.is_running() and dashboard.report is None
    toggle_label(qtbot, controls, "Morality")
    assert dashboard.compute_button.isEnabled() and not dashboard.blocked.isVisible()


def test_a_label_filter_does_not_follow_the_analyst_to_another_layer(qtbot, dashboard) -> None:
    controls = dashboard.controls
    check_only(qtbot, controls, ("Economic",))
    controls.set_layer("Dominant frame")  # the same label names, on whole documents
    assert controls.label_count.text() == "15 of 15 labels"
    assert controls.request().labels == ()
    controls.set_layer("Stance")
    assert [controls.label_list.item(i).text() for i in range(controls.label_list.count())] == [
        "Favour", "Against", "Neutral"]
    controls.set_layer("Framing")
    assert controls.labels() == controls.scope().layer_labels and len(controls.labels()) == 15


def test_documents_picked_in_the_dialog_restrict_the_figures(qtbot, dashboard) -> None:
    dialog = pick_documents(qtbot, dashboard, "council", "not for sale")
    assert dialog.count.text() == "2 of 5 documents checked (1 shown)"
    press_ok(qtbot, dialog)
    controls = dashboard.controls
    chosen = document_ids(dashboard, "Council", "The valley")
    assert len(chosen) == 2 and controls.request().documents == chosen
    assert controls.document_count.text() == "2 of 5 documents, chosen by hand"
    compute(qtbot, dashboard)
    restricted = direct(dashboard, documents=chosen)
    assert f"{restricted:.3f}" != f"{direct(dashboard):.3f}"
    assert dashboard.overview.value_text("alpha") == f"{restricted:.3f}"
    assert dashboard.documents.model.rowCount() == 2
    assert "2 of 5 documents (chosen by hand)" in dashboard.overview.heading.text()
    # Choose… reopens the picker with the same two checked
    qtbot.mouseClick(controls.choose_documents_button, Qt.MouseButton.LeftButton)
    again = controls.subset_dialog
    assert again is not None and again.chosen() == chosen
    again.reject()
    assert controls.request().documents == chosen


def test_cancelling_the_picker_with_nothing_chosen_goes_back_to_all_documents(qtbot, dashboard) -> None:
    dialog = pick_documents(qtbot, dashboard)
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()  # nothing checked
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    controls = dashboard.controls
    assert controls.document_box.currentText() == "All documents"
    assert controls.request().documents == () and dashboard.compute_button.isEnabled()


def test_done_documents_reuse_the_requests_done_only(qtbot, dashboard) -> None:
    controls = dashboard.controls
    controls.set_document_choice(DONE)
    request = controls.request()
    assert request.done_only and request.documents == ()
    assert controls.document_count.text() == "3 of 5 documents, done by ada and ben"
    compute(qtbot, dashboard)
    assert dashboard.overview.value_text("alpha") == f"{direct(dashboard, done_only=True):.3f}"
    assert "3 of 5 documents (marked done by every selected annotator)" in dashboard.scope_banner.text()
    # both mark a fourth article done in the main window, then come back to the dashboard
    window = dashboard.window_
    fourth = window.project.documents.ids()[3]
    for annotator in ("ada", "ben"):
        window.project.status.set(fourth, annotator, Status.DONE)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    dashboard.activateWindow()
    qtbot.waitUntil(lambda: controls.document_count.text() == "4 of 5 documents, done by ada and ben")
    assert "press Compute to update" in dashboard.status.text()
    compute(qtbot, dashboard)
    assert dashboard.overview.value_text("alpha") == f"{direct(dashboard, done_only=True):.3f}"
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    dashboard.activateWindow()
    qtbot.waitUntil(dashboard.isActiveWindow)
    assert dashboard.status.text().startswith("Computed")  # nothing changed: no call to recompute


def test_exports_name_the_labels_and_documents_included(qtbot, dashboard, tmp_path: Path) -> None:
    check_only(qtbot, dashboard.controls, TWO_LABELS)
    press_ok(qtbot, pick_documents(qtbot, dashboard, "council", "not for sale"))
    compute(qtbot, dashboard)
    table = dashboard.export_csv(tmp_path / "agreement.csv")
    with open(table, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0]["table"] == "scope"  # first thing a reader of the file sees
    scope = {r["measure"]: r for r in rows if r["table"] == "scope"}
    assert scope["labels_included"]["value"] == "2" and "2 of 15 labels" in scope["labels_included"]["unit"]
    assert {r["label"] for r in rows if r["measure"] == "label_included"} == set(TWO_LABELS)
    assert scope["documents_chosen"]["value"] == "2"
    assert scope["documents_chosen"]["unit"] == "2 of 5 documents (chosen by hand)"
    assert scope["documents_computed"]["value"] == "2"
    pooled = {r["measure"]: r for r in rows if r["table"] == "pooled"}
    assert float(pooled["alpha"]["value"]) == pytest.approx(direct(dashboard, labels=TWO_LABELS,
                                                                   documents=document_ids(dashboard, "Council",
                                                                                          "The valley")))
    image = dashboard.export_image(tmp_path / "agreement.png")
    assert QImage(str(image)).width() >= 1000
    assert scope_line(dashboard.report, dashboard.scope).startswith(
        "Restricted: covers 2 of 15 labels: \u201cEconomic\u201d, \u201cLegality, constitutionality")


def test_the_picker_pages_ten_thousand_documents_and_filters_all_of_them(qtbot, big_project_path: Path) -> None:
    controls = AgreementControls()
    qtbot.addWidget(controls)
    with Project.open(big_project_path, readonly=True) as project:
        controls.set_project(project)
    assert controls.document_count.text() == "10,000 of 10,000 documents"
    dialog = controls.choose_documents()
    model = dialog.model
    assert PAGE <= model.rowCount() < 10_000 and model.canFetchMore()  # pages, not 10,000 rows
    qtbot.keyClicks(dialog.filter, "article 0123")  # every word must match: 00123 and 01230–01239
    assert [model.index(row, 0).data() for row in range(model.rowCount())] == [
        "Article 00123", *(f"Article {n:05d}" for n in range(1230, 1240))]
    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    dialog.filter.clear()
    assert PAGE <= model.rowCount() < 10_000
    qtbot.mouseClick(dialog.uncheck_button, Qt.MouseButton.LeftButton)
    assert dialog.count.text() == "0 of 10,000 documents checked"
    qtbot.keyClicks(dialog.filter, "courier")  # every third document's source
    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    assert dialog.count.text() == "3,333 of 10,000 documents checked (3,333 shown)"
    press_ok(qtbot, dialog)
    assert controls.request().documents[:2] == ("doc-00002", "doc-00005")  # the 0123 ones were unchecked
    assert controls.document_count.text() == "3,333 of 10,000 documents, chosen by hand"


def test_the_filter_matches_accents_typed_either_way(qtbot) -> None:
    entries = [DocumentEntry("a", "Cafe\u0301 owners\u00a0react to the budget \U0001F4B6", "Gazette", "2024-01-02"),
               DocumentEntry("b", "Council tax rises", "Herald", "2024-01-03")]
    dialog = DocumentSubsetDialog(entries, set())
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.filter, "CAFÉ")  # precomposed é finds the decomposed title
    assert [dialog.model.entries[k].id for k in dialog.model.shown] == ["a"]
    view = dialog.view
    view.setCurrentIndex(dialog.model.index(0, 0))
    qtbot.keyClick(view, Qt.Key.Key_Space)
    assert dialog.chosen() == ("a",)
    assert dialog.count.text() == "1 of 2 documents checked (1 shown)"


def test_a_label_added_in_the_codebook_editor_appears_when_the_analyst_comes_back(qtbot, dashboard) -> None:
    from annotator.model import Label
    from annotator.ops.codebook_edit import add_label

    controls = dashboard.controls
    controls.set_layer("Stance")
    assert controls.labels() == ("Favour", "Against", "Neutral")
    window = dashboard.window_
    add_label(window.project, "Stance", Label("Ambivalent \U0001F937", colour="#777777"), actor="ada")
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    dashboard.activateWindow()
    qtbot.waitUntil(lambda: "Ambivalent \U0001F937" in controls.labels())
    assert controls.layer().name == "Stance"  # still the layer the analyst chose
    assert controls.label_count.text() == "4 of 4 labels"
