"""Thin Celery wrappers of the complaints module. Each is safe to run twice and late."""
import datetime as dt

from celery import shared_task
from django.utils import timezone

from . import deadlines, escalation
from .calendar import load_year


# The next year's arrangement appears in November; loading daily picks it up within a day.
@shared_task(name="complaints.tasks.load_calendar")
def load_calendar():
    this_year = timezone.localdate().year
    return {year: load_year(year).published for year in (this_year, this_year + 1)}


# The level kept on each complaint makes a redelivered pass send nothing twice.
@shared_task(name="complaints.tasks.escalate_overdue", acks_late=True, reject_on_worker_lost=True)
def escalate_overdue():
    return escalation.escalate_overdue()


@shared_task(name="complaints.tasks.recompute_deadlines", acks_late=True, reject_on_worker_lost=True)
def recompute_deadlines(since: str):
    return deadlines.recompute_deadlines(dt.date.fromisoformat(since))
