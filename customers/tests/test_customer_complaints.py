"""Customers with complaints get a flag on their file (issue 7), the complaints are in its
timeline, and a complaint is registered from the file in one click."""
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from aftersales.tests.factories import (
    CustomerFactory,
    ServiceVisitFactory,
    VehicleFactory,
    make_complaint,
)
from customers.tests.test_customer_page import PAGE_QUERIES

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def customer(store_a):
    customer = CustomerFactory(store=store_a, name="李强")
    ServiceVisitFactory(vehicle=VehicleFactory(owner=customer))
    return customer


def complain(customer, supervisor, *, status="new", days_ago=10, **fields):
    return make_complaint(store=customer.store, by=supervisor, customer=customer, status=status,
                          now=timezone.now() - dt.timedelta(days=days_ago), **fields)


def page(client, user, customer):
    client.force_login(user)
    return client.get(reverse("customers:detail", args=[customer.pk]))


def test_the_file_flags_the_complaints_of_the_last_twelve_months_and_the_open_ones(client, personas, customer):
    supervisor = personas["cs_supervisor"]
    complain(customer, supervisor, status="new", days_ago=5)
    complain(customer, supervisor, status="closed", days_ago=100)
    complain(customer, supervisor, status="closed", days_ago=500)  # older than twelve months
    complain(customer, supervisor, status="cancelled", days_ago=3)  # invalid: not counted
    response = page(client, personas["cs_agent"], customer)
    assert response.context["complaint_flag"] == {"recent": 2, "open": 1}
    assert "2 complaints in 12 months, 1 open" in response.content.decode()


def test_a_customer_without_complaints_carries_no_flag(client, personas, customer):
    response = page(client, personas["cs_agent"], customer)
    assert response.context["complaint_flag"] is None
    assert 'data-testid="complaint-flag"' not in response.content.decode()


def test_an_old_closed_complaint_is_in_the_timeline_but_raises_no_flag(client, personas, customer):
    old = complain(customer, personas["cs_supervisor"], status="closed", days_ago=400)
    response = page(client, personas["cs_agent"], customer)
    assert response.context["complaint_flag"] is None
    assert old.number in response.content.decode()


def test_the_timeline_shows_each_complaint_with_number_category_status_and_link(client, personas, customer):
    complaint = complain(customer, personas["cs_supervisor"], category="waiting_time", status="assigned")
    response = page(client, personas["cs_agent"], customer)
    [card] = [card for kind, _when, card in response.context["timeline"] if kind == "complaint"]
    assert (card.url, card.number, card.open) == (
        reverse("complaints:detail", args=[complaint.pk]), complaint.number, True
    )
    body = response.content.decode()
    assert 'data-testid="timeline-complaint"' in body
    assert f'href="{reverse("complaints:detail", args=[complaint.pk])}"' in body
    assert "Waiting time" in body and "With the department" in body


def test_the_timeline_puts_complaints_in_date_order_with_the_repair_orders(client, personas, customer):
    complaint = complain(customer, personas["cs_supervisor"], days_ago=0)
    timeline = page(client, personas["cs_agent"], customer).context["timeline"]
    assert [kind for kind, _when, _entry in timeline] == ["complaint", "visit"]
    assert timeline[0][1] == complaint.created_at


def test_who_may_not_see_complaints_sees_the_number_without_a_link(client, personas, customer):
    complaint = complain(customer, personas["cs_supervisor"])
    body = page(client, personas["advisor"], customer).content.decode()
    assert complaint.number in body
    assert reverse("complaints:detail", args=[complaint.pk]) not in body


@pytest.mark.parametrize("role,shown", [("cs_agent", True), ("cs_supervisor", True), ("advisor", False),
                                        ("manager", False)])
def test_the_register_button_is_shown_to_who_may_register_complaints(client, personas, customer, role, shown):
    body = page(client, personas[role], customer).content.decode()
    link = f'href="{reverse("complaints:register")}?customer={customer.pk}"'
    assert (link in body) is shown


def test_complaints_cost_the_page_no_query(client, personas, customer, django_assert_num_queries):
    client.force_login(personas["cs_agent"])
    url = reverse("customers:detail", args=[customer.pk])
    client.get(url)
    with django_assert_num_queries(PAGE_QUERIES) as few:
        client.get(url)
    queries = len(few.captured_queries)
    for status in ("new", "assigned", "closed", "cancelled"):
        complain(customer, personas["cs_supervisor"], status=status)
    with django_assert_num_queries(queries):
        response = client.get(url)
    assert sum(kind == "complaint" for kind, _when, _entry in response.context["timeline"]) == 4


def test_another_customers_complaints_are_not_on_the_file(client, personas, customer, store_a):
    other = complain(CustomerFactory(store=store_a), personas["cs_supervisor"])
    response = page(client, personas["cs_agent"], customer)
    assert response.context["complaint_flag"] is None
    assert other.number not in response.content.decode()
