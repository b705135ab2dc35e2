"""The survey domain's tables, one module per part: units, forms, the catalogue, ballots, responses."""

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
