"""Inter-annotator agreement measures: pure functions over numpy arrays, each returning a Figure.

Measures and their definitions:
- percent_agreement: pairwise, averaged over units (percent.py)
- cohen_kappa (Cohen 1960), weighted_kappa (Cohen 1968), fleiss_kappa (Fleiss 1971) (kappa.py)
- krippendorff_alpha, nominal/ordinal/interval/ratio with missing data (Krippendorff 2011)
- alpha_unitizing: Krippendorff's alpha_U (1995/2004) as in DKPro Agreement (unitizing.py)
- span_agreement: span precision/recall/F1, exact or overlap matching (spans.py)
- bootstrap_alpha: bootstrap interval for alpha, over units or as Hayes & Krippendorff 2007 (bootstrap.py)
- gamma_agreement: Mathet, Widlöcher & Métivier's (2015) gamma for spans (gamma.py)
- unit_labels / unit_presence: spans projected onto sentence or token units (projection.py)
"""

from annotator.stats.alpha import LEVELS, Level, difference_matrix, krippendorff_alpha
from annotator.stats.bootstrap import bootstrap_alpha
from annotator.stats.coding import CodedData, encode
from annotator.stats.gamma import gamma_agreement
from annotator.stats.kappa import (
    cohen_kappa,
    cohen_kappa_from_table,
    fleiss_kappa,
    fleiss_kappa_from_data,
    weighted_kappa,
    weighted_kappa_from_table,
)
from annotator.stats.pairs import coincidence_matrix
from annotator.stats.percent import percent_agreement
from annotator.stats.projection import (
    COVER_RULE,
    NONE_LABEL,
    TIE_RULE,
    UnitValues,
    unit_labels,
    unit_presence,
)
from annotator.stats.result import (
    NO_PAIRABLE_UNITS,
    NO_SPANS,
    NO_UNITS,
    NO_VARIATION,
    NO_VARIATION_ALPHA,
    SINGLE_CODER,
    Figure,
)
from annotator.stats.spans import pool_span_agreement, span_agreement
from annotator.stats.unitizing import alpha_unitizing, concatenate_documents

__all__ = [
    "COVER_RULE",
    "LEVELS",
    "NONE_LABEL",
    "NO_PAIRABLE_UNITS",
    "NO_SPANS",
    "NO_UNITS",
    "NO_VARIATION",
    "NO_VARIATION_ALPHA",
    "SINGLE_CODER",
    "TIE_RULE",
    "CodedData",
    "Figure",
    "Level",
    "UnitValues",
    "alpha_unitizing",
    "bootstrap_alpha",
    "cohen_kappa",
    "cohen_kappa_from_table",
    "coincidence_matrix",
    "concatenate_documents",
    "difference_matrix",
    "encode",
    "fleiss_kappa",
    "fleiss_kappa_from_data",
    "gamma_agreement",
    "krippendorff_alpha",
    "percent_agreement",
    "pool_span_agreement",
    "span_agreement",
    "unit_labels",
    "unit_presence",
    "weighted_kappa",
    "weighted_kappa_from_table",
]
