"""Enqueueing Celery tasks from request and service code."""
from django.db import transaction


def enqueue_on_commit(task, *args, **kwargs):
    """Send `task` only once the current transaction commits, so a task never points at a
    row that was rolled back (outside a transaction it is sent at once)."""
    transaction.on_commit(lambda: task.delay(*args, **kwargs))
