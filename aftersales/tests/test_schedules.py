import pytest
from django.core.management import call_command
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from aftersales.schedules import MANAGED_MARK, SCHEDULES, install_schedules

pytestmark = pytest.mark.django_db


def test_every_schedule_is_installed_once_however_often_it_runs():
    call_command("setup_periodic_tasks")
    call_command("setup_periodic_tasks")
    assert set(PeriodicTask.objects.values_list("name", flat=True)) == set(SCHEDULES)


def test_every_scheduled_task_exists():
    from aftersales.celery import app

    app.loader.import_default_modules()
    for schedule in SCHEDULES.values():
        assert schedule.task in app.tasks


def test_heartbeat_runs_every_30_seconds_and_backup_nightly():
    install_schedules()
    heartbeat = PeriodicTask.objects.get(name="beat heartbeat")
    assert heartbeat.interval.every == 30 and heartbeat.interval.period == IntervalSchedule.SECONDS
    backup = PeriodicTask.objects.get(name="nightly database backup")
    assert (backup.crontab.minute, backup.crontab.hour) == ("30", "2")


def test_an_admins_pause_survives_reinstall():
    install_schedules()
    PeriodicTask.objects.filter(name="nightly database backup").update(enabled=False)
    install_schedules()
    assert not PeriodicTask.objects.get(name="nightly database backup").enabled


def test_a_schedule_removed_from_code_is_removed_from_beat():
    install_schedules()
    PeriodicTask.objects.create(
        name="retired job", task="x.y", description=MANAGED_MARK,
        interval=IntervalSchedule.objects.create(every=60, period=IntervalSchedule.SECONDS),
    )
    PeriodicTask.objects.create(
        name="admin's own job", task="x.z",
        interval=IntervalSchedule.objects.get(every=60, period=IntervalSchedule.SECONDS),
    )
    assert install_schedules()[2] == 1
    assert not PeriodicTask.objects.filter(name="retired job").exists()
    assert PeriodicTask.objects.filter(name="admin's own job").exists()
