"""Targets: a store's goal for a figure in a month, set by its managers; without one, the seeds'
default. Each default names where it comes from."""
import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

# figure key → (target, where it comes from)
DEFAULT_TARGETS = {
    "return_visit_rate": (Decimal("80"), _("seed 003: after-sales return-visit rate at least 80%")),
    "warranty_return_visit_rate": (Decimal("100"), _("seed 000: return visits inside warranty 100%")),
    "satisfaction_rate": (Decimal("98"), _("seed 000: service satisfaction 98% or more (seed 004: 95% or more)")),
    "answered_3d": (Decimal("100"), _("seed 003: the department answers a complaint within 3 days")),
    "complaint_rate": (Decimal("5"), _("seed 004: complaint rate below 5%")),
    "acknowledged_24h": (Decimal("100"), _("seed 004: a complaint is responded to within 24 hours")),
    "churn_rate": (Decimal("5"), _("seed 004 and the design: churn below 5%")),
    "mystery_shopper_score": (Decimal("90"), _("seed 003: mystery-shopper score 90 or more")),
}


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def targets_for(store_ids, months) -> dict:
    """{(store_id, month, figure): (value, source)} for every figure with a default or a row, in
    one query."""
    from .models import Target

    months = sorted({first_of_month(m) for m in months})
    found = {}
    for store_id in store_ids:
        for month in months:
            for figure, (value, source) in DEFAULT_TARGETS.items():
                found[(store_id, month, figure)] = (value, str(source))
    for row in Target.objects.filter(store_id__in=store_ids, month__in=months).values(
        "store_id", "month", "figure", "value"
    ):
        found[(row["store_id"], row["month"], row["figure"])] = (row["value"], str(_("set by the store")))
    return found
