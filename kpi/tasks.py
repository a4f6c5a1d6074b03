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


# Every few minutes the current month; each count replaces the last (one row per store and month).
@shared_task(name="kpi.tasks.refresh_rollup", acks_late=True, reject_on_worker_lost=True)
def refresh_rollup():
    from . import rollup

    return rollup.refresh_current()


@shared_task(name="kpi.tasks.refresh_rollup_nightly", acks_late=True, reject_on_worker_lost=True)
def refresh_rollup_nightly():
    from . import rollup

    return rollup.refresh_nightly()
