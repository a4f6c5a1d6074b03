"""The daily maintenance reminders: SMS with the booking link N days before, a call for
customers without SMS or who did not come in, K unanswered reminders then a recall, sold cars
left alone; insurance renewal calls at D-60 / D-30."""
import datetime as dt

import pytest
from django.utils import timezone

from aftersales.messaging.models import OutboundMessage
from aftersales.tests.factories import CustomerFactory, VehicleFactory
from customers.models import CustomerConsent
from visits.care.jobs import run_daily_care
from visits.care.maintenance import recompute_due
from visits.models import CareOccasion, CarePolicy, FollowUp, VehicleServiceDue

from .care_helpers import visit

pytestmark = pytest.mark.django_db


def car_due_on(store, due_on, **customer):
    """A car whose last service (every 6 months, by time: it drives little) makes it due on `due_on`."""
    car = VehicleFactory(owner=CustomerFactory(store=store, **customer))
    served = due_on - dt.timedelta(days=181)
    visit(car, served - dt.timedelta(days=200), 10_000)
    visit(car, served, 12_000, "maintenance")
    recompute_due(vehicle_ids=[car.pk])
    VehicleServiceDue.objects.filter(vehicle=car).update(next_due_on=due_on)
    return car


def run(day):
    return run_daily_care(day=day, now=timezone.now())


def test_a_reminder_with_the_booking_link_goes_seven_days_before_and_only_once(store_a, settings):
    settings.SITE_URL = "https://service.example.cn"
    today = timezone.localdate()
    car = car_due_on(store_a, today + dt.timedelta(days=7))
    later = car_due_on(store_a, today + dt.timedelta(days=8))
    run(today)
    run(today)
    message = OutboundMessage.objects.get(kind="maintenance_due")
    assert message.customer == car.owner
    assert message.context["link"] == f"https://service.example.cn/b/{store_a.code}/"
    assert message.context["plate"] == car.plate
    assert not OutboundMessage.objects.filter(customer=later.owner).exists()
    assert CareOccasion.objects.filter(kind="maintenance").count() == 1


def test_the_store_chooses_how_many_days_before(store_a):
    CarePolicy.objects.create(store=store_a, reminder_days_before=14)
    today = timezone.localdate()
    car = car_due_on(store_a, today + dt.timedelta(days=14))
    run(today)
    assert OutboundMessage.objects.filter(kind="maintenance_due", customer=car.owner).exists()


def test_a_customer_without_sms_gets_a_reminder_call_at_once(store_a):
    today = timezone.localdate()
    car = car_due_on(store_a, today + dt.timedelta(days=5))
    CustomerConsent.objects.create(customer=car.owner, channel="sms", granted=False, method="phone")
    run(today)
    assert not OutboundMessage.objects.filter(kind="maintenance_due").exists()
    call = FollowUp.objects.get(customer=car.owner)
    assert call.rule.trigger == "maintenance_due"
    assert (call.status, call.due_on) == ("pending", today)


def test_a_customer_who_did_not_come_in_gets_a_call_after_m_days_but_not_one_who_came(store_a):
    today = timezone.localdate()
    stays_away = car_due_on(store_a, today + dt.timedelta(days=7))
    comes_in = car_due_on(store_a, today + dt.timedelta(days=7))
    run(today)
    assert not FollowUp.objects.exists()
    visit(comes_in, today + dt.timedelta(days=2), 14_000, "maintenance")
    recompute_due(vehicle_ids=[comes_in.pk])
    run(today + dt.timedelta(days=5))
    assert list(FollowUp.objects.values_list("customer", flat=True)) == [stays_away.owner_id]


def test_after_k_unanswered_reminders_the_car_stops_and_the_customer_is_recalled(store_a):
    CarePolicy.objects.create(store=store_a, max_unanswered_reminders=2, repeat_after_days=30)
    today = timezone.localdate()
    car = car_due_on(store_a, today + dt.timedelta(days=7))
    for days in (0, 40, 70, 100, 130):
        run(today + dt.timedelta(days=days))
    assert CareOccasion.objects.filter(kind="maintenance", vehicle=car).count() == 2
    row = VehicleServiceDue.objects.get(vehicle=car)
    assert row.stopped_reason == "unanswered"
    recall = CareOccasion.objects.get(kind="recall")
    assert recall.customer == car.owner
    assert FollowUp.objects.filter(care_occasion=recall, rule__trigger="lost_customer").exists()


def test_a_car_reported_sold_gets_no_reminder(store_a):
    today = timezone.localdate()
    car = car_due_on(store_a, today + dt.timedelta(days=3))
    VehicleServiceDue.objects.filter(vehicle=car).update(stopped_on=today, stopped_reason="sold")
    run(today)
    assert not CareOccasion.objects.exists()


def test_renewal_calls_at_d60_and_d30_and_none_after_renewal(store_a, personas):
    today = timezone.localdate()
    car = VehicleFactory(owner=CustomerFactory(store=store_a),
                         compulsory_insurance_due=today + dt.timedelta(days=60),
                         commercial_insurance_due=today + dt.timedelta(days=60))
    other = VehicleFactory(owner=CustomerFactory(store=store_a),
                           commercial_insurance_due=today + dt.timedelta(days=61))
    run(today)
    run(today)
    call = FollowUp.objects.get(rule__trigger="insurance_renewal")
    assert (call.vehicle, call.offset_days, call.due_on) == (car, 60, today)
    assert call.care_occasion.subject == "commercial+compulsory"
    run(today + dt.timedelta(days=30))
    assert FollowUp.objects.filter(vehicle=car, rule__trigger="insurance_renewal").count() == 2
    assert FollowUp.objects.filter(vehicle=other).count() == 1  # its D-60 call
    CareOccasion.objects.filter(vehicle=other).update(renewal_outcome="renewed_here")
    run(today + dt.timedelta(days=31))
    assert FollowUp.objects.filter(vehicle=other).count() == 1


def test_a_late_run_makes_the_d30_call_not_a_stale_d60_one(store_a):
    today = timezone.localdate()
    car = VehicleFactory(owner=CustomerFactory(store=store_a), commercial_insurance_due=today + dt.timedelta(days=20))
    run(today)
    assert list(FollowUp.objects.filter(vehicle=car).values_list("offset_days", flat=True)) == [30]


def test_the_optional_insurance_sms_goes_days_before_expiry(store_a):
    CarePolicy.objects.create(store=store_a, insurance_sms_days_before=3)
    today = timezone.localdate()
    car = VehicleFactory(owner=CustomerFactory(store=store_a), compulsory_insurance_due=today + dt.timedelta(days=3))
    run(today)
    run(today)
    assert OutboundMessage.objects.filter(kind="insurance_due", customer=car.owner).count() == 1
