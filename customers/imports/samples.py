"""Generated DMS exports for tests and benchmarks (no binary fixtures): realistic rows as a
Chinese DMS writes them, streamed to .xlsx (openpyxl write-only) or CSV in any encoding."""
import csv
import io
from datetime import datetime, timedelta

from aftersales.demo import DemoData

from .columns import COLUMNS

CANONICAL_HEADERS = [column.template_header for column in COLUMNS]
REPAIR_TYPES = ("保养", "小修", "二级维护", "总成大修", "索赔", "事故车", "召回")
ADVISORS = ("王强", "李娜", "赵敏", "陈杰")
TECHNICIANS = ("刘师傅", "张师傅", "孙师傅")
BRANDS = (("大众", "迈腾"), ("丰田", "凯美瑞"), ("宝马", "3系"), ("比亚迪", "汉EV"))


def vehicle(k: int) -> dict:
    """The k-th vehicle of the sample fleet with its owner, the same for every call."""
    demo = DemoData(seed=100_000 + k)
    brand, model = BRANDS[k % len(BRANDS)]
    return {
        "vin": demo.vin(),
        "plate": demo.plate(new_energy=k % 7 == 0),
        "customer_name": demo.person_name(),
        "mobile": demo.mobile(),
        "brand": brand,
        "model": model,
    }


def sample_rows(count: int, *, start: int = 0, vehicles: int | None = None, prefix: str = "RO"):
    """`count` good rows as {canonical header: cell}; about three visits per vehicle."""
    fleet = vehicles or max(1, count // 3)
    base = datetime(2024, 1, 1, 8, 0)
    for n in range(start, start + count):
        car = vehicle(n % fleet)
        opened = base + timedelta(days=n % 500, minutes=(n * 37) % 600)
        closed = opened + timedelta(hours=2 + n % 30)
        yield {
            "工单号": f"{prefix}{n:08d}",
            "进厂日期": opened,
            "结算日期": closed,
            "维修类型": REPAIR_TYPES[n % len(REPAIR_TYPES)],
            "车牌号": car["plate"],
            "VIN": car["vin"],
            "客户姓名": car["customer_name"],
            "联系电话": car["mobile"],
            "行驶里程": 5000 + (n // fleet) * 5000 + n % 1000,
            "服务顾问": ADVISORS[n % len(ADVISORS)],
            "维修技师": TECHNICIANS[n % len(TECHNICIANS)],
            "结算金额": round(200 + (n * 7919) % 5000 + 0.5, 2),
            "品牌": car["brand"],
            "车型": car["model"],
            "是否预约": "是" if n % 4 == 0 else "否",
            "建议未做项目": "更换刹车片" if n % 5 == 0 else "",
        }


def write_xlsx(target, headers, rows, *, title_row=None):
    """Stream `rows` (dicts by header, or sequences) to an .xlsx file path or binary file."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("工单")
    if title_row:
        sheet.append([title_row])
    sheet.append(list(headers))
    for row in rows:
        sheet.append([row.get(h) for h in headers] if isinstance(row, dict) else list(row))
    workbook.save(target)
    return target


def _csv_cell(value):
    if isinstance(value, datetime):
        return value.strftime("%Y/%m/%d %H:%M")
    return "" if value is None else value


def write_csv(target, headers, rows, *, encoding="utf-8-sig"):
    """Stream `rows` to a CSV file path or binary file in `encoding` (gbk, gb18030, utf-8, ...)."""
    opened = isinstance(target, (str, bytes)) or hasattr(target, "__fspath__")
    binary = open(target, "wb") if opened else target
    text = io.TextIOWrapper(binary, encoding=encoding, newline="")
    try:
        writer = csv.writer(text)
        writer.writerow(headers)
        for row in rows:
            values = [row.get(h) for h in headers] if isinstance(row, dict) else list(row)
            writer.writerow([_csv_cell(v) for v in values])
        text.flush()
    finally:
        text.detach()
        if opened:
            binary.close()
    return target
