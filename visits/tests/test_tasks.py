"""The visits module's periodic jobs run for real in a Celery worker (results are not kept, so
each test watches the database)."""
import datetime as dt

import pytest
from django.utils import timezone

from aftersales.messaging.models import OutboundMessage
from aftersales.models import Department
from aftersales.tests.concurrency import wait_for
from aftersales.tests.factories import DepartmentFactory, FollowUpFactory
from visits.models import Dissatisfaction, EndOfDayReport, FollowUp
from visits.tasks import release_stale_claims, send_end_of_day_reports, send_weekly_findings

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_worker_returns_stale_claims_to_the_queue(celery_worker, store_a, personas):
    stale = FollowUpFactory(store=store_a)
    FollowUp.objects.filter(pk=stale.pk).update(
        claimed_by=personas["cs_agent"], claimed_until=timezone.now() - dt.timedelta(minutes=1)
    )
    release_stale_claims.delay()
    assert wait_for(lambda: FollowUp.objects.filter(pk=stale.pk, claimed_by__isnull=True).exists())


def test_the_worker_writes_yesterday_s_missed_report_once(celery_worker, store_a):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    reports = EndOfDayReport.objects.filter(store=store_a, day=yesterday)
    send_end_of_day_reports.delay()
    assert wait_for(reports.exists)
    send_end_of_day_reports.delay()
    send_end_of_day_reports.delay()
    assert not wait_for(lambda: reports.count() > 1, timeout=3)


def test_the_worker_sends_last_week_s_findings_to_the_department(celery_worker, store_a, personas):
    head = personas["dept_head"]
    head.email = "workshop@example.cn"
    head.save()
    DepartmentFactory(store=store_a, kind=Department.Kind.WORKSHOP, head=head)
    followup = FollowUpFactory(store=store_a)
    Dissatisfaction.objects.create(
        store=store_a, customer=followup.customer, visit=followup.visit, followup=followup,
        reasons=["repair_quality"], customer_words="异响没修好", recorded_by=personas["cs_agent"],
        created_at=timezone.now() - dt.timedelta(days=7),
    )
    send_weekly_findings.delay()
    assert wait_for(lambda: OutboundMessage.objects.filter(kind="weekly_findings", to=head.email).exists())
    assert "异响没修好" in OutboundMessage.objects.get(kind="weekly_findings").context["summary"]
