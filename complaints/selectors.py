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
import time

from django.contrib.postgres.aggregates import JSONBAgg
from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.lookups import DataContains
from django.db import connection
from django.db.models import Count, F, Func, OuterRef, Q, Subquery, TextField, Value
from django.db.models.functions import Coalesce, JSONObject, Lower, NullIf, StrIndex
from django.db.models.lookups import GreaterThan
from django.utils import timezone

from aftersales.models import Department, Store, localized_name
from aftersales.pagination import keyset_filter, keyset_page, keyset_page_of_keys
from aftersales.phones import FULLWIDTH_CHARACTERS, HALFWIDTH_CHARACTERS
from aftersales.store_lookups import store_departments
import customers.selectors as customer_selectors
from customers.models import ServiceVisit, Vehicle
from customers.normalize import (
    PROVINCES,
    clean_text,
    halfwidth,
    plate_key,
)

from .models import Complaint, ComplaintTransition
from .rows import complaint_rows

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


# What a row of any complaint table shows; the rest of the complaint is not read.
_ROW_FIELDS = (
    "id", "number", "store", "customer", "department", "handler", "visit", "channel", "category",
    "severity", "status", "created_at", "due_at", "rounds",
    "store__name", "store__code", "store__time_zone", "customer__name", "department__name", "department__name_en",
    "handler__username", "handler__full_name", "handler__first_name", "handler__last_name",
)


# --- Scope ---------------------------------------------------------------------------------
def departments_of(store_ids) -> list[Department]:
    """The departments of these stores, for the inbox's picker (the list's filter takes
    `department_choices`)."""
    return list(
        Department.objects.filter(store_id__in=store_ids)
        .select_related("store")
        .only("id", "name", "name_en", "kind", "store__id", "store__code", "store__name", "store__time_zone")
        .order_by("store__code", "kind", "name")
    )


def department_choices(store_ids, *, with_store) -> list[tuple[int, str]]:
    """(id, name) of the departments of these stores, for the list's filter: a group's 354 read
    as plain values, not as department and store instances (7 → 1 ms at scale 1); one store's
    from the cache (`store_lookups`)."""
    if len(store_ids) == 1 and not with_store:
        return [(pk, localized_name(name, name_en)) for pk, name, name_en in store_departments(store_ids[0])]
    rows = (Department.objects.filter(store_id__in=store_ids).order_by("store__code", "kind", "name")
            .values_list("pk", "name", "name_en", "store__name"))
    choices = [(pk, localized_name(name, name_en), store) for pk, name, name_en, store in rows]
    return [(pk, f"{name} · {store}" if with_store else name) for pk, name, store in choices]


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
def plate_condition(store_ids, text) -> Q:
    """Complaints about a plate: the vehicle of the complaint's repair order, or any vehicle of
    the customer (the vehicles as `_plate_vehicles` finds them)."""
    vehicles = _plate_vehicles(store_ids, text)
    if vehicles is None:
        return Q(pk__in=[])
    visits = ServiceVisit.objects.filter(vehicle__in=vehicles.values("pk")).values("pk")
    return Q(visit__in=visits) | Q(customer__in=vehicles.values("owner_id"))


def _plate_vehicles(store_ids, text):
    """The vehicles of these stores a plate entry finds (None for an empty entry): with its
    province character (京A12345) from the plate's start, without it (A12345, a12) from its tail,
    both by the customers app's prefix indexes."""
    key = plate_key(clean_text(text))
    if not key:
        return None
    vehicles = Vehicle.objects.filter(store_id__in=store_ids)
    if key[:1] in PROVINCES:
        return vehicles.filter(plate__startswith=key)
    return vehicles.filter(plate_tail__startswith=key)


# The customers, vehicles and repair orders a keyword entry finds are listed to the query when
# they are this few, so that PostgreSQL can combine their indexes with the description's GIN
# index (a subquery in an OR cannot be); more (a one-character name part) and they stay a subquery.
KEYWORD_IDS_LISTED = 1000
# A store's code (letters, digits, dashes), the year and the sequence: BJ-2026-00042.
_COMPLAINT_NUMBER = re.compile(r"^[A-Z0-9][A-Z0-9-]*-\d{4}-\d{1,8}$")


def description_condition(text, indexed=True) -> Q:
    """Complaints whose description holds every word of `text` (words split at spaces).

    The GIN index over the description's grams finds them; a word of one or two characters is
    among the grams exactly, a longer one is looked up by pairs that cover it without
    overlapping and confirmed in the text itself (half-width and lower case, as the grams are).
    Both choices are for PostgreSQL's estimate of how many complaints match, which decides
    between reading the newest complaints until the page is full (a common word) and reading
    every match from the index (a rare one): it multiplies the pairs' frequencies as if they were
    independent, and guesses a LIKE keeps almost nothing, both of which make a common phrase
    look rare; `strpos` it guesses keeps a third.

    `indexed=False`: the same rows, by a condition the index cannot serve, for a query that
    reads few rows by another index (a store's overdue complaints): there a common pair of
    words read from the index of every store's descriptions cost ten times the whole query."""
    words = clean_text(text).lower().split()
    if not words:
        return Q(pk__in=[])
    plain = Lower(Func(F("description"), Value(FULLWIDTH_CHARACTERS), Value(HALFWIDTH_CHARACTERS),
                       function="translate", output_field=TextField()))
    grams = F("description_grams") if indexed else Func(
        F("description_grams"), _text_array([]), function="array_cat", output_field=ArrayField(TextField()),
    )
    condition = Q()
    for word in words:
        if len(word) <= 2:
            condition &= Q(DataContains(grams, _text_array([word])))
        else:
            covering = _covering_grams(word)
            # A word of characters that neither case nor width changes (Chinese) is found in the
            # description as written: the same rows, without translating and lower-casing each
            # candidate's text (8 of the 16 ms of a common four-character word at scale 1).
            text = F("description") if _unchanged_by_normalizing(word) else plain
            condition &= Q(DataContains(grams, _text_array(covering))) & Q(GreaterThan(StrIndex(text, Value(word)), 0))
    return condition


def _covering_grams(word):
    """The grams a word is looked up by: one or two characters as they are, a longer word by
    pairs that cover it without overlapping."""
    if len(word) <= 2:
        return [word]
    return [word[i:i + 2] for i in range(0, len(word) - 1, 2)] + ([word[-1]] if len(word) % 2 else [])


# How long the grams PostgreSQL's statistics list are kept per process (they change when the
# table is analysed: by autovacuum, after many changes).
STATISTICS_SECONDS = 600
_listed_grams = {"until": 0.0, "grams": frozenset()}


def _statistics_grams() -> frozenset:
    """The descriptions' grams PostgreSQL's statistics list as the most common (pg_stats)."""
    if time.monotonic() >= _listed_grams["until"]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT most_common_elems::text::text[] FROM pg_stats "
                "WHERE schemaname = current_schema() AND tablename = %s AND attname = %s",
                [Complaint._meta.db_table, Complaint._meta.get_field("description_grams").column],
            )
            found = cursor.fetchone()
        _listed_grams.update(grams=frozenset((found and found[0]) or ()),
                             until=time.monotonic() + STATISTICS_SECONDS)
    return _listed_grams["grams"]


def words_misjudged_by_statistics(text) -> bool:
    """Whether some word of `text` is looked up by a gram PostgreSQL's statistics do not list.

    For such a gram PostgreSQL guesses half the share of the rarest listed one (at most 0.5%):
    where the descriptions share a small vocabulary, every listed gram is in 1% of them, so a
    two-character name or a word found nowhere is taken for one in 2,400 complaints, and the
    newest complaints of fifty stores are walked to fill a page that never fills (380 ms at
    scale 1 for a word found nowhere). `complaint_page` then reads the matches first."""
    words = clean_text(text).lower().split()
    listed = _statistics_grams()
    return any(gram not in listed for word in words for gram in _covering_grams(word))


def _text_array(values):
    return Value(values, output_field=ArrayField(TextField()))


def _unchanged_by_normalizing(word):
    """Whether no character of `word` can come out of half-width translation or lower-casing:
    none is ASCII (what full-width forms become) and none has a case."""
    return all(not c.isascii() and c.lower() == c == c.upper() for c in word)


def keyword_conditions(store_ids, text) -> tuple[Q, Q]:
    """The search box of the complaint list: a complaint number, a customer's name or mobile, a
    plate, or words of the description. What the entry looks like decides where to look, as in
    the customer search, and the customers and vehicles it finds are listed to the query (when
    not too many), so that every part is an index scan PostgreSQL can combine.

    Two conditions for the same complaints: the one to search with, and one for a query that
    reads few rows by another index (`description_condition(indexed=False)`)."""
    query = clean_text(text)
    kind, compact = _entry_kind(query)
    if kind == "nothing":
        return Q(pk__in=[]), Q(pk__in=[])
    if kind == "number":
        return Q(number=compact), Q(number=compact)
    if kind == "plate":
        plate = _listed_plate_condition(store_ids, query)
        return plate, plate
    customers = _listed(customer_selectors.customers_matching(store_ids, query), "customer_id")
    if kind == "mobile":
        return customers, customers
    return description_condition(query) | customers, description_condition(query, indexed=False) | customers


def _entry_kind(query) -> tuple[str, str]:
    """What a search box entry (cleaned) looks like, and its compact form: "nothing", a complaint
    "number", a "plate", a "mobile" or its last four, or "words" (of the descriptions, or a
    customer's name)."""
    compact = halfwidth(query).replace(" ", "").upper()
    if not compact:
        return "nothing", compact
    if _COMPLAINT_NUMBER.match(compact):
        return "number", compact
    if _looks_like_a_plate(compact):
        return "plate", compact
    return ("mobile" if compact.isdigit() else "words"), compact


def words_common_in_descriptions(text) -> bool:
    """Whether the search box's entry is looked for in the descriptions by grams PostgreSQL's
    statistics all list as common: a page of its matches is then likely among a store's newest
    complaints (`complaint_page`)."""
    query = clean_text(text)
    return _entry_kind(query)[0] == "words" and not words_misjudged_by_statistics(query)


def _looks_like_a_plate(compact):
    has_digit = any(c.isdigit() for c in compact)
    return (compact[:1] in PROVINCES and len(compact) >= 3) or (
        compact.isascii() and compact.isalnum() and has_digit and any(c.isalpha() for c in compact))


def _listed(ids_subquery, field):
    """`field IN (ids)` with the ids written out when there are few (KEYWORD_IDS_LISTED), else
    with the subquery itself."""
    listed = list(ids_subquery[:KEYWORD_IDS_LISTED + 1].values_list("pk", flat=True))
    if not listed:
        return Q(pk__in=[])
    return Q(**{f"{field}__in": listed if len(listed) <= KEYWORD_IDS_LISTED else ids_subquery})


def _listed_plate_condition(store_ids, text):
    """`plate_condition` with the vehicles' owners and repair orders listed when they are few."""
    vehicles = _plate_vehicles(store_ids, text)
    found = list(vehicles.values_list("pk", "owner_id")[:KEYWORD_IDS_LISTED + 1]) if vehicles is not None else []
    if len(found) > KEYWORD_IDS_LISTED:
        return plate_condition(store_ids, text)
    if not found:
        return Q(pk__in=[])
    visits = ServiceVisit.objects.filter(vehicle_id__in=[pk for pk, _owner in found]).values("pk")
    return Q(customer_id__in={owner for _pk, owner in found}) | _listed(visits, "visit_id")


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


def _first_ids(queryset, order, limit, *more):
    """The ids of the first `limit` rows of `queryset` in `order` (with the values of `more`,
    as tuples, when given): the rows are picked from the complaints alone, and joined to what
    they show only for those picked (`complaint_rows`)."""
    picked = queryset.order_by(*order)[:limit]
    if more:
        return list(picked.values_list("pk", *more))
    return list(picked.values_list("pk", flat=True))


LIST_ORDER = ("-created_at", "-id")
OVERDUE_ORDER = ("due_at", "id")
# A search over several stores for words the statistics misjudge, with at most this many
# matches, is paged from all its matches (`_page_of_few_matches`).
FEW_MATCHES = 2000


def _page_of_few_matches(queryset, *, now, cursor, size, overdue_limit):
    """`complaint_page` of a search over several stores whose matches are few (at most
    FEW_MATCHES), else None: every match read once, in no order (from the words' index and the
    listed customers'), and its overdue rows, page and cursor taken from them here. One query
    where the general way runs three over the same matches (a common full name over fifty
    stores, 281 customers listed to each: 6 + 5 + 1.3 ms).

    Asked for in no order, PostgreSQL reads the matches from the indexes; asked for the newest
    few of matches it wrongly guesses to be many, it walks every store's complaints newest first
    (85,000 of them for a two-character name at scale 1: 77 ms)."""
    found = list(queryset.order_by().values_list("created_at", "id", "status", "due_at", named=True)
                 [:FEW_MATCHES + 1])
    if len(found) > FEW_MATCHES:
        return None
    late = sorted((row.due_at, row.id) for row in found
                  if row.status in Complaint.OPEN and row.due_at is not None and row.due_at < now)
    urgent = [pk for _due, pk in late[:overdue_limit]]
    shown_urgent = set(urgent)
    page = keyset_page_of_keys([row for row in found if row.id not in shown_urgent], order=LIST_ORDER,
                               cursor=cursor, size=size)
    urgent = [] if cursor else urgent
    rows = complaint_rows(urgent + [row.id for row in page.items], now)
    return {
        "rows": rows,
        "overdue": [row for row in rows if row.pk in shown_urgent],
        "more_overdue": len(late) > overdue_limit and not cursor,
        "page": page,
    }


# A search of one store for common words reads its page from at most this many of the store's
# newest complaints (`_page_of_recent`).
RECENT_SCAN = 1000
_EARLIEST = dt.datetime(1, 1, 1, tzinfo=dt.UTC)


def _page_of_recent(queryset, store_id, *, cursor, size):
    """`complaint_page`'s page of a search of one store for words common in the descriptions,
    read from the store's newest RECENT_SCAN complaints (after `cursor`) row by row, with
    `queryset`'s conditions fit for that (`ComplaintFilter.few_rows_qs`); None when they hold no
    full page, which is then read by the words' index.

    From the words' index, PostgreSQL first gathers a common phrase's matches in every store
    (17,000 for 等待时间 at scale 1: 6 of the page's 8 ms) for the thirty newest of one store;
    taking the phrase's pairs for independent it expects a few matches, so it never walks the
    store's newest complaints instead, where the page is found among the first thousand in
    about a millisecond. The walk is bounded, so words that are rare after all cost at most
    that much more."""
    newest = (keyset_filter(Complaint.objects.filter(store_id=store_id), LIST_ORDER, cursor)
              .order_by(*LIST_ORDER).values("created_at")[RECENT_SCAN - 1:RECENT_SCAN])
    since = Coalesce(Subquery(newest), Value(_EARLIEST))
    rows = list(keyset_filter(queryset.filter(store_id=store_id, created_at__gte=since), LIST_ORDER, cursor)
                .order_by(*LIST_ORDER).values_list("id", "created_at", named=True)[:size + 1])
    if len(rows) <= size:
        return None
    return keyset_page_of_keys(rows, order=LIST_ORDER, size=size)


def complaint_page(queryset, *, store_ids, now, cursor=None, size=None, overdue_limit=None, searching=False,
                   few_rows_queryset=None, rare_words=False, common_words=False):
    """One page of the complaint list for the (scoped, filtered) `queryset` over `store_ids`.

    The first page begins with the overdue complaints, most overdue first (at most
    `overdue_limit`); then, on every page, the others newest first, by keyset, leaving out those
    shown on top. Two queries, on every page.

    Over several stores the candidates are read store by store from the indexes that begin with
    the store — unless `searching` by words: their index does not begin with the store, and read
    once per store it would be read fifty times; then one query over every store, newest first
    by `complaint_time` for a common word, from the words' index for a rare one.

    `few_rows_queryset`: the same complaints as `queryset`, filtered by conditions fit for
    checking row by row (`ComplaintFilter.few_rows_qs`), for the overdue rows of one store.

    `rare_words`: the words are ones PostgreSQL's statistics misjudge
    (`words_misjudged_by_statistics`): over several stores their matches are read first, and
    the page taken from them here when they are few.

    `common_words`: the words are ones the statistics list as common
    (`words_common_in_descriptions`): in one store their page is looked for among the store's
    newest complaints first (`_page_of_recent`)."""
    size = size or PAGE_SIZE
    overdue_limit = overdue_limit or OVERDUE_LIMIT
    if searching and rare_words and len(store_ids) > 1:
        few = _page_of_few_matches(queryset, now=now, cursor=cursor, size=size, overdue_limit=overdue_limit)
        if few is not None:
            return few
    if len(store_ids) == 1:
        # A store's overdue complaints are few: the words are checked on them.
        late = (queryset if few_rows_queryset is None else few_rows_queryset).filter(
            overdue(now), store_id=store_ids[0])
    elif searching:
        late = queryset.filter(overdue(now), store_id__in=store_ids)
    else:
        late = Complaint.objects.filter(
            pk__in=first_in_each_store(queryset.filter(overdue(now)), store_ids, OVERDUE_ORDER, overdue_limit + 1)
        )
    urgent = _first_ids(late, OVERDUE_ORDER, overdue_limit + 1)
    more_overdue = len(urgent) > overdue_limit
    urgent = urgent[:overdue_limit]
    page = None
    if searching and common_words and len(store_ids) == 1 and few_rows_queryset is not None:
        page = _page_of_recent(few_rows_queryset.exclude(pk__in=urgent), store_ids[0], cursor=cursor, size=size)
    if page is None:
        rest = queryset.exclude(pk__in=urgent)
        if searching:
            candidates = keyset_filter(rest, LIST_ORDER, cursor).order_by(*LIST_ORDER).values("pk")[: size + 1]
        else:
            candidates = first_in_each_store(keyset_filter(rest, LIST_ORDER, cursor), store_ids, LIST_ORDER, size + 1)
            if len(store_ids) > 1:
                candidates = Complaint.objects.filter(pk__in=candidates).order_by(*LIST_ORDER).values("pk")[: size + 1]
        page = keyset_page(
            Complaint.objects.filter(pk__in=candidates).values_list("id", "created_at", named=True),
            order=LIST_ORDER, cursor=cursor, size=size,
        )
    urgent = [] if cursor else urgent
    rows = complaint_rows(urgent + [row.id for row in page.items], now)
    shown_urgent = set(urgent)
    return {
        "rows": rows,
        "overdue": [row for row in rows if row.pk in shown_urgent],
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
    by time; the answer's own time and author come from its transition, per row. Three queries:
    the two lists' ids, then their rows."""
    limit, answered_limit = limit or INBOX_LIMIT, answered_limit or ANSWERED_LIMIT
    waiting = _first_ids(Complaint.objects.filter(department=department, status=Status.ASSIGNED),
                         ("due_at", "id"), limit + 1)
    answer = ComplaintTransition.objects.filter(complaint=OuterRef("pk"), to_status=Status.ANSWERED).order_by("-at")
    finished = (Coalesce("closed_at", "step_started_at").desc(), "-id")
    answered = _first_ids(
        Complaint.objects.filter(department=department, status__in=(Status.ANSWERED, Status.CLOSED)).annotate(
            answered_at=Subquery(answer.values("at")[:1]),
            answered_by=Subquery(
                answer.annotate(
                    name=Coalesce(NullIf(F("actor__full_name"), Value("")), F("actor__username"))
                ).values("name")[:1]
            ),
        ),
        finished, answered_limit, "answered_at", "answered_by",
    )
    answers = {pk: (at, by) for pk, at, by in answered}
    rows = {row.pk: row for row in complaint_rows(waiting[:limit] + list(answers), now, answers=answers)}
    return {
        "waiting": [rows[pk] for pk in waiting[:limit] if pk in rows],
        "waiting_truncated": len(waiting) > limit,
        "answered": [rows[pk] for pk in answers if pk in rows],
    }


# --- Triage board ----------------------------------------------------------------------------
STEPS = (Status.NEW, Status.ASSIGNED, Status.ANSWERED)


def triage_board(store_ids, *, now, limit=None, recent_days=None):
    """The supervisor's board: counts by status and overdue counts by step (one aggregate
    query), the new complaints awaiting triage, oldest first, and the overdue items of every
    step, most overdue first. Four queries: the counts, the two lists' ids, their rows.

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
    awaiting = _first_ids(Complaint.objects.filter(pk__in=new), oldest, limit + 1)
    late = first_in_each_store(scoped.filter(overdue(now)), store_ids, OVERDUE_ORDER, limit + 1)
    late_items = _first_ids(Complaint.objects.filter(pk__in=late), OVERDUE_ORDER, limit + 1)
    # A complaint both new and overdue is in both tables: its row is read once.
    rows = {row.pk: row for row in complaint_rows(dict.fromkeys(awaiting[:limit] + late_items[:limit]), now)}
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
        "awaiting": [rows[pk] for pk in awaiting[:limit] if pk in rows],
        "awaiting_truncated": len(awaiting) > limit,
        "late": [rows[pk] for pk in late_items[:limit] if pk in rows],
        "late_truncated": len(late_items) > limit,
    }


# --- Figures for the KPI module (kpi.metrics reads complaints only through these) -------------
# A complaint counts in the period it was registered in (acknowledgement, the department's
# answer, repeats, reopened rounds) or the one it was closed in (closed on time, time to close).
# Cancelled complaints (invalid, duplicates) count nowhere. Days are local dates in `zone`;
# working days follow the statutory calendar (CalendarDay rows, else Monday to Friday), like the
# deadlines. The SQL below is made of fixed strings only; every value is a parameter.
KPI_ACKNOWLEDGE_HOURS = 24          # seed 004: 24-hour response
KPI_ANSWER_WORKING_DAYS = 3         # seed 003: the department answers within 3 days
# Closed on time: acknowledged (1) + answered (3) + called back (1) working days, the default policy.
KPI_CLOSE_WORKING_DAYS = 5
KPI_REPEAT_MONTHS = 12


def _local_day(expression):
    return f"(({expression}) AT TIME ZONE %(zone)s)::date"


def _working_days_strictly_between(first, last):
    """Working days d with first < d < last (dates)."""
    return (
        f"(SELECT count(*) FROM generate_series(({first} + 1)::timestamp, ({last} - 1)::timestamp, interval '1 day') AS g(d) "
        "LEFT JOIN complaints_calendarday cal ON cal.day = g.d::date "
        "WHERE coalesce(cal.is_working_day, extract(isodow FROM g.d) < 6))"
    )


def _working_days_after_until(first, last):
    """Working days d with first < d <= last: the working days a complaint took."""
    return _working_days_strictly_between(first, f"({last} + 1)")


def _first_transition(alias, condition):
    return (f"(SELECT min(tr.at) FROM complaints_complainttransition tr "
            f"WHERE tr.complaint_id = {alias}.id AND {condition})")


# The first moves the figures look at: (name, condition on the transition row `tr`).
_FIRST_MOVES = (("acknowledged", "tr.from_status = 'new'"), ("assigned", "tr.to_status = 'assigned'"),
                ("answered", "tr.to_status = 'answered'"))


def _first_moves_lateral(alias):
    """A LATERAL subquery `firsts` giving each complaint's first moves in one read of its
    transitions (the counts over a month of the group read 18,000 complaints: one index scan
    each instead of five)."""
    columns = ", ".join(f"min(tr.at) FILTER (WHERE {condition}) AS {name}" for name, condition in _FIRST_MOVES)
    return (f"LEFT JOIN LATERAL (SELECT {columns} FROM complaints_complainttransition tr "
            f"WHERE tr.complaint_id = {alias}.id) firsts ON true")


def kpi_conditions(alias, firsts=None):
    """The SQL condition of each complaint figure, on the complaint row `alias`; `firsts`: the
    alias of `_first_moves_lateral` joined beside it, else each first move is a subquery."""
    if firsts:
        acknowledged, assigned, answered = (f"{firsts}.{name}" for name, _condition in _FIRST_MOVES)
    else:
        acknowledged, assigned, answered = (_first_transition(alias, condition) for _name, condition in _FIRST_MOVES)
    return {
        "valid": f"{alias}.status <> 'cancelled'",
        "acknowledged_24h": f"{acknowledged} <= {alias}.created_at + make_interval(hours => %(ack_hours)s)",
        "reached_department": f"{assigned} IS NOT NULL",
        "answered_3d": (
            f"{answered} IS NOT NULL AND "
            + _working_days_strictly_between(_local_day(assigned), _local_day(answered)) + " < %(answer_days)s"
        ),
        "reopened": f"{alias}.rounds >= 2",
        "repeat": (
            f"EXISTS (SELECT 1 FROM complaints_complaint earlier WHERE earlier.customer_id = {alias}.customer_id "
            f"AND earlier.id <> {alias}.id AND earlier.status <> 'cancelled' "
            f"AND earlier.created_at < {alias}.created_at "
            f"AND earlier.created_at >= {alias}.created_at - make_interval(months => %(repeat_months)s))"
        ),
        "closed_on_time": (
            f"{alias}.status = 'closed' AND "
            + _working_days_strictly_between(_local_day(f"{alias}.created_at"), _local_day(f"{alias}.closed_at"))
            + " < %(close_days)s"
        ),
        "close_days": _working_days_after_until(_local_day(f"{alias}.created_at"), _local_day(f"{alias}.closed_at")),
    }


_KPI_PARAMS = {"ack_hours": KPI_ACKNOWLEDGE_HOURS, "answer_days": KPI_ANSWER_WORKING_DAYS,
               "close_days": KPI_CLOSE_WORKING_DAYS, "repeat_months": KPI_REPEAT_MONTHS}
KPI_COMPLAINT_DIMENSIONS = {
    "store": "store_id", "department": "department_id", "channel": "channel", "category": "category",
    "advisor": "advisor_id",
}
KPI_REGISTERED_COUNTS = ["registered", "acknowledged_24h", "reached_department", "answered_3d", "reopened", "repeat"]
KPI_CLOSED_COUNTS = ["closed", "closed_on_time", "close_days_sum"]
_BUCKETS = {"day": "day", "week": "week", "month": "month", "quarter": "quarter", "year": "year"}


def kpi_complaint_counts(*, store_ids, start: dt.date, end: dt.date, zone, by=(), bucket=None) -> list[dict]:
    """Complaint counts of the period in one statement: registrations and closings, one row per
    dimension value (and bucket), each row carrying every count (zero where it has none)."""
    sql, params = kpi_complaint_statement(store_ids=store_ids, start=start, end=end, zone=zone, by=by, bucket=bucket)
    from django.db import connections, router

    merged = {}
    names = [*by, "bucket", *KPI_REGISTERED_COUNTS, *KPI_CLOSED_COUNTS]
    # Where the ORM would read complaints: the reports replica inside the KPI pages' reads.
    with connections[router.db_for_read(Complaint)].cursor() as cursor:
        cursor.execute(sql, params)
        for values in cursor.fetchall():
            row = dict(zip(names, values, strict=True))
            key = tuple(row[name] for name in [*by, "bucket"])
            into = merged.setdefault(key, {name: row[name] for name in [*by, "bucket"]} | dict.fromkeys(
                names[len(by) + 1:], 0))
            for name in names[len(by) + 1:]:
                into[name] += int(row[name] or 0)
    rows = list(merged.values())
    if not bucket:
        for row in rows:
            row.pop("bucket")
    return rows


def kpi_complaint_statement(*, store_ids, start, end, zone, by=(), bucket=None) -> tuple[str, dict]:
    """The SQL and parameters of `kpi_complaint_counts`."""
    zone_name = str(zone)
    dims = [KPI_COMPLAINT_DIMENSIONS[name] for name in by]
    cond = kpi_conditions("c", firsts="firsts")
    if bucket:
        reg_bucket = f"date_trunc('{_BUCKETS[bucket]}', c.created_at AT TIME ZONE %(zone)s)::date"
        close_bucket = f"date_trunc('{_BUCKETS[bucket]}', c.closed_at AT TIME ZONE %(zone)s)::date"
    else:
        reg_bucket = close_bucket = "NULL::date"
    # The repair order's advisor only when counting by advisor: the join costs a look-up per
    # complaint (30,000 for a month of the group).
    if "advisor" in by:
        advisor, advisor_join = "v.advisor_id", "LEFT JOIN customers_servicevisit v ON v.id = cc.visit_id"
    else:
        advisor, advisor_join = "NULL::bigint AS advisor_id", ""
    select_dims = "".join(f"c.{d}, " for d in dims)
    group = ", ".join([*[f"c.{d}" for d in dims], "bucket"])
    zeros_reg = ", ".join(f"0 AS {name}" for name in KPI_CLOSED_COUNTS)
    zeros_close = ", ".join(f"0 AS {name}" for name in KPI_REGISTERED_COUNTS)
    registered = ", ".join(
        ["count(*) AS registered"]
        + [f"count(*) FILTER (WHERE {cond[name]}) AS {name}" for name in KPI_REGISTERED_COUNTS[1:]]
    )
    closed = (f"count(*) AS closed, count(*) FILTER (WHERE {cond['closed_on_time']}) AS closed_on_time, "
              f"coalesce(sum({cond['close_days']}), 0) AS close_days_sum")
    sql = f"""
        WITH c AS (
            SELECT cc.*, {advisor}
            FROM complaints_complaint cc {advisor_join}
            WHERE cc.store_id = ANY(%(stores)s) AND cc.status <> 'cancelled'
              AND ((cc.created_at >= %(begin)s AND cc.created_at < %(finish)s)
                   OR (cc.closed_at >= %(begin)s AND cc.closed_at < %(finish)s))
        )
        SELECT {select_dims}{reg_bucket} AS bucket, {registered}, {zeros_reg}
        FROM c {_first_moves_lateral("c")}
        WHERE c.created_at >= %(begin)s AND c.created_at < %(finish)s GROUP BY {group}
        UNION ALL
        SELECT {select_dims}{close_bucket} AS bucket, {zeros_close}, {closed}
        FROM c WHERE c.status = 'closed' AND c.closed_at >= %(begin)s AND c.closed_at < %(finish)s GROUP BY {group}
    """
    begin = dt.datetime.combine(start, dt.time(), tzinfo=zone)
    finish = dt.datetime.combine(end, dt.time(), tzinfo=zone)
    params = {**_KPI_PARAMS, "zone": zone_name, "stores": list(store_ids), "begin": begin, "finish": finish}
    return sql, params


def kpi_complaints_where(figure, *, zone):
    """The complaint list's filter for a figure: `pk__in` the complaints its condition holds for
    (the same SQL as the counts above), as a self-contained subquery."""
    from django.db.models.expressions import RawSQL

    condition = kpi_conditions("k")[figure]
    params = {**_KPI_PARAMS, "zone": str(zone)}
    sql, values = _positional(f"SELECT k.id FROM complaints_complaint k WHERE k.status <> 'cancelled' AND {condition}",
                              params)
    return Q(pk__in=RawSQL(sql, values))


def _positional(sql, params):
    """%(name)s placeholders → %s with the values in order (RawSQL takes a list)."""
    values = []

    def replace(match):
        values.append(params[match.group(1)])
        return "%s"

    return re.sub(r"%\((\w+)\)s", replace, sql), values


def kpi_open_now(*, store_ids, now) -> dict:
    """Today's operational counts: open complaints and the overdue ones among them."""
    return Complaint.objects.filter(store_id__in=store_ids, status__in=Complaint.OPEN).aggregate(
        open=Count("id"), overdue=Count("id", filter=Q(due_at__lt=now)),
    )


def kpi_complaint_rows(*, store_ids, start: dt.date, end: dt.date, zone, limit=500) -> list[dict]:
    """The period's complaints with their causes, for the monthly report."""
    begin = dt.datetime.combine(start, dt.time(), tzinfo=zone)
    finish = dt.datetime.combine(end, dt.time(), tzinfo=zone)
    rows = (
        Complaint.objects.filter(store_id__in=store_ids, created_at__gte=begin, created_at__lt=finish)
        .exclude(status=Status.CANCELLED)
        .values("id", "number", "store_id", "created_at", "customer__name", "category", "channel", "status",
                "department__name", "description", "root_cause", "corrective_action", "rounds")
        .order_by("created_at", "id")[:limit]
    )
    categories, statuses = dict(Complaint.Category.choices), dict(Status.choices)
    return [
        {**row, "category_label": str(categories[row["category"]]), "status_label": str(statuses[row["status"]])}
        for row in rows
    ]


def kpi_complaint_by_number(store_ids, number):
    """A complaint of these stores by its number (for a corrective action opened from it), or None."""
    text = halfwidth(clean_text(number or "")).replace(" ", "").upper()
    return Complaint.objects.filter(store_id__in=store_ids, number=text).only("id", "number", "store_id").first()


# --- The customer file's complaints (registered with customers.panels in ComplaintsConfig.ready) --
# The customer file's complaint flag counts the complaints of the last twelve months.
COMPLAINT_FLAG_DAYS = 365


def with_customer_complaints(queryset):
    """Customers each with their complaints (newest first) as one JSON column, read in the
    customer's own query: the file's complaint flag and timeline cost no query of their own."""
    rows = (
        Complaint.objects.filter(customer=OuterRef("pk")).order_by().values("customer")
        .annotate(rows=JSONBAgg(
            JSONObject(id="id", number="number", category="category", status="status", created_at="created_at"),
            order_by="-created_at",
        ))
        .values("rows")
    )
    return queryset.annotate(complaint_rows=Subquery(rows))


def customer_complaints(customer):
    """The customer's complaints, newest first, as (unsaved) complaints carrying what the file
    shows; from `with_customer_complaints` when the customer was read with it, else one query."""
    if not hasattr(customer, "complaint_rows"):
        return list(
            Complaint.objects.filter(customer=customer).only("id", "number", "category", "status", "created_at")
            .order_by("-created_at")
        )
    return [
        Complaint(id=row["id"], customer=customer, number=row["number"], category=row["category"],
                  status=row["status"], created_at=dt.datetime.fromisoformat(row["created_at"]))
        for row in customer.complaint_rows or []
    ]


def complaint_flag(complaints, now=None):
    """What the file's flag says: complaints of the last twelve months and those still open
    (cancelled ones do not count); None when there is nothing to flag."""
    since = (now or timezone.now()) - dt.timedelta(days=COMPLAINT_FLAG_DAYS)
    counted = [c for c in complaints if c.status != c.Status.CANCELLED]
    recent = sum(1 for c in counted if c.created_at >= since)
    still_open = sum(1 for c in counted if c.is_open)
    if not (recent or still_open):
        return None
    return {"recent": recent, "open": still_open}


def customer_file_part(customer) -> dict:
    """The complaints' part of the customer file: their timeline entries and the file's flag."""
    complaints = customer_complaints(customer)
    return {
        "timeline": [("complaint", complaint.created_at, complaint) for complaint in complaints],
        "complaint_flag": complaint_flag(complaints),
    }
