"""KPI figures on the dealer-group data set (`generate_dealer_group` at BENCH_SCALE: 5M repair
orders, ~10M calls, 500,000 complaints, 2.5M appointments at scale 1), every page through
Django's test client:

- the store dashboard (this month against target, 13 months of trends, today's counts) as the
  after-sales manager of one store, after the roll-up its trend's earlier months read;
- the group view (every store side by side for a month, ranked) as the group's director (a
  manager who sees every store);
- the roll-up the group's pages read (kpi/rollup.py): the nightly count of the trend's 13 months
  for every store (`kpi.rollup_s`) and the current month's count the beat repeats every few
  minutes;
- the monthly satisfaction report of the group, page and Excel workbook (with its peak memory:
  the Python heap's peak while it is built, tracemalloc), and one store's (`kpi.store_monthly_*`);
  the group's report figures as the monthly job counts them from the records
  (`kpi.group_report_figures_ms`);
- the drill-down lists the dashboard's numbers link to (complaints, repair orders,
  appointments, customers), each link of this month's dashboard in turn.

The store's report and the dashboard's tiles and last two months count live from the records;
the group's pages and the dashboard's earlier months read the roll-up. Each page's query
count is printed beside its time.
"""
import time
import tracemalloc
from collections import defaultdict
from urllib.parse import urlsplit

from bench.run import count_queries, p95_ms, timed

WARMUP = 3
REPEAT = 20
REPORT_REPEAT = 10
DRILL_REPEAT = 10
LIST_NAMES = {"complaints:list": "complaints", "customers:visit_list": "repair_orders",
              "appointments:list": "appointments", "customers:list": "customers"}


def _user(username, stores, role="manager"):
    from django.contrib.auth.models import Group

    from aftersales.models import User
    from aftersales.roles import sync_roles

    if not Group.objects.filter(name=role).exists():
        sync_roles()
    user, created = User.objects.get_or_create(username=username, defaults={"full_name": "基准经理"})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name=role))
    user.stores.set(stores)
    return user


def _page(client, url, repeat=REPEAT):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    for _ in range(WARMUP):
        client.get(url)
    queries = count_queries(lambda: client.get(url))

    def fetch():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    return p95_ms(timed(fetch, repeat)), queries


def _reverse(name, *args):
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _workbook_figures(client, url, prefix):
    """Seconds to download the workbook, and the Python heap's peak while it is built."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    b"".join(response.streaming_content) if response.streaming else response.content
    seconds = []
    for _ in range(3):
        started = time.perf_counter()
        response = client.get(url)
        b"".join(response.streaming_content) if response.streaming else response.content
        seconds.append(time.perf_counter() - started)
    tracemalloc.start()
    response = client.get(url)
    b"".join(response.streaming_content) if response.streaming else response.content
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return [(f"{prefix}_s", round(min(seconds), 2), "s"), (f"{prefix}_peak_mb", round(peak / 2 ** 20, 1), "MB")]


def _drill_urls(store, period):
    """Every drill-down link of the store's dashboard for `period`, by list."""
    from kpi.metrics import FIGURES, HEADLINE

    urls = defaultdict(list)
    for key in HEADLINE:
        figure = FIGURES[key]
        if figure.drill is None:
            continue
        url = figure.drill(period, {"store": store.pk})
        if url:
            urls[urlsplit(url).path].append(url)
    return urls


def _drill_figures(client, store, period):
    from django.urls import resolve

    samples, figures = [], []
    for path, urls in sorted(_drill_urls(store, period).items()):
        match = resolve(path)
        name = LIST_NAMES.get(match.view_name, match.view_name.replace(":", "_"))
        list_samples, queries = [], 0
        for url in dict.fromkeys(urls):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            client.get(url)
            queries = max(queries, count_queries(lambda u=url: client.get(u)))
            list_samples += timed(lambda u=url: client.get(u), DRILL_REPEAT)
        samples += list_samples
        figures += [(f"kpi.drilldown.{name}.p95_ms", p95_ms(list_samples), "ms"),
                    (f"kpi.drilldown.{name}.queries", queries, "queries")]
    return [("kpi.drilldown.p95_ms", p95_ms(samples), "ms"), *figures]


def run(scale):
    from django.test import Client

    from aftersales.models import Store
    from customers.generation import PREFIX, generate_dealer_group
    from kpi import metrics, reports, rollup, selectors
    from kpi.metrics import Period

    generate_dealer_group(scale)  # idempotent: cheap once the data set is there
    stores = list(Store.objects.filter(code__startswith=PREFIX, is_active=True).order_by("code"))
    store = stores[0]
    manager = Client()
    manager.force_login(_user(f"bench-kpi-mgr-{store.code}", [store]))
    director = Client()
    director.force_login(_user("bench-kpi-director", stores))
    today = selectors.local_today(store)
    this_month = Period.containing("month", today)
    last_month = this_month.previous()

    # The group's pages and the store dashboard's earlier months read the roll-up: counted here
    # as the nightly job counts it (the trend's 13 months of every store), and as the job every
    # few minutes counts the current month.
    started = time.perf_counter()
    rows = rollup.refresh_nightly()
    yield "kpi.rollup_s", round(time.perf_counter() - started, 1), "s"
    yield "kpi.rollup.rows", rows, "rows"
    started = time.perf_counter()
    rollup.refresh_current()
    yield "kpi.rollup_current_month_s", round(time.perf_counter() - started, 1), "s"

    p95, queries = _page(manager, _reverse("kpi:store_dashboard", store.code))
    yield "kpi.store_dashboard.p95_ms", p95, "ms"
    yield "kpi.store_dashboard.queries", queries, "queries"

    p95, queries = _page(director, f"{_reverse('kpi:group')}?month={last_month}")
    yield "kpi.group_view.p95_ms", p95, "ms"
    yield "kpi.group_view.queries", queries, "queries"

    month_args = (last_month.start.year, last_month.start.month)
    p95, queries = _page(director, _reverse("kpi:group_report", *month_args), REPORT_REPEAT)
    yield "kpi.monthly_report.p95_ms", p95, "ms"
    yield "kpi.monthly_report.queries", queries, "queries"
    yield from _workbook_figures(director, _reverse("kpi:group_report_xlsx", *month_args), "kpi.monthly_xlsx")

    p95, queries = _page(manager, _reverse("kpi:store_report", store.code, *month_args), REPORT_REPEAT)
    yield "kpi.store_monthly_report.p95_ms", p95, "ms"
    yield "kpi.store_monthly_report.queries", queries, "queries"
    yield from _workbook_figures(manager, _reverse("kpi:store_report_xlsx", store.code, *month_args),
                                 "kpi.store_monthly_xlsx")
    # The group's report as the job on the 1st keeps it: counted from the records, not the roll-up.
    zone = metrics.zone_of(stores)
    ids = [s.pk for s in stores]
    samples = timed(lambda: reports.live_figures(ids, last_month, zone), 3)
    yield "kpi.group_report_figures_ms", round(min(samples) * 1000, 1), "ms"

    yield from _drill_figures(manager, store, this_month)

