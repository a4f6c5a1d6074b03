"""The customer file's return-visit section: loaded after the page, from its own address, with
the same login, role and store checks as the file."""
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from aftersales.tests.factories import CustomerFactory
from visits.models import Dissatisfaction
from visits.tests.test_views import due_call

pytestmark = pytest.mark.django_db

# The user, the customer, follow-ups (with orders, rules, answers, complaints), dissatisfactions,
# care's occasions.
SECTION_QUERIES = 5


def test_the_file_opens_without_the_calls_and_loads_them_from_the_section(client, personas, store_a):
    followup = due_call(store_a)
    client.force_login(personas["cs_agent"])
    page = client.get(reverse("customers:detail", args=[followup.customer_id])).content.decode()
    section_url = reverse("visits:customer_calls", args=[followup.customer_id])
    assert f'hx-get="{section_url}"' in page and 'data-testid="customer-followups"' not in page
    section = client.get(section_url, headers={"HX-Request": "true"}).content.decode()
    assert 'data-testid="customer-followups"' in section and followup.visit.order_no in section
    assert "<html" not in section


def test_the_section_runs_a_fixed_number_of_queries(client, personas, store_a, django_assert_num_queries):
    followup = due_call(store_a)
    client.force_login(personas["cs_agent"])
    url = reverse("visits:customer_calls", args=[followup.customer_id])
    with django_assert_num_queries(SECTION_QUERIES):
        client.get(url)
    for days_ago in range(4, 24):
        Dissatisfaction.objects.create(store=store_a, customer=followup.customer, visit=followup.visit,
                                       reasons=["timeliness"], customer_words=f"第{days_ago}次",
                                       recorded_by=personas["cs_agent"])
    with django_assert_num_queries(SECTION_QUERIES):
        response = client.get(url)
    assert len(response.context["customer_dissatisfactions"]) == 20


def test_another_store_s_customer_s_calls_are_not_found(client, personas, store_b):
    client.force_login(personas["cs_agent"])
    customer = CustomerFactory(store=store_b)
    assert client.get(reverse("visits:customer_calls", args=[customer.pk])).status_code == 404


def test_the_section_needs_a_login(client, store_a):
    customer = CustomerFactory(store=store_a)
    response = client.get(reverse("visits:customer_calls", args=[customer.pk]))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_dissatisfied_flag_goes_after_the_care_window(client, personas, store_a):
    followup = due_call(store_a)
    unhappy = Dissatisfaction.objects.create(store=store_a, customer=followup.customer, visit=followup.visit,
                                             reasons=["timeliness"], customer_words="交车晚了",
                                             recorded_by=personas["cs_agent"])
    client.force_login(personas["cs_agent"])
    url = reverse("customers:detail", args=[followup.customer_id])
    assert 'data-testid="dissatisfied-flag"' in client.get(url).content.decode()
    Dissatisfaction.objects.filter(pk=unhappy.pk).update(created_at=timezone.now() - dt.timedelta(days=91))
    assert 'data-testid="dissatisfied-flag"' not in client.get(url).content.decode()
