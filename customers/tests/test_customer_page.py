"""The customer file: one page, fixed queries, masked numbers, logged reveals, store scoping."""
import pytest
from django.urls import reverse

from aftersales.tests.factories import CustomerFactory, ServiceVisitFactory, VehicleFactory
from customers import selectors
from customers.models import MobileReveal

pytestmark = pytest.mark.django_db

# The user, the customer (with what the other apps annotate), vehicles and consents (one
# statement), repair orders, their documents, loose documents, appointments, messages.
PAGE_QUERIES = 8


@pytest.fixture
def customer(store_a):
    customer = CustomerFactory(store=store_a, name="王芳", mobile="13912345678")
    vehicle = VehicleFactory(owner=customer, plate="京B54321")
    ServiceVisitFactory(vehicle=vehicle, declined_work="建议更换刹车片")
    return customer


def test_page_shows_the_whole_file(client, personas, customer):
    client.force_login(personas["advisor"])
    body = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "王芳" in body and "京B54321" in body and "建议更换刹车片" in body


def test_page_runs_a_fixed_number_of_queries(client, personas, customer, django_assert_num_queries):
    client.force_login(personas["cs_agent"])
    url = reverse("customers:detail", args=[customer.pk])
    # The return-visit section loads after the page (visits.views.customer_calls).
    with django_assert_num_queries(PAGE_QUERIES) as few:
        client.get(url)
    vehicle = customer.vehicles.get()
    for _ in range(30):
        ServiceVisitFactory(vehicle=vehicle)
    from django.utils import timezone

    from visits.services import create_followups

    create_followups(day=timezone.localdate() + timezone.timedelta(days=5))
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["timeline"]) == selectors.TIMELINE_PAGE
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url, {"timeline": 45})
    assert len(response.context["timeline"]) == 31


def test_the_timeline_opens_with_its_latest_entries_and_shows_older_ones_on_demand(client, personas, customer):
    vehicle = customer.vehicles.get()
    for _ in range(2 * selectors.TIMELINE_PAGE):
        ServiceVisitFactory(vehicle=vehicle)
    client.force_login(personas["advisor"])
    url = reverse("customers:detail", args=[customer.pk])
    first = client.get(url)
    everything = client.get(url, {"timeline": 3 * selectors.TIMELINE_PAGE})
    assert first.context["timeline"] == everything.context["timeline"][:selectors.TIMELINE_PAGE]
    assert first.context["timeline_older"] == 2 * selectors.TIMELINE_PAGE
    assert 'data-testid="timeline-older"' in first.content.decode()
    # htmx swaps in the longer timeline alone; the whole page is not sent again.
    older = client.get(url, {"timeline": first.context["timeline_older"]}, headers={"HX-Request": "true"})
    body = older.content.decode()
    assert body.lstrip().startswith('<div id="timeline">') and "<html" not in body
    assert len(older.context["timeline"]) == 2 * selectors.TIMELINE_PAGE
    assert everything.context["timeline_older"] is None
    assert 'data-testid="timeline-older"' not in everything.content.decode()


PAGE = selectors.TIMELINE_PAGE


@pytest.mark.parametrize("asked,size", [
    ("abc", PAGE), ("-3", PAGE), (str(PAGE + 1), 2 * PAGE), ("100000", selectors.TIMELINE_LIMIT + PAGE),
])
def test_a_timeline_size_is_whole_pages_within_bounds(asked, size):
    assert selectors.timeline_size(asked) == size


def test_another_stores_customer_is_404(client, make_user, customer, store_b):
    client.force_login(make_user("advisor", [store_b]))
    assert client.get(reverse("customers:detail", args=[customer.pk])).status_code == 404
    assert client.post(reverse("customers:reveal_mobile", args=[customer.pk])).status_code == 404


@pytest.mark.parametrize("role", ["advisor", "cs_agent", "cs_supervisor", "dept_head", "manager", "admin"])
def test_mobile_is_masked_on_the_page_for_every_role(client, personas, customer, role):
    client.force_login(personas[role])
    body = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "139****5678" in body
    assert "13912345678" not in body


@pytest.mark.parametrize("role,can", [
    ("advisor", True), ("cs_agent", True), ("cs_supervisor", True),
    ("dept_head", False), ("manager", False), ("admin", False),
])
def test_only_roles_that_call_customers_may_reveal(client, personas, customer, role, can):
    client.force_login(personas[role])
    response = client.post(reverse("customers:reveal_mobile", args=[customer.pk]))
    assert response.status_code == (200 if can else 403)
    assert ("13912345678" in response.content.decode()) is can
    assert MobileReveal.objects.filter(customer=customer, user=personas[role]).exists() is can


def test_reveal_needs_post(client, personas, customer):
    client.force_login(personas["advisor"])
    assert client.get(reverse("customers:reveal_mobile", args=[customer.pk])).status_code == 405
    assert not MobileReveal.objects.exists()


def test_merged_record_redirects_to_the_kept_one(client, personas, customer, store_a):
    twin = CustomerFactory(store=store_a, merged_into=customer)
    client.force_login(personas["advisor"])
    response = client.get(reverse("customers:detail", args=[twin.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:detail", args=[customer.pk])


def test_history_of_a_customer_masks_the_mobile(client, personas, customer):
    customer.mobile = "13700001111"
    customer.save()
    client.force_login(personas["cs_supervisor"])
    body = client.get(reverse("object_history", args=["customers", "customer", customer.pk])).content.decode()
    assert "137****1111" in body and "13700001111" not in body


def test_the_consent_form_shows_each_field_with_its_label_and_records_an_answer(client, personas, customer):
    import re

    from customers.models import CustomerConsent

    client.force_login(personas["cs_supervisor"])
    body = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    form = body[body.index(f'action="{reverse("customers:consent", args=[customer.pk])}"'):]
    form = form[:form.index("</form>")]
    for name in ("channel", "granted", "method"):
        assert re.search(rf'<label class="form-label small mb-1" for="id_{name}">[^<]+</label>\s*'
                         rf'<select name="{name}" class="form-select form-select-sm"', form), name
    assert re.search(r'<input type="text" name="note" class="form-control form-control-sm"', form)
    response = client.post(reverse("customers:consent", args=[customer.pk]),
                           {"channel": "marketing", "granted": "True", "method": "phone", "note": "电话确认"})
    assert response.status_code == 302
    consent = CustomerConsent.objects.get(customer=customer, channel="marketing")
    assert consent.granted and consent.note == "电话确认"


def test_consents_show_each_answer_with_who_recorded_it_and_vehicles_latest_first(client, personas, customer):
    import datetime as dt

    from django.utils import timezone

    from customers import services
    from customers.models import CustomerConsent, Vehicle

    advisor = personas["advisor"]
    services.record_consent(customer=customer, channel=CustomerConsent.Channel.SMS, granted=False,
                            method=CustomerConsent.Method.PHONE, by=advisor)
    services.record_consent(customer=customer, channel=CustomerConsent.Channel.MARKETING, granted=True,
                            method=CustomerConsent.Method.DMS, by=None)
    newer = VehicleFactory(owner=customer, plate="京C11111")
    Vehicle.objects.filter(pk=newer.pk).update(updated_at=timezone.now() + dt.timedelta(days=1))
    client.force_login(personas["cs_agent"])
    body = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()

    def row(channel):
        return body.split(f'data-testid="consent-{channel}"')[1].split("</tr>")[0]

    assert "拒绝" in row("sms") and "电话" in row("sms") and str(advisor) in row("sms")
    assert "同意" in row("marketing") and "DMS" in row("marketing")
    assert "未征询" in row("service_call")
    assert body.index("京C11111") < body.index("京B54321")
