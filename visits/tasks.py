"""Thin Celery wrappers around the follow-up services. Each is safe to run twice and late."""
from celery import shared_task

from . import services


# Idempotent by its unique constraints, so a redelivered run is harmless.
@shared_task(name="visits.tasks.create_followups", acks_late=True, reject_on_worker_lost=True)
def create_todays_followups():
    cancelled = services.cancel_obsolete()
    expired = services.expire_overdue()
    created = services.create_followups()
    return {**created, "expired_since": expired, "cancelled": cancelled}


@shared_task(name="visits.tasks.release_stale_claims")
def release_stale_claims():
    return services.release_stale_claims()


@shared_task(name="visits.tasks.send_end_of_day_reports", acks_late=True, reject_on_worker_lost=True)
def send_end_of_day_reports():
    return services.send_end_of_day_reports()


@shared_task(name="visits.tasks.send_weekly_findings", acks_late=True, reject_on_worker_lost=True)
def send_weekly_findings():
    return services.send_weekly_findings()


from .care.tasks import queue_campaign_task, run_daily_care_task  # noqa: E402,F401  (registered with Celery)
