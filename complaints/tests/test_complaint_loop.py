"""The complaint loop's core: numbers, automatic severity, every legal and illegal move per role,
concurrent moves, and complaints made from return-visit dissatisfactions."""
import datetime as dt
import io

import pytest
from django.utils import timezone

from aftersales.models import Department
from aftersales.tests.concurrency import run_concurrently
from aftersales.tests.factories import CustomerFactory, DepartmentFactory, FollowUpFactory
from complaints.models import Complaint, IllegalTransition
from complaints.services import complaint_from_dissatisfaction, register_complaint
from visits.models import Dissatisfaction

pytestmark = pytest.mark.django_db


@pytest.fixture
def workshop(store_a):
    return DepartmentFactory(store=store_a, kind=Department.Kind.WORKSHOP, name="维修车间")


@pytest.fixture
def head(make_user, store_a, workshop):
    return make_user("dept_head", [store_a], username="workshop_head", department=workshop)


@pytest.fixture
def complaint(store_a, personas):
    return register_complaint(
        store=store_a, customer=CustomerFactory(store=store_a), channel="phone", category="repair_quality",
        description="保养后发动机异响", by=personas["cs_agent"],
    )


def answer(complaint, by):
    return complaint.answer(by=by, investigation="试车复现异响", root_cause="皮带未装到位",
                            corrective_action="重新安装并培训技师", resolution="免费返修并赠送一次保养")


def moves(complaint):
    return list(complaint.transitions.order_by("id").values_list("from_status", "to_status"))


def test_numbers_count_per_store_and_year(store_a, store_b, personas, complaint):
    second = register_complaint(store=store_a, customer=complaint.customer, channel="phone", category="price",
                                description="收费不透明", by=personas["cs_agent"])
    other = register_complaint(store=store_b, customer=CustomerFactory(store=store_b), channel="phone",
                               category="price", description="收费不透明", by=personas["cs_agent"])
    year = complaint.created_at.astimezone().year
    assert [complaint.number, second.number, other.number] == [f"A-{year}-00001", f"A-{year}-00002", f"B-{year}-00001"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_never_share_a_number(store_a, personas):
    customer = CustomerFactory(store=store_a)
    results, errors = run_concurrently(lambda: register_complaint(
        store=store_a, customer=customer, channel="phone", category="other", description="x",
        by=personas["cs_agent"]).number, 8)
    assert errors == [] and len(set(results)) == 8


def test_the_third_complaint_in_a_year_is_escalated(store_a, personas):
    customer = CustomerFactory(store=store_a)
    now = dt.datetime(2026, 11, 2, 10, tzinfo=dt.timezone.utc)
    severities = [
        register_complaint(store=store_a, customer=customer, channel="phone", category="other", description="x",
                           by=personas["cs_agent"], now=now - dt.timedelta(days=days)).severity
        for days in (700, 300, 100, 0)
    ]
    assert severities == ["general", "general", "general", "escalated"]


def test_the_whole_loop_until_the_customer_is_satisfied(complaint, personas, workshop, head):
    supervisor, agent = personas["cs_supervisor"], personas["cs_agent"]
    complaint.assign(by=supervisor, department=workshop, handler=head)
    answer(complaint, head)
    complaint.record_callback(by=agent, satisfied=False, customer_words="还是有异响")
    assert (complaint.status, complaint.rounds) == ("assigned", 2)
    answer(complaint, head)
    complaint.record_callback(by=agent, satisfied=True, customer_words="修好了，谢谢")
    complaint.refresh_from_db()
    assert complaint.status == "closed" and complaint.closed_at is not None
    assert moves(complaint) == [("", "new"), ("new", "assigned"), ("assigned", "answered"),
                                ("answered", "assigned"), ("assigned", "answered"), ("answered", "closed")]
    assert complaint.transitions.get(to_status="assigned", from_status="answered").note == "还是有异响"


@pytest.mark.parametrize("role", ["cs_agent", "advisor", "dept_head", "manager"])
def test_only_a_supervisor_routes_a_complaint(complaint, personas, workshop, role):
    with pytest.raises(IllegalTransition):
        complaint.assign(by=personas[role], department=workshop)
    complaint.refresh_from_db()
    assert complaint.status == "new" and moves(complaint) == [("", "new")]


def test_another_department_cannot_answer(complaint, personas, workshop, make_user, store_a):
    complaint.assign(by=personas["cs_supervisor"], department=workshop)
    parts = DepartmentFactory(store=store_a, kind=Department.Kind.PARTS, name="配件部")
    stranger = make_user("dept_head", [store_a], username="parts_head", department=parts)
    with pytest.raises(IllegalTransition):
        answer(complaint, stranger)


@pytest.mark.parametrize("move", ["answer", "callback", "cancel_after_assign"])
def test_moves_out_of_order_are_refused_with_the_state(complaint, personas, workshop, head, move):
    if move == "answer":
        with pytest.raises(IllegalTransition, match="新建|New"):
            answer(complaint, head)
    elif move == "callback":
        with pytest.raises(IllegalTransition):
            complaint.record_callback(by=personas["cs_agent"], satisfied=True, customer_words="")
    else:
        complaint.assign(by=personas["cs_supervisor"], department=workshop)
        with pytest.raises(IllegalTransition):
            complaint.cancel(by=personas["cs_supervisor"], reason="重复")


def test_a_duplicate_is_cancelled_with_its_original(complaint, personas, store_a):
    again = register_complaint(store=store_a, customer=complaint.customer, channel="walk_in",
                               category="repair_quality", description="同一问题", by=personas["cs_agent"])
    with pytest.raises(IllegalTransition):
        again.cancel(by=personas["cs_supervisor"], reason="  ")
    again.cancel(by=personas["cs_supervisor"], reason="与原投诉重复", duplicate_of=complaint)
    again.refresh_from_db()
    assert again.status == "cancelled" and again.duplicate_of == complaint


@pytest.mark.django_db(transaction=True)
def test_two_supervisors_routing_at_once_never_both_win(complaint, personas, workshop, make_user, store_a):
    other = make_user("cs_supervisor", [store_a], username="supervisor2")

    def route(by):
        return lambda: Complaint.objects.get(pk=complaint.pk).assign(by=by, department=workshop)

    people = iter([personas["cs_supervisor"], other])

    def attempt():
        return route(next(people))()

    results, errors = run_concurrently(attempt, 2)
    assert len(results) == 1 and len(errors) == 1 and isinstance(errors[0], IllegalTransition)
    assert moves(complaint) == [("", "new"), ("new", "assigned")]


def test_a_dissatisfaction_becomes_one_linked_complaint(store_a, personas):
    followup = FollowUpFactory(store=store_a)
    dissatisfaction = Dissatisfaction.objects.create(
        store=store_a, customer=followup.customer, visit=followup.visit, followup=followup,
        reasons=["timeliness"], customer_words="等了三个小时", recorded_by=personas["cs_agent"],
    )
    first = complaint_from_dissatisfaction(dissatisfaction, by=personas["cs_agent"])
    again = complaint_from_dissatisfaction(dissatisfaction, by=personas["cs_agent"])
    dissatisfaction.refresh_from_db()
    assert first == again and first.channel == "return_visit" and first.category == "waiting_time"
    assert first.visit == followup.visit and "等了三个小时" in first.description
    assert dissatisfaction.status == "complaint"


def test_the_customer_is_told_the_outcome_once_when_satisfied(complaint, personas, workshop, head):
    from aftersales.messaging.models import OutboundMessage

    complaint.assign(by=personas["cs_supervisor"], department=workshop)
    answer(complaint, head)
    complaint.record_callback(by=personas["cs_agent"], satisfied=False, customer_words="还是响")
    assert not OutboundMessage.objects.filter(kind="complaint_outcome").exists()
    answer(complaint, head)
    complaint.record_callback(by=personas["cs_agent"], satisfied=True, customer_words="不响了")
    message = OutboundMessage.objects.get(kind="complaint_outcome")
    assert (message.customer, message.channel, message.to) == (complaint.customer, "sms", complaint.customer.mobile)
    assert message.context == {"name": complaint.customer.name, "number": complaint.number,
                               "outcome": "免费返修并赠送一次保养"}


def test_cancelling_a_complaint_from_a_return_visit_dismisses_the_finding(store_a, personas):
    followup = FollowUpFactory(store=store_a)
    finding = Dissatisfaction.objects.create(
        store=store_a, customer=followup.customer, visit=followup.visit, followup=followup,
        reasons=["overall"], customer_words="一般", recorded_by=personas["cs_agent"],
    )
    complaint = complaint_from_dissatisfaction(finding, by=personas["cs_agent"])
    complaint.cancel(by=personas["cs_supervisor"], reason="客户表示只是随口一说，无需处理")
    finding.refresh_from_db()
    assert finding.status == Dissatisfaction.Status.DISMISSED
    assert complaint.transitions.latest("at").note == "客户表示只是随口一说，无需处理"


def test_dissatisfactions_recorded_before_the_loop_become_complaints_once(store_a, personas):
    from django.core.management import call_command

    followup = FollowUpFactory(store=store_a)
    older = [
        Dissatisfaction.objects.create(
            store=store_a, customer=followup.customer, visit=followup.visit, followup=followup,
            reasons=["timeliness"], customer_words=words, recorded_by=personas["cs_agent"],
        )
        for words in ("等了很久", "没人通知取车")
    ]
    out = io.StringIO()
    call_command("complaints_from_dissatisfactions", stdout=out)
    call_command("complaints_from_dissatisfactions", stdout=out)
    assert out.getvalue().splitlines() == ["complaints: 2", "complaints: 0"]
    for finding in older:
        finding.refresh_from_db()
        assert finding.status == "complaint" and finding.complaint.category == "waiting_time"
        # Taken up now, it gets its full day to be acknowledged rather than being overdue at once.
        assert finding.complaint.due_at > timezone.now() + dt.timedelta(hours=23)


def test_a_finding_of_the_on_site_survey_becomes_a_walk_in_complaint(store_a, personas):
    from visits.services import record_on_site_survey

    followup = FollowUpFactory(store=store_a)
    record_on_site_survey(visit=followup.visit, by=personas["advisor"], answers={"advisor": 1})
    complaint = Complaint.objects.get()
    assert (complaint.channel, complaint.created_by, complaint.visit) == (
        "walk_in", personas["advisor"], followup.visit
    )


@pytest.mark.django_db(transaction=True)
def test_two_registrations_at_once_see_each_other_for_the_third_complaint(store_a, personas):
    customer = CustomerFactory(store=store_a)
    register_complaint(store=store_a, customer=customer, channel="phone", category="price",
                       description="第一次", by=personas["cs_agent"])
    results, errors = run_concurrently(lambda: register_complaint(
        store=store_a, customer=customer, channel="online", category="price", description="再次投诉", by=None,
    ), 2)
    assert errors == []
    assert sorted(Complaint.objects.filter(customer=customer).values_list("severity", flat=True)) == [
        "escalated", "general", "general",
    ]
