"""Thin Celery wrappers around the follow-up services."""
from celery import shared_task

from .services import cancel_obsolete, create_followups, expire_overdue


# Idempotent by its unique constraints, so a redelivered run is harmless.
@shared_task(name="visits.tasks.create_followups", acks_late=True, reject_on_worker_lost=True)
def create_todays_followups():
    cancelled = cancel_obsolete()
    expired = expire_overdue()
    created = create_followups()
    return {**created, "expired_since": expired, "cancelled": cancelled}
