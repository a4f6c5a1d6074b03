from .calendar_days import CalendarDay, CalendarYear
from .complaints import (
    Complaint, ComplaintAttachment, ComplaintEscalation, ComplaintSequence, ComplaintTransition, IllegalTransition,
)
from .deadlines import DEFAULT as DEFAULT_DEADLINES
from .deadlines import DeadlinePolicies, DeadlinePolicy

__all__ = [
    "CalendarDay", "CalendarYear", "Complaint", "ComplaintAttachment", "ComplaintEscalation", "ComplaintSequence",
    "ComplaintTransition",
    "DEFAULT_DEADLINES", "DeadlinePolicies", "DeadlinePolicy", "IllegalTransition",
]
