"""Reads of appointments for pages and for other apps (kpi reads only these).

Every count takes a store (or stores) and a period of days [first, last] in the store's own
time zone, and is one aggregate query. `by` groups the counts by "advisor" or "source"
(walk-ins have no source; grouped by advisor only)."""
import datetime as dt

from django.db.models import Count, Q

from . import capacity
from .models import Appointment, WalkIn

Status = Appointment.Status
ARRIVED = (Status.ARRIVED, Status.COMPLETED)


def _period(store, first, last):
    start, _ = capacity.day_bounds(store, first)
    _, end = capacity.day_bounds(store, last)
    return start, end


def _grouped(queryset, by, **aggregates):
    if by is None:
        return queryset.aggregate(**aggregates)
    field = {"advisor": "advisor_id", "source": "source"}[by]
    return {row.pop(field): row for row in queryset.values(field).annotate(**aggregates).order_by()}


def appointment_counts(store, first: dt.date, last: dt.date, *, by=None):
    """For appointments whose time falls in the period: `due` (all but cancelled), `shown`
    (arrived or completed), `no_shows`, `cancelled`, `online` (booked online, not cancelled)."""
    start, end = _period(store, first, last)
    queryset = Appointment.objects.filter(store=store, starts_at__gte=start, starts_at__lt=end)
    return _grouped(
        queryset, by,
        due=Count("pk", filter=~Q(status=Status.CANCELLED)),
        shown=Count("pk", filter=Q(status__in=ARRIVED)),
        no_shows=Count("pk", filter=Q(status=Status.NO_SHOW)),
        cancelled=Count("pk", filter=Q(status=Status.CANCELLED)),
        online=Count("pk", filter=Q(source=Appointment.Source.ONLINE) & ~Q(status=Status.CANCELLED)),
    )


def arrival_counts(store, first: dt.date, last: dt.date, *, by=None):
    """Customers who came in the period: `booked` (arrived with an appointment), `walk_in`,
    and `all`; the appointment rate is booked / all. `by` may be "advisor"."""
    start, end = _period(store, first, last)
    booked = Appointment.objects.filter(store=store, arrived_at__gte=start, arrived_at__lt=end,
                                        status__in=ARRIVED)
    walk_ins = WalkIn.objects.filter(store=store, arrived_at__gte=start, arrived_at__lt=end)
    if by is None:
        counts = {"booked": booked.count(), "walk_in": walk_ins.count()}
        counts["all"] = counts["booked"] + counts["walk_in"]
        return counts
    if by != "advisor":
        raise ValueError("arrivals are grouped by advisor only")
    result = {}
    for key, rows in (("booked", booked), ("walk_in", walk_ins)):
        for advisor_id, n in rows.values_list("advisor_id").annotate(n=Count("pk")).order_by():
            entry = result.setdefault(advisor_id, {"booked": 0, "walk_in": 0, "all": 0})
            entry[key] += n
            entry["all"] += n
    return result


def appointment_rate(store, first, last):
    counts = arrival_counts(store, first, last)
    return counts["booked"] / counts["all"] if counts["all"] else None


def confirmation_counts(store, first: dt.date, last: dt.date):
    """Of the appointments due in the period: `to_confirm` (not cancelled) and `confirmed`
    (confirmed before the day: the D-2 call or otherwise)."""
    start, end = _period(store, first, last)
    queryset = Appointment.objects.filter(store=store, starts_at__gte=start, starts_at__lt=end)
    return queryset.aggregate(
        to_confirm=Count("pk", filter=~Q(status=Status.CANCELLED)),
        confirmed=Count("pk", filter=Q(confirmed_at__isnull=False) & ~Q(status=Status.CANCELLED)),
    )


def day_book(store, day):
    """The appointments of a store's day, in time order, with what the day book shows."""
    return (Appointment.objects.on_day(store, day).exclude(status=Status.CANCELLED)
            .select_related("customer", "vehicle", "advisor", "service_type").order_by("starts_at", "pk"))


def welcome_board(store, day):
    """Today's appointments for the lobby screen: only what may be shown, already masked."""
    rows = []
    for appointment in day_book(store, day).exclude(status=Status.NO_SHOW):
        rows.append({
            "time": capacity.local(store, appointment.starts_at).strftime("%H:%M"),
            "name": mask_name(appointment.customer.name, appointment.customer.gender),
            "plate": mask_plate(appointment.vehicle.plate),
            "advisor": appointment.advisor.get_full_name() if appointment.advisor else "",
            "status": appointment.status,
            "status_label": appointment.get_status_display(),
        })
    return rows


def mask_name(name, gender=""):
    """张三 → 张**先生 / 张**女士 (or 张** when the gender is not known)."""
    from django.utils.translation import gettext as _

    suffix = {"male": _("Mr"), "female": _("Ms")}.get(gender, "")
    return f"{(name or '?')[0]}**{suffix}"


def mask_plate(plate):
    """京A12345 → 京A·***45."""
    if not plate or len(plate) < 4:
        return "***"
    return f"{plate[:2]}·***{plate[-2:]}"
