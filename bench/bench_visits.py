"""Return-visit call figures on the dealer-group data set (`generate_dealer_group` at
BENCH_SCALE, with its ~10M follow-ups at scale 1):

- the callback queue page of one store, through Django's test client as that store's agent;
- "next call" (`claim_next`) for one agent of that store, handing each call back untimed;
- the call screen of a call that agent holds (`visits.call_page.*`), opened again and again;
- the morning job (`create_followups`) over 100,000 repair orders closed three days before a
  fixed day, in stores of their own (`fu-bench-*`, made once and kept);
- 50 agents in 50 processes pressing "next call" 20 times each on one of those stores, after
  each claim recording a call or handing it back: no call may be held by two agents at once.

The follow-ups, attempts and surveys the last two figures write are deleted at the start and
the end of a run (with their history rows), so the bench database stays as it was.

Django is imported inside the functions: the agents' processes are spawned, and import this
module (for `_press_next_call`) before their `django.setup()`.
"""
import datetime as dt
import multiprocessing
import os
import random
import sys
import time
import zoneinfo
from collections import Counter, defaultdict

from bench.run import count_queries, p95_ms, timed

WARMUP = 10
PAGE_REPEAT = 60
NEXT_CALL_REPEAT = 200
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")

# The morning job: repair orders closed on CLOSED_ON, called back 3 days later (seed 001's
# default rules for these repair types), in stores of their own.
MORNING_PREFIX = "fu-bench-"
MORNING_STORES = 4
MORNING_ORDERS = 100_000
MORNING_DAY = dt.date(2025, 6, 2)
CLOSED_ON = MORNING_DAY - dt.timedelta(days=3)
MORNING_TYPES = (("maintenance", 55), ("minor_repair", 80), ("warranty", 90), ("accident", 100))

# Concurrent "next call": agents (one process and connection each) and presses per agent.
AGENTS = 50
PRESSES = 20


def _agent(username, store):
    """A customer-service agent (role cs_agent) of `store`."""
    from django.contrib.auth.models import Group

    from aftersales.models import User
    from aftersales.roles import sync_roles

    if not Group.objects.filter(name="cs_agent").exists():
        sync_roles()
    user, created = User.objects.get_or_create(username=username, defaults={"full_name": "基准回访员"})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name="cs_agent"))
        user.stores.add(store)
    return user


# --- The queue page and "next call" on the generated group -------------------------------------

def _page_figures(agent, url, name):
    """p95 and queries of `url` as `agent` opens it again and again."""
    from django.test import Client

    client = Client()
    client.force_login(agent)

    def fetch():
        response = client.get(url)
        assert response.status_code == 200, response.status_code

    for _ in range(WARMUP):
        fetch()
    queries = count_queries(fetch)
    samples = timed(fetch, PAGE_REPEAT)
    return [(f"{name}.p95_ms", p95_ms(samples), "ms"), (f"{name}.queries", queries, "queries")]


def _queue_page_figures(store, agent):
    from django.urls import reverse

    return _page_figures(agent, reverse("visits:queue"), "visits.queue_page")


def _next_call_figure(agent):
    from visits.models import FollowUp
    from visits.services import claim_next, release

    # Claims left behind by an interrupted run would be handed back to this agent.
    FollowUp.objects.filter(claimed_by=agent).update(claimed_by=None, claimed_until=None)
    claimed = []

    def press():
        claimed.append(claim_next(agent=agent))

    def hand_back():
        followup = claimed.pop()
        assert followup is not None, "the queue of the benchmark store is empty"
        release(followup=followup, agent=agent)

    samples = []
    for n in range(WARMUP + NEXT_CALL_REPEAT):
        [took] = timed(press, 1)
        hand_back()
        if n >= WARMUP:
            samples.append(took)
    return ("visits.next_call.p95_ms", p95_ms(samples), "ms")


def _call_page_figures(agent):
    """The call screen an agent works each call on: the next call claimed, its page opened
    again and again, then handed back."""
    from django.urls import reverse

    from visits.services import claim_next, release

    followup = claim_next(agent=agent)
    assert followup is not None, "the queue of the benchmark store is empty"
    try:
        return _page_figures(agent, reverse("visits:call", args=[followup.pk]), "visits.call_page")
    finally:
        release(followup=followup, agent=agent)


# --- The morning job over 100,000 repair orders --------------------------------------------------

def _morning_stores():
    """MORNING_STORES stores with MORNING_ORDERS repair orders between them, all closed on
    CLOSED_ON, a customer and a car each (made once, then kept)."""
    from aftersales.models import Department, Store
    from customers.models import ServiceVisit

    stores = []
    per_store = MORNING_ORDERS // MORNING_STORES
    for n in range(1, MORNING_STORES + 1):
        store, created = Store.objects.get_or_create(
            code=f"{MORNING_PREFIX}{n}", defaults={"name": f"回访基准{n}号4S店", "phone": "010-88887777"}
        )
        if created:
            Department.objects.create(store=store, kind=Department.Kind.CUSTOMER_SERVICE, name="客服部")
        have = ServiceVisit.objects.filter(store=store).count()
        if have < per_store:
            _fill_morning_store(store, n, have, per_store)
        stores.append(store)
    return stores


def _fill_morning_store(store, number, have, target):
    from customers.generation import loading_transaction
    from customers.models import Customer, ServiceVisit, Vehicle, VehicleOwnership

    rng = random.Random(f"morning/{number}/{have}")
    visited = dt.datetime.combine(CLOSED_ON, dt.time(10), tzinfo=SHANGHAI)
    names = [Customer(name=name) for name in ("王芳", "李娜", "张伟", "刘洋", "陈静", "杨磊", "赵敏", "黄勇")]
    for customer in names:
        customer.refresh_search_keys()
    types = [kind for kind, _ in MORNING_TYPES]
    weights = [weight for _, weight in MORNING_TYPES]
    with loading_transaction():
        for first in range(have, target, 5_000):
            batch = range(first, min(first + 5_000, target))
            customers = []
            for k in batch:
                like = names[k % len(names)]
                customers.append(Customer(
                    store=store, name=like.name, name_pinyin=like.name_pinyin, name_initials=like.name_initials,
                    name_grams=like.name_grams, mobile=f"13{number}{k:08d}", visit_count=1,
                    recent_visit_count=1, last_visit_at=visited,
                    loyalty_tier="loyal" if k % 7 == 0 else "new",
                ))
            Customer.objects.bulk_create(customers)
            vehicles = Vehicle.objects.bulk_create(
                Vehicle(
                    store=store, owner=customer, vin=f"LFVBENCH{number}{k:08d}"[:17], plate=f"京F{k % 100000:05d}",
                    brand="大众", model="速腾", purchase_date=CLOSED_ON - dt.timedelta(days=400 + k % 2000),
                    warranty_end=CLOSED_ON + dt.timedelta(days=(k % 5) * 200 - 400),
                )
                for k, customer in zip(batch, customers)
            )
            VehicleOwnership.objects.bulk_create(
                VehicleOwnership(vehicle=vehicle, customer=vehicle.owner, started_on=vehicle.purchase_date)
                for vehicle in vehicles
            )
            orders = []
            for k, vehicle in zip(batch, vehicles):
                closed = dt.datetime.combine(CLOSED_ON, dt.time(8, 30), tzinfo=SHANGHAI) + dt.timedelta(
                    minutes=rng.randrange(540)
                )
                orders.append(ServiceVisit(
                    store=store, order_no=f"FU{number}{k:08d}", customer=vehicle.owner, vehicle=vehicle,
                    repair_type=rng.choices(types, cum_weights=weights)[0], status="closed",
                    opened_at=closed - dt.timedelta(hours=2), closed_at=closed, mileage=10_000 + k % 90_000,
                    amount=480, work_summary="常规保养", created_at=closed, updated_at=closed,
                ))
            ServiceVisit.objects.bulk_create(orders)


def _clear_calls(store_ids, analyze=False):
    """Everything the morning job and the agents wrote in these stores, with its history;
    `analyze` then refreshes the follow-ups' statistics, which would otherwise still count the
    100,000 calls just deleted (and mislead the plans of the queue's counts)."""
    from django.db import connection

    from customers.generation import loading_transaction

    tables = (
        "visits_dissatisfactionevent", "visits_dissatisfaction", "visits_surveyresponse",
        "visits_callattempt", "visits_followupevent", "visits_followup",
    )
    with loading_transaction(), connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {table} WHERE store_id = ANY(%s)", [list(store_ids)])
    if analyze:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE visits_followup")


def _morning_figure(stores):
    from django.db import connection

    from visits.services import create_followups

    store_ids = [s.pk for s in stores]
    _clear_calls(store_ids)
    started = time.perf_counter()
    created = create_followups(day=MORNING_DAY, store_ids=store_ids)
    took = time.perf_counter() - started
    if created["pending"] != MORNING_ORDERS:
        raise RuntimeError(f"the morning job created {dict(created)}, not {MORNING_ORDERS} pending calls")
    with connection.cursor() as cursor:  # as autovacuum would after 100,000 new rows
        cursor.execute("ANALYZE visits_followup")
    return ("visits.create_followups.100k_orders_s", round(took, 1), "s")


# --- 50 agents pressing "next call" at once --------------------------------------------------------

def _press_next_call(store_id, agent_id, presses, clock_base, clock_start, barrier, results):
    """In a child process with its own connection: press "next call" `presses` times; after
    each claim record a call (reached or not) or hand it back. Reports every claim with when it
    was got and when handing it back began."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings.dev")
    import django

    django.setup()
    from django.db import connection as child_connection

    from aftersales.models import User as ChildUser
    from visits.services import claim_next as child_claim_next
    from visits.services import record_attempt
    from visits.services import release as child_release

    def now():
        return clock_base + dt.timedelta(seconds=time.time() - clock_start)

    claims, errors, empty = [], [], 0
    try:
        agent = ChildUser.objects.get(pk=agent_id)
        barrier.wait(timeout=300)
        began = time.time()
        for n in range(presses):
            followup = child_claim_next(agent=agent, store_ids=[store_id], now=now())
            got = time.time()
            if followup is None:
                empty += 1
                continue
            letting_go = time.time()
            try:
                if n % 4 == 0:
                    child_release(followup=followup, agent=agent)
                elif n % 4 == 1:
                    record_attempt(followup_id=followup.pk, agent=agent, outcome="no_answer", now=now())
                else:
                    record_attempt(
                        followup_id=followup.pk, agent=agent, outcome="reached", now=now(),
                        answers={"overall": 5, "advisor": 5, "repair_quality": 4, "fixed_right": True},
                    )
            except Exception as error:  # noqa: BLE001 - reported to the parent
                errors.append(f"{type(error).__name__}: {error}")
            claims.append((followup.pk, agent_id, got, letting_go))
        results.put({"claims": claims, "errors": errors, "empty": empty, "began": began, "ended": time.time()})
    except Exception as error:  # noqa: BLE001
        results.put({"claims": claims, "errors": [*errors, f"{type(error).__name__}: {error}"], "empty": empty,
                     "began": time.time(), "ended": time.time()})
    finally:
        child_connection.close()


def _overlapping_claims(claims):
    """Claims of one follow-up by an agent while another still held it (had not yet begun to
    hand it back): each must wait until the first one's hand-back committed."""
    by_followup = defaultdict(list)
    for followup_id, agent_id, got, letting_go in claims:
        by_followup[followup_id].append((got, letting_go, agent_id))
    duplicates = 0
    for held in by_followup.values():
        held.sort()
        for (_, first_letting_go, first_agent), (second_got, _, second_agent) in zip(held, held[1:]):
            if second_agent != first_agent and second_got < first_letting_go:
                duplicates += 1
    return duplicates


def _concurrent_figures(store):
    from django.db import connection

    from aftersales.dburl import database_url
    from visits.models import FollowUp

    pending = FollowUp.objects.in_queue().filter(store=store, due_on__lte=MORNING_DAY).count()
    if pending < AGENTS * PRESSES:
        raise RuntimeError(f"{store.code} has {pending} calls to make, fewer than {AGENTS * PRESSES}")
    agents = [_agent(f"bench-cs-{store.code}-{n:02d}", store) for n in range(1, AGENTS + 1)]
    # The agents' clock: 10:00 on the day the calls are due, running on with the real one.
    clock_base = dt.datetime.combine(MORNING_DAY, dt.time(10), tzinfo=SHANGHAI)
    clock_start = time.time()
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(AGENTS), context.Queue()
    inherited = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = database_url(connection.settings_dict)  # the bench database
    connection.close()
    processes = [
        context.Process(
            target=_press_next_call,
            args=(store.pk, agent.pk, PRESSES, clock_base, clock_start, barrier, results),
        )
        for agent in agents
    ]
    try:
        for process in processes:
            process.start()
    finally:
        if inherited is not None:
            os.environ["DATABASE_URL"] = inherited
    reports = [results.get(timeout=600) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    errors = Counter(error for report in reports for error in report["errors"])
    if errors:
        raise RuntimeError(f"agents' errors: {dict(errors)}")
    claims = [claim for report in reports for claim in report["claims"]]
    empty = sum(report["empty"] for report in reports)
    if empty:
        print(f"# visits: {empty} presses found the queue empty", file=sys.stderr)
    seconds = max(r["ended"] for r in reports) - min(r["began"] for r in reports)
    return [
        ("visits.concurrent_next_call.claims", len(claims), "claims"),
        ("visits.concurrent_next_call.duplicates", _overlapping_claims(claims), "claims"),
        ("visits.concurrent_next_call.claims_per_s", round(len(claims) / seconds), "claims/s"),
    ]


def run(scale):
    from aftersales.models import Store
    from customers.generation import PREFIX, generate_dealer_group

    generate_dealer_group(scale)  # idempotent: cheap once the data set is there
    store = Store.objects.get(code=f"{PREFIX}001")
    agent = _agent(f"bench-cs-{store.code}", store)
    yield from _queue_page_figures(store, agent)
    yield _next_call_figure(agent)
    yield from _call_page_figures(agent)

    stores = _morning_stores()
    try:
        yield _morning_figure(stores)
        yield from _concurrent_figures(stores[0])
    finally:
        _clear_calls([s.pk for s in stores], analyze=True)
