"""A real Celery worker process killed in the middle of the morning job loses no follow-up:
its transaction rolls back whole, and the next run creates every call exactly once."""
import datetime as dt
import os
import signal
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from aftersales.celery import app
from aftersales.dburl import database_url
from aftersales.tests.concurrency import wait_for
from aftersales.tests.factories import CustomerFactory, ServiceVisitFactory, VehicleFactory
from visits.models import FollowUp
from visits.tasks import create_todays_followups

ROOT = Path(settings.BASE_DIR)
ORDERS = 30


def start_worker():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "aftersales.settings.test",
           "DATABASE_URL": database_url(connection.settings_dict)}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "aftersales", "worker", "--pool=solo",
         "--without-gossip", "--without-mingle", "--loglevel=warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def job_waits_on_lock(admin):
    """Whether the job waits, and on its care-call statement: its earlier inserts are done."""
    rows = admin.execute(
        "SELECT query FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
        "AND datname = current_database() AND query LIKE '%%visits_followup%%' AND pid <> pg_backend_pid()"
    ).fetchall()
    return any("src.dissatisfaction_id" in query for (query,) in rows)


@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_job_loses_no_follow_up(store_a):
    closed = timezone.now() - dt.timedelta(days=3)
    for _ in range(ORDERS):
        vehicle = VehicleFactory(owner=CustomerFactory(store=store_a))
        ServiceVisitFactory(vehicle=vehicle, opened_at=closed - dt.timedelta(hours=3), closed_at=closed)
    app.control.purge()
    url = database_url(connection.settings_dict)
    # Another session holds the dissatisfaction table: the job inserts the repair orders' calls,
    # then waits there, inside its transaction, when the worker is killed.
    blocker = psycopg.connect(url)
    admin = psycopg.connect(url, autocommit=True)
    worker = start_worker()
    try:
        blocker.execute("LOCK TABLE visits_dissatisfaction IN ACCESS EXCLUSIVE MODE")
        create_todays_followups.delay()
        assert wait_for(lambda: job_waits_on_lock(admin), timeout=45), "the job never reached the lock"
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(10)
        blocker.rollback()
        # The killed worker's session ends and its half-done transaction with it.
        assert wait_for(lambda: not job_waits_on_lock(admin), timeout=15)
        assert FollowUp.objects.count() == 0

        worker = start_worker()
        create_todays_followups.delay()
        assert wait_for(lambda: FollowUp.objects.count() == ORDERS, timeout=45)
        create_todays_followups.delay()  # and a further run adds nothing
        assert not wait_for(lambda: FollowUp.objects.count() > ORDERS, timeout=3)
    finally:
        if worker.poll() is None:
            worker.terminate()
            worker.wait(15)
        blocker.close()
        admin.close()
    assert FollowUp.objects.filter(status="pending").count() == ORDERS


@pytest.mark.django_db(transaction=True)
def test_days_missed_while_redis_was_down_are_made_by_the_next_run(store_a, celery_worker):
    # No run for four mornings (the beat could not reach the broker): calls due on each of them.
    for days_ago in range(3, 7):
        closed = timezone.now() - dt.timedelta(days=days_ago)
        vehicle = VehicleFactory(owner=CustomerFactory(store=store_a))
        ServiceVisitFactory(vehicle=vehicle, opened_at=closed - dt.timedelta(hours=3), closed_at=closed)
    create_todays_followups.delay()
    assert wait_for(lambda: FollowUp.objects.filter(status="pending").count() == 4, timeout=30)
    today = timezone.localdate()
    assert sorted(FollowUp.objects.values_list("due_on", flat=True)) == [
        today - dt.timedelta(days=n) for n in (3, 2, 1, 0)
    ]
