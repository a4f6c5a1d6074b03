from .care import (
    Campaign,
    CareOccasion,
    CarePolicy,
    RecallReason,
    RenewalOutcome,
    ServiceInterval,
    VehicleServiceDue,
)
from .followups import CallAttempt, FollowUp
from .rules import CallPolicy, FollowUpRule
from .surveys import (
    DIMENSIONS,
    QUESTION_LABELS,
    QUESTIONS,
    Dissatisfaction,
    EndOfDayReport,
    SurveyResponse,
)

__all__ = [
    "Campaign", "CareOccasion", "CarePolicy", "RecallReason", "RenewalOutcome", "ServiceInterval",
    "VehicleServiceDue",
    "CallAttempt", "CallPolicy", "DIMENSIONS", "Dissatisfaction", "EndOfDayReport", "FollowUp",
    "FollowUpRule", "QUESTIONS", "QUESTION_LABELS", "SurveyResponse",
]
