"""In a real browser: an advisor books a caller into the day book and moves the booking by
htmx; a customer books on a phone with the SMS code and then moves the booking."""
import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from aftersales.messaging.models import OutboundMessage
from aftersales.messaging.verification import _AddressBucket, _client_address
from aftersales.ratelimit import HourlyAddressLimit
from aftersales.tests.factories import TEST_PASSWORD, VehicleFactory

from .. import capacity
from ..models import Appointment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MOBILE = "13812349876"
PHONE = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def fresh_address_counters():
    now = timezone.now()
    cache.delete_many([_AddressBucket(_client_address("127.0.0.1"), now).key] + [
        HourlyAddressLimit(f"appointments_public:{action}", "127.0.0.1", limit=1, now=now).key
        for action in ("verify", "book", "change")])


def log_in(page, username):
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("form[action$='/accounts/login/'] button[type=submit]")
    page.wait_for_url("**/")


def tomorrow(store):
    return capacity.local(store, timezone.now()).date() + dt.timedelta(days=1)


def test_an_advisor_books_into_the_day_book_and_moves_it_without_a_reload(page, personas, store_a):
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    vehicle = VehicleFactory(owner__store=store_a)
    log_in(page, "advisor_a")
    day = tomorrow(store_a)
    page.goto(f"/appointments/?store=a&day={day.isoformat()}")
    page.evaluate("window.notReloaded = true")
    page.locator("[data-testid=slot][data-time='10:00'] [data-testid=book-slot]").click()
    form = page.locator("[data-testid=booking-form]")
    expect(form).to_be_visible()
    form.locator("#id_plate").fill(vehicle.plate)
    form.locator("#id_service_type").select_option(label="常规保养")
    form.locator("[data-testid=book-submit]").click()
    booked = page.locator(f"[data-testid=slot][data-time='10:00'] [data-plate='{vehicle.plate}']")
    expect(booked).to_be_visible()
    expect(page.locator("[data-testid=slot][data-time='10:00'] [data-testid=slot-load]")).to_have_text("1 / 4")
    booked.locator("[data-testid=move]").click()
    move = page.locator("[data-testid=move-form]")
    expect(move).to_be_visible()
    move.locator("#id_starts_at").fill(f"{day.isoformat()}T14:00")
    move.locator("[data-testid=move-submit]").click()
    expect(page.locator(f"[data-testid=slot][data-time='14:00'] [data-plate='{vehicle.plate}']")).to_be_visible()
    expect(page.locator("[data-testid=slot][data-time='10:00'] [data-testid=slot-load]")).to_have_text("0 / 4")
    assert page.evaluate("window.notReloaded") is True
    appointment = Appointment.objects.get()
    assert capacity.local(store_a, appointment.starts_at).hour == 14 and appointment.version == 2
    assert errors == []


def sent_code():
    return OutboundMessage.objects.filter(kind="verification_code", to=MOBILE).latest("created_at", "pk").context["code"]


def test_a_customer_books_on_a_phone_with_the_sms_code_and_moves_it(page, store_a):
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.set_viewport_size(PHONE)
    page.goto(f"/b/{store_a.code}/")
    expect(page.locator("[data-testid=store-name]")).to_have_text(store_a.name)
    page.fill("#id_mobile", MOBILE)
    page.click("[data-testid=send-code]")
    expect(page.locator("[data-testid=code-sent]")).to_be_visible()
    page.fill("#id_code", sent_code())
    page.click("[data-testid=verify-submit]")
    page.fill("#id_name", "韩梅梅")
    page.fill("#id_plate", "沪A54321")
    page.select_option("#id_service_type", label="常规保养")
    page.select_option("#id_day", tomorrow(store_a).isoformat())
    page.click("[data-testid=show-times]")
    page.select_option("#id_time", "10:00")
    page.click("[data-testid=book]")
    expect(page.locator("[data-testid=time]")).to_contain_text("10:00")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert OutboundMessage.objects.filter(kind="appointment_booked").exists()
    page.select_option("#id_day", tomorrow(store_a).isoformat())
    page.click("[data-testid=show-times]")
    page.select_option("#id_time", "15:00")
    page.click("[data-testid=move]")
    expect(page.locator("[data-testid=time]")).to_contain_text("15:00")
    appointment = Appointment.objects.get()
    assert appointment.source == "online" and appointment.version == 2
    assert errors == []


def test_reception_marks_an_arrival_by_plate_and_the_welcome_board_shows_it(page, personas, store_a):
    from ..models import CapacitySettings
    from .factories import book

    now = timezone.now()
    local_now = capacity.local(store_a, now)
    soon = local_now.replace(second=0, microsecond=0) + dt.timedelta(minutes=30)
    soon = soon.replace(minute=soon.minute // 15 * 15)
    booked_at = now
    if soon.time() > dt.time(22, 0) or soon.date() != local_now.date():
        # Late in the evening the next slot runs past closing time: the customer comes in late
        # for an appointment of this evening, booked that afternoon.
        soon = local_now.replace(hour=20, minute=0, second=0, microsecond=0)
        booked_at = soon - dt.timedelta(hours=4)
    opens, closes = dt.time(0, 0), dt.time(23, 45)
    from ..models import OpeningHours

    OpeningHours.objects.create(store=store_a, weekday=soon.weekday(), opens_at=opens, closes_at=closes)
    appointment = book(store_a, personas["advisor"], starts_at=soon, now=booked_at)
    token = CapacitySettings.objects.get(store=store_a).welcome_board_token
    board = page.context.new_page()
    board.goto(f"/w/{token}/")
    row = board.locator("[data-testid=board-row]")
    expect(row).to_have_attribute("data-status", "expected")
    expect(row).not_to_contain_text(appointment.vehicle.plate)
    log_in(page, "advisor_a")
    page.goto("/appointments/")
    page.locator("[data-testid=reception] input[name=plate]").fill(appointment.vehicle.plate)
    page.locator("[data-testid=reception] button").click()
    expect(page.locator("[data-testid=status]")).to_have_text("已到店")
    board.reload()
    expect(board.locator("[data-testid=board-row]")).to_have_attribute("data-status", "arrived")


def test_an_agent_confirms_the_d2_call_from_the_queue(page, personas, store_a):
    from ..calls import confirmation_day, schedule_confirmation_calls
    from .factories import book

    now = timezone.now()
    today = capacity.local(store_a, now).date()
    days = [today + dt.timedelta(days=n) for n in range(1, 8)]
    day = max(d for d in days if confirmation_day(store_a, d) <= today)
    starts_at = dt.datetime.combine(day, dt.time(10), tzinfo=capacity.store_zone(store_a))
    appointment = book(store_a, personas["advisor"], starts_at=starts_at, now=now - dt.timedelta(days=10))
    assert schedule_confirmation_calls(now=now) == 1
    log_in(page, "cs_agent_a")
    page.click("[data-nav=queue]")
    page.click("[data-testid=next-call]")
    expect(page.locator("[data-testid=call-result]")).to_be_visible()
    page.check("input[name=outcome][value=reached]")
    page.check("input[name=call_result][value=confirm]")
    page.click("[data-testid=record-call]")
    page.wait_for_url("**/visits/**")
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CONFIRMED
