import datetime as dt
from decimal import Decimal

import pytest

from aftersales.tests.factories import VehicleFactory
from complaints.models import CalendarDay

from .. import capacity
from ..capacity import BookingRefused, SlotTaken
from ..models import AdvisorAbsence, CapacitySettings, SlotLoad, SpecialDay, WorkshopAbsence
from .factories import NOW, TUESDAY, at, book


@pytest.fixture
def advisor(personas):
    return personas["advisor"]


def test_new_store_gets_the_seed_defaults(store_a):
    plan = capacity.CapacityPlan(store_a, TUESDAY, TUESDAY)
    assert plan.slot_capacity(at(TUESDAY, 10)) == 4
    assert plan.slot_capacity(at(TUESDAY, 8, 30)) == 2  # the morning peak at half
    assert plan.slot_capacity(at(TUESDAY, 17, 15)) == 2  # the evening peak at half
    slots = plan.slot_times(TUESDAY)
    assert slots[0] == at(TUESDAY, 8, 30) and slots[-1] == at(TUESDAY, 17, 45)
    assert all((b - a) == dt.timedelta(minutes=15) for a, b in zip(slots, slots[1:]))


def test_a_full_slot_refuses_the_next_booking_and_offers_near_times(store_a, advisor):
    for _ in range(4):
        book(store_a, advisor)
    with pytest.raises(SlotTaken) as refused:
        book(store_a, advisor)
    assert refused.value.short == capacity.RECEPTION
    assert at(TUESDAY, 10) not in refused.value.alternatives
    assert refused.value.alternatives[0] in (at(TUESDAY, 9, 45), at(TUESDAY, 10, 15))
    assert SlotLoad.objects.get(store=store_a, starts_at=at(TUESDAY, 10)).used == 4


def test_a_booking_takes_each_counter_in_one_statement_and_the_first_makes_the_rows(store_a, advisor):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ..models import AdvisorSlotLoad, DayLoad

    for expected in (1, 2):
        with CaptureQueriesContext(connection) as booking:
            book(store_a, advisor, advisor=advisor, starts_at=at(TUESDAY, 10 + expected))
        counters = [q["sql"] for q in booking.captured_queries
                    if any(f'"{model._meta.db_table}"' in q["sql"] for model in (SlotLoad, DayLoad, AdvisorSlotLoad))]
        assert len(counters) == 3, counters
        assert SlotLoad.objects.get(store=store_a, starts_at=at(TUESDAY, 10 + expected)).used == 1
        assert AdvisorSlotLoad.objects.get(advisor=advisor, starts_at=at(TUESDAY, 10 + expected)).used == 1
        assert DayLoad.objects.get(store=store_a, day=TUESDAY).hours_used == expected * Decimal("1.0")


def test_a_booking_the_rules_leave_no_room_for_takes_no_counter(store_a, advisor):
    from ..models import Appointment, DayLoad

    CapacitySettings.objects.filter(store=store_a).update(online_slot_percent=0)
    with pytest.raises(SlotTaken) as refused:
        book(store_a, None, source=Appointment.Source.ONLINE)
    assert refused.value.short == capacity.ONLINE
    assert not Appointment.objects.exists()
    assert not SlotLoad.objects.filter(used__gt=0).exists() and not DayLoad.objects.filter(hours_used__gt=0).exists()


def test_peak_slot_takes_half(store_a, advisor):
    book(store_a, advisor, starts_at=at(TUESDAY, 8, 45))
    book(store_a, advisor, starts_at=at(TUESDAY, 8, 45))
    with pytest.raises(SlotTaken):
        book(store_a, advisor, starts_at=at(TUESDAY, 8, 45))


def test_online_bookings_take_only_their_share_of_a_slot(store_a, advisor):
    from ..models import Appointment

    book(store_a, None, source=Appointment.Source.ONLINE)
    book(store_a, None, source=Appointment.Source.ONLINE)
    with pytest.raises(SlotTaken) as refused:
        book(store_a, None, source=Appointment.Source.ONLINE)
    assert refused.value.short == capacity.ONLINE
    book(store_a, advisor)  # staff may still book the rest of the slot


def test_online_bookings_take_only_their_share_of_a_day(store_a):
    from ..models import Appointment

    CapacitySettings.objects.filter(store=store_a).update(online_day_percent=1)  # 1% of 140 places: 1
    book(store_a, None, source=Appointment.Source.ONLINE)
    with pytest.raises(SlotTaken) as refused:
        book(store_a, None, source=Appointment.Source.ONLINE, starts_at=at(TUESDAY, 14))
    assert refused.value.short == capacity.ONLINE


def test_workshop_hours_run_out_before_the_reception(store_a, advisor):
    WorkshopAbsence.objects.create(store=store_a, day=TUESDAY, technician_hours=Decimal("37"))  # 45 - 37 = 8 left
    book(store_a, advisor, name="大修")  # 8 hours
    with pytest.raises(SlotTaken) as refused:
        book(store_a, advisor, starts_at=at(TUESDAY, 11))
    assert refused.value.short == capacity.WORKSHOP
    # The answer offers times on another day, where the workshop has hours.
    assert all(capacity.local(store_a, t).date() != TUESDAY for t in refused.value.alternatives)
    days = capacity.availability(store_a, TUESDAY, days=1, hours=Decimal("1"), now=NOW)
    assert days[0].slots[5].short == [capacity.WORKSHOP]


def test_an_advisors_slot_holds_one_customer_and_absence_closes_it(store_a, advisor):
    book(store_a, advisor, advisor=advisor)
    with pytest.raises(SlotTaken) as refused:
        book(store_a, advisor, advisor=advisor)
    assert refused.value.short == capacity.ADVISOR
    AdvisorAbsence.objects.create(store=store_a, advisor=advisor, day=TUESDAY)
    with pytest.raises(SlotTaken):
        book(store_a, advisor, advisor=advisor, starts_at=at(TUESDAY, 14))


def test_statutory_holiday_is_closed_unless_opened(store_a, advisor):
    CalendarDay.objects.create(day=TUESDAY, is_working_day=False, name="测试假日")
    with pytest.raises(BookingRefused, match="closed"):
        book(store_a, advisor)
    SpecialDay.objects.create(store=store_a, day=TUESDAY, is_open=True)
    assert book(store_a, advisor).pk


@pytest.mark.parametrize("starts_at, message", [
    (at(TUESDAY - dt.timedelta(days=2), 10), "passed"),
    (at(TUESDAY, 7, 0), "opening hours"),
    (at(TUESDAY, 18, 0), "opening hours"),
    (at(TUESDAY, 10, 5), "quarter"),
    (at(TUESDAY + dt.timedelta(days=40), 10), "days ahead"),
])
def test_bad_times_are_refused_and_nothing_is_written(store_a, advisor, starts_at, message):
    from ..models import Appointment

    with pytest.raises(BookingRefused, match=message):
        book(store_a, advisor, starts_at=starts_at)
    assert not Appointment.objects.exists() and not SlotLoad.objects.exists()


def test_a_vehicle_of_another_store_cannot_be_booked(store_a, store_b, advisor):
    with pytest.raises(BookingRefused):
        book(store_a, advisor, vehicle=VehicleFactory(owner__store=store_b))


def test_a_second_upcoming_booking_of_the_vehicle_is_a_duplicate(store_a, advisor):
    first = book(store_a, advisor)
    with pytest.raises(BookingRefused, match="already"):
        book(store_a, advisor, vehicle=first.vehicle, starts_at=at(TUESDAY, 11))
    assert SlotLoad.objects.get(starts_at=at(TUESDAY, 10)).used == 1
    assert not SlotLoad.objects.filter(starts_at=at(TUESDAY, 11), used__gt=0).exists()


def test_availability_for_two_weeks_in_a_fixed_number_of_queries(store_a, advisor, django_assert_max_num_queries):
    book(store_a, advisor)
    with django_assert_max_num_queries(2):
        days = capacity.availability(store_a, TUESDAY, now=NOW)
    assert len(days) == 14
    tuesday_ten = next(s for s in days[0].slots if s.starts_at == at(TUESDAY, 10))
    assert tuesday_ten.left == 3 and tuesday_ten.short == []


def test_a_plan_reads_its_rules_and_load_in_two_queries_and_its_load_again_in_one(
        store_a, advisor, django_assert_num_queries):
    from ..models import AdvisorCapacity

    book(store_a, advisor, advisor=advisor)
    WorkshopAbsence.objects.create(store=store_a, day=TUESDAY, technician_hours=Decimal("7.5"))
    WorkshopAbsence.objects.create(store=store_a, day=TUESDAY, technician_hours=Decimal("0.5"))
    AdvisorCapacity.objects.update_or_create(store=store_a, advisor=advisor, defaults={"per_slot": 2})
    AdvisorAbsence.objects.create(store=store_a, advisor=advisor, day=TUESDAY,
                                  starts_at=dt.time(14), ends_at=dt.time(15))
    SpecialDay.objects.create(store=store_a, day=TUESDAY + dt.timedelta(days=1), is_open=False)
    with django_assert_num_queries(2):  # the holiday calendar, then every rule and the load
        plan = capacity.CapacityPlan(store_a, TUESDAY, TUESDAY + dt.timedelta(days=1))
    assert plan.day_hours_capacity(TUESDAY) == Decimal("37.0")  # 45 hours less 7.5 and 0.5
    assert plan.advisor_capacity(advisor.pk, at(TUESDAY, 10)) == 2
    assert plan.advisor_capacity(advisor.pk, at(TUESDAY, 14, 30)) == 0
    assert plan.hours(TUESDAY + dt.timedelta(days=1)) == (None, None)
    tuesday = plan.days([advisor.pk])[0]
    ten = next(slot for slot in tuesday.slots if slot.starts_at == at(TUESDAY, 10))
    assert (ten.left, ten.advisor_left[advisor.pk]) == (3, 1)
    assert tuesday.hours_used == Decimal("1.0")
    book(store_a, advisor, starts_at=at(TUESDAY, 10, 15))
    with django_assert_num_queries(1):
        plan.read_load()
    assert plan.slot_load[at(TUESDAY, 10, 15)].used == 1
