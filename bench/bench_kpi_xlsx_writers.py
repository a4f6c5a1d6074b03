"""openpyxl or XlsxWriter for the monthly report's workbook (issue 16: "measure and say which").

Both build the same workbook from the same synthetic report: the group's month of 50 stores
(at scale 1) with every figure against its target and 13 months of history, a line chart of the
rates and a bar chart of the counts (native Excel charts), 20,000 complaints with their text
(cause, corrective action) and a quarter as many dissatisfied customers, the lost customers'
reasons and the corrective actions; one sheet per section. The openpyxl side is the product's own
`kpi.reports.build_workbook`; the XlsxWriter side writes the same cells and charts, row by row
(its `constant_memory` mode). No database: the report's data are made here.

Figures: `kpi.xlsx_openpyxl_s` / `kpi.xlsx_xlsxwriter_s` (the build, timed without tracing) and
`kpi.xlsx_openpyxl_peak_mb` / `kpi.xlsx_xlsxwriter_peak_mb` (Python's peak allocation while
building, tracemalloc, a second run), and the size of each file. XlsxWriter is not a dependency
of the product: without it installed, its half is skipped (`kpi.xlsx_xlsxwriter_s: skipped`).
"""
import datetime as dt
import io
import random
import time
import tracemalloc
import zoneinfo
from types import SimpleNamespace

COMPLAINTS = 20_000
STORES = 50
MONTHS = 13
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
WORDS = ["客户反映保养后异响，", "等待时间过长，", "结算价格与报价不符，", "洗车不干净，", "服务顾问解释不清，",
         "=SUM(A1:A3) 客户原话", "配件到货延迟，", "回访电话打扰，", "-5% 折扣未兑现，"]


def synthetic_report(*, stores=STORES, complaints=COMPLAINTS, months=MONTHS, seed=16):
    """A report context of the shape `kpi.reports.report_context` gives (the group's)."""
    from kpi import metrics
    from kpi.metrics import FIGURES, Period

    rng = random.Random(seed)
    period = Period.month(2026, 10)
    history_months = [str(month) for month in metrics.months_back(period, months)]
    rows = []
    for key in metrics.REPORT:
        figure = FIGURES[key]
        history = [{"month": month, "value": f"{rng.uniform(50, 100):.1f}"} for month in history_months]
        rows.append({"figure": figure, "data": {
            "value": history[-1]["value"], "target": "90" if rng.random() < 0.5 else None,
            "status": rng.choice(["good", "bad", ""]), "numerator": rng.randint(0, 5000),
            "denominator": rng.randint(5000, 10000) if figure.denominator else None, "history": history,
            "display": history[-1]["value"],
        }})
    names = [f"基准{n:03d}号4S店" for n in range(stores)]
    moment = dt.datetime(2026, 10, 1, 9, tzinfo=SHANGHAI)

    def text(count):
        return "".join(rng.choice(WORDS) for _ in range(count))

    complaint_rows = [{
        "number": f"TS-2026-{n:06d}", "created_at": moment + dt.timedelta(minutes=n),
        "customer__name": f"客户{n}", "category_label": "维修质量", "status_label": "已结案",
        "department__name": f"{names[n % stores]} 车间", "description": text(4), "root_cause": text(2),
        "corrective_action": text(2), "rounds": 1 + n % 3,
    } for n in range(complaints)]
    dissatisfied = [{
        "created_at": moment + dt.timedelta(minutes=n), "customer": f"客户{n}", "order_no": f"WO{n:08d}",
        "reasons": ["总体满意度", "维修质量"], "words": text(3),
    } for n in range(complaints // 4)]
    reason_months = [dt.date.fromisoformat(f"{month}-01") for month in history_months[-6:]]
    lost = {"months": reason_months, "rows": [
        {"label": label, "counts": [rng.randint(0, 40) for _ in reason_months], "total": 0}
        for label in ("价格", "距离", "服务质量", "搬家", "在别处保养")]}
    actions = [{"action": SimpleNamespace(title=f"整改措施{n}", figure="return_visit_rate", owner=f"负责人{n}",
                                          due_on=dt.date(2026, 11, 1 + n % 28),
                                          get_state_display=lambda: "进行中"),
                "before": "72.0%", "after": "81.5%"} for n in range(stores)]
    return {
        "store": None, "title": "全部门店", "zone": SHANGHAI, "period": period,
        "rows": rows, "history_months": history_months, "dissatisfied": dissatisfied,
        "complaints": complaint_rows, "lost_reasons": lost, "actions": actions,
    }


def build_with_openpyxl(context) -> bytes:
    from kpi.reports import build_workbook

    return build_workbook(context)


def build_with_xlsxwriter(context) -> bytes:
    """`kpi.reports.build_workbook`'s workbook, written with XlsxWriter."""
    import xlsxwriter
    from django.utils.translation import gettext as _

    from kpi import metrics
    from kpi.metrics import FIGURES
    from kpi.reports import _float, _local, as_text

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"constant_memory": True, "remove_timezone": True})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    red = workbook.add_format({"bg_color": "#F8D7DA"})
    green = workbook.add_format({"bg_color": "#D1E7DD"})
    bold = workbook.add_format({"bold": True, "font_size": 14})

    def write_row(sheet, row, values, formats=None):
        for column, value in enumerate(values):
            fmt = (formats or {}).get(column)
            if value is None or value == "":
                continue  # an empty cell, as openpyxl leaves it
            if isinstance(value, str):
                sheet.write_string(row, column, value, fmt)  # never a formula
            elif isinstance(value, (dt.datetime, dt.date)):
                sheet.write_datetime(row, column, value, fmt or date_format)
            else:
                sheet.write_number(row, column, value, fmt)

    zone, period = context["zone"], context["period"]
    summary = workbook.add_worksheet(_("Figures")[:31])
    summary.set_column(0, 0, 42)
    write_row(summary, 0, [as_text(f"{context['title']} · {period}")], {0: bold})
    write_row(summary, 1, [_("Figure"), _("Unit"), _("This month"), _("Target"), _("On target"), _("Numerator"),
                           _("Denominator")])
    for index, row in enumerate(context["rows"], start=2):
        data, figure = row["data"], row["figure"]
        status = data["status"]
        write_row(summary, index, [
            str(figure.label), str(metrics.UNIT_LABELS[figure.unit]), _float(data["value"]), _float(data["target"]),
            {"good": _("yes"), "bad": _("no")}.get(status, ""), data["numerator"], data["denominator"],
        ], {2: green if status == "good" else red} if status else None)

    trend = workbook.add_worksheet(_("Trend")[:31])
    months = context["history_months"]
    percent_keys = [row["figure"].key for row in context["rows"]
                    if row["figure"].unit == metrics.PERCENT and not row["figure"].snapshot]
    count_keys = [row["figure"].key for row in context["rows"]
                  if row["figure"].unit == metrics.COUNT and not row["figure"].snapshot]
    by_key = {row["figure"].key: row["data"] for row in context["rows"]}
    write_row(trend, 0, [_("Month"), *[str(FIGURES[key].label) for key in percent_keys + count_keys]])
    for index, month in enumerate(months):
        write_row(trend, index + 1, [month, *[_float(by_key[key]["history"][index]["value"])
                                              for key in percent_keys + count_keys]])
    if months:
        name, last = trend.get_name(), len(months)

        def series(chart, columns):
            for column in columns:
                chart.add_series({"name": [name, 0, column], "categories": [name, 1, 0, last, 0],
                                  "values": [name, 1, column, last, column]})

        rates = workbook.add_chart({"type": "line"})
        rates.set_title({"name": _("Rates by month (%)")})
        rates.set_y_axis({"name": "%"})
        rates.set_size({"width": 900, "height": 340})
        series(rates, range(1, 1 + len(percent_keys)))
        trend.insert_chart(last + 3, 0, rates)
        counts = workbook.add_chart({"type": "column"})
        counts.set_title({"name": _("Counts by month")})
        counts.set_size({"width": 900, "height": 340})
        series(counts, range(1 + len(percent_keys), 1 + len(percent_keys) + len(count_keys)))
        trend.insert_chart(last + 23, 0, counts)

    dissatisfied = workbook.add_worksheet(_("Dissatisfied customers")[:31])
    write_row(dissatisfied, 0, [_("Recorded"), _("Customer"), _("Repair order"), _("Unhappy about"),
                                _("Customer's words")])
    for index, item in enumerate(context["dissatisfied"], start=1):
        write_row(dissatisfied, index, [
            _local(item["created_at"], zone), as_text(item["customer"]), as_text(item["order_no"]),
            as_text(", ".join(item["reasons"])), as_text(item["words"]),
        ])
    complaints = workbook.add_worksheet(_("Complaints")[:31])
    write_row(complaints, 0, [_("Number"), _("Registered"), _("Customer"), _("Category"), _("Status"),
                              _("Department"), _("Description"), _("Root cause"), _("Corrective action"),
                              _("Rounds")])
    for index, item in enumerate(context["complaints"], start=1):
        write_row(complaints, index, [
            item["number"], _local(item["created_at"], zone), as_text(item["customer__name"]),
            item["category_label"], item["status_label"], as_text(item["department__name"] or ""),
            as_text(item["description"]), as_text(item["root_cause"]), as_text(item["corrective_action"]),
            item["rounds"],
        ])
    lost = workbook.add_worksheet(_("Lost customers' reasons")[:31])
    reasons = context["lost_reasons"]
    write_row(lost, 0, [_("Why they stayed away"), *[f"{month:%Y-%m}" for month in reasons["months"]], _("Total")])
    for index, item in enumerate(reasons["rows"], start=1):
        write_row(lost, index, [item["label"], *item["counts"], item["total"]])
    actions = workbook.add_worksheet(_("Corrective actions")[:31])
    write_row(actions, 0, [_("Action"), _("Figure"), _("Before"), _("After"), _("Owner"), _("Due"), _("State")])
    day_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for index, item in enumerate(context["actions"], start=1):
        action = item["action"]
        write_row(actions, index, [
            as_text(action.title), str(FIGURES[action.figure].label) if action.figure else "", item["before"],
            item["after"], as_text(str(action.owner)), action.due_on, action.get_state_display(),
        ], {5: day_format})
    workbook.close()
    return buffer.getvalue()


def measure(build, context):
    """(seconds, peak MB, bytes): timed untraced, then once more under tracemalloc."""
    started = time.perf_counter()
    content = build(context)
    seconds = time.perf_counter() - started
    tracemalloc.start()
    try:
        build(context)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return round(seconds, 2), round(peak / 2**20, 1), len(content)


def xlsxwriter_available() -> bool:
    try:
        import xlsxwriter  # noqa: F401
    except ImportError:
        return False
    return True


def run(scale):
    from django.utils import translation

    complaints = max(200, round(COMPLAINTS * scale))
    stores = max(2, round(STORES * scale))
    with translation.override("zh-hans"):
        context = synthetic_report(stores=stores, complaints=complaints)
        yield "kpi.xlsx_complaint_rows", complaints, "rows"
        seconds, peak, size = measure(build_with_openpyxl, context)
        yield "kpi.xlsx_openpyxl_s", seconds, "s"
        yield "kpi.xlsx_openpyxl_peak_mb", peak, "MB"
        yield "kpi.xlsx_openpyxl_file_kb", round(size / 1024), "kB"
        if not xlsxwriter_available():
            yield "kpi.xlsx_xlsxwriter_s", "skipped", "(XlsxWriter not installed)"
            return
        seconds, peak, size = measure(build_with_xlsxwriter, context)
        yield "kpi.xlsx_xlsxwriter_s", seconds, "s"
        yield "kpi.xlsx_xlsxwriter_peak_mb", peak, "MB"
        yield "kpi.xlsx_xlsxwriter_file_kb", round(size / 1024), "kB"
