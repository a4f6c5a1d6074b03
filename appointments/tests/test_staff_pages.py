import datetime as dt
import io
import re

import pytest

from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from aftersales.tests.cells import cell_texts
from aftersales.tests.factories import VehicleFactory

from .. import capacity
from ..models import AdvisorNotice, Appointment, ServiceType, SlotLoad, WalkIn
from .factories import book


def tomorrow(store, hour=10, minute=0):
    day = capacity.local(store, timezone.now()).date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=capacity.store_zone(store))


def test_booking_from_the_day_book_by_htmx_returns_the_refreshed_grid(client, store_a, personas):
    client.force_login(personas["advisor"])
    vehicle = VehicleFactory(owner__store=store_a)
    ten = tomorrow(store_a)
    form = client.get(reverse("appointments:book") + f"?store=a&at={ten:%Y-%m-%dT%H:%M}", HTTP_HX_REQUEST="true")
    assert 'data-testid="booking-form"' in form.content.decode()
    page = client.post(reverse("appointments:book"), {
        "store": "a", "plate": vehicle.plate, "service_type": ServiceType.objects.get(store=store_a, name="常规保养").pk,
        "starts_at": f"{ten:%Y-%m-%dT%H:%M}", "source": "phone", "note": ""}, HTTP_HX_REQUEST="true")
    assert page.status_code == 200
    assert f'data-plate="{vehicle.plate}"' in page.content.decode()
    assert Appointment.objects.get().starts_at == ten


def test_booking_from_the_day_book_reads_the_days_capacity_rules_once(client, store_a, personas):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(personas["advisor"])
    vehicle = VehicleFactory(owner__store=store_a)
    ten = tomorrow(store_a)
    with CaptureQueriesContext(connection) as booking:
        page = client.post(reverse("appointments:book"), {
            "store": "a", "plate": vehicle.plate,
            "service_type": ServiceType.objects.get(store=store_a, name="常规保养").pk,
            "starts_at": f"{ten:%Y-%m-%dT%H:%M}", "source": "phone", "note": ""}, HTTP_HX_REQUEST="true")
    assert f'data-plate="{vehicle.plate}"' in page.content.decode()
    rules_read = [q["sql"] for q in booking.captured_queries if 'FROM "appointments_openinghours"' in q["sql"]]
    assert len(rules_read) == 1
    # The day book's counters are read after the booking, so they show it.
    loads = [n for n, q in enumerate(booking.captured_queries) if 'FROM "appointments_slotload"' in q["sql"]
             and q["sql"].lstrip().startswith("SELECT")]
    booked = next(n for n, q in enumerate(booking.captured_queries)
                  if 'INSERT INTO "appointments_appointment"' in q["sql"])
    assert loads and min(loads) > booked


def test_a_full_slot_answers_in_the_panel_with_the_nearest_times(client, store_a, personas):
    client.force_login(personas["advisor"])
    ten = tomorrow(store_a)
    for _ in range(4):
        book(store_a, personas["advisor"], starts_at=ten, now=timezone.now())
    vehicle = VehicleFactory(owner__store=store_a)
    page = client.post(reverse("appointments:book"), {
        "store": "a", "plate": vehicle.plate, "service_type": ServiceType.objects.get(store=store_a, name="常规保养").pk,
        "starts_at": f"{ten:%Y-%m-%dT%H:%M}", "source": "phone"}, HTTP_HX_REQUEST="true")
    assert page["HX-Retarget"] == "#booking-panel"
    assert 'data-testid="booking-error"' in page.content.decode() and "刚刚被约满" in page.content.decode()
    assert Appointment.objects.count() == 4


def test_moving_from_the_day_book_by_htmx(client, store_a, personas):
    advisor = personas["advisor"]
    client.force_login(advisor)
    appointment = book(store_a, advisor, starts_at=tomorrow(store_a), now=timezone.now())
    later = tomorrow(store_a, 14)
    page = client.post(reverse("appointments:move", args=[appointment.pk]),
                       {"starts_at": f"{later:%Y-%m-%dT%H:%M}", "note": "客户要求"}, HTTP_HX_REQUEST="true")
    assert page.status_code == 200 and 'data-testid="day-book"' in page.content.decode()
    appointment.refresh_from_db()
    assert appointment.starts_at == later and appointment.version == 2


def test_actions_on_the_appointment_page(client, store_a, personas):
    advisor = personas["advisor"]
    client.force_login(advisor)
    appointment = book(store_a, advisor, starts_at=tomorrow(store_a), advisor=advisor, now=timezone.now())
    client.post(reverse("appointments:act", args=[appointment.pk, "confirm"]))
    page = client.get(reverse("appointments:detail", args=[appointment.pk]))
    assert 'data-testid="timeline"' in page.content.decode()
    client.post(reverse("appointments:act", args=[appointment.pk, "cancel"]), {"reason": "客户有事"})
    appointment.refresh_from_db()
    assert appointment.status == "cancelled"
    assert SlotLoad.objects.get(starts_at=appointment.starts_at).used == 0


def test_another_stores_appointment_is_not_found(client, store_a, store_b, personas):
    from aftersales.tests.factories import UserFactory

    appointment = book(store_a, personas["advisor"], starts_at=tomorrow(store_a), now=timezone.now())
    client.force_login(UserFactory(role="advisor", stores=[store_b]))
    assert client.get(reverse("appointments:detail", args=[appointment.pk])).status_code == 404
    assert client.post(reverse("appointments:act", args=[appointment.pk, "cancel"]), {"reason": "x"}).status_code == 404


def test_list_in_a_fixed_number_of_queries_and_export(client, store_a, personas, django_assert_num_queries):
    supervisor = personas["cs_supervisor"]
    client.force_login(supervisor)
    for minutes in (0, 15):
        book(store_a, supervisor, starts_at=tomorrow(store_a) + dt.timedelta(minutes=minutes), now=timezone.now())
    url = reverse("appointments:list")
    client.get(url)
    # The user (the stores to choose from come with their access, from the cache), the page's
    # ids, its rows.
    with django_assert_num_queries(3):
        client.get(url)
    for minutes in (30, 45, 60):
        book(store_a, supervisor, starts_at=tomorrow(store_a) + dt.timedelta(minutes=minutes), now=timezone.now())
    with django_assert_num_queries(3):
        page = client.get(url)
    assert page.content.decode().count('data-testid="row"') == 5
    export = client.get(reverse("appointments:export"))
    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    assert sheet.max_row == 6


def test_my_today_shows_the_advisors_notices(client, store_a, personas):
    advisor = personas["advisor"]
    appointment = book(store_a, advisor, starts_at=tomorrow(store_a), advisor=advisor, now=timezone.now())
    appointment.cancel(by=advisor, reason="改天")
    client.force_login(advisor)
    page = client.get(reverse("appointments:my_today"))
    assert 'data-testid="notices"' in page.content.decode()
    client.post(reverse("appointments:notices_read"))
    assert not AdvisorNotice.objects.filter(read_at__isnull=True).exists()


def test_reception_records_a_walk_in_for_a_plate_without_an_appointment(client, store_a, personas):
    client.force_login(personas["advisor"])
    vehicle = VehicleFactory(owner__store=store_a)
    client.post(reverse("appointments:reception"), {"store": "a", "plate": vehicle.plate})
    assert WalkIn.objects.get().vehicle == vehicle


def test_booking_from_the_customer_file(client, store_a, personas):
    vehicle = VehicleFactory(owner__store=store_a)
    client.force_login(personas["cs_agent"])
    file_page = client.get(reverse("customers:detail", args=[vehicle.owner_id]))
    assert 'data-testid="book-appointment"' in file_page.content.decode()
    form = client.get(reverse("appointments:book") + f"?customer={vehicle.owner_id}&source=return_visit")
    assert vehicle.plate in form.content.decode()
    ten = tomorrow(store_a, 11)
    page = client.post(reverse("appointments:book"), {
        "customer": vehicle.owner_id, "plate": vehicle.plate,
        "service_type": ServiceType.objects.get(store=store_a, name="常规保养").pk,
        "starts_at": f"{ten:%Y-%m-%dT%H:%M}", "source": "return_visit"})
    appointment = Appointment.objects.get()
    assert page["Location"] == reverse("appointments:detail", args=[appointment.pk])
    assert appointment.source == "return_visit" and appointment.created_by == personas["cs_agent"]


def test_the_customer_file_books_only_the_customers_own_vehicle(client, store_a, personas):
    mine, theirs = VehicleFactory(owner__store=store_a), VehicleFactory(owner__store=store_a)
    client.force_login(personas["advisor"])
    page = client.post(reverse("appointments:book"), {
        "customer": mine.owner_id, "plate": theirs.plate,
        "service_type": ServiceType.objects.get(store=store_a, name="常规保养").pk,
        "starts_at": f"{tomorrow(store_a):%Y-%m-%dT%H:%M}", "source": "phone"})
    assert page.status_code == 200 and not Appointment.objects.exists()


def test_the_list_reads_its_rows_by_id_in_one_statement_whatever_the_filters(
        client, store_a, personas, django_assert_max_num_queries):
    """The rows' statement (six tables joined) is the same for every period and filter, so the
    connection plans it once; the filters go to the query of the page's ids."""
    supervisor = personas["cs_supervisor"]
    client.force_login(supervisor)
    first = book(store_a, supervisor, starts_at=tomorrow(store_a), now=timezone.now())
    book(store_a, supervisor, starts_at=tomorrow(store_a) + dt.timedelta(minutes=15), now=timezone.now())
    url = reverse("appointments:list")
    statements = []
    for params in ({}, {"status": "booked", "day_after": tomorrow(store_a).date().isoformat()}):
        with django_assert_max_num_queries(20) as queries:
            page = client.get(url, params)
        statements.append(next(q["sql"] for q in queries.captured_queries if "= ANY(" in q["sql"]))
        rows = page.content.decode().split('data-testid="row"')[1:]
        assert len(rows) == 2 and first.vehicle.plate in rows[1] and first.customer.name in rows[1]
    assert statements[0] == statements[1]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_an_appointment_row_shows_its_cells_in_the_user_s_language(client, store_a, personas, language):
    from django.utils import translation

    from aftersales.tests.factories import CustomerFactory

    supervisor, advisor = personas["cs_supervisor"], personas["advisor"]
    supervisor.language = language
    supervisor.save(update_fields=["language"])
    vehicle = VehicleFactory(owner=CustomerFactory(store=store_a, name="王<五>"), plate="京A12345")
    starts_at = tomorrow(store_a, 9, 30)
    appointment = book(store_a, supervisor, starts_at=starts_at, vehicle=vehicle, advisor=advisor,
                       source=Appointment.Source.ONLINE, now=timezone.now())
    client.force_login(supervisor)
    body = client.get(reverse("appointments:list")).content.decode()
    [row] = re.findall(r'<tr data-testid="row">(.*?)</tr>', body, re.S)
    cells = cell_texts(row)
    with translation.override(language):
        labels = [str(appointment.get_source_display()), str(appointment.get_status_display())]
    # The time in the store's zone (the page's); the name escaped.
    assert cells == [f"{starts_at:%Y-%m-%d %H:%M}", store_a.name, "京A12345", "王&lt;五&gt;", "常规保养", str(advisor),
                     *labels]
    assert f'href="{reverse("appointments:detail", args=[appointment.pk])}"' in row


def test_the_store_filter_offers_only_the_users_stores_and_narrows_the_list(client, store_a, store_b, personas):
    from aftersales.tests.factories import UserFactory

    user = UserFactory(role="cs_supervisor", stores=[store_a, store_b])
    mine = book(store_a, user, starts_at=tomorrow(store_a), now=timezone.now())
    book(store_b, user, starts_at=tomorrow(store_b), now=timezone.now())
    client.force_login(user)
    page = client.get(reverse("appointments:list"), {"store": store_a.pk}).content.decode()
    assert page.count('data-testid="row"') == 1 and mine.vehicle.plate in page
    assert f'<option value="{store_a.pk}" selected>{store_a.name}</option>' in page
    assert f'<option value="{store_b.pk}">{store_b.name}</option>' in page
    client.force_login(personas["cs_supervisor"])  # of store a only
    refused = client.get(reverse("appointments:list"), {"store": store_b.pk}).content.decode()
    assert f'value="{store_b.pk}"' not in refused
    assert refused.count('data-testid="row"') == 1
