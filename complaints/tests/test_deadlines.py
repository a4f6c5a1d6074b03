"""Each step's deadline, computed once and stored: 24 hours to acknowledge, 3 working days for
the department's answer, 1 working day for the callback (defaults), by the statutory calendar
with its make-up working days, per store, category and severity; moved when the calendar is
corrected."""
import datetime as dt
import zoneinfo

import pytest

from aftersales.tests.factories import DepartmentFactory, make_complaint
from complaints.calendar import load_year
from complaints.deadlines import recompute_deadlines
from complaints.models import CalendarDay, ComplaintEscalation, DeadlinePolicy

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(*args):
    return dt.datetime(*args, tzinfo=SHANGHAI)


def end_of(day):
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def calendars():
    for year in (2025, 2026):
        load_year(year)


@pytest.fixture
def supervisor(personas):
    return personas["cs_supervisor"]


def test_a_new_complaint_is_due_for_acknowledgement_in_24_hours(store_a, supervisor):
    complaint = make_complaint(store=store_a, by=supervisor, now=at(2026, 11, 27, 17, 30))
    assert complaint.due_at == at(2026, 11, 28, 17, 30)
    escalation = ComplaintEscalation.objects.get(complaint=complaint)
    assert escalation.escalate_at == complaint.due_at and escalation.level == 0


def test_the_answer_assigned_on_a_friday_is_due_on_wednesday(store_a, supervisor):
    complaint = make_complaint(store=store_a, by=supervisor, now=at(2026, 11, 27, 10))
    complaint.assign(by=supervisor, department=DepartmentFactory(store=store_a), now=at(2026, 11, 27, 11))
    complaint.refresh_from_db()
    assert complaint.step_started_at == at(2026, 11, 27, 11)
    assert complaint.due_at == end_of(dt.date(2026, 12, 2))


def test_the_answer_across_spring_festival_counts_the_make_up_saturday(store_a, supervisor):
    # Assigned Friday 13 Feb 2026: Saturday the 14th is worked, the 15th–23rd are off.
    complaint = make_complaint(store=store_a, by=supervisor, now=at(2026, 2, 13, 9))
    complaint.assign(by=supervisor, department=DepartmentFactory(store=store_a), now=at(2026, 2, 13, 9, 30))
    assert complaint.due_at == end_of(dt.date(2026, 2, 25))


def test_the_callback_across_national_day_is_due_on_the_first_working_day_after(store_a, supervisor):
    # Answered Tuesday 30 Sep 2025: 1–8 Oct are off, Thursday the 9th is the next working day.
    complaint = make_complaint(store=store_a, by=supervisor, status="assigned", now=at(2025, 9, 29, 9))
    complaint.answer(by=supervisor, investigation="查", root_cause="因", corrective_action="改", resolution="赔",
                     now=at(2025, 9, 30, 16))
    assert complaint.due_at == end_of(dt.date(2025, 10, 9))


def test_the_make_up_sunday_before_national_day_counts_as_a_working_day(store_a, supervisor):
    complaint = make_complaint(store=store_a, by=supervisor, status="assigned", now=at(2025, 9, 26, 9))
    complaint.answer(by=supervisor, investigation="查", root_cause="因", corrective_action="改", resolution="赔",
                     now=at(2025, 9, 26, 15))
    assert complaint.due_at == end_of(dt.date(2025, 9, 28))


def test_a_store_s_policy_for_a_category_and_severity_wins_over_its_general_one(store_a, supervisor):
    DeadlinePolicy.objects.create(store=store_a, answer_working_days=5)
    DeadlinePolicy.objects.create(store=store_a, category="repair_quality", severity="major",
                                  acknowledge_hours=2, answer_working_days=1)
    major = make_complaint(store=store_a, by=supervisor, severity="major", now=at(2026, 11, 26, 9))
    assert major.due_at == at(2026, 11, 26, 11)
    major.assign(by=supervisor, department=DepartmentFactory(store=store_a), now=at(2026, 11, 26, 10))
    assert major.due_at == end_of(dt.date(2026, 11, 27))
    general = make_complaint(store=store_a, by=supervisor, status="assigned", now=at(2026, 11, 26, 9))
    assert general.due_at == end_of(dt.date(2026, 12, 3))


def test_another_store_s_policy_does_not_apply(store_a, store_b, supervisor):
    DeadlinePolicy.objects.create(store=store_b, acknowledge_hours=1)
    complaint = make_complaint(store=store_a, by=supervisor, now=at(2026, 11, 26, 9))
    assert complaint.due_at == at(2026, 11, 27, 9)


def test_closing_or_cancelling_clears_the_deadline(store_a, supervisor):
    closed = make_complaint(store=store_a, by=supervisor, status="closed")
    cancelled = make_complaint(store=store_a, by=supervisor, status="cancelled")
    for complaint in (closed, cancelled):
        complaint.refresh_from_db()
        assert complaint.due_at is None and complaint.escalation.escalate_at is None and complaint.closed_at


def test_a_day_off_added_by_an_administrator_moves_the_deadlines_it_falls_in(store_a, supervisor):
    complaint = make_complaint(store=store_a, by=supervisor, status="assigned", now=at(2026, 11, 27, 10))
    untouched = make_complaint(store=store_a, by=supervisor, status="assigned", now=at(2026, 12, 7, 10))
    assert complaint.due_at == end_of(dt.date(2026, 12, 2))
    CalendarDay.objects.create(day=dt.date(2026, 12, 1), is_working_day=False, name="公司年会")
    assert recompute_deadlines(dt.date(2026, 12, 1)) == 1
    complaint.refresh_from_db()
    assert complaint.due_at == end_of(dt.date(2026, 12, 3))
    assert ComplaintEscalation.objects.get(complaint=complaint).escalate_at == complaint.due_at
    before = untouched.due_at
    untouched.refresh_from_db()
    assert untouched.due_at == before


def test_saving_a_day_in_the_admin_recomputes_deadlines_in_the_worker(
    store_a, supervisor, client, celery_worker, personas
):
    from aftersales.tests.concurrency import wait_for

    complaint = make_complaint(store=store_a, by=supervisor, status="assigned", now=at(2026, 11, 27, 10))
    client.force_login(personas["admin"])
    response = client.post("/admin/complaints/calendarday/add/", {
        "day": "2026-12-01", "is_working_day": "", "name": "公司年会",
    })
    assert response.status_code == 302
    assert wait_for(lambda: complaint.__class__.objects.get(pk=complaint.pk).due_at == end_of(dt.date(2026, 12, 3)))


def test_a_store_s_administrator_sees_and_sets_only_that_store_s_deadlines(client, personas, store_a, store_b):
    DeadlinePolicy.objects.create(store=store_b, acknowledge_hours=1)
    mine = DeadlinePolicy.objects.create(store=store_a, acknowledge_hours=12)
    client.force_login(personas["admin"])
    listing = client.get("/admin/complaints/deadlinepolicy/")
    assert list(listing.context["cl"].result_list) == [mine]
    form = client.get("/admin/complaints/deadlinepolicy/add/").context["adminform"].form
    assert list(form.fields["store"].queryset) == [store_a]
