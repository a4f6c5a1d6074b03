"""A new store's booking rules, from the seeds: 15-minute slots (seed 001), fewer bookings in
the busy morning and evening (seed 001: 避免太多约见挤在上午的繁忙时间及傍晚), the service
types of the customer file's repair types with their usual labour hours."""
import datetime as dt
from decimal import Decimal

from django.db import transaction

PEAK_WINDOWS = [(dt.time(8, 0), dt.time(9, 30), 50), (dt.time(17, 0), dt.time(18, 0), 50)]

# (repair type, name, standard labour hours, bookable online)
SERVICE_TYPES = [
    ("maintenance", "常规保养", Decimal("1.0"), True),
    ("secondary_maintenance", "二级保养", Decimal("2.0"), True),
    ("minor_repair", "一般维修", Decimal("2.0"), True),
    ("warranty", "保修", Decimal("2.0"), True),
    ("accident", "事故定损", Decimal("1.5"), False),
    ("major_overhaul", "大修", Decimal("8.0"), False),
    ("recall", "召回 / 厂家活动", Decimal("1.0"), True),
]


@transaction.atomic
def install_defaults(store):
    """Idempotent: what exists is kept as the administrator left it."""
    from .models import CapacitySettings, PeakWindow, ServiceType

    CapacitySettings.objects.get_or_create(store=store)
    if not PeakWindow.objects.filter(store=store).exists():
        PeakWindow.objects.bulk_create([PeakWindow(store=store, starts_at=a, ends_at=b, percent=p)
                                        for a, b, p in PEAK_WINDOWS])
    for repair_type, name, hours, online in SERVICE_TYPES:
        ServiceType.objects.get_or_create(store=store, name=name, defaults={
            "repair_type": repair_type, "labour_hours": hours, "bookable_online": online,
        })
