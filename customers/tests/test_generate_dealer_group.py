"""The dealer-group data set at a tiny scale: one store, 200 customers, 240 vehicles, 1,000
repair orders, about 2,000 return-visit follow-ups and their call attempts."""
import datetime as dt
import time
import zoneinfo
from collections import Counter, defaultdict

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, F, Max, Q
from django.utils import timezone

from aftersales.models import Store, User
from appointments.models import Appointment, WalkIn
from complaints.models import Complaint
from customers.generation import PREFIX, Plan
from customers.loyalty import refresh_loyalty
from customers.models import Customer, ServiceVisit, Vehicle, VehicleOwnership
from customers.normalize import is_valid_plate, name_grams, name_initials, name_pinyin
from customers.vin import is_valid_vin
from visits.generation import ATTEMPTS_PER_DAY, MAX_ATTEMPTS
from visits.models import CallAttempt, FollowUp
from visits.selectors import queue
from visits.services import claim_next, create_followups

# VACUUM runs outside a transaction, as in real use.
pytestmark = pytest.mark.django_db(transaction=True)

SCALE = 0.0002


def generate(capsys, scale=SCALE):
    call_command("generate_dealer_group", scale=scale, seed=7)
    lines = capsys.readouterr().out.strip().splitlines()
    return dict(line.split(": ") for line in lines)


SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def counts():
    return (
        Store.objects.filter(code__startswith=PREFIX).count(),
        Customer.objects.count(),
        Vehicle.objects.count(),
        ServiceVisit.objects.count(),
        VehicleOwnership.objects.count(),
    )


def call_counts():
    return FollowUp.objects.count(), CallAttempt.objects.count()


def local_day(moment):
    return moment.astimezone(SHANGHAI).date()


def test_counts_are_right_and_a_second_run_adds_nothing(capsys):
    started = time.perf_counter()
    printed = generate(capsys)
    elapsed = time.perf_counter() - started
    assert counts() == (1, 200, 240, 1000, 240)
    followups, attempts = call_counts()
    assert {k: int(v) for k, v in printed.items() if k != "seconds"} == {
        "stores": 1, "customers": 200, "vehicles": 240, "repair_orders": 1000,
        "followups": followups, "call_attempts": attempts, "complaints": Complaint.objects.count(),
        "appointments": Appointment.objects.count(), "walk_ins": WalkIn.objects.count(),
    }
    # About two calls a repair order (the group's rules), a few dials a call.
    assert 1_600 <= followups <= 2_400
    assert followups <= attempts <= 1.6 * followups
    # The figure printed is the run's own time (rounded to a tenth), not a made-up number.
    assert elapsed / 2 - 0.05 <= float(printed["seconds"]) <= elapsed + 0.05

    again = generate(capsys)
    assert counts() == (1, 200, 240, 1000, 240)
    assert call_counts() == (followups, attempts)
    assert again["repair_orders"] == "1000"


def test_a_larger_scale_tops_the_group_up(capsys):
    generate(capsys)
    followups = FollowUp.objects.count()
    generate(capsys, scale=2 * SCALE)
    assert counts()[:4] == (1, 400, 480, 2000)
    assert not ServiceVisit.objects.values("store", "order_no").annotate(n=Count("id")).filter(n__gt=1)
    # The new customers' repair orders have their calls too.
    assert FollowUp.objects.count() > 1.6 * followups
    assert FollowUp.objects.filter(customer__in=Customer.objects.order_by("-pk")[:200]).exists()


def test_the_plan_at_scale_one_is_the_dealer_group():
    assert Plan.for_scale(1).totals == {
        "stores": 50, "customers": 1_000_000, "vehicles": 1_200_000, "repair_orders": 5_000_000,
    }


def test_identities_are_valid(capsys):
    generate(capsys)
    for vin, plate, vin_last6, plate_tail in Vehicle.objects.values_list(
        "vin", "plate", "vin_last6", "plate_tail"
    ):
        assert is_valid_vin(vin), vin
        assert is_valid_plate(plate), plate
        assert vin_last6 == vin[-6:] and plate_tail == plate[1:]
    assert Vehicle.objects.values("vin").distinct().count() == 240
    for mobile, last4 in Customer.objects.values_list("mobile", "mobile_last4"):
        assert mobile == "" or (len(mobile) == 11 and mobile.startswith("1") and last4 == mobile[-4:])


def test_search_keys_are_filled(capsys):
    generate(capsys)
    for customer in Customer.objects.all():
        assert customer.name_pinyin == name_pinyin(customer.name) != ""
        assert customer.name_initials == name_initials(customer.name) != ""
        assert customer.name_grams == name_grams(customer.name)


def test_repair_orders_are_consistent(capsys):
    generate(capsys)
    orders = ServiceVisit.objects.all()
    assert not orders.filter(closed_at__lt=F("opened_at"))
    assert not orders.filter(status="closed", closed_at__isnull=True)
    assert not orders.exclude(status="closed").filter(closed_at__isnull=False)
    # Every order joins its store's customer and that customer's vehicle.
    assert orders.filter(customer__store=F("store"), vehicle__owner=F("customer")).count() == 1000
    assert all(no.startswith("RO001") and len(no) == 19 for no in orders.values_list("order_no", flat=True))
    assert orders.values("repair_type").distinct().count() >= 5
    # Mileage never goes down along a vehicle's history.
    for vehicle in Vehicle.objects.all()[:60]:
        mileages = list(vehicle.service_visits.order_by("opened_at").values_list("mileage", flat=True))
        assert mileages == sorted(mileages)
        assert vehicle.mileage == mileages[-1]
    # One open ownership per vehicle, with its owner.
    assert VehicleOwnership.objects.filter(ended_on__isnull=True, customer=F("vehicle__owner")).count() == 240


def test_the_first_customer_has_thirty_repair_orders(capsys):
    generate(capsys)
    first = Customer.objects.order_by("pk").first()
    assert first.service_visits.count() == 30
    assert first.vehicles.count() == 2


def test_loyalty_is_refreshed_and_no_history_is_written(capsys):
    generate(capsys)
    customers = Customer.objects.all()
    # Every customer came in; one whose only repair order was cancelled has no visit counted.
    assert not customers.filter(visit_count=0).exclude(service_visits__status="cancelled")
    assert customers.filter(visit_count__gt=0).count() >= 195
    assert customers.values("loyalty_tier").distinct().count() >= 4
    # The fields agree with the repair orders: a refresh has nothing left to change.
    assert refresh_loyalty() == 0
    first = customers.annotate(
        n=Count("service_visits", filter=~Q(service_visits__status="cancelled"))
    ).order_by("pk").first()
    assert first.visit_count == first.n
    # The history triggers were off while loading.
    for event in ("CustomerEvent", "VehicleEvent", "ServiceVisitEvent"):
        assert not apps.get_model("customers", event).objects.exists()
    assert not apps.get_model("visits", "FollowUpEvent").objects.exists()


def test_follow_ups_are_the_calls_of_the_repair_orders(capsys):
    generate(capsys)
    today = timezone.localdate()
    # The calls of repair orders (the care calls after complaints: complaints/tests/test_generation.py).
    followups = FollowUp.objects.filter(complaint__isnull=True).select_related("rule", "visit", "customer")
    total = followups.count()
    # Each call is of its repair order's store, customer and vehicle, under a rule of that store.
    assert followups.filter(
        visit__store=F("store"), visit__customer=F("customer"), visit__vehicle=F("vehicle"),
        vehicle__owner=F("customer"), rule__store=F("store"),
    ).count() == total
    for f in followups:
        assert f.offset_days in f.rule.offsets_days
        if f.rule.trigger == "repair_type":
            assert f.rule.repair_type == f.visit.repair_type
        else:
            assert f.rule.trigger == "declined_work" and f.visit.declined_work
        # Due the rule's days after the order closed (a cancelled order: after it was opened).
        closed = f.visit.closed_at if f.status != "cancelled" else f.visit.opened_at
        assert f.due_on == local_day(closed) + dt.timedelta(days=f.offset_days) <= today
        assert f.expires_on == f.due_on + dt.timedelta(days=f.rule.window_days)
        assert local_day(f.created_at) == f.due_on or f.due_on == today
        # Finished when and only when no longer to be called, never in the future.
        assert (f.finished_at is None) == (f.status == "pending"), f.status
        assert f.finished_at is None or f.created_at <= f.finished_at <= timezone.now()
        assert f.claimed_by_id is None and f.assigned_to_id is None
        if f.status == "cancelled":
            assert f.visit.status == "cancelled"
        else:
            assert f.visit.status == "closed"
        # Customers who must not be contacted are skipped, with the reason, and no one else.
        assert (f.status == "skipped") == (f.skip_reason == "do_not_contact") == f.customer.do_not_contact
        assert f.outcome == {"done": "reached", "unreachable": f.outcome}.get(f.status, "")
    statuses = Counter(followups.values_list("status", flat=True))
    assert statuses["done"] > 0.7 * total
    assert statuses["unreachable"] and statuses["expired"] and statuses["pending"]
    assert set(statuses) <= {"done", "unreachable", "expired", "pending", "skipped", "cancelled"}
    # What is still to be called is still in its window: the queue has today's and overdue calls.
    pending = FollowUp.objects.in_queue()
    assert not pending.filter(expires_on__lt=today)
    assert pending.filter(due_on=today).exists() and pending.filter(due_on__lt=today).exists()
    # Two calls to one customer on one day are one call: the first covers the others and has
    # their highest priority.
    assert not FollowUp.objects.filter(status="pending", merged_into__isnull=True).values(
        "customer", "due_on").annotate(n=Count("id")).filter(n__gt=1)
    for covered in FollowUp.objects.filter(merged_into__isnull=False).select_related("merged_into"):
        primary = covered.merged_into
        assert (primary.customer_id, primary.due_on, primary.merged_into_id) == (covered.customer_id, covered.due_on, None)
        assert primary.pk < covered.pk and primary.priority >= covered.priority
        assert (covered.status, covered.outcome, covered.attempt_count) == (primary.status, primary.outcome, 0)


def test_call_attempts_are_the_dials_of_the_calls(capsys):
    generate(capsys)
    store = Store.objects.get(code=f"{PREFIX}001")
    attempts = CallAttempt.objects.all()
    assert attempts.filter(store=F("followup__store")).count() == attempts.count()
    # Made by the store's customer-service agents.
    agents = User.objects.filter(pk__in=attempts.values("agent"))
    assert agents.count() >= 1
    for agent in agents:
        assert agent.has_perm("visits.work_queue") and list(agent.stores.all()) == [store]
    # attempt_count is the unanswered dials; done calls end with the one reached dial, at
    # finished_at; unreachable ones after MAX_ATTEMPTS unanswered dials or a wrong number.
    followups = FollowUp.objects.annotate(
        unanswered=Count("attempts", filter=Q(attempts__outcome__in=["no_answer", "busy"])),
        reached=Count("attempts", filter=Q(attempts__outcome="reached")),
        wrong=Count("attempts", filter=Q(attempts__outcome="wrong_number")),
        dials=Count("attempts"),
        last=Max("attempts__called_at"),
    )
    assert not followups.exclude(attempt_count=F("unanswered"))
    done = followups.filter(status="done", merged_into__isnull=True)
    assert done.filter(reached=1, last=F("finished_at")).count() == done.count()
    assert followups.filter(status="done", attempt_count__gt=0).exists()
    unreachable = followups.filter(status="unreachable", merged_into__isnull=True)
    assert unreachable.filter(outcome="no_answer", attempt_count=MAX_ATTEMPTS, last=F("finished_at")).exists()
    assert unreachable.filter(outcome="wrong_number", wrong=1, last=F("finished_at")).exists()
    assert not unreachable.exclude(last=F("finished_at"))
    assert not followups.filter(reached__gt=0).exclude(status="done")
    assert not followups.filter(Q(status__in=["skipped", "cancelled"]) | Q(merged_into__isnull=False), dials__gt=0)
    # Dials fall between the call's creation and now, within its window, at most three a day,
    # and a pending call dialled before waits two hours.
    per_day = defaultdict(int)
    for a in attempts.select_related("followup"):
        f = a.followup
        assert f.created_at <= a.called_at <= timezone.now()
        assert f.due_on <= local_day(a.called_at) <= f.expires_on
        per_day[(f.pk, local_day(a.called_at))] += 1
    assert max(per_day.values()) <= ATTEMPTS_PER_DAY
    for f in followups.filter(status="pending", dials__gt=0):
        assert f.next_call_at == f.last + dt.timedelta(hours=2)


def test_the_queue_has_work_and_the_morning_job_finds_nothing_missing(capsys):
    generate(capsys)
    store = Store.objects.get(code=f"{PREFIX}001")
    agent = User.objects.get(username=f"{PREFIX}001-cs1")
    today, now = timezone.localdate(), timezone.now()
    page = queue(stores=[store], today=today, now=now)
    assert page["items"] and page["totals"]["callable"] > 0
    claimed = claim_next(agent=agent, store_ids=[store.pk], now=now)
    assert claimed is not None and claimed.due_on <= today

    linked = FollowUp.objects.filter(visit__isnull=False)
    before = linked.count(), FollowUp.objects.filter(merged_into__isnull=False).count()
    created = create_followups(day=today, store_ids=[store.pk])
    # Every call of a repair order due by today is there already, and merged as the job would.
    assert (linked.count(), FollowUp.objects.filter(merged_into__isnull=False).count()) == before
    assert created["pending"] == 0


def test_calls_are_added_to_a_group_generated_without_them(capsys):
    def return_visit_calls():
        # Complaints' care calls come with the complaints, which a second run leaves as they are.
        return (FollowUp.objects.filter(visit__isnull=False).count(),
                CallAttempt.objects.filter(followup__visit__isnull=False).count())

    generate(capsys)
    followups, attempts = return_visit_calls()
    with connection.cursor() as cursor:  # as a data set generated before follow-ups existed
        cursor.execute("DELETE FROM visits_callattempt")
        cursor.execute("DELETE FROM visits_followup")
    generate(capsys)
    assert counts() == (1, 200, 240, 1000, 240)
    # The same kind of calls, from the repair orders as stored.
    again = return_visit_calls()
    assert 0.9 * followups <= again[0] <= 1.1 * followups
    assert 0.8 * attempts <= again[1] <= 1.2 * attempts
    assert FollowUp.objects.filter(visit__customer=F("customer"), status="pending").exists()
