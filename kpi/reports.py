"""The monthly satisfaction report (满意度月报): the month's figures against their targets and the
months before, the dissatisfied customers and the complaints with their causes — as a page, as an
Excel workbook with native charts, and as the snapshot kept when the month is closed."""
import io
import tempfile

from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Font, PatternFill

import complaints.selectors as complaint_selectors
import visits.selectors as visit_selectors

from . import metrics, selectors
from .metrics import FIGURES, Period
from .models import CorrectiveAction, MonthlyReport

REPORT_MONTHS = 6
ROW_LIMIT = 500
# Text a spreadsheet would run as a formula begins with one of these; customers' words never do.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
RED = PatternFill("solid", fgColor="F8D7DA")
GREEN = PatternFill("solid", fgColor="D1E7DD")


def as_text(value):
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def live_figures(store_ids, period: Period, zone) -> dict:
    return selectors.monthly_figures(store_ids, period=period, zone=zone, months=REPORT_MONTHS)


def report_context(store, period: Period) -> dict:
    """A store's report: the kept one of a closed month, else counted live."""
    zone = metrics.zone_of([store])
    kept = MonthlyReport.objects.filter(store=store, month=period.start).first()
    figures = kept.figures if kept else live_figures([store.pk], period, zone)
    return {
        **_sections([store], period, figures, zone=zone, drill_key={"store": store.pk}),
        "store": store, "title": store.name, "kept": kept, "as_of": None,
    }


def group_report_context(stores, period: Period, *, whole_group: bool) -> dict:
    """The group's report over `stores`: the kept one of a closed month when they are the whole
    group, else the stores' figures added up from the roll-up (as of when it counted them), with
    the stores side by side."""
    zone = metrics.zone_of(stores)
    kept = MonthlyReport.objects.filter(store=None, month=period.start).first() if whole_group else None
    if kept:
        figures, as_of = kept.figures, None
    else:
        figures, rolled = selectors.group_monthly_figures(stores, period=period, months=REPORT_MONTHS)
        as_of = rolled.as_of
    side_by_side = selectors.group_view(stores, period=period)
    per_store = {}
    for row in side_by_side["rows"]:
        for cell in row["cells"]:
            per_store.setdefault(cell["store"].pk, {})[row["figure"].key] = cell["value"]
    return {
        **_sections(stores, period, figures, zone=zone, drill_key={}, per_store=per_store),
        "store": None, "title": _("All stores") if whole_group else ", ".join(store.name for store in stores),
        "kept": kept, "as_of": as_of if kept is None else None, "side_by_side": side_by_side,
        "store_names": {store.pk: store.name for store in stores},
    }


def _sections(stores, period: Period, figures, *, zone, drill_key, per_store=None) -> dict:
    store_ids = [store.pk for store in stores]
    rows = []
    for key in metrics.REPORT:
        data = figures.get(key)
        if data is None:
            continue
        figure = FIGURES[key]
        drill = figure.drill(period, drill_key) if figure.drill else None
        rows.append({"figure": figure, "data": data, "drill_url": drill})
    return {
        "period": period, "previous": period.previous(), "next": period.next(), "zone": zone, "rows": rows,
        "history_months": [item["month"] for item in next(iter(figures.values()))["history"]] if figures else [],
        "dissatisfied": visit_selectors.kpi_dissatisfied(store_ids=store_ids, start=period.start, end=period.end,
                                                         zone=zone, limit=ROW_LIMIT),
        "actions": actions_for_report(store_ids, figures, per_store=per_store),
        "lost_reasons": lost_reasons_table(store_ids, period),
        "complaints": complaint_selectors.kpi_complaint_rows(store_ids=store_ids, start=period.start,
                                                             end=period.end, zone=zone, limit=ROW_LIMIT),
    }


def build_workbook(context) -> bytes:
    """The report as a workbook: one sheet per section, native Excel charts of the trends."""
    workbook = Workbook()
    summary = workbook.active
    summary.title = _("Figures")[:31]
    zone, period = context["zone"], context["period"]
    summary.append([as_text(f"{context['title']} · {period}")])
    summary["A1"].font = Font(bold=True, size=14)
    if context.get("freshness") and context["freshness"].note:
        summary["B1"] = context["freshness"].note
    summary.append([_("Figure"), _("Unit"), _("This month"), _("Target"), _("On target"), _("Numerator"),
                    _("Denominator")])
    for row in context["rows"]:
        data, figure = row["data"], row["figure"]
        summary.append([
            str(figure.label), str(metrics.UNIT_LABELS[figure.unit]), _float(data["value"]), _float(data["target"]),
            {"good": _("yes"), "bad": _("no")}.get(data["status"], ""), data["numerator"], data["denominator"],
        ])
        if data["status"]:
            summary.cell(row=summary.max_row, column=3).fill = GREEN if data["status"] == "good" else RED
    summary.column_dimensions["A"].width = 42

    trend = workbook.create_sheet(_("Trend")[:31])
    months = context["history_months"]
    percent_keys = [row["figure"].key for row in context["rows"]
                    if row["figure"].unit == metrics.PERCENT and not row["figure"].snapshot]
    count_keys = [row["figure"].key for row in context["rows"]
                  if row["figure"].unit == metrics.COUNT and not row["figure"].snapshot]
    by_key = {row["figure"].key: row["data"] for row in context["rows"]}
    trend.append([_("Month"), *[str(FIGURES[key].label) for key in percent_keys + count_keys]])
    for index, month in enumerate(months):
        trend.append([month, *[_float(by_key[key]["history"][index]["value"]) for key in percent_keys + count_keys]])
    if months:
        rates = LineChart()
        rates.title = _("Rates by month (%)")
        rates.y_axis.title = "%"
        rates.height, rates.width = 9, 24
        rates.add_data(Reference(trend, min_col=2, max_col=1 + len(percent_keys), min_row=1, max_row=1 + len(months)),
                       titles_from_data=True)
        rates.set_categories(Reference(trend, min_col=1, min_row=2, max_row=1 + len(months)))
        trend.add_chart(rates, f"A{len(months) + 4}")
        counts = BarChart()
        counts.title = _("Counts by month")
        counts.height, counts.width = 9, 24
        first = 2 + len(percent_keys)
        counts.add_data(Reference(trend, min_col=first, max_col=first + len(count_keys) - 1, min_row=1,
                                  max_row=1 + len(months)), titles_from_data=True)
        counts.set_categories(Reference(trend, min_col=1, min_row=2, max_row=1 + len(months)))
        trend.add_chart(counts, f"A{len(months) + 24}")

    # The group's report says which store each record is of, in a last column.
    names = context.get("store_names")
    store_column = [_("Store")] if names else []

    def store_of(item):
        return [as_text(names.get(item["store_id"], ""))] if names else []

    dissatisfied = workbook.create_sheet(_("Dissatisfied customers")[:31])
    dissatisfied.append([_("Recorded"), _("Customer"), _("Repair order"), _("Unhappy about"), _("Customer's words"),
                         *store_column])
    for item in context["dissatisfied"]:
        dissatisfied.append([
            _local(item["created_at"], zone), as_text(item["customer"]), as_text(item["order_no"]),
            as_text(", ".join(item["reasons"])), as_text(item["words"]), *store_of(item),
        ])

    complaints = workbook.create_sheet(_("Complaints")[:31])
    complaints.append([_("Number"), _("Registered"), _("Customer"), _("Category"), _("Status"), _("Department"),
                       _("Description"), _("Root cause"), _("Corrective action"), _("Rounds"), *store_column])
    for item in context["complaints"]:
        complaints.append([
            item["number"], _local(item["created_at"], zone), as_text(item["customer__name"]),
            item["category_label"], item["status_label"], as_text(item["department__name"] or ""),
            as_text(item["description"]), as_text(item["root_cause"]), as_text(item["corrective_action"]),
            item["rounds"], *store_of(item),
        ])
    lost = workbook.create_sheet(_("Lost customers' reasons")[:31])
    reasons = context["lost_reasons"]
    lost.append([_("Why they stayed away"), *[f"{month:%Y-%m}" for month in reasons["months"]], _("Total")])
    for item in reasons["rows"]:
        lost.append([item["label"], *item["counts"], item["total"]])
    actions = workbook.create_sheet(_("Corrective actions")[:31])
    actions.append([_("Action"), _("Figure"), _("Before"), _("After"), _("Owner"), _("Due"), _("State"),
                    *store_column])
    for item in context["actions"]:
        action = item["action"]
        actions.append([
            as_text(action.title), str(FIGURES[action.figure].label) if action.figure else "", item["before"],
            item["after"], as_text(str(action.owner)), action.due_on, action.get_state_display(),
            *([as_text(names.get(action.store_id, ""))] if names else []),
        ])
    if context.get("side_by_side"):
        _stores_sheet(workbook, context["side_by_side"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _stores_sheet(workbook, side_by_side):
    """The stores side by side for the month: each figure, the group's value, then each store's
    value and rank, red or green against the store's target."""
    sheet = workbook.create_sheet(_("Stores")[:31])
    stores = side_by_side["stores"]
    sheet.append([_("Figure"), _("Group"), *[as_text(store.name) for store in stores]])
    for row in side_by_side["rows"]:
        sheet.append([str(row["figure"].label), _float(row["group"].value),
                      *[_float(cell["value"].value) for cell in row["cells"]]])
        for column, cell in enumerate(row["cells"], start=3):
            if cell["value"].status:
                sheet.cell(row=sheet.max_row, column=column).fill = GREEN if cell["value"].status == "good" else RED
    sheet.column_dimensions["A"].width = 42


def workbook_response(context, filename):
    content = build_workbook(context)
    spool = tempfile.TemporaryFile()
    spool.write(content)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=filename)


def _float(text):
    return float(text) if text is not None else None


def _local(moment, zone):
    return timezone.localtime(moment, zone).replace(tzinfo=None) if moment else None


ACTION_LIMIT = 200


def lost_reasons_table(store_ids, period: Period) -> dict:
    """Why the lost customers stayed away (their recall calls' answers), per month of the report's
    last REPORT_MONTHS months: {"months": [...], "rows": [{"label", "counts": [...], "total"}]},
    the reasons most frequent in the report's month first."""
    months = [month.start for month in metrics.months_back(period, REPORT_MONTHS)]
    counts = {}
    labels = {}
    for row in visit_selectors.lost_customer_reasons(store_ids=store_ids, since=months[0], until=period.end):
        labels[row["recall_reason"]] = row["label"]
        counts[(row["recall_reason"], row["month"])] = counts.get((row["recall_reason"], row["month"]), 0) + row[
            "count"]
    rows = [{"reason": reason, "label": label, "counts": [counts.get((reason, month), 0) for month in months]}
            for reason, label in labels.items()]
    for row in rows:
        row["total"] = sum(row["counts"])
    rows.sort(key=lambda row: (-row["counts"][-1], -row["total"], row["label"]))
    return {"months": months, "rows": rows}


def actions_for_report(store_ids, figures, *, per_store=None):
    """The stores' corrective actions with their figure before (when opened) and after (the
    report's month: the store's own figure, from `per_store` {store id: {figure: Value}} when
    the report is the group's)."""
    rows = []
    for action in CorrectiveAction.objects.filter(store_id__in=store_ids).select_related("owner", "complaint", "store").order_by(
        "-opened_at"
    )[:ACTION_LIMIT]:
        if not action.figure:
            after = ""
        elif per_store is not None:
            found = per_store.get(action.store_id, {}).get(action.figure)
            after = found.display if found else ""
        else:
            after = figures.get(action.figure, {}).get("display", "")
        rows.append({"action": action, "before": action.figure_before, "after": after})
    return rows
