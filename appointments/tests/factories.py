import datetime as dt
from zoneinfo import ZoneInfo

from aftersales.tests.factories import VehicleFactory

from ..models import Appointment, ServiceType

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Monday morning; the tests book the days after it.
NOW = dt.datetime(2026, 12, 7, 8, 0, tzinfo=SHANGHAI)
TUESDAY = dt.date(2026, 12, 8)


def at(day, hour, minute=0):
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


def service_type(store, name="常规保养"):
    return ServiceType.objects.get(store=store, name=name)


def book(store, by, *, starts_at=None, vehicle=None, source=Appointment.Source.PHONE, name="常规保养",
         advisor=None, now=NOW):
    from ..services import book as book_slot

    vehicle = vehicle or VehicleFactory(owner__store=store)
    return book_slot(store=store, customer=vehicle.owner, vehicle=vehicle, service_type=service_type(store, name),
                     starts_at=starts_at or at(TUESDAY, 10), source=source, by=by, advisor=advisor, now=now)
