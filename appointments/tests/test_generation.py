"""The appointments of the dealer-group data set at a tiny scale: one store, 1,000 customers and
about 5,000 repair orders, 40% of them from an appointment, the rest from walk-ins, and the
coming days booked within the capacity counters."""
import datetime as dt
from collections import Counter

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Sum
from django.utils import timezone

from appointments import capacity
from appointments.models import Appointment, AppointmentTransition, DayLoad, SlotLoad, WalkIn
from customers.models import ServiceVisit

pytestmark = pytest.mark.django_db(transaction=True)

SCALE = 0.001


def generate():
    call_command("generate_dealer_group", scale=SCALE, seed=7, verbosity=0)


def test_every_order_not_cancelled_came_from_an_appointment_or_a_walk_in_and_a_second_run_adds_nothing():
    generate()
    orders = ServiceVisit.objects.exclude(status="cancelled")
    booked = Appointment.objects.filter(visit__isnull=False).count()
    assert booked + WalkIn.objects.count() == orders.count()
    assert 0.35 < booked / orders.count() < 0.45
    assert orders.filter(from_appointment=True).count() == booked
    before = (Appointment.objects.count(), AppointmentTransition.objects.count(), WalkIn.objects.count())
    generate()
    assert (Appointment.objects.count(), AppointmentTransition.objects.count(), WalkIn.objects.count()) == before


def test_the_states_come_in_a_dealership_proportions():
    generate()
    now = timezone.now()
    states = Counter(Appointment.objects.filter(starts_at__lt=now).values_list("status", flat=True))
    due = sum(states.values()) - states["cancelled"]
    shown = states["arrived"] + states["completed"]
    assert 0.80 < shown / due < 0.90
    assert 0.03 < states["cancelled"] / sum(states.values()) < 0.12
    online = Appointment.objects.filter(source="online").count() / Appointment.objects.count()
    assert 0.15 < online < 0.30
    assert Appointment.objects.filter(starts_at__gte=now, status__in=Appointment.UPCOMING).exists()


def test_linked_appointments_arrived_before_their_repair_order_on_its_day():
    generate()
    for appointment in Appointment.objects.filter(visit__isnull=False).select_related("visit", "store")[:200]:
        assert appointment.vehicle_id == appointment.visit.vehicle_id
        assert appointment.arrived_at <= appointment.visit.opened_at
        day = capacity.local(appointment.store, appointment.starts_at).date()
        assert day == capacity.local(appointment.store, appointment.arrived_at).date()


def test_every_move_is_a_transition_ending_in_the_current_state():
    generate()
    last = {}
    for appointment_id, to_status in AppointmentTransition.objects.exclude(kind="linked").order_by(
        "appointment_id", "at", "pk"
    ).values_list("appointment_id", "to_status"):
        last[appointment_id] = to_status
    assert last == dict(Appointment.objects.values_list("pk", "status"))


def test_the_counters_hold_exactly_what_the_coming_appointments_take():
    generate()
    store = Appointment.objects.first().store
    today = capacity.local(store, timezone.now()).date()
    start, _ = capacity.day_bounds(store, today)
    holding = Appointment.objects.filter(starts_at__gte=start, status__in=Appointment.HOLDS_CAPACITY)
    by_slot = dict(holding.values("starts_at").annotate(n=Count("pk")).values_list("starts_at", "n"))
    assert dict(SlotLoad.objects.values_list("starts_at", "used")) == by_slot
    assert not SlotLoad.objects.filter(used__gt=F("capacity")).exclude(starts_at__lt=timezone.now()).exists()
    hours = holding.aggregate(hours=Sum("labour_hours"))["hours"]
    assert DayLoad.objects.aggregate(hours=Sum("hours_used"))["hours"] == hours
    assert not DayLoad.objects.filter(day__gt=today, hours_used__gt=F("hours_capacity")).exists()
    # The next booking goes through the real service against these counters.
    free = [slot for day in capacity.availability(store, today + dt.timedelta(days=1)) for slot in day.slots
            if not slot.short]
    assert free
