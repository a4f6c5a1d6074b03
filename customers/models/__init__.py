from .imports import ImportJob, ImportMapping
from .people import Customer, CustomerConsent, CustomerMerge, LoyaltyPolicy, MobileReveal
from .service import ServiceDocument, ServiceVisit
from .vehicles import Vehicle, VehicleOwnership

__all__ = [
    "Customer",
    "CustomerConsent",
    "CustomerMerge",
    "ImportJob",
    "ImportMapping",
    "LoyaltyPolicy",
    "MobileReveal",
    "ServiceDocument",
    "ServiceVisit",
    "Vehicle",
    "VehicleOwnership",
]
