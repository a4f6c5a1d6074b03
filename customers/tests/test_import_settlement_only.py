"""A DMS export with only a settlement date (工单号, 车牌号, VIN, 客户姓名, 手机, 维修类型, 结算日期,
里程): the open date is taken from the settlement date, and the preview says so; the mapping
step says which required fields are still unmapped and shows sample values of each column."""
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from customers.imports.columns import COLUMNS, missing_columns
from customers.imports.samples import sample_rows, write_xlsx
from customers.models import ImportJob, ServiceVisit

pytestmark = pytest.mark.django_db

HEADERS = ["工单号", "车牌号", "VIN", "客户姓名", "手机", "维修类型", "结算日期", "里程"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def supervisor(client, personas):
    client.force_login(personas["cs_supervisor"])
    return personas["cs_supervisor"]


def export(count=6, headers=HEADERS):
    rows = [
        {"工单号": row["工单号"], "车牌号": row["车牌号"], "VIN": row["VIN"], "客户姓名": row["客户姓名"],
         "手机": row["联系电话"], "维修类型": row["维修类型"], "结算日期": row["结算日期"], "里程": row["行驶里程"],
         "开单时间": row["进厂日期"]}
        for row in sample_rows(count)
    ]
    buffer = io.BytesIO()
    write_xlsx(buffer, headers, rows)
    return SimpleUploadedFile("结算导出.xlsx", buffer.getvalue())


def upload(client, store, file):
    client.post(reverse("customers:imports:upload"), {"store": store.pk, "file": file})
    return ImportJob.objects.latest("pk")


def mapping_post(job):
    return {column.field: job.columns.get(column.field, "") for column in COLUMNS}


def test_a_settlement_date_alone_is_enough():
    assert missing_columns({"order_no": "工单号", "closed_at": "结算日期", "repair_type": "维修类型",
                            "customer_name": "客户姓名", "vin": "VIN"}) == []


def test_the_open_date_is_taken_from_the_settlement_date(client, supervisor, store_a):
    job = upload(client, store_a, export())
    assert "opened_at" not in job.columns and job.columns["closed_at"] == "结算日期"
    response = client.post(reverse("customers:imports:mapping", args=[job.pk]), mapping_post(job))
    assert response["Location"] == reverse("customers:imports:preview", args=[job.pk])
    job.refresh_from_db()
    assert (job.status, job.summary["new"], job.summary["errors"]) == (ImportJob.Status.PREVIEWED, 6, 0)
    page = client.get(reverse("customers:imports:preview", args=[job.pk])).content.decode()
    assert 'data-testid="opened-from-closed"' in page and "结算日期" in page.split('data-testid="opened-from-closed"')[1][:300]

    client.post(reverse("customers:imports:commit", args=[job.pk]))
    visit = ServiceVisit.objects.get(order_no="RO00000001")
    assert visit.opened_at == visit.closed_at
    assert visit.status == ServiceVisit.Status.CLOSED
    assert ServiceVisit.objects.count() == 6


def test_the_open_date_of_an_order_on_file_is_kept(client, supervisor, store_a):
    full = [*HEADERS, "开单时间"]
    job = upload(client, store_a, export(3, full))
    client.post(reverse("customers:imports:mapping", args=[job.pk]), mapping_post(job))
    client.post(reverse("customers:imports:commit", args=[job.pk]))
    opened = ServiceVisit.objects.get(order_no="RO00000001").opened_at
    job = upload(client, store_a, export(3))
    client.post(reverse("customers:imports:mapping", args=[job.pk]), mapping_post(job))
    job.refresh_from_db()
    assert job.summary["changed"] == 0 and job.summary["unchanged"] == 3
    assert ServiceVisit.objects.get(order_no="RO00000001").opened_at == opened


def test_the_mapping_step_names_the_unmapped_required_fields(client, supervisor, store_a):
    headers = ["单号", "车牌号", "客户姓名", "结算日期"]
    job = upload(client, store_a, export(3, headers))
    page = client.get(reverse("customers:imports:mapping", args=[job.pk])).content.decode()
    missing = page.split('data-testid="mapping-missing"')[1].split("</div>")[0]
    assert "工单号" in missing and "维修类型" in missing
    assert "客户姓名" not in missing and "开单" not in missing


def test_the_mapping_step_shows_sample_values_of_each_column(client, supervisor, store_a):
    job = upload(client, store_a, export(4))
    first = next(sample_rows(1))
    page = client.get(reverse("customers:imports:mapping", args=[job.pk])).content.decode()
    samples = page.split('data-testid="column-samples"')[1].split("</table>")[0]
    assert first["工单号"] in samples and first["VIN"] in samples and first["客户姓名"] in samples
