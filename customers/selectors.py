"""Reads of the customer file for views and reports."""
import datetime as dt
import re

from django.db.models import Prefetch, Q
from django.db.models.functions import Right

from aftersales.messaging.selectors import messages_for_customer
from aftersales.models import User
from aftersales.scoping import for_user
from aftersales.together import json_set, read_sets

from . import panels
from .timeline import timeline_cards, timeline_text
from .models import Customer, CustomerConsent, ServiceDocument, ServiceVisit, Vehicle
from .normalize import (
    PROVINCES,
    clean_text,
    halfwidth,
    normalize_mobile,
    plate_key,
    query_grams,
)

SEARCH_LIMIT = 20
# The timeline opens with its latest TIMELINE_PAGE entries (rendering an entry costs more than
# reading it); "show older" asks for TIMELINE_PAGE more at a time, up to TIMELINE_LIMIT repair
# orders, beyond which the repair-order list takes over.
TIMELINE_PAGE = 15
TIMELINE_LIMIT = 100


def timeline_size(asked) -> int:
    """How many timeline entries a request asks for (`?timeline=`), in whole pages, within bounds."""
    try:
        size = int(asked)
    except (TypeError, ValueError):
        return TIMELINE_PAGE
    pages = -(-max(size, 1) // TIMELINE_PAGE)
    return min(pages * TIMELINE_PAGE, TIMELINE_LIMIT + TIMELINE_PAGE)

_DIGITS = re.compile(r"^\d+$")
_PHONE = re.compile(r"^\+?[\d\-()]{7,}$")
_LATIN = re.compile(r"^[a-z]+$")
_ALNUM = re.compile(r"^[A-Z0-9]+$")


def _ids(queryset, field="pk"):
    return list(queryset.values_list(field, flat=True)[:SEARCH_LIMIT])


# The groups a search result is shown in when one entry can mean two things (4 digits: the
# last 4 of a mobile or of a VIN).
GROUP_MOBILE = "mobile"
GROUP_VIN = "vin"


def name_or_mobile_lookups(text: str) -> list[Q]:
    """The conditions on customers a name or mobile entry means, best first, each one index
    lookup: 11 digits → the mobile; 4 digits → its last four; latin letters → the name's initials,
    then its pinyin. (Chinese: `name_part_lookup`.)"""
    query = clean_text(text)
    compact = halfwidth(query).replace(" ", "")
    if _DIGITS.match(compact) and len(compact) == 4:
        return [Q(mobile_last4=compact)]
    lookups = []
    if _PHONE.match(compact):
        try:
            lookups.append(Q(mobile=normalize_mobile(compact)))
        except ValueError:
            pass
    if _LATIN.match(compact.lower()):
        lower = compact.lower()
        lookups.append(Q(name_initials__startswith=lower))
        if len(lower) >= 2:
            lookups.append(Q(name_pinyin__startswith=lower))
    return lookups


def name_part_lookup(text: str) -> Q | None:
    """Chinese → any part of the name: its bigrams by the GIN index, then the name itself."""
    query = clean_text(text)
    compact = halfwidth(query).replace(" ", "")
    if not compact or compact.isascii():
        return None
    return Q(name_grams__contains=query_grams(query), name__contains=compact)


def customers_matching(store_ids, text: str):
    """Every customer of these stores a name or mobile entry finds, as a subquery of ids: the
    search box's lookups without its limit of the best 20 (a list filter must find every
    record)."""
    condition = Q(pk__in=[])
    for lookup in [*name_or_mobile_lookups(text), name_part_lookup(text)]:
        if lookup is not None:
            condition |= lookup
    return Customer.objects.filter(condition, store_id__in=store_ids).values("pk")


def search_customer_ids(user, text: str) -> list[int]:
    """Customer ids matching one search box entry, best matches first (see search_groups)."""
    found: list[int] = []
    for _group, ids in search_groups(user, text):
        found.extend(i for i in ids if i not in found)
    return found[:SEARCH_LIMIT]


def search_groups(user, text: str) -> list[tuple[str | None, list[int]]]:
    """[(group, customer ids)] matching one search box entry, best matches first; the group
    is None, or GROUP_MOBILE and GROUP_VIN (both, even if empty) for 4 digits.

    What the entry looks like decides where to look, so every lookup is an index scan:
    digits → mobile (all 11, or the last 4), VIN endings (last 4 or 6); latin letters → pinyin
    or its initials; Chinese → the name, or a plate if it starts with a province character;
    letters and digits → a plate without its province, or the VIN (all 17, or the last 4 or 6).
    """
    query = clean_text(text)
    if not query:
        return []
    customers = for_user(Customer.objects.active(), user)
    vehicles = for_user(Vehicle.objects.all(), user)
    compact = halfwidth(query).replace(" ", "")
    upper = plate_key(compact)
    found: list[int] = []

    def add(ids):
        found.extend(i for i in ids if i not in found)

    def vin_last4(tail):
        return _ids(
            vehicles.alias(vin_last4=Right("vin", 4)).filter(vin_last4=tail).exclude(vin=""), "owner_id"
        )

    lookups = name_or_mobile_lookups(query)
    if _DIGITS.match(compact) and len(compact) == 4:
        mobiles = _ids(customers.filter(lookups[0]))
        return [(GROUP_MOBILE, mobiles), (GROUP_VIN, list(dict.fromkeys(vin_last4(compact))))]
    for lookup in lookups:
        add(_ids(customers.filter(lookup)))
    if _DIGITS.match(compact):
        if len(compact) == 6:
            add(_ids(vehicles.filter(vin_last6=compact), "owner_id"))
    if _ALNUM.match(upper) and not _DIGITS.match(upper):
        if len(upper) == 17:
            add(_ids(vehicles.filter(vin=upper), "owner_id"))
        if len(upper) == 6:
            add(_ids(vehicles.filter(vin_last6=upper), "owner_id"))
        if len(upper) == 4:
            add(vin_last4(upper))
        if 2 <= len(upper) <= 7:
            add(_ids(vehicles.filter(plate_tail__startswith=upper), "owner_id"))
    if upper[:1] in PROVINCES and len(upper) >= 2 and _ALNUM.match(upper[1:]):
        add(_ids(vehicles.filter(plate__startswith=upper), "owner_id"))
    # Any part of a Chinese name is the loosest lookup: after the vehicles.
    name_part = name_part_lookup(query)
    if name_part is not None:
        add(_ids(customers.filter(name_part)))
    return [(None, found[:SEARCH_LIMIT])]


def customer_list_source(queryset):
    """The customer list's page query with what a row shows (`customers.rows`), and only that:
    the customers' search keys and the store's settings are most of their columns."""
    return queryset.select_related("store").only(
        "name", "mobile", "do_not_contact", "loyalty_tier", "visit_count", "last_visit_at", "store__name",
    )


def repair_order_row_source():
    """The repair orders with what a row of their list shows (`customers.rows`), and only that:
    their customer's, car's and advisor's other columns (dates above all) cost a page of fifty
    rows more to read than the rows' query."""
    return ServiceVisit.objects.select_related("customer", "vehicle", "advisor").only(
        "order_no", "repair_type", "status", "opened_at", "advisor_name", "amount",
        "customer__name", "vehicle__plate", "vehicle__vin",
        *(f"advisor__{name}" for name in User.NAME_FIELDS),
    )


def customers_for_results(ids: list[int]):
    """The customers behind `ids`, in that order, with what a result line shows."""
    by_id = {
        customer.pk: customer
        for customer in Customer.objects.filter(pk__in=ids)
        .select_related("store")
        .prefetch_related(Prefetch("vehicles", queryset=Vehicle.objects.order_by("-updated_at")))
    }
    return [by_id[pk] for pk in ids if pk in by_id]


# A customer's cars, consents and who recorded those: three short lists, one statement
# (aftersales.together): each a query of its own cost more to build than to run.
_FILE_SETS = (
    (Vehicle, "t.owner_id = %(customer)s"),
    (CustomerConsent, "t.customer_id = %(customer)s"),
    (User, f"t.id IN (SELECT c.recorded_by_id FROM {CustomerConsent._meta.db_table} AS c "
           "WHERE c.customer_id = %(customer)s)"),
)
_FILE_SETS_SQL = "SELECT " + ", ".join(json_set(model, where) for model, where in _FILE_SETS)


def _vehicles_and_consents(customer):
    """The customer's vehicles, latest updated first, and their consents by channel, each with
    the user who recorded it."""
    vehicles, consents, recorders = read_sets(_FILE_SETS_SQL, {"customer": customer.pk},
                                              [model for model, _where in _FILE_SETS])
    vehicles.sort(key=lambda vehicle: (vehicle.updated_at, vehicle.pk), reverse=True)
    by_id = {user.pk: user for user in recorders}
    for consent in consents:
        consent.recorded_by = by_id.get(consent.recorded_by_id)
    return vehicles, {consent.channel: consent for consent in consents}


# The columns of a repair order its timeline card shows (customers.timeline.repair_order_cards).
TIMELINE_VISIT_FIELDS = (
    "order_no", "repair_type", "status", "opened_at", "closed_at", "mileage", "advisor_name",
    "technician_name", "amount", "from_appointment", "work_summary", "declined_work",
)


def customer_file(customer: Customer, timeline_size: int = TIMELINE_PAGE):
    """Everything the customer page shows, in a fixed number of queries (what other apps add
    comes with the customer when it was read through `panels.annotate`); of the timeline, the
    latest `timeline_size` entries."""
    vehicles, consents = _vehicles_and_consents(customer)
    # One more than is shown of each source tells whether there is more.
    read = min(timeline_size, TIMELINE_LIMIT) + 1
    visits = list(
        ServiceVisit.objects.filter(customer=customer)
        .select_related("vehicle", "advisor")
        # Only what a card shows (customers.timeline): the car's and the advisor's other columns
        # were most of what the query read and turned into objects.
        .only(*TIMELINE_VISIT_FIELDS, "vehicle__plate", "vehicle__vin",
              *(f"advisor__{name}" for name in User.NAME_FIELDS))
        .prefetch_related("documents")
        .order_by("-opened_at", "-id")[:read]
    )
    loose_documents = list(
        ServiceDocument.objects.filter(customer=customer, visit__isnull=True)
        .select_related("uploaded_by")
        .order_by("-uploaded_at")[:read]
    )
    # Complaints, return-visit calls and the like come from the apps that own them (panels).
    contributed, context = panels.read(customer)
    timeline = sorted(
        [("visit", visit.opened_at, visit) for visit in visits[:TIMELINE_LIMIT]]
        + [("document", doc.uploaded_at, doc) for doc in loose_documents]
        + contributed,
        key=lambda entry: entry[1],
        reverse=True,
    )
    shown = timeline[:timeline_size]
    more = len(timeline) > timeline_size
    return context | {
        "timeline_text": timeline_text(),
        "vehicles": vehicles,
        "consents": [
            (channel, label, consents.get(channel)) for channel, label in CustomerConsent.Channel.choices
        ],
        # Written as cards by the apps that own the entries (customers.timeline).
        "timeline": timeline_cards(shown, context),
        "timeline_older": timeline_size + TIMELINE_PAGE if more else None,
        "customer_messages": messages_for_customer(customer),
        "timeline_truncated": not more and len(visits) > TIMELINE_LIMIT,
    }


def merge_candidates(customer: Customer):
    """Likely duplicates of `customer`: same store, same mobile or same name."""
    same = Customer.objects.active().filter(store_id=customer.store_id).exclude(pk=customer.pk)
    matches = same.filter(name=customer.name)
    if customer.mobile:
        matches = matches | same.filter(mobile=customer.mobile)
    ids = list(matches.order_by("-id").values_list("pk", flat=True)[:SEARCH_LIMIT])
    # A plain (unsliced) queryset, so a form can validate a choice against it.
    return Customer.objects.filter(pk__in=ids).order_by("-last_visit_at", "-id")


def customer_by_mobile(store_id: int, mobile: str):
    return (
        Customer.objects.active()
        .filter(store_id=store_id, mobile=mobile)
        .order_by("-last_visit_at", "-id")
        .first()
    )


# --- Figures for the KPI module (kpi.metrics reads the customer file only through these) ------
KPI_REPAIR_ORDER_DIMENSIONS = {"store": "store_id", "advisor": "advisor_id", "repair_type": "repair_type"}


def kpi_repair_orders(*, store_ids, start: dt.date, end: dt.date, zone):
    """The repair orders a period counts: opened in [start, end) (local dates), not cancelled."""
    begin = dt.datetime.combine(start, dt.time(), tzinfo=zone)
    finish = dt.datetime.combine(end, dt.time(), tzinfo=zone)
    return ServiceVisit.objects.filter(store_id__in=store_ids, opened_at__gte=begin, opened_at__lt=finish).exclude(
        status=ServiceVisit.Status.CANCELLED
    )


def kpi_repair_order_counts(*, store_ids, start: dt.date, end: dt.date, zone, by=(), bucket=None) -> list[dict]:
    from django.db.models import Count, Q
    from django.db.models.functions import Trunc

    values = {"bucket": Trunc("opened_at", bucket, tzinfo=zone)} if bucket else {}
    counts = {"repair_orders": Count("id"), "warranty_orders": Count("id", filter=Q(repair_type="warranty")),
              "from_appointment": Count("id", filter=Q(from_appointment=True))}
    orders = kpi_repair_orders(store_ids=store_ids, start=start, end=end, zone=zone)
    fields = [KPI_REPAIR_ORDER_DIMENSIONS[name] for name in by]
    rows = (
        orders.values(*fields, **values).order_by().annotate(**counts) if fields or values
        else [orders.aggregate(**counts)]
    )
    out = []
    for row in rows:
        for name in by:
            row[name] = row.pop(KPI_REPAIR_ORDER_DIMENSIONS[name])
        if bucket:
            row["bucket"] = row["bucket"].date()
        out.append(row)
    return out


def kpi_customer_counts(*, store_ids, by=()) -> list[dict]:
    """Customers by loyalty tier now (the tiers are refreshed nightly and on every repair order):
    loyal, lapsing, churned, and those with at least one visit (churn rate's base)."""
    from django.db.models import Count, Q

    from .models.people import LoyaltyTier

    dims = ["store_id"] if "store" in by else []
    counts = {
        "loyal": Count("id", filter=Q(loyalty_tier=LoyaltyTier.LOYAL)),
        "lapsing": Count("id", filter=Q(loyalty_tier=LoyaltyTier.LAPSING)),
        "churned": Count("id", filter=Q(loyalty_tier=LoyaltyTier.CHURNED)),
        "with_visits": Count("id", filter=Q(visit_count__gte=1)),
    }
    customers = Customer.objects.active().filter(store_id__in=store_ids)
    rows = customers.values(*dims).order_by().annotate(**counts) if dims else [customers.aggregate(**counts)]
    out = []
    for row in rows:
        if dims:
            row["store"] = row.pop("store_id")
        out.append(row)
    return out
