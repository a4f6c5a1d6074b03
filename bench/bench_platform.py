"""Platform figures: the store list and store page at dealer-group size (~50 stores)."""
from django.test import Client
from django.db import connection
from django.urls import reverse

from aftersales.models import Department, Store, User
from aftersales.roles import sync_roles
from bench.run import p95_ms, timed

REPEAT = 200


def _ensure_stores(count):
    existing = Store.objects.filter(code__startswith="bench-").count()
    Store.objects.bulk_create(
        Store(code=f"bench-{n:03d}", name=f"基准{n:03d}号4S店", address="基准路1号")
        for n in range(existing, count)
    )
    for store in Store.objects.filter(code__startswith="bench-", departments__isnull=True):
        Department.objects.bulk_create(
            Department(store=store, kind=kind, name=label)
            for kind, label in [("workshop", "车间"), ("parts", "配件部"), ("sales", "销售部")]
        )


def _director():
    from django.contrib.auth.models import Group

    sync_roles()
    user, created = User.objects.get_or_create(username="bench-director", defaults={"all_stores": True})
    user.groups.add(Group.objects.get(name="manager"))
    return user


def run(scale):
    _ensure_stores(max(2, round(50 * scale)))
    client = Client()
    client.force_login(_director())
    store = Store.objects.filter(code__startswith="bench-").first()
    pages = {
        "platform.store_list": reverse("store_list"),
        "platform.store_page": reverse("store_detail", args=[store.pk]),
        # A manager's start page is the KPI dashboard (measured in bench_kpi); the workbench
        # is one click away.
        "platform.workbench": f"{reverse('home')}?workbench=1",
    }
    for name, url in pages.items():
        client.get(url)  # warm caches and the connection
        executed = []

        def count(execute, sql, params, many, context):
            executed.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            assert client.get(url).status_code == 200
        samples = timed(lambda: client.get(url), REPEAT)
        yield f"{name}.p95_ms", p95_ms(samples), "ms"
        yield f"{name}.queries", len(executed), "queries"
