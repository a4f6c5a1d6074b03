"""Thin Celery wrappers around the KPI services. Safe to run twice and late."""
from celery import shared_task

from . import services


@shared_task(name="kpi.tasks.build_monthly_reports", acks_late=True, reject_on_worker_lost=True)
def build_monthly_reports():
    return services.build_monthly_reports()
