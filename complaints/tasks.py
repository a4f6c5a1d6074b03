"""Thin Celery wrappers of the complaints module."""
from celery import shared_task
from django.utils import timezone

from .calendar import load_year


# The next year's arrangement appears in November; loading daily picks it up within a day.
@shared_task(name="complaints.tasks.load_calendar")
def load_calendar():
    this_year = timezone.localdate().year
    return {year: load_year(year).published for year in (this_year, this_year + 1)}
