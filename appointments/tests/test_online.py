"""Online self-booking: the mobile proven by an SMS code, the online share only, the signed
link for that appointment only, neutral answers and limits."""
import datetime as dt
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from aftersales.messaging.models import OutboundMessage
from aftersales.tests.factories import VehicleFactory

from .. import capacity, online
from ..models import Appointment, CapacitySettings, ServiceType

MOBILE = "13800002222"


@pytest.fixture
def ip():
    return f"2001:db8:{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}::1"


def url(name, store, *args):
    return reverse(f"appointments_online:{name}", args=[store.code, *args])


def sent_code(mobile=MOBILE):
    return OutboundMessage.objects.filter(kind="verification_code", to=mobile).latest("created_at", "pk").context["code"]


def prove(client, store, ip, mobile=MOBILE):
    client.post(url("send_code", store), {"mobile": mobile}, REMOTE_ADDR=ip)
    return client.post(url("verify", store), {"mobile": mobile, "code": sent_code(mobile)}, REMOTE_ADDR=ip)


def tomorrow(store):
    return capacity.local(store, timezone.now()).date() + dt.timedelta(days=1)


def booking(store, **data):
    return {"name": "李雷", "plate": "京A12345", "service_type": ServiceType.objects.get(store=store, name="常规保养").pk,
            "day": tomorrow(store).isoformat(), "time": "10:00", "note": "", **data}


def test_a_customer_books_with_the_code_and_gets_the_link_by_sms(client, store_a, ip):
    assert prove(client, store_a, ip).status_code == 302
    shown = client.post(url("new", store_a), {**booking(store_a), "show_times": "1"}, REMOTE_ADDR=ip)
    assert 'value="10:00"' in shown.content.decode() and not Appointment.objects.exists()
    page = client.post(url("new", store_a), booking(store_a), REMOTE_ADDR=ip)
    assert page.status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.source == "online" and appointment.customer.mobile == MOBILE
    assert appointment.vehicle.plate == "京A12345"
    message = OutboundMessage.objects.get(kind="appointment_booked")
    # The link's signed token opens this appointment (its timestamp is the second it was made).
    token = message.context["link"].rstrip("/").rsplit("/", 1)[-1]
    assert online.appointment_for_token(token, store_a) == appointment
    assert MOBILE not in page["Location"] and "京A" not in page["Location"]
    manage = client.get(page["Location"])
    assert "京A·***45" in manage.content.decode() and "李雷" not in manage.content.decode()


def test_without_a_proven_mobile_the_booking_page_sends_back_to_the_start(client, store_a, ip):
    assert client.get(url("new", store_a))["Location"] == url("start", store_a)
    client.post(url("new", store_a), booking(store_a), REMOTE_ADDR=ip)
    assert not Appointment.objects.exists()


def test_a_wrong_code_proves_nothing(client, store_a, ip):
    client.post(url("send_code", store_a), {"mobile": MOBILE}, REMOTE_ADDR=ip)
    code = sent_code()
    page = client.post(url("verify", store_a), {"mobile": MOBILE, "code": f"{(int(code) + 1) % 10**6:06d}"},
                       REMOTE_ADDR=ip)
    assert page.status_code == 400
    assert client.get(url("new", store_a))["Location"] == url("start", store_a)


def test_codes_are_limited_per_number(client, store_a, ip):
    client.post(url("send_code", store_a), {"mobile": MOBILE}, REMOTE_ADDR=ip)
    again = client.post(url("send_code", store_a), {"mobile": MOBILE}, REMOTE_ADDR=ip)
    assert again.status_code == 429 and again["Retry-After"]


def test_bookings_are_limited_per_address(client, store_a, ip):
    prove(client, store_a, ip)
    for _ in range(10):
        client.post(url("new", store_a), {**booking(store_a), "time": ""}, REMOTE_ADDR=ip)
    page = client.post(url("new", store_a), booking(store_a), REMOTE_ADDR=ip)
    assert page.status_code == 429 and not Appointment.objects.exists()


def test_a_customer_with_a_future_appointment_sees_it_instead_of_booking_twice(client, store_a, ip):
    prove(client, store_a, ip)
    client.post(url("new", store_a), booking(store_a), REMOTE_ADDR=ip)
    again = client.get(url("new", store_a))
    assert again.status_code == 302 and "/a/" in again["Location"]


def test_another_customers_plate_gets_a_neutral_answer(client, store_a, ip):
    VehicleFactory(owner__store=store_a, plate="京B54321")
    prove(client, store_a, ip)
    page = client.post(url("new", store_a), booking(store_a, plate="京B54321"), REMOTE_ADDR=ip)
    assert "无法网上预约" in page.content.decode() and not Appointment.objects.exists()


def test_online_sees_only_the_online_share(client, store_a, ip, personas):
    from .factories import book

    CapacitySettings.objects.filter(store=store_a).update(online_slot_percent=25)  # one of four online
    ten = dt.datetime.combine(tomorrow(store_a), dt.time(10), tzinfo=capacity.store_zone(store_a))
    book(store_a, None, starts_at=ten, source="online", now=timezone.now())
    prove(client, store_a, ip)
    shown = client.post(url("new", store_a), {**booking(store_a), "show_times": "1"}, REMOTE_ADDR=ip)
    assert 'value="10:00"' not in shown.content.decode() and 'value="10:15"' in shown.content.decode()
    client.post(url("new", store_a), booking(store_a), REMOTE_ADDR=ip)
    assert Appointment.objects.count() == 1


def test_the_link_moves_and_cancels_that_appointment_only(client, store_a, store_b, ip):
    prove(client, store_a, ip)
    client.post(url("new", store_a), booking(store_a), REMOTE_ADDR=ip)
    appointment = Appointment.objects.get()
    token = online.manage_token(appointment)
    stranger = Client()
    assert stranger.get(url("manage", store_a, token + "x")).status_code == 404
    assert stranger.get(url("manage", store_b, token)).status_code == 404
    moved = stranger.post(url("move", store_a, token), {"day": tomorrow(store_a).isoformat(), "time": "14:00"},
                          REMOTE_ADDR=ip)
    assert moved.status_code == 302
    appointment.refresh_from_db()
    assert capacity.local(store_a, appointment.starts_at).hour == 14 and appointment.version == 2
    stranger.post(url("cancel", store_a, token), REMOTE_ADDR=ip)
    appointment.refresh_from_db()
    assert appointment.status == "cancelled"


def test_the_link_expires_after_the_appointment(store_a, ip):
    from .factories import book

    ten = dt.datetime.combine(tomorrow(store_a), dt.time(10), tzinfo=capacity.store_zone(store_a))
    appointment = book(store_a, None, starts_at=ten, source="online", now=timezone.now())
    token = online.manage_token(appointment)
    assert online.appointment_for_token(token, store_a) == appointment
    assert online.appointment_for_token(token, store_a, now=ten + dt.timedelta(days=2)) is None


def test_posts_need_the_csrf_token(store_a, ip):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(url("send_code", store_a), {"mobile": MOBILE}, REMOTE_ADDR=ip).status_code == 403
