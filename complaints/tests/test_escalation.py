"""Overdue steps escalate: the handler at the deadline, the supervisor a day later, the manager
a day after that; each level once per step, however often or late the job runs."""
import datetime as dt
import io
import threading
import zoneinfo

import pytest
from django.core.management import call_command

from aftersales.messaging.models import OutboundMessage
from aftersales.tests.concurrency import run_concurrently, wait_for
from aftersales.tests.factories import ANSWER, DepartmentFactory, make_complaint
from complaints.calendar import load_year
from complaints.escalation import escalate_overdue
from complaints.models import Complaint, ComplaintEscalation

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
REGISTERED = dt.datetime(2026, 11, 23, 9, tzinfo=SHANGHAI)  # a Monday
ANSWER_DUE = dt.datetime(2026, 11, 26, 23, 59, 59, tzinfo=SHANGHAI)  # three working days later
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def people(make_user, store_a):
    load_year(2026)
    head = make_user("dept_head", [store_a], email="head@example.com")
    department = DepartmentFactory(store=store_a, head=head)
    return {
        "supervisor": make_user("cs_supervisor", [store_a], email="sup@example.com"),
        "manager": make_user("manager", [store_a], email="gm@example.com"),
        # A handler works in the department the complaint is routed to.
        "handler": make_user("dept_head", [store_a], email="handler@example.com", department=department),
        "head": head,
        "department": department,
    }


@pytest.fixture
def complaint(store_a, people):
    complaint = make_complaint(store=store_a, by=people["supervisor"], now=REGISTERED)
    complaint.assign(by=people["supervisor"], department=people["department"], handler=people["handler"],
                     now=REGISTERED)
    assert complaint.due_at == ANSWER_DUE
    return complaint


def overdue_emails():
    return sorted(OutboundMessage.objects.filter(kind="complaint_overdue").values_list("to", flat=True))


@pytest.mark.django_db
def test_nothing_escalates_before_the_deadline(complaint):
    assert escalate_overdue(now=ANSWER_DUE - HOUR) == 0
    assert overdue_emails() == []


@pytest.mark.django_db
def test_the_handler_hears_first_then_the_supervisor_then_the_manager(complaint):
    assert escalate_overdue(now=ANSWER_DUE + HOUR) == 1
    assert overdue_emails() == ["handler@example.com"]
    assert escalate_overdue(now=ANSWER_DUE + 23 * HOUR) == 0
    assert escalate_overdue(now=ANSWER_DUE + 25 * HOUR) == 1
    assert overdue_emails() == ["handler@example.com", "sup@example.com"]
    assert escalate_overdue(now=ANSWER_DUE + 49 * HOUR) == 1
    assert overdue_emails() == ["gm@example.com", "handler@example.com", "sup@example.com"]
    escalation = ComplaintEscalation.objects.get(complaint=complaint)
    assert escalation.level == 3 and escalation.escalate_at is None


@pytest.mark.django_db
def test_escalation_run_twice_notifies_once(complaint):
    escalate_overdue(now=ANSWER_DUE + HOUR)
    assert escalate_overdue(now=ANSWER_DUE + HOUR) == 0
    call_command("escalate_complaints", stdout=io.StringIO())  # now: long past, the rest once
    call_command("escalate_complaints", stdout=io.StringIO())
    assert overdue_emails() == ["gm@example.com", "handler@example.com", "sup@example.com"]


@pytest.mark.django_db
def test_a_late_run_sends_every_level_already_due_once(complaint):
    assert escalate_overdue(now=ANSWER_DUE + 72 * HOUR) == 3
    assert overdue_emails() == ["gm@example.com", "handler@example.com", "sup@example.com"]
    message = OutboundMessage.objects.get(to="handler@example.com")
    assert message.channel == "email" and message.context["count"] == 1
    assert message.context["summary"].startswith(f"{complaint.number} {complaint.customer.name} · 部门答复 · 2026-11-26 23:59")
    assert message.context["link"].endswith("/complaints/?overdue=on")


@pytest.mark.django_db
def test_without_a_handler_the_department_head_hears_first(store_a, people):
    complaint = make_complaint(store=store_a, by=people["supervisor"], status="assigned",
                               department=people["department"], now=REGISTERED)
    escalate_overdue(now=complaint.due_at + HOUR)
    assert overdue_emails() == ["head@example.com"]


@pytest.mark.django_db
def test_an_unacknowledged_complaint_goes_to_the_supervisors(store_a, people):
    complaint = make_complaint(store=store_a, by=people["supervisor"], now=REGISTERED)
    escalate_overdue(now=complaint.due_at + HOUR)
    assert overdue_emails() == ["sup@example.com"]
    assert ComplaintEscalation.objects.get(complaint=complaint).level == 1


@pytest.mark.django_db
def test_the_next_step_starts_a_new_escalation(complaint, people):
    escalate_overdue(now=ANSWER_DUE + 72 * HOUR)
    complaint.answer(by=people["supervisor"], now=ANSWER_DUE + 73 * HOUR, **ANSWER)
    escalation = ComplaintEscalation.objects.get(complaint=complaint)
    assert escalation.level == 0 and escalation.escalate_at == complaint.due_at
    assert escalate_overdue(now=complaint.due_at + HOUR) == 1
    # The callback step waits on the agent who registered it (here the supervisor).
    assert overdue_emails().count("sup@example.com") == 2


@pytest.mark.django_db
def test_another_store_s_people_are_not_told(complaint, make_user, store_b):
    make_user("cs_supervisor", [store_b], email="other@example.com")
    escalate_overdue(now=ANSWER_DUE + 72 * HOUR)
    assert "other@example.com" not in overdue_emails()


@pytest.mark.django_db(transaction=True)
def test_concurrent_passes_notify_each_level_once(complaint):
    results, errors = run_concurrently(lambda: escalate_overdue(now=ANSWER_DUE + 72 * HOUR), 4)
    assert errors == [] and sum(results) == 3
    assert overdue_emails() == ["gm@example.com", "handler@example.com", "sup@example.com"]


@pytest.mark.django_db(transaction=True)
def test_an_answer_given_during_a_pass_starts_the_callback_step_s_clock(complaint, people):
    # The pass locks only the escalation rows; whichever of the two commits first, the answer
    # leaves the callback step with nobody told and its own clock.
    moves = iter([
        lambda: escalate_overdue(now=ANSWER_DUE + 72 * HOUR),
        lambda: complaint.answer(by=people["supervisor"], now=ANSWER_DUE + 72 * HOUR, **ANSWER),
    ])
    taking = threading.Lock()

    def next_move():
        with taking:
            move = next(moves)
        return move()

    _results, errors = run_concurrently(next_move, 2)
    assert errors == []
    answered = Complaint.objects.select_related("escalation").get(pk=complaint.pk)
    assert answered.status == Complaint.Status.ANSWERED and answered.due_at > ANSWER_DUE + 72 * HOUR
    assert (answered.escalation.level, answered.escalation.escalate_at) == (0, answered.due_at)


def test_the_job_runs_in_a_real_worker(celery_worker, store_a, people):
    from complaints.tasks import escalate_overdue as task

    make_complaint(store=store_a, by=people["supervisor"], now=REGISTERED - dt.timedelta(days=30))
    task.delay()
    # Levels 1 and 2 both reach the supervisor, in one email.
    assert wait_for(lambda: overdue_emails() == ["gm@example.com", "sup@example.com"])


@pytest.mark.django_db
def test_each_person_gets_one_email_listing_all_their_overdue_complaints(store_a, people):
    for _n in range(3):
        make_complaint(store=store_a, by=people["supervisor"], status="assigned", department=people["department"],
                       now=REGISTERED)
    escalate_overdue(now=ANSWER_DUE + HOUR)
    message = OutboundMessage.objects.get(kind="complaint_overdue")
    assert message.to == "head@example.com" and message.context["count"] == 3
    numbers = sorted(Complaint.objects.values_list("number", flat=True))
    assert [line.split(" ")[0] for line in message.context["summary"].splitlines()] == numbers


@pytest.mark.django_db
def test_an_unacknowledged_complaint_reaches_the_supervisors_once_then_the_manager(store_a, people):
    complaint = make_complaint(store=store_a, by=people["supervisor"], now=REGISTERED)
    assert escalate_overdue(now=complaint.due_at + 72 * HOUR) == 3
    assert overdue_emails() == ["gm@example.com", "sup@example.com"]


@pytest.mark.django_db
def test_an_overdue_callback_of_an_advisor_s_finding_goes_to_the_supervisors(store_a, people, make_user):
    advisor = make_user("advisor", [store_a], email="advisor@example.com")
    complaint = make_complaint(store=store_a, by=people["supervisor"], status="answered",
                               department=people["department"], now=REGISTERED)
    Complaint.objects.filter(pk=complaint.pk).update(created_by=advisor)
    escalate_overdue(now=Complaint.objects.get(pk=complaint.pk).due_at + HOUR)
    assert overdue_emails() == ["sup@example.com"]


@pytest.mark.django_db
def test_a_handler_who_works_in_english_reads_the_overdue_email_in_english(complaint, people):
    people["handler"].language = "en"
    people["handler"].save(update_fields=["language"])
    escalate_overdue(now=ANSWER_DUE + 25 * HOUR)
    english = OutboundMessage.objects.get(kind="complaint_overdue", to="handler@example.com")
    chinese = OutboundMessage.objects.get(kind="complaint_overdue", to="sup@example.com")
    assert english.language == "en" and "The department answers" in english.context["summary"]
    assert chinese.language == "zh-hans" and "The department answers" not in chinese.context["summary"]
