"""Reads of the mystery-shopper checks kept by this module (a source of kpi.metrics)."""
import datetime as dt

from django.db.models import Count, Sum
from django.db.models.functions import Trunc

from .models import MysteryShopperCheck

DIMENSIONS = {"store": "store_id", "advisor": "advisor_id"}


def kpi_mystery_shopper_counts(*, store_ids, start: dt.date, end: dt.date, zone, by=(), bucket=None) -> list[dict]:
    """Checks made in the period and the sum of their scores (their mean is the figure)."""
    checks = MysteryShopperCheck.objects.filter(store_id__in=store_ids, checked_on__gte=start, checked_on__lt=end)
    counts = {"checks": Count("id"), "score_sum": Sum("score")}
    fields = [DIMENSIONS[name] for name in by]
    values = {"bucket": Trunc("checked_on", bucket)} if bucket else {}
    if not fields and not values:
        return [checks.aggregate(**counts)]
    rows = []
    for row in checks.values(*fields, **values).order_by().annotate(**counts):
        for name in by:
            row[name] = row.pop(DIMENSIONS[name])
        rows.append(row)
    return rows
