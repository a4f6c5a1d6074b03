"""Two calls to one customer on one day are made as one; customers recently unhappy get a
monthly care call."""
import datetime as dt
import zoneinfo

import pytest

from aftersales.tests.factories import CustomerFactory, FollowUpFactory, ServiceVisitFactory, VehicleFactory
from customers.models import ServiceVisit
from visits.models import FollowUp
from visits.services import cancel_obsolete, create_followups, expire_overdue, record_attempt

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
DAY = dt.date(2026, 11, 2)


def days(n):
    return dt.timedelta(days=n)


def closed_for(customer, day, repair_type):
    """A repair order of `customer` closed at 16:00 on `day`."""
    closed = dt.datetime.combine(day, dt.time(16), tzinfo=SHANGHAI)
    return ServiceVisitFactory(vehicle=VehicleFactory(owner=customer), repair_type=repair_type,
                               opened_at=closed - dt.timedelta(hours=4), closed_at=closed)


@pytest.fixture
def two_calls_one_day(store_a):
    """A customer with a maintenance (priority 0) and a warranty repair (priority 1) closed the
    same day: both calls fall due three days later."""
    customer = CustomerFactory(store=store_a)
    maintenance = closed_for(customer, DAY - days(3), "maintenance")
    warranty = closed_for(customer, DAY - days(3), "warranty")
    create_followups(day=DAY)
    return customer, maintenance.followups.get(), warranty.followups.get()


def state(followup):
    followup.refresh_from_db()
    return followup


# --- Same customer, same day -------------------------------------------------------------------
@pytest.mark.django_db
def test_two_calls_to_one_customer_on_one_day_become_one_call(two_calls_one_day):
    customer, *calls = two_calls_one_day
    [primary] = FollowUp.objects.in_queue().filter(customer=customer)
    [covered] = [f for f in calls if f != primary]
    assert covered.merged_into == primary and covered.status == "pending"
    assert primary.priority == 1  # the higher of the two


@pytest.mark.django_db
def test_running_the_job_again_merges_nothing_new(two_calls_one_day):
    customer = two_calls_one_day[0]

    def snapshot():
        return list(FollowUp.objects.filter(customer=customer).order_by("id")
                    .values_list("id", "merged_into_id", "priority", "status"))

    before = snapshot()
    create_followups(day=DAY)
    create_followups(day=DAY + days(1))
    assert snapshot() == before


@pytest.mark.django_db
def test_a_call_due_another_day_is_not_merged(store_a):
    customer = CustomerFactory(store=store_a)
    today = FollowUpFactory(store=store_a, customer=customer, due_on=DAY)
    tomorrow = FollowUpFactory(store=store_a, customer=customer, due_on=DAY + days(1))
    other_customer = FollowUpFactory(store=store_a, due_on=DAY)
    create_followups(day=DAY)
    assert [state(f).merged_into for f in (today, tomorrow, other_customer)] == [None, None, None]


@pytest.mark.django_db
def test_finishing_the_call_finishes_the_calls_it_covers(two_calls_one_day, personas):
    customer, *calls = two_calls_one_day
    primary = FollowUp.objects.in_queue().get(customer=customer)
    now = dt.datetime.combine(DAY, dt.time(10), tzinfo=SHANGHAI)
    record_attempt(followup_id=primary.pk, agent=personas["cs_agent"], outcome="wrong_number", now=now)
    assert {(state(f).status, f.outcome, f.finished_at) for f in calls} == {("unreachable", "wrong_number", now)}


@pytest.mark.django_db
def test_an_expired_call_expires_the_calls_it_covers(two_calls_one_day):
    _customer, *calls = two_calls_one_day
    expire_overdue(day=DAY + days(8))
    assert {state(f).status for f in calls} == {"expired"}


@pytest.mark.django_db
def test_cancelling_the_covering_call_s_repair_order_puts_the_covered_call_back(two_calls_one_day):
    customer, *calls = two_calls_one_day
    primary = FollowUp.objects.in_queue().get(customer=customer)
    [covered] = [f for f in calls if f != primary]
    ServiceVisit.objects.filter(pk=primary.visit_id).update(status="cancelled")
    assert cancel_obsolete() == 1
    assert state(primary).status == "cancelled"
    covered = state(covered)
    assert (covered.status, covered.merged_into, covered.finished_at) == ("pending", None, None)
    assert list(FollowUp.objects.in_queue().filter(customer=customer)) == [covered]


# --- Care calls --------------------------------------------------------------------------------
def unhappy_call(store, agent, at, customer=None):
    """A return-visit call on `at`'s day that finds the customer unhappy; its dissatisfaction."""
    followup = FollowUpFactory(store=store, due_on=at.date(), **({"customer": customer} if customer else {}))
    record_attempt(followup_id=followup.pk, agent=agent, outcome="reached", now=at,
                   answers={"overall": 1, "comment": "等了三个小时"})
    return followup.dissatisfactions.get()


def care_calls(dissatisfaction):
    return list(
        FollowUp.objects.filter(dissatisfaction=dissatisfaction).order_by("due_on").values_list("due_on", flat=True)
    )


UNHAPPY_AT = dt.datetime.combine(DAY, dt.time(10), tzinfo=SHANGHAI)


@pytest.mark.django_db
def test_a_dissatisfaction_gets_care_calls_after_30_60_and_90_days(store_a, personas):
    dissatisfaction = unhappy_call(store_a, personas["cs_agent"], UNHAPPY_AT)
    for n in (29, 30, 59, 60, 89, 90, 120):  # the job runs on these mornings
        create_followups(day=DAY + days(n))
        assert care_calls(dissatisfaction) == [DAY + days(d) for d in (30, 60, 90) if d <= n]
    care = FollowUp.objects.filter(dissatisfaction=dissatisfaction)
    assert {(f.rule.trigger, f.status, f.customer_id, f.visit_id) for f in care} == {
        ("care_call", "pending", dissatisfaction.customer_id, None)
    }


@pytest.mark.django_db
def test_a_newer_dissatisfaction_restarts_the_care_calls(store_a, personas):
    older = unhappy_call(store_a, personas["cs_agent"], UNHAPPY_AT)
    create_followups(day=DAY + days(30))
    newer = unhappy_call(store_a, personas["cs_agent"], UNHAPPY_AT + days(45), customer=older.customer)
    for n in (60, 75, 90, 105, 135):
        create_followups(day=DAY + days(n))
    assert care_calls(older) == [DAY + days(30)]
    assert care_calls(newer) == [DAY + days(n) for n in (75, 105, 135)]


@pytest.mark.django_db
def test_a_job_that_missed_the_days_still_honours_the_newer_dissatisfaction(store_a, personas):
    older = unhappy_call(store_a, personas["cs_agent"], UNHAPPY_AT)
    newer = unhappy_call(store_a, personas["cs_agent"], UNHAPPY_AT + days(45), customer=older.customer)
    create_followups(day=DAY + days(60))  # the first run since day 29 catches up
    assert care_calls(older) == [DAY + days(30)]  # made late: counted as expired
    assert FollowUp.objects.get(dissatisfaction=older).status == "expired"
    assert care_calls(newer) == []


@pytest.mark.django_db
def test_care_calls_to_a_customer_who_must_not_be_contacted_are_skipped_with_the_reason(store_a, personas):
    dissatisfaction = unhappy_call(store_a, personas["cs_agent"], UNHAPPY_AT)
    customer = dissatisfaction.customer
    customer.do_not_contact = True
    customer.do_not_contact_reason = "客户要求不再来电"
    customer.save()
    created = create_followups(day=DAY + days(30))
    care = FollowUp.objects.get(dissatisfaction=dissatisfaction)
    assert (care.status, care.skip_reason) == ("skipped", "do_not_contact")
    assert created["skipped"] == 1


@pytest.mark.django_db
def test_a_care_call_is_made_without_a_survey(store_a, personas):
    dissatisfaction = unhappy_call(store_a, personas["cs_agent"], UNHAPPY_AT)
    create_followups(day=DAY + days(30))
    care = FollowUp.objects.get(dissatisfaction=dissatisfaction)
    assert care.is_care_call and not care.takes_survey
    record_attempt(followup_id=care.pk, agent=personas["cs_agent"], outcome="reached", now=UNHAPPY_AT + days(30))
    assert state(care).status == "done" and not hasattr(care, "survey")


@pytest.mark.django_db
def test_a_dismissed_dissatisfaction_gets_no_care_call(store_a, personas):
    dissatisfaction = unhappy_call(store_a, personas["cs_agent"], UNHAPPY_AT)
    dissatisfaction.status = "dismissed"
    dissatisfaction.save()
    create_followups(day=DAY + days(30))
    assert care_calls(dissatisfaction) == []


@pytest.mark.django_db
def test_an_unhappy_care_call_is_a_dissatisfaction_of_its_own(store_a, personas):
    dissatisfaction = unhappy_call(store_a, personas["cs_agent"], UNHAPPY_AT)
    create_followups(day=DAY + days(30))
    care = FollowUp.objects.get(dissatisfaction=dissatisfaction)
    record_attempt(followup_id=care.pk, agent=personas["cs_agent"], outcome="reached", now=UNHAPPY_AT + days(30),
                   answers={"overall": 2, "comment": "问题还没解决"})
    [again] = care.dissatisfactions.all()
    assert again.reasons == ["overall"] and again.customer_words == "问题还没解决"


# --- Which call covers the others --------------------------------------------------------------
@pytest.mark.django_db
def test_the_return_visit_covers_a_reminder_due_the_same_day_so_the_survey_is_asked(store_a):
    customer = CustomerFactory(store=store_a)
    reminder = closed_for(customer, DAY - days(14), "recall")
    ServiceVisit.objects.filter(pk=reminder.pk).update(declined_work="建议更换轮胎")
    maintenance = closed_for(customer, DAY - days(3), "maintenance")
    create_followups(day=DAY)
    [kept] = FollowUp.objects.in_queue().filter(customer=customer)
    assert kept.visit == maintenance and kept.takes_survey
    assert reminder.followups.get().merged_into == kept


@pytest.mark.django_db
def test_a_call_being_worked_is_never_taken_over_by_a_later_one(store_a, personas):
    customer = CustomerFactory(store=store_a)
    reminder = closed_for(customer, DAY - days(14), "recall")
    ServiceVisit.objects.filter(pk=reminder.pk).update(declined_work="建议更换轮胎")
    create_followups(day=DAY)
    worked = reminder.followups.get()
    record_attempt(followup_id=worked.pk, agent=personas["cs_agent"], outcome="no_answer",
                   now=dt.datetime.combine(DAY, dt.time(9), tzinfo=SHANGHAI))
    late = closed_for(customer, DAY - days(3), "maintenance")  # imported late in the day
    create_followups(day=DAY)
    assert state(late.followups.get()).merged_into == worked
    assert state(worked).merged_into is None
