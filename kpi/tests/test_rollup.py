"""The KPI roll-up the group's pages read: the same counts as the live figures, kept per store and
month, refreshed by its jobs, shown "as of" its count, checked by kpi_reconcile; and the group's
monthly report (page and workbook) built on it."""
import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from aftersales.schedules import SCHEDULES
from aftersales.tests.factories import ServiceVisitFactory, StoreFactory, VehicleFactory
from kpi import metrics, rollup, selectors
from kpi.metrics import FIGURES, Period
from kpi.models import FigureRollup, MonthlyReport
from kpi.tasks import refresh_rollup, refresh_rollup_nightly

from .month import EXPECTED, NOW, SHANGHAI, at, build_october

pytestmark = pytest.mark.django_db
OCTOBER = Period.month(2026, 10)


@pytest.fixture
def october(store_a, personas):
    return build_october(store_a, agent=personas["cs_agent"], supervisor=personas["cs_supervisor"],
                         advisor=personas["advisor"])


@pytest.fixture
def director(make_user, store_a, store_b):
    return make_user("manager", [store_a, store_b], username="director")


def add_order(store, when):
    return ServiceVisitFactory(vehicle=VehicleFactory(owner__store=store), opened_at=when)


def orders_in_group_view(client):
    response = client.get(reverse("kpi:group"), {"month": "2026-10"})
    assert response.status_code == 200
    row = next(r for r in response.context["side_by_side"]["rows"] if r["figure"].key == "repair_orders")
    return {cell["store"].code: cell["value"].numerator for cell in row["cells"]}, response


def test_the_roll_up_gives_every_figure_as_the_live_count_does(october, store_a, store_b):
    rollup.refresh([OCTOBER], stores=[store_a, store_b], now=NOW)
    rolled = rollup.read([store_a, store_b], [OCTOBER], metrics.REPORT).table
    live = metrics.compute(store_ids=[store_a.pk], period=OCTOBER, zone=SHANGHAI)
    for key in metrics.REPORT:
        kept = rolled.get((store_a.pk, OCTOBER.start), key)
        counted = live.get((), key)
        assert (kept.numerator, kept.denominator, kept.value) == (
            counted.numerator, counted.denominator, counted.value), key
    assert rolled.get((store_a.pk, OCTOBER.start), "return_visit_rate").value == EXPECTED["return_visit_rate"][2]
    assert rolled.get((store_b.pk, OCTOBER.start), "repair_orders").numerator == 0


def test_refreshing_again_replaces_the_counts_one_row_per_store_and_month(october, store_a, store_b):
    months = metrics.months_back(OCTOBER, 3)
    assert rollup.refresh(months, stores=[store_a, store_b], now=NOW) == 6
    add_order(store_a, at(10, 20, 9))
    later = NOW + dt.timedelta(minutes=10)
    assert rollup.refresh(months, stores=[store_a, store_b], now=later) == 6
    assert FigureRollup.objects.count() == 6
    row = FigureRollup.objects.get(store=store_a, month=OCTOBER.start)
    assert row.computed_at == later
    assert row.counts["repair_orders"]["repair_orders"] == EXPECTED["repair_orders"][0] + 1


def test_the_group_view_shows_the_roll_up_as_of_its_count(client, director, october, store_a, store_b):
    rollup.refresh([OCTOBER], stores=[store_a, store_b], now=NOW)
    client.force_login(director)
    before, response = orders_in_group_view(client)
    assert response.context["as_of"] == NOW
    assert 'data-testid="rollup-as-of"' in response.content.decode()
    add_order(store_a, at(10, 20, 9))
    assert orders_in_group_view(client)[0] == before
    rollup.refresh([OCTOBER], stores=[store_a, store_b])
    assert orders_in_group_view(client)[0]["a"] == before["a"] + 1


def test_a_month_never_rolled_up_is_counted_live_and_not_kept(client, director, october, store_a):
    client.force_login(director)
    counted, response = orders_in_group_view(client)
    assert counted["a"] == EXPECTED["repair_orders"][0] and counted["b"] == 0
    assert response.context["as_of"] is None
    assert not FigureRollup.objects.exists()


def test_the_group_column_is_the_stores_added_up(october, store_a, store_b):
    second = StoreFactory(code="c", name="丙店")
    add_order(second, at(10, 9, 9))
    stores = [store_a, store_b, second]
    rollup.refresh([OCTOBER], stores=stores, now=NOW)
    rows = {row["figure"].key: row for row in selectors.group_view(stores, period=OCTOBER)["rows"]}
    assert rows["repair_orders"]["group"].numerator == EXPECTED["repair_orders"][0] + 1
    whole = metrics.compute(store_ids=[s.pk for s in stores], period=OCTOBER, zone=SHANGHAI)
    for key, row in rows.items():
        if FIGURES[key].snapshot:
            continue
        expected = whole.get((), key)
        assert (row["group"].numerator, row["group"].denominator) == (expected.numerator, expected.denominator), key


def test_the_jobs_refresh_the_current_month_and_the_trend_s_months(store_a, store_b):
    add_order(store_a, dt.datetime.now(tz=SHANGHAI) - dt.timedelta(minutes=5))
    assert refresh_rollup.apply().get() == 2
    current = FigureRollup.objects.get(store=store_a)
    assert current.counts["repair_orders"]["repair_orders"] == 1
    assert refresh_rollup_nightly.apply().get() == 2 * rollup.NIGHTLY_MONTHS
    assert SCHEDULES["KPI roll-up of the current month"].every == dt.timedelta(minutes=rollup.REFRESH_MINUTES)
    assert SCHEDULES["KPI roll-up of the trend's months"].task == "kpi.tasks.refresh_rollup_nightly"


def test_reconcile_finds_a_roll_up_behind_the_records(october, store_a, store_b):
    rollup.refresh([OCTOBER], stores=[store_a, store_b], now=NOW)
    out = io.StringIO()
    call_command("kpi_reconcile", "--month", "2026-10", "--store", "a", stdout=out)
    assert "every figure matches" in out.getvalue()
    add_order(store_a, at(10, 20, 9))
    out = io.StringIO()
    with pytest.raises(SystemExit) as stopped:
        call_command("kpi_reconcile", "--month", "2026-10", "--store", "a", stdout=out, stderr=io.StringIO())
    assert stopped.value.code == 1
    assert "roll-up" in out.getvalue() and "repair_orders" in out.getvalue()


# --- The group's monthly report ---------------------------------------------------------------------
def test_the_group_report_adds_the_stores_up_with_their_records(client, director, october, store_a, store_b):
    rollup.refresh(metrics.months_back(OCTOBER, 6), stores=[store_a, store_b], now=NOW)
    client.force_login(director)
    response = client.get(reverse("kpi:group_report", args=[2026, 10]))
    assert response.status_code == 200
    rows = {row["figure"].key: row["data"] for row in response.context["rows"]}
    assert (rows["return_visit_rate"]["numerator"], rows["return_visit_rate"]["denominator"]) == (
        EXPECTED["return_visit_rate"][0], EXPECTED["return_visit_rate"][1])
    assert len(rows["return_visit_rate"]["history"]) == 6
    assert len(response.context["complaints"]) == 3 and len(response.context["dissatisfied"]) == 1
    page = response.content.decode()
    assert store_a.name in page and 'data-testid="group-table"' in page and 'data-testid="rollup-as-of"' in page


def test_the_group_workbook_has_the_stores_side_by_side_and_charts(client, director, october, store_a, store_b,
                                                                   settings):
    client.force_login(director)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("kpi:group_report_xlsx", args=[2026, 10]))
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    figures = {row[0]: row for row in workbook["Figures"].iter_rows(min_row=3, values_only=True)}
    assert figures["Complaints"][2] == 3
    assert len(workbook["Trend"]._charts) == 2
    stores = workbook["Stores"]
    assert [cell.value for cell in stores[1]] == ["Figure", "Group", store_a.name, store_b.name]
    by_figure = {row[0]: row for row in stores.iter_rows(min_row=2, values_only=True)}
    assert by_figure["Repair orders"][1:] == (EXPECTED["repair_orders"][0],) * 2 + (0,)
    complaints = workbook["Complaints"]
    assert complaints.cell(row=1, column=complaints.max_column).value == "Store"
    assert {complaints.cell(row=n, column=complaints.max_column).value for n in range(2, 5)} == {store_a.name}


def test_the_group_report_of_a_closed_month_is_the_kept_one(client, director, october, store_a, store_b):
    kept = {key: {"numerator": 7, "denominator": 9 if FIGURES[key].denominator else None, "value": "77.8",
                  "display": "77.8%", "target": None, "target_source": "", "status": "",
                  "history": [{"month": "2026-10", "value": "77.8", "display": "77.8%"}]} for key in metrics.REPORT}
    MonthlyReport.objects.create(store=None, month=OCTOBER.start, figures=kept)
    client.force_login(director)
    response = client.get(reverse("kpi:group_report", args=[2026, 10]))
    assert response.context["kept"] is not None
    assert {row["data"]["numerator"] for row in response.context["rows"]} == {7}


def test_a_manager_who_sees_part_of_the_group_gets_those_stores_not_the_kept_group_report(
        client, make_user, october, store_a, store_b):
    StoreFactory(code="c", name="丙店")
    MonthlyReport.objects.create(store=None, month=OCTOBER.start, figures={})
    client.force_login(make_user("manager", [store_a, store_b], username="area"))
    response = client.get(reverse("kpi:group_report", args=[2026, 10]))
    assert response.context["kept"] is None
    assert [store.code for store in response.context["side_by_side"]["stores"]] == ["a", "b"]


def test_a_one_store_manager_is_sent_to_the_store_s_report(client, personas):
    client.force_login(personas["manager"])
    response = client.get(reverse("kpi:group_report", args=[2026, 10]))
    assert response["Location"] == reverse("kpi:store_report", args=["a", 2026, 10])


def test_the_group_pages_read_a_fixed_number_of_queries(client, director, october, store_a, store_b, make_user):
    rollup.refresh(metrics.months_back(OCTOBER, 6), stores=[store_a, store_b], now=NOW)
    client.force_login(director)

    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    urls = [reverse("kpi:group") + "?month=2026-10", reverse("kpi:group_report", args=[2026, 10])]
    queries(urls[0])  # the director's permissions are read once, then kept in the cache
    before = [queries(url) for url in urls]
    more = [StoreFactory(code=f"x{n}", name=f"加{n}店") for n in range(3)]
    for store in more:
        add_order(store, at(10, 9, 9))
    director.stores.add(*more)
    rollup.refresh(metrics.months_back(OCTOBER, 6), stores=[store_a, store_b, *more], now=NOW)
    queries(urls[0])  # new stores and memberships: the director's access is read again, once
    assert [queries(url) for url in urls] == before


def test_an_older_count_finishing_last_never_replaces_a_newer_one(october, store_a, store_b):
    rollup.refresh([OCTOBER], stores=[store_a, store_b], now=NOW)
    add_order(store_a, at(10, 20, 9))
    rollup.refresh([OCTOBER], stores=[store_a, store_b], now=NOW - dt.timedelta(minutes=1))
    row = FigureRollup.objects.get(store=store_a, month=OCTOBER.start)
    assert row.computed_at == NOW
    assert row.counts["repair_orders"]["repair_orders"] == EXPECTED["repair_orders"][0]
