"""The KPI roll-up: each store's month of counts (every source's numerators and denominators),
kept so that the pages over the whole group — the group view, the group's monthly report and its
workbook — read one row per store and month instead of counting a month of the group's records
on every request (at scale 1 about 230,000 repair orders, 500,000 calls and 30,000 complaints a
month: 2.3 s live).

The counts come from the same sources as the live pages (kpi.metrics.count_sources), for every
store at once, one query per source. A store's report and the store dashboard's current and last
month stay live; the dashboard's earlier trend months are read from here. A page that shows
rolled-up figures says as of when. The current month is refreshed every few minutes
and the trend's months nightly, where late imports and corrections of closed months are picked
up; a month never rolled up is counted live when a page asks for it."""
import datetime as dt
import json
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby

from django.db import connection, transaction
from django.utils import timezone

from aftersales.models import Store

from . import metrics
from .metrics import SOURCES, Period
from .models import FigureRollup

# The beat's interval for the current month (aftersales/schedules.py); the pages name it.
REFRESH_MINUTES = 10
# The nightly run refreshes the trend's months: 13, as the dashboards' charts show.
NIGHTLY_MONTHS = 13
PERIODIC_SOURCES = {key for key, source in SOURCES.items() if not source.snapshot}
SNAPSHOT_SOURCES = {key for key, source in SOURCES.items() if source.snapshot}
_DIMENSIONS = {"store", "bucket"}


@dataclass
class Rolled:
    """Figures by store and month (`table`, by ("store",) and bucketed by month) and the moment
    the oldest of them was counted (`as_of`)."""

    table: metrics.Table
    as_of: dt.datetime | None


def count_months(stores, months: list[Period]) -> dict:
    """{(store id, month's first day): {source: {count: number}}} for every store and month
    (contiguous, oldest first), stores without a record included; snapshot sources (customers by
    tier) as of now. One query per source and time zone."""
    counts = {}
    span = Period("span", months[0].start, months[-1].end)
    for zone_name, members in groupby(sorted(stores, key=lambda s: s.time_zone), key=lambda s: s.time_zone):
        members = list(members)
        ids = [store.pk for store in members]
        zone = zoneinfo.ZoneInfo(zone_name)
        periodic = metrics.count_sources(PERIODIC_SOURCES, store_ids=ids, period=span, zone=zone,
                                         by=("store",), bucket="month")
        snapshot = metrics.count_sources(SNAPSHOT_SOURCES, store_ids=ids, period=span, zone=zone, by=("store",))
        for store_id in ids:
            now_counts = {source: _plain(row) for source, row in snapshot.get((store_id,), {}).items()}
            for month in months:
                kept = {source: _plain(row) for source, row in periodic.get((store_id, month.start), {}).items()}
                counts[(store_id, month.start)] = {**kept, **now_counts}
    return counts


def _plain(row) -> dict:
    return {name: int(value or 0) for name, value in row.items()
            if name not in _DIMENSIONS and (value is None or isinstance(value, int | Decimal | float))}


def refresh(months: list[Period], *, stores=None, now=None) -> int:
    """Count the months again for the stores (default every active one) and keep the counts;
    returns the rows written. Safe to run twice and concurrently: one row per store and month."""
    now = now or timezone.now()
    stores = list(stores) if stores is not None else list(Store.objects.filter(is_active=True))
    if not stores or not months:
        return 0
    counts = count_months(stores, months)
    rows = [(store_id, month, json.dumps(kept), now) for (store_id, month), kept in counts.items()]
    # An upsert that keeps the newer count: of two refreshes at once, the one that began later
    # (and so counted later records) wins whichever finishes last.
    table = FigureRollup._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        for first in range(0, len(rows), 1000):
            batch = rows[first:first + 1000]
            cursor.execute(
                f"""INSERT INTO {table} (store_id, month, counts, computed_at)
                    VALUES {", ".join(["(%s, %s, %s::jsonb, %s)"] * len(batch))}
                    ON CONFLICT (store_id, month) DO UPDATE
                    SET counts = EXCLUDED.counts, computed_at = EXCLUDED.computed_at
                    WHERE {table}.computed_at <= EXCLUDED.computed_at""",
                [value for row in batch for value in row],
            )
    return len(rows)


def current_months(now=None, *, count=1) -> list[Period]:
    """The `count` months ending with the group's current one, oldest first."""
    now = now or timezone.now()
    stores = list(Store.objects.filter(is_active=True))
    if not stores:
        return []
    today = timezone.localtime(now, metrics.zone_of(stores)).date()
    return metrics.months_back(Period.containing("month", today), count)


def refresh_current(now=None) -> int:
    return refresh(current_months(now), now=now)


def refresh_nightly(now=None) -> int:
    return refresh(current_months(now, count=NIGHTLY_MONTHS), now=now)


def read(stores, months: list[Period], figures) -> Rolled:
    """The figures for the stores and months (contiguous, oldest first) from the roll-up; the
    store-months it has no row for yet are counted live (and not kept: a page may be reading a
    replica)."""
    ids = [store.pk for store in stores]
    counts, as_of = {}, None
    for store_id, month, kept, computed_at in FigureRollup.objects.filter(
        store_id__in=ids, month__in=[month.start for month in months]
    ).values_list("store_id", "month", "counts", "computed_at"):
        counts[(store_id, month)] = kept
        as_of = computed_at if as_of is None else min(as_of, computed_at)
    missing = [month for month in months if any((store_id, month.start) not in counts for store_id in ids)]
    if missing:
        live = count_months(stores, metrics.months_back(missing[-1], _months_between(missing[0], missing[-1])))
        for key, kept in live.items():
            counts.setdefault(key, kept)
    chosen = metrics.choose(figures, by=("store",))
    table = metrics.tabulate(counts, chosen, by=("store",), bucket="month", period=months[-1], store_ids=ids)
    return Rolled(table=table, as_of=as_of)


def _months_between(first: Period, last: Period) -> int:
    return (last.start.year - first.start.year) * 12 + last.start.month - first.start.month + 1


def group_totals(table: metrics.Table, months: list[Period]) -> metrics.Table:
    """The group's figures by month from the stores': every figure is a count over a count and
    each record counted belongs to one store, so the group's numerator and denominator are the
    sums of the stores'."""
    total = metrics.Table(by=(), bucket="month")
    for month in months:
        sums = {}
        for key, values in table.rows.items():
            if key[-1] != month.start:
                continue
            for figure_key, value in values.items():
                numerator, denominator = sums.get(figure_key, (0, None))
                if value.denominator is not None:
                    denominator = (denominator or 0) + value.denominator
                sums[figure_key] = (numerator + value.numerator, denominator)
        if sums:
            total.rows[(month.start,)] = {
                key: metrics.Value(metrics.FIGURES[key], numerator, denominator,
                                   metrics.FIGURES[key].value_of(numerator, denominator),
                                   drill_url=metrics.FIGURES[key].drill(month, {}) if metrics.FIGURES[key].drill
                                   else None)
                for key, (numerator, denominator) in sums.items()
            }
    return total


def kept_pairs(store, period: Period):
    """{figure: (numerator, denominator or None)} as the roll-up keeps the store's month, and when
    it counted them; None when it has no row for it (for kpi_reconcile)."""
    found = FigureRollup.objects.filter(store=store, month=period.start).values_list("counts", "computed_at").first()
    if found is None:
        return None
    counts, computed_at = found
    table = metrics.tabulate({(store.pk, period.start): counts}, metrics.choose(by=("store",)), by=("store",),
                             bucket="month", period=period)
    values = table.get((store.pk, period.start))
    return {key: (value.numerator, value.denominator) for key, value in values.items()}, computed_at
