"""The SIPAS index engine: every figure of every screen and report, computed by the database.

- `scope`: whose responses count (Scope) and which of them (Slice);
- `counting`: the only module that reads survey data, as grouped counts (by month, unit, civil servant…);
- `arithmetic`: rates, intervals, factor indices, the index and its interval, ranks;
- `figures`: the counts of a scope turned into Figures for screens, documents and the command line;
- `grouped`: the index per month or per civil servant; `activity`: the rows of Phụ lục 2 that are not rates.

The method is written down in docs/index.md, whose worked example a test checks.
"""

from reports.index.activity import Busiest, busiest_procedure, subunits_surveying, survey_days
from reports.index.arithmetic import Z_95, percent, rank_items, round2, sample_size, wilson_interval
from reports.index.figures import (
    Comparison,
    Coverage,
    FactorFigures,
    Figures,
    QuestionFigures,
    Share,
    figures,
    figures_of,
)
from reports.index.grouped import GroupIndex, indices_by, monthly_trend
from reports.index.scope import Scope, Slice

__all__ = [
    "Busiest",
    "Comparison",
    "Coverage",
    "FactorFigures",
    "Figures",
    "GroupIndex",
    "QuestionFigures",
    "Scope",
    "Share",
    "Slice",
    "Z_95",
    "busiest_procedure",
    "figures",
    "figures_of",
    "indices_by",
    "monthly_trend",
    "percent",
    "rank_items",
    "round2",
    "sample_size",
    "subunits_surveying",
    "survey_days",
    "wilson_interval",
]
