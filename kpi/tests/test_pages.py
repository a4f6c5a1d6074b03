"""The managers' pages: who sees them, store scoping, targets and their colours, a fixed number
of queries, the group view's ranking and the report's workbook."""
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from kpi.models import Target
from kpi.targets import DEFAULT_TARGETS

from .month import EXPECTED, build_october

pytestmark = pytest.mark.django_db


@pytest.fixture
def october(store_a, personas):
    return build_october(store_a, agent=personas["cs_agent"], supervisor=personas["cs_supervisor"],
                         advisor=personas["advisor"])


@pytest.fixture
def director(make_user, store_a, store_b):
    return make_user("manager", [store_a, store_b], username="director")


def test_a_manager_s_home_is_the_dashboard(client, personas):
    client.force_login(personas["manager"])
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("kpi:dashboard")
    assert client.get(reverse("home"), {"workbench": 1}).status_code == 200


@pytest.mark.parametrize("role,status", [
    ("manager", 200), ("cs_supervisor", 200), ("cs_agent", 403), ("advisor", 403), ("dept_head", 403),
])
def test_dashboards_are_for_managers_and_supervisors(client, personas, role, status):
    client.force_login(personas[role])
    assert client.get(reverse("kpi:dashboard")).status_code == status


def test_a_manager_of_one_store_gets_404_for_another(client, personas, store_b):
    client.force_login(personas["manager"])
    assert client.get(reverse("kpi:store_dashboard", args=[store_b.code])).status_code == 404
    assert client.get(reverse("kpi:store_report", args=[store_b.code, 2026, 10])).status_code == 404
    assert client.get(reverse("kpi:store_report_xlsx", args=[store_b.code, 2026, 10])).status_code == 404
    assert client.get(reverse("kpi:store_targets", args=[store_b.code])).status_code == 404


def test_the_dashboard_reads_a_fixed_number_of_queries(client, personas, store_a, store_b, make_user):
    from kpi import rollup

    # As every night: the trend's earlier months are in the roll-up.
    rollup.refresh(rollup.current_months(count=rollup.NIGHTLY_MONTHS), stores=[store_a, store_b])
    manager_b = make_user("manager", [store_b], username="manager_b")
    client.force_login(manager_b)
    with CaptureQueriesContext(connection) as empty:
        assert client.get(reverse("kpi:dashboard")).status_code == 200
    build_october(store_a, agent=personas["cs_agent"], supervisor=personas["cs_supervisor"],
                         advisor=personas["advisor"])
    client.force_login(personas["manager"])
    with CaptureQueriesContext(connection) as full:
        response = client.get(reverse("kpi:dashboard"))
    assert response.status_code == 200
    # 16 before appointments and care: +3 for their sources (appointments, arrivals, care) and +1
    # for today's appointments; -4 since the session, the permissions and the role come from Redis;
    # +1 since the trend's earlier months are read from the roll-up.
    assert len(full) == len(empty) == 17, [q["sql"][:80] for q in full.captured_queries]


def test_figures_off_target_are_red_and_first(client, personas, october, store_a):
    import datetime as dt

    from kpi import selectors

    client.force_login(personas["manager"])
    assert client.get(reverse("kpi:store_dashboard", args=["a"])).status_code == 200
    dashboard = selectors.store_dashboard(store_a, today=dt.date(2026, 11, 20))
    rows = dashboard["rows"]
    # Last month (October) against this month so far (November: f6 only).
    rate = next(r for r in rows if r["figure"].key == "return_visit_rate")
    assert (rate["before"].value, rate["now"].value) == (EXPECTED["return_visit_rate"][2], 100)
    chart = next(c for c in dashboard["charts"] if c["key"] == "return_visit_rate")
    assert chart["months"][-2:] == ["2026-10", "2026-11"] and len(chart["months"]) == 13
    assert chart["values"][-2:] == [80.0, 100.0] and chart["targets"][-1] == 80.0
    complaints = next(r for r in rows if r["figure"].key == "complaint_rate")
    assert complaints["before"].status == "bad"
    statuses = [row["now"].status for row in rows]
    bad = [s for s in statuses if s == "bad"]
    assert statuses[:len(bad)] == bad  # the figures off target come first


def test_the_trend_s_earlier_months_are_read_from_the_nightly_roll_up(personas, october, store_a):
    import datetime as dt

    from aftersales.tests.factories import FollowUpFactory
    from kpi import metrics, rollup, selectors
    from kpi.metrics import Period

    from .month import SHANGHAI, reached

    today = dt.date(2026, 11, 20)
    counted_at = dt.datetime(2026, 11, 20, 2, tzinfo=SHANGHAI)
    rollup.refresh(metrics.months_back(Period.month(2026, 11), 13), stores=[store_a], now=counted_at)
    # After the nightly count: a call of September and one more of October are recorded.
    for due_on in (dt.date(2026, 9, 15), dt.date(2026, 10, 21)):
        followup = FollowUpFactory(store=store_a, due_on=due_on)
        reached(followup, personas["cs_agent"], dt.datetime.combine(due_on, dt.time(10), SHANGHAI), 5)

    dashboard = selectors.store_dashboard(store_a, today=today)

    chart = next(c for c in dashboard["charts"] if c["key"] == "return_visit_rate")
    assert chart["months"][-3:] == ["2026-09", "2026-10", "2026-11"]
    assert chart["values"][-3] is None  # September as counted last night: no calls then
    live_october = metrics.compute(store_ids=[store_a.pk], period=Period.month(2026, 10),
                                   zone=SHANGHAI).get(())["return_visit_rate"]
    assert chart["values"][-2] == float(live_october.value) != EXPECTED["return_visit_rate"][2]
    assert dashboard["trend_as_of"] == counted_at

    rollup.refresh(metrics.months_back(Period.month(2026, 11), 13), stores=[store_a])
    chart = next(c for c in selectors.store_dashboard(store_a, today=today)["charts"]
                 if c["key"] == "return_visit_rate")
    assert chart["values"][-3] == 100.0


def test_the_dashboard_says_as_of_when_the_trend_s_earlier_months_were_counted(client, personas, store_a):
    from kpi import rollup

    client.force_login(personas["manager"])
    assert 'data-testid="trend-as-of"' not in client.get(reverse("kpi:dashboard")).content.decode()
    rollup.refresh(rollup.current_months(count=rollup.NIGHTLY_MONTHS), stores=[store_a])
    assert 'data-testid="trend-as-of"' in client.get(reverse("kpi:dashboard")).content.decode()


def test_a_target_set_by_the_manager_changes_the_colour(client, personas, october, store_a):
    from kpi import metrics, selectors
    from kpi.metrics import Period

    october_period = Period.month(2026, 10)
    table = metrics.compute(store_ids=[store_a.pk], period=october_period, zone=metrics.zone_of([store_a]))
    value = table.get(())["return_visit_rate"]
    value.target = DEFAULT_TARGETS["return_visit_rate"][0]
    assert value.status == "good"  # 80.0% ≥ 80% (seed 003)
    Target.objects.create(store=store_a, month=october_period.start, figure="return_visit_rate", value=90)
    figures = selectors.monthly_figures([store_a.pk], period=october_period, zone=metrics.zone_of([store_a]))
    assert (figures["return_visit_rate"]["target"], figures["return_visit_rate"]["status"]) == ("90.00", "bad")
    # Lower is better: 42.9 complaints per 100 repair orders is off the seed's 5.
    assert figures["complaint_rate"]["status"] == "bad"
    assert "004" in figures["complaint_rate"]["target_source"]  # the default names its seed


def test_the_manager_sets_next_month_s_targets(client, personas, store_a):
    from kpi import selectors
    from kpi.metrics import Period

    client.force_login(personas["manager"])
    next_month = Period.containing("month", selectors.local_today(store_a)).next()
    url = reverse("kpi:store_targets", args=["a"])
    response = client.post(url, {"month": str(next_month), "return_visit_rate": "85", "satisfaction_rate": "95"})
    assert response.status_code == 302
    saved = dict(Target.objects.filter(store=store_a, month=next_month.start).values_list("figure", "value"))
    assert saved == {"return_visit_rate": Decimal("85.00"), "satisfaction_rate": Decimal("95.00")}
    # Bad input changes nothing and says why.
    response = client.post(url, {"month": str(next_month), "return_visit_rate": "185"})
    assert response.status_code == 200 and response.context["form"].errors
    assert Target.objects.get(store=store_a, month=next_month.start, figure="return_visit_rate").value == 85


def test_supervisors_may_not_set_targets(client, personas):
    client.force_login(personas["cs_supervisor"])
    assert client.get(reverse("kpi:targets")).status_code == 403


def test_the_director_compares_the_stores(client, director, personas, october, store_a, store_b):
    client.force_login(director)
    assert client.get(reverse("kpi:dashboard"))["Location"] == reverse("kpi:group")
    response = client.get(reverse("kpi:group"), {"month": "2026-10"})
    row = next(r for r in response.context["side_by_side"]["rows"] if r["figure"].key == "return_visit_rate")
    cells = {cell["store"].code: cell for cell in row["cells"]}
    assert cells["a"]["value"].value == EXPECTED["return_visit_rate"][2] and cells["a"]["rank"] == 1
    assert cells["b"]["value"].display == "—" and cells["b"]["rank"] is None
    assert reverse("kpi:store_dashboard", args=["b"]) in response.content.decode()


def test_the_report_page_and_its_workbook(client, personas, october, settings):
    client.force_login(personas["manager"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("kpi:store_report", args=["a", 2026, 10]))
    assert response.status_code == 200
    assert len(response.context["complaints"]) == 3 and len(response.context["dissatisfied"]) == 1
    response = client.get(reverse("kpi:store_report_xlsx", args=["a", 2026, 10]))
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    figures = workbook.worksheets[0]
    values = {row[0]: row for row in figures.iter_rows(min_row=3, values_only=True)}
    assert values["Return-visit rate"][2] == 80.0 and values["Return-visit rate"][5:7] == (4, 5)
    assert values["Complaints"][2] == 3
    trend = workbook.worksheets[1]
    charts = trend._charts
    assert len(charts) == 2
    months = [row[0] for row in trend.iter_rows(min_row=2, values_only=True)]
    assert months[-1] == "2026-10" and len(months) == 6
    header = [cell.value for cell in trend[1]]
    column = header.index("Return-visit rate")
    assert trend.cell(row=7, column=column + 1).value == 80.0
    # The line chart's first series is the return-visit rate's column, over the six months.
    first = charts[0].series[0].val.numRef.f
    assert first == "'Trend'!$B$2:$B$7" and header[1] == "Return-visit rate"
    complaints = workbook.worksheets[3]
    assert complaints.max_row == 4
    assert values["Show rate"][2] == 66.7 and values["Show rate"][5:7] == (2, 3)
    assert values["Insurance renewal rate"][5:7] == (3, 5)


def test_the_report_lists_the_lost_customers_reasons_by_month(client, personas, october, settings):
    client.force_login(personas["manager"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("kpi:store_report", args=["a", 2026, 10]))
    table = response.context["lost_reasons"]
    assert [f"{month:%Y-%m}" for month in table["months"]][-1] == "2026-10"
    assert {row["label"]: row["counts"][-1] for row in table["rows"]} == {"Price": 1, "Moved away": 1}
    assert 'data-testid="report-lost-reasons"' in response.content.decode()
    response = client.get(reverse("kpi:store_report_xlsx", args=["a", 2026, 10]))
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook["Lost customers' reasons"]
    rows = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["Price"][-2:] == (1, 1) and rows["Moved away"][-1] == 1


def test_customer_words_never_become_a_formula(client, personas, store_a):
    from aftersales.tests.factories import CustomerFactory, make_complaint

    make_complaint(store=store_a, by=personas["cs_supervisor"], customer=CustomerFactory(store=store_a),
                   description="=HYPERLINK(\"http://evil\")")
    client.force_login(personas["manager"])
    from kpi import selectors
    from kpi.metrics import Period

    month = Period.containing("month", selectors.local_today(store_a))
    response = client.get(reverse("kpi:store_report_xlsx", args=["a", month.start.year, month.start.month]))
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    cell = workbook.worksheets[3].cell(row=2, column=7)
    assert cell.value.startswith("'=") and cell.data_type == "s"


def test_a_director_s_store_dashboard_drills_into_that_store_only(client, director, store_a, store_b, personas):
    from aftersales.tests.factories import CustomerFactory, make_complaint

    make_complaint(store=store_a, by=personas["cs_supervisor"], customer=CustomerFactory(store=store_a))
    client.force_login(director)
    response = client.get(reverse("kpi:store_dashboard", args=["b"]))
    rows = {row["figure"].key: row for row in response.context["rows"]}
    assert f"store={store_b.pk}" in rows["complaints"]["now"].drill_url
    assert rows["complaints"]["now"].numerator == 0


def test_today_s_appointments_and_arrivals_link_to_exactly_those(client, personas, store_a, monkeypatch):
    import datetime as dt

    from django.http import QueryDict
    from django.test import RequestFactory

    from appointments.filters import AppointmentFilter
    from appointments.tests.factories import NOW, TUESDAY, at, book
    from kpi import selectors

    advisor = personas["advisor"]
    arrived = book(store_a, advisor, advisor=advisor)
    arrived.arrive(by=advisor, now=at(TUESDAY, 9, 55))
    book(store_a, advisor, starts_at=at(TUESDAY, 15))
    book(store_a, advisor, starts_at=at(TUESDAY, 16)).cancel(by=advisor, reason="改天", now=NOW)
    book(store_a, advisor, starts_at=at(TUESDAY + dt.timedelta(days=1), 10))
    monkeypatch.setattr(selectors, "local_today", lambda store: TUESDAY)
    client.force_login(personas["manager"])
    html = client.get(reverse("kpi:dashboard")).content.decode()
    for testid, expected in (("appointments-today", 2), ("appointments-arrived", 1)):
        start = html.index(f'data-testid="{testid}"')
        anchor = html.rindex("<a ", 0, start)
        url = html[anchor:start].split('href="')[1].split('"')[0].replace("&amp;", "&")
        assert html[start:].split(">")[1].split("<")[0] == str(expected)
        path, _sep, query = url.partition("?")
        request = RequestFactory().get(path)
        request.user = personas["manager"]
        assert AppointmentFilter(QueryDict(query), request=request).qs.count() == expected, url
        assert client.get(url).status_code == 200


def test_without_a_reports_replica_the_pages_say_nothing_about_one(client, personas):
    client.force_login(personas["manager"])
    response = client.get(reverse("kpi:dashboard"))
    assert response.status_code == 200 and response.context["freshness"] is None
    assert b"replica-as-of" not in response.content and b"replica-lagging" not in response.content
