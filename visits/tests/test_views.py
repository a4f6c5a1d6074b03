"""The agent's pages: the queue, "next call", the call screen, the supervisor's and the
manager's views, and the advisor's on-site survey, through Django's test client."""
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from aftersales.tests.factories import CustomerFactory, ServiceVisitFactory, VehicleFactory
from visits.models import CallAttempt, Dissatisfaction, FollowUp, FollowUpRule, SurveyResponse
from visits.services import create_followups

pytestmark = pytest.mark.django_db


def due_call(store, *, days_ago=3, repair_type="maintenance", **visit_fields):
    """A follow-up due today: a repair order closed `days_ago` days ago, picked up by the job."""
    today = timezone.localdate()
    closed = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=days_ago), dt.time(15)))
    vehicle = VehicleFactory(owner=CustomerFactory(store=store, mobile="13812345678"))
    visit = ServiceVisitFactory(
        vehicle=vehicle, repair_type=repair_type, opened_at=closed - dt.timedelta(hours=4), closed_at=closed,
        work_summary="更换机油机滤", technician_name="王师傅", **visit_fields,
    )
    create_followups(day=today)
    return visit.followups.get()


def test_agent_sees_the_due_and_overdue_calls_of_their_store_only(client, personas, store_a, store_b):
    mine, overdue, other = due_call(store_a), due_call(store_a, days_ago=5), due_call(store_b)
    client.force_login(personas["cs_agent"])
    response = client.get(reverse("visits:queue"))
    assert response.status_code == 200
    shown = [item["pk"] for item in response.context["items"]]
    assert shown == [overdue.pk, mine.pk]  # the overdue call first
    assert other.pk not in shown
    assert response.context["totals"]["overdue"] == 1
    assert "table-danger" in response.content.decode()


def test_queue_page_runs_a_fixed_number_of_queries(client, personas, store_a, django_assert_num_queries):
    due_call(store_a)
    client.force_login(personas["cs_agent"])
    client.get(reverse("visits:queue"))  # warm the session and permission caches alike
    # The user (their stores come with their access, from the cache), the page's ids, their
    # rows, rules, staff, merged calls, counts, the agent's own call.
    with django_assert_num_queries(8) as few:
        client.get(reverse("visits:queue"))
    for _ in range(15):
        due_call(store_a, repair_type="major_overhaul", days_ago=10)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(reverse("visits:queue"))
    assert len(response.context["items"]) == 16


def test_the_queue_reads_its_rows_by_id_in_one_statement_whatever_the_stores(
        client, personas, store_a, store_b, make_user, django_assert_max_num_queries):
    """The page's calls are picked from their own table; their rows (five tables joined) are read
    by id in a statement that is the same for any stores, so the connection plans it once."""
    first, second = due_call(store_a), due_call(store_b, days_ago=10)  # the second overdue: first
    client.force_login(make_user("cs_supervisor", [store_a, store_b], username="sup_queue"))
    statements = []
    for params in ({"store": store_a.pk}, {}):
        with django_assert_max_num_queries(12) as queries:
            response = client.get(reverse("visits:queue"), params)
        statements.append(next(q["sql"] for q in queries.captured_queries if "= ANY(" in q["sql"]))
    assert [item["pk"] for item in response.context["items"]] == [second.pk, first.pk]
    assert statements[0] == statements[1]


@pytest.mark.parametrize("language,overdue_label,retry_label", [
    ("zh-hans", "已逾期", "重拨时间"), ("en", "Overdue", "Retry at")])
def test_a_queue_row_shows_its_cells_in_the_user_s_language(client, personas, store_a, language, overdue_label,
                                                            retry_label):
    import re

    agent = personas["cs_agent"]
    agent.language = language
    agent.save(update_fields=["language"])
    followup = due_call(store_a, days_ago=5)
    retry = timezone.now() + dt.timedelta(hours=2)
    FollowUp.objects.filter(pk=followup.pk).update(next_call_at=retry, attempt_count=2, assigned_to=agent)
    customer = followup.customer
    customer.name = "王<五>"
    customer.save(update_fields=["name"])
    client.force_login(agent)
    body = client.get(reverse("visits:queue")).content.decode()
    [row] = re.findall(r'<tr data-testid="queue-item" class="table-danger">(.*?)</tr>', body, re.S)
    cells = [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
    followup.refresh_from_db()
    due, plate = followup.due_on, followup.vehicle.plate
    assert cells[0] == f"{due:%m-%d} {overdue_label}"
    assert cells[1] == "王&lt;五&gt;" and cells[2] == plate
    assert followup.visit.order_no in cells[3]
    assert cells[5].startswith(f"{retry_label} {timezone.localtime(retry):%m-%d %H:%M}")
    assert str(agent) in cells[5] and cells[5].endswith("2×")
    assert f'href="{reverse("visits:call", args=[followup.pk])}"' in row


def test_htmx_refresh_returns_only_the_queue_body(client, personas, store_a):
    due_call(store_a)
    client.force_login(personas["cs_agent"])
    response = client.get(reverse("visits:queue"), headers={"HX-Request": "true"})
    body = response.content.decode()
    assert 'data-testid="queue"' in body and "<html" not in body


def test_next_call_claims_the_first_call_and_opens_its_screen(client, personas, store_a):
    followup = due_call(store_a)
    client.force_login(personas["cs_agent"])
    response = client.post(reverse("visits:next_call"))
    assert response.status_code == 302 and response.url == reverse("visits:call", args=[followup.pk])
    followup.refresh_from_db()
    assert followup.claimed_by == personas["cs_agent"] and followup.claimed_until > timezone.now()


def test_next_call_with_nothing_to_call_says_so(client, personas, store_a):
    client.force_login(personas["cs_agent"])
    response = client.post(reverse("visits:next_call"), follow=True)
    assert "队列为空" in response.content.decode() or "queue is empty" in response.content.decode()


def test_next_call_refuses_get(client, personas, store_a):
    due_call(store_a)
    client.force_login(personas["cs_agent"])
    assert client.get(reverse("visits:next_call")).status_code == 405
    assert not FollowUp.objects.filter(claimed_by__isnull=False).exists()


@pytest.mark.parametrize("role", ["dept_head", "advisor", None])
def test_roles_that_do_not_call_customers_have_no_queue(client, personas, nobody, store_a, role):
    followup = due_call(store_a)
    client.force_login(personas[role] if role else nobody)
    assert client.get(reverse("visits:queue")).status_code == 403
    assert client.post(reverse("visits:next_call")).status_code == 403
    assert client.get(reverse("visits:call", args=[followup.pk])).status_code == 403


def test_anonymous_users_are_sent_to_the_login(client, store_a):
    response = client.get(reverse("visits:queue"))
    assert response.status_code == 302 and reverse("login") in response.url


def test_another_store_s_call_is_not_found(client, personas, store_a, store_b):
    other = due_call(store_b)
    client.force_login(personas["cs_agent"])
    assert client.get(reverse("visits:call", args=[other.pk])).status_code == 404
    assert client.post(reverse("visits:record_call", args=[other.pk]), {"outcome": "no_answer"}).status_code == 404


def test_call_screen_shows_the_order_the_script_and_a_masked_number(client, personas, store_a):
    followup = due_call(store_a, declined_work="建议更换刹车片")
    FollowUpRule.objects.filter(pk=followup.rule_id).update(call_script="您好，我是甲店客服，回访您的保养体验。")
    client.force_login(personas["cs_agent"])
    body = client.get(reverse("visits:call", args=[followup.pk])).content.decode()
    assert followup.visit.order_no in body and "更换机油机滤" in body and "王师傅" in body
    assert "建议更换刹车片" in body
    assert "您好，我是甲店客服" in body
    assert "138****5678" in body and "13812345678" not in body


def test_department_head_never_sees_the_full_number_on_the_customer_file(client, personas, store_a):
    followup = due_call(store_a)
    client.force_login(personas["dept_head"])
    body = client.get(reverse("customers:detail", args=[followup.customer_id])).content.decode()
    assert "13812345678" not in body and 'data-testid="reveal-mobile"' not in body


def test_no_answer_puts_the_call_back_into_the_queue_later(client, personas, store_a):
    followup = due_call(store_a)
    client.force_login(personas["cs_agent"])
    client.post(reverse("visits:next_call"))
    response = client.post(reverse("visits:record_call", args=[followup.pk]), {"outcome": "no_answer"})
    assert response.status_code == 302
    followup.refresh_from_db()
    assert followup.status == "pending" and followup.attempt_count == 1
    assert followup.next_call_at > timezone.now() + dt.timedelta(minutes=119)
    assert followup.claimed_by is None


def test_reached_without_the_overall_score_is_refused_and_changes_nothing(client, personas, store_a):
    followup = due_call(store_a)
    client.force_login(personas["cs_agent"])
    response = client.post(reverse("visits:record_call", args=[followup.pk]), {"outcome": "reached", "advisor": "5"})
    assert response.status_code == 400
    # The message that asks for the overall score, beside its question (the label alone is
    # always on the page).
    assert response.context["survey_form"].errors["overall"] == ["结束回访前请询问总体满意度。"]
    assert "结束回访前请询问总体满意度。" in response.content.decode()
    followup.refresh_from_db()
    assert followup.status == "pending" and not CallAttempt.objects.exists()


def test_call_back_needs_a_future_time(client, personas, store_a):
    followup = due_call(store_a)
    client.force_login(personas["cs_agent"])
    past = (timezone.localtime() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(reverse("visits:record_call", args=[followup.pk]),
                           {"outcome": "call_back", "call_back_at": past})
    assert response.status_code == 400 and not CallAttempt.objects.exists()
    later = (timezone.localtime() + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    client.post(reverse("visits:record_call", args=[followup.pk]), {"outcome": "call_back", "call_back_at": later})
    followup.refresh_from_db()
    assert timezone.localtime(followup.next_call_at).strftime("%Y-%m-%dT%H:%M") == later


def test_an_unhappy_answer_is_on_the_customer_file_at_once(client, personas, store_a):
    followup = due_call(store_a)
    client.force_login(personas["cs_agent"])
    client.post(reverse("visits:next_call"))
    answers = {"outcome": "reached", "overall": "4", "booking": "5", "advisor": "5", "repair_quality": "4",
               "fixed_right": "no", "timeliness": "2", "facility": "5", "pickup_price": "4",
               "comment": "等了三个小时才交车"}
    response = client.post(reverse("visits:record_call", args=[followup.pk]), answers)
    assert response.status_code == 302
    survey = SurveyResponse.objects.get(followup=followup)
    assert survey.timeliness == 2 and survey.fixed_right is False
    dissatisfaction = Dissatisfaction.objects.get()
    assert dissatisfaction.reasons == ["timeliness", "fixed_right"] and dissatisfaction.visit == followup.visit
    body = client.get(reverse("customers:detail", args=[followup.customer_id])).content.decode()
    assert 'data-testid="dissatisfied-flag"' in body
    section = client.get(reverse("visits:customer_calls", args=[followup.customer_id])).content.decode()
    assert "等了三个小时才交车" in section


def test_supervisor_assigns_a_call_to_an_agent(client, personas, store_a, make_user):
    followup = due_call(store_a)
    second_agent = make_user("cs_agent", [store_a], username="agent2")
    client.force_login(personas["cs_supervisor"])
    response = client.post(reverse("visits:assign_call", args=[followup.pk]), {"agent": second_agent.pk})
    assert response.status_code == 302
    followup.refresh_from_db()
    assert followup.assigned_to == second_agent
    client.force_login(personas["cs_agent"])
    assert client.post(reverse("visits:next_call")).url == reverse("visits:queue")  # not theirs
    client.force_login(second_agent)
    assert client.post(reverse("visits:next_call")).url == reverse("visits:call", args=[followup.pk])


def test_agents_cannot_assign(client, personas, store_a):
    followup = due_call(store_a)
    client.force_login(personas["cs_agent"])
    response = client.post(reverse("visits:assign_call", args=[followup.pk]), {"agent": personas["cs_agent"].pk})
    assert response.status_code == 403


def test_on_site_answers_are_not_asked_again_on_the_call(client, personas, store_a):
    followup = due_call(store_a)
    client.force_login(personas["advisor"])
    response = client.post(reverse("visits:on_site_survey", args=[followup.visit_id]),
                           {"facility": "5", "pickup_price": "4"})
    assert response.status_code == 302
    client.force_login(personas["cs_agent"])
    response = client.get(reverse("visits:call", args=[followup.pk]))
    assert "facility" not in response.context["questions"] and "pickup_price" not in response.context["questions"]
    assert 'data-testid="on-site-answers"' in response.content.decode()


def test_on_site_survey_twice_is_refused(client, personas, store_a):
    followup = due_call(store_a)
    client.force_login(personas["advisor"])
    client.post(reverse("visits:on_site_survey", args=[followup.visit_id]), {"overall": "5"})
    response = client.post(reverse("visits:on_site_survey", args=[followup.visit_id]), {"overall": "1"})
    assert response.status_code == 400
    assert SurveyResponse.objects.get().overall == 5


def test_supervisor_sees_each_agent_s_calls_today(client, personas, store_a):
    first, second = due_call(store_a), due_call(store_a, days_ago=6)
    client.force_login(personas["cs_agent"])
    client.post(reverse("visits:record_call", args=[second.pk]), {"outcome": "busy"})
    client.post(reverse("visits:record_call", args=[first.pk]), {"outcome": "reached", "overall": "5"})
    client.force_login(personas["cs_supervisor"])
    response = client.get(reverse("visits:today"))
    [agent] = response.context["agents"]
    assert (agent["made"], agent["reached"]) == (2, 1)
    assert response.context["queue"]["length"] == 1
    assert response.context["oldest"].pk == second.pk


def test_manager_reads_the_day_report_but_has_no_queue(client, personas, store_a):
    followup = due_call(store_a)
    client.force_login(personas["cs_agent"])
    client.post(reverse("visits:record_call", args=[followup.pk]),
                {"outcome": "reached", "overall": "1", "comment": "服务太差"})
    client.force_login(personas["manager"])
    response = client.get(reverse("visits:summary"))
    figures = response.context["figures"]
    assert (figures["due"], figures["made"], figures["reached"], figures["surveys"]) == (1, 1, 1, 1)
    assert "服务太差" in response.content.decode()
    assert client.get(reverse("visits:queue")).status_code == 403


def test_call_screen_runs_a_fixed_number_of_queries(client, personas, store_a, django_assert_num_queries):
    followup = due_call(store_a)
    client.force_login(personas["cs_agent"])
    url = reverse("visits:call", args=[followup.pk])
    client.get(url)
    # The call's repair order is read by key, not joined (planning the join of nine tables took
    # longer than the lookup); the on-site survey is read once, for the answers and the questions.
    with django_assert_num_queries(8) as few:
        client.get(url)
    queries = len(few.captured_queries)  # now: each request resets Django's query log
    for outcome in ["no_answer", "busy"]:
        client.post(reverse("visits:record_call", args=[followup.pk]), {"outcome": outcome})
    other = due_call(store_a, days_ago=4)
    client.post(reverse("visits:record_call", args=[other.pk]), {"outcome": "reached", "overall": "5"})
    with django_assert_num_queries(queries):
        response = client.get(url)
    assert len(response.context["attempts"]) == 2


def test_call_screen_shows_every_history_in_the_same_queries(client, personas, store_a, django_assert_num_queries):
    """A customer with a covered call, an unhappy answer still open, survey answers and dials:
    the screen shows each, and reads no column it lacks one query at a time."""
    today = timezone.localdate()
    customer = CustomerFactory(store=store_a, mobile="13812345678")

    def closed(days_ago, repair_type, order_no):
        at = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=days_ago), dt.time(15)))
        return ServiceVisitFactory(vehicle=VehicleFactory(owner=customer), repair_type=repair_type, order_no=order_no,
                                   opened_at=at - dt.timedelta(hours=4), closed_at=at)

    earlier = closed(4, "maintenance", "WO-EARLIER")
    create_followups(day=today)
    client.force_login(personas["cs_agent"])
    client.post(reverse("visits:record_call", args=[earlier.followups.get().pk]),
                {"outcome": "reached", "overall": "1", "comment": "等太久"})
    # As if no complaint had been made of it yet (the call makes one at once).
    Dissatisfaction.objects.filter(customer=customer).update(status=Dissatisfaction.Status.OPEN)
    closed(3, "maintenance", "WO-MAINT")
    closed(3, "warranty", "WO-WARRANTY")
    create_followups(day=today)
    primary = FollowUp.objects.in_queue().get(customer=customer)
    client.post(reverse("visits:record_call", args=[primary.pk]), {"outcome": "busy", "note": "占线"})
    url = reverse("visits:call", args=[primary.pk])
    client.get(url)
    with django_assert_num_queries(8):
        response = client.get(url)
    body = response.content.decode()
    assert len(response.context["covered"]) == 1 and len(response.context["open_dissatisfactions"]) == 1
    assert "WO-EARLIER" in body and "等太久" in body and "占线" in body and "WO-MAINT" in body
    assert personas["cs_agent"].get_full_name() in body


# The user's stores come with their access, from the cache.
@pytest.mark.parametrize("page,queries", [("visits:today", 4), ("visits:summary", 7)])
def test_report_pages_run_a_fixed_number_of_queries(client, personas, store_a, page, queries,
                                                    django_assert_num_queries):
    client.force_login(personas["cs_supervisor"])
    client.get(reverse(page))
    with django_assert_num_queries(queries):
        client.get(reverse(page))
    client.force_login(personas["cs_agent"])
    for days_ago in range(3, 9):
        followup = due_call(store_a, days_ago=days_ago)
        client.post(reverse("visits:record_call", args=[followup.pk]), {"outcome": "reached", "overall": "1"})
    client.force_login(personas["cs_supervisor"])
    client.get(reverse(page))
    with django_assert_num_queries(queries):
        client.get(reverse(page))


def test_correcting_a_wrong_number_clears_the_flag(client, personas, store_a):
    followup = due_call(store_a)
    client.force_login(personas["cs_agent"])
    client.post(reverse("visits:record_call", args=[followup.pk]), {"outcome": "wrong_number"})
    customer = followup.customer
    customer.refresh_from_db()
    assert customer.mobile_reported_wrong_at is not None
    response = client.post(reverse("customers:edit", args=[customer.pk]), {
        "name": customer.name, "mobile": "13900001111", "source": customer.source,
        "preferred_language": "zh-hans",
    })
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.mobile == "13900001111" and customer.mobile_reported_wrong_at is None


def _overdue_figure(body):
    start = body.index('data-testid="overdue"')
    return body[body.rindex("<div", 0, start):body.index("</div>", start)]


def test_no_overdue_calls_is_not_shown_red(client, personas, store_a):
    due_call(store_a)
    client.force_login(personas["cs_agent"])
    figure = _overdue_figure(client.get(reverse("visits:queue")).content.decode())
    assert "text-danger" not in figure and figure.endswith(">0")
    due_call(store_a, days_ago=5)
    figure = _overdue_figure(client.get(reverse("visits:queue")).content.decode())
    assert "text-danger" in figure and figure.endswith(">1")


def test_no_overdue_calls_is_not_red_on_calls_today(client, personas, store_a):
    due_call(store_a)
    client.force_login(personas["cs_supervisor"])
    figure = _overdue_figure(client.get(reverse("visits:today")).content.decode())
    assert "text-danger" not in figure and figure.endswith(">0")
