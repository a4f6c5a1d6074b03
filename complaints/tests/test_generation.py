"""The complaints of the dealer-group data set at a tiny scale: one store, 200 customers and
100 complaints (500 and 25 open at the larger scale of the mix test), with their care calls."""
import datetime as dt
from collections import Counter

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, F, Max, OuterRef, Q, Subquery
from django.utils import timezone

from aftersales.messaging.models import OutboundMessage
from aftersales.models import Store, User
from complaints.deadlines import next_escalation, step_deadline
from complaints.escalation import escalate_overdue
from complaints.models import Complaint, ComplaintEscalation, ComplaintSequence, ComplaintTransition, DeadlinePolicy
from complaints.services import register_complaint
from customers.generation import PREFIX
from customers.models import Customer
from visits.models import FollowUp
from visits.services import create_followups

# VACUUM runs outside a transaction, as in real use.
pytestmark = pytest.mark.django_db(transaction=True)

SCALE = 0.0002
OPEN = ("new", "assigned", "answered")


def generate(scale=SCALE):
    call_command("generate_dealer_group", scale=scale, seed=7, verbosity=0)


def test_half_a_complaint_a_customer_five_percent_open_and_a_second_run_adds_nothing():
    generate()
    assert Complaint.objects.count() == 100
    assert Complaint.objects.filter(status__in=OPEN).count() == 5
    generate()
    assert Complaint.objects.count() == 100


def test_a_larger_scale_tops_the_complaints_up_with_numbers_after_the_last():
    generate()
    last = dict(ComplaintSequence.objects.values_list("year", "last"))
    generate(2 * SCALE)
    assert Complaint.objects.count() == 200
    assert Complaint.objects.values("number").distinct().count() == 200
    for year, before in last.items():
        assert ComplaintSequence.objects.get(year=year).last >= before


def test_complaints_lie_in_the_table_in_the_order_they_were_registered():
    # As a live table is written; a store at a time would mislead the planner (see the generator).
    generate()
    generate(2 * SCALE)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT created_at FROM {Complaint._meta.db_table} ORDER BY ctid")
        laid_out = [row[0] for row in cursor.fetchall()]
    assert len(laid_out) == 200 and laid_out == sorted(laid_out, reverse=True)


def test_numbers_follow_registration_per_year_and_the_sequence_goes_on_from_the_last():
    generate()
    store = Store.objects.get(code=f"{PREFIX}001")
    by_year = {}
    for number, created in Complaint.objects.order_by("created_at", "pk").values_list("number", "created_at"):
        year = timezone.localtime(created).year
        by_year.setdefault(year, []).append(number)
    for year, numbers in by_year.items():
        assert numbers == [f"GRP-001-{year}-{seq:05d}" for seq in range(1, len(numbers) + 1)]
        assert ComplaintSequence.objects.get(store=store, year=year).last == len(numbers)
    year = timezone.localdate().year
    registered = register_complaint(
        store=store, customer=Customer.objects.filter(store=store).first(), channel="phone", category="other",
        description="再次投诉", by=User.objects.get(username=f"{PREFIX}001-cs1"),
    )
    assert registered.number == f"GRP-001-{year}-{len(by_year.get(year, [])) + 1:05d}"


def test_complaints_join_their_store_customer_repair_order_department_and_staff():
    generate()
    complaints = Complaint.objects.all()
    assert complaints.filter(customer__store=F("store")).count() == 100
    with_visit = complaints.filter(visit__isnull=False)
    assert with_visit.count() >= 80
    assert with_visit.filter(visit__customer=F("customer"), visit__created_at__lte=F("created_at")).count() == (
        with_visit.count()
    )
    assert not complaints.filter(category="sales", visit__isnull=False)
    routed = complaints.filter(department__isnull=False)
    assert routed.filter(department__store=F("store")).count() == routed.count()
    assert not complaints.filter(status__in=["new", "cancelled"], department__isnull=False)
    staff = User.objects.filter(
        Q(pk__in=complaints.values("created_by")) | Q(pk__in=complaints.values("handler"))
        | Q(pk__in=ComplaintTransition.objects.values("actor"))
    )
    for user in staff:
        assert list(user.stores.values_list("code", flat=True)) == [f"{PREFIX}001"]
    # Filed online by the customer: nobody registered it.
    assert not complaints.filter(channel="online", created_by__isnull=False)
    assert complaints.filter(created_by__groups__name="cs_agent").exists()


def test_every_move_is_a_transition_from_registration_to_the_current_state():
    generate()
    for complaint in Complaint.objects.prefetch_related("transitions"):
        moves = sorted(complaint.transitions.all(), key=lambda t: (t.at, t.pk))
        first = moves[0]
        assert (first.from_status, first.to_status, first.at, first.actor_id) == (
            "", "new", complaint.created_at, complaint.created_by_id
        )
        for before, after in zip(moves, moves[1:]):
            assert after.from_status == before.to_status and after.at > before.at
        assert moves[-1].to_status == complaint.status
        assert complaint.step_started_at == moves[-1].at
        assert complaint.rounds == sum(1 for t in moves if t.to_status == "assigned")
        if complaint.status in ("closed", "cancelled"):
            assert complaint.closed_at == moves[-1].at <= timezone.now()
        else:
            assert complaint.closed_at is None
        if complaint.status == "cancelled":
            assert [t.to_status for t in moves] == ["new", "cancelled"] and moves[-1].note
            continue
        # Every round: to the department, its answer, and the callback (unhappy: back again).
        expected = ["new"] + ["assigned", "answered"] * complaint.rounds + ["closed"]
        length = {"new": 1, "assigned": 2 * complaint.rounds, "answered": 2 * complaint.rounds + 1}
        assert [t.to_status for t in moves] == expected[:length.get(complaint.status, len(expected))]
        if complaint.status == "closed":
            assert complaint.resolution and complaint.root_cause and complaint.customer_feedback == moves[-1].note


def test_open_complaints_carry_their_step_deadline_and_the_escalations_made_by_now():
    generate()
    now = timezone.now()
    for complaint in Complaint.objects.select_related("store", "escalation"):
        if not complaint.is_open:
            assert (complaint.due_at, complaint.escalation.escalate_at, complaint.escalation.level) == (None, None, 0)
            continue
        policy = DeadlinePolicy.for_store(complaint.store_id).for_complaint(complaint.category, complaint.severity)
        assert complaint.due_at == step_deadline(
            status=complaint.status, started_at=complaint.step_started_at, policy=policy,
            time_zone=complaint.store.time_zone,
        )
        escalation = complaint.escalation
        assert escalation.escalate_at == next_escalation(complaint.due_at, escalation.level, policy)
        reached = sum(
            1 for level in range(3)
            if complaint.due_at + dt.timedelta(hours=policy.escalate_every_hours * level) <= now
        )
        # The escalation job has made every escalation due by now (the clock moved on a bit since).
        assert escalation.level in (reached, reached - 1)
        assert complaint.created_at >= now - dt.timedelta(days=40)


def test_the_mixes_are_those_of_a_dealership():
    generate(0.001)
    complaints = Complaint.objects.all()
    assert complaints.count() == 500
    statuses = Counter(complaints.values_list("status", flat=True))
    assert statuses["new"] + statuses["assigned"] + statuses["answered"] == 25
    assert statuses["assigned"] and statuses["answered"]
    assert 10 <= statuses["cancelled"] <= 30
    assert len(set(complaints.values_list("channel", flat=True))) >= 6
    assert len(set(complaints.values_list("category", flat=True))) == 7
    assert set(complaints.values_list("severity", flat=True)) == {"general", "escalated", "major"}
    assert complaints.filter(status="closed", rounds__gte=2).count() >= 20
    duplicates = complaints.filter(duplicate_of__isnull=False)
    assert duplicates.exists() and duplicates.filter(
        status="cancelled", duplicate_of__customer=F("customer"), duplicate_of__created_at__lt=F("created_at")
    ).count() == duplicates.count()
    # Customers who complain again, some three times within a year (escalated automatically).
    assert complaints.values("customer").annotate(n=Count("id")).filter(n__gte=2).count() >= 20
    now = timezone.now()
    open_ = complaints.filter(status__in=OPEN)
    assert open_.filter(due_at__lt=now).exists() and open_.filter(due_at__gte=now).exists()
    assert complaints.aggregate(last=Max("created_at"))["last"] <= now


def test_no_history_rows_are_written():
    generate()
    assert not apps.get_model("complaints", "ComplaintEvent").objects.exists()


def test_the_escalation_job_finds_someone_to_tell_at_every_level():
    generate()
    later = timezone.now() + dt.timedelta(days=60)
    open_escalations = ComplaintEscalation.objects.filter(complaint__status__in=OPEN)
    open_escalations.update(level=0, escalate_at=Subquery(Complaint.objects.filter(pk=OuterRef("pk")).values("due_at")))
    assert escalate_overdue(now=later) == 3 * 5
    assert open_escalations.filter(level=3, escalate_at__isnull=True).count() == 5
    sent_to = set(OutboundMessage.objects.filter(kind="complaint_overdue").values_list("to", flat=True))
    assert f"{PREFIX}001-sup1@dealer.example" in sent_to and f"{PREFIX}001-mgr1@dealer.example" in sent_to
    assert not OutboundMessage.objects.filter(kind="complaint_overdue", to="")


def test_care_calls_follow_the_complaints_as_the_morning_job_makes_them():
    generate()
    store = Store.objects.get(code=f"{PREFIX}001")
    today = timezone.localdate()
    care = FollowUp.objects.filter(complaint__isnull=False).select_related("complaint", "rule", "complaint__visit")
    assert care.count() >= 100
    for call in care:
        complaint = call.complaint
        assert complaint.status != "cancelled" and call.visit_id is None
        assert (call.store_id, call.customer_id, call.rule.trigger) == (complaint.store_id, complaint.customer_id,
                                                                       "care_call")
        assert call.due_on == timezone.localtime(complaint.created_at).date() + dt.timedelta(
            days=call.offset_days) <= today
        assert call.expires_on == call.due_on + dt.timedelta(days=call.rule.window_days)
        if complaint.visit is not None:
            assert call.vehicle_id == complaint.visit.vehicle_id
    assert Counter(care.values_list("status", flat=True))["done"] > 0.6 * care.count()
    # Nothing is missing: the morning job adds no care call.
    before = care.count()
    create_followups(day=today, store_ids=[store.pk])
    assert care.count() == before
