"""The import pages through Django's test client: upload, mapping, preview, commit, progress."""
import io
import time

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from conftest import ROLE_NAMES
from customers.imports import jobs
from customers.imports.columns import COLUMNS
from customers.imports.samples import CANONICAL_HEADERS, sample_rows, write_csv, write_xlsx
from customers.models import ImportJob, ImportMapping, ServiceVisit

pytestmark = pytest.mark.django_db

IMPORTERS = {"advisor", "cs_supervisor", "manager", "admin"}
ENGLISH = ["RO No.", "Open Date", "Close Date", "Repair Type", "License Plate", "VIN",
           "Customer Name", "Mobile", "Odometer", "Service Advisor", "Technician", "Amount",
           "Make", "Model", "Appointment", "Declined Work"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def xlsx_upload(rows, headers=CANONICAL_HEADERS, name="dms.xlsx"):
    buffer = io.BytesIO()
    write_xlsx(buffer, headers, rows)
    return SimpleUploadedFile(name, buffer.getvalue())


def upload(client, store, file):
    return client.post(reverse("customers:imports:upload"), {"store": store.pk, "file": file})


def mapping_post(job):
    return {column.field: job.columns.get(column.field, "") for column in COLUMNS}


@pytest.fixture
def supervisor(client, personas):
    client.force_login(personas["cs_supervisor"])
    return personas["cs_supervisor"]


def test_upload_mapping_preview_commit(client, supervisor, store_a):
    assert client.get(reverse("customers:imports:upload")).status_code == 200
    response = upload(client, store_a, xlsx_upload(sample_rows(12)))
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:imports:mapping", args=[job.pk])
    assert job.store == store_a and job.created_by == supervisor
    assert job.headers == CANONICAL_HEADERS
    assert job.columns["order_no"] == "工单号" and job.columns["vin"] == "VIN"

    page = client.get(reverse("customers:imports:mapping", args=[job.pk]))
    assert page.status_code == 200
    assert 'value="工单号" selected' in page.content.decode()

    response = client.post(reverse("customers:imports:mapping", args=[job.pk]), mapping_post(job))
    assert response["Location"] == reverse("customers:imports:preview", args=[job.pk])
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEWED
    assert job.summary["new"] == 12 and job.summary["errors"] == 0
    assert ImportMapping.objects.get(store=store_a).columns["order_no"] == "工单号"
    assert not ServiceVisit.objects.exists()

    page = client.get(reverse("customers:imports:preview", args=[job.pk])).content.decode()
    assert 'data-count="new">12<' in page and 'data-testid="import-commit"' in page

    response = client.post(reverse("customers:imports:commit", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.COMMITTED
    assert ServiceVisit.objects.filter(store=store_a, imported=True).count() == 12
    # A second commit of the same job does nothing.
    client.post(reverse("customers:imports:commit", args=[job.pk]))
    assert ServiceVisit.objects.count() == 12


def test_the_saved_mapping_is_prefilled_next_time(client, supervisor, store_a):
    rows = [dict(zip(["单号X", *CANONICAL_HEADERS[1:]], row.values())) for row in sample_rows(3)]
    headers = ["单号X", *CANONICAL_HEADERS[1:]]
    upload(client, store_a, xlsx_upload(rows, headers))
    job = ImportJob.objects.get()
    assert "order_no" not in job.columns  # nobody calls it 单号X
    response = client.post(reverse("customers:imports:mapping", args=[job.pk]), mapping_post(job))
    assert response.status_code == 200
    assert "Repair order no." in response.content.decode() or "工单号" in response.content.decode()

    client.post(reverse("customers:imports:mapping", args=[job.pk]), {**mapping_post(job), "order_no": "单号X"})
    upload(client, store_a, xlsx_upload(rows, headers, name="next.xlsx"))
    second = ImportJob.objects.order_by("-pk").first()
    assert second.columns["order_no"] == "单号X"


def test_bad_rows_are_listed_on_the_preview(client, supervisor, store_a):
    rows = list(sample_rows(3))
    rows[1]["VIN"] = "LFV00000000000000"
    rows[2]["维修类型"] = "洗车"
    upload(client, store_a, xlsx_upload(rows))
    job = ImportJob.objects.get()
    client.post(reverse("customers:imports:mapping", args=[job.pk]), mapping_post(job))
    page = client.get(reverse("customers:imports:preview", args=[job.pk])).content.decode()
    assert 'data-row="3" data-code="bad_vin"' in page
    assert 'data-row="4" data-code="unknown_repair_type"' in page
    assert 'data-testid="repair-type-mapping"' in page

    # Map the unknown type: saved for the store, and the file is checked again.
    response = client.post(reverse("customers:imports:map_repair_types", args=[job.pk]), {"value_0": "minor_repair"})
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.summary["errors"] == 1 and job.summary["new"] == 2
    assert ImportMapping.objects.get(store=store_a).columns["_repair_types"] == {"洗车": "minor_repair"}


@pytest.mark.parametrize("name,content,message", [
    ("fake.xlsx", b"just some text", "not an Excel .xlsx workbook"),
    ("empty.csv", b"", "empty"),
    ("notes.txt", b"hello", ".xlsx"),
])
def test_unreadable_files_are_refused_at_upload(client, supervisor, store_a, name, content, message, settings):
    settings.LANGUAGE_CODE = "en"
    response = client.post(
        reverse("customers:imports:upload"),
        {"store": store_a.pk, "file": SimpleUploadedFile(name, content)},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert not ImportJob.objects.exists()
    assert 'data-testid="file-error"' in response.content.decode()


def test_gbk_csv_through_the_pages(client, supervisor, store_a):
    buffer = io.BytesIO()
    write_csv(buffer, ENGLISH, ([*row.values()] for row in sample_rows(5)), encoding="gbk")
    upload(client, store_a, SimpleUploadedFile("dms.csv", buffer.getvalue()))
    job = ImportJob.objects.get()
    assert job.columns["order_no"] == "RO No." and job.columns["customer_name"] == "Customer Name"
    client.post(reverse("customers:imports:mapping", args=[job.pk]), mapping_post(job))
    client.post(reverse("customers:imports:commit", args=[job.pk]))
    assert ServiceVisit.objects.count() == 5


def test_the_template_has_the_canonical_headers(client, supervisor):
    response = client.get(reverse("customers:imports:template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == CANONICAL_HEADERS and len(rows) == 2


def test_another_stores_job_is_404(client, make_user, store_a, store_b):
    other = make_user("cs_supervisor", [store_b])
    client.force_login(other)
    upload(client, store_b, xlsx_upload(sample_rows(2)))
    job = ImportJob.objects.get()
    client.force_login(make_user("cs_supervisor", [store_a]))
    for name in ("mapping", "preview", "progress"):
        assert client.get(reverse(f"customers:imports:{name}", args=[job.pk])).status_code == 404
    for name in ("mapping", "commit", "map_repair_types"):
        assert client.post(reverse(f"customers:imports:{name}", args=[job.pk])).status_code == 404
    # Nor can a job be started for a store the user does not belong to.
    response = upload(client, store_b, xlsx_upload(sample_rows(2)))
    assert response.status_code == 200 and ImportJob.objects.count() == 1


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_only_roles_with_the_permission_may_import(client, personas, store_a, role):
    client.force_login(personas[role])
    expected = 200 if role in IMPORTERS else 403
    assert client.get(reverse("customers:imports:upload")).status_code == expected
    assert client.get(reverse("customers:imports:template")).status_code == expected
    job = ImportJob.objects.create(store=store_a, created_by=personas["admin"], original_name="x.xlsx",
                                   file="imports/x.xlsx", status=ImportJob.Status.PREVIEWED)
    if role not in IMPORTERS:
        assert client.get(reverse("customers:imports:preview", args=[job.pk])).status_code == 403
        assert client.post(reverse("customers:imports:commit", args=[job.pk])).status_code == 403


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.get(reverse("customers:imports:upload"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_changes_need_a_post(client, supervisor, store_a):
    upload(client, store_a, xlsx_upload(sample_rows(2)))
    job = ImportJob.objects.get()
    assert client.get(reverse("customers:imports:commit", args=[job.pk])).status_code == 405
    assert client.get(reverse("customers:imports:map_repair_types", args=[job.pk])).status_code == 405


def test_progress_page_polls_with_htmx_and_redirects_when_done(client, supervisor, store_a):
    upload(client, store_a, xlsx_upload(sample_rows(2)))
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.COMMITTING, total_rows=10, processed_rows=5)
    # Progress lives in Redis, outside the test's transaction: a job of this id of another
    # test (or run) must not answer for this one.
    cache.delete(jobs.progress_key(job.pk))
    page = client.get(reverse("customers:imports:progress", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page and 'value="50"' in page
    assert "<script" not in page.split("</head>")[1] and "style=" not in page

    partial = client.get(reverse("customers:imports:progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and "<html" not in partial.content.decode()

    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.COMMITTED)
    done = client.get(reverse("customers:imports:progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert done["HX-Redirect"] == reverse("customers:imports:preview", args=[job.pk])


@pytest.mark.django_db(transaction=True)
def test_large_files_are_checked_by_the_worker_not_in_the_request(celery_worker, client, supervisor, store_a, monkeypatch):
    monkeypatch.setattr(jobs, "INLINE_ROW_LIMIT", 5)
    upload(client, store_a, xlsx_upload(sample_rows(20)))
    job = ImportJob.objects.get()
    response = client.post(reverse("customers:imports:mapping", args=[job.pk]), mapping_post(job))
    # The request only queued the check: the page polls while the worker reads the file.
    assert response["Location"] == reverse("customers:imports:progress", args=[job.pk])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status == ImportJob.Status.PREVIEWED:
            break
        assert job.status == ImportJob.Status.PREVIEWING, (job.status, job.failure)
        time.sleep(0.1)
    assert (job.status, job.summary["new"], job.summary["rows"]) == (ImportJob.Status.PREVIEWED, 20, 20)
    assert not ServiceVisit.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_celery_path_with_a_real_worker(celery_worker, client, make_user, store_a, monkeypatch, settings):
    monkeypatch.setattr(jobs, "INLINE_ROW_LIMIT", 5)
    user = make_user("manager", [store_a])
    client.force_login(user)
    upload(client, store_a, xlsx_upload(sample_rows(40)))
    job = ImportJob.objects.get()
    client.post(reverse("customers:imports:mapping", args=[job.pk]), mapping_post(job))

    def wait_for(status, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job.refresh_from_db()
            if job.status == status:
                return True
            time.sleep(0.2)
        return False

    assert wait_for(ImportJob.Status.PREVIEWED), (job.status, job.failure)
    assert job.summary["new"] == 40
    response = client.post(reverse("customers:imports:commit", args=[job.pk]))
    assert response["Location"] == reverse("customers:imports:progress", args=[job.pk])
    assert wait_for(ImportJob.Status.COMMITTED), (job.status, job.failure)
    assert ServiceVisit.objects.filter(store=store_a).count() == 40
    done = client.get(reverse("customers:imports:progress", args=[job.pk]))
    assert done.status_code == 302
