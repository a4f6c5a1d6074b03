"""Recording a call: what each outcome does to the follow-up and the customer's file, and the
survey of a reached call with the dissatisfaction it may reveal."""
import datetime as dt
import zoneinfo

import pytest

from aftersales.tests.factories import FollowUpFactory
from customers.models import CustomerConsent
from visits.models import CallAttempt, CallPolicy, Dissatisfaction, SurveyResponse
from visits.services import CallError, claim_next, merge_same_day, record_attempt, record_on_site_survey
from visits.services.calls import questions_to_ask

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
DAY = dt.date(2026, 11, 2)


def at(hour, minute=0, day=DAY):
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


NOW = at(10)
NEXT_DAY = DAY + dt.timedelta(days=1)
ALL_FIVES = {"overall": 5, "booking": 5, "advisor": 5, "repair_quality": 5, "timeliness": 5, "facility": 5,
             "pickup_price": 5, "fixed_right": True}


@pytest.fixture
def agent(personas):
    return personas["cs_agent"]


@pytest.fixture
def followup(store_a):
    return FollowUpFactory(store=store_a, due_on=DAY)


def call(followup, agent, outcome, now=NOW, **extra):
    record_attempt(followup_id=followup.pk, agent=agent, outcome=outcome, now=now, **extra)
    followup.refresh_from_db()
    return followup


# --- Not reached ------------------------------------------------------------------------------
@pytest.mark.django_db
def test_no_answer_comes_back_after_two_hours(followup, agent):
    call(followup, agent, "no_answer")
    assert (followup.status, followup.attempt_count, followup.next_call_at) == ("pending", 1, at(12))
    assert followup.claimed_by is None


@pytest.mark.django_db
def test_the_third_unanswered_attempt_of_a_day_waits_for_the_next_opening(followup, agent):
    for hour in (10, 12, 14):
        call(followup, agent, "no_answer", now=at(hour))
    assert followup.next_call_at == at(8, 30, day=NEXT_DAY)  # the store opens at 08:30
    assert followup.status == "pending"


@pytest.mark.django_db
def test_the_fifth_unanswered_attempt_makes_the_customer_unreachable(followup, agent):
    for moment in (at(10), at(12), at(14), at(8, 30, NEXT_DAY), at(10, 30, NEXT_DAY)):
        call(followup, agent, "no_answer", now=moment)
    assert (followup.status, followup.outcome, followup.attempt_count) == ("unreachable", "no_answer", 5)
    assert followup.finished_at == at(10, 30, NEXT_DAY)
    assert followup.attempts.count() == 5


@pytest.mark.django_db
def test_a_store_s_call_policy_sets_the_delay_and_the_limits(store_a, followup, agent):
    CallPolicy.objects.create(store=store_a, retry_after_minutes=30, max_attempts_per_day=2, max_attempts=3)
    call(followup, agent, "no_answer", now=at(10))
    assert followup.next_call_at == at(10, 30)
    call(followup, agent, "no_answer", now=at(10, 30))
    assert followup.next_call_at == at(8, 30, NEXT_DAY)
    call(followup, agent, "no_answer", now=at(8, 30, NEXT_DAY))
    assert followup.status == "unreachable"


@pytest.mark.django_db
def test_a_busy_line_counts_like_no_answer(followup, agent):
    call(followup, agent, "busy", now=at(10))
    assert followup.next_call_at == at(12) and followup.attempt_count == 1
    call(followup, agent, "no_answer", now=at(12))
    call(followup, agent, "busy", now=at(14))
    assert followup.next_call_at == at(8, 30, NEXT_DAY)


# --- Call back later ----------------------------------------------------------------------------
@pytest.mark.django_db
def test_call_me_back_at_three_puts_the_call_back_at_three(followup, agent):
    call(followup, agent, "call_back", call_back_at=at(15))
    assert (followup.status, followup.next_call_at, followup.attempt_count) == ("pending", at(15), 0)
    assert followup.attempts.get().call_back_at == at(15)
    assert claim_next(agent=agent, now=at(14, 59)) is None
    assert claim_next(agent=agent, now=at(15)) == followup


@pytest.mark.django_db
def test_a_call_back_time_in_the_past_is_refused_and_nothing_changes(followup, agent):
    claim_next(agent=agent, now=NOW)
    with pytest.raises(CallError):
        call(followup, agent, "call_back", call_back_at=at(9))
    followup.refresh_from_db()
    assert followup.next_call_at is None and followup.claimed_by == agent
    assert not CallAttempt.objects.exists()


# --- Wrong number, refused ---------------------------------------------------------------------
@pytest.mark.django_db
def test_a_wrong_number_flags_the_customer_s_mobile_and_ends_the_call(followup, agent):
    call(followup, agent, "wrong_number")
    assert (followup.status, followup.outcome) == ("unreachable", "wrong_number")
    followup.customer.refresh_from_db()
    assert followup.customer.mobile_reported_wrong_at == NOW


@pytest.mark.django_db
def test_a_refusal_is_kept_on_the_file_and_skips_the_customer_s_other_calls(store_a, followup, agent):
    later = FollowUpFactory(store=store_a, customer=followup.customer, due_on=DAY + dt.timedelta(days=20),
                            repair_type="major_overhaul")
    someone_else = FollowUpFactory(store=store_a, due_on=DAY)
    call(followup, agent, "refused", note="不需要回访")
    assert (followup.status, followup.outcome) == ("done", "refused")
    consent = CustomerConsent.objects.get(customer=followup.customer, channel="service_call")
    assert consent.granted is False and consent.method == "phone" and consent.recorded_by == agent
    later.refresh_from_db()
    assert (later.status, later.skip_reason) == ("skipped", "refused_calls")
    someone_else.refresh_from_db()
    assert someone_else.status == "pending"


# --- Reached: the survey -----------------------------------------------------------------------
@pytest.mark.django_db
def test_a_reached_call_is_done_and_keeps_the_survey(followup, agent):
    call(followup, agent, "reached", answers={**ALL_FIVES, "advisor": "4", "comment": " 很满意 "})
    assert (followup.status, followup.outcome, followup.finished_at) == ("done", "reached", NOW)
    survey = SurveyResponse.objects.get(followup=followup)
    assert survey.source == "call" and survey.visit_id == followup.visit_id and survey.recorded_by == agent
    assert (survey.overall, survey.advisor, survey.pickup_price, survey.fixed_right) == (5, 4, 5, True)
    assert survey.comment == "很满意" and survey.recorded_at == NOW


@pytest.mark.django_db
def test_a_survey_without_the_overall_score_is_refused_and_nothing_is_saved(followup, agent):
    with pytest.raises(CallError):
        call(followup, agent, "reached", answers={"advisor": 5})
    followup.refresh_from_db()
    assert followup.status == "pending"
    assert not CallAttempt.objects.exists() and not SurveyResponse.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("answers", [{"overall": 0}, {"overall": 6}, {"overall": 4, "facility": 9},
                                     {"overall": "excellent"}])
def test_scores_outside_1_to_5_are_refused(followup, agent, answers):
    with pytest.raises(CallError):
        call(followup, agent, "reached", answers=answers)
    assert not CallAttempt.objects.exists() and not SurveyResponse.objects.exists()


@pytest.mark.django_db
def test_questions_answered_on_site_are_not_asked_again(followup, agent, personas):
    record_on_site_survey(visit=followup.visit, by=personas["advisor"], now=at(16, day=DAY - dt.timedelta(days=3)),
                          answers={"overall": 5, "advisor": 5, "fixed_right": True})
    asked = questions_to_ask(followup)
    assert asked == ["booking", "repair_quality", "timeliness", "facility", "pickup_price"]
    # Answers to questions not asked are not taken (an unhappy "advisor" here is ignored).
    call(followup, agent, "reached", answers={"overall": 1, "advisor": 1, "booking": 4, "fixed_right": False})
    survey = SurveyResponse.objects.get(followup=followup)
    assert (survey.overall, survey.advisor, survey.fixed_right, survey.booking) == (None, None, None, 4)
    assert not Dissatisfaction.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("answers,reasons", [
    ({"overall": 2}, ["overall"]),
    ({"overall": 4, "repair_quality": 2, "timeliness": 1}, ["repair_quality", "timeliness"]),
    ({"overall": 4, "fixed_right": False}, ["fixed_right"]),
])
def test_an_unhappy_answer_is_kept_as_a_dissatisfaction(followup, agent, answers, reasons):
    call(followup, agent, "reached", answers={**answers, "comment": "刹车还是有异响"})
    dissatisfaction = Dissatisfaction.objects.get()
    assert dissatisfaction.reasons == reasons
    assert dissatisfaction.customer_words == "刹车还是有异响"
    assert (dissatisfaction.followup, dissatisfaction.visit, dissatisfaction.customer) == (
        followup, followup.visit, followup.customer,
    )
    assert dissatisfaction.survey == followup.survey and dissatisfaction.created_at == NOW
    assert dissatisfaction.recorded_by == agent


@pytest.mark.django_db
def test_an_unhappy_answer_becomes_a_linked_complaint_at_once(followup, agent):
    call(followup, agent, "reached", answers={"overall": 4, "repair_quality": 2, "comment": "刹车还是有异响"})
    dissatisfaction = Dissatisfaction.objects.get()
    complaint = dissatisfaction.complaint
    assert dissatisfaction.status == "complaint"
    assert (complaint.customer, complaint.visit, complaint.channel, complaint.category, complaint.status) == (
        followup.customer, followup.visit, "return_visit", "repair_quality", "new",
    )
    assert "刹车还是有异响" in complaint.description and complaint.created_by == agent


@pytest.mark.django_db
def test_a_happy_survey_makes_no_dissatisfaction(followup, agent):
    threes = {name: 3 for name in ALL_FIVES if name != "fixed_right"}
    call(followup, agent, "reached", answers={**threes, "fixed_right": True})
    assert SurveyResponse.objects.filter(followup=followup).exists()
    assert not Dissatisfaction.objects.exists()


# --- Who may record --------------------------------------------------------------------------
@pytest.mark.django_db
def test_another_agent_s_live_claim_blocks_recording(followup, agent, make_user, store_a):
    colleague = make_user("cs_agent", [store_a])
    claim_next(agent=colleague, now=NOW)
    with pytest.raises(CallError):
        call(followup, agent, "no_answer", now=NOW + dt.timedelta(minutes=5))
    assert not CallAttempt.objects.exists()
    # Once the colleague's lease ran out the call is anyone's again.
    call(followup, agent, "no_answer", now=NOW + dt.timedelta(minutes=21))
    assert followup.attempt_count == 1


@pytest.mark.django_db
def test_a_finished_call_takes_no_second_attempt(followup, agent):
    call(followup, agent, "wrong_number")
    with pytest.raises(CallError):
        call(followup, agent, "reached", answers=ALL_FIVES, now=NOW + dt.timedelta(minutes=1))
    assert followup.attempts.count() == 1 and not SurveyResponse.objects.exists()


@pytest.mark.django_db
def test_a_covered_call_finishes_with_the_call_that_covers_it(store_a, followup, agent):
    covered = FollowUpFactory(store=store_a, customer=followup.customer, due_on=DAY, repair_type="warranty")
    merge_same_day(since=DAY)
    covered.refresh_from_db()
    assert covered.merged_into == followup
    with pytest.raises(CallError):
        call(covered, agent, "reached", answers=ALL_FIVES)
    call(followup, agent, "reached", answers=ALL_FIVES)
    covered.refresh_from_db()
    assert (covered.status, covered.outcome, covered.finished_at) == ("done", "reached", NOW)


@pytest.mark.django_db
def test_an_agent_of_another_store_cannot_record_the_call(followup, make_user, store_b):
    stranger = make_user("cs_agent", [store_b], username="agent_b")
    with pytest.raises(CallError):
        record_attempt(followup_id=followup.pk, agent=stranger, outcome="no_answer", now=NOW)
    assert not CallAttempt.objects.exists()


@pytest.mark.django_db
def test_a_sales_call_asks_only_the_overall_satisfaction(store_a, agent):
    from aftersales.tests.factories import CustomerFactory, VehicleFactory
    from visits.models import FollowUp
    from visits.services import create_followups

    vehicle = VehicleFactory(owner=CustomerFactory(store=store_a), bought_here=True, purchase_date=DAY)
    create_followups(day=DAY + dt.timedelta(days=3))
    sales_call = FollowUp.objects.get(vehicle=vehicle)
    assert questions_to_ask(sales_call) == ["overall"]
    record_attempt(followup_id=sales_call.pk, agent=agent, outcome="reached", now=at(10, day=DAY + dt.timedelta(days=3)),
                   answers={"overall": 1, "comment": "销售顾问讲解不清楚"})
    [dissatisfaction] = Dissatisfaction.objects.filter(followup=sales_call)
    assert dissatisfaction.reasons == ["overall"] and dissatisfaction.visit is None
    assert not SurveyResponse.objects.exists()
