from .appointments import AdvisorNotice, Appointment, AppointmentTransition, IllegalTransition, PartOrder, WalkIn
from .load import AdvisorSlotLoad, DayLoad, SlotLoad
from .settings import (
    SLOT_MINUTES, AdvisorAbsence, AdvisorCapacity, CapacitySettings, OpeningHours, PeakWindow, ServiceType,
    SpecialDay, WorkshopAbsence,
)

__all__ = [
    "SLOT_MINUTES", "AdvisorAbsence", "AdvisorCapacity", "AdvisorNotice", "AdvisorSlotLoad", "Appointment",
    "AppointmentTransition", "CapacitySettings", "PartOrder", "DayLoad", "IllegalTransition", "OpeningHours", "PeakWindow",
    "ServiceType", "SlotLoad", "SpecialDay", "WalkIn", "WorkshopAbsence",
]
