"""The agreement computation's second round of fast paths (issue 19): each gives the figures the
slower path gave, on data with what makes them hard (overlapping spans, an annotator who coded
only one document, a label nobody used)."""

from __future__ import annotations

import numpy as np
import pytest

from annotator.model import Status
from annotator.ops.agreement import AgreementRequest
from annotator.ops.agreement.compute import compute_with_units
from annotator.ops.agreement.fast import compress, percent_by_group, weighted_alpha
from annotator.project import Project
from annotator.stats import krippendorff_alpha, percent_agreement


def _three_coders(project: Project) -> list[str]:
    """ada and ben code both documents, cyd only the first; spans overlap and labels differ."""
    project.annotators.ensure("cyd")
    docs = project.documents.ids()
    spans = {
        "ada": [("Economic", 4, 11), ("Morality", 8, 30), ("Political", 40, 60)],
        "ben": [("Economic", 4, 11), ("Political", 14, 30), ("Political", 45, 52)],
        "cyd": [("Economic", 0, 11), ("Morality", 14, 22), ("Economic", 20, 41)],
    }
    for d, doc in enumerate(docs):
        for who, marks in spans.items():
            if who == "cyd" and d > 0:
                continue
            for label, start, end in marks:
                project.annotations.add(doc, who, "Framing", label, start + d, end + d)
            project.status.set(doc, who, Status.DONE)
    return docs


@pytest.mark.parametrize("unit", ["token", "sentence"])
def test_per_label_figures_are_those_of_each_labels_own_present_absent_table(project: Project, unit: str) -> None:
    _three_coders(project)
    computed = compute_with_units(project, AgreementRequest("Framing", unit, ("all",)))
    table = computed.table
    assert table is not None and computed.report.annotators == ("ada", "ben", "cyd")
    checked = 0
    for row in computed.report.per_label:
        presence = table.presence_of(row.label)  # the label's own coders x units matrix
        patterns, counts, group = compress(presence)
        alpha = weighted_alpha(patterns, counts, "nominal", [0.0, 1.0])
        percent = percent_by_group(patterns, counts, group, 1)[0]
        assert row.figures["alpha"].value == alpha.value
        assert row.figures["alpha"].undefined_reason == alpha.undefined_reason
        assert row.figures["alpha"].n_units == alpha.n_units
        assert row.figures["percent"].value == percent.value
        assert row.figures["percent"].details["pairs"] == percent.details["pairs"]
        # and both are the published measures of that matrix (cyd is missing on the second document)
        reference = krippendorff_alpha(presence, "nominal", [0.0, 1.0])
        if reference.value is None:
            assert row.figures["alpha"].value is None
        else:
            assert row.figures["alpha"].value == pytest.approx(reference.value, rel=1e-12)
            checked += 1
        assert row.figures["percent"].value == pytest.approx(percent_agreement(presence).value, rel=1e-12)
        assert np.isnan(presence[2, table.document_of_unit == 1]).all()
    assert checked >= 3  # Economic, Morality, Political vary; the unused labels are undefined
    assert any(row.figures["alpha"].value is None for row in computed.report.per_label)
