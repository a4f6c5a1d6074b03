"""Thin Celery wrappers around the KPI services. Safe to run twice and late."""
from celery import shared_task

from . import services


@shared_task(name="kpi.tasks.build_monthly_reports", acks_late=True, reject_on_worker_lost=True)
def build_monthly_reports():
    return services.build_monthly_reports()


# The level kept on each action makes a redelivered pass send nothing twice.
@shared_task(name="kpi.tasks.escalate_overdue_actions", acks_late=True, reject_on_worker_lost=True)
def escalate_overdue_actions():
    from . import escalation

    return escalation.escalate_overdue_actions()
