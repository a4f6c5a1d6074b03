"""Creating and editing customers, vehicles and repair orders: bad input is refused with a clear
message and nothing is saved."""
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from aftersales.tests.factories import CustomerFactory, ServiceVisitFactory, VehicleFactory
from customers.models import Customer, ServiceVisit, Vehicle

pytestmark = pytest.mark.django_db


def fmt(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def advisor(personas):
    return personas["advisor"]


def test_advisor_creates_a_customer(client, advisor, store_a):
    client.force_login(advisor)
    response = client.post(reverse("customers:create"), {
        "store": store_a.pk, "name": " 李 娜 ", "mobile": "+86 139-0000-1111", "source": "walk_in",
        "preferred_language": "zh-hans",
    })
    customer = Customer.objects.get()
    assert response.status_code == 302
    assert (customer.name, customer.mobile, customer.name_pinyin) == ("李 娜", "13900001111", "lina")


def test_bad_mobile_is_refused_in_chinese_and_nothing_saved(client, advisor, store_a):
    client.force_login(advisor)
    response = client.post(reverse("customers:create"), {
        "store": store_a.pk, "name": "李娜", "mobile": "12345", "source": "walk_in",
        "preferred_language": "zh-hans",
    })
    assert response.status_code == 200
    assert "不是有效的手机号" in response.content.decode()
    assert not Customer.objects.exists()


def test_customer_cannot_be_created_in_another_store(client, advisor, store_b):
    client.force_login(advisor)
    response = client.post(reverse("customers:create"), {
        "store": store_b.pk, "name": "李娜", "source": "walk_in", "preferred_language": "zh-hans",
    })
    assert response.status_code == 200
    assert not Customer.objects.exists()


def test_do_not_contact_needs_a_reason(client, advisor, store_a):
    customer = CustomerFactory(store=store_a)
    client.force_login(advisor)
    response = client.post(reverse("customers:edit", args=[customer.pk]), {
        "name": customer.name, "source": "walk_in", "preferred_language": "zh-hans", "do_not_contact": "on",
    })
    assert response.status_code == 200
    customer.refresh_from_db()
    assert not customer.do_not_contact


def vehicle_data(**overrides):
    return {"plate": "京A12345", "vin": "1M8GDM9AXKP042788", "brand": "大众", "model": "迈腾", **overrides}


def test_vehicle_is_added_with_its_first_owner(client, advisor, store_a):
    customer = CustomerFactory(store=store_a)
    client.force_login(advisor)
    response = client.post(reverse("customers:vehicle_create", args=[customer.pk]), vehicle_data(plate="京a·12345"))
    assert response.status_code == 302
    vehicle = Vehicle.objects.get()
    assert vehicle.plate == "京A12345"
    assert vehicle.ownerships.get().customer == customer


@pytest.mark.parametrize("field,value,message", [
    ("vin", "1M8GDM9A1KP042788", "不是有效的车架号"),
    ("vin", "1M8GDM9AXKP04278O", "不是有效的车架号"),
    ("plate", "A12345", "不是有效的车牌"),
])
def test_bad_vin_or_plate_is_refused(client, advisor, store_a, field, value, message):
    customer = CustomerFactory(store=store_a)
    client.force_login(advisor)
    response = client.post(reverse("customers:vehicle_create", args=[customer.pk]), vehicle_data(**{field: value}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Vehicle.objects.exists()


def test_same_vin_twice_in_a_store_is_refused(client, advisor, store_a):
    VehicleFactory(owner=CustomerFactory(store=store_a), vin="1M8GDM9AXKP042788")
    customer = CustomerFactory(store=store_a)
    client.force_login(advisor)
    response = client.post(reverse("customers:vehicle_create", args=[customer.pk]), vehicle_data())
    assert response.status_code == 200
    assert Vehicle.objects.count() == 1


def test_lower_mileage_needs_confirmation(client, advisor, store_a):
    vehicle = VehicleFactory(owner=CustomerFactory(store=store_a), mileage=50_000)
    client.force_login(advisor)
    url = reverse("customers:vehicle_edit", args=[vehicle.pk])
    data = vehicle_data(vin=vehicle.vin, plate=vehicle.plate, mileage=40_000)
    assert client.post(url, data).status_code == 200
    vehicle.refresh_from_db()
    assert vehicle.mileage == 50_000
    assert client.post(url, {**data, "confirm_lower_mileage": "on"}).status_code == 302
    vehicle.refresh_from_db()
    assert vehicle.mileage == 40_000


def visit_data(**overrides):
    opened = timezone.now() - timedelta(days=1)
    return {
        "order_no": "ro-001", "repair_type": "maintenance", "status": "closed",
        "opened_at": fmt(opened), "closed_at": fmt(opened + timedelta(hours=3)),
        "mileage": 30_000, "amount": "680.00", **overrides,
    }


def test_repair_order_is_recorded_and_vehicle_and_loyalty_follow(client, advisor, store_a):
    vehicle = VehicleFactory(owner=CustomerFactory(store=store_a), mileage=25_000)
    client.force_login(advisor)
    response = client.post(reverse("customers:visit_create", args=[vehicle.pk]), visit_data(advisor=advisor.pk))
    assert response.status_code == 302
    visit = ServiceVisit.objects.get()
    assert visit.order_no == "RO-001" and visit.advisor == advisor
    vehicle.refresh_from_db()
    vehicle.owner.refresh_from_db()
    assert vehicle.mileage == 30_000
    assert vehicle.owner.visit_count == 1 and vehicle.owner.last_visit_at == visit.opened_at


def test_repair_order_closed_before_it_opened_is_refused(client, advisor, store_a):
    vehicle = VehicleFactory(owner=CustomerFactory(store=store_a))
    client.force_login(advisor)
    opened = timezone.now()
    response = client.post(reverse("customers:visit_create", args=[vehicle.pk]), visit_data(
        opened_at=fmt(opened), closed_at=fmt(opened - timedelta(hours=2)),
    ))
    assert response.status_code == 200
    assert "不能早于" in response.content.decode()
    assert not ServiceVisit.objects.exists()


def test_duplicate_order_number_is_refused(client, advisor, store_a):
    vehicle = VehicleFactory(owner=CustomerFactory(store=store_a))
    ServiceVisitFactory(vehicle=vehicle, order_no="RO-001")
    client.force_login(advisor)
    response = client.post(reverse("customers:visit_create", args=[vehicle.pk]), visit_data())
    assert response.status_code == 200
    assert ServiceVisit.objects.count() == 1


def test_repair_order_with_lower_mileage_needs_confirmation(client, advisor, store_a):
    vehicle = VehicleFactory(owner=CustomerFactory(store=store_a), mileage=50_000)
    client.force_login(advisor)
    url = reverse("customers:visit_create", args=[vehicle.pk])
    assert client.post(url, visit_data()).status_code == 200
    assert client.post(url, {**visit_data(), "confirm_lower_mileage": "on"}).status_code == 302
    vehicle.refresh_from_db()
    assert vehicle.mileage == 50_000  # a lower reading never rolls the odometer back


@pytest.mark.parametrize("role", ["dept_head", "manager"])
def test_read_only_roles_cannot_edit(client, personas, store_a, role):
    customer = CustomerFactory(store=store_a)
    client.force_login(personas[role])
    assert client.get(reverse("customers:edit", args=[customer.pk])).status_code == 403
    assert client.get(reverse("customers:vehicle_create", args=[customer.pk])).status_code == 403


@pytest.mark.parametrize("page", ["visit_create", "vehicle_edit"])
def test_lower_mileage_confirmation_shows_only_after_a_lower_reading(client, advisor, store_a, page):
    vehicle = VehicleFactory(owner=CustomerFactory(store=store_a), mileage=50_000)
    client.force_login(advisor)
    url = reverse(f"customers:{page}", args=[vehicle.pk])
    checkbox = 'type="checkbox" name="confirm_lower_mileage"'
    assert checkbox not in client.get(url).content.decode()
    if page == "visit_create":
        data, another_error = visit_data(), {"order_no": ""}
    else:
        data, another_error = vehicle_data(vin=vehicle.vin, plate=vehicle.plate), {"plate": "bad"}
    higher = client.post(url, {**data, "mileage": 60_000, **another_error})
    assert higher.status_code == 200 and checkbox not in higher.content.decode()
    lower = client.post(url, {**data, "mileage": 40_000})
    assert lower.status_code == 200 and checkbox in lower.content.decode()
