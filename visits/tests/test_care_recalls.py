"""Lost-customer recalls and renewal outcomes: one recall per customer per period, outcomes
recorded with the call, reasons and renewal rate counted, won-back customers."""
import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from aftersales.tests.factories import CustomerFactory, VehicleFactory
from customers.loyalty import refresh_loyalty
from visits.care.jobs import run_daily_care
from visits.care.outcomes import record_care_outcome
from visits.models import CareOccasion, CarePolicy, FollowUp, VehicleServiceDue
from visits.selectors import recall_reasons_by_month, renewal_rate, won_back_by_month

from .care_helpers import visit

pytestmark = pytest.mark.django_db


def lost_customer(store, months_away=8):
    car = VehicleFactory(owner=CustomerFactory(store=store))
    visit(car, timezone.localdate() - dt.timedelta(days=30 * months_away), 20_000)
    refresh_loyalty(customer_ids=[car.owner_id])
    return car


def test_lapsing_and_churned_customers_get_one_recall_call_per_period(store_a):
    lapsing, churned = lost_customer(store_a, 8), lost_customer(store_a, 14)
    lost_customer(store_a, 2)  # still a regular customer
    today = timezone.localdate()
    run_daily_care(day=today)
    run_daily_care(day=today + dt.timedelta(days=1))
    calls = FollowUp.objects.filter(rule__trigger="lost_customer")
    assert sorted(calls.values_list("customer", flat=True)) == sorted([lapsing.owner_id, churned.owner_id])


def test_recalls_per_day_are_capped_per_store_most_recently_lost_first(store_a):
    CarePolicy.objects.create(store=store_a, recalls_per_day=1)
    recent, older = lost_customer(store_a, 7), lost_customer(store_a, 20)
    today = timezone.localdate()
    run_daily_care(day=today)
    assert list(CareOccasion.objects.values_list("customer", flat=True)) == [recent.owner_id]
    run_daily_care(day=today + dt.timedelta(days=1))
    assert CareOccasion.objects.filter(customer=older.owner).exists()


def claimed_call(trigger, agent):
    call = FollowUp.objects.get(rule__trigger=trigger)
    FollowUp.objects.filter(pk=call.pk).update(claimed_by=agent, claimed_until=timezone.now() + dt.timedelta(minutes=10))
    return call


def test_a_recall_outcome_records_the_reason_and_is_counted_per_store_and_month(store_a, personas):
    agent = personas["cs_agent"]
    car = lost_customer(store_a)
    run_daily_care()
    call = claimed_call("lost_customer", agent)
    with pytest.raises(ValidationError):
        record_care_outcome(followup_id=call.pk, agent=agent, recall_reason="other")  # needs the words
    record_care_outcome(followup_id=call.pk, agent=agent, recall_reason="price", note="太贵了")
    call.refresh_from_db()
    assert (call.status, call.outcome) == ("done", "reached")
    today = timezone.localdate()
    rows = recall_reasons_by_month(store_ids=[store_a.pk], since=today.replace(day=1),
                                   until=today + dt.timedelta(days=1))
    assert [(r["recall_reason"], r["count"]) for r in rows] == [("price", 1)]
    assert CareOccasion.objects.get(customer=car.owner).note == "太贵了"


def test_a_recalled_customer_who_comes_back_is_counted_as_won_back(store_a):
    back, away = lost_customer(store_a), lost_customer(store_a)
    run_daily_care()
    visit(back, timezone.localdate() + dt.timedelta(days=3), 30_000)
    today = timezone.localdate()
    rows = won_back_by_month(store_ids=[store_a.pk], since=today.replace(day=1), until=today + dt.timedelta(days=32))
    assert [(r["recalled"], r["won_back"]) for r in rows] == [(2, 1)]
    assert away  # recalled, not back


def test_renewal_outcomes_make_the_renewal_rate_and_a_sold_car_stops_its_reminders(store_a, personas):
    agent = personas["cs_agent"]
    today = timezone.localdate()
    expiry = today + dt.timedelta(days=30)
    cars = [VehicleFactory(owner=CustomerFactory(store=store_a), commercial_insurance_due=expiry) for _ in range(4)]
    for car in cars:
        visit(car, today - dt.timedelta(days=10), 10_000, "maintenance")
        VehicleServiceDue.objects.get_or_create(vehicle=car, defaults={"store": store_a, "daily_km": 30,
                                                                       "daily_km_source": "default"})
    run_daily_care(day=today)
    outcomes = [("renewed_here", ""), ("renewed_here", ""), ("renewed_elsewhere", "平安保险"), ("sold_car", "")]
    for car, (outcome, insurer) in zip(cars, outcomes):
        call = FollowUp.objects.get(vehicle=car, rule__trigger="insurance_renewal")
        FollowUp.objects.filter(pk=call.pk).update(claimed_by=agent, claimed_until=timezone.now() + dt.timedelta(minutes=5))
        if outcome == "renewed_elsewhere":
            with pytest.raises(ValidationError):
                record_care_outcome(followup_id=call.pk, agent=agent, renewal_outcome=outcome)
        record_care_outcome(followup_id=call.pk, agent=agent, renewal_outcome=outcome, insurer=insurer)
    [row] = renewal_rate(store_ids=[store_a.pk], since=today, until=today + dt.timedelta(days=60))
    assert (row["due"], row["renewed_here"], row["sold_car"]) == (4, 2, 1)
    assert row["rate"] == pytest.approx(2 / 3)
    from visits.selectors import kpi_care_counts

    [kpi] = kpi_care_counts(store_ids=[store_a.pk], start=today, end=today + dt.timedelta(days=60),
                            zone=timezone.get_current_timezone())
    assert (kpi["renewals_due"], kpi["renewed_here"], kpi["renewal_base"]) == (4, 2, 3)  # the same 2 / 3
    assert VehicleServiceDue.objects.get(vehicle=cars[3]).stopped_reason == "sold"


def test_the_kpi_care_counts_use_the_won_back_and_renewal_definitions(store_a, personas):
    from visits.selectors import kpi_care_counts

    back, away = lost_customer(store_a), lost_customer(store_a)
    run_daily_care()
    visit(back, timezone.localdate() + dt.timedelta(days=3), 30_000)
    today = timezone.localdate()
    span = {"store_ids": [store_a.pk], "start": today.replace(day=1), "end": today + dt.timedelta(days=32),
            "zone": timezone.get_current_timezone()}
    [won] = won_back_by_month(store_ids=[store_a.pk], since=span["start"], until=span["end"])
    [row] = kpi_care_counts(**span)
    assert (row["recalled"], row["won_back"]) == (won["recalled"], won["won_back"]) == (2, 1)
    [by_store] = kpi_care_counts(**span, by=("store",), bucket="month")
    assert (by_store["store"], by_store["bucket"], by_store["won_back"]) == (store_a.pk, today.replace(day=1), 1)
    renewals = renewal_rate(store_ids=[store_a.pk], since=span["start"], until=span["end"])
    assert row["renewals_due"] == sum(r["due"] for r in renewals)
    assert row["renewed_here"] == sum(r["renewed_here"] for r in renewals)
    assert away
    nothing = kpi_care_counts(**{**span, "store_ids": []})
    assert nothing == [{"renewals_due": 0, "renewed_here": 0, "renewal_base": 0, "reminders": 0,
                        "reminders_booked": 0, "recalled": 0, "won_back": 0}]
