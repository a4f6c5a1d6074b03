"""A real DMS export is messy; only the rows that truly cannot be imported are errors.

The export below has 60 lines of data as a DMS writes them: 57 good repair orders (three
settled on the day they came in, written as a date only; two with a mobile the phone library
rejects), two rows that cannot be imported (no vehicle; a date that is no date), and a totals
row at the bottom."""
from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.imports import jobs
from customers.imports.columns import auto_match
from customers.imports.samples import CANONICAL_HEADERS, sample_rows, write_csv
from customers.models import Customer, ImportJob, ServiceVisit
from django.core.files.base import ContentFile
import io

pytestmark = pytest.mark.django_db

GOOD = 57
DATE_ONLY = {3: "2026-10-05", 11: "2026/10/5", 20: "2026年10月5日"}  # row index → settlement as written
BAD_MOBILES = {7: "1380013800", 15: "021-5555"}


def messy_rows():
    rows = []
    for index, row in enumerate(sample_rows(GOOD + 2, vehicles=40)):
        row = {**row, "进厂日期": row["进厂日期"].strftime("%Y-%m-%d %H:%M"),
               "结算日期": row["结算日期"].strftime("%Y-%m-%d %H:%M")}
        if index in DATE_ONLY:
            row["进厂日期"] = "2026-10-05 10:30"
            row["结算日期"] = DATE_ONLY[index]
        if index in BAD_MOBILES:
            row["联系电话"] = BAD_MOBILES[index]
        rows.append(row)
    # Two rows that cannot be imported at all.
    rows[30] = {**rows[30], "VIN": "", "车牌号": ""}
    rows[40] = {**rows[40], "进厂日期": "下周二"}
    total = sum(float(row["结算金额"]) for row in rows)
    rows.append({"工单号": "合计", "结算金额": f"{total:.2f}"})
    return rows


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def job(make_user, store_a):
    buffer = io.BytesIO()
    write_csv(buffer, CANONICAL_HEADERS, messy_rows(), encoding="gbk")
    job = ImportJob(store=store_a, created_by=make_user("cs_supervisor", [store_a]), original_name="导出.csv",
                    headers=CANONICAL_HEADERS, columns=auto_match(CANONICAL_HEADERS))
    job.file.save("export.csv", ContentFile(buffer.getvalue()), save=False)
    job.save()
    return job


def test_only_rows_that_cannot_be_imported_are_errors(job):
    job = jobs.preview_job(job.pk)
    summary = job.summary
    assert (summary["new"], summary["errors"], summary["warnings"], summary["skipped"]) == (GOOD, 2, 2, 1)
    errors = [e for e in job.row_errors if e.get("level", "error") == "error"]
    warnings = [e for e in job.row_errors if e.get("level") == "warning"]
    # Spreadsheet rows: the header is row 1, the 31st data row is row 32.
    assert sorted({e["row"] for e in errors}) == [32, 42]
    assert sorted((w["row"], w["field"], w["code"]) for w in warnings) == [
        (9, "mobile", "bad_mobile"), (17, "mobile", "bad_mobile"),
    ]
    assert summary["skipped_rows"] == [61]


def test_the_preview_lists_warnings_apart_from_errors_and_says_what_was_skipped(client, job):
    jobs.preview_job(job.pk)
    client.force_login(job.created_by)
    page = client.get(reverse("customers:imports:preview", args=[job.pk])).content.decode()
    errors = page.split('data-testid="import-errors"')[1].split("</table>")[0]
    warnings = page.split('data-testid="import-warnings"')[1].split("</table>")[0]
    assert 'data-row="32"' in errors and 'data-row="42"' in errors and 'data-row="9"' not in errors
    assert 'data-row="9"' in warnings and 'data-row="17"' in warnings and 'data-row="32"' not in warnings
    assert 'data-testid="import-skipped"' in page and "61" in page.split('data-testid="import-skipped"')[1][:300]


def test_the_messy_export_imports_every_good_order(job):
    jobs.preview_job(job.pk)
    job = jobs.commit_job(job.pk)
    assert job.status == ImportJob.Status.COMMITTED, job.failure
    assert ServiceVisit.objects.count() == GOOD
    # Settled on the day it came in, written as a date: closed that day, not before it opened.
    for index in DATE_ONLY:
        visit = ServiceVisit.objects.get(order_no=f"RO{index:08d}")
        opened, closed = timezone.localtime(visit.opened_at), timezone.localtime(visit.closed_at)
        assert (opened.date(), opened.hour, opened.minute) == (datetime(2026, 10, 5).date(), 10, 30)
        assert closed.date() == opened.date() and closed >= opened
        assert visit.status == ServiceVisit.Status.CLOSED
    # A mobile the phone library rejects: the order and the car are imported, the customer is
    # kept without a usable mobile and flagged as a wrong number.
    for index, raw in BAD_MOBILES.items():
        visit = ServiceVisit.objects.select_related("customer", "vehicle").get(order_no=f"RO{index:08d}")
        assert visit.vehicle_id
        assert visit.customer.mobile == "" and visit.customer.mobile_reported_wrong_at is not None
        assert raw in visit.customer.notes
    assert not Customer.objects.filter(name="合计").exists()
