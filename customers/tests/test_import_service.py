"""The repair-order import service: reading, checking, previewing and committing DMS exports."""
from datetime import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from customers.imports import mappings, service
from customers.imports.readers import ImportFileError
from customers.imports.samples import CANONICAL_HEADERS, sample_rows, vehicle, write_csv, write_xlsx
from customers.imports.service import import_file
from customers.models import Customer, ServiceVisit, Vehicle, VehicleOwnership
from customers.models.service import RepairType

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def collect():
    errors = []

    def on_error(row, field, code, params, value):
        errors.append((row, field, code))

    return errors, on_error


def xlsx(tmp_path, rows, headers=CANONICAL_HEADERS, name="dms.xlsx", **kwargs):
    path = tmp_path / name
    write_xlsx(path, headers, rows, **kwargs)
    return path


def test_good_file_preview_then_commit(tmp_path, store_a):
    path = xlsx(tmp_path, list(sample_rows(30)))

    preview = import_file(path, store_a)
    assert (preview.rows, preview.new, preview.changed, preview.unchanged, preview.errors) == (30, 30, 0, 0, 0)
    assert not ServiceVisit.objects.exists()

    outcome = import_file(path, store_a, commit=True)
    assert outcome.new == 30
    assert ServiceVisit.objects.filter(store=store_a, imported=True).count() == 30
    assert Customer.objects.filter(store=store_a, source=Customer.Source.DMS).count() == 10
    assert Vehicle.objects.filter(store=store_a).count() == 10
    assert VehicleOwnership.objects.filter(ended_on__isnull=True).count() == 10

    visit = ServiceVisit.objects.get(order_no="RO00000000")
    assert visit.status == ServiceVisit.Status.CLOSED
    assert visit.repair_type == RepairType.MAINTENANCE
    assert visit.amount == Decimal("200.50")
    assert visit.from_appointment is True
    assert visit.advisor_name == "王强" and visit.technician_name == "刘师傅"
    assert visit.declined_work == "更换刹车片"
    assert timezone.localtime(visit.opened_at).replace(tzinfo=None) == datetime(2024, 1, 1, 8, 0)
    car = vehicle(0)
    assert visit.vehicle.vin == car["vin"] and visit.vehicle.plate == car["plate"]
    assert visit.customer.name == car["customer_name"] and visit.customer.mobile == car["mobile"]
    assert visit.customer.name_pinyin  # search keys set for bulk-created customers
    # Loyalty refreshed for the customers touched: three visits each.
    assert visit.customer.visit_count == 3


def test_same_file_twice_changes_nothing(tmp_path, store_a):
    path = xlsx(tmp_path, list(sample_rows(30)))
    import_file(path, store_a, commit=True)
    before = list(ServiceVisit.objects.order_by("id").values())
    vehicles = list(Vehicle.objects.order_by("id").values())
    customers = list(Customer.objects.order_by("id").values())

    preview = import_file(path, store_a)
    assert (preview.new, preview.changed, preview.unchanged) == (0, 0, 30)
    outcome = import_file(path, store_a, commit=True)
    assert (outcome.new, outcome.changed, outcome.unchanged) == (0, 0, 30)

    assert list(ServiceVisit.objects.order_by("id").values()) == before
    assert list(Vehicle.objects.order_by("id").values()) == vehicles
    assert list(Customer.objects.order_by("id").values()) == customers


def test_a_changed_row_is_updated(tmp_path, store_a):
    rows = list(sample_rows(6))
    import_file(xlsx(tmp_path, rows), store_a, commit=True)
    rows[2]["结算金额"] = 999
    rows[3]["维修类型"] = "索赔"
    path = xlsx(tmp_path, rows, name="again.xlsx")

    outcome = import_file(path, store_a, commit=True)
    assert (outcome.new, outcome.changed, outcome.unchanged) == (0, 2, 4)
    assert ServiceVisit.objects.get(order_no="RO00000002").amount == Decimal("999.00")
    assert ServiceVisit.objects.get(order_no="RO00000003").repair_type == RepairType.WARRANTY


def test_columns_not_in_the_file_leave_existing_values_alone(tmp_path, store_a):
    rows = list(sample_rows(3))
    import_file(xlsx(tmp_path, rows), store_a, commit=True)
    headers = ["工单号", "进厂日期", "维修类型", "VIN", "客户姓名"]
    outcome = import_file(xlsx(tmp_path, rows, headers, name="narrow.xlsx"), store_a, commit=True)
    assert outcome.unchanged == 3
    assert ServiceVisit.objects.get(order_no="RO00000001").amount == Decimal("3119.50")
    assert ServiceVisit.objects.get(order_no="RO00000001").status == ServiceVisit.Status.CLOSED


def import_columns():
    from customers.imports.columns import auto_match

    return auto_match(CANONICAL_HEADERS)


def bad_rows():
    """One good row, then one bad row per reason (rows 2 and 3 … of the sheet)."""
    good = list(sample_rows(20))
    rows = [good[0]]
    reasons = []

    def bad(code, field, **changes):
        row = dict(good[len(rows)], **changes)
        rows.append(row)
        reasons.append((len(rows) + 1, field, code))

    bad("bad_date", "opened_at", **{"进厂日期": "明天上午"})
    bad("bad_vin", "vin", VIN="LFV12345678901234")
    bad("bad_plate", "plate", **{"车牌号": "ABC123"})
    bad("unknown_repair_type", "repair_type", **{"维修类型": "洗车"})
    bad("duplicate_order_no", "order_no", **{"工单号": good[0]["工单号"]})
    bad("closed_before_opened", "closed_at", **{"结算日期": datetime(2023, 12, 31)})
    bad("required", "order_no", **{"工单号": "  "})
    bad("vehicle_required", "vin", VIN="", **{"车牌号": ""})
    bad("bad_number", "mileage", **{"行驶里程": "很多"})
    bad("bad_yes_no", "from_appointment", **{"是否预约": "也许"})
    return rows, reasons


def test_every_bad_row_is_reported_with_its_reason_and_row_number(tmp_path, store_a):
    rows, reasons = bad_rows()
    errors, on_error = collect()

    outcome = import_file(xlsx(tmp_path, rows), store_a, on_error=on_error)

    assert outcome.rows == len(rows)
    assert outcome.errors == len(reasons)
    assert outcome.new == 1
    assert errors == reasons
    assert outcome.unknown_repair_types == ["洗车"]


def test_a_mobile_that_is_no_number_is_a_warning_and_the_row_is_imported(tmp_path, store_a):
    rows = list(sample_rows(2))
    rows[1]["联系电话"] = "12345"
    warnings, on_warning = collect()
    errors, on_error = collect()
    importer = service.Importer(store_a, import_columns(), on_error=on_error, on_warning=on_warning)
    with open(xlsx(tmp_path, rows), "rb") as fileobj:
        outcome = importer.run(fileobj, "dms.xlsx", commit=True)
    assert (outcome.new, outcome.errors, outcome.warnings) == (2, 0, 1)
    assert (errors, warnings) == ([], [(3, "mobile", "bad_mobile")])


def test_commit_imports_the_good_rows_and_skips_the_bad(tmp_path, store_a):
    rows, reasons = bad_rows()
    outcome = import_file(xlsx(tmp_path, rows), store_a, commit=True)
    assert outcome.new == 1 and outcome.errors == len(reasons)
    assert list(ServiceVisit.objects.values_list("order_no", flat=True)) == [rows[0]["工单号"]]


def test_a_saved_repair_type_mapping_resolves_unknown_values(tmp_path, store_a):
    rows = list(sample_rows(2))
    rows[1]["维修类型"] = "洗车美容"
    path = xlsx(tmp_path, rows)
    columns = {h: h for h in ()}
    columns = {**mappings.column_mapping({"order_no": "工单号", "opened_at": "进厂日期",
                                         "repair_type": "维修类型", "vin": "VIN",
                                         "customer_name": "客户姓名"}),
               mappings.REPAIR_TYPES_KEY: {"洗车美容": RepairType.MINOR_REPAIR}}
    outcome = import_file(path, store_a, columns=columns, commit=True)
    assert outcome.errors == 0
    assert ServiceVisit.objects.get(order_no="RO00000001").repair_type == RepairType.MINOR_REPAIR


ENGLISH = ["RO No.", "Open Date", "Close Date", "Repair Type", "License Plate", "Chassis No.",
           "Customer Name", "Mobile", "Odometer", "Service Advisor", "Technician", "Amount",
           "Make", "Model", "Appointment", "Declined Work"]
CHINESE = ["委托书号", "开单日期", "出厂日期", "工单类型", "车牌", "车架号", "车主", "手机号",
           "进厂里程", "接待员", "技师", "金额", "品牌", "车型", "预约", "建议维修项目"]
MIXED = ["维修单号", "进厂时间", "完工日期", "维修类型", "车牌号码", "底盘号", "客户名称", "手机",
         "行驶里程", "服务顾问", "维修技师", "结算金额", "厂牌", "车系", "是否预约", "未做项目"]


@pytest.mark.parametrize("headers", [ENGLISH, CHINESE, MIXED], ids=["english", "chinese", "mixed"])
def test_header_synonyms_in_chinese_and_english(tmp_path, store_a, headers):
    rows = [dict(zip(headers, row.values())) for row in sample_rows(9)]
    outcome = import_file(xlsx(tmp_path, rows, headers), store_a, commit=True)
    assert (outcome.new, outcome.errors) == (9, 0)
    visit = ServiceVisit.objects.get(order_no="RO00000004")
    assert visit.mileage == 10004 and visit.technician_name == "张师傅"
    assert visit.vehicle.brand == "丰田" and visit.declined_work == ""


def test_a_title_row_above_the_headers_is_skipped(tmp_path, store_a):
    path = xlsx(tmp_path, list(sample_rows(3)), title_row="维修工单明细表 2024年")
    assert import_file(path, store_a).new == 3


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-8"])
def test_csv_in_the_encodings_excel_saves(tmp_path, store_a, encoding):
    path = tmp_path / "dms.csv"
    write_csv(path, CANONICAL_HEADERS, sample_rows(12), encoding=encoding)
    if encoding == "utf-8-sig":
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    outcome = import_file(path, store_a, commit=True)
    assert (outcome.rows, outcome.new, outcome.errors) == (12, 12, 0)
    assert Customer.objects.get(name=vehicle(0)["customer_name"]).mobile == vehicle(0)["mobile"]
    # Dates written as text: 2024/01/01 08:00
    visit = ServiceVisit.objects.get(order_no="RO00000000")
    assert timezone.localtime(visit.opened_at).replace(tzinfo=None) == datetime(2024, 1, 1, 8, 0)


def test_normalises_full_width_digits_spaces_excel_serial_dates_and_plate_dots(tmp_path, store_a):
    car = vehicle(1)
    plate = car["plate"]
    dotted = f"{plate[:2]}·{plate[2:].lower()}"
    mobile = car["mobile"]
    wide_mobile = "".join(chr(ord(c) + 0xFEE0) for c in mobile)
    rows = [
        ["  RO-1 ", 45292.5, "2024年1月2日 10:30", " 保 养 ", dotted, car["vin"].lower(), " 张三 ",
         wide_mobile, "１２，３４５ km", "¥1,234.5"],
        ["RO-2", "20240103", "2024.01.03", "Routine Maintenance", plate, "", "张三", mobile,
         12400.0, 88],
    ]
    headers = ["工单号", "进厂日期", "结算日期", "维修类型", "车牌号", "VIN", "客户姓名", "手机",
               "里程", "金额"]
    errors, on_error = collect()
    outcome = import_file(xlsx(tmp_path, rows, headers), store_a, commit=True, on_error=on_error)
    assert errors == [] and outcome.new == 2
    first = ServiceVisit.objects.get(order_no="RO-1")
    assert timezone.localtime(first.opened_at).replace(tzinfo=None) == datetime(2024, 1, 1, 12, 0)
    assert timezone.localtime(first.closed_at).replace(tzinfo=None) == datetime(2024, 1, 2, 10, 30)
    assert first.mileage == 12345 and first.amount == Decimal("1234.50")
    assert first.repair_type == RepairType.MAINTENANCE
    assert first.vehicle.plate == plate and first.vehicle.vin == car["vin"]
    assert first.customer.mobile == mobile and first.customer.name == "张三"
    second = ServiceVisit.objects.get(order_no="RO-2")
    assert second.vehicle_id == first.vehicle_id  # found by plate within the same import
    assert second.status == ServiceVisit.Status.CLOSED
    assert Vehicle.objects.get().mileage == 12400


def test_an_open_repair_order_has_no_closed_date(tmp_path, store_a):
    rows = list(sample_rows(1))
    rows[0]["结算日期"] = None
    import_file(xlsx(tmp_path, rows), store_a, commit=True)
    visit = ServiceVisit.objects.get()
    assert visit.status == ServiceVisit.Status.OPEN and visit.closed_at is None


@pytest.mark.parametrize(
    "headers,missing",
    [
        (["车牌号", "客户姓名", "进厂日期", "维修类型"], "Repair order no."),
        (["工单号", "客户姓名", "进厂日期", "维修类型"], "VIN or plate"),
        (["工单号", "VIN", "客户姓名", "维修类型"], "Opened"),
        (["单号A", "日期B", "类型C"], "Repair order no."),
    ],
)
def test_missing_or_wrong_columns_are_refused(tmp_path, store_a, headers, missing):
    path = xlsx(tmp_path, [["x"] * len(headers)], headers)
    with pytest.raises(ImportFileError) as caught:
        import_file(path, store_a)
    assert missing in str(caught.value.message)


def test_a_mapped_header_that_is_not_in_the_file_is_refused(tmp_path, store_a):
    path = xlsx(tmp_path, list(sample_rows(1)))
    columns = {"order_no": "工单号", "opened_at": "进厂日期", "repair_type": "维修类型",
               "vin": "VIN", "customer_name": "客户", "mobile": "电话号码"}
    with pytest.raises(ImportFileError) as caught:
        import_file(path, store_a, columns=columns)
    assert "客户" in str(caught.value.message)


@pytest.mark.parametrize("name,content", [
    ("empty.csv", b""),
    ("empty.xlsx", b""),
    ("blank.csv", b"\r\n\r\n"),
])
def test_empty_files_are_refused(tmp_path, store_a, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ImportFileError) as caught:
        import_file(path, store_a)
    assert "empty" in str(caught.value.message)


def test_a_file_with_headers_only_has_no_rows(tmp_path, store_a):
    outcome = import_file(xlsx(tmp_path, []), store_a, commit=True)
    assert (outcome.rows, outcome.new, outcome.errors) == (0, 0, 0)


@pytest.mark.parametrize("content,expected", [
    (b"\xe5\xb7\xa5\xe5\x8d\x95\xe5\x8f\xb7,VIN\r\nRO1,LFV\r\n", "not an Excel .xlsx workbook"),
    (b"%PDF-1.4 not a workbook", "not an Excel .xlsx workbook"),
    (b"PK\x03\x04 broken zip", "not an Excel .xlsx workbook"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 old xls", ".xls"),
])
def test_a_non_excel_file_named_xlsx_is_refused(tmp_path, store_a, content, expected):
    path = tmp_path / "export.xlsx"
    path.write_bytes(content)
    with pytest.raises(ImportFileError) as caught:
        import_file(path, store_a)
    assert expected in str(caught.value.message)


def test_an_excel_file_named_csv_is_refused(tmp_path, store_a):
    path = tmp_path / "export.csv"
    write_xlsx(path, CANONICAL_HEADERS, sample_rows(1))
    with pytest.raises(ImportFileError) as caught:
        import_file(path, store_a)
    assert "not a CSV file" in str(caught.value.message)


def test_other_extensions_are_refused(tmp_path, store_a):
    path = tmp_path / "export.txt"
    path.write_text("工单号\n")
    with pytest.raises(ImportFileError):
        import_file(path, store_a)


def test_matching_existing_vehicles_and_customers_by_vin_then_plate_then_mobile(tmp_path, store_a, store_b):
    cars = [vehicle(k) for k in range(4)]
    by_vin = Customer.objects.create(store=store_a, name="老王", mobile="13900000001")
    v_vin = Vehicle.objects.create(store=store_a, owner=by_vin, vin=cars[0]["vin"], plate="京A00001")
    by_plate = Customer.objects.create(store=store_a, name="老李")
    v_plate = Vehicle.objects.create(store=store_a, owner=by_plate, plate=cars[1]["plate"])
    by_mobile = Customer.objects.create(store=store_a, name="老张", mobile=cars[2]["mobile"])
    # The same VIN in another store is another store's file: never matched.
    other = Customer.objects.create(store=store_b, name="别店", mobile=cars[3]["mobile"])
    Vehicle.objects.create(store=store_b, owner=other, vin=cars[3]["vin"])

    rows = [
        dict(row, VIN=cars[k]["vin"], 车牌号=cars[k]["plate"], 联系电话=cars[k]["mobile"],
             客户姓名=cars[k]["customer_name"])
        for k, row in enumerate(sample_rows(4))
    ]
    outcome = import_file(xlsx(tmp_path, rows), store_a, commit=True)
    assert outcome.new == 4 and outcome.new_vehicles == 2 and outcome.new_customers == 1

    visits = {v.order_no: v for v in ServiceVisit.objects.select_related("vehicle")}
    assert visits["RO00000000"].vehicle_id == v_vin.pk and visits["RO00000000"].customer_id == by_vin.pk
    assert visits["RO00000001"].vehicle_id == v_plate.pk and visits["RO00000001"].customer_id == by_plate.pk
    v_plate.refresh_from_db()
    assert v_plate.vin == cars[1]["vin"]  # the file filled in what the file did not have
    assert visits["RO00000002"].customer_id == by_mobile.pk
    assert visits["RO00000002"].vehicle.owner_id == by_mobile.pk
    assert visits["RO00000003"].customer.store_id == store_a.pk
    assert visits["RO00000003"].customer_id != other.pk
    # A plate match with a different VIN is another car (plates are reissued).
    rows = [dict(next(sample_rows(1, start=50)), 车牌号="京A00001", VIN=cars[3]["vin"])]
    import_file(xlsx(tmp_path, rows, name="reissued.xlsx"), store_a, commit=True)
    assert ServiceVisit.objects.get(order_no="RO00000050").vehicle_id != v_vin.pk


def test_orders_of_another_store_are_not_touched(tmp_path, store_a, store_b):
    path = xlsx(tmp_path, list(sample_rows(3)))
    import_file(path, store_b, commit=True)
    outcome = import_file(path, store_a, commit=True)
    assert outcome.new == 3
    assert ServiceVisit.objects.filter(store=store_b).count() == 3
    assert ServiceVisit.objects.filter(store=store_a).count() == 3


def test_commit_is_all_or_nothing(tmp_path, store_a, monkeypatch):
    monkeypatch.setattr(service, "BATCH_SIZE", 10)
    path = xlsx(tmp_path, list(sample_rows(35)))
    original = service.Importer._write
    calls = []

    def failing(self, writes):
        calls.append(len(writes))
        if len(calls) == 3:
            raise RuntimeError("the database went away")
        return original(self, writes)

    monkeypatch.setattr(service.Importer, "_write", failing)
    with pytest.raises(RuntimeError):
        import_file(path, store_a, commit=True)
    assert calls == [10, 10, 10]
    assert not ServiceVisit.objects.exists()
    assert not Customer.objects.exists() and not Vehicle.objects.exists()


def test_a_large_file_stays_within_a_fixed_query_budget(tmp_path, store_a):
    rows = 20_000
    path = tmp_path / "large.csv"
    write_csv(path, CANONICAL_HEADERS, sample_rows(rows), encoding="gbk")
    batches = -(-rows // service.BATCH_SIZE)

    with CaptureQueriesContext(connection) as preview_queries:
        preview = import_file(path, store_a)
    assert preview.new == rows
    # One lookup of existing repair orders per batch, plus the saved mapping.
    assert len(preview_queries) <= batches + 3

    with CaptureQueriesContext(connection) as commit_queries:
        outcome = import_file(path, store_a, commit=True)
    assert outcome.new == rows and outcome.errors == 0
    # Per batch: orders, vehicles, customers, and an insert each for customers, vehicles,
    # owners and orders; plus the mapping, advisors, loyalty and the savepoints.
    assert len(commit_queries) <= 8 * batches + 10
    assert ServiceVisit.objects.filter(store=store_a).count() == rows

    with CaptureQueriesContext(connection) as again:
        outcome = import_file(path, store_a, commit=True)
    assert outcome.unchanged == rows
    assert len(again) <= batches + 6


def _analyzed_tables(path, store):
    with CaptureQueriesContext(connection) as captured:
        import_file(path, store, commit=True)
    return [q["sql"] for q in captured.captured_queries if q["sql"].startswith("ANALYZE")]


def test_import_into_tables_the_planner_thinks_empty_refreshes_their_statistics(tmp_path, store_a):
    analyzed = _analyzed_tables(xlsx(tmp_path, list(sample_rows(30))), store_a)
    assert analyzed and '"customers_servicevisit"' in analyzed[0]


def test_import_into_tables_the_planner_knows_to_be_large_analyzes_nothing(tmp_path, store_a, monkeypatch):
    # As in a running group's database: every table already counted above the threshold (-1: even
    # one PostgreSQL has never counted, as a freshly migrated test table may be).
    monkeypatch.setattr(service, "ANALYZE_BELOW_ROWS", -1)
    assert _analyzed_tables(xlsx(tmp_path, list(sample_rows(30))), store_a) == []


def test_a_sheet_damaged_after_some_batches_imports_nothing(tmp_path, store_a, monkeypatch):
    import zipfile

    monkeypatch.setattr(service, "BATCH_SIZE", 10)
    whole = xlsx(tmp_path, list(sample_rows(35)))
    damaged = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(whole) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.startswith("xl/worksheets/"):
                # The XML breaks off in the last rows: read (in the second thread) only after
                # the first batches were written.
                data = data[: int(len(data) * 0.9)] + b"<row><c"
            target.writestr(item, data)
    written = []
    original = service.Importer._write
    monkeypatch.setattr(service.Importer, "_write", lambda self, writes: (written.append(len(writes)), original(self, writes)))
    with pytest.raises(ImportFileError, match="damaged"):
        import_file(damaged, store_a, commit=True)
    assert written[:2] == [10, 10]
    assert not ServiceVisit.objects.exists()
    assert not Customer.objects.exists() and not Vehicle.objects.exists()
