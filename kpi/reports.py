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
    zone = metrics.zone_of([store])
    kept = MonthlyReport.objects.filter(store=store, month=period.start).first()
    figures = kept.figures if kept else live_figures([store.pk], period, zone)
    rows = []
    for key in metrics.REPORT:
        data = figures.get(key)
        if data is None:
            continue
        figure = FIGURES[key]
        drill = figure.drill(period, {"store": store.pk}) if figure.drill else None
        rows.append({"figure": figure, "data": data, "drill_url": drill})
    return {
        "store": store, "period": period, "previous": period.previous(), "next": period.next(), "kept": kept,
        "rows": rows,
        "history_months": [item["month"] for item in next(iter(figures.values()))["history"]] if figures else [],
        "dissatisfied": visit_selectors.kpi_dissatisfied(store_ids=[store.pk], start=period.start, end=period.end,
                                                         zone=zone, limit=ROW_LIMIT),
        "actions": actions_for_report(store, figures),
        "lost_reasons": lost_reasons_table(store, period),
        "complaints": complaint_selectors.kpi_complaint_rows(store_ids=[store.pk], start=period.start,
                                                             end=period.end, zone=zone, limit=ROW_LIMIT),
    }


def build_workbook(context) -> bytes:
    """The report as a workbook: one sheet per section, native Excel charts of the trends."""
    workbook = Workbook()
    summary = workbook.active
    summary.title = _("Figures")[:31]
    store, period = context["store"], context["period"]
    summary.append([as_text(f"{store.name} · {period}")])
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

    dissatisfied = workbook.create_sheet(_("Dissatisfied customers")[:31])
    dissatisfied.append([_("Recorded"), _("Customer"), _("Repair order"), _("Unhappy about"), _("Customer's words")])
    for item in context["dissatisfied"]:
        dissatisfied.append([
            _local(item["created_at"], store), as_text(item["customer"]), as_text(item["order_no"]),
            as_text(", ".join(item["reasons"])), as_text(item["words"]),
        ])

    complaints = workbook.create_sheet(_("Complaints")[:31])
    complaints.append([_("Number"), _("Registered"), _("Customer"), _("Category"), _("Status"), _("Department"),
                       _("Description"), _("Root cause"), _("Corrective action"), _("Rounds")])
    for item in context["complaints"]:
        complaints.append([
            item["number"], _local(item["created_at"], store), as_text(item["customer__name"]),
            item["category_label"], item["status_label"], as_text(item["department__name"] or ""),
            as_text(item["description"]), as_text(item["root_cause"]), as_text(item["corrective_action"]),
            item["rounds"],
        ])
    lost = workbook.create_sheet(_("Lost customers' reasons")[:31])
    reasons = context["lost_reasons"]
    lost.append([_("Why they stayed away"), *[f"{month:%Y-%m}" for month in reasons["months"]], _("Total")])
    for item in reasons["rows"]:
        lost.append([item["label"], *item["counts"], item["total"]])
    actions = workbook.create_sheet(_("Corrective actions")[:31])
    actions.append([_("Action"), _("Figure"), _("Before"), _("After"), _("Owner"), _("Due"), _("State")])
    for item in context["actions"]:
        action = item["action"]
        actions.append([
            as_text(action.title), str(FIGURES[action.figure].label) if action.figure else "", item["before"],
            item["after"], as_text(str(action.owner)), action.due_on, action.get_state_display(),
        ])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def workbook_response(store, period: Period, *, freshness=None):
    content = build_workbook({**report_context(store, period), "freshness": freshness})
    spool = tempfile.TemporaryFile()
    spool.write(content)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=f"satisfaction-{store.code}-{period}.xlsx")


def _float(text):
    return float(text) if text is not None else None


def _local(moment, store):
    return timezone.localtime(moment, metrics.zone_of([store])).replace(tzinfo=None) if moment else None


ACTION_LIMIT = 200


def lost_reasons_table(store, period: Period) -> dict:
    """Why the lost customers stayed away (their recall calls' answers), per month of the report's
    last REPORT_MONTHS months: {"months": [...], "rows": [{"label", "counts": [...], "total"}]},
    the reasons most frequent in the report's month first."""
    months = [month.start for month in metrics.months_back(period, REPORT_MONTHS)]
    counts = {}
    labels = {}
    for row in visit_selectors.lost_customer_reasons(store_ids=[store.pk], since=months[0], until=period.end):
        labels[row["recall_reason"]] = row["label"]
        counts[(row["recall_reason"], row["month"])] = counts.get((row["recall_reason"], row["month"]), 0) + row[
            "count"]
    rows = [{"reason": reason, "label": label, "counts": [counts.get((reason, month), 0) for month in months]}
            for reason, label in labels.items()]
    for row in rows:
        row["total"] = sum(row["counts"])
    rows.sort(key=lambda row: (-row["counts"][-1], -row["total"], row["label"]))
    return {"months": months, "rows": rows}


def actions_for_report(store, figures):
    """The store's corrective actions with their figure before (when opened) and after (the
    report's month)."""
    rows = []
    for action in CorrectiveAction.objects.filter(store=store).select_related("owner", "complaint").order_by(
        "-opened_at"
    )[:ACTION_LIMIT]:
        after = figures.get(action.figure, {}).get("display", "") if action.figure else ""
        rows.append({"action": action, "before": action.figure_before, "after": after})
    return rows
