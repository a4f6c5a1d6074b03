"""Reads of the complaint pages (the list, its export, the department inbox, the triage board),
each in a fixed number of queries whatever the number of rows.

Scale (500,000 complaints over 50 stores; measured with EXPLAIN on the generated data set):
rows are picked from the complaints alone, store by store — `complaint_store_time` (store,
-created_at, -id) for the list's pages, the partial index `complaint_store_due` (store, due_at)
for overdue items, `complaint_department` for the inbox — bounded, and only then joined to what
the row shows; nothing counts the whole set.
"""
import datetime as dt
import re
import zoneinfo

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Count, F, Func, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, NullIf
from django.urls import reverse
from django.utils.timesince import TIME_STRINGS
from django.utils.translation import gettext as _

from aftersales.models import Department, Store
from aftersales.pagination import keyset_filter, keyset_page
from aftersales.scoping import for_user
from customers.models import Customer, ServiceVisit, Vehicle
from customers.normalize import (
    PROVINCES,
    clean_text,
    halfwidth,
    normalize_mobile,
    plate_key,
    query_grams,
)

from .models import Complaint, ComplaintTransition

Status = Complaint.Status

# The first page shows at most OVERDUE_LIMIT + PAGE_SIZE rows: fifty, as the other lists.
PAGE_SIZE = 30
# Overdue items head the list's first page, most overdue first; more than this many overdue
# ones still show, in red, in the pages below (and all of them under "overdue only").
OVERDUE_LIMIT = 20
INBOX_LIMIT = 100
ANSWERED_LIMIT = 20
TRIAGE_LIMIT = 50
RECENT_DAYS = 30

_DIGITS = re.compile(r"^\d+$")
_PHONE = re.compile(r"^\+?[\d\-()]{7,}$")
_LATIN = re.compile(r"^[a-z]+$")

# What a row of any complaint table shows; the rest of the complaint is not read.
_ROW_FIELDS = (
    "id", "number", "store", "customer", "department", "handler", "visit", "channel", "category",
    "severity", "status", "created_at", "due_at", "rounds",
    "store__name", "store__code", "store__time_zone", "customer__name", "department__name", "department__name_en",
    "handler__username", "handler__full_name", "handler__first_name", "handler__last_name",
)


# --- Scope ---------------------------------------------------------------------------------
def visible_stores(user) -> list[Store]:
    """The stores `user` may see, as a list: the list page filters complaints by their ids (an
    index condition on the store), and offers them in its store filter."""
    return list(for_user(Store.objects.all(), user).only("id", "code", "name", "time_zone").order_by("code"))


def departments_of(store_ids) -> list[Department]:
    """The departments of these stores, for the filters and the inbox's picker."""
    return list(
        Department.objects.filter(store_id__in=store_ids)
        .select_related("store")
        .only("id", "name", "name_en", "kind", "store__id", "store__code", "store__name", "store__time_zone")
        .order_by("store__code", "kind", "name")
    )


def opened_from_call(followup_id) -> dict | None:
    """The complaint an unhappy answer on this return-visit call opened ({"pk", "number"}), if any."""
    return (
        Complaint.objects.filter(dissatisfaction__followup_id=followup_id)
        .order_by("-created_at").values("pk", "number").first()
    )


def overdue(now) -> Q:
    """Open and past the current step's deadline (closed and cancelled ones have no deadline)."""
    return Q(status__in=Complaint.OPEN, due_at__lt=now)


# --- Filters' lookups ----------------------------------------------------------------------
def customers_matching(store_ids, text):
    """The customers (of these stores) a name or mobile entry finds, as a subquery of ids.

    The same keys as the customer search (customers.selectors.search_customer_ids), so each
    lookup is an index scan, but without its limit of 20 best matches: a filter must find every
    complaint. 11 digits → the mobile; 4 digits → its last four; latin letters → pinyin or its
    initials; Chinese → any part of the name."""
    query = clean_text(text)
    compact = halfwidth(query).replace(" ", "")
    condition = Q(pk__in=[])
    if _PHONE.match(compact):
        try:
            condition |= Q(mobile=normalize_mobile(compact))
        except ValueError:
            pass
    if _DIGITS.match(compact) and len(compact) == 4:
        condition |= Q(mobile_last4=compact)
    elif _LATIN.match(compact.lower()):
        lower = compact.lower()
        condition |= Q(name_initials__startswith=lower)
        if len(lower) >= 2:
            condition |= Q(name_pinyin__startswith=lower)
    if compact and not compact.isascii():
        condition |= Q(name_grams__contains=query_grams(query), name__contains=compact)
    return Customer.objects.filter(condition, store_id__in=store_ids).values("pk")


def plate_condition(store_ids, text) -> Q:
    """Complaints about a plate: the vehicle of the complaint's repair order, or any vehicle of
    the customer. With its province character (京A12345) the plate is matched from the start,
    without it (A12345, a12) its tail, both by the customers app's prefix indexes."""
    key = plate_key(clean_text(text))
    if not key:
        return Q(pk__in=[])
    vehicles = Vehicle.objects.filter(store_id__in=store_ids)
    if key[:1] in PROVINCES:
        vehicles = vehicles.filter(plate__startswith=key)
    else:
        vehicles = vehicles.filter(plate_tail__startswith=key)
    visits = ServiceVisit.objects.filter(vehicle__in=vehicles.values("pk")).values("pk")
    return Q(visit__in=visits) | Q(customer__in=vehicles.values("owner_id"))


# --- Rows ------------------------------------------------------------------------------------
def with_columns(queryset, *more_fields):
    """`queryset` reading only what a complaint row shows (and `more_fields`), in the same
    query: the store (its time zone), customer's name, department, handler and the plate — of
    the repair order's vehicle, else the customer's most recently updated vehicle.

    The plate comes from two scalar subqueries rather than joins: joining the repair orders and
    vehicles as well makes PostgreSQL spend ten times longer planning the query than running it."""
    order_plate = ServiceVisit.objects.filter(pk=OuterRef("visit_id")).values("vehicle__plate")[:1]
    customer_plate = (
        Vehicle.objects.filter(owner_id=OuterRef("customer_id"))
        .exclude(plate="")
        .order_by("-updated_at", "-id")
        .values("plate")[:1]
    )
    return (
        queryset.select_related("store", "customer", "department", "handler")
        .only(*_ROW_FIELDS, *more_fields)
        .annotate(plate=Coalesce(NullIf(Subquery(order_plate), Value("")), Subquery(customer_plate), Value("")))
    )


_SENTINEL_PK = 987654321


class _Spans:
    """"3 days, 2 hours", "45 minutes": the largest unit and the next one, in days at most (a
    deadline is not months away), with Django's own translated words — each looked up once a
    page, not once a row."""

    def __init__(self):
        self.words = {}
        self.comma = _(", ")

    def word(self, unit, count):
        key = (unit, count)
        if key not in self.words:
            self.words[key] = TIME_STRINGS[unit] % {"num": count}
        return self.words[key]

    def __call__(self, delta: dt.timedelta) -> str:
        minutes = max(int(delta.total_seconds()) // 60, 0)
        days, minutes = divmod(minutes, 24 * 60)
        hours, minutes = divmod(minutes, 60)
        units = [(days, "day"), (hours, "hour"), (minutes, "minute")]
        first = next((i for i, (count, _unit) in enumerate(units) if count), len(units) - 1)
        parts = [self.word(unit, count) for count, unit in units[first:first + 2] if count]
        return self.comma.join(parts) or self.word("minute", 0)


def _present(rows, now):
    """Give each complaint row what its table cells show, as plain text: the link, the times in
    the store's time zone, the labels, and the deadline with the time left or overdue. Done once
    here: the same through template filters and tags costs more than the queries."""
    labels = {
        field: {value: str(label) for value, label in choices}
        for field, choices in (
            ("category", Complaint.Category.choices), ("severity", Complaint.Severity.choices),
            ("status", Complaint.Status.choices), ("channel", Complaint.Channel.choices),
        )
    }
    link = reverse("complaints:detail", args=[_SENTINEL_PK])
    span, late_by, left = _Spans(), _("overdue by %(time)s"), _("%(time)s left")
    zones = {}
    for c in rows:
        zone = zones.get(c.store.time_zone) or zones.setdefault(c.store.time_zone, zoneinfo.ZoneInfo(c.store.time_zone))
        c.url = link.replace(str(_SENTINEL_PK), str(c.pk))
        c.registered_text = f"{c.created_at.astimezone(zone):%Y-%m-%d %H:%M}"
        c.category_label = labels["category"][c.category]
        c.severity_label = labels["severity"][c.severity]
        c.status_label = labels["status"][c.status]
        c.channel_label = labels["channel"][c.channel]
        c.handler_name = str(c.handler) if c.handler_id else ""
        c.department_name = c.department.display_name if c.department_id else ""
        c.overdue = c.is_open and c.is_overdue(now)
        c.due_text = c.due_note = ""
        if c.is_open and c.due_at is not None:
            c.due_text = f"{c.due_at.astimezone(zone):%Y-%m-%d %H:%M}"
            if c.overdue:
                c.due_note = late_by % {"time": span(now - c.due_at)}
            else:
                c.due_note = left % {"time": span(c.due_at - now)}
    return rows


def first_in_each_store(queryset, store_ids, order, limit):
    """A subquery of the ids of the first `limit` rows of `queryset` in `order` in each store.

    The candidates of a page across several stores: PostgreSQL cannot read `store IN (…)` in
    `created_at` order from an index that begins with the store, and would sort the stores' whole
    history; per store it is a short ordered scan of that index (like a LATERAL join), and the
    page is then taken from at most `limit` × stores candidates."""
    if len(store_ids) == 1:
        # One store (most users): the index on (store, …) is read in order as it is.
        return queryset.filter(store_id=store_ids[0]).order_by(*order).values("pk")[:limit]
    first = queryset.filter(store_id=OuterRef("pk")).order_by(*order).values("pk")[:limit]
    return (
        Store.objects.filter(pk__in=store_ids)
        .order_by()
        .annotate(complaint_id=Func(ArraySubquery(first), function="unnest"))
        .values("complaint_id")
    )


def _first(queryset, order, limit):
    """The first `limit` rows of `queryset` in `order`, with their columns: the rows are picked
    from the complaints alone, then joined, so PostgreSQL never joins the customers to
    thousands of rows it then throws away."""
    picked = queryset.order_by(*order).values("pk")[:limit]
    return with_columns(Complaint.objects.filter(pk__in=picked)).order_by(*order)


LIST_ORDER = ("-created_at", "-id")
OVERDUE_ORDER = ("due_at", "id")


def complaint_page(queryset, *, store_ids, now, cursor=None, size=None, overdue_limit=None):
    """One page of the complaint list for the (scoped, filtered) `queryset` over `store_ids`.

    The first page begins with the overdue complaints, most overdue first (at most
    `overdue_limit`); then, on every page, the others newest first, by keyset, leaving out those
    shown on top. Two queries, on every page."""
    size = size or PAGE_SIZE
    overdue_limit = overdue_limit or OVERDUE_LIMIT
    if len(store_ids) == 1:
        late = queryset.filter(overdue(now), store_id=store_ids[0])
    else:
        late = Complaint.objects.filter(
            pk__in=first_in_each_store(queryset.filter(overdue(now)), store_ids, OVERDUE_ORDER, overdue_limit + 1)
        )
    urgent = list(_first(late, OVERDUE_ORDER, overdue_limit + 1))
    more_overdue = len(urgent) > overdue_limit
    urgent = urgent[:overdue_limit]
    rest = queryset.exclude(pk__in=[complaint.pk for complaint in urgent])
    candidates = first_in_each_store(
        keyset_filter(rest, LIST_ORDER, cursor), store_ids, LIST_ORDER, size + 1
    )
    if len(store_ids) > 1:
        candidates = Complaint.objects.filter(pk__in=candidates).order_by(*LIST_ORDER).values("pk")[: size + 1]
    page = keyset_page(
        with_columns(Complaint.objects.filter(pk__in=candidates)), order=LIST_ORDER, cursor=cursor, size=size
    )
    urgent = [] if cursor else urgent
    return {
        "rows": _present(urgent + page.items, now),
        "overdue": urgent,
        "more_overdue": more_overdue and not cursor,
        "page": page,
    }


# --- Department inbox ------------------------------------------------------------------------
def department_inbox(department: Department, *, now, limit=None, answered_limit=None):
    """What the department must answer (overdue first, then by deadline) and what it answered
    last. Two queries, both from the index on (department, status).

    "Answered last" goes by when the department's work on the complaint ended — the answer of a
    complaint waiting for its callback (its step began with the answer), else its closing —
    rather than through the transitions, which have no index to find a department's answers
    by time; the answer's own time and author come from its transition, per row."""
    limit, answered_limit = limit or INBOX_LIMIT, answered_limit or ANSWERED_LIMIT
    waiting = list(_first(Complaint.objects.filter(department=department, status=Status.ASSIGNED),
                          ("due_at", "id"), limit + 1))
    answer = ComplaintTransition.objects.filter(complaint=OuterRef("pk"), to_status=Status.ANSWERED).order_by("-at")
    finished = (Coalesce("closed_at", "step_started_at").desc(), "-id")
    answered = list(
        _first(Complaint.objects.filter(department=department, status__in=(Status.ANSWERED, Status.CLOSED)),
               finished, answered_limit)
        .annotate(
            answered_at=Subquery(answer.values("at")[:1]),
            answered_by=Subquery(
                answer.annotate(
                    name=Coalesce(NullIf(F("actor__full_name"), Value("")), F("actor__username"))
                ).values("name")[:1]
            ),
        )
    )
    return {
        "waiting": _present(waiting[:limit], now),
        "waiting_truncated": len(waiting) > limit,
        "answered": _present(answered, now),
    }


# --- Triage board ----------------------------------------------------------------------------
STEPS = (Status.NEW, Status.ASSIGNED, Status.ANSWERED)


def triage_board(store_ids, *, now, limit=None, recent_days=None):
    """The supervisor's board: counts by status and overdue counts by step (one aggregate
    query), the new complaints awaiting triage, oldest first, and the overdue items of every
    step, most overdue first. Three queries.

    Open complaints are counted in full (they are few: an index range per store and status);
    closed and cancelled ones only among those registered in the last `recent_days`, so the
    count never reads the whole history."""
    limit, recent_days = limit or TRIAGE_LIMIT, recent_days or RECENT_DAYS
    scoped = Complaint.objects.filter(store_id__in=store_ids)
    since = now - dt.timedelta(days=recent_days)
    past_due = Q(due_at__lt=now)
    recent = Q(created_at__gte=since)
    aggregates = {status: Count("id", filter=Q(status=status)) for status in STEPS}
    aggregates |= {f"overdue_{status}": Count("id", filter=Q(status=status) & past_due) for status in STEPS}
    aggregates |= {
        "recent": Count("id", filter=recent),
        "recent_closed": Count("id", filter=recent & Q(status=Status.CLOSED)),
        "recent_cancelled": Count("id", filter=recent & Q(status=Status.CANCELLED)),
    }
    counts = scoped.filter(Q(status__in=Complaint.OPEN) | recent).aggregate(**aggregates)
    oldest = ("created_at", "id")
    new = first_in_each_store(scoped.filter(status=Status.NEW), store_ids, oldest, limit + 1)
    awaiting = list(_first(Complaint.objects.filter(pk__in=new), oldest, limit + 1))
    late = first_in_each_store(scoped.filter(overdue(now)), store_ids, OVERDUE_ORDER, limit + 1)
    late_items = list(_first(Complaint.objects.filter(pk__in=late), OVERDUE_ORDER, limit + 1))
    labels = dict(Status.choices)
    return {
        "steps": [
            {"status": status, "label": labels[status], "count": counts[status],
             "overdue": counts[f"overdue_{status}"]}
            for status in STEPS
        ],
        "overdue_total": sum(counts[f"overdue_{status}"] for status in STEPS),
        "recent": {"days": recent_days, "registered": counts["recent"], "closed": counts["recent_closed"],
                   "cancelled": counts["recent_cancelled"]},
        "awaiting": _present(awaiting[:limit], now),
        "awaiting_truncated": len(awaiting) > limit,
        "late": _present(late_items[:limit], now),
        "late_truncated": len(late_items) > limit,
    }
