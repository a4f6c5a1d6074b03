"""Customers with complaints enter the monthly care calls (issue 7): 30, 60 and 90 days after a
complaint registered on its own, restarted by the customer's latest unhappy event."""
import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from aftersales.tests.factories import (
    CustomerFactory,
    FollowUpFactory,
    ServiceVisitFactory,
    VehicleFactory,
    make_complaint,
)
from customers.models import Vehicle
from visits.models import FollowUp
from visits.services import create_followups, record_attempt

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
DAY = dt.date(2026, 11, 2)
AT = dt.datetime.combine(DAY, dt.time(10), tzinfo=SHANGHAI)


def days(n):
    return dt.timedelta(days=n)


def complaint_of(store, supervisor, *, at=AT, customer=None, status="new", **fields):
    """A complaint registered at `at` for a customer with one car (unless given one)."""
    if customer is None:
        customer = CustomerFactory(store=store)
        VehicleFactory(owner=customer)
    return make_complaint(store=store, by=supervisor, status=status, customer=customer, now=at, **fields)


def care_calls(complaint):
    return list(FollowUp.objects.filter(complaint=complaint).order_by("due_on").values_list("due_on", flat=True))


def run_on(*offsets):
    for n in offsets:
        create_followups(day=DAY + days(n))


def unhappy_call(store, agent, at, customer):
    """A return-visit call that finds `customer` unhappy; its dissatisfaction (which becomes a
    complaint of its own, linked)."""
    followup = FollowUpFactory(store=store, customer=customer, due_on=at.date(),
                               vehicle=customer.vehicles.first() or VehicleFactory(owner=customer))
    record_attempt(followup_id=followup.pk, agent=agent, outcome="reached", now=at,
                   answers={"overall": 1, "comment": "问题还是没解决"})
    return followup.dissatisfactions.get()


def test_a_complaint_gets_care_calls_after_30_60_and_90_days(store_a, personas):
    complaint = complaint_of(store_a, personas["cs_supervisor"])
    for n in (29, 30, 59, 60, 89, 90, 120):
        create_followups(day=DAY + days(n))
        assert care_calls(complaint) == [DAY + days(d) for d in (30, 60, 90) if d <= n]
    assert {(f.rule.trigger, f.status, f.customer_id, f.visit_id, f.dissatisfaction_id)
            for f in FollowUp.objects.filter(complaint=complaint)} == {
        ("care_call", "pending", complaint.customer_id, None, None)
    }


def test_running_the_job_twice_creates_no_care_call_twice(store_a, personas):
    complaint = complaint_of(store_a, personas["cs_supervisor"])
    first = create_followups(day=DAY + days(60))
    again = create_followups(day=DAY + days(60))
    assert (first, sum(again.values())) == ({"expired": 1, "pending": 1}, 0)  # day 30's came late
    assert care_calls(complaint) == [DAY + days(30), DAY + days(60)]


def test_the_care_call_is_about_the_complaints_repair_order_car(store_a, personas):
    customer = CustomerFactory(store=store_a)
    repaired = VehicleFactory(owner=customer)
    VehicleFactory(owner=customer)  # updated later, but not the car complained about
    visit = ServiceVisitFactory(vehicle=repaired)
    complaint = complaint_of(store_a, personas["cs_supervisor"], customer=customer, visit=visit)
    run_on(30)
    assert FollowUp.objects.get(complaint=complaint).vehicle == repaired


def test_without_a_repair_order_the_care_call_is_about_the_customers_latest_car(store_a, personas):
    customer = CustomerFactory(store=store_a)
    older, latest = VehicleFactory(owner=customer), VehicleFactory(owner=customer)
    Vehicle.objects.filter(pk=older.pk).update(updated_at=timezone.now() - days(100))
    complaint = complaint_of(store_a, personas["cs_supervisor"], customer=customer)
    run_on(30)
    assert FollowUp.objects.get(complaint=complaint).vehicle == latest


def test_a_customer_with_no_car_on_file_gets_no_care_call(store_a, personas):
    complaint = complaint_of(store_a, personas["cs_supervisor"], customer=CustomerFactory(store=store_a))
    run_on(30)
    assert care_calls(complaint) == []


def test_a_cancelled_complaint_gets_no_care_call(store_a, personas):
    complaint = complaint_of(store_a, personas["cs_supervisor"], status="cancelled")
    run_on(30)
    assert care_calls(complaint) == []


def test_a_closed_complaint_still_gets_its_care_calls(store_a, personas):
    complaint = complaint_of(store_a, personas["cs_supervisor"], status="closed")
    run_on(30)
    assert care_calls(complaint) == [DAY + days(30)]


def test_a_complaint_from_a_dissatisfaction_adds_no_care_calls_of_its_own(store_a, personas):
    customer = CustomerFactory(store=store_a)
    VehicleFactory(owner=customer)
    dissatisfaction = unhappy_call(store_a, personas["cs_agent"], AT, customer)
    run_on(30, 60)
    assert list(FollowUp.objects.filter(customer=customer, rule__trigger="care_call")
                .values_list("dissatisfaction_id", "complaint_id", "due_on").order_by("due_on")) == [
        (dissatisfaction.pk, None, DAY + days(30)), (dissatisfaction.pk, None, DAY + days(60)),
    ]


def test_a_newer_complaint_restarts_the_care_calls(store_a, personas):
    older = complaint_of(store_a, personas["cs_supervisor"])
    run_on(30)
    newer = complaint_of(store_a, personas["cs_supervisor"], at=AT + days(45), customer=older.customer)
    run_on(60, 75, 90, 105, 135)
    assert care_calls(older) == [DAY + days(30)]
    # The same car, rule and offsets as the older complaint's calls: made all the same.
    assert care_calls(newer) == [DAY + days(n) for n in (75, 105, 135)]


def test_a_newer_complaint_restarts_a_dissatisfactions_care_calls(store_a, personas):
    customer = CustomerFactory(store=store_a)
    VehicleFactory(owner=customer)
    dissatisfaction = unhappy_call(store_a, personas["cs_agent"], AT, customer)
    complaint = complaint_of(store_a, personas["cs_supervisor"], at=AT + days(45), customer=customer)
    run_on(30, 60, 75)
    assert list(dissatisfaction.care_calls.values_list("due_on", flat=True)) == [DAY + days(30)]
    assert care_calls(complaint) == [DAY + days(75)]


def test_a_newer_dissatisfaction_restarts_a_complaints_care_calls(store_a, personas):
    complaint = complaint_of(store_a, personas["cs_supervisor"])
    dissatisfaction = unhappy_call(store_a, personas["cs_agent"], AT + days(45), complaint.customer)
    run_on(30, 60, 75)
    assert care_calls(complaint) == [DAY + days(30)]
    assert list(dissatisfaction.care_calls.values_list("due_on", flat=True)) == [DAY + days(75)]


def test_a_newer_cancelled_complaint_does_not_restart_the_count(store_a, personas):
    complaint = complaint_of(store_a, personas["cs_supervisor"])
    complaint_of(store_a, personas["cs_supervisor"], at=AT + days(45), customer=complaint.customer,
                 status="cancelled")
    run_on(30, 60)
    assert care_calls(complaint) == [DAY + days(30), DAY + days(60)]


def test_a_newer_finding_dismissed_with_its_complaint_does_not_restart_the_count(store_a, personas):
    complaint = complaint_of(store_a, personas["cs_supervisor"])
    repeat = unhappy_call(store_a, personas["cs_agent"], AT + days(45), complaint.customer)
    repeat.complaint.cancel(by=personas["cs_supervisor"], reason="与前一条投诉重复", duplicate_of=complaint)
    run_on(30, 60, 75)
    assert care_calls(complaint) == [DAY + days(30), DAY + days(60)]
    assert not repeat.care_calls.exists()


def test_care_calls_to_a_customer_who_must_not_be_contacted_are_skipped(store_a, personas):
    complaint = complaint_of(store_a, personas["cs_supervisor"])
    complaint.customer.do_not_contact = True
    complaint.customer.do_not_contact_reason = "客户要求不再来电"
    complaint.customer.save()
    run_on(30)
    care = FollowUp.objects.get(complaint=complaint)
    assert (care.status, care.skip_reason) == ("skipped", "do_not_contact")


# --- What the agent sees --------------------------------------------------------------------
@pytest.fixture
def care_call_due_today(store_a, personas):
    at = timezone.now() - days(30)
    complaint = complaint_of(store_a, personas["cs_supervisor"], at=at)
    create_followups(day=timezone.localdate())
    return complaint, FollowUp.objects.get(complaint=complaint)


def test_the_queue_says_the_care_call_follows_the_complaint(client, personas, care_call_due_today):
    complaint, care = care_call_due_today
    client.force_login(personas["cs_agent"])
    response = client.get(reverse("visits:queue"))
    [item] = [item for item in response.context["items"] if item["pk"] == care.pk]
    assert complaint.number in item["kind"]
    assert complaint.number in response.content.decode()


def test_the_call_screen_links_the_complaint_cared_for(client, personas, care_call_due_today):
    complaint, care = care_call_due_today
    client.force_login(personas["cs_agent"])
    body = client.get(reverse("visits:call", args=[care.pk])).content.decode()
    assert 'data-testid="complaint-cared-for"' in body
    assert reverse("complaints:detail", args=[complaint.pk]) in body and complaint.number in body


def test_the_customer_file_names_the_complaint_of_a_care_call(client, personas, care_call_due_today):
    complaint, care = care_call_due_today
    client.force_login(personas["cs_agent"])
    response = client.get(reverse("visits:customer_calls", args=[complaint.customer_id]))
    [(shown, _answers)] = [row for row in response.context["customer_followups"] if row[0].pk == care.pk]
    assert complaint.number in shown.label
