"""Every figure of the KPI module, defined once: what it counts (a numerator and a denominator,
each a count one app's selector aggregates in SQL), its unit, which way is better and where its
records are listed (the drill-down). Pages, the report, the workbook, the emails and the tests all
read the figures from here.

A source is one aggregate statement of one app's selector (`<app>/selectors.py`, `kpi_*`): it
returns rows of counts grouped by the dimensions asked for (and by a period bucket). `compute`
runs each source a figure set needs exactly once, so a store's month costs one query per source
table whatever the number of figures. A figure from a new app (appointments, customer care) is a
new `Source` calling that app's selector and a `Figure` naming its counts.
"""
import datetime as dt
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

import appointments.selectors as appointment_selectors
import complaints.selectors as complaint_selectors
import customers.selectors as customer_selectors
import visits.selectors as visit_selectors
from aftersales.links import path_of

PERCENT, SCORE, COUNT, DAYS, POINTS = "percent", "score", "count", "days", "points"
UNIT_LABELS = {PERCENT: "%", SCORE: pgettext_lazy("unit", "score"), COUNT: pgettext_lazy("unit", "count"),
               DAYS: pgettext_lazy("unit", "working days"), POINTS: pgettext_lazy("unit", "points (0–100)")}
EMPTY = "—"
PERIOD_KINDS = ("day", "week", "month", "quarter", "year")
DIMENSIONS = {
    "store": _("Store"), "advisor": _("Service advisor"), "department": _("Department"),
    "repair_type": _("Repair type"), "channel": _("Channel"), "kind": _("Kind of call"),
    "category": _("Category"),
}


# --- Periods -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Period:
    """[start, end) in local dates."""

    kind: str
    start: dt.date
    end: dt.date

    @classmethod
    def containing(cls, kind: str, day: dt.date) -> "Period":
        if kind == "day":
            return cls(kind, day, day + dt.timedelta(days=1))
        if kind == "week":
            start = day - dt.timedelta(days=day.weekday())
            return cls(kind, start, start + dt.timedelta(days=7))
        if kind == "month":
            start = day.replace(day=1)
            return cls(kind, start, add_months(start, 1))
        if kind == "quarter":
            start = day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
            return cls(kind, start, add_months(start, 3))
        if kind == "year":
            start = day.replace(month=1, day=1)
            return cls(kind, start, start.replace(year=start.year + 1))
        raise ValueError(f"unknown period kind {kind!r}")

    @classmethod
    def month(cls, year: int, month: int) -> "Period":
        return cls.containing("month", dt.date(year, month, 1))

    def previous(self) -> "Period":
        return Period.containing(self.kind, self.start - dt.timedelta(days=1))

    def next(self) -> "Period":
        return Period.containing(self.kind, self.end)

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    def __str__(self):
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        if self.kind == "year":
            return f"{self.start:%Y}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "day":
            return self.start.isoformat()
        return f"{self.start.isoformat()} – {self.last_day.isoformat()}"


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return day.replace(year=index // 12, month=index % 12 + 1, day=1)


def months_back(period: Period, count: int) -> list[Period]:
    """The `count` months ending with `period` (a month), oldest first."""
    return [Period.containing("month", add_months(period.start, -i)) for i in range(count - 1, -1, -1)]


def zone_of(stores) -> zoneinfo.ZoneInfo:
    """The time zone periods are counted in: the stores' own when they share one, else the group's."""
    zones = {store.time_zone for store in stores}
    return zoneinfo.ZoneInfo(zones.pop() if len(zones) == 1 else settings.TIME_ZONE)


# --- Sources: one aggregate statement of one app each ---------------------------------------------
def _mystery_shopper_counts(**kwargs):
    from .mystery_shopper import kpi_mystery_shopper_counts

    return kpi_mystery_shopper_counts(**kwargs)


@dataclass(frozen=True)
class Source:
    key: str
    read: Callable
    dimensions: frozenset
    # A snapshot (customers by loyalty tier) is as of now, not of a period, and has no buckets.
    snapshot: bool = False

    def rows(self, *, store_ids, period, zone, by, bucket):
        if self.snapshot:
            return self.read(store_ids=store_ids, by=by)
        return self.read(store_ids=store_ids, start=period.start, end=period.end, zone=zone, by=by, bucket=bucket)


SOURCES = {
    source.key: source
    for source in (
        Source("calls", visit_selectors.kpi_call_counts, frozenset({"store", "advisor", "repair_type", "kind"})),
        Source("surveys", visit_selectors.kpi_survey_counts, frozenset({"store", "advisor", "repair_type"})),
        Source("dissatisfactions", visit_selectors.kpi_dissatisfaction_counts,
               frozenset({"store", "advisor", "repair_type"})),
        Source("complaints", complaint_selectors.kpi_complaint_counts,
               frozenset({"store", "department", "channel", "category", "advisor"})),
        Source("repair_orders", customer_selectors.kpi_repair_order_counts,
               frozenset({"store", "advisor", "repair_type"})),
        Source("customers", customer_selectors.kpi_customer_counts, frozenset({"store"}), snapshot=True),
        Source("mystery_shopper", _mystery_shopper_counts, frozenset({"store", "advisor"})),
        Source("appointments", appointment_selectors.kpi_appointment_counts,
               frozenset({"store", "advisor", "channel"})),
        Source("arrivals", appointment_selectors.kpi_arrival_counts, frozenset({"store", "advisor"})),
        Source("care", visit_selectors.kpi_care_counts, frozenset({"store"})),
    )
}


# --- Drill-downs: the existing lists, filtered to exactly the records a numerator counts ------------
def _url(name, params):
    return f"{path_of(name)}?{urlencode({k: v for k, v in params.items() if v not in (None, '')})}"


def _complaints_registered(kpi):
    def drill(period, key):
        return _url("complaints:list", {
            "registered_after": period.start.isoformat(), "registered_before": period.last_day.isoformat(),
            "kpi": kpi, "store": key.get("store"), "department": key.get("department"),
            "channel": key.get("channel"), "category": key.get("category"),
        }) if "advisor" not in key else None
    return drill


def _complaints_closed(kpi):
    def drill(period, key):
        return _url("complaints:list", {
            "closed_after": period.start.isoformat(), "closed_before": period.last_day.isoformat(),
            "status": "closed", "kpi": kpi, "store": key.get("store"), "department": key.get("department"),
            "channel": key.get("channel"), "category": key.get("category"),
        }) if "advisor" not in key else None
    return drill


def _customers_in_tier(tier):
    def drill(period, key):
        return _url("customers:list", {"loyalty_tier": tier, "store": key.get("store")})
    return drill


def _repair_orders(period, key):
    return _url("customers:visit_list", {
        "opened_after": period.start.isoformat(), "opened_before": period.last_day.isoformat(), "counted": "true",
        "store": key.get("store"), "advisor": key.get("advisor"), "repair_type": key.get("repair_type"),
    })


def _appointments(kpi):
    """The appointment list of the period's slots, filtered to what `kpi` counts."""
    def drill(period, key):
        if "advisor" in key and key["advisor"] is None:
            return None  # the list has no "without an advisor" filter
        return _url("appointments:list", {
            "day_after": period.start.isoformat(), "day_before": period.last_day.isoformat(), "kpi": kpi,
            "store": key.get("store"), "advisor": key.get("advisor"), "source": key.get("channel"),
        })
    return drill


def _unlistable(key):
    """A group the lists cannot filter to: no advisor, or no repair type (a call without a repair
    order); the lists have no "without" filter, so such a figure has no drill-down."""
    return any(name in key and key[name] is None for name in ("advisor", "repair_type"))


def _calls(count):
    """The follow-up list of the calls due in the period, filtered to the count (visits.selectors.
    KPI_CALL_FILTERS)."""
    def drill(period, key):
        return None if _unlistable(key) else _url("visits:followup_list", {
            "due_after": period.start.isoformat(), "due_before": period.last_day.isoformat(), "kpi": count,
            "store": key.get("store"), "advisor": key.get("advisor"), "repair_type": key.get("repair_type"),
            "kind": key.get("kind"),
        })
    return drill


def _surveys(count):
    """The survey answers recorded in the period, filtered to the count (KPI_SURVEY_FILTERS)."""
    def drill(period, key):
        return None if _unlistable(key) else _url("visits:survey_list", {
            "recorded_after": period.start.isoformat(), "recorded_before": period.last_day.isoformat(),
            "kpi": count, "store": key.get("store"), "advisor": key.get("advisor"),
            "repair_type": key.get("repair_type"),
        })
    return drill


def _dissatisfactions(period, key):
    return None if _unlistable(key) else _url("visits:dissatisfaction_list", {
        "recorded_after": period.start.isoformat(), "recorded_before": period.last_day.isoformat(),
        "store": key.get("store"), "advisor": key.get("advisor"), "repair_type": key.get("repair_type"),
    })


# --- Figures ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    numerator: tuple[str, str]
    denominator: tuple[str, str] | None
    unit: str
    higher_is_better: bool
    # (period, key) → the URL of the list of the records the numerator counts, or None.
    drill: Callable | None = None
    description: str = ""
    group: str = "calls"
    # What the drill-down lists: the records the numerator counts, or (for an average) those of
    # the denominator.
    drill_counts: str = "numerator"

    @property
    def sources(self) -> set[str]:
        return {self.numerator[0], *([self.denominator[0]] if self.denominator else [])}

    def applies_to(self, by) -> bool:
        return all(set(by) <= SOURCES[source].dimensions for source in self.sources)

    @property
    def snapshot(self) -> bool:
        return any(SOURCES[source].snapshot for source in self.sources)

    def value_of(self, numerator, denominator) -> Decimal | None:
        if self.denominator is None:
            return Decimal(numerator)
        if not denominator:
            return None
        scale = 100 if self.unit == PERCENT else 1
        return (Decimal(numerator) * scale / Decimal(denominator)).quantize(Decimal("0.1"), ROUND_HALF_UP) \
            if self.unit == PERCENT else (Decimal(numerator) / Decimal(denominator)).quantize(
                Decimal("0.01"), ROUND_HALF_UP)

    def display(self, value) -> str:
        if value is None:
            return EMPTY
        if self.unit == PERCENT:
            return f"{value}%"
        return f"{value}"


def _survey_figures():
    figures = []
    for name, label in visit_selectors.DIMENSIONS:
        figures.append(Figure(
            f"satisfaction_{name}", _("Satisfaction: %(dimension)s") % {"dimension": label},
            ("surveys", f"{name}_satisfied"), ("surveys", f"{name}_answered"), PERCENT, True,
            drill=_surveys(f"{name}_satisfied"), description=_("Answers of 4 or 5 out of the answers to this question."), group="satisfaction",
        ))
        figures.append(Figure(
            f"score_{name}", _("Average score: %(dimension)s") % {"dimension": label},
            ("surveys", f"{name}_sum"), ("surveys", f"{name}_answered"), SCORE, True,
            drill=_surveys(f"{name}_answered"), drill_counts="denominator", description=_("Mean of the 1–5 answers to this question."), group="satisfaction",
        ))
    return figures


FIGURES = {
    figure.key: figure
    for figure in [
        Figure("return_visit_rate", _("Return-visit rate"), ("calls", "made"), ("calls", "due"), PERCENT, True,
               drill=_calls("made"), description=_("Calls finished (done, or unreachable after every attempt) out of the calls due in "
                             "the period (not skipped, not cancelled, not covered by another call).")),
        Figure("contact_rate", _("Successful-contact rate"), ("calls", "reached"), ("calls", "made"), PERCENT, True,
               drill=_calls("reached"), description=_("Calls that reached the customer out of the calls finished.")),
        Figure("warranty_return_visit_rate", _("Warranty return-visit rate"), ("calls", "warranty_made"),
               ("calls", "warranty_due"), PERCENT, True, drill=_calls("warranty_made"),
               description=_("The return-visit rate of the calls after warranty repairs.")),
        Figure("satisfaction_rate", _("Satisfaction rate"), ("surveys", "overall_satisfied"),
               ("surveys", "overall_answered"), PERCENT, True, group="satisfaction",
               drill=_surveys("overall_satisfied"),
               description=_("Overall satisfaction answered 4 or 5 out of the overall answers recorded in the "
                             "period (on site and by phone).")),
        Figure("average_score", _("Average satisfaction score"), ("surveys", "overall_sum"),
               ("surveys", "overall_answered"), SCORE, True, group="satisfaction",
               drill=_surveys("overall_answered"), drill_counts="denominator",
               description=_("Mean of the overall answers (1–5).")),
        *_survey_figures(),
        Figure("fixed_right_first_time", _("Fixed right the first time"), ("surveys", "fixed_right_yes"),
               ("surveys", "fixed_right_answered"), PERCENT, True, group="satisfaction",
               drill=_surveys("fixed_right_yes"), description=_("“Yes” out of the answers to “fixed right the first time”.")),
        Figure("mystery_shopper_score", _("Mystery-shopper score"), ("mystery_shopper", "score_sum"),
               ("mystery_shopper", "checks"), POINTS, True, group="satisfaction",
               description=_("Mean score (0–100) of the open and secret checks made in the period.")),
        Figure("dissatisfactions", _("Dissatisfactions"), ("dissatisfactions", "dissatisfactions"), None, COUNT,
               False, group="satisfaction", drill=_dissatisfactions,
               description=_("Unhappy answers recorded in the period (a score of 2 or less, or not fixed right).")),
        Figure("complaints", _("Complaints"), ("complaints", "registered"), None, COUNT, False,
               drill=_complaints_registered("valid"), group="complaints",
               description=_("Complaints registered in the period, not cancelled.")),
        Figure("complaint_rate", _("Complaint rate (per 100 repair orders)"), ("complaints", "registered"),
               ("repair_orders", "repair_orders"), PERCENT, False, drill=_complaints_registered("valid"),
               group="complaints",
               description=_("Complaints registered out of the repair orders opened in the period (not cancelled).")),
        Figure("acknowledged_24h", _("Complaints acknowledged within 24 h"), ("complaints", "acknowledged_24h"),
               ("complaints", "registered"), PERCENT, True, drill=_complaints_registered("acknowledged_24h"),
               group="complaints",
               description=_("Routed or cancelled within 24 hours of registration, out of the complaints "
                             "registered in the period.")),
        Figure("answered_3d", _("Complaints answered within 3 working days"), ("complaints", "answered_3d"),
               ("complaints", "reached_department"), PERCENT, True, drill=_complaints_registered("answered_3d"),
               group="complaints",
               description=_("The department's first answer by the end of the 3rd working day after it got the "
                             "complaint, out of the complaints of the period that reached a department.")),
        Figure("closed_on_time", _("Complaints closed on time"), ("complaints", "closed_on_time"),
               ("complaints", "closed"), PERCENT, True, drill=_complaints_closed("closed_on_time"),
               group="complaints",
               description=_("Closed by the end of the 5th working day after registration, out of the "
                             "complaints closed in the period.")),
        Figure("time_to_close", _("Average time to close"), ("complaints", "close_days_sum"), ("complaints", "closed"),
               DAYS, False, drill=_complaints_closed(""), group="complaints", drill_counts="denominator",
               description=_("Working days from registration to closing, averaged over the complaints closed in "
                             "the period.")),
        Figure("reopened", _("Reopened complaints"), ("complaints", "reopened"), None, COUNT, False,
               drill=_complaints_registered("reopened"), group="complaints",
               description=_("Complaints of the period sent back to the department after an unhappy callback.")),
        Figure("repeat_complaints", _("Repeat complaints"), ("complaints", "repeat"), None, COUNT, False,
               drill=_complaints_registered("repeat"), group="complaints",
               description=_("Complaints of the period whose customer complained before within 12 months.")),
        Figure("repair_orders", _("Repair orders"), ("repair_orders", "repair_orders"), None, COUNT, True,
               drill=_repair_orders, group="customers",
               description=_("Repair orders opened in the period, not cancelled.")),
        Figure("loyal_customers", _("Loyal customers"), ("customers", "loyal"), None, COUNT, True,
               drill=_customers_in_tier("loyal"), group="customers",
               description=_("Customers in the loyal tier now (4 visits in 24 months, by the store's rule).")),
        Figure("lapsing_customers", _("Lapsing customers"), ("customers", "lapsing"), None, COUNT, False,
               drill=_customers_in_tier("lapsing"), group="customers",
               description=_("Customers with no visit for 6 months now.")),
        Figure("churned_customers", _("Churned customers"), ("customers", "churned"), None, COUNT, False,
               drill=_customers_in_tier("churned"), group="customers",
               description=_("Customers with no visit for 12 months now.")),
        Figure("churn_rate", _("Churn rate"), ("customers", "churned"), ("customers", "with_visits"), PERCENT, False,
               drill=_customers_in_tier("churned"), group="customers",
               description=_("Churned customers out of the customers with at least one visit, now.")),
        # An appointment is marked arrived only on its own day, so the booked arrivals of a period
        # are the appointments of its days that were shown: the list's "shown" drill-down.
        Figure("appointment_rate", _("Appointment rate"), ("arrivals", "booked"), ("arrivals", "all"), PERCENT,
               True, drill=_appointments("shown"), group="appointments",
               description=_("Customers who came with an appointment out of all who came in the period "
                             "(with an appointment or as a walk-in), by the day they came.")),
        Figure("show_rate", _("Show rate"), ("appointments", "shown"), ("appointments", "due"), PERCENT, True,
               drill=_appointments("shown"), group="appointments",
               description=_("Appointments arrived (or since completed) out of the appointments due in the "
                             "period (by the day of the slot, not cancelled).")),
        Figure("no_show_rate", _("No-show rate"), ("appointments", "no_shows"), ("appointments", "due"), PERCENT,
               False, drill=_appointments("no_shows"), group="appointments",
               description=_("Appointments marked no-show out of the appointments due in the period.")),
        Figure("online_share", _("Online share"), ("appointments", "online"), ("appointments", "due"), PERCENT,
               True, drill=_appointments("online"), group="appointments",
               description=_("Appointments the customers booked online out of the appointments due in the "
                             "period.")),
        Figure("d2_confirmation_rate", _("D-2 confirmation rate"), ("appointments", "confirmed"),
               ("appointments", "due"), PERCENT, True, drill=_appointments("confirmed"), group="appointments",
               description=_("Appointments confirmed before their day (the D-2 call or otherwise) out of the "
                             "appointments due in the period.")),
        Figure("reminder_conversion", _("Maintenance reminders → bookings"), ("care", "reminders_booked"),
               ("care", "reminders"), PERCENT, True, group="care",
               description=_("Maintenance reminders sent in the period followed within 30 days by a booking from "
                             "the reminder or a repair order (neither cancelled).")),
        Figure("renewal_rate", _("Insurance renewal rate"), ("care", "renewed_here"), ("care", "renewal_base"),
               PERCENT, True, group="care",
               description=_("Policies expiring in the period renewed with us, out of those the renewal calls "
                             "covered (a car sold leaves the base).")),
        Figure("won_back", _("Lost customers won back"), ("care", "won_back"), ("care", "recalled"), PERCENT, True,
               group="care",
               description=_("Lost customers recalled in the period who opened a repair order within 180 days "
                             "of the recall.")),
    ]
}
# The figures of the dashboard and the report, in the order they are shown.
HEADLINE = [
    "return_visit_rate", "contact_rate", "warranty_return_visit_rate", "satisfaction_rate", "average_score",
    "fixed_right_first_time", "mystery_shopper_score", "dissatisfactions", "complaints", "complaint_rate",
    "acknowledged_24h", "answered_3d", "closed_on_time", "time_to_close", "reopened", "repeat_complaints",
    "repair_orders", "loyal_customers", "lapsing_customers", "churned_customers", "churn_rate",
    "appointment_rate", "show_rate", "no_show_rate", "online_share", "d2_confirmation_rate",
    "reminder_conversion", "renewal_rate", "won_back",
]
# The report shows every figure: the headline ones, then each CSI dimension.
REPORT = HEADLINE + [key for key in FIGURES if key not in HEADLINE]
# Figures the design asks for whose app does not exist on this branch yet; each becomes a Source
# calling that app's selector and a Figure here when the app lands.
NOT_YET: dict[str, str] = {}


# --- Computing -----------------------------------------------------------------------------------------
@dataclass
class Value:
    figure: Figure
    numerator: int
    denominator: int | None
    value: Decimal | None
    drill_url: str | None = None
    target: "Decimal | None" = None
    target_source: str = ""

    @property
    def display(self):
        return self.figure.display(self.value)

    @property
    def status(self) -> str:
        """"good", "bad" or "" (no target, or nothing to measure)."""
        if self.value is None or self.target is None:
            return ""
        return "good" if meets(self.figure, self.value, self.target) else "bad"

    @property
    def gap(self) -> Decimal:
        """How far off target, relative to the target, worse is larger; 0 when on target."""
        if self.value is None or self.target is None or self.status == "good":
            return Decimal(0)
        base = abs(self.target) or Decimal(1)
        return abs(self.value - self.target) / base


def meets(figure, value, target) -> bool:
    """Higher is better: at or above the target. Lower is better: below it (seed 004: < 5%)."""
    return value >= target if figure.higher_is_better else value < target


@dataclass
class Table:
    """Figures by key: `rows[key][figure_key]` → Value, where key is a tuple of the dimension
    values (and the bucket's first day, when bucketed)."""

    by: tuple
    bucket: str | None
    rows: dict = field(default_factory=dict)
    # Dimensions the caller fixed (e.g. the one store of a dashboard), for the drill-downs.
    fixed: dict = field(default_factory=dict)

    def get(self, key=(), figure_key=None):
        row = self.rows.get(tuple(key), {})
        return row.get(figure_key) if figure_key else row


def compute(*, store_ids, period: Period, zone, by=(), bucket=None, figures=None, fixed=None) -> Table:
    """Every figure of `figures` (keys; default all) for the stores over the period, grouped by the
    dimensions `by` and by `bucket` (day … year): one query per source the figures need. `fixed`
    names dimensions the caller fixed (e.g. {"store": id}) for the drill-down links."""
    by = tuple(by)
    chosen = choose(figures, by=by, bucket=bucket)
    counts = count_sources({source for figure in chosen for source in figure.sources}, store_ids=store_ids,
                           period=period, zone=zone, by=by, bucket=bucket)
    return tabulate(counts, chosen, by=by, bucket=bucket, period=period, store_ids=store_ids, fixed=fixed)


def choose(figures=None, *, by=(), bucket=None) -> list[Figure]:
    """The figures of `figures` (keys; default all) that can be counted by `by` (and by bucket:
    a snapshot has none)."""
    chosen = [FIGURES[key] for key in (figures or FIGURES)]
    return [figure for figure in chosen if figure.applies_to(by) and not (bucket and figure.snapshot)]


def count_sources(source_keys, *, store_ids, period: Period, zone, by=(), bucket=None) -> dict:
    """{key: {source: {count name: number}}} where key is the tuple of the `by` values (and the
    bucket's first day): one aggregate query per source. A snapshot source is not bucketed."""
    counts = {}
    for source_key in sorted(source_keys):
        source = SOURCES[source_key]
        for row in source.rows(store_ids=store_ids, period=period, zone=zone, by=by,
                               bucket=None if source.snapshot else bucket):
            key = tuple(row.get(name) for name in by) + ((row["bucket"],) if bucket else ())
            counts.setdefault(key, {})[source_key] = row
    return counts


def tabulate(counts, chosen, *, by, bucket, period, store_ids=(), fixed=None) -> Table:
    """The Table of the `chosen` figures from counts as `count_sources` returns them (or as the
    roll-up keeps them): each figure's value is its numerator's count over its denominator's."""
    fixed = dict(fixed or {})
    if len(store_ids) == 1:
        fixed.setdefault("store", store_ids[0])
    table = Table(by=tuple(by), bucket=bucket, fixed=fixed)
    for key, sources in counts.items():
        named = {**fixed, **dict(zip(by, key, strict=False))}
        row_period = Period.containing(bucket, key[-1]) if bucket else period
        values = {}
        for figure in chosen:
            numerator = _count(sources, figure.numerator)
            denominator = _count(sources, figure.denominator) if figure.denominator else None
            values[figure.key] = Value(
                figure, numerator, denominator, figure.value_of(numerator, denominator),
                drill_url=figure.drill(row_period, named) if figure.drill else None,
            )
        table.rows[key] = values
    return table


def empty_value(figure_key, period, key=None) -> Value:
    """A figure of a period with no records at all: counts are zero, rates are "—"."""
    figure = FIGURES[figure_key]
    denominator = 0 if figure.denominator else None
    return Value(figure, 0, denominator, figure.value_of(0, denominator),
                 drill_url=figure.drill(period, key or {}) if figure.drill else None)


def _count(sources, spec):
    source, name = spec
    value = sources.get(source, {}).get(name) or 0
    return int(value)
