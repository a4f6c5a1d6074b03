"""Customer file figures on the dealer-group data set (`generate_dealer_group` at BENCH_SCALE):
the search box by name, pinyin, mobile, plate and VIN, and the page of a customer with 30
repair orders (and its return-visit section, which loads after it), each through Django's test
client as a group-wide manager.

Every request of a figure asks something different, drawn from the generated data, so the
figures are not one cached plan and one hot page."""
import random

from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import Count, Max, Min
from django.test import Client
from django.urls import reverse

from aftersales.models import User
from aftersales.roles import sync_roles
from bench.run import p95_ms, timed
from customers.generation import PREFIX, generate_dealer_group
from customers.models import Customer, ServiceVisit, Vehicle

WARMUP = 10
REPEAT = 60
SEED = 4


def _manager():
    """A manager who sees every store (the same user as the platform benchmark's)."""
    sync_roles()
    user, _ = User.objects.get_or_create(username="bench-director", defaults={"all_stores": True})
    if not user.all_stores:
        user.all_stores = True
        user.save(update_fields=["all_stores"])
    user.groups.add(Group.objects.get(name="manager"))
    return user


def _sample(model, count, rng, fields):
    """`count` random rows of the group (by id, so no ORDER BY random() over millions)."""
    rows = model.objects.filter(store__code__startswith=PREFIX)
    bounds = rows.aggregate(low=Min("id"), high=Max("id"))
    found = {}
    while len(found) < count:
        ids = [rng.randint(bounds["low"], bounds["high"]) for _ in range(2 * count)]
        for row in rows.filter(id__in=ids).values("id", *fields):
            found.setdefault(row["id"], row)
    picked = sorted(found)
    rng.shuffle(picked)
    return [found[pk] for pk in picked[:count]]


def search_queries(rng, count=WARMUP + REPEAT):
    """Search-box entries people type, by kind, drawn from the data."""
    customers = _sample(Customer, count, rng, ["name", "name_pinyin", "name_initials", "mobile"])
    vehicles = _sample(Vehicle, count, rng, ["plate", "vin"])

    def name_fragment(name):
        # The given name or the surname with the first given character; two-character names whole.
        return name if len(name) <= 2 else rng.choice((name[1:], name[:2]))

    def plate_fragment(plate):
        # Without the province character: the whole rest (B12345) or its start (B123).
        tail = plate[1:]
        return tail if rng.random() < 0.5 else tail[: rng.randint(4, len(tail) - 1)]

    return {
        "name": [name_fragment(c["name"]) for c in customers],
        # Full pinyin and initials, half each.
        "pinyin": [c["name_pinyin"] if n % 2 else c["name_initials"] for n, c in enumerate(customers)],
        "mobile_last4": [c["mobile"][-4:] for c in customers if c["mobile"]],
        "plate": [plate_fragment(v["plate"]) for v in vehicles],
        "vin_last6": [v["vin"][-6:] for v in vehicles],
    }


def customer_with_orders(orders=30):
    """The first customer of grp-001 has 30 repair orders by construction; else find one."""
    first = Customer.objects.filter(store__code=f"{PREFIX}001").order_by("pk").first()
    if first is not None and first.service_visits.count() == orders:
        return first
    row = (
        ServiceVisit.objects.filter(store__code__startswith=PREFIX)
        .values("customer").alias(n=Count("id")).filter(n=orders).order_by("customer")[:1]
    )
    if not row:
        raise RuntimeError(f"no customer of the group has {orders} repair orders")
    return Customer.objects.get(pk=row[0]["customer"])


def _count_queries(client, url, params=None):
    executed = []

    def count(execute, sql, params_, many, context):
        executed.append(sql)
        return execute(sql, params_, many, context)

    with connection.execute_wrapper(count):
        response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    return len(executed)


def run(scale):
    generate_dealer_group(scale)  # idempotent: cheap once the data set is there
    client = Client()
    client.force_login(_manager())

    url = reverse("customers:search")
    for kind, queries in search_queries(random.Random(SEED)).items():
        warmup, measured = queries[:WARMUP], queries[WARMUP:]
        for q in warmup:
            # One match opens the customer's file (a redirect): that is an answer too.
            assert client.get(url, {"q": q}).status_code in (200, 302)
        entries = iter(measured)
        samples = timed(lambda: client.get(url, {"q": next(entries)}), len(measured))
        yield f"customers.search.{kind}.p95_ms", p95_ms(samples), "ms"

    customer = customer_with_orders(30)
    yield from _page_figures(client, reverse("customers:detail", args=[customer.pk]), "customers.page")
    # The page's return-visit section, which the page loads once it is shown.
    yield from _page_figures(client, reverse("visits:customer_calls", args=[customer.pk]),
                             "customers.page_calls_section")


def _page_figures(client, url, name):
    for _ in range(WARMUP):
        client.get(url)
    queries = _count_queries(client, url)
    samples = timed(lambda: client.get(url), REPEAT)
    yield f"{name}.p95_ms", p95_ms(samples), "ms"
    yield f"{name}.queries", queries, "queries"
