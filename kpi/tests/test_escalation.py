"""Overdue corrective actions escalate like complaints: the owner the day after the due date, the
store's managers and the director MANAGERS_AFTER_DAYS later; each level once, however often or
late the job runs; done and cancelled actions never."""
import datetime as dt
import zoneinfo

import pytest
from django.core.management import call_command
from django.urls import reverse

from aftersales.messaging.models import OutboundMessage
from aftersales.tests.concurrency import run_concurrently, wait_for
from kpi.escalation import MANAGERS_AFTER_DAYS, escalate_overdue_actions
from kpi.models import CorrectiveAction

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
DUE = dt.date(2026, 11, 20)


def morning(day):
    return dt.datetime.combine(day, dt.time(9), tzinfo=SHANGHAI)


DAY_AFTER = morning(DUE + dt.timedelta(days=1))
MANAGERS_DAY = morning(DUE + dt.timedelta(days=MANAGERS_AFTER_DAYS + 1))


@pytest.fixture
def people(make_user, store_a, store_b):
    return {
        "owner": make_user("cs_supervisor", [store_a], email="owner@example.com"),
        "manager": make_user("manager", [store_a], email="gm@example.com"),
        "director": make_user("manager", [], email="director@example.com", all_stores=True),
        "other_manager": make_user("manager", [store_b], email="gm-b@example.com"),
        "other_owner": make_user("cs_supervisor", [store_b], email="owner-b@example.com"),
    }


def make_action(store, owner, manager, *, due_on=DUE, state="open", title="回访未接通当天再拨"):
    return CorrectiveAction.objects.create(store=store, title=title, figure="return_visit_rate", owner=owner,
                                           due_on=due_on, state=state, opened_by=manager)


@pytest.fixture
def action(store_a, people):
    return make_action(store_a, people["owner"], people["manager"])


def emails():
    return sorted(OutboundMessage.objects.filter(kind="action_overdue").values_list("to", flat=True))


@pytest.mark.django_db
def test_nothing_escalates_on_the_due_date(action):
    assert escalate_overdue_actions(now=morning(DUE).replace(hour=23)) == 0
    assert emails() == []


@pytest.mark.django_db
def test_the_owner_hears_the_day_after_then_the_managers_and_the_director(action):
    assert escalate_overdue_actions(now=DAY_AFTER) == 1
    assert emails() == ["owner@example.com"]
    action.refresh_from_db()
    assert (action.escalation_level, action.escalated_at) == (CorrectiveAction.Level.OWNER, DAY_AFTER)
    assert escalate_overdue_actions(now=MANAGERS_DAY - dt.timedelta(days=1)) == 0
    assert escalate_overdue_actions(now=MANAGERS_DAY) == 1
    assert emails() == ["director@example.com", "gm@example.com", "owner@example.com"]
    action.refresh_from_db()
    assert action.escalation_level == CorrectiveAction.Level.MANAGERS


@pytest.mark.django_db
def test_each_level_is_told_once_however_often_the_job_runs(action):
    for _run in range(3):
        escalate_overdue_actions(now=MANAGERS_DAY + dt.timedelta(days=5))
    assert emails() == ["director@example.com", "gm@example.com", "owner@example.com"]


@pytest.mark.django_db
def test_a_late_pass_reaches_every_level_due(action):
    assert escalate_overdue_actions(now=MANAGERS_DAY + dt.timedelta(days=10)) == 2
    action.refresh_from_db()
    assert action.escalation_level == CorrectiveAction.Level.MANAGERS


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["done", "cancelled"])
def test_done_and_cancelled_actions_never_escalate(store_a, people, state):
    make_action(store_a, people["owner"], people["manager"], state=state)
    assert escalate_overdue_actions(now=MANAGERS_DAY + dt.timedelta(days=30)) == 0
    assert emails() == []


@pytest.mark.django_db
def test_an_action_in_progress_escalates(store_a, people):
    make_action(store_a, people["owner"], people["manager"], state="in_progress")
    assert escalate_overdue_actions(now=DAY_AFTER) == 1


@pytest.mark.django_db
def test_each_store_s_managers_hear_only_of_their_store_s_actions(store_a, store_b, people, action):
    make_action(store_b, people["other_owner"], people["other_manager"], title="乙店整改")
    escalate_overdue_actions(now=MANAGERS_DAY)
    by_person = {m.to: m.context["summary"] for m in OutboundMessage.objects.filter(kind="action_overdue")}
    assert "乙店整改" in by_person["gm-b@example.com"] and "回访未接通" not in by_person["gm-b@example.com"]
    assert "回访未接通" in by_person["gm@example.com"] and "乙店整改" not in by_person["gm@example.com"]
    # The director sees the group: one email per store (the outbox sends as each store).
    assert sorted(m.store_id for m in OutboundMessage.objects.filter(to="director@example.com")) == sorted(
        [store_a.pk, store_b.pk])


@pytest.mark.django_db
def test_one_email_per_person_lists_all_their_overdue_actions(store_a, people, action):
    make_action(store_a, people["owner"], people["manager"], title="预约确认电话提前到D-3")
    escalate_overdue_actions(now=DAY_AFTER)
    message = OutboundMessage.objects.get(kind="action_overdue", to="owner@example.com")
    assert message.context["count"] == 2
    assert "回访未接通" in message.context["summary"] and "预约确认电话" in message.context["summary"]
    assert reverse("kpi:action_update", args=[action.pk]) in message.context["summary"]


@pytest.mark.django_db
def test_an_owner_without_email_leaves_the_managers_to_hear_at_once(store_a, people, make_user):
    mute = make_user("advisor", [store_a], email="")
    make_action(store_a, mute, people["manager"])
    escalate_overdue_actions(now=DAY_AFTER)
    assert emails() == ["director@example.com", "gm@example.com"]


@pytest.mark.django_db
def test_the_escalation_is_in_the_action_s_history(action):
    escalate_overdue_actions(now=DAY_AFTER)
    events = list(action.events.order_by("pgh_id").values_list("pgh_label", "escalation_level"))
    assert events == [("insert", 0), ("update", 1)]


@pytest.mark.django_db(transaction=True)
def test_concurrent_passes_notify_each_level_once(store_a, people, action):
    results, errors = run_concurrently(lambda: escalate_overdue_actions(now=MANAGERS_DAY), 4)
    assert errors == [] and sum(results) == 2
    assert emails() == ["director@example.com", "gm@example.com", "owner@example.com"]


@pytest.mark.django_db
def test_the_command_runs_one_pass(action, capsys):
    call_command("escalate_actions")
    assert "escalations: 2" in capsys.readouterr().out  # due in 2026-11: both levels by now


def test_the_job_runs_in_a_real_worker(celery_worker, store_a, people):
    from kpi.tasks import escalate_overdue_actions as task

    make_action(store_a, people["owner"], people["manager"], due_on=dt.date.today() - dt.timedelta(days=30))
    task.delay()
    assert wait_for(lambda: emails() == ["director@example.com", "gm@example.com", "owner@example.com"])


@pytest.mark.django_db
def test_the_owner_updates_the_action_from_the_link_in_the_email(client, store_a, make_user, people):
    owner = make_user("advisor", [store_a], email="adv@example.com")
    action = make_action(store_a, owner, people["manager"])
    client.force_login(owner)
    response = client.post(reverse("kpi:action_update", args=[action.pk]),
                           {"state": "in_progress", "note": "已安排下午二次回拨"})
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.state, action.note) == ("in_progress", "已安排下午二次回拨")
    assert action.events.filter(pgh_label="update").exists()


@pytest.mark.django_db
def test_another_store_s_action_is_not_found_for_its_update(client, store_a, people):
    action = make_action(store_a, people["owner"], people["manager"])
    client.force_login(people["other_manager"])
    assert client.get(reverse("kpi:action_update", args=[action.pk])).status_code == 404


@pytest.mark.django_db
def test_a_manager_who_works_in_english_reads_the_email_in_english(action, people):
    people["manager"].language = "en"
    people["manager"].save(update_fields=["language"])
    escalate_overdue_actions(now=MANAGERS_DAY)
    english = OutboundMessage.objects.get(kind="action_overdue", to="gm@example.com")
    chinese = OutboundMessage.objects.get(kind="action_overdue", to="director@example.com")
    assert english.language == "en" and "managers told" in english.context["summary"]
    assert chinese.language == "zh-hans" and "已告知经理" in chinese.context["summary"]
