"""Loyalty tiers follow the documented rule, computed in SQL."""
from datetime import timedelta

import pytest
from django.utils import timezone

from aftersales.tests.factories import CustomerFactory, ServiceVisitFactory, VehicleFactory
from customers.loyalty import refresh_loyalty
from customers.models import LoyaltyPolicy

pytestmark = pytest.mark.django_db


def customer_with_visits(store, *days_ago, cancelled=0):
    customer = CustomerFactory(store=store)
    vehicle = VehicleFactory(owner=customer)
    now = timezone.now()
    for days in days_ago:
        ServiceVisitFactory(vehicle=vehicle, opened_at=now - timedelta(days=days))
    for _ in range(cancelled):
        ServiceVisitFactory(vehicle=vehicle, opened_at=now - timedelta(days=1), status="cancelled", closed_at=None)
    return customer


def tier(customer):
    customer.refresh_from_db()
    return customer.loyalty_tier


def test_tiers_follow_the_rule(store_a):
    new = customer_with_visits(store_a, 10)
    nothing = CustomerFactory(store=store_a)
    regular = customer_with_visits(store_a, 10, 200)
    loyal = customer_with_visits(store_a, 10, 100, 200, 300)
    lapsing = customer_with_visits(store_a, 200, 400)
    churned = customer_with_visits(store_a, 400, 500)
    refresh_loyalty()
    assert [tier(c) for c in (new, nothing, regular, loyal, lapsing, churned)] == [
        "new", "new", "regular", "loyal", "lapsing", "churned"
    ]


def test_cancelled_orders_do_not_count(store_a):
    customer = customer_with_visits(store_a, 10, cancelled=3)
    refresh_loyalty(customer_ids=[customer.pk])
    customer.refresh_from_db()
    assert (customer.visit_count, customer.loyalty_tier) == (1, "new")


def test_a_store_tunes_its_own_thresholds(store_a, store_b):
    LoyaltyPolicy.objects.create(store=store_a, loyal_min_visits=2)
    here = customer_with_visits(store_a, 10, 100)
    there = customer_with_visits(store_b, 10, 100)
    refresh_loyalty()
    assert (tier(here), tier(there)) == ("loyal", "regular")


def test_refresh_touches_only_what_changed(store_a):
    customer_with_visits(store_a, 10)
    assert refresh_loyalty() == 1
    assert refresh_loyalty() == 0


def test_nightly_job_moves_tiers_with_the_calendar(store_a):
    from customers.tasks import refresh_all_loyalty

    customer = customer_with_visits(store_a, 10)
    refresh_loyalty()
    # Time passes: the last visit is now 200 days ago.
    customer.service_visits.update(opened_at=timezone.now() - timedelta(days=200))
    refresh_all_loyalty.apply()
    assert tier(customer) == "lapsing"


def test_store_admin_tunes_the_policy_in_the_admin_site(client, personas, store_a):
    from django.urls import reverse

    client.force_login(personas["admin"])
    response = client.post(reverse("admin:customers_loyaltypolicy_add"), {
        "store": store_a.pk, "window_months": 12, "loyal_min_visits": 3,
        "lapsing_after_months": 4, "churned_after_months": 9,
    })
    assert response.status_code == 302
    assert LoyaltyPolicy.objects.get(store=store_a).loyal_min_visits == 3


def test_a_policy_cannot_call_customers_lost_before_lapsing(client, personas, store_a):
    from django.urls import reverse

    client.force_login(personas["admin"])
    response = client.post(reverse("admin:customers_loyaltypolicy_add"), {
        "store": store_a.pk, "window_months": 12, "loyal_min_visits": 3,
        "lapsing_after_months": 9, "churned_after_months": 6,
    })
    assert response.status_code == 200
    assert not LoyaltyPolicy.objects.exists()
