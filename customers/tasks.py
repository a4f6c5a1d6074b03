"""Thin Celery wrappers around the customer-file services."""
from celery import shared_task

from .loyalty import refresh_loyalty


@shared_task(name="customers.tasks.refresh_all_loyalty")
def refresh_all_loyalty():
    """Nightly: tiers move with the calendar even when nothing new is recorded."""
    return refresh_loyalty()


# --- Repair-order import (customers.imports) ------------------------------------------------
@shared_task(name="customers.tasks.preview_import")
def preview_import(job_id):
    """Check a large DMS export: counts and bad rows, nothing written."""
    from .imports.jobs import preview_job

    return preview_job(job_id).status


@shared_task(name="customers.tasks.commit_import")
def commit_import(job_id):
    """Import the good rows of a checked DMS export, in one transaction."""
    from .imports.jobs import commit_job

    return commit_job(job_id).status
