from .calendar_days import CalendarDay, CalendarYear
from .complaints import Complaint, ComplaintSequence, ComplaintTransition, IllegalTransition

__all__ = [
    "CalendarDay", "CalendarYear", "Complaint", "ComplaintSequence", "ComplaintTransition", "IllegalTransition",
]
