"""Tasks run for real in a Celery worker, and are sent only once the transaction commits."""
import time

import pytest
from django.conf import settings
from django.db import transaction

from aftersales.celery import app
from aftersales.jobs import enqueue_on_commit
from aftersales.tests.concurrency import wait_for
from aftersales.models import Heartbeat
from aftersales.tasks import BEAT_HEARTBEAT, record_beat_heartbeat



def test_task_enqueued_in_a_committed_transaction_runs_in_the_worker(celery_worker):
    with transaction.atomic():
        enqueue_on_commit(record_beat_heartbeat)
    assert wait_for(lambda: Heartbeat.objects.filter(name=BEAT_HEARTBEAT).exists())


def test_task_enqueued_in_a_rolled_back_transaction_is_never_sent(celery_worker):
    class Rollback(Exception):
        pass

    with pytest.raises(Rollback), transaction.atomic():
        enqueue_on_commit(record_beat_heartbeat)
        raise Rollback
    # Give a wrongly sent task time to run; then prove the worker is alive and idle.
    time.sleep(1)
    assert not Heartbeat.objects.exists()
    assert app.control.ping(timeout=1)


def test_celery_speaks_json_only_and_prefetches_one():
    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.task_time_limit and app.conf.task_soft_time_limit
    assert app.conf.broker_transport_options["visibility_timeout"] > settings.CELERY_TASK_TIME_LIMIT


def test_only_idempotent_tasks_ack_late():
    # Every app's tasks, as a worker sees them when it starts (autodiscovery is lazy: in a test
    # process that started no worker yet, a module nothing imported would be missing).
    app.loader.import_default_modules()
    late = {name for name, task in app.tasks.items() if getattr(task, "acks_late", False)}
    assert late == {
        "aftersales.tasks.backup_database", "aftersales.tasks.send_outbox",
        "visits.tasks.create_followups", "visits.tasks.send_end_of_day_reports",
        "visits.tasks.send_weekly_findings", "complaints.tasks.escalate_overdue",
        "complaints.tasks.recompute_deadlines", "kpi.tasks.build_monthly_reports", "kpi.tasks.escalate_overdue_actions",
        # Customer care: unique keys decide what exists, so a redelivered run is harmless.
        "visits.tasks.run_daily_care", "visits.tasks.queue_campaign",
        # Appointments' jobs: each decided by its rows (idempotency keys, states, unique refs).
        "appointments.tasks.send_reminders", "appointments.tasks.mark_no_shows",
        "appointments.tasks.link_repair_orders", "appointments.tasks.schedule_confirmation_calls",
        # The KPI roll-up: an upsert of counts, the newer count kept.
        "kpi.tasks.refresh_rollup", "kpi.tasks.refresh_rollup_nightly",
    }
    assert app.tasks["aftersales.tasks.backup_database"].reject_on_worker_lost
