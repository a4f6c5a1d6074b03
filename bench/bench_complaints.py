"""Complaint figures on the dealer-group data set (`generate_dealer_group` at BENCH_SCALE, with
its 500,000 complaints at scale 1, 5% of them open):

- the complaint list of one store (GET /complaints/) through Django's test client as that
  store's customer-service supervisor: the first page as it opens, and filtered (open ones;
  a category and a severity; overdue only; closed ones by channel), the requests taken in
  turn; the queries figure is the most any of those pages ran;
- the page of a complaint of that store, a different random one each request;
- the list's search box (`complaints.search.p95_ms`), the entries taken in turn: words of the
  descriptions (common ones, a rare one, two found nowhere, two words), a complaint number, a
  customer's name and a two-character one, a mobile's last four, a plate; as the store's
  supervisor, then as a user
  of every store of the group (`complaints.search_group.p95_ms`);
- one escalation pass (`complaints.escalation.escalate_overdue`) over every open complaint of
  the group (25,000 at scale 1): their escalation is reset (level 0, due at their deadline) and
  the pass runs at a moment just after the last deadline, so every open complaint is overdue
  and those overdue for a day or two go up two or three levels at once (an e-mail per level
  and person). Afterwards the complaints are put back as they were and what the pass wrote
  (e-mails, history rows) is deleted.
"""
import random
import sys
import time

from bench.run import count_queries, p95_ms, timed

WARMUP = 10
LIST_REPEAT = 100
DETAIL_REPEAT = 100
SEARCH_REPEAT = 100
SEED = 7
LIST_FILTERS = (
    {},
    {"status": "open"},
    {"category": "repair_quality", "severity": "general"},
    {"overdue": "on"},
    {"status": "closed", "channel": "phone"},
)


def _supervisor(store, every_store=False):
    """A customer-service supervisor (role cs_supervisor) of `store`, or of every store of the
    group, with no e-mail address, so the escalation pass never writes to this user."""
    from django.contrib.auth.models import Group

    from aftersales.models import Store, User
    from aftersales.roles import sync_roles
    from customers.generation import PREFIX

    if not Group.objects.filter(name="cs_supervisor").exists():
        sync_roles()
    username = "bench-cs-sup-group" if every_store else f"bench-cs-sup-{store.code}"
    user, created = User.objects.get_or_create(username=username, defaults={"full_name": "基准客服主管"})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name="cs_supervisor"))
        user.stores.add(*(Store.objects.filter(code__startswith=PREFIX) if every_store else [store]))
    return user


def _missing(name, response):
    """The views are written alongside this bench: a 404 means "not there yet"."""
    if response.status_code == 404:
        print(f"# complaints: the {name} view answers 404 (not written yet?); no figure", file=sys.stderr)
        return True
    assert response.status_code == 200, (name, response.status_code)
    return False


def _list_figures(client):
    from django.urls import reverse

    url = reverse("complaints:list")
    if _missing("list", client.get(url)):
        return []
    turn = iter(range(10 ** 9))

    def fetch():
        params = LIST_FILTERS[next(turn) % len(LIST_FILTERS)]
        response = client.get(url, params)
        assert response.status_code == 200, (params, response.status_code)

    for _ in range(WARMUP):
        fetch()
    queries = max(
        count_queries(lambda p=params: client.get(url, p)) for params in LIST_FILTERS
    )
    samples = timed(fetch, LIST_REPEAT)
    return [("complaints.list.p95_ms", p95_ms(samples), "ms"), ("complaints.list.queries", queries, "queries")]


def _search_entries(store):
    """What people type into the search box, taken from the store's own records."""
    from complaints.models import Complaint

    complaint = Complaint.objects.filter(store=store).select_related("customer").order_by("-id").first()
    vehicle = complaint.customer.vehicles.order_by("id").first()
    # A two-character name and a two-character word in no description are looked up by one gram
    # the statistics do not list (complaints.selectors.words_misjudged_by_statistics).
    short_name = (Complaint.objects.filter(store=store, customer__name__regex=r"^.{2}$")
                  .values_list("customer__name", flat=True).order_by("-id").first())
    return [
        "异响", "态度", "等待时间", "刹车 异响", "色差", "鼓包漏气", "抖动",
        complaint.number, complaint.customer.name, *([short_name] if short_name else []),
        complaint.customer.mobile[-4:], *([vehicle.plate] if vehicle else []),
    ]


def _search_figures(client, store, name):
    from django.urls import reverse

    url = reverse("complaints:list")
    entries = _search_entries(store)
    turn = iter(range(10 ** 9))

    def fetch():
        words = entries[next(turn) % len(entries)]
        response = client.get(url, {"words": words})
        assert response.status_code == 200, (words, response.status_code)

    for _ in range(WARMUP):
        fetch()
    queries = max(count_queries(lambda w=words: client.get(url, {"words": w})) for words in entries)
    samples = timed(fetch, SEARCH_REPEAT)
    return [(f"complaints.{name}.p95_ms", p95_ms(samples), "ms"), (f"complaints.{name}.queries", queries, "queries")]


def _sample_ids(store, count, rng):
    """`count` random complaints of the store (by id, no ORDER BY random())."""
    from django.db.models import Max, Min

    from complaints.models import Complaint

    rows = Complaint.objects.filter(store=store)
    bounds = rows.aggregate(low=Min("id"), high=Max("id"))
    found = set()
    while len(found) < count:
        ids = [rng.randint(bounds["low"], bounds["high"]) for _ in range(2 * count)]
        found.update(rows.filter(id__in=ids).values_list("id", flat=True))
    picked = sorted(found)
    rng.shuffle(picked)
    return picked[:count]


def _detail_figure(client, store):
    from django.urls import reverse

    ids = iter(_sample_ids(store, WARMUP + DETAIL_REPEAT + 1, random.Random(SEED)))
    if _missing("detail", client.get(reverse("complaints:detail", args=[next(ids)]))):
        return []

    def fetch():
        response = client.get(reverse("complaints:detail", args=[next(ids)]))
        assert response.status_code == 200, response.status_code

    for _ in range(WARMUP):
        fetch()
    samples = timed(fetch, DETAIL_REPEAT)
    return [("complaints.detail.p95_ms", p95_ms(samples), "ms")]


OPEN_SQL = "status IN ('new', 'assigned', 'answered')"


def _escalation_figures():
    """The pass commits batch by batch as in production (its history rows and deferred
    foreign-key checks included); the escalation state of the open complaints is kept in a
    temporary table before and put back after, and the e-mails and history rows it wrote are
    deleted, so the data set stays as generated."""
    import datetime as dt

    from django.db import connection

    from aftersales.messaging.models import OutboundMessage
    from complaints.escalation import escalate_overdue
    from customers.generation import loading_transaction

    overdue_mails = "DELETE FROM aftersales_outboundmessage WHERE kind = 'complaint_overdue'"
    with loading_transaction(), connection.cursor() as cursor:
        cursor.execute(overdue_mails)  # left by an interrupted run, whose keys would be skipped
        cursor.execute("DROP TABLE IF EXISTS bench_escalation")
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_escalation AS SELECT e.complaint_id, e.level, e.escalate_at "
            f"FROM complaints_complaintescalation e JOIN complaints_complaint c ON c.id = e.complaint_id "
            f"WHERE c.{OPEN_SQL}"
        )
        cursor.execute(
            "UPDATE complaints_complaintescalation e SET level = 0, escalate_at = c.due_at "
            f"FROM complaints_complaint c WHERE c.id = e.complaint_id AND c.{OPEN_SQL}"
        )
        reset = cursor.rowcount
        cursor.execute(f"SELECT max(due_at) FROM complaints_complaint WHERE {OPEN_SQL}")
        (last_deadline,) = cursor.fetchone()
    if last_deadline is None:
        raise RuntimeError("the group has no open complaint")
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        (began,) = cursor.fetchone()
    try:
        started = time.perf_counter()
        made = escalate_overdue(now=last_deadline + dt.timedelta(minutes=1))
        took = time.perf_counter() - started
        written = OutboundMessage.objects.filter(kind="complaint_overdue").count()
    finally:
        with loading_transaction(), connection.cursor() as cursor:
            cursor.execute(overdue_mails)
            cursor.execute("DELETE FROM complaints_complaintescalationevent WHERE pgh_created_at >= %s", [began])
            cursor.execute(
                "UPDATE complaints_complaintescalation e SET level = b.level, escalate_at = b.escalate_at "
                "FROM bench_escalation b WHERE e.complaint_id = b.complaint_id"
            )
            cursor.execute("DROP TABLE bench_escalation")
        # The pass and the restore leave 50,000 dead row versions behind; without this the next
        # run would read them.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) complaints_complaintescalation, aftersales_outboundmessage")
    return [
        ("complaints.escalation_pass_s", round(took, 2), "s"),
        ("complaints.escalation_pass.open_complaints", reset, "complaints"),
        ("complaints.escalation_pass.escalations", made, "escalations"),
        ("complaints.escalation_pass.emails", written, "emails"),
    ]


def run(scale):
    from django.test import Client

    from aftersales.models import Store
    from customers.generation import PREFIX, generate_dealer_group

    generate_dealer_group(scale)  # idempotent: cheap once the data set is there
    store = Store.objects.get(code=f"{PREFIX}001")
    client = Client()
    client.force_login(_supervisor(store))
    yield from _list_figures(client)
    yield from _detail_figure(client, store)
    yield from _search_figures(client, store, "search")
    group = Client()
    group.force_login(_supervisor(store, every_store=True))
    yield from _search_figures(group, store, "search_group")
    yield from _escalation_figures()
