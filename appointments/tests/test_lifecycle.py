import datetime as dt

import pytest

from aftersales.tests.factories import ServiceVisitFactory

from ..capacity import SlotTaken
from ..models import AdvisorNotice, Appointment, AppointmentTransition, IllegalTransition, SlotLoad, WalkIn
from ..services import arrive_by_plate, link_repair_orders, record_walk_in, reschedule
from .factories import NOW, TUESDAY, at, book

Status = Appointment.Status


def used(starts_at):
    row = SlotLoad.objects.filter(starts_at=starts_at).first()
    return row.used if row else 0


def test_booked_confirmed_arrived_completed_with_a_timeline(store_a, personas):
    advisor = personas["advisor"]
    appointment = book(store_a, personas["cs_agent"], advisor=advisor)
    appointment.confirm(by=personas["cs_agent"], now=NOW)
    day_of = at(TUESDAY, 9, 50)
    appointment.arrive(by=advisor, now=day_of)
    appointment.complete(by=advisor, now=day_of + dt.timedelta(hours=2))
    appointment.refresh_from_db()
    assert appointment.status == Status.COMPLETED
    assert list(appointment.timeline.order_by("at", "pk").values_list("kind", flat=True)) == [
        "booked", "confirmed", "arrived", "completed"]


def test_cancelling_frees_the_place_at_once_and_tells_the_advisor(store_a, personas):
    advisor = personas["advisor"]
    appointment = book(store_a, advisor, advisor=advisor)
    assert used(at(TUESDAY, 10)) == 1
    appointment.cancel(by=personas["cs_agent"], reason="客户有事", now=NOW)
    assert used(at(TUESDAY, 10)) == 0
    assert AdvisorNotice.objects.filter(advisor=advisor, appointment=appointment).count() == 1


def test_cancelling_needs_a_reason(store_a, personas):
    appointment = book(store_a, personas["advisor"])
    with pytest.raises(IllegalTransition):
        appointment.cancel(by=personas["advisor"], reason=" ", now=NOW)
    assert Appointment.objects.get().status == Status.BOOKED


def test_moving_keeps_one_record_frees_the_old_place_and_records_both_times(store_a, personas):
    advisor = personas["advisor"]
    appointment = book(store_a, advisor, advisor=advisor)
    appointment.confirm(by=advisor, now=NOW)
    reschedule(appointment, by=advisor, starts_at=at(TUESDAY, 14), now=NOW)
    appointment.refresh_from_db()
    assert Appointment.objects.count() == 1
    assert appointment.version == 2 and appointment.status == Status.BOOKED
    assert used(at(TUESDAY, 10)) == 0 and used(at(TUESDAY, 14)) == 1
    move = appointment.timeline.get(kind="moved")
    assert (move.from_starts_at, move.to_starts_at) == (at(TUESDAY, 10), at(TUESDAY, 14))
    assert AdvisorNotice.objects.filter(appointment=appointment).exists()


def test_moving_to_a_full_slot_changes_nothing(store_a, personas):
    advisor = personas["advisor"]
    for _ in range(4):
        book(store_a, advisor, starts_at=at(TUESDAY, 14))
    appointment = book(store_a, advisor)
    with pytest.raises(SlotTaken):
        reschedule(appointment, by=advisor, starts_at=at(TUESDAY, 14), now=NOW)
    appointment.refresh_from_db()
    assert appointment.starts_at == at(TUESDAY, 10) and appointment.version == 1
    assert used(at(TUESDAY, 10)) == 1 and used(at(TUESDAY, 14)) == 4


@pytest.mark.parametrize("role", ["dept_head", "manager"])
def test_roles_without_booking_rights_cannot_book_or_move(store_a, personas, role):
    from ..capacity import BookingRefused

    with pytest.raises(BookingRefused):
        book(store_a, personas[role])
    appointment = book(store_a, personas["advisor"])
    with pytest.raises(IllegalTransition):
        appointment.cancel(by=personas[role], reason="x", now=NOW)
    with pytest.raises(IllegalTransition):
        appointment.confirm(by=personas[role], now=NOW)


def test_an_agent_books_but_does_not_receive_customers(store_a, personas):
    appointment = book(store_a, personas["cs_agent"])
    with pytest.raises(IllegalTransition):
        appointment.arrive(by=personas["cs_agent"], now=at(TUESDAY, 10))


@pytest.mark.parametrize("status", [Status.CANCELLED, Status.NO_SHOW, Status.COMPLETED])
def test_finished_appointments_cannot_move_again(store_a, personas, status):
    advisor = personas["advisor"]
    appointment = book(store_a, advisor)
    Appointment.objects.filter(pk=appointment.pk).update(status=status)
    appointment.refresh_from_db()
    for action in (lambda: appointment.confirm(by=advisor, now=NOW),
                   lambda: appointment.arrive(by=advisor, now=at(TUESDAY, 10)),
                   lambda: appointment.cancel(by=advisor, reason="x", now=NOW),
                   lambda: reschedule(appointment, by=advisor, starts_at=at(TUESDAY, 15), now=NOW)):
        with pytest.raises(IllegalTransition):
            action()
    assert AppointmentTransition.objects.filter(appointment=appointment).count() == 1


def test_arrival_only_on_the_day(store_a, personas):
    appointment = book(store_a, personas["advisor"])
    with pytest.raises(IllegalTransition):
        appointment.arrive(by=personas["advisor"], now=NOW)


def test_reception_marks_arrival_by_plate_tail(store_a, personas):
    appointment = book(store_a, personas["advisor"])
    found = arrive_by_plate(store=store_a, plate=appointment.vehicle.plate[1:].lower(), by=personas["advisor"],
                            now=at(TUESDAY, 9, 55))
    assert found.pk == appointment.pk and found.status == Status.ARRIVED
    assert arrive_by_plate(store=store_a, plate="京Z99999", by=personas["advisor"], now=at(TUESDAY, 9, 55)) is None


def test_a_walk_in_is_one_row_without_capacity(store_a, personas):
    from aftersales.tests.factories import VehicleFactory

    walk_in = record_walk_in(store=store_a, vehicle=VehicleFactory(owner__store=store_a), by=personas["advisor"])
    assert WalkIn.objects.get() == walk_in and not SlotLoad.objects.exists()


def test_the_dms_repair_order_of_the_same_vehicle_and_day_is_linked_once(store_a, personas):
    appointment = book(store_a, personas["advisor"])
    appointment.arrive(by=personas["advisor"], now=at(TUESDAY, 10))
    ServiceVisitFactory(vehicle=appointment.vehicle, opened_at=at(TUESDAY - dt.timedelta(days=20), 10))
    visit = ServiceVisitFactory(vehicle=appointment.vehicle, opened_at=at(TUESDAY, 10, 20), status="open",
                                closed_at=None)
    assert link_repair_orders(store=store_a, now=at(TUESDAY, 20)) == 1
    assert link_repair_orders(store=store_a, now=at(TUESDAY, 20)) == 0
    appointment.refresh_from_db()
    visit.refresh_from_db()
    assert appointment.visit == visit and visit.from_appointment
