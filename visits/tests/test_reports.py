"""The reports: each store's end-of-day call summary to its managers, and each department's
weekly findings, both through the outbox, each once."""
import datetime as dt
import io
import zoneinfo

import pytest
from django.core.management import call_command
from django.utils import timezone

from aftersales.messaging.models import OutboundMessage
from aftersales.messaging.services import send_due_messages
from aftersales.models import Department
from aftersales.tests.factories import CustomerFactory, DepartmentFactory, FollowUpFactory, VehicleFactory
from visits.models import Dissatisfaction, EndOfDayReport, FollowUp
from visits.services import (
    create_followups,
    expire_overdue,
    merge_same_day,
    record_attempt,
    send_end_of_day_reports,
    send_weekly_findings,
)

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
DAY = dt.date(2026, 11, 2)  # a Monday; the store closes at 18:00
YESTERDAY = DAY - dt.timedelta(days=1)


def at(hour, minute=0, day=DAY):
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


# Tomorrow (by the clock) at noon: later than any message's send_after, outside quiet hours.
NOON = dt.datetime.combine(timezone.localdate() + dt.timedelta(days=1), dt.time(12), tzinfo=SHANGHAI)


def reached(followup, agent, now, **answers):
    record_attempt(followup_id=followup.pk, agent=agent, outcome="reached", now=now, answers=answers)


def summaries(store, day=DAY):
    return OutboundMessage.objects.filter(store=store, kind="daily_call_summary", context__date=day.isoformat())


@pytest.fixture
def managers(make_user, store_a, store_b):
    return {
        "a1": make_user("manager", [store_a], email="wang@a.example.com"),
        "a2": make_user("manager", [store_a], email="li@a.example.com"),
        "a_no_email": make_user("manager", [store_a]),
        "group": make_user("manager", [], all_stores=True, email="director@example.com"),
        "b": make_user("manager", [store_b], email="zhao@b.example.com"),
    }


@pytest.fixture
def day_of_calls(store_a, store_b, personas, make_user):
    """Store A's calls on DAY, counted by hand:

    due today: r1, r2, r3, u1 (4; c1 is covered by r1, s1 must not be called)
    calls made today: r1, r2, r3, r4 reached, u1 wrong number, n1 no answer (6; n1's call of
    yesterday is not today's), reached 4, unreachable 1 (u1), expired 1 (x1), still open 1 (n1)
    surveys 4 — overall 5, 4, 2, 4: average 3.75, satisfied (≥ 4) 3 of 4 = 75.0 %
    dissatisfied: r3 (overall, repair quality, not fixed right), r4 (price explanation)
    """
    agent = personas["cs_agent"]
    due = {name: FollowUpFactory(store=store_a, due_on=DAY) for name in ("r1", "r2", "r3", "u1")}
    due["c1"] = FollowUpFactory(store=store_a, due_on=DAY, customer=due["r1"].customer, repair_type="warranty")
    merge_same_day(since=DAY)
    overdue = {name: FollowUpFactory(store=store_a, due_on=YESTERDAY) for name in ("r4", "n1")}
    expiring = FollowUpFactory(store=store_a, due_on=DAY - dt.timedelta(days=8))
    dnc = FollowUpFactory(store=store_a, due_on=DAY, status="skipped", skip_reason="do_not_contact")

    record_attempt(followup_id=overdue["n1"].pk, agent=agent, outcome="no_answer", now=at(16, day=YESTERDAY))
    expire_overdue(day=DAY, now=at(7))  # the morning job
    reached(due["r1"], agent, at(9), overall=5, booking=5, advisor=5, repair_quality=5, timeliness=5,
            facility=5, pickup_price=5, fixed_right=True)
    reached(due["r2"], agent, at(9, 30), overall=4, booking=4, advisor=3, repair_quality=4, timeliness=4,
            facility=4, pickup_price=4, fixed_right=True)
    reached(due["r3"], agent, at(10), overall=2, repair_quality=1, fixed_right=False, comment="刹车还是异响")
    reached(overdue["r4"], agent, at(11), overall=4, pickup_price=2, comment="费用没解释清楚")
    record_attempt(followup_id=due["u1"].pk, agent=agent, outcome="wrong_number", now=at(12))
    record_attempt(followup_id=overdue["n1"].pk, agent=agent, outcome="no_answer", now=at(13))

    # Another store's day, which store A's report must not count.
    elsewhere = FollowUpFactory(store=store_b, due_on=DAY)
    reached(elsewhere, make_user("cs_agent", [store_b]), at(10), overall=1, comment="乙店的事")
    return {**due, **overdue, "x1": expiring, "s1": dnc}


# --- End of day --------------------------------------------------------------------------------
@pytest.mark.django_db
def test_nothing_is_reported_for_today_before_closing_time(store_a, managers, day_of_calls):
    send_end_of_day_reports(now=at(17, 59))
    assert not EndOfDayReport.objects.filter(day=DAY).exists()
    assert not summaries(store_a).exists()


@pytest.mark.django_db
def test_after_closing_the_day_s_figures_are_kept_as_counted_by_hand(store_a, managers, day_of_calls):
    send_end_of_day_reports(now=at(18, 5))
    report = EndOfDayReport.objects.get(store=store_a, day=DAY)
    r3, r4 = day_of_calls["r3"], day_of_calls["r4"]
    assert report.figures == {
        "day": "2026-11-02",
        "due": 4, "skipped": 1, "made": 6, "reached": 4, "unreachable": 1, "expired": 1, "still_open": 1,
        "surveys": 4, "satisfied_pct": 75.0, "fixed_right_pct": 66.7,
        "averages": {
            "overall": 3.75, "booking": 4.5, "advisor": 4.0, "repair_quality": 3.33, "timeliness": 4.5,
            "facility": 4.5, "pickup_price": 3.67,
        },
        "dissatisfied": [
            {"customer": r3.customer.name, "customer_id": r3.customer_id, "order_no": r3.visit.order_no,
             "reasons": ["overall", "repair_quality", "fixed_right"], "words": "刹车还是异响"},
            {"customer": r4.customer.name, "customer_id": r4.customer_id, "order_no": r4.visit.order_no,
             "reasons": ["pickup_price"], "words": "费用没解释清楚"},
        ],
    }


@pytest.mark.django_db
def test_after_closing_each_manager_of_the_store_with_an_email_gets_the_summary(store_a, store_b, managers):
    send_end_of_day_reports(now=at(18, 5))
    messages = summaries(store_a)
    assert sorted(messages.values_list("to", flat=True)) == sorted(
        managers[name].email for name in ("a1", "a2", "group")
    )
    assert set(messages.values_list("channel", "kind")) == {("email", "daily_call_summary")}
    assert not OutboundMessage.objects.filter(store=store_a, to=managers["b"].email).exists()
    # Store B's managers get store B's report.
    assert sorted(summaries(store_b).values_list("to", flat=True)) == sorted(
        [managers["group"].email, managers["b"].email]
    )


@pytest.mark.django_db
def test_running_again_makes_nothing_new(store_a, managers, day_of_calls):
    assert send_end_of_day_reports(now=at(18, 5)) == 4  # yesterday and today, of both stores
    reports, messages = EndOfDayReport.objects.count(), OutboundMessage.objects.count()
    assert send_end_of_day_reports(now=at(18, 10)) == 0
    assert send_end_of_day_reports(now=at(9, day=DAY + dt.timedelta(days=1))) == 0  # today's is made
    assert (EndOfDayReport.objects.count(), OutboundMessage.objects.count()) == (reports, messages)


@pytest.mark.django_db
def test_a_missed_closing_time_is_caught_up_the_next_morning(store_a, managers, day_of_calls):
    send_end_of_day_reports(now=at(9, day=DAY + dt.timedelta(days=1)))  # nothing ran last evening
    report = EndOfDayReport.objects.get(store=store_a, day=DAY)
    assert (report.figures["made"], report.figures["reached"]) == (6, 4)
    assert summaries(store_a).count() == 3


@pytest.mark.django_db
def test_the_summary_is_emailed_to_the_managers(store_a, managers, day_of_calls, mailoutbox):
    call_command("seed_message_templates", stdout=io.StringIO())
    send_end_of_day_reports(now=at(18, 5))
    counts = send_due_messages(now=NOON)
    assert counts["sent"] == OutboundMessage.objects.count()
    mails = [mail for mail in mailoutbox if "2026-11-02" in mail.subject and store_a.name in mail.subject]
    assert sorted(to for mail in mails for to in mail.to) == sorted(
        managers[name].email for name in ("a1", "a2", "group")
    )
    body = mails[0].body
    r3, r4 = day_of_calls["r3"], day_of_calls["r4"]
    for text in (r3.customer.name, r3.visit.order_no, "刹车还是异响", r4.customer.name, "费用没解释清楚", "75.0%",
                 "3.75"):
        assert text in body
    assert "乙店的事" not in body


@pytest.mark.django_db
def test_quiet_hours_hold_the_summary_until_the_morning(store_a, managers, mailoutbox):
    call_command("seed_message_templates", stdout=io.StringIO())
    send_end_of_day_reports(now=at(18, 5))
    late = dt.datetime.combine(NOON.date(), dt.time(22), tzinfo=SHANGHAI)
    assert send_due_messages(now=late)["deferred"] == OutboundMessage.objects.count()
    assert mailoutbox == []
    assert send_due_messages(now=late + dt.timedelta(hours=10))["sent"] == OutboundMessage.objects.count()


# --- Weekly findings ---------------------------------------------------------------------------
@pytest.fixture
def heads(store_a, make_user):
    heads = {}
    for kind in ("workshop", "finance", "sales", "customer_service"):
        heads[kind] = make_user("dept_head", [store_a], email=f"{kind}@a.example.com")
        DepartmentFactory(store=store_a, kind=kind, name=kind, head=heads[kind])
    return heads


@pytest.fixture
def week_of_findings(store_a, personas):
    """Findings of the week from Monday DAY: one about repair quality, one about the price, one
    on a new-car follow-up; and one of the week before, reported then."""
    agent = personas["cs_agent"]
    new_car = VehicleFactory(owner=CustomerFactory(store=store_a), bought_here=True,
                             purchase_date=DAY - dt.timedelta(days=3))
    create_followups(day=DAY)
    sales_call = FollowUp.objects.get(vehicle=new_car)
    quality = FollowUpFactory(store=store_a, due_on=DAY)
    price = FollowUpFactory(store=store_a, due_on=DAY + dt.timedelta(days=2))
    before = FollowUpFactory(store=store_a, due_on=DAY - dt.timedelta(days=3))
    reached(quality, agent, at(10), overall=4, repair_quality=2, comment="异响没修好")
    reached(price, agent, at(10, day=DAY + dt.timedelta(days=2)), overall=4, pickup_price=1, comment="价格太贵")
    reached(before, agent, at(10, day=DAY - dt.timedelta(days=3)), overall=4, repair_quality=1, comment="上周的事")
    Dissatisfaction.objects.create(
        store=store_a, customer=sales_call.customer, followup=sales_call, reasons=["overall"],
        customer_words="交车时功能没讲清楚", recorded_by=agent, created_at=at(15, day=DAY + dt.timedelta(days=6)),
    )
    return {"quality": quality, "price": price, "before": before, "sales": sales_call}


def findings_to(email):
    return OutboundMessage.objects.filter(kind="weekly_findings", to=email)


@pytest.mark.django_db
def test_each_department_gets_the_findings_that_concern_it(store_a, heads, week_of_findings):
    send_weekly_findings(now=at(9, day=DAY + dt.timedelta(days=7)))  # the next Monday
    names = {key: f.customer.name for key, f in week_of_findings.items()}
    [workshop] = findings_to(heads["workshop"].email)
    assert names["quality"] in workshop.context["summary"] and "异响没修好" in workshop.context["summary"]
    assert names["price"] not in workshop.context["summary"]
    assert names["before"] not in workshop.context["summary"]  # last week's, reported then
    [finance] = findings_to(heads["finance"].email)
    assert names["price"] in finance.context["summary"] and names["quality"] not in finance.context["summary"]
    [sales] = findings_to(heads["sales"].email)
    assert names["sales"] in sales.context["summary"] and names["quality"] not in sales.context["summary"]
    assert not findings_to(heads["customer_service"].email).exists()
    assert workshop.context["week"] == "2026-11-02" and workshop.channel == "email"


@pytest.mark.django_db
def test_weekly_findings_are_queued_once(store_a, heads, week_of_findings):
    send_weekly_findings(now=at(9, day=DAY + dt.timedelta(days=7)))
    send_weekly_findings(now=at(10, day=DAY + dt.timedelta(days=8)))
    assert OutboundMessage.objects.filter(kind="weekly_findings").count() == 3


@pytest.mark.django_db
def test_a_department_without_a_head_with_an_email_gets_nothing(store_a, week_of_findings):
    DepartmentFactory(store=store_a, kind=Department.Kind.WORKSHOP, name="车间", head=None)
    assert send_weekly_findings(now=at(9, day=DAY + dt.timedelta(days=7))) == 0
    assert not OutboundMessage.objects.filter(kind="weekly_findings").exists()


@pytest.mark.django_db
def test_the_report_texts_name_the_store_the_day_and_the_department(store_a, managers, heads, week_of_findings):
    send_end_of_day_reports(now=at(18, 5))
    send_weekly_findings(now=at(9, day=DAY + dt.timedelta(days=7)))
    summary = summaries(store_a).first().context["summary"]
    findings = findings_to(heads["workshop"].email).get().context["summary"]
    assert "{" not in summary and "{" not in findings
    assert summary.splitlines()[0].count(store_a.name) == 1 and "2026-11-02" in summary.splitlines()[0]
    assert "workshop" in findings.splitlines()[0] and "2026-11-02" in findings.splitlines()[0]


@pytest.mark.django_db
def test_days_missed_since_the_last_report_are_all_made_up(store_a, managers):
    send_end_of_day_reports(now=at(18, 5))  # reports up to DAY
    later = DAY + dt.timedelta(days=4)
    send_end_of_day_reports(now=at(9, day=later))  # three evenings went by without the job
    days = sorted(EndOfDayReport.objects.filter(store=store_a).values_list("day", flat=True))
    assert days == [YESTERDAY + dt.timedelta(days=n) for n in range(5)]  # YESTERDAY … later − 1


@pytest.mark.django_db
def test_a_manager_who_works_in_english_gets_the_summary_in_english(store_a, managers, day_of_calls):
    managers["a2"].language = "en"
    managers["a2"].save(update_fields=["language"])
    send_end_of_day_reports(now=at(18, 5))
    english = summaries(store_a).get(to=managers["a2"].email)
    chinese = summaries(store_a).get(to=managers["a1"].email)
    assert english.language == "en" and "Calls made: 6" in english.context["summary"]
    assert chinese.language == "zh-hans" and "Calls made" not in chinese.context["summary"]


@pytest.mark.django_db
def test_a_department_head_who_works_in_english_gets_the_findings_in_english(store_a, heads, week_of_findings):
    heads["workshop"].language = "en"
    heads["workshop"].save(update_fields=["language"])
    send_weekly_findings(now=at(9, day=DAY + dt.timedelta(days=7)))
    [workshop] = findings_to(heads["workshop"].email)
    [finance] = findings_to(heads["finance"].email)
    assert workshop.language == "en" and finance.language == "zh-hans"
    assert workshop.context["summary"].startswith("1 finding for Workshop in the week from 2026-11-02")
    assert workshop.context["department"] == "Workshop" and "finding for" not in finance.context["summary"]
