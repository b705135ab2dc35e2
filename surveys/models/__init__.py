"""The survey domain's tables, one module per part: units, forms, the catalogue, ballots, responses."""

from surveys.models.ballots import Batch, BoxOpening, Witness
from surveys.models.catalogue import Procedure, ProcedureField
from surveys.models.forms import Factor, FormTemplate, FormVersion, Question
from surveys.models.responses import Answer, Response, ResponseContact
from surveys.models.units import (
    PATH_END,
    UNIT_CODE,
    UNIT_CODE_RULE,
    AuditEntry,
    Membership,
    PathField,
    Unit,
    UnitQuerySet,
    subtree_q,
)

__all__ = [
    "Answer",
    "Batch",
    "BoxOpening",
    "Factor",
    "FormTemplate",
    "FormVersion",
    "Procedure",
    "ProcedureField",
    "Question",
    "Response",
    "ResponseContact",
    "Witness",
    "PATH_END",
    "UNIT_CODE",
    "UNIT_CODE_RULE",
    "AuditEntry",
    "Membership",
    "PathField",
    "Unit",
    "UnitQuerySet",
    "subtree_q",
]
