"""Inter-annotator agreement of a project (Qt-free): annotations -> units -> figures and tables.

Used by `annotator agreement` and the GUI dashboard:

    report = compute_agreement(project, AgreementRequest(layer="Framing", unit="sentence"))
    print(format_report(report)); json.dumps(report.to_dict()); write_csv(report, "a.csv")

How annotations become units (also written into every report's notes):
- document layers: one unit per document, value = the label; layers allowing several
  labels per document use one present/absent unit per (document, label);
- span layers: sentences or tokens from the stored segmentation, value = the label of the
  annotator's span covering the unit or "none" (stats.unit_labels), with a per-label
  present/absent variant in the per-label table; or the character continuum for alpha_U
  (documents every selected annotator coded, laid end to end);
- an annotator who did not code a document gives missing values there, not "none";
- attribute agreement (request.attribute): a unit takes the attribute value of the span
  covering it; units fewer than two annotators covered are left out.

Outputs: AgreementReport.to_dict() (JSON), format_report() (terminal), write_csv() (one
long-format CSV with a "table" column: pooled, pairwise, per_label, per_document,
confusion; one file keeps a report together and filters easily in R or pandas).
Large corpora take the fast paths in fast.py, each tested equal to the stats function it
stands for (benchmarks/agreement.py times them on 1,000 documents x 3 annotators x 60 spans).
"""

from .collect import Corpus, collect
from .compute import compute_agreement
from .output import format_report, write_csv
from .report import AgreementReport, DocumentRow, LabelRow, PairResult
from .request import DEFINITIONS, LEVELS, MEASURES, UNITS, AgreementCancelled, AgreementRequest

__all__ = [
    "DEFINITIONS",
    "LEVELS",
    "MEASURES",
    "UNITS",
    "AgreementCancelled",
    "AgreementReport",
    "AgreementRequest",
    "Corpus",
    "DocumentRow",
    "LabelRow",
    "PairResult",
    "collect",
    "compute_agreement",
    "format_report",
    "write_csv",
]
