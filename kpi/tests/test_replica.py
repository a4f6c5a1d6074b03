"""Heavy reads off the primary: with a reports replica configured, the KPI pages read their
figures there and say how current they are. A real streaming replica of the test server
(aftersales/testing/replica.py), paused and resumed, shows a lagging replica for what it is."""
import contextlib
import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from aftersales.db_routers import REPORTS, ReportsRouter, reading_reports
from aftersales.testing.replica import database_alias, replica_or_skip
from aftersales.tests.factories import ServiceVisitFactory, VehicleFactory
from kpi import selectors
from kpi.models import MonthlyReport
from kpi.services import build_monthly_reports

# The replica is the "reports" database of every test here, from before Django's test case
# starts (it checks the databases a test may use); a mirror of "default", whose test database
# it replicates. Transactional tests: the replica sees committed rows only.
pytestmark = pytest.mark.django_db(transaction=True, databases=["default", REPORTS])


def orders_on_the_dashboard(response):
    assert response.status_code == 200
    rows = {row["figure"].key: row for row in response.context["rows"]}
    return rows["repair_orders"]["now"].numerator


def add_orders(store, count, opened_at=None):
    vehicle = VehicleFactory(owner__store=store)
    for _ in range(count):
        ServiceVisitFactory(vehicle=vehicle, opened_at=opened_at or timezone.now())


@pytest.fixture(scope="module")
def streaming_replica(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        replica = replica_or_skip(connections["default"])
    try:
        replica.start()
        with database_alias(REPORTS, replica.settings_dict()):
            yield replica
    finally:
        replica.stop()


@pytest.fixture
def replica(streaming_replica):
    yield streaming_replica
    # A test that failed half way must not leave the next one a paused replica.
    streaming_replica.resume_replay()


@contextlib.contextmanager
def no_reports_database():
    saved = connections.settings.pop(REPORTS)
    try:
        yield
    finally:
        connections.settings[REPORTS] = saved


@pytest.fixture
def manager(client, personas):
    client.force_login(personas["manager"])
    return personas["manager"]


def test_the_dashboard_reads_its_figures_on_the_replica(client, replica, manager, store_a):
    add_orders(store_a, 2)
    replica.wait_for_replay()
    with CaptureQueriesContext(connections[REPORTS]) as on_replica, \
            CaptureQueriesContext(connection) as on_primary:
        response = client.get(reverse("kpi:dashboard"))
    assert orders_on_the_dashboard(response) == 2
    # The repair orders' count (an ORM query: the table's name quoted) ran on the replica only.
    orders = 'FROM "customers_servicevisit"'
    assert any(orders in query["sql"] for query in on_replica.captured_queries)
    assert not any(orders in query["sql"] for query in on_primary.captured_queries)
    # Who may see the store was decided on the primary.
    assert any("aftersales_user_stores" in query["sql"] for query in on_primary.captured_queries)
    freshness = response.context["freshness"]
    assert freshness.standby and not freshness.lagging
    assert b'data-testid="replica-as-of"' in response.content
    assert f"数据截至 {freshness.display}（副本）" in response.content.decode()


def test_every_figure_source_in_raw_sql_reads_on_the_replica_too(client, replica, manager, store_a):
    replica.wait_for_replay()
    with CaptureQueriesContext(connections[REPORTS]) as on_replica, \
            CaptureQueriesContext(connection) as on_primary:
        assert client.get(reverse("kpi:dashboard")).status_code == 200
    # Complaints, customer care and arrivals are counted in SQL of their own, not the ORM's.
    for table in ("complaints_complaint", "visits_careoccasion", "appointments_walkin"):
        assert any(table in query["sql"] for query in on_replica.captured_queries), table
        assert not any(table in query["sql"] for query in on_primary.captured_queries), table


def test_a_replica_behind_shows_the_old_figures_and_says_it_lags(client, replica, manager, store_a):
    add_orders(store_a, 2)
    replica.wait_for_replay()
    replica.pause_replay()
    add_orders(store_a, 3)
    replica.wait_for_receipt()  # the new orders reached the replica, and wait there
    assert selectors.store_dashboard(store_a)["rows"]  # the primary has them:
    primary_rows = {row["figure"].key: row for row in selectors.store_dashboard(store_a)["rows"]}
    assert primary_rows["repair_orders"]["now"].numerator == 5

    with override_settings(REPORTS_MAX_LAG_SECONDS=0):
        response = client.get(reverse("kpi:dashboard"))
    assert orders_on_the_dashboard(response) == 2
    freshness = response.context["freshness"]
    assert freshness.lagging and freshness.lag > dt.timedelta(0)
    assert b'data-testid="replica-lagging"' in response.content

    replica.resume_replay()
    replica.wait_for_replay()
    response = client.get(reverse("kpi:dashboard"))
    assert orders_on_the_dashboard(response) == 5
    assert not response.context["freshness"].lagging
    assert b'data-testid="replica-lagging"' not in response.content


def test_the_kept_monthly_report_is_never_built_from_a_lagging_replica(replica, store_a):
    last_month = timezone.localdate().replace(day=1) - dt.timedelta(days=2)
    opened = timezone.make_aware(dt.datetime.combine(last_month, dt.time(10)))
    add_orders(store_a, 1, opened_at=opened)
    replica.wait_for_replay()
    replica.pause_replay()
    add_orders(store_a, 2, opened_at=opened)
    replica.wait_for_receipt()
    with override_settings(REPORTS_MAX_LAG_SECONDS=0):
        with reading_reports() as page:
            assert page.alias == REPORTS  # a page would still read there, and say it lags
        assert build_monthly_reports()["built"] == 1
    kept = MonthlyReport.objects.get(store=store_a, month=last_month.replace(day=1))
    assert kept.figures["repair_orders"]["numerator"] == 3


def test_writes_inside_reading_reports_go_to_the_primary(replica, store_a):
    with reading_reports() as source:
        assert source.alias == REPORTS
        assert ReportsRouter().db_for_write(MonthlyReport) == "default"
        # The replica is read-only: this would fail there.
        MonthlyReport.objects.create(store=store_a, month=dt.date(2026, 10, 1), figures={},
                                     built_at=timezone.now())
    assert MonthlyReport.objects.filter(store=store_a).exists()


def test_a_read_inside_a_transaction_on_the_primary_stays_there(replica):
    # It may need to see the transaction's own writes, which the replica has not.
    with reading_reports():
        assert ReportsRouter().db_for_read(MonthlyReport) == REPORTS
        with transaction.atomic():
            assert ReportsRouter().db_for_read(MonthlyReport) == "default"


def test_an_unreachable_replica_leaves_the_pages_on_the_primary(client, replica, manager, store_a, tmp_path):
    add_orders(store_a, 2)  # not waited for: the page must not read the replica at all
    reports = connections[REPORTS]
    reports.close()
    socket_dir, reports.settings_dict["HOST"] = reports.settings_dict["HOST"], str(tmp_path)
    try:
        response = client.get(reverse("kpi:dashboard"))
    finally:
        reports.close()
        reports.settings_dict["HOST"] = socket_dir
    assert orders_on_the_dashboard(response) == 2 and response.context["freshness"] is None


def test_the_replica_costs_the_dashboard_one_query_more(client, replica, manager, store_a):
    add_orders(store_a, 2)
    replica.wait_for_replay()
    with no_reports_database():
        client.get(reverse("kpi:dashboard"))  # the manager's permissions are then in the cache
    with no_reports_database(), CaptureQueriesContext(connection) as alone:
        assert client.get(reverse("kpi:dashboard")).status_code == 200
    with CaptureQueriesContext(connections[REPORTS]) as on_replica, \
            CaptureQueriesContext(connection) as on_primary:
        assert client.get(reverse("kpi:dashboard")).status_code == 200
    # The figures moved to the replica, plus the one question of how current it is.
    assert len(on_primary) + len(on_replica) == len(alone) + 1
    assert sum("pg_last_xact_replay_timestamp" in query["sql"] for query in on_replica.captured_queries) == 1


def test_the_report_workbook_says_how_current_its_figures_are(client, replica, manager, store_a):
    month = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    response = client.get(reverse("kpi:store_report_xlsx", args=[store_a.code, month.year, month.month]))
    assert response.status_code == 200
    summary = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    assert summary["B1"].value.startswith("数据截至") and summary["B1"].value.endswith("（副本）")


def test_kpi_reconcile_compares_the_records_with_what_the_replica_shows(replica, store_a):
    add_orders(store_a, 2)
    replica.wait_for_replay()
    month = f"{timezone.localdate():%Y-%m}"
    out = io.StringIO()
    call_command("kpi_reconcile", "--month", month, stdout=out)  # no SystemExit: the same figures
    assert "（副本）" in out.getvalue() and "repair_orders: report (2, None) records (2, None) ok" in out.getvalue()

    replica.pause_replay()
    add_orders(store_a, 1)
    replica.wait_for_receipt()
    with pytest.raises(SystemExit) as exit_, override_settings(REPORTS_MAX_LAG_SECONDS=0):
        call_command("kpi_reconcile", "--month", month, stdout=out, stderr=io.StringIO())
    assert exit_.value.code == 1
    assert "repair_orders: report (2, None) records (3, None) DIFFERENT" in out.getvalue()
    assert "报表副本数据滞后" in out.getvalue()  # the site's language, as the pages say it
