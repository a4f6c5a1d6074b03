from .appointments import (
    ONE_UPCOMING_PER_VEHICLE, AdvisorNotice, Appointment, AppointmentTransition, IllegalTransition, PartOrder, WalkIn,
)
from .load import AdvisorSlotLoad, DayLoad, SlotLoad
from .settings import (
    SLOT_MINUTES, AdvisorAbsence, AdvisorCapacity, CapacitySettings, OpeningHours, PeakWindow, ServiceType,
    SpecialDay, WorkshopAbsence,
)

__all__ = [
    "ONE_UPCOMING_PER_VEHICLE", "SLOT_MINUTES", "AdvisorAbsence", "AdvisorCapacity", "AdvisorNotice", "AdvisorSlotLoad", "Appointment",
    "AppointmentTransition", "CapacitySettings", "PartOrder", "DayLoad", "IllegalTransition", "OpeningHours", "PeakWindow",
    "ServiceType", "SlotLoad", "SpecialDay", "WalkIn", "WorkshopAbsence",
]
