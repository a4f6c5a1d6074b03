"""Every periodic job, in one place. `manage.py setup_periodic_tasks` writes them to
django-celery-beat's tables. The code is the source of the timing (a deploy resets it); admins
may pause a job in the admin site, and a pause survives deploys."""
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

MANAGED_MARK = "Managed by aftersales/schedules.py"


@dataclass(frozen=True)
class Schedule:
    task: str
    every: timedelta | None = None
    # Five crontab fields, in the beat's time zone (settings.CELERY_TIMEZONE).
    crontab: str | None = None
    # Expire a run that waited longer than this in the queue; the next run will catch up.
    expires_seconds: int | None = None


SCHEDULES = {
    "beat heartbeat": Schedule(
        task="aftersales.tasks.record_beat_heartbeat",
        every=timedelta(seconds=30),
        expires_seconds=60,
    ),
    "send the outbox": Schedule(
        task="aftersales.tasks.send_outbox", every=timedelta(seconds=15), expires_seconds=60
    ),
    "purge old verification codes": Schedule(
        task="aftersales.tasks.purge_verification_codes", crontab="40 3 * * *"
    ),
    "create the day's follow-ups": Schedule(
        task="visits.tasks.create_followups", crontab="0 6 * * *"
    ),
    "release stale call claims": Schedule(
        task="visits.tasks.release_stale_claims", every=timedelta(minutes=5), expires_seconds=240
    ),
    # Each store's summary goes out at its own closing time; the job looks every 10 minutes.
    "end-of-day call summaries": Schedule(
        task="visits.tasks.send_end_of_day_reports", every=timedelta(minutes=10), expires_seconds=540
    ),
    "weekly findings to departments": Schedule(
        task="visits.tasks.send_weekly_findings", crontab="30 8 * * 1"
    ),
    "load the holiday calendar": Schedule(
        task="complaints.tasks.load_calendar", crontab="20 4 * * *"
    ),
    "escalate overdue complaints": Schedule(
        task="complaints.tasks.escalate_overdue", every=timedelta(minutes=5), expires_seconds=240
    ),
    "nightly database backup": Schedule(
        task="aftersales.tasks.backup_database", crontab="30 2 * * *"
    ),
    # The day before, from the morning on; quiet hours hold an SMS queued late until morning.
    "appointment reminders": Schedule(
        task="appointments.tasks.send_reminders", crontab="0 9-20 * * *", expires_seconds=3000
    ),
    # Seed 001: two working days before, a confirmation call in the callback queue.
    "appointment confirmation calls": Schedule(
        task="appointments.tasks.schedule_confirmation_calls", crontab="15 6,12 * * *"
    ),
    "appointment no-shows": Schedule(
        task="appointments.tasks.mark_no_shows", every=timedelta(minutes=5), expires_seconds=240
    ),
    # Repair orders opened here or imported from the DMS, linked to that day's appointment.
    "link repair orders to appointments": Schedule(
        task="appointments.tasks.link_repair_orders", every=timedelta(minutes=15), expires_seconds=600
    ),
    # Built on the 1st; the daily runs after it catch up a missed 1st and revise closed months.
    "monthly satisfaction report": Schedule(
        task="kpi.tasks.build_monthly_reports", crontab="15 7 * * *"
    ),
    # The group's pages read the stores' counts from the roll-up (kpi/rollup.py): the current
    # month every REFRESH_MINUTES, the trend's 13 months nightly (late imports, corrections).
    "KPI roll-up of the current month": Schedule(
        task="kpi.tasks.refresh_rollup", every=timedelta(minutes=10), expires_seconds=540
    ),
    "KPI roll-up of the trend's months": Schedule(
        task="kpi.tasks.refresh_rollup_nightly", crontab="50 1 * * *"
    ),
    # Corrective actions past their due date: the owner, then the managers (kpi/escalation.py).
    "escalate overdue corrective actions": Schedule(
        task="kpi.tasks.escalate_overdue_actions", every=timedelta(minutes=5), expires_seconds=240
    ),
    "nightly loyalty refresh": Schedule(
        task="customers.tasks.refresh_all_loyalty", crontab="10 3 * * *"
    ),
    # Maintenance reminders, renewal calls, greetings and lost-customer recalls (visits.care);
    # after the loyalty refresh and the morning follow-ups, before the agents start.
    "daily customer care": Schedule(task="visits.tasks.run_daily_care", crontab="20 7 * * *"),
}


def _schedule_fields(schedule: Schedule):
    if schedule.every is not None:
        interval, _ = IntervalSchedule.objects.get_or_create(
            every=int(schedule.every.total_seconds()), period=IntervalSchedule.SECONDS
        )
        return {"interval": interval, "crontab": None}
    minute, hour, day_of_month, month_of_year, day_of_week = schedule.crontab.split()
    from django.conf import settings

    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute=minute,
        hour=hour,
        day_of_month=day_of_month,
        month_of_year=month_of_year,
        day_of_week=day_of_week,
        timezone=settings.CELERY_TIMEZONE,
    )
    return {"interval": None, "crontab": crontab}


@transaction.atomic
def install_schedules():
    """Create or update every schedule above and remove managed ones no longer listed.

    Idempotent; an admin's `enabled` switch is left as they set it.
    Returns (created, updated, removed) counts.
    """
    created = updated = 0
    for name, schedule in SCHEDULES.items():
        _task, was_created = PeriodicTask.objects.update_or_create(
            name=name,
            defaults={
                "task": schedule.task,
                "description": MANAGED_MARK,
                "expire_seconds": schedule.expires_seconds,
                **_schedule_fields(schedule),
            },
        )
        created += was_created
        updated += not was_created
    removed, _ = (
        PeriodicTask.objects.filter(description=MANAGED_MARK)
        .exclude(name__in=list(SCHEDULES))
        .delete()
    )
    return created, updated, removed
