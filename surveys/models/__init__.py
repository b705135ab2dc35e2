"""The survey domain's tables, one module per part: units, forms, the catalogue, ballots, responses,
dossiers and the surveys issued for them, counters and their tablets, API keys, integrity alerts,
survey plans and the monthly tallies the index is summed from."""

from surveys.models.alerts import IntegrityAlert
from surveys.models.api_keys import ApiKey
from surveys.models.ballots import Batch, BoxOpening, Witness
from surveys.models.catalogue import Procedure, ProcedureField
from surveys.models.dossiers import Dossier, ResolvedCount
from surveys.models.forms import Factor, FormTemplate, FormVersion, Question
from surveys.models.issuing import IssuedSurvey, SurveySettings
from surveys.models.kiosks import Counter, Kiosk
from surveys.models.plans import SurveyPlan
from surveys.models.responses import Answer, Response, ResponseContact
from surveys.models.tallies import (
    ANSWERED,
    SATISFIED_FROM,
    AnswerTally,
    DossierTally,
    PairTally,
    ProvinceAnswerTally,
    ProvincePairTally,
    ProvinceResponseTally,
    ResponseTally,
)
from surveys.models.units import (
    PATH_END,
    UNIT_CODE,
    UNIT_CODE_RULE,
    AuditEntry,
    Division,
    Membership,
    PathField,
    Unit,
    UnitQuerySet,
    province_path,
    subtree_q,
)

__all__ = [
    "ANSWERED",
    "SATISFIED_FROM",
    "AnswerTally",
    "DossierTally",
    "PairTally",
    "ProvinceAnswerTally",
    "ProvincePairTally",
    "ProvinceResponseTally",
    "ResponseTally",
    "SurveyPlan",
    "Answer",
    "ApiKey",
    "Counter",
    "Dossier",
    "IntegrityAlert",
    "IssuedSurvey",
    "Kiosk",
    "ResolvedCount",
    "SurveySettings",
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
    "Division",
    "Membership",
    "PathField",
    "Unit",
    "UnitQuerySet",
    "province_path",
    "subtree_q",
]
