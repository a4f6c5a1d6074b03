"""The staff lists of calls, survey answers and dissatisfactions (the KPI figures' drill-downs):
filters, a fixed number of queries, store scoping and masked mobiles."""
import datetime as dt

import pytest
from django.urls import reverse

from aftersales.tests.factories import FollowUpFactory
from visits.models import Dissatisfaction, SurveyResponse
from visits.services import record_attempt, record_on_site_survey
from visits.selectors import LIST_PAGE

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 10, 12)


def answers(score, fixed_right=True):
    return {"overall": score, "booking": score, "advisor": score, "repair_quality": score, "timeliness": score,
            "facility": score, "pickup_price": score, "fixed_right": fixed_right}


@pytest.fixture
def calls(store_a, personas):
    """happy (reached, 5), unhappy (reached, 1, not fixed right), pending, and a warranty call."""
    happy = FollowUpFactory(store=store_a, due_on=DAY)
    unhappy = FollowUpFactory(store=store_a, due_on=DAY + dt.timedelta(days=1))
    pending = FollowUpFactory(store=store_a, due_on=DAY + dt.timedelta(days=2))
    warranty = FollowUpFactory(store=store_a, due_on=DAY + dt.timedelta(days=3), repair_type="warranty")
    agent = personas["cs_agent"]
    record_attempt(followup_id=happy.pk, agent=agent, outcome="reached", answers=answers(5))
    record_attempt(followup_id=unhappy.pk, agent=agent, outcome="reached", answers=answers(1, fixed_right=False))
    return {"happy": happy, "unhappy": unhappy, "pending": pending, "warranty": warranty}


def listed(client, name, **params):
    response = client.get(reverse(f"visits:{name}"), params)
    assert response.status_code == 200
    return response


def rows(response):
    return [row for row in response.context["page"]]


def test_the_call_list_filters_by_status_outcome_and_kind_of_repair(client, personas, calls):
    client.force_login(personas["manager"])
    assert {f.pk for f in rows(listed(client, "followup_list", status="pending"))} == {
        calls["pending"].pk, calls["warranty"].pk}
    assert {f.pk for f in rows(listed(client, "followup_list", outcome="reached"))} == {
        calls["happy"].pk, calls["unhappy"].pk}
    assert [f.pk for f in rows(listed(client, "followup_list", repair_type="warranty"))] == [calls["warranty"].pk]
    assert len(rows(listed(client, "followup_list", kind="repair_type"))) == 4


def test_the_call_list_filters_by_the_survey_s_answers(client, personas, calls):
    client.force_login(personas["manager"])
    assert [f.pk for f in rows(listed(client, "followup_list", survey="satisfied"))] == [calls["happy"].pk]
    assert [f.pk for f in rows(listed(client, "followup_list", survey="dissatisfied"))] == [calls["unhappy"].pk]
    assert [f.pk for f in rows(listed(client, "followup_list", survey="not_fixed_right"))] == [calls["unhappy"].pk]
    assert len(rows(listed(client, "followup_list", survey="answered"))) == 2


def test_the_call_list_s_kpi_filter_counts_what_the_figures_count(client, personas, calls):
    client.force_login(personas["manager"])
    period = {"due_after": DAY.isoformat(), "due_before": (DAY + dt.timedelta(days=10)).isoformat()}
    counts = {kpi: listed(client, "followup_list", kpi=kpi, **period).context["count"]
              for kpi in ("due", "made", "reached", "warranty_due", "warranty_made")}
    assert counts == {"due": 4, "made": 2, "reached": 2, "warranty_due": 1, "warranty_made": 0}


def test_a_skipped_call_is_not_due(client, personas, store_a):
    FollowUpFactory(store=store_a, due_on=DAY, status="skipped", skip_reason="do_not_contact")
    client.force_login(personas["manager"])
    assert listed(client, "followup_list", kpi="due").context["count"] == 0
    assert listed(client, "followup_list").context["count"] == 1


def test_the_survey_list_has_the_on_site_answers_too(client, personas, calls):
    visit = calls["pending"].visit
    record_on_site_survey(visit=visit, by=personas["advisor"], answers={"overall": 4, "fixed_right": True})
    client.force_login(personas["manager"])
    assert listed(client, "survey_list", source="on_site").context["count"] == 1
    assert listed(client, "survey_list", kpi="overall_satisfied").context["count"] == 2
    assert listed(client, "survey_list", kpi="booking_answered").context["count"] == 2
    assert listed(client, "survey_list", answer="dissatisfied").context["count"] == 1


def test_the_dissatisfaction_list_lists_the_unhappy_answers(client, personas, calls):
    client.force_login(personas["manager"])
    response = listed(client, "dissatisfaction_list")
    assert [d.followup_id for d in rows(response)] == [calls["unhappy"].pk]
    assert listed(client, "dissatisfaction_list", status="dismissed").context["count"] == 0


def test_the_survey_list_reads_dates_in_the_store_s_time_zone(client, personas, calls):
    # Recorded just after midnight in Shanghai: the local day, not the UTC one (still the day before).
    survey = SurveyResponse.objects.get(followup=calls["happy"])
    SurveyResponse.objects.filter(pk=survey.pk).update(
        recorded_at=dt.datetime(2026, 10, 20, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    client.force_login(personas["manager"])
    params = {"recorded_after": "2026-10-20", "recorded_before": "2026-10-20"}
    assert [s.pk for s in rows(listed(client, "survey_list", **params))] == [survey.pk]


# Each list reads its page's ids by the filters, then the rows by id (one statement whatever the
# filters, planned once per connection): one query more than reading them together.
# The user's stores come with their access, from the cache (aftersales.access).
@pytest.mark.parametrize("name,queries", [("followup_list", 4), ("survey_list", 4), ("dissatisfaction_list", 4)])
def test_each_list_runs_a_fixed_number_of_queries(client, personas, store_a, name, queries,
                                                  django_assert_num_queries):
    client.force_login(personas["manager"])
    for day in range(3):
        followup = FollowUpFactory(store=store_a, due_on=DAY + dt.timedelta(days=day))
        record_attempt(followup_id=followup.pk, agent=personas["cs_agent"], outcome="reached", answers=answers(1))
    with django_assert_num_queries(queries) as few:
        listed(client, name)
    for day in range(3, 9):
        followup = FollowUpFactory(store=store_a, due_on=DAY + dt.timedelta(days=day))
        record_attempt(followup_id=followup.pk, agent=personas["cs_agent"], outcome="reached", answers=answers(1))
    with django_assert_num_queries(len(few.captured_queries)):
        listed(client, name)


@pytest.mark.parametrize("name", ["followup_list", "survey_list", "dissatisfaction_list"])
def test_another_store_s_records_are_not_listed(client, personas, store_a, store_b, make_user, name):
    followup = FollowUpFactory(store=store_b, due_on=DAY)
    record_attempt(followup_id=followup.pk, agent=make_user("cs_agent", [store_b]), outcome="reached",
                   answers=answers(1))
    client.force_login(personas["manager"])
    assert listed(client, name).context["count"] == 0
    # Naming the other store lists nothing either.
    assert listed(client, name, store=store_b.pk).context["count"] == 0


def test_the_mobile_is_masked(client, personas, calls):
    client.force_login(personas["manager"])
    body = listed(client, "followup_list").content.decode()
    mobile = calls["happy"].customer.mobile
    assert mobile not in body and calls["happy"].customer.masked_mobile in body


@pytest.mark.parametrize("role", ["cs_agent", "advisor", "dept_head"])
def test_roles_without_the_call_reports_have_no_lists(client, personas, role):
    client.force_login(personas[role])
    for name in ("followup_list", "survey_list", "dissatisfaction_list"):
        assert client.get(reverse(f"visits:{name}")).status_code == 403


def test_the_list_pages_on_to_the_next_rows(client, personas, store_a):
    for day in range(LIST_PAGE + 2):
        FollowUpFactory(store=store_a, due_on=DAY + dt.timedelta(days=day))
    client.force_login(personas["manager"])
    first = listed(client, "followup_list")
    assert len(rows(first)) == LIST_PAGE and first.context["count"] == LIST_PAGE + 2
    second = listed(client, "followup_list", after=first.context["page"].next_cursor)
    assert len(rows(second)) == 2
    assert not {f.pk for f in rows(first)} & {f.pk for f in rows(second)}


def test_dissatisfactions_without_a_survey_are_listed(client, personas, store_a):
    """A call without the survey (sales, care) records an unhappy overall answer all the same."""
    followup = FollowUpFactory(store=store_a, due_on=DAY)
    Dissatisfaction.objects.create(store=store_a, customer=followup.customer, followup=followup,
                                   reasons=["overall"], recorded_by=personas["cs_agent"])
    client.force_login(personas["manager"])
    assert listed(client, "dissatisfaction_list").context["count"] == 1


def _row_cells(body, followup):
    import re

    url = reverse("customers:detail", args=[followup.customer_id])
    [row] = [row for row in re.findall(r'<tr data-testid="row">(.*?)</tr>', body, re.S) if f'href="{url}"' in row]
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]


@pytest.mark.parametrize("language,status,outcome", [("zh-hans", "已完成", "已接通"), ("en", "Done", "Reached")])
def test_a_call_row_shows_its_order_kind_advisor_and_answer(client, personas, calls, language, status, outcome):
    manager = personas["manager"]
    manager.language = language
    manager.save(update_fields=["language"])
    client.force_login(manager)
    happy = calls["happy"]
    body = listed(client, "followup_list").content.decode()
    assert _row_cells(body, happy) == [
        DAY.isoformat(), f"{happy.customer.name} {happy.customer.masked_mobile}", happy.vehicle.plate,
        happy.visit.order_no, str(happy.rule.label), str(happy.visit.advisor or ""), status, outcome, "5",
    ]
    pending = _row_cells(body, calls["pending"])
    assert pending[-3:-1] == [str(calls["pending"].get_status_display()), ""] and pending[-1] == ""
