"""The dealer-group data set at a tiny scale: one store, 200 customers, 240 vehicles, 1,000
repair orders."""
import pytest
from django.apps import apps
from django.core.management import call_command
from django.db.models import Count, F, Q

from aftersales.models import Store
from customers.generation import PREFIX, Plan
from customers.loyalty import refresh_loyalty
from customers.models import Customer, ServiceVisit, Vehicle, VehicleOwnership
from customers.normalize import is_valid_plate, name_grams, name_initials, name_pinyin
from customers.vin import is_valid_vin

# VACUUM runs outside a transaction, as in real use.
pytestmark = pytest.mark.django_db(transaction=True)

SCALE = 0.0002


def generate(capsys, scale=SCALE):
    call_command("generate_dealer_group", scale=scale, seed=7)
    lines = capsys.readouterr().out.strip().splitlines()
    return dict(line.split(": ") for line in lines)


def counts():
    return (
        Store.objects.filter(code__startswith=PREFIX).count(),
        Customer.objects.count(),
        Vehicle.objects.count(),
        ServiceVisit.objects.count(),
        VehicleOwnership.objects.count(),
    )


def test_counts_are_right_and_a_second_run_adds_nothing(capsys):
    printed = generate(capsys)
    assert counts() == (1, 200, 240, 1000, 240)
    assert {k: int(v) for k, v in printed.items() if k != "seconds"} == {
        "stores": 1, "customers": 200, "vehicles": 240, "repair_orders": 1000,
    }
    assert float(printed["seconds"]) >= 0

    again = generate(capsys)
    assert counts() == (1, 200, 240, 1000, 240)
    assert again["repair_orders"] == "1000"


def test_a_larger_scale_tops_the_group_up(capsys):
    generate(capsys)
    generate(capsys, scale=2 * SCALE)
    assert counts()[:4] == (1, 400, 480, 2000)
    assert not ServiceVisit.objects.values("store", "order_no").annotate(n=Count("id")).filter(n__gt=1)


def test_the_plan_at_scale_one_is_the_dealer_group():
    assert Plan.for_scale(1).totals == {
        "stores": 50, "customers": 1_000_000, "vehicles": 1_200_000, "repair_orders": 5_000_000,
    }


def test_identities_are_valid(capsys):
    generate(capsys)
    for vin, plate, vin_last6, plate_tail in Vehicle.objects.values_list(
        "vin", "plate", "vin_last6", "plate_tail"
    ):
        assert is_valid_vin(vin), vin
        assert is_valid_plate(plate), plate
        assert vin_last6 == vin[-6:] and plate_tail == plate[1:]
    assert Vehicle.objects.values("vin").distinct().count() == 240
    for mobile, last4 in Customer.objects.values_list("mobile", "mobile_last4"):
        assert mobile == "" or (len(mobile) == 11 and mobile.startswith("1") and last4 == mobile[-4:])


def test_search_keys_are_filled(capsys):
    generate(capsys)
    for customer in Customer.objects.all():
        assert customer.name_pinyin == name_pinyin(customer.name) != ""
        assert customer.name_initials == name_initials(customer.name) != ""
        assert customer.name_grams == name_grams(customer.name)


def test_repair_orders_are_consistent(capsys):
    generate(capsys)
    orders = ServiceVisit.objects.all()
    assert not orders.filter(closed_at__lt=F("opened_at"))
    assert not orders.filter(status="closed", closed_at__isnull=True)
    assert not orders.exclude(status="closed").filter(closed_at__isnull=False)
    # Every order joins its store's customer and that customer's vehicle.
    assert orders.filter(customer__store=F("store"), vehicle__owner=F("customer")).count() == 1000
    assert all(no.startswith("RO001") and len(no) == 19 for no in orders.values_list("order_no", flat=True))
    assert orders.values("repair_type").distinct().count() >= 5
    # Mileage never goes down along a vehicle's history.
    for vehicle in Vehicle.objects.all()[:60]:
        mileages = list(vehicle.service_visits.order_by("opened_at").values_list("mileage", flat=True))
        assert mileages == sorted(mileages)
        assert vehicle.mileage == mileages[-1]
    # One open ownership per vehicle, with its owner.
    assert VehicleOwnership.objects.filter(ended_on__isnull=True, customer=F("vehicle__owner")).count() == 240


def test_the_first_customer_has_thirty_repair_orders(capsys):
    generate(capsys)
    first = Customer.objects.order_by("pk").first()
    assert first.service_visits.count() == 30
    assert first.vehicles.count() == 2


def test_loyalty_is_refreshed_and_no_history_is_written(capsys):
    generate(capsys)
    customers = Customer.objects.all()
    assert customers.filter(visit_count__gt=0).count() == 200
    assert customers.values("loyalty_tier").distinct().count() >= 4
    # The fields agree with the repair orders: a refresh has nothing left to change.
    assert refresh_loyalty() == 0
    first = customers.annotate(
        n=Count("service_visits", filter=~Q(service_visits__status="cancelled"))
    ).order_by("pk").first()
    assert first.visit_count == first.n
    # The history triggers were off while loading.
    for event in ("CustomerEvent", "VehicleEvent", "ServiceVisitEvent"):
        assert not apps.get_model("customers", event).objects.exists()
