"""The dashboard's methods-section measures, chosen through its widgets: weighted kappa with its
weights, ratio alpha, gamma with its random continua, and the bootstrap method, each named."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from annotator.gui.agreement import AgreementDashboard
from annotator.ops.agreement import AgreementRequest, compute_agreement
from annotator.project import Project


def choose(qtbot, combo, text: str) -> None:
    """Pick a combo box entry with the arrow keys, as a keyboard user does."""
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Home)
    for _ in range(combo.count()):
        if combo.currentText().startswith(text):
            return
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert combo.currentText().startswith(text), combo.currentText()


def click(qtbot, widget) -> None:
    """A left click in the middle of a widget."""
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=widget.rect().center())


@pytest.fixture
def coded(qtbot, window, project: Project) -> AgreementDashboard:
    """ada and ben mark three stretches Against with intensities (3, 1, 2) and (3, 2, 2); the dashboard open."""
    document_id = next(d for d in project.documents.ids() if project.documents.text(d).startswith("The council"))
    text = project.documents.text(document_id)
    for who, intensities in (("ada", (3, 1, 2)), ("ben", (3, 2, 2))):
        for words, intensity in zip(("congestion charge", "tax on workers", "robbery"), intensities):
            start = text.index(words)
            project.annotations.add(document_id, who, "Stance", "Against", start, start + len(words),
                                    attributes={"intensity": intensity})
        start = text.index("Critics")
        project.annotations.add(document_id, who, "Framing", "Economic", start + (0 if who == "ada" else 8),
                                text.index("workers") + len("workers"))
    window.actions_by_name["agreement"].trigger()
    dashboard = window.findChild(AgreementDashboard)
    qtbot.waitExposed(dashboard)
    return dashboard


def compute(qtbot, dashboard: AgreementDashboard) -> None:
    """Press Compute and wait for the result."""
    click(qtbot, dashboard.compute_button)
    qtbot.waitUntil(lambda: not dashboard.is_running(), timeout=20_000)
    assert dashboard.outcome == "computed", dashboard.status.text()


def test_weighted_kappa_and_ratio_alpha_of_an_attribute(qtbot, coded: AgreementDashboard, window) -> None:
    controls = coded.controls
    controls.set_layer("Stance")
    choose(qtbot, controls.attribute_box, "attribute: intensity")
    assert not controls.weights_box.isEnabled()
    click(qtbot, controls.measure_boxes["weighted_kappa"])
    assert controls.weights_box.isEnabled()
    choose(qtbot, controls.weights_box, "quadratic")
    choose(qtbot, controls.level_box, "ratio")
    compute(qtbot, coded)
    direct = compute_agreement(window.project, AgreementRequest(
        "Stance", "token", measures=("all", "weighted_kappa"), annotators=("ada", "ben"), attribute="intensity",
        level="ratio", weights="quadratic"))
    kappa = direct.pair("ada", "ben").figures["weighted_kappa"]
    coded.pairwise.set_measure("weighted_kappa")
    assert coded.pairwise.cell_text("ada", "ben") == f"{kappa.value:.3f}"
    assert coded.overview.value_text("alpha") == f"{direct.figure('alpha').value:.3f}"
    assert coded.report.figure("alpha").details["level"] == "ratio"
    settings_column = 4
    assert coded.overview.value_text("weighted_kappa_mean", settings_column) == "quadratic weights"
    assert "ratio" in coded.overview.heading.text()


def test_gamma_is_computed_with_the_samples_chosen(qtbot, coded: AgreementDashboard, window) -> None:
    controls = coded.controls
    controls.set_layer("Framing")
    assert not controls.gamma_samples.isEnabled()
    click(qtbot, controls.measure_boxes["gamma"])
    assert controls.gamma_samples.isEnabled()
    controls.gamma_samples.selectAll()
    qtbot.keyClicks(controls.gamma_samples.lineEdit(), "8")
    assert controls.gamma_samples.value() == 8
    compute(qtbot, coded)
    gamma = coded.report.figure("gamma")
    direct = compute_agreement(window.project, AgreementRequest(
        "Framing", "token", measures=("gamma",), annotators=("ada", "ben"), gamma_samples=8))
    assert coded.overview.value_text("gamma") == f"{direct.figure('gamma').value:.3f}"
    assert gamma.details["n_samples"] == 8
    assert "8 random continua" in coded.overview.value_text("gamma", 4)


def test_the_bootstrap_method_is_named_beside_the_interval(qtbot, coded: AgreementDashboard) -> None:
    controls = coded.controls
    controls.set_layer("Stance")
    choose(qtbot, controls.attribute_box, "attribute: intensity")
    assert not controls.bootstrap_method.isEnabled()
    controls.bootstrap.selectAll()
    qtbot.keyClicks(controls.bootstrap.lineEdit(), "300")
    assert controls.bootstrap_method.isEnabled()
    choose(qtbot, controls.bootstrap_method, "Hayes")
    compute(qtbot, coded)
    interval = coded.overview.value_text("alpha", 2)
    assert "hayes bootstrap" in interval
    assert coded.report.figure("alpha").details["bootstrap_method"] == "hayes"
    assert "(Hayes & Krippendorff 2007)" in coded.overview.value_text("alpha", 4)
