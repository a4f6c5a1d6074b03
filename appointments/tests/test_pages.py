import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.tests.test_customer_page import PAGE_QUERIES

from ..models import CapacitySettings
from .factories import book


def tomorrow_ten(store):
    from .. import capacity

    day = capacity.local(store, timezone.now()).date() + dt.timedelta(days=1)
    return day, dt.datetime.combine(day, dt.time(10), tzinfo=capacity.store_zone(store))


def test_welcome_board_shows_only_masked_data_without_login(client, store_a, personas):
    from customers.models import Customer

    advisor = personas["advisor"]
    day, ten = tomorrow_ten(store_a)
    appointment = book(store_a, advisor, starts_at=ten, advisor=advisor, now=timezone.now())
    Customer.objects.filter(pk=appointment.customer_id).update(name="张三丰", gender="male")
    token = CapacitySettings.objects.get(store=store_a).welcome_board_token
    from unittest import mock

    with mock.patch("appointments.views.timezone.now", return_value=ten - dt.timedelta(hours=2)):
        page = client.get(reverse("appointments_public:welcome_board", args=[token]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "张**" in text and "张三丰" not in text
    plate = appointment.vehicle.plate
    assert f"{plate[:2]}·***{plate[-2:]}" in text and plate not in text
    assert appointment.customer.mobile not in text and appointment.vehicle.vin not in text
    assert 'hx-trigger="every 30s"' in text


def test_welcome_board_in_the_same_queries_for_one_and_three_appointments(client, store_a, personas,
                                                                          django_assert_num_queries):
    from unittest import mock

    advisor = personas["advisor"]
    day, ten = tomorrow_ten(store_a)
    token = CapacitySettings.objects.get(store=store_a).welcome_board_token
    url = reverse("appointments_public:welcome_board", args=[token])
    book(store_a, advisor, starts_at=ten, advisor=advisor, now=timezone.now())
    with mock.patch("appointments.views.timezone.now", return_value=ten - dt.timedelta(hours=2)):
        client.get(url)
        with django_assert_num_queries(2):
            client.get(url)
        for minutes in (15, 30):
            book(store_a, advisor, starts_at=ten + dt.timedelta(minutes=minutes), advisor=advisor, now=timezone.now())
        with django_assert_num_queries(2):
            page = client.get(url)
    assert len(page.context["rows"]) == 3


def test_a_rotated_welcome_board_link_stops_working(client, store_a):
    settings = CapacitySettings.objects.get(store=store_a)
    old = settings.welcome_board_token
    settings.rotate_board_token()
    assert client.get(reverse("appointments_public:welcome_board", args=[old])).status_code == 404
    assert client.get(reverse("appointments_public:welcome_board", args=[settings.welcome_board_token])).status_code == 200


def test_day_book_in_a_fixed_number_of_queries(client, store_a, personas, django_assert_max_num_queries):
    advisor = personas["advisor"]
    day, ten = tomorrow_ten(store_a)
    for minutes in (0, 15, 30):
        book(store_a, advisor, starts_at=ten + dt.timedelta(minutes=minutes), advisor=advisor, now=timezone.now())
    client.force_login(advisor)
    url = reverse("appointments:day_book") + f"?day={day}"
    client.get(url)
    with django_assert_max_num_queries(20) as queries:
        page = client.get(url)
    fewer = len(queries)
    book(store_a, advisor, starts_at=ten + dt.timedelta(minutes=45), now=timezone.now())
    with django_assert_max_num_queries(fewer):
        page = client.get(url)
    assert page.content.decode().count('data-testid="appointment"') == 4


def test_day_book_needs_the_right(client, store_a, personas):
    client.force_login(personas["dept_head"])
    assert client.get(reverse("appointments:day_book")).status_code == 403


def test_day_book_shows_only_the_users_stores(client, store_a, store_b, personas):
    from aftersales.tests.factories import UserFactory

    other = UserFactory(role="advisor", stores=[store_b])
    day, ten = tomorrow_ten(store_a)
    book(store_a, personas["advisor"], starts_at=ten, now=timezone.now())
    client.force_login(other)
    page = client.get(reverse("appointments:day_book") + f"?store=a&day={day}")
    assert page.context["store"] == store_b
    assert 'data-testid="appointment"' not in page.content.decode()


def test_the_customer_file_lists_appointments_and_links_the_repair_order_to_its_own(
        client, store_a, personas, django_assert_num_queries):
    from aftersales.tests.factories import ServiceVisitFactory

    from ..services import link_repair_orders
    from .factories import TUESDAY, at

    advisor = personas["advisor"]
    appointment = book(store_a, advisor, advisor=advisor)
    appointment.arrive(by=advisor, now=at(TUESDAY, 10))
    visit = ServiceVisitFactory(vehicle=appointment.vehicle, opened_at=at(TUESDAY, 10, 5), order_no="RO-APPT-1")
    link_repair_orders(store=store_a, now=at(TUESDAY, 12))
    client.force_login(advisor)
    url = reverse("customers:detail", args=[appointment.customer_id])
    with django_assert_num_queries(PAGE_QUERIES) as few:
        page = client.get(url)
    text = page.content.decode()
    detail = reverse("appointments:detail", args=[appointment.pk])
    assert text.count('data-testid="timeline-appointment"') == 1
    # The repair order's "by appointment" opens the appointment; the appointment names its order.
    assert f'<a href="{detail}" data-testid="visit-appointment">' in text
    assert f'href="#visit-{visit.pk}">RO-APPT-1</a>' in text
    for _ in range(3):
        book(store_a, advisor, vehicle=appointment.vehicle, starts_at=at(TUESDAY + dt.timedelta(days=7), 10)
             ).cancel(by=advisor, reason="改天", now=timezone.now())
    with django_assert_num_queries(len(few.captured_queries)):
        assert client.get(url).content.decode().count('data-testid="timeline-appointment"') == 4


def test_the_appointment_page_links_its_repair_order_in_the_customer_file(client, store_a, personas):
    from aftersales.tests.factories import ServiceVisitFactory

    from ..services import link_repair_orders
    from .factories import TUESDAY, at

    advisor = personas["advisor"]
    appointment = book(store_a, advisor, advisor=advisor)
    appointment.arrive(by=advisor, now=at(TUESDAY, 10))
    visit = ServiceVisitFactory(vehicle=appointment.vehicle, opened_at=at(TUESDAY, 10, 5), order_no="RO-APPT-2")
    link_repair_orders(store=store_a, now=at(TUESDAY, 12))
    client.force_login(advisor)
    text = client.get(reverse("appointments:detail", args=[appointment.pk])).content.decode()
    file_url = reverse("customers:detail", args=[appointment.customer_id])
    assert f'href="{file_url}#visit-{visit.pk}">RO-APPT-2</a>' in text


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_day_book_slot_shows_its_load_and_appointments_in_the_user_s_language(client, store_a, personas, language):
    import re

    from django.utils import translation

    from aftersales.tests.factories import VehicleFactory

    advisor = personas["advisor"]
    advisor.language, advisor.full_name = language, "李<顾问>"
    advisor.save(update_fields=["language", "full_name"])
    day, ten = tomorrow_ten(store_a)
    appointment = book(store_a, advisor, starts_at=ten, advisor=advisor, now=timezone.now(),
                       vehicle=VehicleFactory(owner__store=store_a, plate="京A12345"))
    client.force_login(advisor)
    body = client.get(reverse("appointments:day_book"), {"day": day.isoformat()}).content.decode()
    [slot] = re.findall(r'<tr data-testid="slot" data-time="10:00" data-left="(\d+)">(.*?)</tr>', body, re.S)
    left, cells = slot
    with translation.override(language):
        status, move, book_label = str(appointment.get_status_display()), translation.gettext("Move"), \
            translation.gettext("Book")
    text = " ".join(re.sub(r"<[^>]+>", " ", cells).split())
    assert re.search(rf'data-testid="slot-load">1 / {int(left) + 1}</span>', cells)
    assert f"京A12345 · 常规保养 · 李&lt;顾问&gt; · {status} {move}" in text
    assert f'href="{reverse("appointments:detail", args=[appointment.pk])}"' in cells
    assert f'hx-get="{reverse("appointments:move", args=[appointment.pk])}"' in cells
    assert f"?store={store_a.code}&amp;at={day.isoformat()}T10:00" in cells and book_label in text
