"""The daily customer-care job: maintenance reminders, renewal calls, greetings and recalls.

Safe to run twice, late and concurrently: every occasion, message and call has a unique key
(the database decides what exists), and concurrent runs queue up on one advisory lock so
they cannot deadlock on each other's keys; the second finds nothing left to do."""
from django.db import connection, transaction
from django.utils import timezone

from aftersales.models import Store

from .calls import ensure_care_rules
from .greetings import send_greetings
from .insurance import queue_renewal_calls
from .maintenance import send_maintenance_reminders
from .recalls import queue_recalls

_LOCK = 7_315_015  # this job's advisory lock


@transaction.atomic
def run_daily_care(*, day=None, now=None, store_ids=None) -> dict:
    now = now or timezone.now()
    day = day or timezone.localdate(now)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK])
    for store in Store.objects.filter(is_active=True):
        ensure_care_rules(store)
    counts = send_maintenance_reminders(day=day, now=now, store_ids=store_ids)
    stopped = counts.pop("stopped_vehicles")
    counts["stopped_vehicles"] = len(stopped)
    counts.update(queue_renewal_calls(day=day, now=now, store_ids=store_ids))
    counts.update(send_greetings(day=day, now=now, store_ids=store_ids))
    owners = list(_owners(stopped))
    counts.update(queue_recalls(day=day, now=now, store_ids=store_ids, extra_customer_ids=owners))
    return counts


def _owners(vehicle_ids):
    from customers.models import Vehicle

    return Vehicle.objects.filter(pk__in=vehicle_ids).values_list("owner_id", flat=True).distinct()
