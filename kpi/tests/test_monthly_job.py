"""The monthly report job: kept and mailed once per month and recipient, run twice or late; a
closed month whose records changed is revised, never silently different."""
import datetime as dt
import io

import pytest
from django.core.management import call_command

from aftersales.messaging.models import OutboundMessage
from aftersales.messaging.services import send_due_messages
from aftersales.schedules import SCHEDULES
from complaints.services import register_complaint
from aftersales.tests.factories import CustomerFactory
from kpi.models import MonthlyReport
from kpi.services import build_monthly_reports

from .month import SHANGHAI, at, build_october

pytestmark = pytest.mark.django_db
FIRST_OF_NOVEMBER = dt.datetime(2026, 11, 1, 7, 15, tzinfo=SHANGHAI)


@pytest.fixture
def people(make_user, store_a, store_b, personas):
    manager_a = make_user("manager", [store_a], username="ma", email="ma@example.cn")
    manager_b = make_user("manager", [store_b], username="mb", email="mb@example.cn")
    director = make_user("manager", [], username="dir", email="dir@example.cn", all_stores=True)
    build_october(store_a, agent=personas["cs_agent"], supervisor=personas["cs_supervisor"],
                         advisor=personas["advisor"])
    return {"a": manager_a, "b": manager_b, "director": director}


def emails():
    return sorted(OutboundMessage.objects.filter(kind="monthly_report").values_list("to", "idempotency_key"))


def test_the_job_is_scheduled():
    assert SCHEDULES["monthly satisfaction report"].task == "kpi.tasks.build_monthly_reports"


def test_on_the_first_each_store_and_the_group_get_last_month_s_report_once(people, store_a, store_b):
    assert build_monthly_reports(now=FIRST_OF_NOVEMBER)["built"] == 3
    first = emails()
    assert [to for to, _key in first] == sorted(
        ["ma@example.cn", "dir@example.cn", "mb@example.cn", "dir@example.cn", "dir@example.cn"]
    )
    kept = MonthlyReport.objects.get(store=store_a, month=dt.date(2026, 10, 1))
    assert kept.figures["return_visit_rate"]["display"] == "80.0%"
    assert MonthlyReport.objects.get(store=None, month=dt.date(2026, 10, 1)).figures["complaints"]["numerator"] == 3
    # Twice, and late the same month: nothing more.
    assert build_monthly_reports(now=FIRST_OF_NOVEMBER)["built"] == 0
    assert build_monthly_reports(now=FIRST_OF_NOVEMBER + dt.timedelta(days=6))["built"] == 0
    assert emails() == first


def test_a_missed_first_is_made_up_late(people, store_a):
    assert build_monthly_reports(now=FIRST_OF_NOVEMBER + dt.timedelta(days=8))["built"] == 3
    assert MonthlyReport.objects.filter(month=dt.date(2026, 10, 1)).count() == 3


def test_the_email_goes_out_with_the_figures_and_a_link(people, store_a, mailoutbox):
    call_command("seed_message_templates", stdout=io.StringIO())
    build_monthly_reports(now=FIRST_OF_NOVEMBER)
    send_due_messages(now=FIRST_OF_NOVEMBER + dt.timedelta(hours=2))
    mine = [mail for mail in mailoutbox if mail.to == ["ma@example.cn"]]
    assert len(mine) == 1
    assert "2026-10" in mine[0].subject
    assert "80.0%" in mine[0].body and "/kpi/stores/a/report/2026-10/" in mine[0].body


def test_a_late_complaint_revises_the_closed_month(people, store_a, personas, client):
    build_monthly_reports(now=FIRST_OF_NOVEMBER)
    # Registered late, back-dated to October (e.g. from the manufacturer hotline's list).
    register_complaint(store=store_a, customer=CustomerFactory(store=store_a), by=personas["cs_supervisor"],
                       channel="manufacturer", category="parts", description="缺件", now=at(10, 28, 10))
    # The store's report and the group's.
    assert build_monthly_reports(now=FIRST_OF_NOVEMBER + dt.timedelta(days=1))["revised"] == 2
    kept = MonthlyReport.objects.get(store=store_a, month=dt.date(2026, 10, 1))
    assert kept.revised_at is not None
    assert kept.revisions[-1]["changes"]["complaints"] == {"was": "3", "now": "4"}
    assert kept.figures["complaints"]["numerator"] == 4
    # The emails are not sent again; the page says it was revised.
    assert OutboundMessage.objects.filter(kind="monthly_report", to="ma@example.cn").count() == 1
    client.force_login(people["a"])
    assert b'data-testid="revised"' in client.get("/kpi/stores/a/report/2026-10/").content
