"""Thin Celery wrappers around the customer-care jobs (imported by visits.tasks)."""
from celery import shared_task

from .jobs import run_daily_care


@shared_task(name="visits.tasks.run_daily_care", acks_late=True, reject_on_worker_lost=True)
def run_daily_care_task():
    return run_daily_care()


@shared_task(name="visits.tasks.queue_campaign", acks_late=True, reject_on_worker_lost=True)
def queue_campaign_task(campaign_id):
    from .campaigns import queue_campaign

    return queue_campaign(campaign_id)
