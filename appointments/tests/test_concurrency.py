"""50 bookings at once of the last place: the counter rows decide, exactly one wins."""
from decimal import Decimal

import pytest

from aftersales.tests.concurrency import run_concurrently
from aftersales.tests.factories import VehicleFactory

from ..capacity import SlotTaken
from ..models import Appointment, CapacitySettings, DayLoad, SlotLoad, WorkshopAbsence
from .factories import TUESDAY, at, book

pytestmark = pytest.mark.django_db(transaction=True)
RACERS = 50


def race(store, by, *, source=Appointment.Source.PHONE, name="常规保养", starts_at=None):
    vehicles = iter([VehicleFactory(owner__store=store) for _ in range(RACERS)])
    pairs = [next(vehicles) for _ in range(RACERS)]
    queue = list(pairs)

    def one():
        vehicle = queue.pop()
        try:
            book(store, by, vehicle=vehicle, source=source, name=name, starts_at=starts_at)
            return "booked"
        except SlotTaken as taken:
            assert taken.error_list[0].code == "slot_taken"
            assert taken.alternatives
            return "taken"

    results, errors = run_concurrently(one, RACERS)
    assert errors == []
    return results


def test_fifty_bookings_of_the_last_free_slot_give_exactly_one(store_a, personas):
    advisor = personas["advisor"]
    CapacitySettings.objects.filter(store=store_a).update(reception_per_slot=1)
    results = race(store_a, advisor)
    assert results.count("booked") == 1 and results.count("taken") == RACERS - 1
    assert Appointment.objects.count() == 1
    assert SlotLoad.objects.get(starts_at=at(TUESDAY, 10)).used == 1


def test_fifty_bookings_of_the_last_workshop_hours_give_exactly_one(store_a, personas):
    WorkshopAbsence.objects.create(store=store_a, day=TUESDAY, technician_hours=Decimal("44"))  # 1 hour left
    CapacitySettings.objects.filter(store=store_a).update(reception_per_slot=60)
    results = race(store_a, personas["advisor"])
    assert results.count("booked") == 1
    assert DayLoad.objects.get(day=TUESDAY).hours_used == Decimal("1.0")


def test_fifty_online_bookings_of_the_last_online_place_give_exactly_one(store_a):
    CapacitySettings.objects.filter(store=store_a).update(reception_per_slot=60, online_slot_percent=2)  # 1 online
    results = race(store_a, None, source=Appointment.Source.ONLINE)
    assert results.count("booked") == 1
    assert SlotLoad.objects.get(starts_at=at(TUESDAY, 10)).online_used == 1
