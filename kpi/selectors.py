"""Reads of the KPI pages: the store dashboard, the group view and the monthly report, each in a
fixed number of queries (one per source table, the targets, today's counts)."""
import datetime as dt
from decimal import Decimal

from django.utils import timezone

import appointments.selectors as appointment_selectors
import complaints.selectors as complaint_selectors
import visits.selectors as visit_selectors
from aftersales.models import Store
from aftersales.scoping import for_user

from . import metrics, rollup
from .metrics import FIGURES, HEADLINE, Period
from .targets import targets_for

TREND_MONTHS = 13
# The dashboard's months counted live; the trend's earlier months come from the roll-up.
LIVE_MONTHS = 2
TREND_FIGURES = [key for key in HEADLINE if not FIGURES[key].snapshot]
REPORT_TREND = [key for key in metrics.REPORT if not FIGURES[key].snapshot]
SNAPSHOT_FIGURES = [key for key in HEADLINE if FIGURES[key].snapshot]


def visible_stores(user) -> list[Store]:
    return list(for_user(Store.objects.filter(is_active=True), user).order_by("code"))


def local_today(store) -> dt.date:
    return timezone.localtime(timezone.now(), metrics.zone_of([store])).date()


def _with_targets(values: dict, targets, store_id, month):
    for key, value in values.items():
        found = targets.get((store_id, month, key))
        if found:
            value.target, value.target_source = found
    return values


def month_values(table, period, keys, prefix=()):
    """{figure: Value} of one month of a bucketed table (or of an unbucketed one), with "—" for
    a month without records."""
    row = table.get(tuple(prefix) + ((period.start,) if table.bucket else ()))
    named = {**table.fixed, **dict(zip(table.by, prefix, strict=False))}
    return {key: row.get(key) or metrics.empty_value(key, period, named) for key in keys}


def store_dashboard(store, *, today=None) -> dict:
    """This month so far against its target and last month, the figures most off target first,
    13 months of trends with their targets, and today's counts.

    This month and last month are counted live (last month's calls are still being made); the
    eleven months before come from the roll-up as the nightly run counted them (`trend_as_of`):
    counting them live was four fifths of the page's time at scale 1."""
    zone = metrics.zone_of([store])
    today = today or local_today(store)
    this_month = Period.containing("month", today)
    months = metrics.months_back(this_month, TREND_MONTHS)
    live = Period("span", months[-LIVE_MONTHS].start, months[-1].end)
    trend = metrics.compute(store_ids=[store.pk], period=live, zone=zone, bucket="month", figures=TREND_FIGURES)
    earlier = rollup.read([store], months[:-LIVE_MONTHS], TREND_FIGURES)
    for (_store_id, month), values in earlier.table.rows.items():
        trend.rows.setdefault((month,), values)
    snapshot = metrics.compute(store_ids=[store.pk], period=this_month, zone=zone, figures=SNAPSHOT_FIGURES)
    targets = targets_for([store.pk], [m.start for m in months])
    current = month_values(trend, this_month, TREND_FIGURES)
    current.update(month_values(snapshot, this_month, SNAPSHOT_FIGURES))
    _with_targets(current, targets, store.pk, this_month.start)
    previous = month_values(trend, this_month.previous(), TREND_FIGURES)
    _with_targets(previous, targets, store.pk, this_month.previous().start)
    rows = [
        {"figure": FIGURES[key], "now": current[key], "before": previous.get(key)}
        for key in HEADLINE
    ]
    rows.sort(key=lambda row: (-row["now"].gap, HEADLINE.index(row["figure"].key)))
    charts = []
    for key in TREND_FIGURES:
        figure = FIGURES[key]
        series = [month_values(trend, month, [key])[key] for month in months]
        charts.append({
            "key": key, "label": str(figure.label), "unit": metrics.UNIT_LABELS[figure.unit] and str(
                metrics.UNIT_LABELS[figure.unit]),
            "months": [str(month) for month in months],
            "values": [_number(value.value) for value in series],
            "targets": [_number(targets.get((store.pk, month.start, key), (None,))[0]) for month in months],
        })
    now = timezone.now()
    return {
        "store": store, "period": this_month, "previous": this_month.previous(), "today": today,
        "rows": rows, "charts": charts, "trend_as_of": earlier.as_of,
        "queue": visit_selectors.kpi_queue_now(store_ids=[store.pk], today=today),
        "complaints_now": complaint_selectors.kpi_open_now(store_ids=[store.pk], now=now),
        "appointments_today": appointment_selectors.kpi_today(store_ids=[store.pk], day=today, zone=zone),
    }


def group_view(stores, *, period: Period) -> dict:
    """The stores side by side for a month, each figure ranked best first, from the roll-up
    (kpi.rollup: as of `as_of`)."""
    rolled = rollup.read(stores, [period], HEADLINE)
    total = rollup.group_totals(rolled.table, [period])
    store_ids = [store.pk for store in stores]
    targets = targets_for(store_ids, [period.start])
    per_store = {
        store.pk: _with_targets(month_values(rolled.table, period, HEADLINE, (store.pk,)), targets, store.pk,
                                period.start)
        for store in stores
    }
    rows = []
    for key in HEADLINE:
        figure = FIGURES[key]
        measured = [(store, per_store[store.pk][key]) for store in stores]
        ranked = sorted(
            [item for item in measured if item[1].value is not None],
            key=lambda item: item[1].value, reverse=figure.higher_is_better,
        )
        ranks = {store.pk: index + 1 for index, (store, _value) in enumerate(ranked)}
        rows.append({
            "figure": figure, "group": month_values(total, period, [key])[key],
            "cells": [{"store": store, "value": value, "rank": ranks.get(store.pk)} for store, value in measured],
        })
    return {"period": period, "stores": stores, "rows": rows, "as_of": rolled.as_of}


def monthly_figures(store_ids, *, period: Period, zone, months=6) -> dict:
    """The report's figures counted live: the month and the months before it (oldest first), per
    figure, as plain data (kept as the report's snapshot) — numerators and denominators included."""
    history = metrics.months_back(period, months)
    span = Period("span", history[0].start, history[-1].end)
    trend = metrics.compute(store_ids=store_ids, period=span, zone=zone, bucket="month", figures=REPORT_TREND)
    snapshot = metrics.compute(store_ids=store_ids, period=period, zone=zone, figures=SNAPSHOT_FIGURES)
    targets = targets_for(store_ids, [period.start]) if len(store_ids) == 1 else {}
    return figures_as_data(trend, snapshot, period=period, history=history, targets=targets,
                           store_id=store_ids[0] if len(store_ids) == 1 else None)


def group_monthly_figures(stores, *, period: Period, months=6) -> tuple[dict, object]:
    """The group's report figures from the roll-up (the stores' counts added up), as
    `monthly_figures` gives them, and the moment they were counted."""
    history = metrics.months_back(period, months)
    rolled = rollup.read(stores, history, metrics.REPORT)
    total = rollup.group_totals(rolled.table, history)
    # The snapshot figures (customers by tier) as the report's month last counted them.
    snapshot = metrics.Table(by=(), bucket=None, rows={(): total.get((period.start,))})
    figures = figures_as_data(total, snapshot, period=period, history=history, targets={}, store_id=None)
    return figures, rolled


def figures_as_data(trend, snapshot, *, period, history, targets, store_id) -> dict:
    """{figure: plain data} from a table of months (`trend`) and one of the month's snapshot
    figures: the month's counts, value, target and status, and the months before."""
    figures = {}
    for key in metrics.REPORT:
        source = snapshot if key in SNAPSHOT_FIGURES else trend
        months_shown = [period] if key in SNAPSHOT_FIGURES else history
        series = [month_values(source, month, [key])[key] for month in months_shown]
        current = series[-1]
        target = targets.get((store_id, period.start, key)) if targets else None
        figures[key] = {
            "numerator": current.numerator, "denominator": current.denominator,
            "value": _text(current.value), "display": current.display,
            "target": _text(target[0]) if target else None, "target_source": target[1] if target else "",
            "status": _status(FIGURES[key], current.value, target[0] if target else None),
            "history": [{"month": str(month), "value": _text(value.value), "display": value.display}
                        for month, value in zip(months_shown, series, strict=True)],
        }
    return figures


def _status(figure, value, target):
    if value is None or target is None:
        return ""
    return "good" if metrics.meets(figure, value, target) else "bad"


def _number(value):
    return float(value) if value is not None else None


def _text(value):
    return str(value) if value is not None else None


def to_decimal(text):
    return Decimal(text) if text is not None else None
