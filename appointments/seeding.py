"""Demo data of appointments: for each demo store a week around today (three days back, today,
three ahead) of appointments in every state, booked and moved through the real services, and
a walk-in on each past day, so the day book, the welcome board and the figures have content."""
import datetime as dt

from django.utils import timezone

from aftersales.models import User
from customers.models import Vehicle

from . import capacity
from .calls import schedule_confirmation_calls
from .models import Appointment, ServiceType, WalkIn
from .services import book, record_walk_in

# (days from today, hour, minute, service type, source, the state it reaches)
DEMO_DAY = [
    (9, 0, "常规保养", "phone", None),
    (10, 30, "一般维修", "online", None),
    (14, 0, "二级保养", "return_visit", None),
    (15, 45, "保修", "maintenance_reminder", None),
]
PAST_STATES = ["completed", "no_show", "cancelled", "completed"]
TODAY_STATES = ["arrived", "confirmed", "booked", "completed"]
FUTURE_STATES = ["confirmed", "booked", "booked", "moved"]


def seed_demo_appointments(stores):
    for store in stores:
        if Appointment.objects.filter(store=store).exists():
            continue
        advisor = User.objects.filter(username=f"advisor_{store.code}").first()
        if advisor is None:
            continue
        vehicles = list(Vehicle.objects.filter(store=store).exclude(plate="").select_related("owner")
                        .order_by("pk")[:40])
        if len(vehicles) < 32:
            continue
        _seed_store(store, advisor, iter(vehicles))
    schedule_confirmation_calls()


def _seed_store(store, advisor, vehicles):
    now = timezone.now()
    today = capacity.local(store, now).date()
    zone = capacity.store_zone(store)
    types = {t.name: t for t in ServiceType.objects.filter(store=store)}
    for offset in range(-3, 4):
        day = today + dt.timedelta(days=offset)
        plan = capacity.CapacityPlan(store, day, day, with_load=False)
        if plan.hours(day)[0] is None:
            continue
        states = PAST_STATES if offset < 0 else TODAY_STATES if offset == 0 else FUTURE_STATES
        for (hour, minute, type_name, source, _state), state in zip(DEMO_DAY, states):
            starts_at = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone)
            vehicle = next(vehicles)
            booked_at = min(starts_at, now) - dt.timedelta(days=4)
            appointment = book(store=store, customer=vehicle.owner, vehicle=vehicle, service_type=types[type_name],
                               starts_at=starts_at, source=source, by=None if source == "online" else advisor,
                               advisor=advisor if source != "online" else None, now=booked_at)
            _reach(appointment, state, advisor, starts_at, now)
        if offset < 0:
            walk_in_vehicle = next(vehicles)
            record_walk_in(store=store, vehicle=walk_in_vehicle, by=advisor, advisor=advisor,
                           now=dt.datetime.combine(day, dt.time(11), tzinfo=zone))


def _reach(appointment, state, advisor, starts_at, now):
    from .services import reschedule

    if state == "booked":
        return
    before = starts_at - dt.timedelta(days=2)
    if state == "moved":
        reschedule(appointment, by=advisor, starts_at=starts_at + dt.timedelta(hours=1), now=min(before, now))
        return
    if state == "cancelled":
        appointment.cancel(by=advisor, reason="客户临时出差", now=min(before, now))
        return
    if state == "no_show":
        appointment.mark_no_show(now=starts_at + dt.timedelta(hours=1))
        return
    appointment.confirm(by=advisor, note="D-2 电话确认", now=min(before, now))
    if state == "confirmed":
        return
    arrived = starts_at - dt.timedelta(minutes=5)
    appointment.arrive(by=advisor, now=arrived if arrived <= now else now)
    if state == "completed":
        appointment.complete(by=advisor, now=arrived + dt.timedelta(hours=2))
