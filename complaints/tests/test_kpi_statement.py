"""The KPI figures' statement over a store's complaints reads them through indexes that match
its period, not every complaint of the store."""
import datetime as dt
import zoneinfo

import pytest
from django.db import connection, transaction

from aftersales.tests.factories import make_complaint
from complaints import selectors
from complaints.models import Complaint

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def test_complaints_registered_or_closed_in_the_period_are_read_by_two_ranges(personas, store_a):
    """With sequential and plain index scans priced out, only bitmap scans remain: the
    registration times' and the store's closing times', ORed (without `complaint_store_closed`,
    every complaint of the store was read and filtered)."""
    complaint = make_complaint(store=store_a, by=personas["cs_supervisor"], description="等待时间过长")
    # Years of the store's complaints before the period, analysed, as a store's table holds them.
    years_ago = dt.datetime(2023, 1, 1, tzinfo=SHANGHAI)
    Complaint.objects.bulk_create([
        Complaint(**{**_columns(complaint), "number": f"OLD-{n:05d}", "created_at": years_ago,
                     "closed_at": years_ago + dt.timedelta(days=3), "status": Complaint.Status.CLOSED})
        for n in range(3000)
    ])
    sql, params = selectors.kpi_complaint_statement(
        store_ids=[store_a.pk], start=dt.date(2026, 11, 1), end=dt.date(2027, 1, 1), zone=SHANGHAI, bucket="month",
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("ANALYZE complaints_complaint")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "BitmapOr" in plan
    assert "Bitmap Index Scan on complaint_store_closed" in plan


def _columns(complaint):
    return {field.attname: getattr(complaint, field.attname) for field in Complaint._meta.concrete_fields
            if not field.primary_key and field.attname != "dissatisfaction_id"}
