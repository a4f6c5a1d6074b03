"""Reads of appointments for pages and for other apps (kpi reads only these).

Every count takes a store (or stores) and a period of days [first, last] in the store's own
time zone, and is one aggregate query. `by` groups the counts by "advisor" or "source"
(walk-ins have no source; grouped by advisor only)."""
import datetime as dt

from django.db.models import Count, Q, TextChoices
from django.utils.translation import pgettext_lazy

from aftersales.models import User
from aftersales.links import url_of
from aftersales.pagination import keyset_page_by_id

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


_STANDING = ~Q(status=Status.CANCELLED)
# The counts of the appointments due in a period (their slot falls in it), defined once for the
# pages, the KPI module, the list's drill-down filter and the tests: `due` all but cancelled,
# `shown` arrived or completed, `no_shows`, `cancelled`, `online` (booked online, not cancelled),
# `confirmed` (not cancelled and confirmed before the day: the D-2 call or otherwise),
# `from_reminder` (booked from a maintenance reminder, not cancelled).
DUE_FILTERS = {
    "due": _STANDING,
    "shown": Q(status__in=ARRIVED),
    "no_shows": Q(status=Status.NO_SHOW),
    "cancelled": Q(status=Status.CANCELLED),
    "online": Q(source=Appointment.Source.ONLINE) & _STANDING,
    "confirmed": Q(confirmed_at__isnull=False) & _STANDING,
    "from_reminder": Q(source=Appointment.Source.MAINTENANCE_REMINDER) & _STANDING,
}
DUE_COUNTS = {name: Count("pk", filter=condition) for name, condition in DUE_FILTERS.items()}


def appointment_counts(store, first: dt.date, last: dt.date, *, by=None):
    """For appointments whose time falls in the period: `due` (all but cancelled), `shown`
    (arrived or completed), `no_shows`, `cancelled`, `online` (booked online, not cancelled)."""
    start, end = _period(store, first, last)
    queryset = Appointment.objects.filter(store=store, starts_at__gte=start, starts_at__lt=end)
    names = ("due", "shown", "no_shows", "cancelled", "online")
    return _grouped(queryset, by, **{name: DUE_COUNTS[name] for name in names})


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
    return queryset.aggregate(to_confirm=DUE_COUNTS["due"], confirmed=DUE_COUNTS["confirmed"])


# --- Figures for the KPI module (kpi.metrics reads appointments only through these) ----------------
# One aggregate statement each, grouped by the dimensions asked for and by a period bucket
# (day … year); the period is [start, end) in local dates of `zone`.
KPI_DIMENSIONS = {"store": "store_id", "advisor": "advisor_id", "channel": "source"}
BUCKETS = ("day", "week", "month", "quarter", "year")


def _local_bounds(start, end, zone):
    return (dt.datetime.combine(start, dt.time(), tzinfo=zone), dt.datetime.combine(end, dt.time(), tzinfo=zone))


def kpi_appointments_due(*, store_ids, start: dt.date, end: dt.date, zone):
    """The appointments whose slot starts in [start, end) (local dates of `zone`), cancelled ones
    included (DUE_COUNTS leaves them out of every count but `cancelled`)."""
    begin, finish = _local_bounds(start, end, zone)
    return Appointment.objects.filter(store_id__in=store_ids, starts_at__gte=begin, starts_at__lt=finish)


def kpi_appointment_counts(*, store_ids, start: dt.date, end: dt.date, zone, by=(), bucket=None) -> list[dict]:
    """The appointments due in the period, by the local date of their slot: DUE_COUNTS (`due`,
    `shown`, `no_shows`, `cancelled`, `online`, `confirmed`, `from_reminder`); one row per
    dimension value (store, advisor, channel = the appointment's source) and bucket."""
    from django.db.models.functions import Trunc

    queryset = kpi_appointments_due(store_ids=store_ids, start=start, end=end, zone=zone)
    values = {"bucket": Trunc("starts_at", bucket, tzinfo=zone)} if bucket else {}
    fields = [KPI_DIMENSIONS[name] for name in by]
    if not fields and not values:
        return [queryset.aggregate(**DUE_COUNTS)]
    rows = []
    for row in queryset.values(*fields, **values).order_by().annotate(**DUE_COUNTS):
        for name in by:
            row[name] = row.pop(KPI_DIMENSIONS[name])
        if "bucket" in row:
            row["bucket"] = row["bucket"].date()
        rows.append(row)
    return rows


def kpi_arrival_counts(*, store_ids, start: dt.date, end: dt.date, zone, by=(), bucket=None) -> list[dict]:
    """Customers who came in the period, by the local date of their arrival (arrival_counts'
    definition): `booked` (an appointment marked arrived, or since completed), `walk_in` (a
    walk-in recorded at reception) and `all`; the appointment rate is booked / all. One statement
    (the two tables unioned); by store and advisor (a walk-in has no channel)."""
    from django.db import connections, router

    from .models import WalkIn

    if bucket is not None and bucket not in BUCKETS:
        raise ValueError(f"unknown bucket {bucket!r}")
    unknown = set(by) - {"store", "advisor"}
    if unknown:
        raise ValueError(f"arrivals are not grouped by {sorted(unknown)}")
    columns = [KPI_DIMENSIONS[name] for name in by]
    if bucket:
        columns.append("date_trunc(%(bucket)s, arrived_at AT TIME ZONE %(zone)s)::date")
    select = "".join(f"{column} AS {name}, " for column, name in zip(columns, [*by, "bucket"], strict=False))
    group = f" GROUP BY {', '.join(str(n + 1) for n in range(len(columns)))}" if columns else ""
    begin, finish = _local_bounds(start, end, zone)
    sql = f"""
    SELECT {select}count(*) FILTER (WHERE booked) AS booked, count(*) FILTER (WHERE NOT booked) AS walk_in,
           count(*) AS "all"
    FROM (SELECT store_id, advisor_id, arrived_at, true AS booked FROM {Appointment._meta.db_table}
          WHERE store_id = ANY(%(stores)s) AND status = ANY(%(arrived)s)
            AND arrived_at >= %(begin)s AND arrived_at < %(finish)s
          UNION ALL
          SELECT store_id, advisor_id, arrived_at, false FROM {WalkIn._meta.db_table}
          WHERE store_id = ANY(%(stores)s) AND arrived_at >= %(begin)s AND arrived_at < %(finish)s) arrivals
    {group}"""
    params = {"stores": list(store_ids), "arrived": [str(status) for status in ARRIVED], "begin": begin,
              "finish": finish, "bucket": bucket, "zone": str(zone)}
    with connections[router.db_for_read(WalkIn)].cursor() as cursor:
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def kpi_today(*, store_ids, day: dt.date, zone) -> dict:
    """Today's operational counts: the day's appointments (not cancelled) and those arrived so far."""
    return kpi_appointments_due(store_ids=store_ids, start=day, end=day + dt.timedelta(days=1), zone=zone).aggregate(
        due=DUE_COUNTS["due"], shown=DUE_COUNTS["shown"])


def reminder_booking_exists(*, customer, since, within_days_param):
    """SQL of "the customer booked an appointment from a maintenance reminder (not cancelled) in
    [since, since + N days)", for customer care's conversion count (visits.care.selectors): the
    columns `customer` and `since` are the caller's, N its named parameter. Returns (sql, params)."""
    table = Appointment._meta.db_table
    sql = (f"EXISTS (SELECT 1 FROM {table} ap WHERE ap.customer_id = {customer} "
           f"AND ap.source = %(reminder_source)s AND ap.status <> %(cancelled_status)s "
           f"AND ap.created_at >= {since} "
           f"AND ap.created_at < {since} + make_interval(days => %({within_days_param})s))")
    return sql, {"reminder_source": str(Appointment.Source.MAINTENANCE_REMINDER),
                 "cancelled_status": str(Status.CANCELLED)}


# What a row of the day book shows. Every column of five joined tables for a hundred rows cost
# more to read and turn into objects than the rest of the page's queries.
_DAY_BOOK_FIELDS = ("starts_at", "status", "vehicle__plate", "service_type__name",
                    *(f"advisor__{name}" for name in User.NAME_FIELDS))


def day_book(store, day):
    """The appointments of a store's day, in time order, with what the day book shows."""
    return (Appointment.objects.on_day(store, day).exclude(status=Status.CANCELLED)
            .select_related("vehicle", "advisor", "service_type").only(*_DAY_BOOK_FIELDS)
            .order_by("starts_at", "pk"))


def day_book_entries(store, day) -> list[dict]:
    """`day_book` read as values (the day book only shows them): the appointments' pk, time,
    status, advisor and the names of their car's plate, service type and advisor."""
    return list(day_book(store, day).values(
        "pk", "starts_at", "status", "advisor_id", "vehicle__plate", "service_type__name",
        *(f"advisor__{name}" for name in User.NAME_FIELDS),
    ))


class BoardStatus(TextChoices):
    """What the lobby screen says of a booked customer (seed 001: 欢迎板): read from the
    appointment and its repair order, so reception never keeps a second status by hand."""

    EXPECTED = "expected", pgettext_lazy("welcome board", "Expected")
    ARRIVED = "arrived", pgettext_lazy("welcome board", "Arrived")
    IN_WORKSHOP = "in_workshop", pgettext_lazy("welcome board", "In the workshop")
    READY = "ready", pgettext_lazy("welcome board", "Ready")


def board_status(appointment) -> BoardStatus:
    """Expected until the customer arrives; in the workshop once the repair order is open;
    ready when the repair order is closed or reception completed the visit."""
    if appointment.status in Appointment.UPCOMING:
        return BoardStatus.EXPECTED
    visit = appointment.visit
    if appointment.status == Status.COMPLETED or (visit is not None and visit.closed_at is not None):
        return BoardStatus.READY
    if visit is not None and visit.status == visit.Status.OPEN:
        return BoardStatus.IN_WORKSHOP
    return BoardStatus.ARRIVED


def welcome_board(store, day):
    """Today's appointments for the lobby screen: only what may be shown, already masked."""
    rows = []
    for appointment in (day_book(store, day).exclude(status=Status.NO_SHOW).select_related("customer", "visit")
                        .only(*_DAY_BOOK_FIELDS, "customer__name", "customer__gender", "visit__status",
                              "visit__closed_at")):
        status = board_status(appointment)
        rows.append({
            "time": capacity.local(store, appointment.starts_at).strftime("%H:%M"),
            "name": mask_name(appointment.customer.name, appointment.customer.gender),
            "plate": mask_plate(appointment.vehicle.plate),
            "advisor": appointment.advisor.get_full_name() if appointment.advisor else "",
            "status": status.value,
            "status_label": status.label,
        })
    return rows


LIST_ORDER = ["-starts_at", "-id"]


def list_page(appointments, *, cursor=None):
    """One page of the appointment list (`appointments`: the list's filtered queryset): the ids
    by the (store, time) index, then the rows by id. Read together, PostgreSQL planned the six
    joined tables again for each period and filter (5.8 ms planned, 1.0 ms run)."""
    return keyset_page_by_id(
        appointments,
        Appointment.objects.select_related("store", "customer", "vehicle", "advisor", "service_type").only(
            # Only what a row shows: the customers' and vehicles' search keys cost more than the rest.
            "starts_at", "status", "source", "store__name", "customer__name", "vehicle__plate", "service_type__name",
            *(f"advisor__{name}" for name in User.NAME_FIELDS),
        ),
        order=LIST_ORDER, cursor=cursor,
    )


CUSTOMER_FILE_LIMIT = 20


def customer_appointments(customer) -> dict:
    """The customer file's part (customers.panels): the latest appointments in the timeline, and
    which repair order came from which appointment, so the repair order links to it (the
    timeline's cards: `rows.appointment_cards`)."""
    detail_url = url_of("appointments:detail")
    appointments = list(
        Appointment.objects.filter(customer=customer)
        .select_related("vehicle", "advisor", "service_type", "visit")
        # Only what the timeline shows: five tables' every column cost more to read and turn into
        # objects than the query took.
        .only("starts_at", "status", "source", "customer_id", "vehicle__plate", "vehicle__vin",
              *(f"advisor__{name}" for name in User.NAME_FIELDS), "service_type__name", "visit__order_no")
        .order_by("-starts_at", "-pk")[:CUSTOMER_FILE_LIMIT]
    )
    return {
        "timeline": [("appointment", appointment.starts_at, appointment) for appointment in appointments],
        "appointment_url_of_visit": {a.visit_id: detail_url(a.pk) for a in appointments if a.visit_id},
    }


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
