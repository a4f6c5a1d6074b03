"""python manage.py import_repair_orders FILE --store CODE [--commit]"""
import pytest
from django.core.management import CommandError, call_command

from customers.imports.samples import CANONICAL_HEADERS, sample_rows, write_csv, write_xlsx
from customers.models import ImportMapping, ServiceVisit

pytestmark = pytest.mark.django_db


def run(*args):
    from io import StringIO

    out = StringIO()
    call_command("import_repair_orders", *map(str, args), stdout=out)
    return out.getvalue().splitlines()


def test_preview_prints_the_summary_and_writes_nothing(tmp_path, store_a):
    rows = list(sample_rows(5))
    rows[3]["VIN"] = "BAD"
    path = write_xlsx(tmp_path / "dms.xlsx", CANONICAL_HEADERS, rows)
    lines = run(path, "--store", "a")
    assert lines[:7] == ["rows: 5", "new: 4", "changed: 0", "unchanged: 0", "errors: 1", "warnings: 0", "skipped: 0"]
    assert lines[7].startswith("row 5: vin (BAD): ")
    assert not ServiceVisit.objects.exists()


def test_warnings_and_the_skipped_totals_row_are_printed(tmp_path, store_a):
    rows = list(sample_rows(3))
    rows[1]["联系电话"] = "12345"
    rows.append({"工单号": "合计", "结算金额": 999})
    path = write_xlsx(tmp_path / "dms.xlsx", CANONICAL_HEADERS, rows)
    lines = run(path, "--store", "a")
    assert lines[:7] == ["rows: 3", "new: 3", "changed: 0", "unchanged: 0", "errors: 0", "warnings: 1", "skipped: 1"]
    assert lines[7].startswith("warning: row 3: mobile (12345): ")
    assert lines[8] == "skipped (totals rows, no repair orders): row 5"


def test_commit_then_the_same_file_again(tmp_path, store_a):
    path = write_csv(tmp_path / "dms.csv", CANONICAL_HEADERS, sample_rows(6), encoding="gbk")
    assert run(path, "--store", "a", "--commit")[:5] == [
        "rows: 6", "new: 6", "changed: 0", "unchanged: 0", "errors: 0"
    ]
    assert ServiceVisit.objects.filter(store=store_a).count() == 6
    assert run(path, "--store", "a", "--commit")[:5] == [
        "rows: 6", "new: 0", "changed: 0", "unchanged: 6", "errors: 0"
    ]


def test_uses_the_stores_saved_mapping(tmp_path, store_a):
    headers = ["单号X", *CANONICAL_HEADERS[1:]]
    rows = [dict(zip(headers, row.values())) for row in sample_rows(2)]
    path = write_xlsx(tmp_path / "dms.xlsx", headers, rows)
    with pytest.raises(CommandError, match="缺少必需的列"):
        run(path, "--store", "a")
    ImportMapping.objects.create(store=store_a, columns={"order_no": "单号X"})
    assert run(path, "--store", "a")[1] == "new: 2"


def test_errors(tmp_path, store_a):
    with pytest.raises(CommandError, match="No such file"):
        run(tmp_path / "missing.xlsx", "--store", "a")
    path = tmp_path / "fake.xlsx"
    path.write_text("hello")
    with pytest.raises(CommandError, match="No store"):
        run(path, "--store", "zz")
    with pytest.raises(CommandError, match="不是 Excel"):
        run(path, "--store", "a")
