"""Demo data of appointments: for each demo store a week around today (three days back, today,
three ahead) of appointments in every state, booked and moved through the real services, and
a walk-in on each past day, so the day book, the welcome board and the figures have content;
and two days a month of the 13 months before (`seed_demo_appointment_history`), so the KPI
trends of appointments have a history to show."""
import datetime as dt
import itertools
import random

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


# The KPI module's trends show 13 months; two days in each earlier month keep seeding quick.
HISTORY_MONTHS = 13
HISTORY_DAYS_OF_MONTH = (8, 21)
# (hour, minute, service type) of a history day's appointments.
HISTORY_SLOTS = [(9, 0, "常规保养"), (10, 30, "一般维修"), (14, 0, "二级保养"), (15, 45, "保修")]


def seed_demo_appointments(stores):
    for store in stores:
        advisor = User.objects.filter(username=f"advisor_{store.code}").first()
        if advisor is None:
            continue
        vehicles = list(Vehicle.objects.filter(store=store).exclude(plate="").select_related("owner")
                        .order_by("pk")[:40])
        if len(vehicles) < 32:
            continue
        if not Appointment.objects.filter(store=store).exists():
            _seed_store(store, advisor, iter(vehicles))
        # Other cars than the demo week's, whose upcoming appointments hold their vehicles.
        history_vehicles = list(Vehicle.objects.filter(store=store).exclude(plate="").select_related("owner")
                                .order_by("-pk")[:60])
        seed_demo_appointment_history(store, advisor, history_vehicles)
    schedule_confirmation_calls()


def seed_demo_appointment_history(store, advisor, vehicles):
    """Two days a month over the last 13 months (before the demo week): appointments booked by
    phone, online, from return visits and maintenance reminders, confirmed on the D-2 call or not,
    arrived and completed or missed, and walk-ins; the online share grows and the no-shows fall
    over the year, as a store's work on them would make them. Once per store (an appointment
    older than the demo week marks it done)."""
    now = timezone.now()
    today = capacity.local(store, now).date()
    if Appointment.objects.filter(store=store, starts_at__lt=now - dt.timedelta(days=20)).exists():
        return
    rng = random.Random(f"appointments-{store.code}")
    zone = capacity.store_zone(store)
    types = {t.name: t for t in ServiceType.objects.filter(store=store)}
    # A car's appointment is over (completed or missed) before the cycle comes back to it.
    cycle = itertools.cycle(vehicles)
    first = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    for months_back in range(HISTORY_MONTHS - 1, -1, -1):
        month = _add_months(first, -months_back)
        progress = (HISTORY_MONTHS - 1 - months_back) / (HISTORY_MONTHS - 1)  # 0 a year ago … 1 last month
        for day_of_month in HISTORY_DAYS_OF_MONTH:
            day = _open_day(store, month.replace(day=day_of_month))
            if day is None or day >= today - dt.timedelta(days=5):
                continue
            for hour, minute, type_name in HISTORY_SLOTS:
                if type_name not in types:
                    continue
                source = rng.choices(["phone", "online", "return_visit", "maintenance_reminder"],
                                     weights=[5, 1 + 4 * progress, 2, 2])[0]
                vehicle = next(cycle)
                starts_at = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone)
                online = source == "online"
                appointment = book(store=store, customer=vehicle.owner, vehicle=vehicle, service_type=types[type_name],
                                   starts_at=starts_at, source=source, by=None if online else advisor,
                                   advisor=None if online else advisor, now=starts_at - dt.timedelta(days=4))
                if rng.random() < 0.5 + 0.4 * progress:
                    appointment.confirm(by=advisor, note="D-2 电话确认", now=starts_at - dt.timedelta(days=2))
                if rng.random() < 0.2 - 0.12 * progress:
                    appointment.mark_no_show(now=starts_at + dt.timedelta(hours=2))
                    continue
                appointment.arrive(by=advisor, now=starts_at - dt.timedelta(minutes=5))
                appointment.complete(by=advisor, now=starts_at + dt.timedelta(hours=2))
            for _walk_in in range(rng.randint(1, 3)):
                record_walk_in(store=store, vehicle=next(cycle), by=advisor, advisor=advisor,
                               now=dt.datetime.combine(day, dt.time(11, rng.randint(0, 59)), tzinfo=zone))


def _add_months(day, months):
    index = day.year * 12 + day.month - 1 + months
    return day.replace(year=index // 12, month=index % 12 + 1, day=1)


def _open_day(store, day):
    """The day, or the next day the store is open (within a week)."""
    for offset in range(7):
        candidate = day + dt.timedelta(days=offset)
        if capacity.CapacityPlan(store, candidate, candidate, with_load=False).hours(candidate)[0] is not None:
            return candidate
    return None


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
