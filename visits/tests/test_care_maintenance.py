"""Maintenance due by time and mileage: the interval rules and the mileage estimate."""
import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta

from aftersales.tests.factories import CustomerFactory, ServiceVisitFactory, VehicleFactory
from customers.services import save_visit
from visits.care.maintenance import DEFAULT_DAILY_KM, recompute_due
from visits.models import ServiceInterval, VehicleServiceDue

from .care_helpers import at, visit

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 1)


def due(vehicle):
    recompute_due(vehicle_ids=[vehicle.pk])
    return VehicleServiceDue.objects.get(vehicle=vehicle)


def test_a_slow_car_is_due_by_time_six_months_after_its_last_service(store_a):
    car = VehicleFactory(owner=CustomerFactory(store=store_a))
    visit(car, TODAY - dt.timedelta(days=100), 10_000)
    visit(car, TODAY, 11_000, "maintenance")  # 10 km a day: 5,000 km would take 500 days
    row = due(car)
    assert row.next_due_on == TODAY + relativedelta(months=6)
    assert row.due_by == "time"
    assert row.daily_km == pytest.approx(10)
    assert row.daily_km_source == "own"


def test_a_busy_car_is_due_by_mileage_before_six_months(store_a):
    car = VehicleFactory(owner=CustomerFactory(store=store_a))
    visit(car, TODAY - dt.timedelta(days=100), 10_000)
    visit(car, TODAY, 20_000, "maintenance")  # 100 km a day: 5,000 km in 50 days
    row = due(car)
    assert row.next_due_on == TODAY + dt.timedelta(days=50)
    assert row.due_by == "mileage"
    assert row.next_due_km == 25_000


def test_whichever_comes_first_follows_the_model_line_s_own_interval(store_a):
    ServiceInterval.objects.create(store=store_a, model_line="迈腾", every_km=10_000, every_months=12,
                                   first_km=5000, first_months=6)
    ServiceInterval.objects.create(store=store_a, model_line="", every_km=3000, every_months=3)
    car = VehicleFactory(owner=CustomerFactory(store=store_a), model="迈腾")
    other = VehicleFactory(owner=CustomerFactory(store=store_a), model="帕萨特")
    for vehicle in (car, other):
        visit(vehicle, TODAY - dt.timedelta(days=100), 10_000)
        visit(vehicle, TODAY, 14_000, "maintenance")  # 40 km a day
    assert due(car).next_due_on == TODAY + dt.timedelta(days=250)  # 10,000 km before 12 months
    assert due(other).next_due_on == TODAY + dt.timedelta(days=75)  # 3,000 km before 3 months


def test_a_new_car_without_a_service_on_file_follows_the_first_service_rule(store_a):
    car = VehicleFactory(owner=CustomerFactory(store=store_a), purchase_date=TODAY - dt.timedelta(days=30),
                         bought_here=True)
    assert due(car).next_due_on == car.purchase_date + relativedelta(months=3)  # no reading: by time
    visit(car, TODAY, 2400)  # 80 km a day since delivery: 3,000 km after 37.5 days
    row = due(car)
    assert row.due_by == "mileage"
    assert row.next_due_on == car.purchase_date + dt.timedelta(days=38)


def test_a_lower_reading_and_a_jump_do_not_move_the_estimate(store_a):
    car = VehicleFactory(owner=CustomerFactory(store=store_a))
    start = TODAY - dt.timedelta(days=400)
    readings = [(0, 10_000), (100, 14_000), (150, 13_500), (200, 18_000), (250, 190_000), (300, 22_000),
                (400, 26_000)]  # 40 km a day, one reading typed low and one with a digit too many
    for offset, mileage in readings:
        visit(car, start + dt.timedelta(days=offset), mileage,
              "maintenance" if offset == 400 else "minor_repair")
    row = due(car)
    assert row.daily_km == pytest.approx(40, rel=0.15)
    assert row.next_due_on == TODAY + dt.timedelta(days=round(5000 / row.daily_km + 0.4999))
    assert abs(row.next_due_km - 31_000) < 500


def test_a_car_with_one_reading_takes_its_store_s_average(store_a):
    for rate in (20, 60):
        known = VehicleFactory(owner=CustomerFactory(store=store_a))
        visit(known, TODAY - dt.timedelta(days=100), 10_000)
        visit(known, TODAY, 10_000 + rate * 100)
        recompute_due(vehicle_ids=[known.pk])
    single = VehicleFactory(owner=CustomerFactory(store=store_a))
    visit(single, TODAY - dt.timedelta(days=10), 30_000, "maintenance")
    row = due(single)
    assert row.daily_km_source == "store"
    assert row.daily_km == pytest.approx(40)


def test_a_store_without_estimates_uses_the_default_rate(store_b):
    single = VehicleFactory(owner=CustomerFactory(store=store_b))
    visit(single, TODAY, 30_000, "maintenance")
    row = due(single)
    assert (row.daily_km_source, row.daily_km) == ("default", DEFAULT_DAILY_KM)


def test_saving_a_repair_order_recomputes_the_car_s_next_service(store_a):
    car = VehicleFactory(owner=CustomerFactory(store=store_a))
    visit(car, TODAY - dt.timedelta(days=100), 10_000, "maintenance")
    recompute_due(vehicle_ids=[car.pk])
    before = VehicleServiceDue.objects.get(vehicle=car).next_due_on
    save_visit(ServiceVisitFactory.build(
        vehicle=car, customer=car.owner, store=store_a, order_no="RO-NEW", repair_type="maintenance",
        opened_at=at(TODAY), closed_at=at(TODAY, 16), mileage=14_000,
    ))
    row = VehicleServiceDue.objects.get(vehicle=car)
    assert row.last_service_on == TODAY
    assert row.next_due_on > before


def test_a_recompute_that_changes_nothing_writes_nothing(store_a):
    car = VehicleFactory(owner=CustomerFactory(store=store_a))
    visit(car, TODAY, 10_000, "maintenance")
    assert recompute_due(vehicle_ids=[car.pk]) == 1
    assert recompute_due(vehicle_ids=[car.pk]) == 0
